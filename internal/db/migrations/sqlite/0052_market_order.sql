-- The crafts market's orders (issue 18 items 10-11, internal/market/order):
-- buyers' and sellers' light accounts and their sessions, inquiries from
-- visitors without an account, orders with their readable numbers, the
-- messages between buyer and family (held for the moderator when they carry
-- contact details and the member asks for it), the member's setting, the
-- families' consents to turn sales into registry income and the proposals
-- made from them. Shops and products are internal/market's: only their ids
-- (and the names and price an order was placed at) are kept here.
CREATE TABLE market_order_accounts (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL DEFAULT 0,   -- a seller's member; 0 for a buyer (buys from any member)
    kind           TEXT NOT NULL CHECK (kind IN ('buyer', 'seller')),
    shop_id        INTEGER NOT NULL DEFAULT 0,   -- a seller's shop (internal/market's id)
    name           TEXT NOT NULL,
    phone          TEXT NOT NULL,                -- digits only
    password_hash  TEXT NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1,
    created_by     INTEGER NOT NULL DEFAULT 0,   -- the moderator who made a seller's account
    created_at     TIMESTAMP NOT NULL,
    UNIQUE (phone)
);
CREATE INDEX market_order_accounts_shop ON market_order_accounts (shop_id);

CREATE TABLE market_order_sessions (
    token_hash  TEXT PRIMARY KEY,                -- SHA-256 of the cookie's secret
    account_id  INTEGER NOT NULL REFERENCES market_order_accounts (id),
    expires_at  TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX market_order_sessions_account ON market_order_sessions (account_id);

CREATE TABLE market_order_numbers (
    member_id  INTEGER NOT NULL,
    year       INTEGER NOT NULL,
    last       INTEGER NOT NULL,
    PRIMARY KEY (member_id, year)
);

CREATE TABLE market_orders (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members (id),
    number         TEXT NOT NULL UNIQUE,         -- JO-M-2026-000123
    product_id     INTEGER NOT NULL,
    shop_id        INTEGER NOT NULL,
    household_id   INTEGER NOT NULL,
    product_ar     TEXT NOT NULL,
    product_en     TEXT NOT NULL DEFAULT '',
    buyer_id       INTEGER NOT NULL REFERENCES market_order_accounts (id),
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    unit_price     INTEGER NOT NULL CHECK (unit_price >= 0),
    amount         INTEGER NOT NULL CHECK (amount >= 0),  -- minor units of currency
    currency       TEXT NOT NULL,
    delivery       TEXT NOT NULL CHECK (delivery IN ('pickup', 'delivery')),
    address        TEXT NOT NULL DEFAULT '',      -- cleared once delivered or cancelled
    payment        TEXT NOT NULL CHECK (payment IN ('cash', 'transfer')),
    transfer_ref   TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('placed', 'confirmed', 'shipped', 'delivered', 'cancelled')),
    cancel_reason  TEXT NOT NULL DEFAULT '',
    cancelled_by   TEXT NOT NULL DEFAULT '',      -- buyer, seller or moderator
    placed_at      TIMESTAMP NOT NULL,
    confirmed_at   TIMESTAMP,
    shipped_at     TIMESTAMP,
    delivered_at   TIMESTAMP,
    cancelled_at   TIMESTAMP,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX market_orders_member ON market_orders (member_id, status, id);
CREATE INDEX market_orders_shop ON market_orders (shop_id, status, id);
CREATE INDEX market_orders_buyer ON market_orders (buyer_id, id);
CREATE INDEX market_orders_delivered ON market_orders (member_id, delivered_at);

CREATE TABLE market_order_inquiries (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    product_id  INTEGER NOT NULL,
    shop_id     INTEGER NOT NULL,
    product_ar  TEXT NOT NULL,
    product_en  TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    contact     TEXT NOT NULL,                 -- a phone or an e-mail
    token_hash  TEXT NOT NULL UNIQUE,          -- SHA-256 of the inquirer's link secret
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX market_order_inquiries_shop ON market_order_inquiries (shop_id, id);
CREATE INDEX market_order_inquiries_member ON market_order_inquiries (member_id, id);

CREATE TABLE market_order_messages (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    shop_id       INTEGER NOT NULL,
    order_id      INTEGER NOT NULL DEFAULT 0,
    inquiry_id    INTEGER NOT NULL DEFAULT 0,
    sender        TEXT NOT NULL CHECK (sender IN ('buyer', 'seller', 'moderator')),
    body          TEXT NOT NULL,               -- plain text; always shown escaped
    status        TEXT NOT NULL CHECK (status IN ('visible', 'held', 'rejected')),
    flags         TEXT NOT NULL DEFAULT '',    -- contact kinds found: phone email url handle
    moderated_by  INTEGER NOT NULL DEFAULT 0,
    moderated_at  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    CHECK ((order_id > 0) <> (inquiry_id > 0))
);
CREATE INDEX market_order_messages_order ON market_order_messages (order_id, id);
CREATE INDEX market_order_messages_inquiry ON market_order_messages (inquiry_id, id);
CREATE INDEX market_order_messages_held ON market_order_messages (member_id, status, id);

CREATE TABLE market_order_settings (
    member_id         INTEGER PRIMARY KEY REFERENCES members (id),
    moderate_contacts INTEGER NOT NULL DEFAULT 0,
    updated_by        INTEGER NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);

CREATE TABLE market_order_consents (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    shop_id      INTEGER NOT NULL,
    household_id INTEGER NOT NULL,
    given_by     TEXT NOT NULL CHECK (given_by <> ''),  -- who in the family consented
    given_on     TEXT NOT NULL,                          -- YYYY-MM-DD
    recorded_by  INTEGER NOT NULL,
    recorded_at  TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    UNIQUE (member_id, shop_id)
);

CREATE TABLE market_order_incomes (
    id                INTEGER PRIMARY KEY,
    member_id         INTEGER NOT NULL REFERENCES members (id),
    shop_id           INTEGER NOT NULL,
    household_id      INTEGER NOT NULL,
    months            INTEGER NOT NULL CHECK (months IN (3, 6)),
    total             INTEGER NOT NULL,
    monthly           INTEGER NOT NULL,
    currency          TEXT NOT NULL,
    change_request_id INTEGER NOT NULL,
    proposed_by       INTEGER NOT NULL,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX market_order_incomes_shop ON market_order_incomes (shop_id, id);
