-- Long-running work (a targeting run, an import from the web, the portal
-- statistics refresh, a burst of DCI callbacks) has a row from its first
-- moment: what it is, whose, who started it, how far it got, how it ended.
-- member_id 0 is union-level work (statistics over every member).
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    member_id   INTEGER NOT NULL DEFAULT 0,
    actor_id    INTEGER NOT NULL DEFAULT 0,   -- who started it; 0 for the system
    link        TEXT NOT NULL DEFAULT '',     -- the page of the work itself, e.g. /runs/12
    state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    done_count  INTEGER NOT NULL DEFAULT 0,
    total_count INTEGER NOT NULL DEFAULT 0,   -- 0 while unknown
    reason_key  TEXT NOT NULL DEFAULT '',     -- why it failed or was cancelled (i18n key)
    reason_args TEXT NOT NULL DEFAULT '',     -- its arguments, JSON
    ended_by    INTEGER NOT NULL DEFAULT 0,   -- the user who cancelled it
    started_at  TIMESTAMP NOT NULL,
    ended_at    TIMESTAMP
);
CREATE INDEX jobs_member ON jobs (member_id, id);
CREATE INDEX jobs_unfinished ON jobs (state) WHERE state IN ('queued', 'running');
