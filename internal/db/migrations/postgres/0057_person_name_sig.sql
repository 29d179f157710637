-- Name search (issue 19, item 4): each name token row carries the
-- signature of its person's whole token set — 64 bits, four per token
-- (registry.nameSig) — so that a search driven from one word's postings
-- tests the other words in the index itself and probes only the few rows
-- whose signature has every bit of them. The signature is in the primary
-- key's leaf (INCLUDE), so the walk stays an index-only scan. 0 means "not
-- computed" (rows written before this migration): such rows are probed.
ALTER TABLE person_names ADD COLUMN sig BIGINT NOT NULL DEFAULT 0;
ALTER TABLE person_names DROP CONSTRAINT person_names_pkey;
ALTER TABLE person_names ADD PRIMARY KEY (member_id, token, person_id) INCLUDE (sig);
