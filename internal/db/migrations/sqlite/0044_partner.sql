-- Private-sector partners (internal/partner): companies, banks, foundations
-- and chambers of commerce of a member, their agreements (memoranda) with
-- documents, their pledges of money, goods, jobs or training places, and
-- the deliveries against each pledge.

CREATE TABLE partners (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    name_ar         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    name_key        TEXT NOT NULL,              -- arabic.NameKey of name_ar: the duplicate check
    sector          TEXT NOT NULL,              -- company, bank, foundation, chamber, telecom, food, other
    reg_no          TEXT NOT NULL,              -- registration number as written ('' when unknown)
    reg_key         TEXT NOT NULL,              -- reg_no with digits folded and spaces removed
    contacts        TEXT NOT NULL,              -- JSON array of contact persons
    governorate     TEXT NOT NULL,
    district        TEXT NOT NULL,
    locality        TEXT NOT NULL,
    address         TEXT NOT NULL,
    website         TEXT NOT NULL,              -- as written, never fetched
    logo            BLOB,
    logo_type       TEXT NOT NULL,
    consent_public  INTEGER NOT NULL,
    consent_at      TIMESTAMP,
    status          TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    version         INTEGER NOT NULL,
    created_by      INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (member_id, name_key)
);
CREATE UNIQUE INDEX partners_reg ON partners (member_id, reg_key) WHERE reg_key <> '';
CREATE INDEX partners_public ON partners (consent_public, member_id);

CREATE TABLE partner_agreements (
    id                INTEGER PRIMARY KEY,
    member_id         INTEGER NOT NULL REFERENCES members (id),
    partner_id        INTEGER NOT NULL REFERENCES partners (id),
    title             TEXT NOT NULL,
    signed_on         TEXT NOT NULL,            -- YYYY-MM-DD ('' when not yet signed)
    starts_on         TEXT NOT NULL,
    ends_on           TEXT NOT NULL,            -- '' when open-ended
    status            TEXT NOT NULL CHECK (status IN ('draft', 'active', 'terminated')),
    scope             TEXT NOT NULL,
    terminated_reason TEXT NOT NULL,
    terminated_at     TIMESTAMP,
    version           INTEGER NOT NULL,
    created_by        INTEGER NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX partner_agreements_partner ON partner_agreements (partner_id, id);

CREATE TABLE partner_documents (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    partner_id   INTEGER NOT NULL REFERENCES partners (id),
    agreement_id INTEGER REFERENCES partner_agreements (id), -- NULL: a delivery's evidence
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    created_by   INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX partner_documents_agreement ON partner_documents (agreement_id, id);

CREATE TABLE partner_pledges (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    partner_id    INTEGER NOT NULL REFERENCES partners (id),
    agreement_id  INTEGER REFERENCES partner_agreements (id),
    kind          TEXT NOT NULL CHECK (kind IN ('money', 'goods', 'jobs', 'training')),
    currency      TEXT NOT NULL,
    target        INTEGER NOT NULL CHECK (target > 0), -- minor units (money) or units, positions, places
    value         INTEGER NOT NULL,                    -- goods: their value in minor units
    description   TEXT NOT NULL,
    unit          TEXT NOT NULL,
    role          TEXT NOT NULL,
    area_code     TEXT NOT NULL,
    groups        TEXT NOT NULL,                      -- space-separated target groups
    course        TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'partial', 'delivered', 'cancelled')),
    delivered     INTEGER NOT NULL CHECK (delivered >= 0 AND delivered <= target),
    delivered_value INTEGER NOT NULL,
    cancel_reason TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_by    INTEGER NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX partner_pledges_partner ON partner_pledges (partner_id, id);
CREATE INDEX partner_pledges_open ON partner_pledges (member_id, kind, status);

CREATE TABLE partner_deliveries (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    partner_id   INTEGER NOT NULL REFERENCES partners (id),
    pledge_id    INTEGER NOT NULL REFERENCES partner_pledges (id),
    reference    TEXT NOT NULL,
    delivered_on TEXT NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    value        INTEGER NOT NULL,
    document_id  INTEGER REFERENCES partner_documents (id),
    note         TEXT NOT NULL,
    created_by   INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (member_id, reference)
);
CREATE INDEX partner_deliveries_pledge ON partner_deliveries (pledge_id, id);
