-- Programs, their versioned rules, targeting runs with one decision per
-- household, fairness counts, and enrollment with its history.
-- Households are referenced by id (and ref, for display) without a foreign
-- key: the registry owns them.
CREATE TABLE programs (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members (id),
    code           TEXT NOT NULL,
    name_ar        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('cash_transfer', 'in_kind', 'service', 'insurance_subsidy')),
    target_groups  TEXT NOT NULL DEFAULT '',
    currency       TEXT NOT NULL,
    frequency      TEXT NOT NULL CHECK (frequency IN ('one_time', 'monthly', 'quarterly', 'semiannual', 'annual')),
    start_date     TEXT NOT NULL,
    end_date       TEXT NOT NULL DEFAULT '',
    budget_minor   INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'active', 'closed', 'archived')),
    version        INTEGER NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (member_id, code)
);

CREATE TABLE program_versions (
    id                  INTEGER PRIMARY KEY,
    member_id           INTEGER NOT NULL REFERENCES members (id),
    program_id          INTEGER NOT NULL REFERENCES programs (id),
    version             INTEGER NOT NULL,
    eligibility         TEXT NOT NULL,
    score               TEXT NOT NULL DEFAULT '',
    score_order         TEXT NOT NULL CHECK (score_order IN ('desc', 'asc')),
    benefit             TEXT NOT NULL DEFAULT '',
    cap_kind            TEXT NOT NULL CHECK (cap_kind IN ('none', 'count', 'budget')),
    cap_count           INTEGER NOT NULL DEFAULT 0,
    cap_budget_minor    INTEGER NOT NULL DEFAULT 0,
    fairness_threshold  REAL NOT NULL,
    note                TEXT NOT NULL DEFAULT '',
    created_by          INTEGER NOT NULL DEFAULT 0,
    created_at          TIMESTAMP NOT NULL,
    UNIQUE (program_id, version)
);

CREATE TABLE program_runs (
    id                   INTEGER PRIMARY KEY,
    member_id            INTEGER NOT NULL REFERENCES members (id),
    program_id           INTEGER NOT NULL REFERENCES programs (id),
    version_id           INTEGER NOT NULL REFERENCES program_versions (id),
    version              INTEGER NOT NULL,
    as_of                TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('running', 'done')),
    actor_id             INTEGER NOT NULL DEFAULT 0,
    started_at           TIMESTAMP NOT NULL,
    finished_at          TIMESTAMP,
    households           INTEGER NOT NULL DEFAULT 0,
    eligible             INTEGER NOT NULL DEFAULT 0,
    selected             INTEGER NOT NULL DEFAULT 0,
    errors               INTEGER NOT NULL DEFAULT 0,
    benefit_total_minor  INTEGER NOT NULL DEFAULT 0,
    load_ms              INTEGER NOT NULL DEFAULT 0,
    eval_ms              INTEGER NOT NULL DEFAULT 0,
    store_ms             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX program_runs_program ON program_runs (member_id, program_id, id);

-- One row per household and run. rank is 0 for households that were not
-- ranked (not eligible, or an error); explanation is the JSON list of the
-- eligibility rule's clauses with their values and inputs.
CREATE TABLE program_decisions (
    run_id         INTEGER NOT NULL REFERENCES program_runs (id),
    household_id   INTEGER NOT NULL,
    member_id      INTEGER NOT NULL,
    household_ref  TEXT NOT NULL,
    eligible       INTEGER NOT NULL,
    selected       INTEGER NOT NULL,
    rank           INTEGER NOT NULL,
    score          REAL NOT NULL,
    benefit_minor  INTEGER NOT NULL,
    error_key      TEXT NOT NULL DEFAULT '',
    error_args     TEXT NOT NULL DEFAULT '',
    explanation    TEXT NOT NULL DEFAULT ''
);
-- A rowid table with the key as an index: rows are appended in rowid order
-- (SQLite's quick balance) and only the small index entries are sorted.
CREATE UNIQUE INDEX program_decisions_run ON program_decisions (run_id, household_id);
CREATE INDEX program_decisions_household ON program_decisions (member_id, household_id, run_id);

CREATE TABLE program_run_fairness (
    run_id      INTEGER NOT NULL REFERENCES program_runs (id),
    member_id   INTEGER NOT NULL,
    dimension   TEXT NOT NULL,
    grp         TEXT NOT NULL,
    households  INTEGER NOT NULL,
    eligible    INTEGER NOT NULL,
    selected    INTEGER NOT NULL,
    PRIMARY KEY (run_id, dimension, grp)
);

CREATE TABLE program_enrollments (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members (id),
    program_id     INTEGER NOT NULL REFERENCES programs (id),
    household_id   INTEGER NOT NULL,
    household_ref  TEXT NOT NULL,
    run_id         INTEGER NOT NULL REFERENCES program_runs (id),
    approval_id    INTEGER NOT NULL REFERENCES approvals (id),
    status         TEXT NOT NULL CHECK (status IN ('proposed', 'enrolled', 'suspended', 'exited', 'rejected')),
    benefit_minor  INTEGER NOT NULL DEFAULT 0,
    start_date     TEXT NOT NULL DEFAULT '',
    end_date       TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
-- A household has at most one open enrollment per program.
CREATE UNIQUE INDEX program_enrollments_open ON program_enrollments (program_id, household_id)
    WHERE status IN ('proposed', 'enrolled', 'suspended');
CREATE INDEX program_enrollments_household ON program_enrollments (member_id, household_id);
CREATE INDEX program_enrollments_approval ON program_enrollments (approval_id);
CREATE INDEX program_enrollments_program ON program_enrollments (program_id, status);

CREATE TABLE program_enrollment_events (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL,
    enrollment_id   INTEGER NOT NULL REFERENCES program_enrollments (id),
    from_status     TEXT NOT NULL,
    to_status       TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    effective_date  TEXT NOT NULL,
    actor_id        INTEGER NOT NULL DEFAULT 0,
    at              TIMESTAMP NOT NULL
);
CREATE INDEX program_enrollment_events_enrollment ON program_enrollment_events (enrollment_id, id);
