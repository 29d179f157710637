package training

import (
	"context"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Enrollment is a person's or a user's place in a course.
type Enrollment struct {
	ID            int64     `json:"id"`
	MemberID      int64     `json:"member_id"`
	CourseID      int64     `json:"course_id"`
	PersonID      int64     `json:"person_id,omitempty"`
	UserID        int64     `json:"user_id,omitempty"`
	Holder        string    `json:"holder"`
	HolderLatin   string    `json:"holder_latin,omitempty"`
	Sex           string    `json:"sex,omitempty"`
	Status        string    `json:"status"`
	Reason        string    `json:"reason,omitempty"`
	EnrolledBy    int64     `json:"enrolled_by"`
	CompletedOn   string    `json:"completed_on,omitempty"`
	Result        string    `json:"result,omitempty"`
	CertificateID int64     `json:"certificate_id,omitempty"`
	Certificate   string    `json:"certificate,omitempty"` // the certificate's short code
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	// The course, for a person's history.
	CourseAR string `json:"course_ar"`
	CourseEN string `json:"course_en,omitempty"`
	Hours    int    `json:"hours"`
	Audience string `json:"audience"`
}

// CourseTitle is the course's title in lang.
func (e Enrollment) CourseTitle(lang string) string {
	if lang == "en" && e.CourseEN != "" {
		return e.CourseEN
	}
	return e.CourseAR
}

// EnrollInput names who enrolls: a registry person of the course's member
// or one of its users, not both.
type EnrollInput struct {
	PersonID int64 `json:"person_id,omitempty"`
	UserID   int64 `json:"user_id,omitempty"`
}

const enrollmentCols = `e.id, e.member_id, e.course_id, e.person_id, e.user_id, e.holder, e.holder_latin, e.sex, e.status, e.reason, e.enrolled_by, e.completed_on, e.result,
	e.certificate_id, e.certificate, e.created_at, e.updated_at, c.title_ar, c.title_en, c.hours, c.audience`

const enrollmentFrom = ` FROM training_enrollments e JOIN training_courses c ON c.id = e.course_id`

func scanEnrollment(r scanner) (Enrollment, error) {
	var e Enrollment
	err := r.Scan(&e.ID, &e.MemberID, &e.CourseID, &e.PersonID, &e.UserID, &e.Holder, &e.HolderLatin, &e.Sex, &e.Status, &e.Reason, &e.EnrolledBy, &e.CompletedOn, &e.Result,
		&e.CertificateID, &e.Certificate, &e.CreatedAt, &e.UpdatedAt, &e.CourseAR, &e.CourseEN, &e.Hours, &e.Audience)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, err
}

func (s *Service) enrollments(ctx context.Context, q querier, where string, args ...any) ([]Enrollment, error) {
	rows, err := q.Query(ctx, `SELECT `+enrollmentCols+enrollmentFrom+` WHERE `+where, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "training: enrollments")
	}
	defer rows.Close()
	var out []Enrollment
	for rows.Next() {
		e, err := scanEnrollment(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "training: enrollments")
		}
		out = append(out, e)
	}
	return out, errs.Wrapf(rows.Err(), "training: enrollments")
}

func (s *Service) enrollment(ctx context.Context, q querier, id int64) (Enrollment, error) {
	es, err := s.enrollments(ctx, q, `e.id = ?`, id)
	if err != nil {
		return Enrollment{}, err
	}
	if len(es) == 0 {
		return Enrollment{}, notFound("training.enrollment_not_found")
	}
	return es[0], nil
}

// Enrollment returns enrollment id (training.read).
func (s *Service) Enrollment(ctx context.Context, id int64) (Enrollment, error) {
	e, err := s.enrollment(ctx, s.db, id)
	if err != nil {
		return e, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingRead, e.MemberID); err != nil {
		return Enrollment{}, notFound("training.enrollment_not_found")
	}
	return e, nil
}

// Enrollments lists course id's enrollments: holding a seat, then the
// waitlist in order, then those who withdrew (training.read).
func (s *Service) Enrollments(ctx context.Context, courseID int64) ([]Enrollment, error) {
	if _, err := s.Course(ctx, courseID); err != nil {
		return nil, err
	}
	return s.enrollments(ctx, s.db, `e.course_id = ? ORDER BY CASE e.status WHEN 'waitlisted' THEN 1 WHEN 'withdrawn' THEN 2 ELSE 0 END, e.id`, courseID)
}

// holder is who an enrollment is for, as read from the registry or the
// users.
type holder struct {
	personID, userID int64
	name, latin, sex string
	birth, education string
}

// who reads the person or user in, refusing one of another member (as not
// found) or both or neither.
func (s *Service) who(ctx context.Context, memberID int64, in EnrollInput) (holder, error) {
	sys := actor.System(ctx)
	switch {
	case (in.PersonID == 0) == (in.UserID == 0):
		return holder{}, invalid().WithField("person_id", "training.holder_required")
	case in.PersonID != 0:
		if s.o.Registry == nil {
			return holder{}, notFound("training.person_not_found")
		}
		p, err := s.o.Registry.Person(sys, in.PersonID)
		if errs.CodeOf(err) == errs.NotFound || err == nil && (p.MemberID != memberID || p.MergedInto != 0) {
			return holder{}, notFound("training.person_not_found")
		}
		if err != nil {
			return holder{}, err
		}
		name := strings.Join(strings.Fields(strings.Join([]string{p.FirstName, p.FatherName, p.GrandfatherName, p.FamilyName}, " ")), " ")
		return holder{personID: p.ID, name: name, latin: p.NameLatin, sex: p.Sex, birth: p.BirthDate, education: p.Education}, nil
	default:
		if s.o.Auth == nil {
			return holder{}, notFound("training.user_not_found")
		}
		u, err := s.o.Auth.GetUser(sys, in.UserID)
		if errs.CodeOf(err) == errs.NotFound || err == nil && (u.MemberID != memberID || !u.Active) {
			return holder{}, notFound("training.user_not_found")
		}
		if err != nil {
			return holder{}, err
		}
		name := u.DisplayName
		if name == "" {
			name = u.Username
		}
		return holder{userID: u.ID, name: name}, nil
	}
}

// check refuses h for c with the first unmet prerequisite, named.
func (s *Service) check(ctx context.Context, q querier, c Course, h holder) error {
	if h.personID != 0 {
		if c.MinEducation != "" {
			if r := educationRank(h.education); r < educationRank(c.MinEducation) {
				return errs.E(errs.Conflict, "training.prereq_education", "education", c.MinEducation)
			}
		}
		if c.MinAge > 0 || c.MaxAge > 0 {
			loc, err := s.zone(ctx, c.MemberID)
			if err != nil {
				return err
			}
			age, ok := ageOn(h.birth, s.now().In(loc))
			switch {
			case !ok:
				return errs.E(errs.Conflict, "training.prereq_birth_unknown")
			case c.MinAge > 0 && age < c.MinAge, c.MaxAge > 0 && age > c.MaxAge:
				return errs.E(errs.Conflict, "training.prereq_age", "age", age, "min", c.MinAge, "max", c.MaxAge)
			}
		}
	}
	for _, p := range c.Prereqs {
		var n int
		err := q.QueryRow(ctx, `SELECT COUNT(*) FROM training_enrollments WHERE course_id = ? AND person_id = ? AND user_id = ? AND status = 'completed'`, p, h.personID, h.userID).Scan(&n)
		if err != nil {
			return errs.Wrapf(err, "training: prerequisite")
		}
		if n == 0 {
			pc, err := s.course(ctx, q, p)
			if err != nil {
				return err
			}
			return errs.E(errs.Conflict, "training.prereq_course", "course", pc.TitleAR)
		}
	}
	return nil
}

// Eligible explains whether the person or user of in may enroll in course
// id: nil, or the error Enroll would give (training.read).
func (s *Service) Eligible(ctx context.Context, courseID int64, in EnrollInput) error {
	c, err := s.Course(ctx, courseID)
	if err != nil {
		return err
	}
	h, err := s.who(ctx, c.MemberID, in)
	if err != nil {
		return err
	}
	return s.check(ctx, s.db, c, h)
}

// Enroll enrolls the person or user of in in course id (training.manage),
// while the course is open or running: with a seat while seats remain,
// else on the waitlist in order. A person of another member is not found;
// an unmet prerequisite is refused naming it.
//
// The course's row is locked while the seats are counted, so that of two
// enrollments racing for the last seat one gets it and the other waits.
func (s *Service) Enroll(ctx context.Context, courseID int64, in EnrollInput) (Enrollment, error) {
	c, err := s.course(ctx, s.db, courseID)
	if err != nil {
		return Enrollment{}, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingManage, c.MemberID); err != nil {
		return Enrollment{}, notFound("training.course_not_found")
	}
	h, err := s.who(ctx, c.MemberID, in)
	if err != nil {
		return Enrollment{}, err
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.enrollTx(ctx, tx, courseID, h)
		return err
	})
	if err != nil {
		return Enrollment{}, err
	}
	return s.enrollment(ctx, s.db, id)
}

func (s *Service) enrollTx(ctx context.Context, tx *db.Tx, courseID int64, h holder) (int64, error) {
	if err := tx.LockRow(ctx, "training_courses", courseID); err != nil {
		return 0, errs.Wrapf(err, "training: lock %d", courseID)
	}
	cur, err := s.course(ctx, tx, courseID)
	if err != nil {
		return 0, err
	}
	if cur.Status != Open && cur.Status != Running {
		return 0, errs.E(errs.Conflict, "training.enrollment_closed")
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM training_enrollments WHERE course_id = ? AND person_id = ? AND user_id = ? AND status <> 'withdrawn'`, courseID, h.personID, h.userID).Scan(&n); err != nil {
		return 0, errs.Wrapf(err, "training: enrolled")
	}
	if n > 0 {
		return 0, errs.E(errs.Conflict, "training.already_enrolled")
	}
	if err := s.check(ctx, tx, cur, h); err != nil {
		return 0, err
	}
	st := Enrolled
	if cur.Enrolled >= cur.Capacity {
		st = Waitlisted
	}
	now := s.now()
	id, err := tx.InsertID(ctx, `INSERT INTO training_enrollments (member_id, course_id, person_id, user_id, holder, holder_latin, sex, status, enrolled_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, cur.MemberID, courseID, h.personID, h.userID, h.name, h.latin, h.sex, st, actorID(ctx), now, now)
	if db.IsUnique(err) {
		return 0, errs.E(errs.Conflict, "training.already_enrolled")
	}
	if err != nil {
		return 0, errs.Wrapf(err, "training: enroll")
	}
	return id, audit.Append(ctx, tx, audit.Entry{MemberID: cur.MemberID, Action: "training.enroll." + st, EntityType: "training_enrollment", EntityID: idStr(id),
		State: map[string]any{"course": courseID, "person": h.personID, "user": h.userID, "status": st}})
}

// Withdraw withdraws enrollment id (training.manage) with a reason; a
// seat it held goes to the first on the waitlist.
func (s *Service) Withdraw(ctx context.Context, id int64, reason string) (Enrollment, error) {
	return s.end(ctx, id, Withdrawn, reason, []string{Enrolled, Waitlisted})
}

// Fail records that enrollment id did not complete the course
// (training.manage), with a reason; its seat stays taken.
func (s *Service) Fail(ctx context.Context, id int64, reason string) (Enrollment, error) {
	return s.end(ctx, id, Failed, reason, []string{Enrolled})
}

func (s *Service) end(ctx context.Context, id int64, to, reason string, from []string) (Enrollment, error) {
	e, err := s.enrollment(ctx, s.db, id)
	if err != nil {
		return e, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingManage, e.MemberID); err != nil {
		return Enrollment{}, notFound("training.enrollment_not_found")
	}
	reason = strings.TrimSpace(reason)
	if runes(reason) > maxReason {
		return Enrollment{}, invalid().WithField("reason", "training.too_long", "max", maxReason)
	}
	if to == Failed && reason == "" {
		return Enrollment{}, invalid().WithField("reason", "training.reason_required")
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.LockRow(ctx, "training_courses", e.CourseID); err != nil {
			return errs.Wrapf(err, "training: lock %d", e.CourseID)
		}
		cur, err := s.enrollment(ctx, tx, id)
		if err != nil {
			return err
		}
		ok := false
		for _, f := range from {
			ok = ok || cur.Status == f
		}
		if !ok {
			return errs.E(errs.Conflict, "training.enrollment_state", "status", cur.Status)
		}
		r, err := tx.Exec(ctx, `UPDATE training_enrollments SET status = ?, reason = ?, updated_at = ? WHERE id = ? AND status = ?`, to, reason, s.now(), id, cur.Status)
		if err != nil {
			return errs.Wrapf(err, "training: %s %d", to, id)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "training.changed")
		}
		if err := audit.Append(ctx, tx, audit.Entry{MemberID: e.MemberID, Action: "training.enrollment_" + to, EntityType: "training_enrollment", EntityID: idStr(id),
			State: map[string]any{"course": e.CourseID, "was": cur.Status, "reason": reason}}); err != nil {
			return err
		}
		if cur.Status == Enrolled && to == Withdrawn {
			return s.promote(ctx, tx, e.MemberID, e.CourseID)
		}
		return nil
	})
	if err != nil {
		return Enrollment{}, err
	}
	return s.enrollment(ctx, s.db, id)
}

// promote gives free seats of courseID to its waitlist in order; the
// caller holds the course's lock.
func (s *Service) promote(ctx context.Context, tx *db.Tx, memberID, courseID int64) error {
	c, err := s.course(ctx, tx, courseID)
	if err != nil {
		return err
	}
	for free := c.Capacity - c.Enrolled; free > 0; free-- {
		var next int64
		err := tx.QueryRow(ctx, `SELECT id FROM training_enrollments WHERE course_id = ? AND status = 'waitlisted' ORDER BY id LIMIT 1`, courseID).Scan(&next)
		if noRows(err) {
			return nil
		}
		if err != nil {
			return errs.Wrapf(err, "training: waitlist %d", courseID)
		}
		r, err := tx.Exec(ctx, `UPDATE training_enrollments SET status = 'enrolled', updated_at = ? WHERE id = ? AND status = 'waitlisted'`, s.now(), next)
		if err != nil {
			return errs.Wrapf(err, "training: promote %d", next)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "training.changed")
		}
		if err := audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "training.promote", EntityType: "training_enrollment", EntityID: idStr(next),
			State: map[string]any{"course": courseID, "status": Enrolled}}); err != nil {
			return err
		}
	}
	return nil
}
