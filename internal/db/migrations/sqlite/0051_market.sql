-- The crafts market (issue 18 items 8-9, internal/market): shops of
-- productive families (registry households that consented to publish a
-- shop), their products with photos stored here (resized, re-encoded,
-- without metadata), the member's product categories, and the sequence the
-- storefront's in-memory search index follows.
CREATE TABLE market_categories (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    code        TEXT NOT NULL,
    name_ar     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (member_id, code)
);

CREATE TABLE market_shops (
    id                   INTEGER PRIMARY KEY,
    member_id            INTEGER NOT NULL REFERENCES members (id),
    household_id         INTEGER NOT NULL REFERENCES households (id),
    name_ar              TEXT NOT NULL,
    name_en              TEXT NOT NULL DEFAULT '',
    story_ar             TEXT NOT NULL DEFAULT '',
    story_en             TEXT NOT NULL DEFAULT '',
    crafts               TEXT NOT NULL DEFAULT '',
    governorate          TEXT NOT NULL DEFAULT '',  -- from the household; never its address
    district             TEXT NOT NULL DEFAULT '',
    pickup               INTEGER NOT NULL DEFAULT 0,
    delivery             INTEGER NOT NULL DEFAULT 0, -- within the governorate
    shipping             INTEGER NOT NULL DEFAULT 0,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'open', 'paused', 'closed')),
    consent_given_by     TEXT NOT NULL CHECK (consent_given_by <> ''),
    consent_given_on     TEXT NOT NULL,             -- YYYY-MM-DD
    consent_scope        TEXT NOT NULL CHECK (consent_scope = 'publish_shop_products'),
    consent_recorded_by  INTEGER NOT NULL,
    consent_recorded_at  TIMESTAMP NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    UNIQUE (member_id, household_id)
);
CREATE INDEX market_shops_status ON market_shops (member_id, status, id);

CREATE TABLE market_products (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    shop_id         INTEGER NOT NULL REFERENCES market_shops (id),
    category_id     INTEGER REFERENCES market_categories (id),
    name_ar         TEXT NOT NULL,
    name_en         TEXT NOT NULL DEFAULT '',
    description_ar  TEXT NOT NULL DEFAULT '',
    description_en  TEXT NOT NULL DEFAULT '',
    price           INTEGER NOT NULL CHECK (price >= 0),   -- minor units of currency
    currency        TEXT NOT NULL,
    stock           INTEGER NOT NULL CONSTRAINT market_products_stock CHECK (stock >= 0),
    active          INTEGER NOT NULL DEFAULT 1,
    hidden          INTEGER NOT NULL DEFAULT 0,        -- hidden by the moderator
    hidden_reason   TEXT NOT NULL DEFAULT '',
    search_text     TEXT NOT NULL DEFAULT '',              -- arabic.Normalize of names and descriptions
    seq             INTEGER NOT NULL DEFAULT 0,             -- market_search_state.seq of its last change
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX market_products_shop ON market_products (shop_id, id);
CREATE INDEX market_products_seq ON market_products (seq);
CREATE INDEX market_products_hidden ON market_products (member_id, hidden, id);

CREATE TABLE market_photos (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    product_id  INTEGER NOT NULL REFERENCES market_products (id),
    position    INTEGER NOT NULL DEFAULT 0,
    width       INTEGER NOT NULL,   -- of the largest size
    height      INTEGER NOT NULL,
    sha256      TEXT NOT NULL,      -- of the upload as received
    created_by  INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX market_photos_product ON market_photos (product_id, position, id);

CREATE TABLE market_photo_files (
    photo_id    INTEGER NOT NULL REFERENCES market_photos (id),
    size        INTEGER NOT NULL,   -- the long side asked for: 1200, 600 or 240
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    etag        TEXT NOT NULL,      -- SHA-256 of content
    content     BLOB NOT NULL,     -- JPEG, no metadata
    PRIMARY KEY (photo_id, size)
);

CREATE TABLE market_search_state (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL
);
INSERT INTO market_search_state (id, seq) VALUES (1, 0);
