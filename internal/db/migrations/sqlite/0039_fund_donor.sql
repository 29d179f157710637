-- Donors of the solidarity fund (issue 17 item 1), owned by
-- internal/fund/donor. A donor is kept as entered with normalized keys
-- beside it: the name key (arabic.NameKey), the e-mail and registration
-- number keys on the row, and the phones, IBANs, references and phonetic
-- name words in fund_donor_keys, on which the duplicate check blocks and
-- the bank matcher (fund.Donors.EachKeys) reads. A merged donor keeps its
-- row with merged_into naming the donor it was merged into; its keys
-- move there.

CREATE TABLE fund_donors (
    id                   INTEGER PRIMARY KEY,
    member_id            INTEGER NOT NULL REFERENCES members (id),
    kind                 TEXT NOT NULL CHECK (kind IN ('individual', 'company', 'organization', 'government')),
    name                 TEXT NOT NULL,
    name_key             TEXT NOT NULL,
    public_name          TEXT NOT NULL DEFAULT '',
    consent_public       INTEGER NOT NULL DEFAULT 0,
    consent_at           TIMESTAMP,
    consent_withdrawn_at TIMESTAMP,
    language             TEXT NOT NULL CHECK (language IN ('ar', 'en')),
    email                TEXT NOT NULL DEFAULT '',
    email_key            TEXT NOT NULL DEFAULT '',
    address              TEXT NOT NULL DEFAULT '',
    reg_no               TEXT NOT NULL DEFAULT '',
    reg_key              TEXT NOT NULL DEFAULT '',
    notes                TEXT NOT NULL DEFAULT '',
    merged_into          INTEGER REFERENCES fund_donors (id),
    merged_at            TIMESTAMP,
    merge_reason         TEXT NOT NULL DEFAULT '',
    version              INTEGER NOT NULL,
    created_by           INTEGER,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    CHECK (merged_into IS NULL OR merged_into <> id)
);
CREATE INDEX fund_donors_member ON fund_donors (member_id, id);
CREATE INDEX fund_donors_name ON fund_donors (member_id, name_key);
CREATE INDEX fund_donors_email ON fund_donors (member_id, email_key);
CREATE INDEX fund_donors_reg ON fund_donors (member_id, reg_key);

-- kind: phone (norm = arabic.PhoneKey), iban (electronic form), ref (upper
-- case, ASCII digits), name (one phonetic word of the name, for blocking).
CREATE TABLE fund_donor_keys (
    donor_id  INTEGER NOT NULL REFERENCES fund_donors (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    kind      TEXT NOT NULL CHECK (kind IN ('phone', 'iban', 'ref', 'name')),
    norm      TEXT NOT NULL,
    value     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (donor_id, kind, norm)
);
CREATE INDEX fund_donor_keys_norm ON fund_donor_keys (member_id, kind, norm);
