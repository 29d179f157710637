-- The PDF of a bulk print (a run's households' decision letters in one
-- document), kept until the same person's next bulk print replaces it.
-- The job itself is a row of jobs. Without Chromium the
-- file is the letters as one HTML page to print from the browser.
CREATE TABLE print_files (
    job_id      INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    actor_id    INTEGER NOT NULL DEFAULT 0,
    name        TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX print_files_actor ON print_files (member_id, actor_id);
