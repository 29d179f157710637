-- Grievances, appeals and whistleblower reports (issue 7).
-- Appeals name the decision they contest by run and household id only: the
-- program tables belong to another capability, so there is no foreign key.

CREATE TABLE grievance_settings (
    member_id      INTEGER PRIMARY KEY REFERENCES members (id),
    weekend        TEXT NOT NULL CHECK (weekend IN ('fri_sat', 'sat_sun')),
    critical_hours INTEGER NOT NULL,
    high_days      INTEGER NOT NULL,
    medium_days    INTEGER NOT NULL,
    low_days       INTEGER NOT NULL,
    warn_percent   INTEGER NOT NULL,
    supervisor_id  INTEGER REFERENCES users (id),
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE grievances (
    id               INTEGER PRIMARY KEY,
    member_id        INTEGER NOT NULL REFERENCES members (id),
    number           INTEGER NOT NULL,
    code_hash        TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL,
    category         TEXT NOT NULL,
    priority         TEXT NOT NULL,
    step             TEXT NOT NULL,
    anonymous        INTEGER NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    contact          TEXT NOT NULL DEFAULT '',
    area_code        TEXT NOT NULL DEFAULT '',
    household_id     INTEGER,
    subject_user_id  INTEGER REFERENCES users (id),
    body             TEXT NOT NULL,
    answer           TEXT NOT NULL DEFAULT '',
    satisfaction     INTEGER NOT NULL DEFAULT 0,
    feedback         TEXT NOT NULL DEFAULT '',
    assigned_to      INTEGER REFERENCES users (id),
    escalated_to     INTEGER REFERENCES users (id),
    created_by       INTEGER NOT NULL DEFAULT 0,
    received_at      TIMESTAMP NOT NULL,
    due_at           TIMESTAMP NOT NULL,
    warn_at          TIMESTAMP NOT NULL,
    warned_at        TIMESTAMP,
    escalated_at     TIMESTAMP,
    resolved_at      TIMESTAMP,
    closed_at        TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (member_id, number)
);
CREATE INDEX grievances_queue ON grievances (member_id, step, due_at);
CREATE INDEX grievances_assigned ON grievances (member_id, assigned_to, step);
CREATE INDEX grievances_received ON grievances (member_id, received_at);

CREATE TABLE grievance_events (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    grievance_id  INTEGER NOT NULL REFERENCES grievances (id),
    at            TIMESTAMP NOT NULL,
    actor_id      INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    from_step     TEXT NOT NULL DEFAULT '',
    to_step       TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX grievance_events_grievance ON grievance_events (member_id, grievance_id, id);

CREATE TABLE appeals (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    grievance_id  INTEGER NOT NULL REFERENCES grievances (id),
    run_id        INTEGER NOT NULL,
    household_id  INTEGER NOT NULL,
    outcome       TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'upheld', 'rejected')),
    reason        TEXT NOT NULL DEFAULT '',
    decided_by    INTEGER REFERENCES users (id),
    decided_at    TIMESTAMP,
    approval_id   INTEGER,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (member_id, grievance_id)
);
CREATE INDEX appeals_decision ON appeals (member_id, run_id, household_id);

CREATE TABLE whistle_reports (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    number       INTEGER NOT NULL,
    code_hash    TEXT NOT NULL UNIQUE,
    body         TEXT NOT NULL,
    contact_enc  BLOB,
    status       TEXT NOT NULL CHECK (status IN ('received', 'investigating', 'closed')),
    handler_id   INTEGER REFERENCES users (id),
    outcome      TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (member_id, number)
);
CREATE INDEX whistle_reports_status ON whistle_reports (member_id, status);

CREATE TABLE whistle_accused (
    member_id  INTEGER NOT NULL REFERENCES members (id),
    report_id  INTEGER NOT NULL REFERENCES whistle_reports (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (member_id, report_id, user_id)
);
CREATE INDEX whistle_accused_user ON whistle_accused (member_id, user_id);
