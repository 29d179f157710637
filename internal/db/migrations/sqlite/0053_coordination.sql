-- Coordination requests (issue 19 item 3, internal/coordination): a member
-- asks the union or another member for something — an emergency response,
-- a displaced family's file, a cross-border duplicate follow-up. A request
-- has a type (what personal data it may carry, its default deadline in
-- working days), states, an assignee on the receiving side, messages both
-- ways, documents, households attached, and a timeline both sides see.
-- A side is a member; NULL is the union. Personal data (a household, a
-- document marked personal) is shared with the other side only once a
-- second person of the sending side approved it (approval kind
-- coordination_send).
CREATE TABLE coordination_types (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name_ar       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    personal      TEXT NOT NULL CHECK (personal IN ('none', 'summary', 'full', 'documents')),
    deadline_days INTEGER NOT NULL CHECK (deadline_days BETWEEN 1 AND 365),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
INSERT INTO coordination_types (code, name_ar, name_en, personal, deadline_days, created_at, updated_at) VALUES
    ('emergency_response', 'استجابة طارئة', 'Emergency response', 'none', 2, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    ('displaced_family', 'ملف أسرة نازحة', 'A displaced family''s file', 'documents', 10, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    ('duplicate_followup', 'متابعة تكرار عابر للحدود', 'Cross-border duplicate follow-up', 'summary', 5, '2026-01-01 00:00:00', '2026-01-01 00:00:00');

CREATE TABLE coordination_requests (
    id             INTEGER PRIMARY KEY,
    from_member_id INTEGER NOT NULL REFERENCES members (id),
    to_member_id   INTEGER REFERENCES members (id),      -- NULL: the union
    type_id        INTEGER NOT NULL REFERENCES coordination_types (id),
    subject        TEXT NOT NULL,
    body           TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL CHECK (state IN ('draft', 'sent', 'accepted', 'assigned', 'answered', 'closed', 'declined', 'withdrawn')),
    deadline       TIMESTAMP,                            -- set when sent
    deadline_days  INTEGER NOT NULL DEFAULT 0,           -- 0: the type's
    reason         TEXT NOT NULL DEFAULT '',             -- why declined or withdrawn
    assigned_to    INTEGER REFERENCES users (id),
    assigned_name  TEXT NOT NULL DEFAULT '',
    created_by     INTEGER NOT NULL REFERENCES users (id),
    created_name   TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL,
    sent_at        TIMESTAMP,
    updated_at     TIMESTAMP NOT NULL,
    CHECK (to_member_id IS NULL OR to_member_id <> from_member_id)
);
CREATE INDEX coordination_requests_from ON coordination_requests (from_member_id, state, id);
CREATE INDEX coordination_requests_to ON coordination_requests (to_member_id, state, deadline);

CREATE TABLE coordination_messages (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES coordination_requests (id),
    side        INTEGER REFERENCES members (id),          -- the writer's side; NULL the union
    author_id   INTEGER NOT NULL REFERENCES users (id),
    author_name TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX coordination_messages_request ON coordination_messages (request_id, id);

-- What is attached: a household's summary or full file (a copy read
-- through the registry when attached), or a document. status: pending
-- (waits for the second person; seen by its own side only), shared (the
-- other side sees it), rejected.
CREATE TABLE coordination_attachments (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES coordination_requests (id),
    side         INTEGER REFERENCES members (id),
    kind         TEXT NOT NULL CHECK (kind IN ('summary', 'full', 'document')),
    personal     BOOLEAN NOT NULL,
    household_id INTEGER,                                  -- the side's own household (summary, full)
    label        TEXT NOT NULL,                            -- the household's reference or the file's name
    content_type TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL DEFAULT 0,
    sha256       TEXT NOT NULL DEFAULT '',
    content      BLOB,                                     -- the copy (JSON) or the file; NULL once expired
    status       TEXT NOT NULL CHECK (status IN ('pending', 'shared', 'rejected')),
    approval_id  INTEGER REFERENCES approvals (id),
    created_by   INTEGER NOT NULL REFERENCES users (id),
    created_name TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    decided_at   TIMESTAMP
);
CREATE INDEX coordination_attachments_request ON coordination_attachments (request_id, id);
CREATE UNIQUE INDEX coordination_attachments_approval ON coordination_attachments (approval_id);

-- The timeline both sides see: every change of a request, in order.
CREATE TABLE coordination_events (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES coordination_requests (id),
    side        INTEGER REFERENCES members (id),
    actor_name  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    own_side    BOOLEAN NOT NULL DEFAULT FALSE,            -- seen by the actor's side only (an attachment not yet approved)
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX coordination_events_request ON coordination_events (request_id, id);
