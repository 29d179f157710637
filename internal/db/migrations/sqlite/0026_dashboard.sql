-- Dashboards count what waits for each role on every visit to "/": the
-- registrations of recent weeks read this index alone, and the jobs of a
-- member by state this one.
CREATE INDEX households_registered ON households (member_id, registered_on);
CREATE INDEX jobs_member_state ON jobs (member_id, state, started_at);
