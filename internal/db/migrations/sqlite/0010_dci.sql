-- DCI social-registry API: transactions (for txn/status) and subscriptions
-- (for registry/notify).
CREATE TABLE dci_transactions (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    correlation_id  TEXT NOT NULL,
    transaction_id  TEXT NOT NULL,
    sender_id       TEXT NOT NULL,
    action          TEXT NOT NULL,     -- search, subscribe, unsubscribe
    status          TEXT NOT NULL,     -- rcvd, pdng, succ, rjct
    reference_ids   TEXT NOT NULL DEFAULT '[]',
    response        TEXT NOT NULL DEFAULT '',  -- the on-* message, JSON
    delivered       INTEGER NOT NULL DEFAULT 0, -- callback attempts that succeeded
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (member_id, correlation_id)
);
CREATE INDEX dci_transactions_txn ON dci_transactions (member_id, sender_id, transaction_id);

CREATE TABLE dci_subscriptions (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    code            TEXT NOT NULL,
    sender_id       TEXT NOT NULL,
    sender_uri      TEXT NOT NULL,
    criteria        TEXT NOT NULL,     -- subscribe_criteria, JSON
    status          TEXT NOT NULL,     -- subscribe, unsubscribe
    last_history_id INTEGER NOT NULL,  -- registry_history rows up to here are notified
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (member_id, code)
);
CREATE INDEX dci_subscriptions_active ON dci_subscriptions (status, member_id);
