-- Name search (issue 19, item 4): each name token row carries the
-- signature of its person's whole token set — 64 bits, four per token
-- (registry.nameSig) — so that a search driven from one word's postings
-- tests the other words in the index itself and probes only the few rows
-- whose signature has every bit of them. The table is WITHOUT ROWID: the
-- column is in the primary key's b-tree. 0 means "not computed" (rows
-- written before this migration): such rows are probed.
ALTER TABLE person_names ADD COLUMN sig INTEGER NOT NULL DEFAULT 0;
-- Each person's tokens as one array under a GIN index, on PostgreSQL only
-- (search's GIN path): SQLite has no GIN, and its search walks the token
-- index alone. The table exists here so that the two schemas stay one
-- schema; SQLite leaves it empty.
CREATE TABLE person_tokens (
    person_id  INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL,
    tokens     TEXT NOT NULL
);
