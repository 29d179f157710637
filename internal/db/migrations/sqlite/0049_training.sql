-- Training (issue 18 items 5 and 6, internal/training): courses for youth,
-- productive families, job seekers and the staff of members, given by a
-- partner (possibly against a pledge of training places) or an office;
-- their sessions; enrollment of registry persons or users with a waitlist
-- promoted in order; attendance per session; named assessments and scores;
-- completion by the course's rules, with the certificate issued in the same
-- transaction (internal/training/certificate).
CREATE TABLE training_courses (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    audience        TEXT NOT NULL CHECK (audience IN ('youth', 'families', 'job_seekers', 'social_workers', 'staff')),
    title_ar        TEXT NOT NULL,
    title_en        TEXT NOT NULL DEFAULT '',
    description_ar  TEXT NOT NULL DEFAULT '',
    description_en  TEXT NOT NULL DEFAULT '',
    provider_kind   TEXT NOT NULL CHECK (provider_kind IN ('office', 'partner')),
    partner_id      INTEGER NOT NULL DEFAULT 0,  -- internal/partner's partner; 0 for an office
    pledge_id       INTEGER NOT NULL DEFAULT 0,  -- the partner's pledge of training places, 0 none
    provider        TEXT NOT NULL,               -- the partner's or office's name as shown
    hours           INTEGER NOT NULL CHECK (hours >= 0),
    capacity        INTEGER NOT NULL CHECK (capacity > 0),
    place           TEXT NOT NULL DEFAULT '',
    online_url      TEXT NOT NULL DEFAULT '',
    prereq_courses  TEXT NOT NULL DEFAULT '',    -- course ids completed before, space separated with a space at each end
    min_education   TEXT NOT NULL DEFAULT '',    -- a registry education code, '' none
    min_age         INTEGER NOT NULL DEFAULT 0,  -- 0 none
    max_age         INTEGER NOT NULL DEFAULT 0,
    min_attendance  INTEGER NOT NULL DEFAULT 0 CHECK (min_attendance BETWEEN 0 AND 100),
    pass_rule       TEXT NOT NULL DEFAULT 'all' CHECK (pass_rule IN ('all', 'average')),
    min_average     INTEGER NOT NULL DEFAULT 0 CHECK (min_average BETWEEN 0 AND 100),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'open', 'running', 'finished', 'cancelled')),
    version         INTEGER NOT NULL DEFAULT 1,
    created_by      INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX training_courses_member ON training_courses (member_id, status, id);

CREATE TABLE training_sessions (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    course_id   INTEGER NOT NULL REFERENCES training_courses (id),
    starts_at   TIMESTAMP NOT NULL,
    ends_at     TIMESTAMP NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    online_url  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX training_sessions_course ON training_sessions (course_id, starts_at);

-- An enrollment of a registry person (person_id) or of a user (user_id).
-- The course's row is locked while seats are counted.
CREATE TABLE training_enrollments (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members (id),
    course_id      INTEGER NOT NULL REFERENCES training_courses (id),
    person_id      INTEGER NOT NULL DEFAULT 0,
    user_id        INTEGER NOT NULL DEFAULT 0,
    holder         TEXT NOT NULL,                -- the name when enrolled
    holder_latin   TEXT NOT NULL DEFAULT '',
    sex            TEXT NOT NULL DEFAULT '',     -- the person's, for the statistics; '' for users
    status         TEXT NOT NULL CHECK (status IN ('enrolled', 'waitlisted', 'withdrawn', 'completed', 'failed')),
    reason         TEXT NOT NULL DEFAULT '',     -- of a withdrawal or a failure
    enrolled_by    INTEGER NOT NULL DEFAULT 0,
    completed_on   TEXT NOT NULL DEFAULT '',     -- YYYY-MM-DD in the member's zone
    result         TEXT NOT NULL DEFAULT '',
    certificate_id INTEGER NOT NULL DEFAULT 0,
    certificate    TEXT NOT NULL DEFAULT '',     -- the certificate's short code
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    CHECK ((person_id = 0) <> (user_id = 0))
);
CREATE UNIQUE INDEX training_enrollments_once ON training_enrollments (course_id, person_id, user_id) WHERE status <> 'withdrawn';
CREATE INDEX training_enrollments_course ON training_enrollments (course_id, status, id);
CREATE INDEX training_enrollments_person ON training_enrollments (member_id, person_id);
CREATE INDEX training_enrollments_user ON training_enrollments (member_id, user_id);
CREATE INDEX training_enrollments_done ON training_enrollments (member_id, status, completed_on);

CREATE TABLE training_attendance (
    session_id    INTEGER NOT NULL REFERENCES training_sessions (id),
    enrollment_id INTEGER NOT NULL REFERENCES training_enrollments (id),
    member_id     INTEGER NOT NULL REFERENCES members (id),
    mark          TEXT NOT NULL CHECK (mark IN ('present', 'absent', 'excused')),
    marked_by     INTEGER NOT NULL DEFAULT 0,
    marked_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, enrollment_id)
);
CREATE INDEX training_attendance_enrollment ON training_attendance (enrollment_id);

CREATE TABLE training_assessments (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    course_id   INTEGER NOT NULL REFERENCES training_courses (id),
    name_ar     TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    max_score   INTEGER NOT NULL CHECK (max_score > 0),
    pass_score  INTEGER NOT NULL CHECK (pass_score >= 0 AND pass_score <= max_score),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX training_assessments_course ON training_assessments (course_id, id);

CREATE TABLE training_scores (
    assessment_id INTEGER NOT NULL REFERENCES training_assessments (id),
    enrollment_id INTEGER NOT NULL REFERENCES training_enrollments (id),
    member_id     INTEGER NOT NULL REFERENCES members (id),
    score         INTEGER NOT NULL CHECK (score >= 0),
    recorded_by   INTEGER NOT NULL DEFAULT 0,
    recorded_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (assessment_id, enrollment_id)
);
CREATE INDEX training_scores_enrollment ON training_scores (enrollment_id);
