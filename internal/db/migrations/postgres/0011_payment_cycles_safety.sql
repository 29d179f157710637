-- A program's payment cycles never overlap, so that no household is paid
-- twice for the same day (issue 12). Until now only a second cycle with the
-- same first day was refused, which also kept a rejected cycle's period from
-- being prepared again.
ALTER TABLE payment_cycles DROP CONSTRAINT payment_cycles_member_id_program_id_period_start_key;

-- What a cycle pays for: the program's frequency when it was prepared, and
-- the days of the frequency period its benefits are for (a partial cycle
-- covers fewer days than that, and pays benefit × days ÷ basis_days). 0 on
-- cycles made before: their basis was their own period.
ALTER TABLE payment_cycles ADD COLUMN frequency TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_cycles ADD COLUMN basis_days BIGINT NOT NULL DEFAULT 0;
-- The sum of the households' full benefits, beside total (what is paid).
ALTER TABLE payment_cycles ADD COLUMN full_total BIGINT NOT NULL DEFAULT 0;
-- Set only here, on a cycle made before this migration that overlaps an
-- earlier cycle of its program that was not rejected: the earlier one's id.
-- Such a cycle stays as it was (money may have moved), is shown with a
-- warning, can no longer be approved, and is left out of the constraint
-- below, which could not be created otherwise. New cycles never set it.
ALTER TABLE payment_cycles ADD COLUMN overlaps_cycle_id BIGINT;

UPDATE payment_cycles c SET overlaps_cycle_id = (
    SELECT MIN(o.id) FROM payment_cycles o
    WHERE o.member_id = c.member_id AND o.program_id = c.program_id AND o.id < c.id AND o.status <> 'rejected'
      AND o.period_start <= c.period_end AND c.period_start <= o.period_end)
WHERE c.status <> 'rejected' AND EXISTS (
    SELECT 1 FROM payment_cycles o
    WHERE o.member_id = c.member_id AND o.program_id = c.program_id AND o.id < c.id AND o.status <> 'rejected'
      AND o.period_start <= c.period_end AND c.period_start <= o.period_end);

-- No two cycles of a program that are not rejected share a day. Periods are
-- whole days stored as midnight UTC, so the closed range [start, end] of two
-- cycles intersects exactly when they share a day. Equality of member and
-- program is written as the overlap of one-point ranges, which GiST indexes
-- natively: the btree_gist extension would need CREATE privilege on a schema
-- and live in one schema of the database, which a deployment may not allow.
ALTER TABLE payment_cycles ADD CONSTRAINT payment_cycles_no_overlap EXCLUDE USING gist (
    int8range(member_id, member_id, '[]') WITH &&,
    int8range(program_id, program_id, '[]') WITH &&,
    tstzrange(period_start, period_end, '[]') WITH &&
) WHERE (status <> 'rejected' AND overlaps_cycle_id IS NULL);

-- The cycles of a program by period, which the unique constraint used to
-- index.
CREATE INDEX payment_cycles_program ON payment_cycles (member_id, program_id, period_start);

-- A one-off program pays a household once: a cycle leaves out the households
-- another cycle of the program already entitled, which it can see only if
-- that cycle is not being computed at the same moment.
CREATE UNIQUE INDEX payment_cycles_one_time_computing ON payment_cycles (member_id, program_id)
    WHERE frequency = 'one_time' AND status = 'computing';
