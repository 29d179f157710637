-- Dashboards count what waits for each role on every visit to "/": the
-- registrations of recent weeks read households_registered (0021) alone,
-- and the jobs of a member by state this index.
CREATE INDEX jobs_member_state ON jobs (member_id, state, started_at);
