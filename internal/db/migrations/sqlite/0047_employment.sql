-- Employment (issue 18, internal/employment): each member's skills list;
-- job seekers linked to registry persons; employers (partner companies or
-- registered directly and verified by a member officer) with their
-- headcount for the disability quota; vacancies; applications through
-- interview and offer to placement; the follow-ups 3 and 6 months after a
-- placement's start.
CREATE TABLE employment_settings (
    member_id      INTEGER PRIMARY KEY REFERENCES members (id),
    quota_bp       INTEGER NOT NULL DEFAULT 0,   -- disability quota in hundredths of a percent; 0 none
    quota_from     INTEGER NOT NULL DEFAULT 0,   -- the headcount from which the quota applies
    escalate_days  INTEGER NOT NULL DEFAULT 5,   -- working days a follow-up may be late
    updated_at     TIMESTAMP NOT NULL
);
CREATE TABLE employment_skills (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    code        TEXT NOT NULL,
    name_ar     TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    grp         TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (member_id, code)
);
CREATE TABLE employment_seekers (
    id                  INTEGER PRIMARY KEY,
    member_id           INTEGER NOT NULL REFERENCES members (id),
    person_id           INTEGER NOT NULL REFERENCES persons (id),
    household_id        INTEGER NOT NULL,
    name                TEXT NOT NULL,               -- the registry name when last saved
    sex                 TEXT NOT NULL DEFAULT '',
    birth_date          TEXT NOT NULL DEFAULT '',
    disability          INTEGER NOT NULL DEFAULT 0,  -- 1: a person with disability (Washington Group)
    skills              TEXT NOT NULL DEFAULT '',    -- codes, space separated, a space at each end
    education           TEXT NOT NULL DEFAULT '',
    experience_months   INTEGER NOT NULL DEFAULT 0,
    experience          TEXT NOT NULL DEFAULT '',
    languages           TEXT NOT NULL DEFAULT '',
    accommodations      TEXT NOT NULL DEFAULT '',
    accommodation_note  TEXT NOT NULL DEFAULT '',
    areas               TEXT NOT NULL DEFAULT '',
    hours               TEXT NOT NULL CHECK (hours IN ('full', 'part', 'any')),
    consent             INTEGER NOT NULL DEFAULT 0,
    consent_by          INTEGER NOT NULL DEFAULT 0,
    consent_at          TIMESTAMP,
    status              TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    version             INTEGER NOT NULL DEFAULT 1,
    created_by          INTEGER NOT NULL DEFAULT 0,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    UNIQUE (member_id, person_id)
);
CREATE INDEX employment_seekers_status ON employment_seekers (member_id, status, id);
CREATE TABLE employment_employers (
    id                  INTEGER PRIMARY KEY,
    member_id           INTEGER NOT NULL REFERENCES members (id),
    partner_id          INTEGER NOT NULL DEFAULT 0,  -- a partner company (internal/partner); 0 registered directly
    name                TEXT NOT NULL,
    reg_no              TEXT NOT NULL DEFAULT '',
    sector              TEXT NOT NULL DEFAULT '',
    contact_name        TEXT NOT NULL DEFAULT '',
    contact_phone       TEXT NOT NULL DEFAULT '',
    contact_email       TEXT NOT NULL DEFAULT '',
    area_code           TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
    reject_reason       TEXT NOT NULL DEFAULT '',
    decided_by          INTEGER NOT NULL DEFAULT 0,
    decided_at          TIMESTAMP,
    inclusive           INTEGER NOT NULL DEFAULT 0,
    headcount           INTEGER NOT NULL DEFAULT 0,
    disabled_employees  INTEGER NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL DEFAULT 1,
    created_by          INTEGER NOT NULL DEFAULT 0,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX employment_employers_member ON employment_employers (member_id, status, id);
CREATE TABLE employment_vacancies (
    id                  INTEGER PRIMARY KEY,
    member_id           INTEGER NOT NULL REFERENCES members (id),
    employer_id         INTEGER NOT NULL REFERENCES employment_employers (id),
    pledge_id           INTEGER NOT NULL DEFAULT 0,  -- a partner's jobs pledge it fills; 0 none
    title               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    skills              TEXT NOT NULL DEFAULT '',
    education           TEXT NOT NULL DEFAULT '',
    experience_months   INTEGER NOT NULL DEFAULT 0,
    languages           TEXT NOT NULL DEFAULT '',
    area_code           TEXT NOT NULL DEFAULT '',
    hours               TEXT NOT NULL CHECK (hours IN ('full', 'part')),
    pay                 INTEGER NOT NULL DEFAULT 0,  -- minor units of currency
    currency            TEXT NOT NULL,
    pay_period          TEXT NOT NULL CHECK (pay_period IN ('month', 'week', 'day', 'hour')),
    positions           INTEGER NOT NULL DEFAULT 1,
    accommodations      TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    deadline            TEXT NOT NULL DEFAULT '',    -- YYYY-MM-DD, '' none
    version             INTEGER NOT NULL DEFAULT 1,
    created_by          INTEGER NOT NULL DEFAULT 0,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX employment_vacancies_member ON employment_vacancies (member_id, status, id);
CREATE INDEX employment_vacancies_employer ON employment_vacancies (employer_id);
CREATE TABLE employment_applications (
    id                  INTEGER PRIMARY KEY,
    member_id           INTEGER NOT NULL REFERENCES members (id),
    seeker_id           INTEGER NOT NULL REFERENCES employment_seekers (id),
    vacancy_id          INTEGER NOT NULL REFERENCES employment_vacancies (id),
    status              TEXT NOT NULL CHECK (status IN ('applied', 'interview', 'offer', 'placed', 'rejected', 'withdrawn')),
    interview_at        TIMESTAMP,
    interview_place     TEXT NOT NULL DEFAULT '',
    offer_pay           INTEGER NOT NULL DEFAULT 0,
    offer_start         TEXT NOT NULL DEFAULT '',
    start_on            TEXT NOT NULL DEFAULT '',    -- the placement's start, YYYY-MM-DD
    reason              TEXT NOT NULL DEFAULT '',
    change_request_id   INTEGER NOT NULL DEFAULT 0,  -- the registry change the placement proposed
    created_by          INTEGER NOT NULL DEFAULT 0,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    UNIQUE (seeker_id, vacancy_id)
);
CREATE INDEX employment_applications_vacancy ON employment_applications (vacancy_id, status);
CREATE INDEX employment_applications_member ON employment_applications (member_id, status, start_on);
CREATE TABLE employment_followups (
    id                  INTEGER PRIMARY KEY,
    member_id           INTEGER NOT NULL REFERENCES members (id),
    application_id      INTEGER NOT NULL REFERENCES employment_applications (id),
    months              INTEGER NOT NULL CHECK (months IN (3, 6)),
    due_on              TEXT NOT NULL,               -- YYYY-MM-DD in the member's zone
    escalate_at         TIMESTAMP NOT NULL,
    outcome             TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'employed', 'left', 'changed')),
    note                TEXT NOT NULL DEFAULT '',
    recorded_by         INTEGER NOT NULL DEFAULT 0,
    recorded_at         TIMESTAMP,
    escalated_at        TIMESTAMP,
    UNIQUE (application_id, months)
);
CREATE INDEX employment_followups_due ON employment_followups (member_id, outcome, due_on);
