-- The union level (package union). On a node: the outbox of signed
-- reports, numbered per member, kept so that a node offline for a while
-- sends them all, in order, when it can. On the hub: the member nodes it
-- knows (verifier key, pull address, the population the union records as
-- the SDG 1.3.1 denominator) and every report received, with whether its
-- audit checkpoint extended the one seen before.
CREATE TABLE union_outbox (
    member_code TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    as_of       TEXT NOT NULL,
    tree_size   INTEGER NOT NULL,
    note        TEXT NOT NULL,
    made_at     TIMESTAMP NOT NULL,
    sent_at     TIMESTAMP,
    PRIMARY KEY (member_code, seq)
);
CREATE TABLE union_nodes (
    id              INTEGER PRIMARY KEY,
    member_code     TEXT NOT NULL UNIQUE,
    name_ar         TEXT NOT NULL,
    name_en         TEXT NOT NULL DEFAULT '',
    verifier_key    TEXT NOT NULL,
    pull_url        TEXT NOT NULL DEFAULT '',
    population      INTEGER NOT NULL DEFAULT 0,
    population_year INTEGER NOT NULL DEFAULT 0,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    tree_size       INTEGER NOT NULL DEFAULT 0,
    root_hash       TEXT NOT NULL DEFAULT '',
    flagged         INTEGER NOT NULL DEFAULT 0,
    flag_reason     TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    last_received   TIMESTAMP
);
CREATE TABLE union_reports (
    id          INTEGER PRIMARY KEY,
    node_id     INTEGER NOT NULL REFERENCES union_nodes (id),
    seq         INTEGER NOT NULL,
    as_of       TEXT NOT NULL,
    tree_size   INTEGER NOT NULL,
    root_hash   TEXT NOT NULL,
    note        TEXT NOT NULL,
    digest      TEXT NOT NULL,
    consistent  INTEGER NOT NULL,
    problem     TEXT NOT NULL DEFAULT '',
    via         TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    UNIQUE (node_id, seq)
);
