-- Registry corrections (issue 16, item 6): a change request on a
-- household, proposed (by a case worker, for example) with each field's
-- value then and the value asked, and a reason; a registrar other than the
-- proposer approves it (auth's approvals table, kind registry_change) and
-- the registry applies it through its usual update, or rejects it.
CREATE TABLE registry_change_requests (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    household_id INTEGER NOT NULL REFERENCES households (id),
    fields       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL,
    approval_id  INTEGER NOT NULL,
    proposed_by  INTEGER NOT NULL,
    decided_by   INTEGER NOT NULL DEFAULT 0,
    decided_at   TIMESTAMP,
    note         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX registry_change_requests_household ON registry_change_requests (member_id, household_id, id);
CREATE INDEX registry_change_requests_approval ON registry_change_requests (approval_id);
