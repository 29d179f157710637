-- Assessment forms and assessments of case management (issue 16, item 4;
-- internal/casework/assess). A form version is a row that never changes once
-- published: a new version is a new row, and at most one version of a
-- member's form for a case type is published at a time (the one new
-- assessments start with). An assessment pins the version it started with,
-- so a case keeps its version while a newer one is published; at most one
-- assessment of a case is open (a draft). A submission is stored once per
-- client id (forms filled offline are sent again until acknowledged).
CREATE TABLE assess_forms (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    type_code     TEXT NOT NULL,
    version       INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    title_ar      TEXT NOT NULL DEFAULT '',
    title_en      TEXT NOT NULL DEFAULT '',
    definition    TEXT NOT NULL,          -- the form as JSON (sections, questions, formula, thresholds)
    created_by    INTEGER REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    published_by  INTEGER REFERENCES users (id),
    published_at  TIMESTAMP,
    UNIQUE (member_id, type_code, version)
);
CREATE UNIQUE INDEX assess_forms_published ON assess_forms (member_id, type_code) WHERE status = 'published';

CREATE TABLE assess_assessments (
    id                INTEGER PRIMARY KEY,
    member_id         INTEGER NOT NULL REFERENCES members (id),
    case_id           INTEGER NOT NULL,   -- the case (internal/casework's), named by id only
    form_id           INTEGER NOT NULL REFERENCES assess_forms (id),
    form_version      INTEGER NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    answers           TEXT NOT NULL DEFAULT '{}',  -- question name → answer as XLSForm writes it
    score             INTEGER,
    level             TEXT NOT NULL DEFAULT '',
    explanation       TEXT NOT NULL DEFAULT '',    -- JSON: formula, answers used, result
    client_id         TEXT NOT NULL DEFAULT '',
    base_version      INTEGER NOT NULL DEFAULT 0,  -- the case version the worker saw
    started_by        INTEGER REFERENCES users (id),
    started_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    submitted_by      INTEGER REFERENCES users (id),
    submitted_at      TIMESTAMP,
    risk_recorded_at  TIMESTAMP                    -- when the case was told the score and level
);
CREATE UNIQUE INDEX assess_assessments_open ON assess_assessments (member_id, case_id) WHERE status = 'draft';
CREATE UNIQUE INDEX assess_assessments_client ON assess_assessments (member_id, client_id) WHERE client_id <> '';
CREATE INDEX assess_assessments_case ON assess_assessments (member_id, case_id, id);
