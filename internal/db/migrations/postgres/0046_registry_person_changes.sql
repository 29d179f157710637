-- Registry change requests may correct a person's fields too (employment
-- status, monthly income, the day of the last placement in work), as the
-- employment service and the crafts market propose them: person_id names
-- the person, 0 for a household correction.
ALTER TABLE registry_change_requests ADD COLUMN person_id BIGINT NOT NULL DEFAULT 0;
-- placed_on is the first day of work of the person's last placement by the
-- employment service, YYYY-MM-DD or '' never; only an approved change
-- request writes it. Rules read it (m.placed_last_12_months). A constant
-- default adds the column without rewriting the table.
ALTER TABLE persons ADD COLUMN placed_on TEXT NOT NULL DEFAULT '';
