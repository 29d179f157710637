-- Ledger: a double-entry record of every movement of money. Amounts are
-- integer minor units; a line is positive for a debit, negative for a credit,
-- and the lines of an entry sum to zero per currency. Entries are append-only:
-- the triggers refuse updates and deletes, and a mistake is corrected by a
-- reversing entry (reverses_id, at most one per entry).
CREATE TABLE ledger_accounts (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    code        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    currency    TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (member_id, code, currency)
);

CREATE TABLE ledger_entries (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    at           TIMESTAMP NOT NULL,
    kind         TEXT NOT NULL,
    ref          TEXT NOT NULL DEFAULT '',
    memo         TEXT NOT NULL DEFAULT '',
    reverses_id  INTEGER REFERENCES ledger_entries (id),
    actor_id     INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX ledger_entries_reverses ON ledger_entries (reverses_id) WHERE reverses_id IS NOT NULL;
CREATE INDEX ledger_entries_ref ON ledger_entries (member_id, ref);

CREATE TABLE ledger_lines (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES ledger_entries (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    account_id  INTEGER NOT NULL REFERENCES ledger_accounts (id),
    currency    TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount <> 0),
    at          TIMESTAMP NOT NULL
);
CREATE INDEX ledger_lines_account ON ledger_lines (account_id, at);
CREATE INDEX ledger_lines_entry ON ledger_lines (entry_id);

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_lines_no_update BEFORE UPDATE ON ledger_lines
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_lines_no_delete BEFORE DELETE ON ledger_lines
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
