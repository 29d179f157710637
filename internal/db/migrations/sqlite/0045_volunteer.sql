-- Volunteers (issue 17 item 9, internal/volunteer): people who sign up on
-- the portal (or are added by a coordinator) with their skills, languages,
-- areas and availability; opportunities posted by a member or one of its
-- offices, with shifts of a capacity; sign-ups confirmed while places
-- remain, then waitlisted in order; attendance and hours confirmed by the
-- coordinator; certificates of hours verifiable by a short code.
CREATE TABLE volunteers (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL,               -- digits only, with a leading + kept
    email       TEXT NOT NULL DEFAULT '',
    areas       TEXT NOT NULL DEFAULT '',    -- area codes, space separated, with a space at each end
    skills      TEXT NOT NULL DEFAULT '',    -- skill codes, the same way
    languages   TEXT NOT NULL DEFAULT '',
    days        TEXT NOT NULL DEFAULT '',    -- sun mon … sat
    times       TEXT NOT NULL DEFAULT '',    -- morning afternoon evening
    lang        TEXT NOT NULL DEFAULT 'ar',
    status      TEXT NOT NULL CHECK (status IN ('pending', 'active', 'inactive')),
    token_hash  TEXT NOT NULL,               -- SHA-256 of the personal link's secret
    consent_at  TIMESTAMP NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('portal', 'staff')),
    note        TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (member_id, phone)
);
CREATE UNIQUE INDEX volunteers_token ON volunteers (token_hash);
CREATE INDEX volunteers_status ON volunteers (member_id, status, id);

CREATE TABLE volunteer_opportunities (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    office_id   INTEGER NOT NULL DEFAULT 0,   -- the office that posted it; 0 for the member
    kind        TEXT NOT NULL CHECK (kind IN ('distribution', 'home_visit', 'tutoring', 'data_collection', 'other')),
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    area_code   TEXT NOT NULL DEFAULT '',
    skills      TEXT NOT NULL DEFAULT '',
    starts_on   TEXT NOT NULL,               -- YYYY-MM-DD in the member's zone
    ends_on     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_by  INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX volunteer_opportunities_member ON volunteer_opportunities (member_id, status, starts_on);

CREATE TABLE volunteer_shifts (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members (id),
    opportunity_id INTEGER NOT NULL REFERENCES volunteer_opportunities (id),
    starts_at      TIMESTAMP NOT NULL,
    ends_at        TIMESTAMP NOT NULL,
    place          TEXT NOT NULL DEFAULT '',
    capacity       INTEGER NOT NULL CHECK (capacity > 0),
    status         TEXT NOT NULL CHECK (status IN ('open', 'cancelled')),
    created_at     TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX volunteer_shifts_opportunity ON volunteer_shifts (opportunity_id, starts_at);

-- A volunteer's place on a shift. The shift's times are copied so that the
-- overlap check reads one table; it runs with the volunteer's row locked.
CREATE TABLE volunteer_signups (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    shift_id     INTEGER NOT NULL REFERENCES volunteer_shifts (id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    status       TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    starts_at    TIMESTAMP NOT NULL,
    ends_at      TIMESTAMP NOT NULL,
    signed_by    INTEGER NOT NULL DEFAULT 0,  -- the coordinator; 0 for the volunteer
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    attendance   TEXT NOT NULL DEFAULT '' CHECK (attendance IN ('', 'present', 'absent')),
    minutes      INTEGER NOT NULL DEFAULT 0 CHECK (minutes >= 0),
    attended_by  INTEGER NOT NULL DEFAULT 0,
    attended_at  TIMESTAMP
);
CREATE UNIQUE INDEX volunteer_signups_once ON volunteer_signups (shift_id, volunteer_id) WHERE status <> 'cancelled';
CREATE INDEX volunteer_signups_shift ON volunteer_signups (shift_id, status, id);
CREATE INDEX volunteer_signups_volunteer ON volunteer_signups (volunteer_id, status, starts_at);

CREATE TABLE volunteer_certificates (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    volunteer_id  INTEGER NOT NULL REFERENCES volunteers (id),
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,             -- the volunteer's name when issued
    period_from   TEXT NOT NULL,             -- YYYY-MM-DD
    period_to     TEXT NOT NULL,
    minutes       INTEGER NOT NULL,
    shifts        INTEGER NOT NULL,
    issued_by     INTEGER NOT NULL,
    issued_at     TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP,
    revoked_by    INTEGER NOT NULL DEFAULT 0,
    revoke_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX volunteer_certificates_volunteer ON volunteer_certificates (member_id, volunteer_id, issued_at);
