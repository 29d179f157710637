package training

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Course is a training course.
type Course struct {
	ID            int64     `json:"id"`
	MemberID      int64     `json:"member_id"`
	Audience      string    `json:"audience"`
	TitleAR       string    `json:"title_ar"`
	TitleEN       string    `json:"title_en,omitempty"`
	DescriptionAR string    `json:"description_ar,omitempty"`
	DescriptionEN string    `json:"description_en,omitempty"`
	ProviderKind  string    `json:"provider_kind"` // office or partner
	PartnerID     int64     `json:"partner_id,omitempty"`
	PledgeID      int64     `json:"pledge_id,omitempty"`
	Provider      string    `json:"provider"`
	Hours         int       `json:"hours"`
	Capacity      int       `json:"capacity"`
	Place         string    `json:"place,omitempty"`
	OnlineURL     string    `json:"online_url,omitempty"`
	Prereqs       []int64   `json:"prerequisites,omitempty"` // courses completed before
	MinEducation  string    `json:"min_education,omitempty"`
	MinAge        int       `json:"min_age,omitempty"`
	MaxAge        int       `json:"max_age,omitempty"`
	MinAttendance int       `json:"min_attendance"` // percent
	PassRule      string    `json:"pass_rule"`      // all or average
	MinAverage    int       `json:"min_average"`    // percent, for the average rule
	Status        string    `json:"status"`
	Version       int64     `json:"version"`
	CreatedBy     int64     `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Counts.
	Enrolled  int `json:"enrolled"`  // holding a seat: enrolled, completed or failed
	Waiting   int `json:"waiting"`   // on the waitlist
	Completed int `json:"completed"` // completed
	Sessions  int `json:"sessions"`  // sessions
}

// Title is the course's title in lang ("en" or Arabic), the Arabic one
// when there is no English.
func (c Course) Title(lang string) string {
	if lang == "en" && c.TitleEN != "" {
		return c.TitleEN
	}
	return c.TitleAR
}

// Free is how many seats remain.
func (c Course) Free() int { return max(c.Capacity-c.Enrolled, 0) }

// CourseInput is a new course.
type CourseInput struct {
	MemberID      int64   `json:"-"`
	Audience      string  `json:"audience"`
	TitleAR       string  `json:"title_ar"`
	TitleEN       string  `json:"title_en,omitempty"`
	DescriptionAR string  `json:"description_ar,omitempty"`
	DescriptionEN string  `json:"description_en,omitempty"`
	ProviderKind  string  `json:"provider_kind"`       // office or partner
	OfficeID      int64   `json:"office_id,omitempty"` // an office of the member (its name is the provider's)
	PartnerID     int64   `json:"partner_id,omitempty"`
	PledgeID      int64   `json:"pledge_id,omitempty"` // an open pledge of training places; gives the partner
	Provider      string  `json:"provider,omitempty"`  // an office's name, typed
	Hours         int     `json:"hours"`
	Capacity      int     `json:"capacity"`
	Place         string  `json:"place,omitempty"`
	OnlineURL     string  `json:"online_url,omitempty"`
	Prereqs       []int64 `json:"prerequisites,omitempty"`
	MinEducation  string  `json:"min_education,omitempty"`
	MinAge        int     `json:"min_age,omitempty"`
	MaxAge        int     `json:"max_age,omitempty"`
	MinAttendance int     `json:"min_attendance,omitempty"`
	PassRule      string  `json:"pass_rule,omitempty"`
	MinAverage    int     `json:"min_average,omitempty"`
	Status        string  `json:"status,omitempty"` // draft (default) or open
}

// checkURL accepts an http or https address.
func checkURL(e *errs.Error, field, u string) {
	if u == "" {
		return
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || runes(u) > maxURL {
		e.WithField(field, "training.url_invalid")
	}
}

// validate checks in, fills the provider's name and partner, and returns
// the field errors on e; row > 0 names an import's row.
func (s *Service) validate(ctx context.Context, in *CourseInput, e *errs.Error, row int) error {
	field := func(name, key string, args ...any) {
		e.WithField(name, key, args...)
		if row > 0 {
			e.Fields[len(e.Fields)-1].Row = row
		}
	}
	in.TitleAR = strings.Join(strings.Fields(in.TitleAR), " ")
	in.TitleEN = strings.Join(strings.Fields(in.TitleEN), " ")
	in.DescriptionAR, in.DescriptionEN = strings.TrimSpace(in.DescriptionAR), strings.TrimSpace(in.DescriptionEN)
	in.Provider = strings.Join(strings.Fields(in.Provider), " ")
	in.Place, in.OnlineURL = strings.TrimSpace(in.Place), strings.TrimSpace(in.OnlineURL)
	if !slices.Contains(Audiences, in.Audience) {
		field("audience", "training.audience_invalid")
	}
	switch {
	case in.TitleAR == "":
		field("title_ar", "training.title_required")
	case runes(in.TitleAR) > maxTitle:
		field("title_ar", "training.too_long", "max", maxTitle)
	}
	if runes(in.TitleEN) > maxTitle {
		field("title_en", "training.too_long", "max", maxTitle)
	}
	if runes(in.DescriptionAR) > maxText || runes(in.DescriptionEN) > maxText {
		field("description_ar", "training.too_long", "max", maxText)
	}
	if in.Hours < 0 || in.Hours > maxHours {
		field("hours", "training.hours_invalid", "max", maxHours)
	}
	if in.Capacity <= 0 || in.Capacity > maxCapacity {
		field("capacity", "training.capacity_invalid", "max", maxCapacity)
	}
	if runes(in.Place) > maxPlace {
		field("place", "training.too_long", "max", maxPlace)
	}
	n := len(e.Fields)
	checkURL(e, "online_url", in.OnlineURL)
	if row > 0 && len(e.Fields) > n {
		e.Fields[len(e.Fields)-1].Row = row
	}
	if in.MinEducation != "" && educationRank(in.MinEducation) < 0 {
		field("min_education", "training.education_invalid")
	}
	if in.MinAge < 0 || in.MaxAge < 0 || in.MinAge > 120 || in.MaxAge > 120 || (in.MaxAge > 0 && in.MaxAge < in.MinAge) {
		field("max_age", "training.age_range_invalid")
	}
	if in.MinAttendance < 0 || in.MinAttendance > 100 {
		field("min_attendance", "training.percent_invalid")
	}
	if in.PassRule == "" {
		in.PassRule = PassAll
	}
	if in.PassRule != PassAll && in.PassRule != PassAverage {
		field("pass_rule", "training.pass_rule_invalid")
	}
	if in.MinAverage < 0 || in.MinAverage > 100 {
		field("min_average", "training.percent_invalid")
	}
	if in.Status == "" {
		in.Status = Draft
	}
	if in.Status != Draft && in.Status != Open {
		field("status", "training.status_invalid")
	}
	if len(in.Prereqs) > maxPrereqs {
		field("prerequisites", "training.too_many", "max", maxPrereqs)
	} else {
		for _, p := range in.Prereqs {
			c, err := s.course(ctx, s.db, p)
			if err != nil || c.MemberID != in.MemberID {
				field("prerequisites", "training.prereq_unknown", "id", p)
			}
		}
	}
	switch in.ProviderKind {
	case "office":
		in.PartnerID, in.PledgeID = 0, 0
		if in.OfficeID != 0 {
			os, err := s.Offices(ctx, in.MemberID)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(os, func(o Office) bool { return o.ID == in.OfficeID })
			if i < 0 {
				field("office_id", "training.office_unknown")
			} else {
				in.Provider = os[i].NameAR
			}
		}
		switch {
		case in.Provider == "" && in.OfficeID == 0:
			field("provider", "training.provider_required")
		case runes(in.Provider) > maxTitle:
			field("provider", "training.too_long", "max", maxTitle)
		}
	case "partner":
		if s.o.Partners == nil {
			field("provider_kind", "training.partners_unavailable")
			break
		}
		sys := actor.System(ctx)
		if in.PledgeID != 0 {
			p, err := s.o.Partners.Pledge(sys, in.PledgeID)
			switch {
			case errs.CodeOf(err) == errs.NotFound || err == nil && (p.MemberID != in.MemberID || p.Kind != "training"):
				field("pledge_id", "training.pledge_unknown")
			case err != nil:
				return err
			case in.PartnerID != 0 && in.PartnerID != p.PartnerID:
				field("pledge_id", "training.pledge_other_partner")
			default:
				in.PartnerID = p.PartnerID
			}
		}
		if in.PartnerID == 0 {
			if in.PledgeID == 0 {
				field("partner_id", "training.partner_required")
			}
			break
		}
		p, err := s.o.Partners.Get(sys, in.PartnerID)
		switch {
		case errs.CodeOf(err) == errs.NotFound || err == nil && p.MemberID != in.MemberID:
			field("partner_id", "training.partner_unknown")
		case err != nil:
			return err
		default:
			in.Provider = p.NameAR
		}
	default:
		field("provider_kind", "training.provider_kind_invalid")
	}
	return nil
}

// CreateCourse adds a course (training.manage in its member).
func (s *Service) CreateCourse(ctx context.Context, in CourseInput) (Course, error) {
	if err := auth.RequireMember(ctx, auth.TrainingManage, in.MemberID); err != nil {
		return Course{}, err
	}
	e := invalid()
	if err := s.validate(ctx, &in, e, 0); err != nil {
		return Course{}, err
	}
	if len(e.Fields) > 0 {
		return Course{}, e
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.insertCourse(ctx, tx, in)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, courseEntry(in, id, "training.course_create"))
	})
	if err != nil {
		return Course{}, err
	}
	return s.course(ctx, s.db, id)
}

func courseEntry(in CourseInput, id int64, action string) audit.Entry {
	return audit.Entry{MemberID: in.MemberID, Action: action, EntityType: "training_course", EntityID: idStr(id),
		State: map[string]any{"audience": in.Audience, "title_ar": in.TitleAR, "provider_kind": in.ProviderKind, "partner": in.PartnerID, "pledge": in.PledgeID,
			"provider": in.Provider, "hours": in.Hours, "capacity": in.Capacity, "status": in.Status, "prerequisites": in.Prereqs,
			"min_education": in.MinEducation, "min_age": in.MinAge, "max_age": in.MaxAge, "min_attendance": in.MinAttendance, "pass_rule": in.PassRule, "min_average": in.MinAverage}}
}

func (s *Service) insertCourse(ctx context.Context, tx *db.Tx, in CourseInput) (int64, error) {
	now := s.now()
	id, err := tx.InsertID(ctx, `INSERT INTO training_courses (member_id, audience, title_ar, title_en, description_ar, description_en, provider_kind, partner_id, pledge_id, provider,
		hours, capacity, place, online_url, prereq_courses, min_education, min_age, max_age, min_attendance, pass_rule, min_average, status, version, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`,
		in.MemberID, in.Audience, in.TitleAR, in.TitleEN, in.DescriptionAR, in.DescriptionEN, in.ProviderKind, in.PartnerID, in.PledgeID, in.Provider,
		in.Hours, in.Capacity, in.Place, in.OnlineURL, joinIDs(in.Prereqs), in.MinEducation, in.MinAge, in.MaxAge, in.MinAttendance, in.PassRule, in.MinAverage, in.Status, actorID(ctx), now, now)
	return id, errs.Wrapf(err, "training: course")
}

const courseCols = `c.id, c.member_id, c.audience, c.title_ar, c.title_en, c.description_ar, c.description_en, c.provider_kind, c.partner_id, c.pledge_id, c.provider,
	c.hours, c.capacity, c.place, c.online_url, c.prereq_courses, c.min_education, c.min_age, c.max_age, c.min_attendance, c.pass_rule, c.min_average, c.status, c.version, c.created_by, c.created_at, c.updated_at,
	(SELECT COUNT(*) FROM training_enrollments e WHERE e.course_id = c.id AND e.status IN ('enrolled', 'completed', 'failed')),
	(SELECT COUNT(*) FROM training_enrollments e WHERE e.course_id = c.id AND e.status = 'waitlisted'),
	(SELECT COUNT(*) FROM training_enrollments e WHERE e.course_id = c.id AND e.status = 'completed'),
	(SELECT COUNT(*) FROM training_sessions t WHERE t.course_id = c.id)`

func scanCourse(r scanner) (Course, error) {
	var c Course
	var prereqs string
	err := r.Scan(&c.ID, &c.MemberID, &c.Audience, &c.TitleAR, &c.TitleEN, &c.DescriptionAR, &c.DescriptionEN, &c.ProviderKind, &c.PartnerID, &c.PledgeID, &c.Provider,
		&c.Hours, &c.Capacity, &c.Place, &c.OnlineURL, &prereqs, &c.MinEducation, &c.MinAge, &c.MaxAge, &c.MinAttendance, &c.PassRule, &c.MinAverage, &c.Status, &c.Version, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt,
		&c.Enrolled, &c.Waiting, &c.Completed, &c.Sessions)
	c.Prereqs = splitIDs(prereqs)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

func (s *Service) course(ctx context.Context, q querier, id int64) (Course, error) {
	c, err := scanCourse(q.QueryRow(ctx, `SELECT `+courseCols+` FROM training_courses c WHERE c.id = ?`, id))
	if noRows(err) {
		return c, notFound("training.course_not_found")
	}
	return c, errs.Wrapf(err, "training: course %d", id)
}

// Course returns course id (training.read in its member).
func (s *Service) Course(ctx context.Context, id int64) (Course, error) {
	c, err := s.course(ctx, s.db, id)
	if err != nil {
		return c, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingRead, c.MemberID); err != nil {
		return Course{}, notFound("training.course_not_found")
	}
	return c, nil
}

// Filter narrows a list of courses.
type Filter struct {
	MemberID int64
	Audience string
	Status   string
	Query    string // part of a title or of the provider's name
	Limit    int    // at most maxPage; 0 for maxPage
}

// Courses lists f.MemberID's courses, the newest first (training.read).
func (s *Service) Courses(ctx context.Context, f Filter) ([]Course, error) {
	if err := auth.RequireMember(ctx, auth.TrainingRead, f.MemberID); err != nil {
		return nil, err
	}
	q := `SELECT ` + courseCols + ` FROM training_courses c WHERE c.member_id = ?`
	args := []any{f.MemberID}
	if f.Audience != "" {
		q += ` AND c.audience = ?`
		args = append(args, f.Audience)
	}
	if f.Status != "" {
		q += ` AND c.status = ?`
		args = append(args, f.Status)
	}
	if f.Query = strings.TrimSpace(f.Query); f.Query != "" {
		like := "%" + strings.ReplaceAll(f.Query, "%", "") + "%"
		q += ` AND (c.title_ar LIKE ? OR c.title_en LIKE ? OR c.provider LIKE ?)`
		args = append(args, like, like, like)
	}
	if f.Limit <= 0 || f.Limit > maxPage {
		f.Limit = maxPage
	}
	q += ` ORDER BY c.id DESC LIMIT ` + idStr(int64(f.Limit))
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "training: courses")
	}
	defer rows.Close()
	var out []Course
	for rows.Next() {
		c, err := scanCourse(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "training: courses")
		}
		out = append(out, c)
	}
	return out, errs.Wrapf(rows.Err(), "training: courses")
}

// SetStatus moves course id to status (training.manage): draft ⇄ open →
// running → finished, and any of them but finished to cancelled. version
// is the one read; a course changed since is a conflict.
func (s *Service) SetStatus(ctx context.Context, id int64, status string, version int64) (Course, error) {
	c, err := s.course(ctx, s.db, id)
	if err != nil {
		return c, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingManage, c.MemberID); err != nil {
		return Course{}, notFound("training.course_not_found")
	}
	if !slices.Contains(next[c.Status], status) {
		return Course{}, errs.E(errs.Conflict, "training.status_move", "from", c.Status, "to", status).WithField("status", "training.status_move", "from", c.Status, "to", status)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE training_courses SET status = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND status = ?`, status, s.now(), id, version, c.Status)
		if err != nil {
			return errs.Wrapf(err, "training: status %d", id)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "training.changed")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "training.course_status", EntityType: "training_course", EntityID: idStr(id),
			State: map[string]any{"from": c.Status, "to": status}})
	})
	if err != nil {
		return Course{}, err
	}
	return s.course(ctx, s.db, id)
}

// SetCapacity changes course id's capacity (training.manage); seats that
// free are given to the waitlist in order. A capacity below the seats held
// is refused.
func (s *Service) SetCapacity(ctx context.Context, id int64, capacity int) (Course, error) {
	c, err := s.course(ctx, s.db, id)
	if err != nil {
		return c, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingManage, c.MemberID); err != nil {
		return Course{}, notFound("training.course_not_found")
	}
	if capacity <= 0 || capacity > maxCapacity {
		return Course{}, invalid().WithField("capacity", "training.capacity_invalid", "max", maxCapacity)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.LockRow(ctx, "training_courses", id); err != nil {
			return errs.Wrapf(err, "training: lock %d", id)
		}
		cur, err := s.course(ctx, tx, id)
		if err != nil {
			return err
		}
		if capacity < cur.Enrolled {
			return invalid().WithField("capacity", "training.capacity_below", "held", cur.Enrolled)
		}
		if _, err := tx.Exec(ctx, `UPDATE training_courses SET capacity = ?, version = version + 1, updated_at = ? WHERE id = ?`, capacity, s.now(), id); err != nil {
			return errs.Wrapf(err, "training: capacity %d", id)
		}
		if err := audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "training.course_capacity", EntityType: "training_course", EntityID: idStr(id),
			State: map[string]any{"from": cur.Capacity, "to": capacity}}); err != nil {
			return err
		}
		return s.promote(ctx, tx, c.MemberID, id)
	})
	if err != nil {
		return Course{}, err
	}
	return s.course(ctx, s.db, id)
}

// Session is one meeting of a course.
type Session struct {
	ID        int64     `json:"id"`
	MemberID  int64     `json:"member_id"`
	CourseID  int64     `json:"course_id"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Place     string    `json:"place,omitempty"`
	OnlineURL string    `json:"online_url,omitempty"`
	Marked    int       `json:"marked"` // attendance marks recorded
}

// SessionInput is a new session: start and end as YYYY-MM-DDTHH:MM in the
// member's zone (or RFC 3339), a place or an online address (the course's
// when both are empty).
type SessionInput struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	Place     string `json:"place,omitempty"`
	OnlineURL string `json:"online_url,omitempty"`
}

// parseTime reads a time typed in loc.
func parseTime(x string, loc *time.Location) (time.Time, bool) {
	x = strings.TrimSpace(x)
	if t, err := time.Parse(time.RFC3339, x); err == nil {
		return t.UTC(), true
	}
	for _, f := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(f, x, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (s *Service) checkSession(in *SessionInput, loc *time.Location, e *errs.Error) (time.Time, time.Time) {
	in.Place, in.OnlineURL = strings.TrimSpace(in.Place), strings.TrimSpace(in.OnlineURL)
	from, ok1 := parseTime(in.Start, loc)
	to, ok2 := parseTime(in.End, loc)
	if !ok1 {
		e.WithField("start", "training.time_invalid")
	}
	if !ok2 {
		e.WithField("end", "training.time_invalid")
	}
	if ok1 && ok2 && (!to.After(from) || to.Sub(from) > 24*time.Hour) {
		e.WithField("end", "training.session_length")
	}
	if runes(in.Place) > maxPlace {
		e.WithField("place", "training.too_long", "max", maxPlace)
	}
	checkURL(e, "online_url", in.OnlineURL)
	return from, to
}

// AddSession adds a session to course id (training.manage), while the
// course is neither finished nor cancelled.
func (s *Service) AddSession(ctx context.Context, courseID int64, in SessionInput) (Session, error) {
	c, err := s.course(ctx, s.db, courseID)
	if err != nil {
		return Session{}, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingManage, c.MemberID); err != nil {
		return Session{}, notFound("training.course_not_found")
	}
	if c.Status == Finished || c.Status == Cancelled {
		return Session{}, errs.E(errs.Conflict, "training.course_closed")
	}
	loc, err := s.zone(ctx, c.MemberID)
	if err != nil {
		return Session{}, err
	}
	e := invalid()
	from, to := s.checkSession(&in, loc, e)
	if c.Sessions >= maxSessions {
		e.WithField("start", "training.too_many", "max", maxSessions)
	}
	if len(e.Fields) > 0 {
		return Session{}, e
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		id, err = s.insertSession(ctx, tx, c.MemberID, courseID, from, to, in)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "training.session_add", EntityType: "training_session", EntityID: idStr(id),
			State: map[string]any{"course": courseID, "starts_at": from, "ends_at": to, "place": in.Place, "online_url": in.OnlineURL}})
	})
	if err != nil {
		return Session{}, err
	}
	return s.session(ctx, s.db, id)
}

func (s *Service) insertSession(ctx context.Context, tx *db.Tx, memberID, courseID int64, from, to time.Time, in SessionInput) (int64, error) {
	id, err := tx.InsertID(ctx, `INSERT INTO training_sessions (member_id, course_id, starts_at, ends_at, place, online_url, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		memberID, courseID, from, to, in.Place, in.OnlineURL, s.now())
	return id, errs.Wrapf(err, "training: session")
}

const sessionCols = `t.id, t.member_id, t.course_id, t.starts_at, t.ends_at, t.place, t.online_url, (SELECT COUNT(*) FROM training_attendance a WHERE a.session_id = t.id)`

func scanSession(r scanner) (Session, error) {
	var t Session
	err := r.Scan(&t.ID, &t.MemberID, &t.CourseID, &t.StartsAt, &t.EndsAt, &t.Place, &t.OnlineURL, &t.Marked)
	t.StartsAt, t.EndsAt = t.StartsAt.UTC(), t.EndsAt.UTC()
	return t, err
}

func (s *Service) session(ctx context.Context, q querier, id int64) (Session, error) {
	t, err := scanSession(q.QueryRow(ctx, `SELECT `+sessionCols+` FROM training_sessions t WHERE t.id = ?`, id))
	if noRows(err) {
		return t, notFound("training.session_not_found")
	}
	return t, errs.Wrapf(err, "training: session %d", id)
}

// Session returns session id (training.read).
func (s *Service) Session(ctx context.Context, id int64) (Session, error) {
	t, err := s.session(ctx, s.db, id)
	if err != nil {
		return t, err
	}
	if err := auth.RequireMember(ctx, auth.TrainingRead, t.MemberID); err != nil {
		return Session{}, notFound("training.session_not_found")
	}
	return t, nil
}

// Sessions lists course id's sessions by time (training.read).
func (s *Service) Sessions(ctx context.Context, courseID int64) ([]Session, error) {
	if _, err := s.Course(ctx, courseID); err != nil {
		return nil, err
	}
	return s.sessions(ctx, s.db, courseID)
}

func (s *Service) sessions(ctx context.Context, q querier, courseID int64) ([]Session, error) {
	rows, err := q.Query(ctx, `SELECT `+sessionCols+` FROM training_sessions t WHERE t.course_id = ? ORDER BY t.starts_at, t.id`, courseID)
	if err != nil {
		return nil, errs.Wrapf(err, "training: sessions")
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		t, err := scanSession(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "training: sessions")
		}
		out = append(out, t)
	}
	return out, errs.Wrapf(rows.Err(), "training: sessions")
}
