-- Social registry: households, persons, name search tokens, change history,
-- import batches. Every table carries member_id and its keys are unique
-- within a member.
CREATE TABLE households (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members (id),
    household_ref  TEXT NOT NULL,
    governorate    TEXT NOT NULL DEFAULT '',   -- admin area codes
    district       TEXT NOT NULL DEFAULT '',
    locality       TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',
    dwelling_type  TEXT NOT NULL DEFAULT '',
    rooms          INTEGER,                    -- NULL: unknown
    water_source   TEXT NOT NULL DEFAULT '',
    sanitation     TEXT NOT NULL DEFAULT '',
    electricity    INTEGER,                    -- NULL unknown, 0 no, 1 yes
    assets         TEXT NOT NULL DEFAULT '',   -- codes separated by ';'
    monthly_income INTEGER,                    -- minor units of the member's currency; NULL unknown
    registered_on  TEXT NOT NULL,              -- YYYY-MM-DD
    source         TEXT NOT NULL DEFAULT '',   -- import, form, api
    consent        INTEGER,                    -- consent to data processing; NULL not recorded
    attrs          TEXT NOT NULL DEFAULT '{}', -- custom attributes, JSON object of strings
    import_id      INTEGER,                    -- the import batch that created it
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (member_id, household_ref)
);
CREATE INDEX households_area ON households (member_id, governorate, district, locality);

CREATE TABLE persons (
    id                 INTEGER PRIMARY KEY,
    member_id          INTEGER NOT NULL REFERENCES members (id),
    household_id       INTEGER NOT NULL REFERENCES households (id),
    member_ref         TEXT NOT NULL,
    relationship       TEXT NOT NULL,
    first_name         TEXT NOT NULL,
    father_name        TEXT NOT NULL DEFAULT '',
    grandfather_name   TEXT NOT NULL DEFAULT '',
    family_name        TEXT NOT NULL DEFAULT '',
    name_latin         TEXT NOT NULL DEFAULT '',
    sex                TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    birth_date         TEXT NOT NULL DEFAULT '',  -- YYYY-MM-DD, '' unknown
    national_id        TEXT NOT NULL DEFAULT '',  -- as entered
    national_id_type   TEXT NOT NULL DEFAULT '',
    phone              TEXT NOT NULL DEFAULT '',  -- as entered
    wg_seeing          INTEGER NOT NULL DEFAULT 0, -- Washington Group short set, 1-4, 0 unknown
    wg_hearing         INTEGER NOT NULL DEFAULT 0,
    wg_walking         INTEGER NOT NULL DEFAULT 0,
    wg_remembering     INTEGER NOT NULL DEFAULT 0,
    wg_selfcare        INTEGER NOT NULL DEFAULT 0,
    wg_communicating   INTEGER NOT NULL DEFAULT 0,
    disabled           INTEGER NOT NULL DEFAULT 0, -- any domain at 3 or 4
    marital_status     TEXT NOT NULL DEFAULT '',
    education          TEXT NOT NULL DEFAULT '',
    employment_status  TEXT NOT NULL DEFAULT '',
    monthly_income     INTEGER,                    -- minor units; NULL unknown
    orphan             TEXT NOT NULL DEFAULT 'none',
    pregnant           INTEGER NOT NULL DEFAULT 0,
    attrs              TEXT NOT NULL DEFAULT '{}',
    name_key           TEXT NOT NULL DEFAULT '',   -- arabic.NameKey of the four parts
    family_key         TEXT NOT NULL DEFAULT '',   -- arabic.FamilyKey of family_name
    translit_key       TEXT NOT NULL DEFAULT '',   -- arabic.Translit of the four parts
    id_key             TEXT NOT NULL DEFAULT '',   -- national ID, ASCII digits and letters only
    phone_key          TEXT NOT NULL DEFAULT '',   -- arabic.PhoneKey
    import_id          INTEGER,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    UNIQUE (member_id, member_ref)
);
CREATE INDEX persons_household ON persons (member_id, household_id);
CREATE UNIQUE INDEX persons_one_head ON persons (household_id) WHERE relationship = 'head';
CREATE INDEX persons_id_key ON persons (member_id, id_key) WHERE id_key <> '';
CREATE INDEX persons_phone_key ON persons (member_id, phone_key) WHERE phone_key <> '';

-- One row per distinct search token of a person's name: NameKey and
-- FamilyKey words of each part and of the Latin name, and their Translit
-- keys. Search looks words up here by equality or prefix range.
CREATE TABLE person_names (
    member_id  INTEGER NOT NULL,
    token      TEXT NOT NULL,
    person_id  INTEGER NOT NULL,
    PRIMARY KEY (member_id, token, person_id)
) WITHOUT ROWID;

-- Every change of a household or person: one row per changed field, or one
-- row with field '' for a creation outside an import batch.
CREATE TABLE registry_history (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL,
    household_id  INTEGER NOT NULL,
    person_id     INTEGER,           -- NULL for household fields
    action        TEXT NOT NULL,     -- create, update, move, import
    field         TEXT NOT NULL DEFAULT '',
    old_value     TEXT NOT NULL DEFAULT '',
    new_value     TEXT NOT NULL DEFAULT '',
    actor_id      INTEGER NOT NULL,
    import_id     INTEGER,
    at            TIMESTAMP NOT NULL
);
CREATE INDEX registry_history_household ON registry_history (member_id, household_id, id);
CREATE INDEX registry_history_person ON registry_history (person_id, id) WHERE person_id IS NOT NULL;

-- Import batches: who loaded which files, their SHA-256, how many rows.
CREATE TABLE registry_imports (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    files           TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    households_new  INTEGER NOT NULL,
    households_upd  INTEGER NOT NULL,
    persons_new     INTEGER NOT NULL,
    persons_upd     INTEGER NOT NULL,
    actor_id        INTEGER NOT NULL,
    at              TIMESTAMP NOT NULL
);
CREATE INDEX registry_imports_member ON registry_imports (member_id, id);
