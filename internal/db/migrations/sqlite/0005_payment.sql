-- Payments: providers, instruments, cycles, entitlements, batches, payment
-- attempts and status imports. Households, programs and enrollments belong to
-- other capabilities and are referenced by id (and a ref for display), not by
-- foreign key.

-- A provider pays households of one instrument kind: a bank (pain.001 in the
-- version it asks for, from the program's debtor account), a wallet provider
-- or a cash agent (CSV).
CREATE TABLE payment_providers (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    code            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('bank', 'wallet', 'cash')),
    name            TEXT NOT NULL,
    pain_version    TEXT NOT NULL DEFAULT '',
    debtor_name     TEXT NOT NULL DEFAULT '',
    debtor_iban     TEXT NOT NULL DEFAULT '',
    debtor_bic      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (member_id, code)
);

-- An instrument says who receives a household's money and how. A change is
-- proposed (pending) and takes effect when a second person approves it; the
-- active instrument it replaces becomes 'replaced'.
CREATE TABLE payment_instruments (
    id                     INTEGER PRIMARY KEY,
    member_id              INTEGER NOT NULL REFERENCES members (id),
    household_id           INTEGER NOT NULL,
    household_ref          TEXT NOT NULL DEFAULT '',
    recipient_person_id    INTEGER,
    recipient_name         TEXT NOT NULL,
    recipient_national_id  TEXT NOT NULL DEFAULT '',
    kind                   TEXT NOT NULL CHECK (kind IN ('bank', 'wallet', 'cash')),
    provider               TEXT NOT NULL,
    iban                   TEXT NOT NULL DEFAULT '',
    bic                    TEXT NOT NULL DEFAULT '',
    msisdn                 TEXT NOT NULL DEFAULT '',
    status                 TEXT NOT NULL CHECK (status IN ('pending', 'active', 'rejected', 'replaced')),
    approval_id            INTEGER REFERENCES approvals (id),
    created_by             INTEGER NOT NULL DEFAULT 0,
    created_at             TIMESTAMP NOT NULL,
    decided_at             TIMESTAMP
);
CREATE UNIQUE INDEX payment_instruments_active ON payment_instruments (member_id, household_id) WHERE status = 'active';
CREATE UNIQUE INDEX payment_instruments_pending ON payment_instruments (member_id, household_id) WHERE status = 'pending';

CREATE TABLE payment_cycles (
    id               INTEGER PRIMARY KEY,
    member_id        INTEGER NOT NULL REFERENCES members (id),
    program_id       INTEGER NOT NULL,
    program_version  INTEGER NOT NULL,
    program_ref      TEXT NOT NULL DEFAULT '',
    period_start     TIMESTAMP NOT NULL,
    period_end       TIMESTAMP NOT NULL,
    currency         TEXT NOT NULL,
    proration        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('computing', 'prepared', 'approved', 'rejected')),
    entitled_count   INTEGER NOT NULL DEFAULT 0,
    excluded_count   INTEGER NOT NULL DEFAULT 0,
    prorated_count   INTEGER NOT NULL DEFAULT 0,
    total            INTEGER NOT NULL DEFAULT 0,
    approval_id      INTEGER REFERENCES approvals (id),
    prepared_by      INTEGER NOT NULL DEFAULT 0,
    approved_by      INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL,
    approved_at      TIMESTAMP,
    UNIQUE (member_id, program_id, period_start)
);

-- The tables that grow by a million rows a cycle (entitlements, payments,
-- staged status rows) carry no foreign keys: PostgreSQL checks each with a
-- trigger per row, which costs more than the insert itself. They are written
-- only by package payment, in set-based statements that join their parents.
CREATE TABLE payment_entitlements (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL,
    cycle_id       INTEGER NOT NULL,
    household_id   INTEGER NOT NULL,
    household_ref  TEXT NOT NULL DEFAULT '',
    full_amount    INTEGER NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount > 0),
    days           INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('due', 'cancelled')),
    UNIQUE (cycle_id, household_id)
);
CREATE INDEX payment_entitlements_household ON payment_entitlements (member_id, household_id);

CREATE TABLE payment_batches (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    cycle_id      INTEGER NOT NULL REFERENCES payment_cycles (id),
    kind          TEXT NOT NULL CHECK (kind IN ('bank', 'wallet', 'cash')),
    provider      TEXT NOT NULL,
    msg_id        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('created', 'exported')),
    count         INTEGER NOT NULL DEFAULT 0,
    total         INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    exported_at   TIMESTAMP,
    exported_by   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (member_id, msg_id)
);
CREATE INDEX payment_batches_cycle ON payment_batches (cycle_id);

-- A payment is one attempt to pay an entitlement, written when its batch is
-- exported. end_to_end_id travels to the bank and back and is unique
-- forever. At most one attempt of an entitlement is live (sent, accepted) or
-- paid: the partial unique index makes a second successful payment
-- impossible whatever the code does.
CREATE TABLE payments (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL,
    cycle_id        INTEGER NOT NULL,
    entitlement_id  INTEGER NOT NULL,
    household_id    INTEGER NOT NULL,
    attempt         INTEGER NOT NULL,
    end_to_end_id   TEXT NOT NULL,
    batch_id        INTEGER NOT NULL,
    instrument_id   INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    provider        TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    voucher_code    TEXT,
    status          TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'paid', 'failed', 'returned')),
    reason          TEXT NOT NULL DEFAULT '',
    paid_at         TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (member_id, end_to_end_id),
    UNIQUE (entitlement_id, attempt)
);
CREATE UNIQUE INDEX payments_one_live ON payments (entitlement_id) WHERE status IN ('sent', 'accepted', 'paid');
CREATE UNIQUE INDEX payments_voucher ON payments (member_id, voucher_code) WHERE voucher_code IS NOT NULL;
CREATE INDEX payments_batch ON payments (batch_id);

-- A status import is one status file applied once. Its rows are staged here
-- and matched to payments by end_to_end_id in one set-based step.
CREATE TABLE payment_status_imports (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    sha256       TEXT NOT NULL,
    format       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('staged', 'applied', 'refused')),
    row_count    INTEGER NOT NULL DEFAULT 0,
    paid         INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    returned     INTEGER NOT NULL DEFAULT 0,
    accepted     INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    created_by   INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX payment_status_imports_once ON payment_status_imports (member_id, sha256) WHERE status = 'applied';

CREATE TABLE payment_status_rows (
    id             INTEGER PRIMARY KEY,
    import_id      INTEGER NOT NULL,
    member_id      INTEGER NOT NULL,
    row_no         INTEGER NOT NULL,
    end_to_end_id  TEXT NOT NULL,
    status         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    paid_at        TIMESTAMP
);
CREATE INDEX payment_status_rows_e2e ON payment_status_rows (import_id, end_to_end_id);
