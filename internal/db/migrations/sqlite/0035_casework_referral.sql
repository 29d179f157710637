-- Case plans, referrals to basic services, the service directory and
-- referral follow-ups (issue 16 item 5), owned by internal/casework/referral.
-- Cases belong to internal/casework: case ids are stored without a foreign
-- key, and the case's owner and supervisor are copied onto each referral
-- (refreshed on every change) so that follow-ups can be listed per worker
-- without reading another capability's tables.

CREATE TABLE referral_settings (
    member_id     INTEGER PRIMARY KEY REFERENCES members (id),
    escalate_days INTEGER NOT NULL,
    critical_days INTEGER NOT NULL,
    high_days     INTEGER NOT NULL,
    medium_days   INTEGER NOT NULL,
    low_days      INTEGER NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE referral_providers (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id),
    name_ar    TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL CHECK (kind IN ('government', 'ngo', 'private', 'un')),
    contact    TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    hours      TEXT NOT NULL DEFAULT '',
    active     INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (member_id, name_ar)
);

CREATE TABLE referral_provider_areas (
    provider_id INTEGER NOT NULL REFERENCES referral_providers (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    area_code   TEXT NOT NULL,
    PRIMARY KEY (provider_id, area_code)
);
CREATE INDEX referral_provider_areas_code ON referral_provider_areas (member_id, area_code);

CREATE TABLE referral_provider_services (
    provider_id INTEGER NOT NULL REFERENCES referral_providers (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    service     TEXT NOT NULL,
    PRIMARY KEY (provider_id, service)
);
CREATE INDEX referral_provider_services_code ON referral_provider_services (member_id, service);

CREATE TABLE referral_plans (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id),
    case_id    INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    updated_by INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (member_id, case_id)
);

CREATE TABLE referral_plan_items (
    id        INTEGER PRIMARY KEY,
    plan_id   INTEGER NOT NULL REFERENCES referral_plans (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    case_id   INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('goal', 'action')),
    position  INTEGER NOT NULL,
    text      TEXT NOT NULL,
    status    TEXT NOT NULL,
    owner_id  INTEGER REFERENCES users (id),
    due_at    TIMESTAMP,
    outcome   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX referral_plan_items_case ON referral_plan_items (member_id, case_id, due_at);
CREATE INDEX referral_plan_items_plan ON referral_plan_items (plan_id);

CREATE TABLE referral_referrals (
    id                 INTEGER PRIMARY KEY,
    member_id          INTEGER NOT NULL REFERENCES members (id),
    case_id            INTEGER NOT NULL,
    case_number        TEXT NOT NULL DEFAULT '',
    office_id          INTEGER NOT NULL DEFAULT 0,
    case_owner_id      INTEGER NOT NULL DEFAULT 0,
    case_supervisor_id INTEGER NOT NULL DEFAULT 0,
    service            TEXT NOT NULL,
    target             TEXT NOT NULL CHECK (target IN ('internal', 'external')),
    to_user_id         INTEGER REFERENCES users (id),
    to_office_id       INTEGER NOT NULL DEFAULT 0,
    provider_id        INTEGER REFERENCES referral_providers (id),
    area_code          TEXT NOT NULL DEFAULT '',
    area_confirmed     INTEGER NOT NULL,
    reason             TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'declined', 'service_delivered', 'closed')),
    follow_up_due      TIMESTAMP,
    escalate_at        TIMESTAMP,
    escalated_at       TIMESTAMP,
    escalated_to       INTEGER NOT NULL DEFAULT 0,
    outcome            TEXT NOT NULL DEFAULT '',
    outcome_note       TEXT NOT NULL DEFAULT '',
    version            INTEGER NOT NULL,
    sent_by            INTEGER NOT NULL,
    sent_at            TIMESTAMP NOT NULL,
    closed_at          TIMESTAMP,
    updated_at         TIMESTAMP NOT NULL,
    CHECK ((status = 'closed') = (follow_up_due IS NULL)),
    CHECK (status <> 'closed' OR outcome <> '')
);
CREATE INDEX referral_referrals_case ON referral_referrals (member_id, case_id, follow_up_due);
CREATE INDEX referral_referrals_owner ON referral_referrals (member_id, case_owner_id, follow_up_due) WHERE follow_up_due IS NOT NULL;
CREATE INDEX referral_referrals_supervisor ON referral_referrals (member_id, case_supervisor_id, follow_up_due) WHERE follow_up_due IS NOT NULL;
CREATE INDEX referral_referrals_escalate ON referral_referrals (escalate_at) WHERE escalated_at IS NULL AND follow_up_due IS NOT NULL;
CREATE INDEX referral_referrals_sent ON referral_referrals (member_id, sent_at);

CREATE TABLE referral_events (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    referral_id INTEGER NOT NULL REFERENCES referral_referrals (id),
    at          TIMESTAMP NOT NULL,
    actor_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, id);

CREATE TABLE referral_followups (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    referral_id INTEGER NOT NULL REFERENCES referral_referrals (id),
    case_id     INTEGER NOT NULL,
    client_id   TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    at          TIMESTAMP NOT NULL,
    next_due    TIMESTAMP,
    recorded_by INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (member_id, client_id)
);
CREATE INDEX referral_followups_referral ON referral_followups (referral_id, id);
