-- The care quality system's service-level targets: per member, per step
-- of a case (first contact, assessment, plan, referral follow-up) and risk
-- level, an amount of clock hours or of the member's working days. A
-- member without rows is held to the defaults (quality.DefaultTargets).
CREATE TABLE casework_quality_targets (
    member_id  INTEGER NOT NULL REFERENCES members (id),
    step       TEXT NOT NULL,
    risk_level TEXT NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount > 0),
    unit       TEXT NOT NULL CHECK (unit IN ('hours', 'working_days')),
    updated_by INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (member_id, step, risk_level)
);
