-- Retention of stored copies of personal data (issue 19 item 7,
-- internal/retention): how many days a member keeps the DCI answers kept
-- for status queries, printed batches and the personal attachments of
-- ended coordination requests. A member without a row keeps them 30 days.
CREATE TABLE retention_settings (
    member_id   BIGINT PRIMARY KEY REFERENCES members (id),
    days        INTEGER NOT NULL CHECK (days BETWEEN 1 AND 3650),
    updated_by  BIGINT NOT NULL DEFAULT 0,
    updated_at  TIMESTAMPTZ NOT NULL
);
