-- A targeting run has a row from its first moment, with its progress, and
-- ends done, failed (an error, or the server stopped during it) or
-- cancelled, with the reason as an i18n key and its arguments.
ALTER TABLE program_runs DROP CONSTRAINT program_runs_status_check;
ALTER TABLE program_runs ADD CONSTRAINT program_runs_status_check CHECK (status IN ('running', 'done', 'failed', 'cancelled'));
ALTER TABLE program_runs ADD COLUMN stage TEXT NOT NULL DEFAULT '';           -- evaluate or store, while running
ALTER TABLE program_runs ADD COLUMN done_count BIGINT NOT NULL DEFAULT 0;     -- households evaluated, or decisions stored, so far
ALTER TABLE program_runs ADD COLUMN total_count BIGINT NOT NULL DEFAULT 0;    -- decisions to store (0 while evaluating)
ALTER TABLE program_runs ADD COLUMN reason_key TEXT NOT NULL DEFAULT '';      -- why a run failed or was cancelled (i18n key)
ALTER TABLE program_runs ADD COLUMN reason_args TEXT NOT NULL DEFAULT '';     -- its arguments, JSON
ALTER TABLE program_runs ADD COLUMN ended_by BIGINT NOT NULL DEFAULT 0;       -- the user who cancelled it
CREATE INDEX program_runs_running ON program_runs (status) WHERE status = 'running';
