-- The solidarity fund's bank statements (internal/fund/bank): each imported
-- file (camt.053, camt.054 or CSV) once, the reports (Stmt/Ntfctn) it held
-- for the overlap check, and every line of it with how it was matched.
-- A credit matched on import or in the review queue names its donation; an
-- unmatched one waits in the queue while its money sits in the suspense
-- account (fund:suspense).
CREATE TABLE fund_bank_imports (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    file_name       TEXT NOT NULL,
    format          TEXT NOT NULL CHECK (format IN ('camt.053', 'camt.054', 'csv')),
    version         TEXT NOT NULL DEFAULT '',
    message_id      TEXT NOT NULL DEFAULT '',
    content_hash    TEXT NOT NULL,
    account         TEXT NOT NULL DEFAULT '',
    lines           INTEGER NOT NULL DEFAULT 0,
    credits         INTEGER NOT NULL DEFAULT 0,
    credit_total    INTEGER NOT NULL DEFAULT 0,
    matched         INTEGER NOT NULL DEFAULT 0,
    matched_total   INTEGER NOT NULL DEFAULT 0,
    unmatched       INTEGER NOT NULL DEFAULT 0,
    unmatched_total INTEGER NOT NULL DEFAULT 0,
    debits          INTEGER NOT NULL DEFAULT 0,
    debit_total     INTEGER NOT NULL DEFAULT 0,
    skipped         INTEGER NOT NULL DEFAULT 0,
    currency        TEXT NOT NULL DEFAULT '',
    suspense_entry  INTEGER NOT NULL DEFAULT 0,
    created_by      INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX fund_bank_imports_hash ON fund_bank_imports (member_id, content_hash);
CREATE UNIQUE INDEX fund_bank_imports_message ON fund_bank_imports (member_id, format, message_id) WHERE message_id <> '';
CREATE INDEX fund_bank_imports_member ON fund_bank_imports (member_id, id);

CREATE TABLE fund_bank_reports (
    import_id   INTEGER NOT NULL REFERENCES fund_bank_imports (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    format      TEXT NOT NULL,
    account     TEXT NOT NULL DEFAULT '',
    report_id   TEXT NOT NULL DEFAULT '',
    sequence    TEXT NOT NULL DEFAULT '',
    period_from TIMESTAMP,
    period_to   TIMESTAMP
);
CREATE INDEX fund_bank_reports_account ON fund_bank_reports (member_id, account, format);

CREATE TABLE fund_bank_lines (
    id          INTEGER PRIMARY KEY,
    import_id   INTEGER NOT NULL REFERENCES fund_bank_imports (id),
    member_id   INTEGER NOT NULL, -- the import's (no foreign key: checked per row, it would cost a bulk import as much as the rows)
    line_no     INTEGER NOT NULL,
    account     TEXT NOT NULL DEFAULT '',
    bank_ref    TEXT NOT NULL DEFAULT '',
    booked_on   TIMESTAMP NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    currency    TEXT NOT NULL,
    debit       INTEGER NOT NULL DEFAULT 0,
    debtor_name TEXT NOT NULL DEFAULT '',
    debtor_iban TEXT NOT NULL DEFAULT '',
    reference   TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('matched', 'unmatched', 'resolved', 'dismissed', 'debit')),
    matched_on  TEXT NOT NULL DEFAULT '',
    donor_id    INTEGER NOT NULL DEFAULT 0,
    pledge_id   INTEGER NOT NULL DEFAULT 0,
    donation_id INTEGER NOT NULL DEFAULT 0,
    receipt     TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    decided_by  INTEGER NOT NULL DEFAULT 0,
    decided_at  TIMESTAMP,
    UNIQUE (import_id, line_no)
);
CREATE UNIQUE INDEX fund_bank_lines_ref ON fund_bank_lines (member_id, account, bank_ref) WHERE bank_ref <> '' AND debit = 0;
CREATE INDEX fund_bank_lines_queue ON fund_bank_lines (member_id, status, id);
