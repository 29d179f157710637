-- The day a cycle's payments are to be executed (YYYY-MM-DD): a bank file's
-- requested execution date. Cycles made before it have '' and are paid on
-- the first working day of their period, or the export day if that is later.
ALTER TABLE payment_cycles ADD COLUMN payment_date TEXT NOT NULL DEFAULT '';
