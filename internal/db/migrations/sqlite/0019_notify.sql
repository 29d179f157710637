-- Telling people (issue 14): a household's consent to be contacted, its
-- preferred language and e-mail address (the registry's), and the outbox of
-- notifications with every attempt to send them, the member's gateway
-- settings and its own texts (internal/notify's).
ALTER TABLE households ADD COLUMN contact_consent INTEGER;  -- consent to be contacted; NULL not recorded, 0 no, 1 yes
ALTER TABLE households ADD COLUMN contact_lang TEXT NOT NULL DEFAULT '';   -- 'ar', 'en', '' the member's default
ALTER TABLE households ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';

-- One row per member: the SMS gateway (an HTTP request with placeholders)
-- and the SMTP server. api_key and smtp_password are secrets: never shown
-- back, audited as changed.
CREATE TABLE notify_settings (
    member_id       INTEGER PRIMARY KEY REFERENCES members (id),
    sms_enabled     INTEGER NOT NULL DEFAULT 0,
    sms_url         TEXT NOT NULL DEFAULT '',
    sms_method      TEXT NOT NULL DEFAULT 'POST' CHECK (sms_method IN ('GET', 'POST')),
    sms_params      TEXT NOT NULL DEFAULT '',  -- name=value lines
    sms_sender      TEXT NOT NULL DEFAULT '',
    sms_api_key     TEXT NOT NULL DEFAULT '',
    sms_success     TEXT NOT NULL DEFAULT '',  -- regular expression the answer's body must match
    email_enabled   INTEGER NOT NULL DEFAULT 0,
    smtp_host       TEXT NOT NULL DEFAULT '',
    smtp_port       INTEGER NOT NULL DEFAULT 587,
    smtp_security   TEXT NOT NULL DEFAULT 'starttls' CHECK (smtp_security IN ('starttls', 'tls', 'none')),
    smtp_user       TEXT NOT NULL DEFAULT '',
    smtp_password   TEXT NOT NULL DEFAULT '',
    smtp_from       TEXT NOT NULL DEFAULT '',
    max_attempts    INTEGER NOT NULL DEFAULT 5,
    updated_at      TIMESTAMP NOT NULL
);

-- A member's own text for an event, channel and language, replacing the
-- catalog's default.
CREATE TABLE notify_templates (
    member_id   INTEGER NOT NULL REFERENCES members (id),
    event       TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    lang        TEXT NOT NULL CHECK (lang IN ('ar', 'en')),
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (member_id, event, channel, lang)
);

-- The outbox: one message to one person on one channel, written in the
-- transaction of the event that causes it. queued → sending → sent, or back
-- to queued (retry, next_at later), or failed; skipped when it may not be
-- sent (no consent, no address); unknown when a sender stopped between
-- claiming it and recording the answer (never resent blindly).
CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    event         TEXT NOT NULL,
    entity_type   TEXT NOT NULL DEFAULT '',
    entity_id     TEXT NOT NULL DEFAULT '',
    household_id  INTEGER,
    channel       TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient     TEXT NOT NULL DEFAULT '',
    lang          TEXT NOT NULL,
    subject       TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'skipped', 'unknown')),
    reason        TEXT NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    retry_base    INTEGER NOT NULL DEFAULT 0,  -- attempts made before the last retry by hand
    next_at       TIMESTAMP NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    sent_at       TIMESTAMP,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX notifications_due ON notifications (next_at) WHERE status = 'queued';
CREATE INDEX notifications_member ON notifications (member_id, id);
CREATE INDEX notifications_sending ON notifications (status) WHERE status = 'sending';

CREATE TABLE notification_attempts (
    id               INTEGER PRIMARY KEY,
    member_id        INTEGER NOT NULL,
    notification_id  INTEGER NOT NULL REFERENCES notifications (id),
    attempt          INTEGER NOT NULL,
    channel          TEXT NOT NULL,
    at               TIMESTAMP NOT NULL,
    outcome          TEXT NOT NULL CHECK (outcome IN ('sending', 'sent', 'failed', 'unknown')),
    answer           TEXT NOT NULL DEFAULT '',
    UNIQUE (notification_id, attempt)
);
