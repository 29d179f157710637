-- Persons read household by household without visiting the table: the
-- index a household's persons are found by carries every column that
-- registry.EachHousehold (targeting runs, segment loads) reads, so that
-- their reading walks this index in household order, however the persons
-- arrived. Rows are stored in the order they were inserted (rowid): a
-- registry that grows over years has a household's persons spread over
-- the whole table, and reading them through the narrow index cost one
-- random page per person. Same name and same leading columns as before,
-- so that every other query keeps its plan.
DROP INDEX persons_household;
CREATE INDEX persons_household ON persons (member_id, household_id, id, merged_into, relationship, sex, birth_date,
    wg_seeing, wg_hearing, wg_walking, wg_remembering, wg_selfcare, wg_communicating,
    employment_status, education, marital_status, orphan, monthly_income, pregnant, attrs);
