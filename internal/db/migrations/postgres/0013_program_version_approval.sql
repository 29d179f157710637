-- A rule change of a program that is no longer a draft, and the activation
-- of a draft, are proposals until a second person approves them (issue 12,
-- item 5). A version is approved (in force, or was), proposed (awaiting its
-- approval) or rejected (never in force); programs.version is always the
-- latest approved one. A program has at most one proposed version.
ALTER TABLE program_versions ADD COLUMN status TEXT NOT NULL DEFAULT 'approved' CHECK (status IN ('approved', 'proposed', 'rejected'));
ALTER TABLE program_versions ADD COLUMN approval_id BIGINT REFERENCES approvals (id);
CREATE UNIQUE INDEX program_versions_proposed ON program_versions (program_id) WHERE status = 'proposed';
ALTER TABLE programs ADD COLUMN activation_approval_id BIGINT REFERENCES approvals (id);
