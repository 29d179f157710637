-- Cross-border duplicates without names (issue 19 item 2,
-- internal/crossborder): the node's side of privacy-preserving record
-- linkage. Each encoding run gives every live person of the member a fresh
-- random token (only here is it tied to the person); the hub's answer names
-- tokens, and the pairs it proposes wait in the member's own queue, where
-- the local person is shown and the other member only by its code.
CREATE TABLE crossborder_batches (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    persons     INTEGER NOT NULL,
    check_value TEXT NOT NULL,               -- the secret's check value the file carried
    hardening   TEXT NOT NULL,
    created_by  INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX crossborder_batches_member ON crossborder_batches (member_id, id);

CREATE TABLE crossborder_tokens (
    token       TEXT NOT NULL PRIMARY KEY,   -- 32 hex digits, random
    member_id   INTEGER NOT NULL REFERENCES members (id),
    batch_id    INTEGER NOT NULL REFERENCES crossborder_batches (id),
    person_id   INTEGER NOT NULL                 -- the registry's person (read through registry.Service)
);
CREATE INDEX crossborder_tokens_batch ON crossborder_tokens (batch_id);

CREATE TABLE crossborder_pairs (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    pair_ref      TEXT NOT NULL,             -- the hub's reference, the same in both members' queues
    token         TEXT NOT NULL,             -- this member's token
    person_id     INTEGER NOT NULL,
    other_member  TEXT NOT NULL,             -- the other member's code; nothing else of the other person
    score         INTEGER NOT NULL,              -- Dice similarity in thousandths
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'same', 'different', 'follow_up')),
    note          TEXT NOT NULL DEFAULT '',
    decided_by    INTEGER NOT NULL DEFAULT 0,
    decided_at    TIMESTAMP,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (member_id, pair_ref)
);
CREATE INDEX crossborder_pairs_status ON crossborder_pairs (member_id, status, score);
