-- A program's payment cycles never overlap, so that no household is paid
-- twice for the same day (issue 12). Until now only a second cycle with the
-- same first day was refused, which also kept a rejected cycle's period from
-- being prepared again. SQLite cannot drop that table constraint, so the
-- table is rebuilt: its rows are copied aside, the table is dropped and made
-- anew, and the rows come back with their ids. payment_batches refers to it;
-- dropping the table leaves those references dangling until the rows come
-- back, which deferred foreign keys allow within this transaction (the check
-- runs at commit, and passes).
PRAGMA defer_foreign_keys = ON;

CREATE TABLE payment_cycles_0011 AS SELECT * FROM payment_cycles;
DROP TABLE payment_cycles;

CREATE TABLE payment_cycles (
    id                 INTEGER PRIMARY KEY,
    member_id          INTEGER NOT NULL REFERENCES members (id),
    program_id         INTEGER NOT NULL,
    program_version    INTEGER NOT NULL,
    program_ref        TEXT NOT NULL DEFAULT '',
    period_start       TIMESTAMP NOT NULL,
    period_end         TIMESTAMP NOT NULL,
    currency           TEXT NOT NULL,
    proration          TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('computing', 'prepared', 'approved', 'rejected')),
    entitled_count     INTEGER NOT NULL DEFAULT 0,
    excluded_count     INTEGER NOT NULL DEFAULT 0,
    prorated_count     INTEGER NOT NULL DEFAULT 0,
    total              INTEGER NOT NULL DEFAULT 0,
    approval_id        INTEGER REFERENCES approvals (id),
    prepared_by        INTEGER NOT NULL DEFAULT 0,
    approved_by        INTEGER NOT NULL DEFAULT 0,
    created_at         TIMESTAMP NOT NULL,
    approved_at        TIMESTAMP,
    -- What a cycle pays for: the program's frequency when it was prepared,
    -- and the days of the frequency period its benefits are for (a partial
    -- cycle covers fewer days than that, and pays benefit × days ÷
    -- basis_days). 0 on cycles made before: their basis was their own period.
    frequency          TEXT NOT NULL DEFAULT '',
    basis_days         INTEGER NOT NULL DEFAULT 0,
    -- The sum of the households' full benefits, beside total (what is paid).
    full_total         INTEGER NOT NULL DEFAULT 0,
    -- Set only here, on a cycle made before this migration that overlaps an
    -- earlier cycle of its program that was not rejected: the earlier one's
    -- id. Such a cycle stays as it was (money may have moved), is shown with
    -- a warning, can no longer be approved, and is left out of the triggers
    -- below, as PostgreSQL leaves it out of its constraint. New cycles never
    -- set it.
    overlaps_cycle_id  INTEGER
);

INSERT INTO payment_cycles (id, member_id, program_id, program_version, program_ref, period_start, period_end, currency, proration, status,
    entitled_count, excluded_count, prorated_count, total, approval_id, prepared_by, approved_by, created_at, approved_at)
SELECT id, member_id, program_id, program_version, program_ref, period_start, period_end, currency, proration, status,
    entitled_count, excluded_count, prorated_count, total, approval_id, prepared_by, approved_by, created_at, approved_at
FROM payment_cycles_0011;
DROP TABLE payment_cycles_0011;

UPDATE payment_cycles SET overlaps_cycle_id = (
    SELECT MIN(o.id) FROM payment_cycles o
    WHERE o.member_id = payment_cycles.member_id AND o.program_id = payment_cycles.program_id AND o.id < payment_cycles.id AND o.status <> 'rejected'
      AND julianday(o.period_start) <= julianday(payment_cycles.period_end) AND julianday(payment_cycles.period_start) <= julianday(o.period_end))
WHERE status <> 'rejected';

-- The cycles of a program by period.
CREATE INDEX payment_cycles_program ON payment_cycles (member_id, program_id, period_start);

-- No two cycles of a program that are not rejected share a day. SQLite has
-- one writer, so a trigger that looks before each write cannot be raced.
CREATE TRIGGER payment_cycles_no_overlap_insert BEFORE INSERT ON payment_cycles
WHEN NEW.status <> 'rejected' AND NEW.overlaps_cycle_id IS NULL
BEGIN
    SELECT RAISE(ABORT, 'payment_cycles_no_overlap') WHERE EXISTS (
        SELECT 1 FROM payment_cycles o
        WHERE o.member_id = NEW.member_id AND o.program_id = NEW.program_id AND o.status <> 'rejected' AND o.overlaps_cycle_id IS NULL
          AND julianday(o.period_start) <= julianday(NEW.period_end) AND julianday(NEW.period_start) <= julianday(o.period_end));
END;

CREATE TRIGGER payment_cycles_no_overlap_update BEFORE UPDATE OF member_id, program_id, period_start, period_end, status, overlaps_cycle_id ON payment_cycles
WHEN NEW.status <> 'rejected' AND NEW.overlaps_cycle_id IS NULL
BEGIN
    SELECT RAISE(ABORT, 'payment_cycles_no_overlap') WHERE EXISTS (
        SELECT 1 FROM payment_cycles o
        WHERE o.id <> NEW.id AND o.member_id = NEW.member_id AND o.program_id = NEW.program_id AND o.status <> 'rejected' AND o.overlaps_cycle_id IS NULL
          AND julianday(o.period_start) <= julianday(NEW.period_end) AND julianday(NEW.period_start) <= julianday(o.period_end));
END;

-- A one-off program pays a household once: a cycle leaves out the households
-- another cycle of the program already entitled, which it can see only if
-- that cycle is not being computed at the same moment.
CREATE UNIQUE INDEX payment_cycles_one_time_computing ON payment_cycles (member_id, program_id)
    WHERE frequency = 'one_time' AND status = 'computing';
