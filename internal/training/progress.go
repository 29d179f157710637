package training

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
)

// Mark is one enrollment's attendance at a session.
type Mark struct {
	EnrollmentID int64  `json:"enrollment_id"`
	Mark         string `json:"mark"` // present, absent or excused
}

// Attendance returns session id's marks by enrollment (training.read).
func (s *Service) Attendance(ctx context.Context, sessionID int64) (map[int64]string, error) {
	if _, err := s.Session(ctx, sessionID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT enrollment_id, mark FROM training_attendance WHERE session_id = ?`, sessionID)
	if err != nil {
		return nil, errs.Wrapf(err, "training: attendance")
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var m string
		if err := rows.Scan(&id, &m); err != nil {
			return nil, errs.Wrapf(err, "training: attendance")
		}
		out[id] = m
	}
	return out, errs.Wrapf(rows.Err(), "training: attendance")
}

// RecordAttendance records who came to session id (training.manage), once
// the session has started. Every mark names an enrollment of the course
// holding a seat, or nothing is written; a mark already recorded the same
// is left as it is (recording twice changes nothing), a different one is
// corrected.
func (s *Service) RecordAttendance(ctx context.Context, sessionID int64, marks []Mark) (map[int64]string, error) {
	t, err := s.session(ctx, s.db, sessionID)
	if err != nil {
		return nil, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingManage, t.MemberID); err != nil {
		return nil, notFound("training.session_not_found")
	}
	if s.now().Before(t.StartsAt) {
		return nil, errs.E(errs.Conflict, "training.attendance_early")
	}
	if len(marks) == 0 || len(marks) > maxCapacity {
		return nil, invalid().WithField("marks", "training.marks_required")
	}
	e := invalid()
	seen := map[int64]bool{}
	for _, m := range marks {
		if seen[m.EnrollmentID] {
			e.WithField("marks", "training.mark_twice")
		}
		seen[m.EnrollmentID] = true
		if !slices.Contains(Marks, m.Mark) {
			e.WithField("marks", "training.mark_invalid")
		}
	}
	if len(e.Fields) > 0 {
		return nil, e
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		for _, m := range marks {
			var course int64
			var status, was string
			err := tx.QueryRow(ctx, `SELECT e.course_id, e.status, COALESCE(a.mark, '') FROM training_enrollments e
				LEFT JOIN training_attendance a ON a.enrollment_id = e.id AND a.session_id = ? WHERE e.id = ?`, sessionID, m.EnrollmentID).Scan(&course, &status, &was)
			if noRows(err) || err == nil && (course != t.CourseID || status == Waitlisted || status == Withdrawn) {
				return invalid().WithField("marks", "training.mark_not_enrolled")
			}
			if err != nil {
				return errs.Wrapf(err, "training: attendance %d", m.EnrollmentID)
			}
			if was == m.Mark {
				continue
			}
			if was == "" {
				_, err = tx.Exec(ctx, `INSERT INTO training_attendance (session_id, enrollment_id, member_id, mark, marked_by, marked_at) VALUES (?, ?, ?, ?, ?, ?)`,
					sessionID, m.EnrollmentID, t.MemberID, m.Mark, actorID(ctx), now)
			} else {
				_, err = tx.Exec(ctx, `UPDATE training_attendance SET mark = ?, marked_by = ?, marked_at = ? WHERE session_id = ? AND enrollment_id = ?`,
					m.Mark, actorID(ctx), now, sessionID, m.EnrollmentID)
			}
			if db.IsUnique(err) {
				return errs.E(errs.Conflict, "training.changed")
			}
			if err != nil {
				return errs.Wrapf(err, "training: attendance %d", m.EnrollmentID)
			}
			if err := audit.Append(ctx, tx, audit.Entry{MemberID: t.MemberID, Action: "training.attendance", EntityType: "training_enrollment", EntityID: idStr(m.EnrollmentID),
				State: map[string]any{"session": sessionID, "mark": m.Mark, "was": was}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Attendance(ctx, sessionID)
}

// Assessment is a named assessment of a course.
type Assessment struct {
	ID        int64     `json:"id"`
	MemberID  int64     `json:"member_id"`
	CourseID  int64     `json:"course_id"`
	NameAR    string    `json:"name_ar"`
	NameEN    string    `json:"name_en,omitempty"`
	MaxScore  int       `json:"max_score"`
	PassScore int       `json:"pass_score"`
	CreatedAt time.Time `json:"created_at"`
}

// Name is the assessment's name in lang.
func (a Assessment) Name(lang string) string {
	if lang == "en" && a.NameEN != "" {
		return a.NameEN
	}
	return a.NameAR
}

// AssessmentInput is a new assessment.
type AssessmentInput struct {
	NameAR    string `json:"name_ar"`
	NameEN    string `json:"name_en,omitempty"`
	MaxScore  int    `json:"max_score"`
	PassScore int    `json:"pass_score"`
}

// AddAssessment adds an assessment to course id (training.manage).
func (s *Service) AddAssessment(ctx context.Context, courseID int64, in AssessmentInput) (Assessment, error) {
	c, err := s.course(ctx, s.db, courseID)
	if err != nil {
		return Assessment{}, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingManage, c.MemberID); err != nil {
		return Assessment{}, notFound("training.course_not_found")
	}
	if c.Status == Cancelled {
		return Assessment{}, errs.E(errs.Conflict, "training.course_closed")
	}
	in.NameAR, in.NameEN = strings.Join(strings.Fields(in.NameAR), " "), strings.Join(strings.Fields(in.NameEN), " ")
	e := invalid()
	switch {
	case in.NameAR == "":
		e.WithField("name_ar", "training.name_required")
	case runes(in.NameAR) > maxTitle || runes(in.NameEN) > maxTitle:
		e.WithField("name_ar", "training.too_long", "max", maxTitle)
	}
	if in.MaxScore <= 0 || in.MaxScore > maxScore {
		e.WithField("max_score", "training.max_score_invalid", "max", maxScore)
	}
	if in.PassScore < 0 || in.PassScore > in.MaxScore {
		e.WithField("pass_score", "training.pass_score_invalid")
	}
	if len(e.Fields) > 0 {
		return Assessment{}, e
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		id, err = tx.InsertID(ctx, `INSERT INTO training_assessments (member_id, course_id, name_ar, name_en, max_score, pass_score, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.MemberID, courseID, in.NameAR, in.NameEN, in.MaxScore, in.PassScore, s.now())
		if err != nil {
			return errs.Wrapf(err, "training: assessment")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "training.assessment_add", EntityType: "training_assessment", EntityID: idStr(id),
			State: map[string]any{"course": courseID, "name_ar": in.NameAR, "max_score": in.MaxScore, "pass_score": in.PassScore}})
	})
	if err != nil {
		return Assessment{}, err
	}
	as, err := s.assessments(ctx, s.db, `id = ?`, id)
	if err != nil || len(as) == 0 {
		return Assessment{}, err
	}
	return as[0], nil
}

func (s *Service) assessments(ctx context.Context, q querier, where string, args ...any) ([]Assessment, error) {
	rows, err := q.Query(ctx, `SELECT id, member_id, course_id, name_ar, name_en, max_score, pass_score, created_at FROM training_assessments WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "training: assessments")
	}
	defer rows.Close()
	var out []Assessment
	for rows.Next() {
		var a Assessment
		if err := rows.Scan(&a.ID, &a.MemberID, &a.CourseID, &a.NameAR, &a.NameEN, &a.MaxScore, &a.PassScore, &a.CreatedAt); err != nil {
			return nil, errs.Wrapf(err, "training: assessments")
		}
		out = append(out, a)
	}
	return out, errs.Wrapf(rows.Err(), "training: assessments")
}

// Assessments lists course id's assessments (training.read).
func (s *Service) Assessments(ctx context.Context, courseID int64) ([]Assessment, error) {
	if _, err := s.Course(ctx, courseID); err != nil {
		return nil, err
	}
	return s.assessments(ctx, s.db, `course_id = ?`, courseID)
}

// Score is one enrollment's score in an assessment.
type Score struct {
	EnrollmentID int64 `json:"enrollment_id"`
	Score        int   `json:"score"`
}

// RecordScores records scores of assessment id (training.manage): every
// one names an enrollment of the course holding a seat and is between 0
// and the maximum, or nothing is written; the same score again changes
// nothing.
func (s *Service) RecordScores(ctx context.Context, assessmentID int64, scores []Score) error {
	as, err := s.assessments(ctx, s.db, `id = ?`, assessmentID)
	if err != nil {
		return err
	}
	if len(as) == 0 {
		return notFound("training.assessment_not_found")
	}
	a := as[0]
	if err := auth.RequireMember(ctx, auth.TrainingManage, a.MemberID); err != nil {
		return notFound("training.assessment_not_found")
	}
	if len(scores) == 0 || len(scores) > maxCapacity {
		return invalid().WithField("scores", "training.scores_required")
	}
	e := invalid()
	seen := map[int64]bool{}
	for _, sc := range scores {
		if seen[sc.EnrollmentID] {
			e.WithField("scores", "training.mark_twice")
		}
		seen[sc.EnrollmentID] = true
		if sc.Score < 0 || sc.Score > a.MaxScore {
			e.WithField("scores", "training.score_invalid", "max", a.MaxScore)
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		for _, sc := range scores {
			var course int64
			var status string
			var was int = -1
			err := tx.QueryRow(ctx, `SELECT e.course_id, e.status, COALESCE(x.score, -1) FROM training_enrollments e
				LEFT JOIN training_scores x ON x.enrollment_id = e.id AND x.assessment_id = ? WHERE e.id = ?`, assessmentID, sc.EnrollmentID).Scan(&course, &status, &was)
			if noRows(err) || err == nil && (course != a.CourseID || status == Waitlisted || status == Withdrawn) {
				return invalid().WithField("scores", "training.mark_not_enrolled")
			}
			if err != nil {
				return errs.Wrapf(err, "training: score %d", sc.EnrollmentID)
			}
			if was == sc.Score {
				continue
			}
			if was < 0 {
				_, err = tx.Exec(ctx, `INSERT INTO training_scores (assessment_id, enrollment_id, member_id, score, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)`,
					assessmentID, sc.EnrollmentID, a.MemberID, sc.Score, actorID(ctx), now)
			} else {
				_, err = tx.Exec(ctx, `UPDATE training_scores SET score = ?, recorded_by = ?, recorded_at = ? WHERE assessment_id = ? AND enrollment_id = ?`,
					sc.Score, actorID(ctx), now, assessmentID, sc.EnrollmentID)
			}
			if db.IsUnique(err) {
				return errs.E(errs.Conflict, "training.changed")
			}
			if err != nil {
				return errs.Wrapf(err, "training: score %d", sc.EnrollmentID)
			}
			if err := audit.Append(ctx, tx, audit.Entry{MemberID: a.MemberID, Action: "training.score", EntityType: "training_enrollment", EntityID: idStr(sc.EnrollmentID),
				State: map[string]any{"assessment": assessmentID, "score": sc.Score}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// Progress is how far an enrollment is towards the course's completion
// rules, and why it does or does not qualify.
type Progress struct {
	EnrollmentID int64         `json:"enrollment_id"`
	Sessions     int           `json:"sessions"` // held so far
	Present      int           `json:"present"`
	Excused      int           `json:"excused"`
	Attendance   int           `json:"attendance"` // percent of the sessions not excused
	Scores       map[int64]int `json:"scores"`     // by assessment
	Average      int           `json:"average"`    // percent of the maximums, 0 without assessments
	Qualifies    bool          `json:"qualifies"`
	Reasons      []Reason      `json:"reasons,omitempty"` // what is missing
}

// Reason is a rule not met, as a catalog key and its arguments.
type Reason struct {
	Key  string         `json:"key"`
	Args map[string]any `json:"args,omitempty"`
}

// progress computes the progress of every enrollment of c holding a seat.
func (s *Service) progress(ctx context.Context, q querier, c Course) (map[int64]*Progress, []Assessment, error) {
	as, err := s.assessments(ctx, q, `course_id = ?`, c.ID)
	if err != nil {
		return nil, nil, err
	}
	// Sessions count once they have started: attendance is a share of
	// the sessions held so far.
	var held int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM training_sessions WHERE course_id = ? AND starts_at <= ?`, c.ID, s.now()).Scan(&held); err != nil {
		return nil, nil, errs.Wrapf(err, "training: sessions held")
	}
	out := map[int64]*Progress{}
	rows, err := q.Query(ctx, `SELECT id FROM training_enrollments WHERE course_id = ? AND status IN ('enrolled', 'completed', 'failed')`, c.ID)
	if err != nil {
		return nil, nil, errs.Wrapf(err, "training: progress")
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, nil, errs.Wrapf(err, "training: progress")
		}
		out[id] = &Progress{EnrollmentID: id, Sessions: held, Scores: map[int64]int{}}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, errs.Wrapf(err, "training: progress")
	}
	rows, err = q.Query(ctx, `SELECT a.enrollment_id, a.mark FROM training_attendance a JOIN training_sessions t ON t.id = a.session_id WHERE t.course_id = ?`, c.ID)
	if err != nil {
		return nil, nil, errs.Wrapf(err, "training: progress")
	}
	for rows.Next() {
		var id int64
		var m string
		if err := rows.Scan(&id, &m); err != nil {
			rows.Close()
			return nil, nil, errs.Wrapf(err, "training: progress")
		}
		if p := out[id]; p != nil {
			switch m {
			case Present:
				p.Present++
			case Excused:
				p.Excused++
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, errs.Wrapf(err, "training: progress")
	}
	rows, err = q.Query(ctx, `SELECT x.enrollment_id, x.assessment_id, x.score FROM training_scores x JOIN training_assessments a ON a.id = x.assessment_id WHERE a.course_id = ?`, c.ID)
	if err != nil {
		return nil, nil, errs.Wrapf(err, "training: progress")
	}
	for rows.Next() {
		var id, aid int64
		var sc int
		if err := rows.Scan(&id, &aid, &sc); err != nil {
			rows.Close()
			return nil, nil, errs.Wrapf(err, "training: progress")
		}
		if p := out[id]; p != nil {
			p.Scores[aid] = sc
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, errs.Wrapf(err, "training: progress")
	}
	for _, p := range out {
		judge(c, as, p)
	}
	return out, as, nil
}

// judge applies c's completion rules to p.
func judge(c Course, as []Assessment, p *Progress) {
	p.Reasons = nil
	if held := p.Sessions - p.Excused; held > 0 {
		p.Attendance = p.Present * 100 / held
	} else if p.Sessions > 0 {
		p.Attendance = 100
	}
	if p.Sessions == 0 {
		p.Reasons = append(p.Reasons, Reason{Key: "training.reason_no_sessions"})
	} else if p.Attendance < c.MinAttendance {
		p.Reasons = append(p.Reasons, Reason{Key: "training.reason_attendance", Args: map[string]any{"got": p.Attendance, "want": c.MinAttendance}})
	}
	if len(as) > 0 {
		sum := 0
		for _, a := range as {
			sc, ok := p.Scores[a.ID]
			if !ok {
				p.Reasons = append(p.Reasons, Reason{Key: "training.reason_missing_score", Args: map[string]any{"assessment": a.NameAR}})
				continue
			}
			sum += sc * 100 / a.MaxScore
			if c.PassRule == PassAll && sc < a.PassScore {
				p.Reasons = append(p.Reasons, Reason{Key: "training.reason_failed_assessment", Args: map[string]any{"assessment": a.NameAR, "score": sc, "pass": a.PassScore}})
			}
		}
		p.Average = sum / len(as)
		if c.PassRule == PassAverage && p.Average < c.MinAverage {
			p.Reasons = append(p.Reasons, Reason{Key: "training.reason_average", Args: map[string]any{"got": p.Average, "want": c.MinAverage}})
		}
	}
	p.Qualifies = len(p.Reasons) == 0
}

// Progress returns the progress of every enrollment of course id holding
// a seat, and the course's assessments (training.read).
func (s *Service) Progress(ctx context.Context, courseID int64) (map[int64]*Progress, []Assessment, error) {
	c, err := s.Course(ctx, courseID)
	if err != nil {
		return nil, nil, err
	}
	return s.progress(ctx, s.db, c)
}

// Complete completes enrollment id (training.manage) when it meets its
// course's rules, the course running or finished; the certificate is
// issued in the same transaction (without a Certifier, none is). An
// enrollment that does not qualify is refused with the first rule unmet.
func (s *Service) Complete(ctx context.Context, id int64) (Enrollment, error) {
	e, err := s.enrollment(ctx, s.db, id)
	if err != nil {
		return e, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingManage, e.MemberID); err != nil {
		return Enrollment{}, notFound("training.enrollment_not_found")
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		c, ps, as, err := s.lockForCompletion(ctx, tx, e.CourseID)
		if err != nil {
			return err
		}
		cur, err := s.enrollment(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Status != Enrolled {
			return errs.E(errs.Conflict, "training.enrollment_state", "status", cur.Status)
		}
		p := ps[id]
		if p == nil || !p.Qualifies {
			r := Reason{Key: "training.reason_no_sessions"}
			if p != nil && len(p.Reasons) > 0 {
				r = p.Reasons[0]
			}
			args := []any{}
			for k, v := range r.Args {
				args = append(args, k, v)
			}
			return errs.E(errs.Conflict, r.Key, args...)
		}
		return s.completeTx(ctx, tx, c, cur, p, as)
	})
	if err != nil {
		return Enrollment{}, err
	}
	return s.enrollment(ctx, s.db, id)
}

// CompleteAll completes every enrollment of course id that qualifies, in
// one transaction with their certificates (training.manage), and returns
// how many.
func (s *Service) CompleteAll(ctx context.Context, courseID int64) (int, error) {
	c, err := s.course(ctx, s.db, courseID)
	if err != nil {
		return 0, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingManage, c.MemberID); err != nil {
		return 0, notFound("training.course_not_found")
	}
	var n int
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		n = 0
		c, ps, as, err := s.lockForCompletion(ctx, tx, courseID)
		if err != nil {
			return err
		}
		es, err := s.enrollments(ctx, tx, `e.course_id = ? AND e.status = 'enrolled' ORDER BY e.id`, courseID)
		if err != nil {
			return err
		}
		for _, e := range es {
			if p := ps[e.ID]; p != nil && p.Qualifies {
				if err := s.completeTx(ctx, tx, c, e, p, as); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

func (s *Service) lockForCompletion(ctx context.Context, tx *db.Tx, courseID int64) (Course, map[int64]*Progress, []Assessment, error) {
	if err := tx.LockRow(ctx, "training_courses", courseID); err != nil {
		return Course{}, nil, nil, errs.Wrapf(err, "training: lock %d", courseID)
	}
	c, err := s.course(ctx, tx, courseID)
	if err != nil {
		return c, nil, nil, err
	}
	if c.Status != Running && c.Status != Finished {
		return c, nil, nil, errs.E(errs.Conflict, "training.completion_closed")
	}
	ps, as, err := s.progress(ctx, tx, c)
	return c, ps, as, err
}

// completeTx completes e, issuing its certificate; the caller holds the
// course's lock and checked that e qualifies.
func (s *Service) completeTx(ctx context.Context, tx *db.Tx, c Course, e Enrollment, p *Progress, as []Assessment) error {
	loc, err := s.zone(ctx, c.MemberID)
	if err != nil {
		return err
	}
	day := s.now().In(loc).Format(time.DateOnly)
	result := "pass"
	if len(as) > 0 {
		result = strconv.Itoa(p.Average) + "%"
	}
	r, err := tx.Exec(ctx, `UPDATE training_enrollments SET status = 'completed', completed_on = ?, result = ?, updated_at = ? WHERE id = ? AND status = 'enrolled'`, day, result, s.now(), e.ID)
	if err != nil {
		return errs.Wrapf(err, "training: complete %d", e.ID)
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "training.changed")
	}
	state := map[string]any{"course": c.ID, "attendance": p.Attendance, "average": p.Average, "result": result, "completed_on": day}
	if s.o.Certifier != nil {
		cert, err := s.o.Certifier.IssueTx(ctx, tx, develop.CertificateInput{MemberID: c.MemberID, EnrollmentID: e.ID, PersonID: e.PersonID, UserID: e.UserID,
			Holder: e.Holder, HolderLatin: e.HolderLatin, CourseAR: c.TitleAR, CourseEN: c.TitleEN, Provider: c.Provider, Hours: c.Hours, Completed: day, Result: result})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE training_enrollments SET certificate_id = ?, certificate = ? WHERE id = ?`, cert.ID, cert.Code, e.ID); err != nil {
			return errs.Wrapf(err, "training: certificate of %d", e.ID)
		}
		state["certificate"] = cert.Code
	}
	return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "training.complete", EntityType: "training_enrollment", EntityID: idStr(e.ID), State: state})
}

// Assessment returns assessment id (training.read).
func (s *Service) Assessment(ctx context.Context, id int64) (Assessment, error) {
	as, err := s.assessments(ctx, s.db, `id = ?`, id)
	if err != nil {
		return Assessment{}, err
	}
	if len(as) == 0 {
		return Assessment{}, notFound("training.assessment_not_found")
	}
	if err := auth.RequireMember(ctx, auth.TrainingRead, as[0].MemberID); err != nil {
		return Assessment{}, notFound("training.assessment_not_found")
	}
	return as[0], nil
}
