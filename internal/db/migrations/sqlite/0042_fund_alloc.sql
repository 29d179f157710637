-- The solidarity fund's deficit coverage (issue 17 item 6, internal/fund/alloc).
--
-- fund_alloc_settings and fund_alloc_programs are the fund's settings per
-- member: the zakat categories its programs serve, and for each program
-- the target groups it serves and its zakat category. Groups are needs
-- (orphans, disability…), never religion, ethnicity or tribe.
CREATE TABLE fund_alloc_settings (
    member_id        INTEGER PRIMARY KEY REFERENCES members (id),
    zakat_categories TEXT NOT NULL DEFAULT '',   -- ',poor,needy,' (wrapped in commas)
    updated_by       INTEGER NOT NULL DEFAULT 0,
    updated_at       TIMESTAMP NOT NULL
);

CREATE TABLE fund_alloc_programs (
    member_id      INTEGER NOT NULL REFERENCES members (id),
    program_id     INTEGER NOT NULL,
    target_groups  TEXT NOT NULL DEFAULT '',     -- ',orphans,widows,'
    zakat_category TEXT NOT NULL DEFAULT '',     -- '' when not a zakat program
    updated_by     INTEGER NOT NULL DEFAULT 0,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (member_id, program_id)
);

-- One lot per donation: the money it put in its pool (pool = restriction
-- key; with member and currency, the pool), and what is left of it.
-- Allocations consume lots FIFO by (received_on, donation_id) within a
-- pool. The restriction is kept in columns so that the guard below can
-- check it: r_* is the donation's restriction, i_* a campaign's own.
CREATE TABLE fund_lots (
    donation_id   INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    pool          TEXT NOT NULL,
    r_kind        TEXT NOT NULL DEFAULT '' CHECK (r_kind IN ('', 'program', 'member', 'group', 'campaign')),
    r_program_id  INTEGER NOT NULL DEFAULT 0,
    r_member_id   INTEGER NOT NULL DEFAULT 0,
    r_group       TEXT NOT NULL DEFAULT '',
    r_campaign_id INTEGER NOT NULL DEFAULT 0,
    i_kind        TEXT NOT NULL DEFAULT '' CHECK (i_kind IN ('', 'program', 'member', 'group')),
    i_program_id  INTEGER NOT NULL DEFAULT 0,
    i_member_id   INTEGER NOT NULL DEFAULT 0,
    i_group       TEXT NOT NULL DEFAULT '',
    zakat         INTEGER NOT NULL DEFAULT 0 CHECK (zakat IN (0, 1)),
    currency      TEXT NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount > 0),
    remaining     INTEGER NOT NULL,
    received_on   TIMESTAMP NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    CONSTRAINT fund_lots_remaining CHECK (remaining >= 0 AND remaining <= amount)
);
CREATE INDEX fund_lots_pool ON fund_lots (member_id, pool, currency, received_on, donation_id);

-- An allocation of the fund to a program (for a payment cycle's deficit,
-- or a top-up of its budget), proposed by a fund manager and approved by
-- someone else. Its target (program, groups, zakat category, campaign) and
-- the settings' zakat categories are copied at proposal: the guard checks
-- the sources against them. pools is the JSON list of the pools chosen,
-- '' for automatic.
CREATE TABLE fund_allocations (
    id               INTEGER PRIMARY KEY,
    member_id        INTEGER NOT NULL REFERENCES members (id),
    program_id       INTEGER NOT NULL,
    cycle_id         INTEGER NOT NULL DEFAULT 0,
    campaign_id      INTEGER NOT NULL DEFAULT 0,
    target_groups    TEXT NOT NULL DEFAULT '',
    target_zakat     TEXT NOT NULL DEFAULT '',
    zakat_categories TEXT NOT NULL DEFAULT '',
    currency         TEXT NOT NULL,
    amount           INTEGER NOT NULL CHECK (amount > 0),
    pools            TEXT NOT NULL DEFAULT '',
    memo             TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    approval_id      INTEGER NOT NULL DEFAULT 0,
    proposed_by      INTEGER NOT NULL DEFAULT 0,
    decided_by       INTEGER NOT NULL DEFAULT 0,
    reason           TEXT NOT NULL DEFAULT '',
    entry_id         INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL,
    decided_at       TIMESTAMP
);
CREATE INDEX fund_allocations_member ON fund_allocations (member_id, status, id);
CREATE INDEX fund_allocations_cycle ON fund_allocations (member_id, cycle_id);
CREATE INDEX fund_allocations_approval ON fund_allocations (approval_id);

-- What each allocation took from which donation's lot. Append-only.
CREATE TABLE fund_allocation_sources (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    allocation_id INTEGER NOT NULL REFERENCES fund_allocations (id),
    donation_id   INTEGER NOT NULL REFERENCES fund_lots (donation_id),
    amount        INTEGER NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX fund_allocation_sources_allocation ON fund_allocation_sources (allocation_id);
CREATE INDEX fund_allocation_sources_donation ON fund_allocation_sources (donation_id);

-- The guard: a source whose donation's restriction does not allow the
-- allocation's target (the rule of fund.Allows, over the columns above), of
-- another currency, of no amount, or more than what is left of the lot is
-- refused by the database itself; an accepted source consumes its lot.
-- SQLite has one writer, so the check cannot be raced.
CREATE TRIGGER fund_allocation_sources_guard BEFORE INSERT ON fund_allocation_sources
BEGIN
    SELECT RAISE(ABORT, 'fund_alloc_sources_allowed') WHERE NOT EXISTS (
        SELECT 1 FROM fund_lots l JOIN fund_allocations a ON a.id = NEW.allocation_id
        WHERE l.donation_id = NEW.donation_id AND l.currency = a.currency AND a.member_id = NEW.member_id
          AND (l.zakat = 0 OR (a.target_zakat <> '' AND instr(a.zakat_categories, ',' || a.target_zakat || ',') > 0))
          AND (
               (l.r_kind = '' AND a.member_id = l.member_id)
            OR (l.r_kind = 'program' AND a.member_id = l.member_id AND a.program_id = l.r_program_id)
            OR (l.r_kind = 'member' AND a.member_id = l.r_member_id)
            OR (l.r_kind = 'group' AND a.member_id = l.member_id AND instr(a.target_groups, ',' || l.r_group || ',') > 0)
            OR (l.r_kind = 'campaign' AND a.campaign_id = l.r_campaign_id AND (
                   (l.i_kind = '' AND a.member_id = l.member_id)
                OR (l.i_kind = 'program' AND a.member_id = l.member_id AND a.program_id = l.i_program_id)
                OR (l.i_kind = 'member' AND a.member_id = l.i_member_id)
                OR (l.i_kind = 'group' AND a.member_id = l.member_id AND instr(a.target_groups, ',' || l.i_group || ',') > 0)))));
    SELECT RAISE(ABORT, 'fund_alloc_sources_overdrawn') WHERE NEW.amount <= 0 OR NOT EXISTS (
        SELECT 1 FROM fund_lots WHERE donation_id = NEW.donation_id AND remaining >= NEW.amount);
    UPDATE fund_lots SET remaining = remaining - NEW.amount WHERE donation_id = NEW.donation_id;
END;

CREATE TRIGGER fund_allocation_sources_no_update BEFORE UPDATE ON fund_allocation_sources
BEGIN
    SELECT RAISE(ABORT, 'fund_alloc_sources_append_only');
END;
CREATE TRIGGER fund_allocation_sources_no_delete BEFORE DELETE ON fund_allocation_sources
BEGIN
    SELECT RAISE(ABORT, 'fund_alloc_sources_append_only');
END;
