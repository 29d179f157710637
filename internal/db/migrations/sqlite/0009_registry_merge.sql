-- Merging two records of one person (a confirmed duplicate): the dropped
-- record stays, with its whole history, marked as merged into the kept one.
-- Readers (search, streams, household member lists) leave merged persons
-- out. merged_into always names a person that is not merged itself.
ALTER TABLE persons ADD COLUMN merged_into INTEGER REFERENCES persons (id); -- NULL: a live record
ALTER TABLE persons ADD COLUMN merged_at TIMESTAMP;
CREATE INDEX persons_merged_into ON persons (member_id, merged_into) WHERE merged_into IS NOT NULL;

-- One row per merge: who kept which record, why, and which fields the kept
-- record took from the dropped one.
CREATE TABLE registry_merges (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    kept_id     INTEGER NOT NULL,
    dropped_id  INTEGER NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    filled      TEXT NOT NULL DEFAULT '',   -- field names separated by ';'
    actor_id    INTEGER NOT NULL,
    at          TIMESTAMP NOT NULL,
    UNIQUE (member_id, dropped_id)
);
CREATE INDEX registry_merges_kept ON registry_merges (member_id, kept_id);
