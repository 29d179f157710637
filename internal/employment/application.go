package employment

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/money"
)

// Application statuses: applied → interview → offer → placed, or rejected
// or withdrawn before placement.
const (
	Applied   = "applied"
	Interview = "interview"
	Offer     = "offer"
	Placed    = "placed"
	RejectedA = "rejected"
	Withdrawn = "withdrawn"
)

// ApplicationStatuses lists the statuses in pipeline order.
var ApplicationStatuses = []string{Applied, Interview, Offer, Placed, RejectedA, Withdrawn}

// Application is a seeker's application for a vacancy.
type Application struct {
	ID              int64      `json:"id"`
	MemberID        int64      `json:"member_id"`
	SeekerID        int64      `json:"seeker_id"`
	VacancyID       int64      `json:"vacancy_id"`
	Status          string     `json:"status"`
	InterviewAt     *time.Time `json:"interview_at,omitempty"`
	InterviewPlace  string     `json:"interview_place,omitempty"`
	OfferPay        int64      `json:"offer_pay,omitempty"` // minor units of Currency, per PayPeriod
	OfferStart      string     `json:"offer_start,omitempty"`
	StartOn         string     `json:"start_on,omitempty"` // the placement's start
	Reason          string     `json:"reason,omitempty"`
	ChangeRequestID int64      `json:"change_request_id,omitempty"`
	CreatedBy       int64      `json:"created_by"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	// Filled by reads.
	SeekerName   string `json:"seeker_name"`
	PersonID     int64  `json:"person_id"`
	VacancyTitle string `json:"vacancy_title"`
	EmployerName string `json:"employer_name"`
	Currency     string `json:"currency"`
	PayPeriod    string `json:"pay_period"`
	Sex          string `json:"-"`
	Disability   bool   `json:"-"`
}

// Open reports whether the application is still in the pipeline.
func (a Application) Open() bool {
	return slices.Contains([]string{Applied, Interview, Offer}, a.Status)
}

// Apply applies seeker seekerID for vacancy vacancyID (employment.apply):
// both of the same member, the seeker active, the vacancy accepting. A
// seeker applies once for a vacancy.
func (s *Service) Apply(ctx context.Context, seekerID, vacancyID int64) (Application, error) {
	k, err := s.Seeker(ctx, seekerID)
	if err != nil {
		return Application{}, err
	}
	v, err := s.Vacancy(ctx, vacancyID)
	if err != nil {
		return Application{}, err
	}
	if v.MemberID != k.MemberID {
		return Application{}, notFound("employment.vacancy_not_found")
	}
	if err := auth.RequireMember(ctx, auth.EmploymentApply, k.MemberID); err != nil {
		return Application{}, err
	}
	if k.Status != Active {
		return Application{}, errs.E(errs.Conflict, "employment.seeker_inactive")
	}
	today, err := s.today(ctx, k.MemberID)
	if err != nil {
		return Application{}, err
	}
	if !v.Accepting(today) {
		return Application{}, errs.E(errs.Conflict, "employment.vacancy_not_accepting")
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var dup int64
		if err := tx.QueryRow(ctx, `SELECT id FROM employment_applications WHERE seeker_id = ? AND vacancy_id = ?`, seekerID, vacancyID).Scan(&dup); err == nil {
			return errs.E(errs.Conflict, "employment.already_applied", "id", dup)
		} else if !noRows(err) {
			return err
		}
		now := s.now()
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO employment_applications (member_id, seeker_id, vacancy_id, status, created_by, created_at, updated_at) VALUES (?, ?, ?, 'applied', ?, ?, ?) RETURNING id`,
			k.MemberID, seekerID, vacancyID, actorID(ctx), now, now)
		if err != nil {
			return errs.Wrapf(err, "employment: apply")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: k.MemberID, Action: "employment.apply", EntityType: "employment_application", EntityID: idStr(id),
			State: map[string]any{"seeker": seekerID, "vacancy": vacancyID}})
	})
	if err != nil {
		return Application{}, err
	}
	return s.application(ctx, s.db, id)
}

// today is the day it is now in memberID's zone.
func (s *Service) today(ctx context.Context, memberID int64) (string, error) {
	m, err := s.memberOf(ctx, memberID)
	if err != nil {
		return "", err
	}
	return s.now().In(m.Location()).Format(time.DateOnly), nil
}

// move changes application a from its status (one of from) to to, with
// set's columns, guarded: exactly one row, else someone moved it first.
func (s *Service) move(ctx context.Context, tx *db.Tx, a Application, from []string, to string, set string, args []any, state map[string]any) error {
	if !slices.Contains(from, a.Status) {
		return errs.E(errs.Conflict, "employment.application_moved", "status", a.Status)
	}
	q := `UPDATE employment_applications SET status = ?, updated_at = ?` + set + ` WHERE id = ? AND status = ?`
	all := append([]any{to, s.now()}, args...)
	r, err := tx.Exec(ctx, q, append(all, a.ID, a.Status)...)
	if err != nil {
		return errs.Wrapf(err, "employment: application %d", a.ID)
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "employment.application_moved", "status", a.Status)
	}
	if state == nil {
		state = map[string]any{}
	}
	state["from"], state["to"] = a.Status, to
	return audit.Append(ctx, tx, audit.Entry{MemberID: a.MemberID, Action: "employment.application_" + to, EntityType: "employment_application", EntityID: idStr(a.ID), State: state})
}

// forMove reads application id for a change (employment.apply).
func (s *Service) forMove(ctx context.Context, id int64) (Application, error) {
	a, err := s.application(ctx, s.db, id)
	if err != nil {
		return a, err
	}
	if err := auth.RequireMember(ctx, auth.EmploymentRead, a.MemberID); err != nil {
		return Application{}, notFound("employment.application_not_found")
	}
	if err := auth.RequireMember(ctx, auth.EmploymentApply, a.MemberID); err != nil {
		return Application{}, err
	}
	return a, nil
}

// ScheduleInterview moves application id from applied to interview, at
// when (a wall time in the member's zone, "2027-03-04T10:00") and place
// (employment.apply).
func (s *Service) ScheduleInterview(ctx context.Context, id int64, when, place string) (Application, error) {
	a, err := s.forMove(ctx, id)
	if err != nil {
		return a, err
	}
	m, err := s.memberOf(ctx, a.MemberID)
	if err != nil {
		return a, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	at, ok := parseWall(when, m.Location())
	if !ok {
		e.WithField("interview_at", "employment.time_invalid")
	}
	place = oneLine(place)
	if place == "" {
		e.WithField("interview_place", "employment.place_required")
	} else if runes(place) > maxShort {
		e.WithField("interview_place", "employment.too_long", "max", maxShort)
	}
	if len(e.Fields) > 0 {
		return a, e
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		return s.move(ctx, tx, a, []string{Applied}, Interview, `, interview_at = ?, interview_place = ?`, []any{at, place}, map[string]any{"at": at, "place": place})
	})
	if err != nil {
		return a, err
	}
	return s.application(ctx, s.db, id)
}

// MakeOffer moves application id from interview to offer with the pay (in
// minor units, per the vacancy's pay period) and start day
// (employment.apply).
func (s *Service) MakeOffer(ctx context.Context, id int64, pay int64, start string) (Application, error) {
	a, err := s.forMove(ctx, id)
	if err != nil {
		return a, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	if pay <= 0 || pay > 1e12 {
		e.WithField("offer_pay", "employment.pay_invalid")
	}
	d, ok := parseDay(start)
	if !ok {
		e.WithField("offer_start", "employment.date_invalid")
	}
	if len(e.Fields) > 0 {
		return a, e
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		return s.move(ctx, tx, a, []string{Interview}, Offer, `, offer_pay = ?, offer_start = ?`, []any{pay, d.Format(time.DateOnly)}, map[string]any{"pay": pay, "start": d.Format(time.DateOnly)})
	})
	if err != nil {
		return a, err
	}
	return s.application(ctx, s.db, id)
}

// CloseApplication moves application id to rejected or withdrawn with a reason, from
// any status before placement (employment.apply).
func (s *Service) CloseApplication(ctx context.Context, id int64, to, reason string) (Application, error) {
	a, err := s.forMove(ctx, id)
	if err != nil {
		return a, err
	}
	if to != RejectedA && to != Withdrawn {
		return a, errs.E(errs.Invalid, "employment.status_invalid").WithField("status", "employment.status_invalid")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return a, errs.E(errs.Invalid, "employment.reason_required").WithField("reason", "employment.reason_required")
	}
	if runes(reason) > MaxReason {
		return a, errs.E(errs.Invalid, "employment.too_long", "max", MaxReason).WithField("reason", "employment.too_long", "max", MaxReason)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		return s.move(ctx, tx, a, []string{Applied, Interview, Offer}, to, `, reason = ?`, []any{reason}, map[string]any{"reason": reason})
	})
	if err != nil {
		return a, err
	}
	return s.application(ctx, s.db, id)
}

// MonthlyIncome is pay per period as a monthly income, in minor units,
// integers only: a week is 52/12 of a month, a month has 22 working days,
// a working day 8 hours (4 for a part-time job).
func MonthlyIncome(pay int64, period, hours string) int64 {
	switch period {
	case "week":
		return pay * 52 / 12
	case "day":
		return pay * 22
	case "hour":
		if hours == "part" {
			return pay * 4 * 22
		}
		return pay * 8 * 22
	}
	return pay
}

// Place moves application id from offer to placed, starting on start
// (YYYY-MM-DD; empty takes the offer's), and proposes the person's
// registry change (employed, the monthly income, the day placed) that a
// registrar decides (employment.apply). It schedules the follow-ups at 3
// and 6 months after the start, which must have come (the registry records
// work that has begun). A person of another member is refused.
func (s *Service) Place(ctx context.Context, id int64, start string) (Application, error) {
	a, err := s.forMove(ctx, id)
	if err != nil {
		return a, err
	}
	if s.o.Changes == nil {
		return a, errs.E(errs.Invalid, "employment.registry_unavailable")
	}
	if start == "" {
		start = a.OfferStart
	}
	d, ok := parseDay(start)
	if !ok {
		return a, errs.E(errs.Invalid, "error.invalid_input").WithField("start_on", "employment.date_invalid")
	}
	if _, err := s.person(ctx, a.MemberID, a.PersonID); err != nil {
		return a, err
	}
	v, err := s.vacancy(ctx, s.db, a.VacancyID)
	if err != nil {
		return a, err
	}
	m, err := s.memberOf(ctx, a.MemberID)
	if err != nil {
		return a, err
	}
	st, err := s.settings(ctx, s.db, a.MemberID)
	if err != nil {
		return a, err
	}
	startOn := d.Format(time.DateOnly)
	// The registry records work that has begun: a placement is recorded on
	// or after its first day.
	if today := s.now().In(m.Location()).Format(time.DateOnly); startOn > today {
		return a, errs.E(errs.Invalid, "employment.start_future", "start", startOn).WithField("start_on", "employment.start_future", "start", startOn)
	}
	loc, weekend := m.Location(), calendar.Weekend(m.Code)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := s.move(ctx, tx, a, []string{Offer}, Placed, `, start_on = ?`, []any{startOn}, map[string]any{"start_on": startOn}); err != nil {
			return err
		}
		for _, months := range []int{3, 6} {
			due := time.Date(d.Year(), d.Month()+time.Month(months), d.Day(), 0, 0, 0, 0, loc)
			// A day past the end of the month runs on; keep the month's last day.
			if due.Day() != d.Day() {
				due = time.Date(d.Year(), d.Month()+time.Month(months)+1, 0, 0, 0, 0, 0, loc)
			}
			esc := calendar.AddWorkingDays(due, st.EscalateDays+1, loc, weekend)
			if _, err := tx.Exec(ctx, `INSERT INTO employment_followups (member_id, application_id, months, due_on, escalate_at) VALUES (?, ?, ?, ?, ?)`,
				a.MemberID, a.ID, months, due.Format(time.DateOnly), esc); err != nil {
				return errs.Wrapf(err, "employment: follow-up")
			}
		}
		return nil
	})
	if err != nil {
		return a, err
	}
	pay := a.OfferPay
	if pay == 0 {
		pay = v.Pay
	}
	values := map[string]string{"employment_status": "employed", "monthly_income": money.Format(MonthlyIncome(pay, v.PayPeriod, v.Hours), m.Exponent()), "placed_on": startOn}
	// The reason stays in the registry in the member's first language.
	reason := i18n.T(i18n.AR, "employment.placement_reason", map[string]any{"id": a.ID, "title": v.Title, "employer": v.EmployerName, "start": startOn})
	cr, perr := s.o.Changes.ProposePersonChange(ctx, a.PersonID, values, reason)
	if perr != nil {
		// Nothing half-written: the placement goes back to the offer.
		_ = s.db.Tx(actor.System(ctx), func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `DELETE FROM employment_followups WHERE application_id = ?`, a.ID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE employment_applications SET status = 'offer', start_on = '', updated_at = ? WHERE id = ? AND status = 'placed' AND change_request_id = 0`, s.now(), a.ID); err != nil {
				return err
			}
			return audit.Append(ctx, tx, audit.Entry{MemberID: a.MemberID, Action: "employment.application_unplaced", EntityType: "employment_application", EntityID: idStr(a.ID),
				State: map[string]any{"from": Placed, "to": Offer, "cause": "registry change refused"}})
		})
		return a, perr
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE employment_applications SET change_request_id = ? WHERE id = ?`, cr.ID, a.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: a.MemberID, Action: "employment.placement_change", EntityType: "employment_application", EntityID: idStr(a.ID),
			State: map[string]any{"change_request": cr.ID, "values": values}})
	})
	if err != nil {
		return a, errs.Wrapf(err, "employment: placement change")
	}
	return s.application(ctx, s.db, id)
}

// parseWall reads a local time in loc, or a time with an offset.
func parseWall(x string, loc *time.Location) (time.Time, bool) {
	x = strings.TrimSpace(x)
	if t, err := time.Parse(time.RFC3339, x); err == nil {
		return t.UTC(), true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, x, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

const applicationCols = `a.id, a.member_id, a.seeker_id, a.vacancy_id, a.status, a.interview_at, a.interview_place, a.offer_pay, a.offer_start, a.start_on, a.reason,
	a.change_request_id, a.created_by, a.created_at, a.updated_at, k.name, k.person_id, v.title, e.name, v.currency, v.pay_period, k.sex, k.disability`

const applicationFrom = ` FROM employment_applications a JOIN employment_seekers k ON k.id = a.seeker_id JOIN employment_vacancies v ON v.id = a.vacancy_id
	JOIN employment_employers e ON e.id = v.employer_id`

func scanApplication(r scanner) (Application, error) {
	var a Application
	var dis int
	err := r.Scan(&a.ID, &a.MemberID, &a.SeekerID, &a.VacancyID, &a.Status, &a.InterviewAt, &a.InterviewPlace, &a.OfferPay, &a.OfferStart, &a.StartOn, &a.Reason,
		&a.ChangeRequestID, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt, &a.SeekerName, &a.PersonID, &a.VacancyTitle, &a.EmployerName, &a.Currency, &a.PayPeriod, &a.Sex, &dis)
	a.Disability = dis == 1
	if a.InterviewAt != nil {
		t := a.InterviewAt.UTC()
		a.InterviewAt = &t
	}
	return a, err
}

func (s *Service) application(ctx context.Context, q querier, id int64) (Application, error) {
	a, err := scanApplication(q.QueryRow(ctx, `SELECT `+applicationCols+applicationFrom+` WHERE a.id = ?`, id))
	if noRows(err) {
		return a, notFound("employment.application_not_found")
	}
	return a, errs.Wrapf(err, "employment: application %d", id)
}

// Application returns application id (employment.read).
func (s *Service) Application(ctx context.Context, id int64) (Application, error) {
	a, err := s.application(ctx, s.db, id)
	if err != nil {
		return a, err
	}
	if err := auth.RequireMember(ctx, auth.EmploymentRead, a.MemberID); err != nil {
		return Application{}, notFound("employment.application_not_found")
	}
	return a, nil
}

// ApplicationFilter selects applications; zero fields do not filter.
type ApplicationFilter struct {
	SeekerID  int64
	VacancyID int64
	Status    string
	Limit     int // default and maximum 500
}

// Applications lists memberID's applications f selects, the newest first
// (employment.read).
func (s *Service) Applications(ctx context.Context, memberID int64, f ApplicationFilter) ([]Application, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return nil, err
	}
	q, args := `SELECT `+applicationCols+applicationFrom+` WHERE a.member_id = ?`, []any{memberID}
	if f.SeekerID != 0 {
		q += ` AND a.seeker_id = ?`
		args = append(args, f.SeekerID)
	}
	if f.VacancyID != 0 {
		q += ` AND a.vacancy_id = ?`
		args = append(args, f.VacancyID)
	}
	if f.Status != "" {
		q += ` AND a.status = ?`
		args = append(args, f.Status)
	}
	if f.Limit <= 0 || f.Limit > maxPage {
		f.Limit = maxPage
	}
	order := ` ORDER BY a.id DESC`
	if f.Status == Placed {
		order = ` ORDER BY a.start_on DESC, a.id DESC`
	}
	rows, err := s.db.Query(ctx, q+order+` LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, errs.Wrapf(err, "employment: applications")
	}
	defer rows.Close()
	out := []Application{}
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "employment: applications")
		}
		out = append(out, a)
	}
	return out, errs.Wrapf(rows.Err(), "employment: applications")
}
