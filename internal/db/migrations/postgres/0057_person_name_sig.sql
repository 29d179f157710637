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
-- Search orders a query's words from rarest to commonest. The common ones
-- (a first name shared by 400,000 persons) cost most to count, so on
-- PostgreSQL search reads their frequency from the planner's statistics
-- instead: a thousand most common tokens, not the default hundred.
ALTER TABLE person_names ALTER COLUMN token SET STATISTICS 1000;
-- Each person's tokens as one array, in a GIN index (PostgreSQL only). A
-- query whose words are all common — three given names that are also
-- family names, each on 400,000 persons of ten million, and few persons
-- with all three — is answered by GIN intersecting their posting lists
-- rather than by walking one word's 400,000 postings; search chooses it
-- when the words' counts predict few matches (registry.Search).
CREATE TABLE person_tokens (
    person_id  BIGINT PRIMARY KEY,
    member_id  BIGINT NOT NULL,
    tokens     TEXT[] NOT NULL
);
INSERT INTO person_tokens (person_id, member_id, tokens)
    SELECT person_id, member_id, array_agg(token ORDER BY token) FROM person_names GROUP BY person_id, member_id;
CREATE INDEX person_tokens_gin ON person_tokens USING gin (tokens);
