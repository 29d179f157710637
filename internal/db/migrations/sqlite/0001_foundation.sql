-- Foundation: members, admin areas, users, sessions, tokens, approvals, audit log.
CREATE TABLE members (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('state', 'organization')),
    name_ar       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    currency      TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    calling_code  TEXT NOT NULL DEFAULT '',
    id_label_ar   TEXT NOT NULL DEFAULT '',
    id_label_en   TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE admin_areas (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id),
    parent_id  INTEGER REFERENCES admin_areas (id),
    level      TEXT NOT NULL CHECK (level IN ('governorate', 'district', 'locality')),
    code       TEXT NOT NULL,
    name_ar    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    UNIQUE (member_id, code)
);
CREATE INDEX admin_areas_parent ON admin_areas (member_id, parent_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER REFERENCES members (id),
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    roles         TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX users_member ON users (member_id);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP,
    revoked_at   TIMESTAMP
);

CREATE TABLE approvals (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER REFERENCES members (id),
    kind         TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    maker_id     INTEGER NOT NULL REFERENCES users (id),
    checker_id   INTEGER REFERENCES users (id),
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    decided_at   TIMESTAMP
);
CREATE INDEX approvals_pending ON approvals (member_id, status, kind);
CREATE INDEX approvals_entity ON approvals (entity_type, entity_id);

-- The audit log. seq is the record's leaf index in the RFC 6962 tree;
-- hashes holds the tree hashes that tlog stores for this record
-- (tlog.StoredHashes), 32 bytes each, so one row is written per record.
CREATE TABLE audit_records (
    seq          INTEGER PRIMARY KEY,
    at_us        INTEGER NOT NULL,
    actor_id     INTEGER NOT NULL,
    member_id    INTEGER NOT NULL,
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    state_hash   TEXT NOT NULL,
    hashes       BLOB NOT NULL
);
CREATE INDEX audit_records_member ON audit_records (member_id, seq);
CREATE INDEX audit_records_entity ON audit_records (entity_type, entity_id);

CREATE TABLE audit_checkpoints (
    size        INTEGER PRIMARY KEY,
    root_hash   TEXT NOT NULL,
    note        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE settings (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
