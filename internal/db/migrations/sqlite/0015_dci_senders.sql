-- DCI sender registry: the systems allowed to call /api/dci/ for a member,
-- their signing keys and the only addresses callbacks may go to (issue 12
-- item 9). A sender_id is registered per member; requests naming it are
-- answered for that member only.
CREATE TABLE dci_senders (
    id                   INTEGER PRIMARY KEY,
    member_id            INTEGER NOT NULL REFERENCES members (id),
    sender_id            TEXT NOT NULL,
    name                 TEXT NOT NULL,
    public_key           TEXT NOT NULL DEFAULT '',   -- base64 ed25519; '' for none
    callback_uris        TEXT NOT NULL DEFAULT '[]', -- JSON array of full callback addresses
    default_callback_uri TEXT NOT NULL DEFAULT '',   -- one of callback_uris, or ''
    active               INTEGER NOT NULL DEFAULT 1,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    UNIQUE (member_id, sender_id)
);
CREATE INDEX dci_senders_sender ON dci_senders (sender_id);
