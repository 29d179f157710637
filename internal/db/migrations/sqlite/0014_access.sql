-- Access (issue 12): grants of roles that read sealed data, releases of
-- older whistleblower reports to a newly granted officer, and the server
-- secret that CSRF tokens are derived from.

-- role_grants records when each user got each sealed role (one that reads
-- sealed data, such as integrity_officer), who proposed it and who approved
-- it. A grant without approval_id was made by the system (demo data, or a
-- role held before this table existed). revoked_at is set when the role is
-- taken away; a user holds at most one live grant per role.
CREATE TABLE role_grants (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER REFERENCES members (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    role         TEXT NOT NULL,
    approval_id  INTEGER REFERENCES approvals (id),
    maker_id     INTEGER REFERENCES users (id),
    checker_id   INTEGER REFERENCES users (id),
    granted_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    revoked_by   INTEGER REFERENCES users (id)
);
CREATE UNIQUE INDEX role_grants_live ON role_grants (user_id, role) WHERE revoked_at IS NULL;
CREATE INDEX role_grants_member ON role_grants (member_id, granted_at);

-- Officers who held the role before grants were recorded: the last change
-- of their account is the latest moment they can have got it, so they see
-- reports from then on (never more than before).
INSERT INTO role_grants (member_id, user_id, role, granted_at)
SELECT member_id, id, 'integrity_officer', updated_at FROM users
WHERE (' ' || roles || ' ') LIKE '% integrity_officer %';

-- whistle_releases lets an integrity officer see a report filed before
-- they got the role; another officer who already sees it releases it.
CREATE TABLE whistle_releases (
    member_id    INTEGER NOT NULL REFERENCES members (id),
    report_id    INTEGER NOT NULL REFERENCES whistle_reports (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    released_by  INTEGER NOT NULL REFERENCES users (id),
    released_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (member_id, report_id, user_id)
);
CREATE INDEX whistle_releases_user ON whistle_releases (member_id, user_id);

-- auth_secrets holds server-wide keys created on first use, shared by
-- every server process: "csrf" derives the forms' CSRF tokens.
CREATE TABLE auth_secrets (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
