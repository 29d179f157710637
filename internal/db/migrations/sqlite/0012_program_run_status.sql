-- A targeting run has a row from its first moment, with its progress, and
-- ends done, failed (an error, or the server stopped during it) or
-- cancelled, with the reason as an i18n key and its arguments.
--
-- SQLite cannot change a CHECK constraint, so program_runs is rebuilt. Three
-- tables refer to it and foreign keys cannot be turned off inside the
-- migration's transaction; they are deferred instead: dropping the old table
-- leaves the references dangling, and copying the rows back into the new
-- table of the same name satisfies them again before the commit checks.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE program_runs_0012 AS SELECT * FROM program_runs;
DROP TABLE program_runs;

CREATE TABLE program_runs (
    id                   INTEGER PRIMARY KEY,
    member_id            INTEGER NOT NULL REFERENCES members (id),
    program_id           INTEGER NOT NULL REFERENCES programs (id),
    version_id           INTEGER NOT NULL REFERENCES program_versions (id),
    version              INTEGER NOT NULL,
    as_of                TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
    actor_id             INTEGER NOT NULL DEFAULT 0,
    started_at           TIMESTAMP NOT NULL,
    finished_at          TIMESTAMP,
    households           INTEGER NOT NULL DEFAULT 0,
    eligible             INTEGER NOT NULL DEFAULT 0,
    selected             INTEGER NOT NULL DEFAULT 0,
    errors               INTEGER NOT NULL DEFAULT 0,
    benefit_total_minor  INTEGER NOT NULL DEFAULT 0,
    load_ms              INTEGER NOT NULL DEFAULT 0,
    eval_ms              INTEGER NOT NULL DEFAULT 0,
    store_ms             INTEGER NOT NULL DEFAULT 0,
    stage                TEXT NOT NULL DEFAULT '',   -- evaluate or store, while running
    done_count           INTEGER NOT NULL DEFAULT 0, -- households evaluated, or decisions stored, so far
    total_count          INTEGER NOT NULL DEFAULT 0, -- decisions to store (0 while evaluating)
    reason_key           TEXT NOT NULL DEFAULT '',   -- why a run failed or was cancelled (i18n key)
    reason_args          TEXT NOT NULL DEFAULT '',   -- its arguments, JSON
    ended_by             INTEGER NOT NULL DEFAULT 0  -- the user who cancelled it
);
INSERT INTO program_runs (id, member_id, program_id, version_id, version, as_of, status, actor_id, started_at, finished_at,
        households, eligible, selected, errors, benefit_total_minor, load_ms, eval_ms, store_ms)
    SELECT id, member_id, program_id, version_id, version, as_of, status, actor_id, started_at, finished_at,
        households, eligible, selected, errors, benefit_total_minor, load_ms, eval_ms, store_ms
    FROM program_runs_0012;
DROP TABLE program_runs_0012;
CREATE INDEX program_runs_program ON program_runs (member_id, program_id, id);
CREATE INDEX program_runs_running ON program_runs (status) WHERE status = 'running';
