-- Matching of job seekers to vacancies (issue 18 item 3,
-- internal/employment/match): the nightly runs and the best matches each
-- kept per vacancy. A run writes its rows under its id while it is
-- running; it becomes the one readers see when its state turns done, in
-- one transaction that also deletes the rows of the runs before it, so a
-- reader never sees half a run. Vacancies and seekers are
-- internal/employment's: their ids are kept here without a reference, as
-- a run's results are a snapshot that outlives a withdrawn vacancy.
CREATE TABLE employment_match_runs (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    job_id      INTEGER NOT NULL DEFAULT 0,     -- the job that ran it
    state       TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    vacancies   INTEGER NOT NULL DEFAULT 0,     -- open vacancies scored
    seekers     INTEGER NOT NULL DEFAULT 0,     -- consenting seekers scored
    matches     INTEGER NOT NULL DEFAULT 0,     -- rows kept
    started_at  TIMESTAMP NOT NULL,
    computed_at TIMESTAMP                          -- when it became the one readers see
);
CREATE INDEX employment_match_runs_member ON employment_match_runs (member_id, state, id);

CREATE TABLE employment_matches (
    run_id      INTEGER NOT NULL REFERENCES employment_match_runs (id),
    member_id   INTEGER NOT NULL,
    vacancy_id  INTEGER NOT NULL,
    place       INTEGER NOT NULL,            -- 1 for the best
    seeker_id   INTEGER NOT NULL,
    score       INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    reasons     TEXT NOT NULL,               -- JSON list of develop.MatchReason
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, vacancy_id, place)
);
CREATE INDEX employment_matches_seeker ON employment_matches (run_id, seeker_id);
