-- Deduplication: runs, candidate pairs with score and explanation, review
-- decisions, and the groups of the latest run. Persons are referenced by
-- their integer id without foreign keys, so that the registry may merge or
-- remove persons without touching these tables; a rejected pair stays
-- remembered whatever happens to the persons.
CREATE TABLE dedup_runs (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    persons      INTEGER NOT NULL,
    compared     INTEGER NOT NULL,
    likely       INTEGER NOT NULL,
    possible     INTEGER NOT NULL,
    groups_count INTEGER NOT NULL,
    model        TEXT NOT NULL,        -- the Fellegi–Sunter model, JSON
    actor_id     INTEGER NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP NOT NULL
);
CREATE INDEX dedup_runs_member ON dedup_runs (member_id, id);

CREATE TABLE dedup_pairs (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    run_id       INTEGER NOT NULL REFERENCES dedup_runs (id),
    person_a     INTEGER NOT NULL,     -- person_a < person_b
    person_b     INTEGER NOT NULL,
    ref_a        TEXT NOT NULL,
    ref_b        TEXT NOT NULL,
    weight       REAL NOT NULL,        -- match weight in bits
    probability  REAL NOT NULL,
    class        TEXT NOT NULL CHECK (class IN ('likely', 'possible')),
    explanation  TEXT NOT NULL,        -- per-field levels and weights, JSON; no personal data
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'rejected')),
    UNIQUE (member_id, person_a, person_b)
);
CREATE INDEX dedup_pairs_queue ON dedup_pairs (member_id, status, class, weight);

CREATE TABLE dedup_decisions (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    person_a    INTEGER NOT NULL,
    person_b    INTEGER NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    reason      TEXT NOT NULL DEFAULT '',
    actor_id    INTEGER NOT NULL,
    decided_at  TIMESTAMP NOT NULL,
    UNIQUE (member_id, person_a, person_b)
);

CREATE TABLE dedup_clusters (
    member_id   INTEGER NOT NULL REFERENCES members (id),
    run_id      INTEGER NOT NULL REFERENCES dedup_runs (id),
    cluster_id  INTEGER NOT NULL,      -- the smallest person id of the group
    person_id   INTEGER NOT NULL,
    member_ref  TEXT NOT NULL,
    PRIMARY KEY (member_id, person_id)
);
CREATE INDEX dedup_clusters_cluster ON dedup_clusters (member_id, cluster_id);
