-- The fund's donations, receipts, exchange rates, pledges and campaigns
-- (internal/fund/gift). Amounts are minor units; a rate is an exact integer
-- ratio num/den (one major unit of from_currency is num/den major units of
-- to_currency), never a float.
CREATE TABLE fund_rates (
    id            BIGSERIAL PRIMARY KEY,
    member_id     BIGINT NOT NULL REFERENCES members (id),
    from_currency TEXT NOT NULL,
    to_currency   TEXT NOT NULL,
    num           BIGINT NOT NULL CHECK (num > 0),
    den           BIGINT NOT NULL CHECK (den > 0),
    source        TEXT NOT NULL,
    on_date       TEXT NOT NULL,
    recorded_by   BIGINT NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    CHECK (from_currency <> to_currency)
);
CREATE INDEX fund_rates_pair ON fund_rates (member_id, from_currency, to_currency, on_date);

CREATE TABLE fund_campaigns (
    id          BIGSERIAL PRIMARY KEY,
    member_id   BIGINT NOT NULL REFERENCES members (id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    story       TEXT NOT NULL DEFAULT '',
    story_en    TEXT NOT NULL DEFAULT '',
    goal        BIGINT NOT NULL CHECK (goal >= 0),
    currency    TEXT NOT NULL,
    starts      TIMESTAMPTZ NOT NULL,
    ends        TIMESTAMPTZ,
    restriction TEXT NOT NULL DEFAULT '{}',
    public      BOOLEAN NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    created_by  BIGINT NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (member_id, code)
);
CREATE INDEX fund_campaigns_public ON fund_campaigns (public, status, member_id);

CREATE TABLE fund_pledges (
    id          BIGSERIAL PRIMARY KEY,
    member_id   BIGINT NOT NULL REFERENCES members (id),
    donor_id    BIGINT NOT NULL,
    amount      BIGINT NOT NULL CHECK (amount > 0),
    currency    TEXT NOT NULL,
    frequency   TEXT NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'yearly')),
    starts      TEXT NOT NULL,
    ends        TEXT NOT NULL DEFAULT '',
    instalments BIGINT NOT NULL DEFAULT 0 CHECK (instalments >= 0),
    restriction TEXT NOT NULL DEFAULT '{}',
    reference   TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
    created_by  BIGINT NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX fund_pledges_member ON fund_pledges (member_id, status);
CREATE INDEX fund_pledges_donor ON fund_pledges (member_id, donor_id);

-- One counter per member and calendar year: a receipt number is taken by
-- an UPDATE of this row in the donation's transaction, so numbers follow
-- one another without a gap (a rolled-back posting gives its number back).
CREATE TABLE fund_receipt_counters (
    member_id BIGINT NOT NULL REFERENCES members (id),
    year      BIGINT NOT NULL,
    last      BIGINT NOT NULL CHECK (last >= 0),
    PRIMARY KEY (member_id, year)
);

CREATE TABLE fund_donations (
    id              BIGSERIAL PRIMARY KEY,
    member_id       BIGINT NOT NULL REFERENCES members (id),
    donor_id        BIGINT NOT NULL,
    donor_kind      TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CHECK (kind IN ('cash', 'transfer', 'card', 'in_kind')),
    currency        TEXT NOT NULL,
    amount          BIGINT NOT NULL CHECK (amount > 0),
    orig_currency   TEXT NOT NULL,
    orig_amount     BIGINT NOT NULL CHECK (orig_amount > 0),
    rate_id         BIGINT NOT NULL DEFAULT 0,
    received_on     TIMESTAMPTZ NOT NULL,
    restriction     TEXT NOT NULL DEFAULT '{}',
    restriction_key TEXT NOT NULL,
    campaign_id     BIGINT NOT NULL DEFAULT 0,
    zakat           BOOLEAN NOT NULL,
    pledge_id       BIGINT NOT NULL DEFAULT 0,
    reference       TEXT NOT NULL DEFAULT '',
    statement_ref   TEXT NOT NULL DEFAULT '',
    from_suspense   BOOLEAN NOT NULL,
    goods           TEXT NOT NULL DEFAULT '',
    valued_by       TEXT NOT NULL DEFAULT '',
    valued_on       TEXT NOT NULL DEFAULT '',
    memo            TEXT NOT NULL DEFAULT '',
    receipt         TEXT NOT NULL,
    receipt_year    BIGINT NOT NULL,
    receipt_seq     BIGINT NOT NULL CHECK (receipt_seq > 0),
    entry_id        BIGINT NOT NULL,
    batch           BOOLEAN NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('recorded', 'cancelled')),
    cancel_reason   TEXT NOT NULL DEFAULT '',
    cancel_entry_id BIGINT NOT NULL DEFAULT 0,
    cancelled_by    BIGINT NOT NULL DEFAULT 0,
    cancelled_at    TIMESTAMPTZ,
    prints          BIGINT NOT NULL DEFAULT 0,
    created_by      BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL
);
-- A receipt number ("JO-2026-000123": member, year and sequence) is never
-- used twice, cancelled or not.
CREATE UNIQUE INDEX fund_donations_receipt ON fund_donations (receipt);
CREATE INDEX fund_donations_member ON fund_donations (member_id, received_on);
CREATE INDEX fund_donations_donor ON fund_donations (member_id, donor_id);
-- A campaign's progress is summed on this index.
CREATE INDEX fund_donations_campaign ON fund_donations (campaign_id, status, donor_id, amount) WHERE campaign_id <> 0;
CREATE INDEX fund_donations_pledge ON fund_donations (pledge_id, status) WHERE pledge_id <> 0;
