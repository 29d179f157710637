-- Home visits offline (issue 16 item 7, internal/casework/field): every
-- item a social worker's phone sends after filling it offline is logged
-- once per member by the id the phone made for it (client_id), so that an
-- item sent twice is stored once and its second answer is the first one's.
-- An item the case changed under is kept whole in casework_field_conflicts
-- until the worker applies it on the case as it is now or discards it:
-- nothing the worker wrote is lost.
CREATE TABLE casework_field_syncs (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    user_id       INTEGER NOT NULL,
    client_id     TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('note', 'visit', 'assessment', 'followup', 'attachment')),
    case_id       INTEGER NOT NULL,
    base_version  INTEGER NOT NULL DEFAULT 0,
    received_at   TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('stored', 'conflict', 'refused', 'discarded')),
    result_id     INTEGER NOT NULL DEFAULT 0,   -- the note, assessment, follow-up or attachment stored
    error_key     TEXT NOT NULL DEFAULT '',     -- why it was refused or is in conflict (a catalog key)
    UNIQUE (member_id, client_id)
);
CREATE INDEX casework_field_syncs_user ON casework_field_syncs (member_id, user_id, received_at);

-- The items in conflict (or applied or discarded after one), with what the
-- worker sent, whole, and the reason.
CREATE TABLE casework_field_conflicts (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    sync_id       INTEGER NOT NULL UNIQUE REFERENCES casework_field_syncs (id),
    user_id       INTEGER NOT NULL,
    client_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    case_id       INTEGER NOT NULL,
    base_version  INTEGER NOT NULL DEFAULT 0,
    payload       TEXT NOT NULL,                -- the item as sent (JSON)
    reason_key    TEXT NOT NULL,
    reason_args   TEXT NOT NULL DEFAULT '{}',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    resolution    TEXT NOT NULL DEFAULT '' CHECK (resolution IN ('', 'applying', 'applied', 'discarded')),  -- applying: claimed by an apply under way (or stopped: apply again)
    resolved_by   INTEGER NOT NULL DEFAULT 0,
    resolved_at   TIMESTAMP,
    result_id     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX casework_field_conflicts_open ON casework_field_conflicts (member_id, user_id, id) WHERE resolution IN ('', 'applying');
