-- Case management (issue 16): the care organization (departments, offices,
-- staff), case types as data, cases with consent, team, history, notes,
-- attachments and transfers. Approvals of a case's steps live in auth's
-- approvals table; a case keeps the id of the one it waits for.

CREATE TABLE case_settings (
    member_id      INTEGER PRIMARY KEY REFERENCES members (id),
    visit_critical INTEGER NOT NULL,
    visit_high     INTEGER NOT NULL,
    visit_medium   INTEGER NOT NULL,
    visit_low      INTEGER NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE case_departments (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id),
    code       TEXT NOT NULL,
    name_ar    TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (member_id, code)
);

CREATE TABLE case_offices (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    department_id INTEGER NOT NULL REFERENCES case_departments (id),
    code          TEXT NOT NULL,
    name_ar       TEXT NOT NULL,
    name_en       TEXT NOT NULL DEFAULT '',
    area_code     TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (member_id, code)
);

CREATE TABLE case_staff (
    user_id       INTEGER PRIMARY KEY REFERENCES users (id),
    member_id     INTEGER NOT NULL REFERENCES members (id),
    office_id     INTEGER REFERENCES case_offices (id),
    supervisor_id INTEGER REFERENCES users (id),
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX case_staff_supervisor ON case_staff (member_id, supervisor_id);

CREATE TABLE case_types (
    id                INTEGER PRIMARY KEY,
    member_id         INTEGER NOT NULL REFERENCES members (id),
    code              TEXT NOT NULL,
    name_ar           TEXT NOT NULL,
    name_en           TEXT NOT NULL DEFAULT '',
    sensitive         INTEGER NOT NULL,
    steps             TEXT NOT NULL,
    approvals         TEXT NOT NULL DEFAULT '',
    existence_visible INTEGER NOT NULL,
    active            INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (member_id, code)
);

CREATE TABLE case_counters (
    member_id INTEGER NOT NULL REFERENCES members (id),
    year      INTEGER NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (member_id, year)
);

CREATE TABLE cases (
    id               INTEGER PRIMARY KEY,
    member_id        INTEGER NOT NULL REFERENCES members (id),
    number           TEXT NOT NULL,
    type_id          INTEGER NOT NULL REFERENCES case_types (id),
    status           TEXT NOT NULL,
    waiting_step     TEXT NOT NULL DEFAULT '',
    approval_id      INTEGER NOT NULL DEFAULT 0,
    sent_back_step   TEXT NOT NULL DEFAULT '',
    sent_back_note   TEXT NOT NULL DEFAULT '',
    owner_id         INTEGER NOT NULL REFERENCES users (id),
    supervisor_id    INTEGER NOT NULL DEFAULT 0,
    office_id        INTEGER NOT NULL DEFAULT 0,
    household_id     INTEGER NOT NULL DEFAULT 0,
    person_id        INTEGER NOT NULL DEFAULT 0,
    area_code        TEXT NOT NULL DEFAULT '',
    sex              TEXT NOT NULL DEFAULT '',
    birth_date       TEXT NOT NULL DEFAULT '',
    consent_kind     TEXT NOT NULL CHECK (consent_kind IN ('consent', 'legal')),
    consent_by       TEXT NOT NULL DEFAULT '',
    consent_scope    TEXT NOT NULL DEFAULT '',
    legal_ground     TEXT NOT NULL DEFAULT '',
    consent_at       TIMESTAMP NOT NULL,
    risk_level       TEXT NOT NULL DEFAULT '',
    risk_score       INTEGER NOT NULL DEFAULT 0,
    assessment_id    INTEGER NOT NULL DEFAULT 0,
    outcome          TEXT NOT NULL DEFAULT '',
    outcome_text     TEXT NOT NULL DEFAULT '',
    reopened         INTEGER NOT NULL,
    opened_at        TIMESTAMP NOT NULL,
    first_contact_at TIMESTAMP,
    last_visit_at    TIMESTAMP,
    next_visit_due   TIMESTAMP,
    closed_at        TIMESTAMP,
    created_by       INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (member_id, number)
);
CREATE INDEX cases_office ON cases (member_id, office_id, status);
CREATE INDEX cases_owner ON cases (member_id, owner_id, status);
-- Covers the supervisor's view of the team (the inbox), which reads only these.
CREATE INDEX cases_supervisor ON cases (member_id, supervisor_id, status, owner_id, next_visit_due, waiting_step, number, id);
CREATE INDEX cases_household ON cases (member_id, household_id);

CREATE TABLE case_team (
    case_id   INTEGER NOT NULL REFERENCES cases (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_team_user ON case_team (member_id, user_id);

CREATE TABLE case_history (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    case_id   INTEGER NOT NULL REFERENCES cases (id),
    kind      TEXT NOT NULL,
    from_step TEXT NOT NULL DEFAULT '',
    to_step   TEXT NOT NULL DEFAULT '',
    actor_id  INTEGER NOT NULL,
    note      TEXT NOT NULL DEFAULT '',
    at        TIMESTAMP NOT NULL
);
CREATE INDEX case_history_case ON case_history (case_id, id);

CREATE TABLE case_notes (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id),
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    client_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    body_enc   BLOB,
    at         TIMESTAMP NOT NULL,
    created_by INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (member_id, client_id)
);
CREATE INDEX case_notes_case ON case_notes (case_id, id);

CREATE TABLE case_attachments (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    client_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sealed       INTEGER NOT NULL,
    content      BLOB NOT NULL,
    created_by   INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (member_id, client_id)
);
CREATE INDEX case_attachments_case ON case_attachments (case_id, id);

CREATE TABLE case_transfers (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    kind         TEXT NOT NULL CHECK (kind IN ('transfer', 'request')),
    status       TEXT NOT NULL,
    from_user    INTEGER NOT NULL,
    to_user      INTEGER NOT NULL DEFAULT 0,
    to_office    INTEGER NOT NULL DEFAULT 0,
    reason       TEXT NOT NULL DEFAULT '',
    answer       TEXT NOT NULL DEFAULT '',
    requested_by INTEGER NOT NULL,
    decided_by   INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL,
    decided_at   TIMESTAMP
);
CREATE INDEX case_transfers_to ON case_transfers (member_id, to_user, status);
CREATE INDEX case_transfers_case ON case_transfers (case_id, status);
CREATE UNIQUE INDEX case_transfers_one_pending ON case_transfers (case_id) WHERE status = 'pending';
