-- Training certificates (issue 18 item 7): one per completed enrollment,
-- with a short code to type on the portal's verify page and a token signed
-- with the member's certificate key (computed from the row when printed,
-- never stored: the row and the key are the truth). A revoked certificate
-- keeps its row, its reason and its date, which the verify page shows.
CREATE TABLE training_certificates (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    member_code   TEXT NOT NULL,             -- the member's code, which the token names
    enrollment_id INTEGER NOT NULL UNIQUE,   -- the enrollment it certifies (internal/training)
    person_id     INTEGER NOT NULL DEFAULT 0, -- a registry person, or
    user_id       INTEGER NOT NULL DEFAULT 0, -- a user (a social worker, a member's staff)
    code          TEXT NOT NULL UNIQUE,
    holder        TEXT NOT NULL,             -- the full name as printed
    holder_latin  TEXT NOT NULL DEFAULT '',
    holder_key    TEXT NOT NULL,             -- arabic.Normalize of both names, for search
    course_ar     TEXT NOT NULL,
    course_en     TEXT NOT NULL,
    provider      TEXT NOT NULL,
    hours         INTEGER NOT NULL CHECK (hours > 0),
    completed     TEXT NOT NULL,             -- YYYY-MM-DD
    result        TEXT NOT NULL DEFAULT '',
    issued_by     INTEGER NOT NULL DEFAULT 0,
    issued_at     TIMESTAMP NOT NULL,
    prints        INTEGER NOT NULL DEFAULT 0, -- PDFs printed: after the first, a print is a copy
    revoked_at    TIMESTAMP,
    revoked_by    INTEGER NOT NULL DEFAULT 0,
    revoke_reason TEXT NOT NULL DEFAULT '',
    CHECK (person_id <> 0 OR user_id <> 0)
);
CREATE INDEX training_certificates_member ON training_certificates (member_id, issued_at);
CREATE INDEX training_certificates_person ON training_certificates (member_id, person_id);
CREATE INDEX training_certificates_user ON training_certificates (member_id, user_id);
