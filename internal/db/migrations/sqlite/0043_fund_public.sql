-- The public fund ledger (internal/fund/transparency): one row per posting
-- of the fund as the public may see it (no donor, no household), written in
-- the poster's transaction, and the monthly rollups and balances kept up to
-- date in the same transaction, so that the public page reads only small
-- tables on their indexes and never scans the journal.
CREATE TABLE fund_public_journal (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL,
    entry_id        INTEGER NOT NULL DEFAULT 0,  -- the ledger entry
    audit_seq       INTEGER NOT NULL DEFAULT -1, -- the audit record of the posting; -1: not known yet
    posted_at       TIMESTAMP NOT NULL,
    month           INTEGER NOT NULL,            -- yyyymm of posted_at, in UTC
    direction       TEXT NOT NULL CHECK (direction IN ('in', 'out', 'suspense')),
    source_kind     TEXT NOT NULL DEFAULT '',
    donor_kind      TEXT NOT NULL DEFAULT '',
    program_id      INTEGER NOT NULL DEFAULT 0,
    campaign_id     INTEGER NOT NULL DEFAULT 0,
    restriction_key TEXT NOT NULL DEFAULT 'general',
    zakat           INTEGER NOT NULL DEFAULT 0,
    currency        TEXT NOT NULL,
    amount          INTEGER NOT NULL
);
-- The latest postings of a member, paged by id (keyset), and of a direction.
CREATE INDEX fund_public_journal_member ON fund_public_journal (member_id, id);
CREATE INDEX fund_public_journal_direction ON fund_public_journal (member_id, direction, id);
CREATE INDEX fund_public_journal_entry ON fund_public_journal (entry_id);

-- Monthly rollups: amount and number of postings per member, month,
-- direction, source kind, donor kind, program, restriction, campaign and
-- currency.
CREATE TABLE fund_public_rollups (
    member_id       INTEGER NOT NULL,
    direction       TEXT NOT NULL,
    month           INTEGER NOT NULL,
    source_kind     TEXT NOT NULL,
    donor_kind      TEXT NOT NULL,
    program_id      INTEGER NOT NULL,
    restriction_key TEXT NOT NULL,
    campaign_id     INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    n               INTEGER NOT NULL,
    PRIMARY KEY (member_id, direction, month, source_kind, donor_kind, program_id, restriction_key, campaign_id, currency)
);
CREATE INDEX fund_public_rollups_campaign ON fund_public_rollups (campaign_id, direction, program_id);

-- All-time totals per pool (restriction) for the balances: money in, money
-- out, and the number of postings in.
CREATE TABLE fund_public_balances (
    member_id       INTEGER NOT NULL,
    restriction_key TEXT NOT NULL,
    currency        TEXT NOT NULL,
    amount_in       INTEGER NOT NULL DEFAULT 0,
    amount_out      INTEGER NOT NULL DEFAULT 0,
    n_in            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, restriction_key, currency)
);
