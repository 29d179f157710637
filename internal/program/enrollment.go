package program

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Beneficiary states. A proposal is approved into Enrolled or rejected into
// Rejected; an enrolled household may be suspended and reinstated, and
// leaves the program by Exited. Rejected and Exited are final.
const (
	Proposed  = "proposed"
	Enrolled  = "enrolled"
	Suspended = "suspended"
	Exited    = "exited"
	Rejected  = "rejected"
)

// ApprovalKind is the kind of the auth approvals that enrollment proposals
// create.
const ApprovalKind = "enrollment"

// Enrollment is one household in one program.
type Enrollment struct {
	ID           int64   `json:"id"`
	MemberID     int64   `json:"member_id"`
	ProgramID    int64   `json:"program_id"`
	HouseholdID  int64   `json:"household_id"`
	HouseholdRef string  `json:"household_ref"`
	RunID        int64   `json:"run_id"`      // the run the household was proposed from
	ApprovalID   int64   `json:"approval_id"` // the maker-checker approval of the proposal
	Status       string  `json:"status"`      // the current state
	Benefit      int64   `json:"benefit_minor"`
	StartDate    string  `json:"start_date,omitempty"` // first day enrolled, YYYY-MM-DD
	EndDate      string  `json:"end_date,omitempty"`   // day of exit, YYYY-MM-DD
	Events       []Event `json:"events,omitempty"`
	// StatusAt is the state on the date asked of EnrolledAt (Enrolled or
	// Suspended); empty elsewhere.
	StatusAt string `json:"status_at,omitempty"`
}

// Event is one change of an enrollment's state.
type Event struct {
	From          string    `json:"from"`
	To            string    `json:"to"`
	Reason        string    `json:"reason,omitempty"`
	EffectiveDate string    `json:"effective_date"` // YYYY-MM-DD
	ActorID       int64     `json:"actor_id"`
	At            time.Time `json:"at"`
}

// Suspensions returns the periods [from, to) in which the enrollment was
// suspended, from its events; to is "" for a suspension still running.
func (e Enrollment) Suspensions() [][2]string {
	var out [][2]string
	for _, ev := range e.Events {
		switch {
		case ev.To == Suspended:
			out = append(out, [2]string{ev.EffectiveDate, ""})
		case ev.From == Suspended && len(out) > 0:
			out[len(out)-1][1] = ev.EffectiveDate
		}
	}
	return out
}

// Proposal is what Propose created: one approval covering Count households.
type Proposal struct {
	ApprovalID int64 `json:"approval_id"`
	RunID      int64 `json:"run_id"`
	ProgramID  int64 `json:"program_id"`
	Count      int   `json:"count"`
	Skipped    int   `json:"skipped"` // selected households already enrolled or proposed
	// AlreadyOpen are the references of the households listed that were
	// left out because they are already proposed, enrolled or suspended in
	// the program: one of them does not block the others.
	AlreadyOpen []string `json:"already_open,omitempty"`
}

// Propose proposes households of run runID for enrollment in its program:
// the households listed, or, with allSelected, every selected household not
// already enrolled or proposed. Listed households must be eligible in the
// run; those that already have an open enrollment are left out and named
// in AlreadyOpen (Conflict only when every one listed is). The proposal is one approval
// (auth.Propose) that another person decides with Decide. The program must
// be active; the actor needs auth.EnrollPropose.
func (s *Service) Propose(ctx context.Context, runID int64, households []int64, allSelected bool) (Proposal, error) {
	r, err := s.finished(ctx, runID)
	if err != nil {
		return Proposal{}, err
	}
	if err := auth.RequireMember(ctx, auth.EnrollPropose, r.MemberID); err != nil {
		return Proposal{}, err
	}
	p, err := s.Get(ctx, r.ProgramID)
	if err != nil {
		return Proposal{}, err
	}
	if p.Status != Active {
		return Proposal{}, errs.E(errs.Conflict, "enrollment.program_not_active", "code", p.Code, "status", p.Status)
	}
	if !allSelected && len(households) == 0 {
		return Proposal{}, errs.E(errs.Invalid, "enrollment.none_chosen")
	}
	out := Proposal{RunID: runID, ProgramID: p.ID}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		out.Count, out.Skipped, out.AlreadyOpen = 0, 0, nil
		payload, _ := json.Marshal(map[string]any{"program_id": p.ID, "program": p.Code, "run_id": runID, "version": r.Version, "all_selected": allSelected, "households": len(households)})
		ap, err := auth.Propose(ctx, tx, r.MemberID, ApprovalKind, "program_run", idString(runID), string(payload))
		if err != nil {
			return err
		}
		out.ApprovalID = ap.ID
		now := s.now().UTC()
		insert := `INSERT INTO program_enrollments (member_id, program_id, household_id, household_ref, run_id, approval_id, status, benefit_minor, created_at, updated_at)
			SELECT d.member_id, CAST(? AS BIGINT), d.household_id, d.household_ref, d.run_id, CAST(? AS BIGINT), 'proposed', d.benefit_minor, ` + s.db.TimeArg() + `, ` + s.db.TimeArg() + `
			FROM program_decisions d
			WHERE d.run_id = ? AND NOT EXISTS (SELECT 1 FROM program_enrollments e WHERE e.program_id = ? AND e.household_id = d.household_id AND e.status IN ('proposed', 'enrolled', 'suspended'))`
		if allSelected {
			var total int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM program_decisions WHERE run_id = ? AND selected = ?`, runID, true).Scan(&total); err != nil {
				return errs.Wrapf(err, "program: propose from run %d", runID)
			}
			res, err := tx.Exec(ctx, insert+` AND d.selected = ?`, p.ID, ap.ID, now, now, runID, p.ID, true)
			if err != nil {
				return errs.Wrapf(err, "program: propose from run %d", runID)
			}
			n, _ := res.RowsAffected()
			out.Count, out.Skipped = int(n), total-int(n)
		} else {
			open, err := s.checkProposable(ctx, tx, r, p.ID, households)
			if err != nil {
				return err
			}
			out.AlreadyOpen = open
			for i := 0; i < len(households); i += 500 {
				part := households[i:min(i+500, len(households))]
				args := []any{p.ID, ap.ID, now, now, runID, p.ID}
				for _, h := range part {
					args = append(args, h)
				}
				res, err := tx.Exec(ctx, insert+` AND d.household_id IN (`+placeholders(len(part))+`)`, args...)
				if err != nil {
					return errs.Wrapf(err, "program: propose from run %d", runID)
				}
				n, _ := res.RowsAffected()
				out.Count += int(n)
			}
		}
		if !allSelected {
			out.Skipped = len(households) - out.Count
		}
		if out.Count == 0 && len(out.AlreadyOpen) > 0 {
			return errs.E(errs.Conflict, "enrollment.already_open", "household", strings.Join(out.AlreadyOpen, "، "))
		}
		if out.Count == 0 {
			return errs.E(errs.Invalid, "enrollment.none_chosen")
		}
		return s.recordEvents(ctx, tx, ap.ID, "", Proposed, "", now.Format(time.DateOnly), "program.enrollment.propose")
	})
	if err != nil {
		return Proposal{}, err
	}
	return out, nil
}

// checkProposable refuses households that are not eligible in run r,
// naming them, and returns the references of those that already have an
// open enrollment in the program, which the proposal leaves out.
func (s *Service) checkProposable(ctx context.Context, tx *db.Tx, r Run, programID int64, households []int64) ([]string, error) {
	seen := map[int64]bool{}
	for _, h := range households {
		if seen[h] {
			return nil, errs.E(errs.Invalid, "enrollment.duplicate", "household", h)
		}
		seen[h] = true
	}
	var open []string
	for i := 0; i < len(households); i += 500 {
		part := households[i:min(i+500, len(households))]
		args := []any{r.ID}
		for _, h := range part {
			args = append(args, h)
		}
		rows, err := tx.Query(ctx, `SELECT household_id, household_ref, eligible FROM program_decisions WHERE run_id = ? AND household_id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, errs.Wrapf(err, "program: check proposal")
		}
		found := map[int64]bool{}
		for rows.Next() {
			var id int64
			var ref string
			var eligible bool
			if err := rows.Scan(&id, &ref, &eligible); err != nil {
				rows.Close()
				return nil, errs.Wrapf(err, "program: check proposal")
			}
			found[id] = true
			if !eligible {
				rows.Close()
				return nil, errs.E(errs.Invalid, "enrollment.not_eligible", "household", ref)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrapf(err, "program: check proposal")
		}
		for _, h := range part {
			if !found[h] {
				return nil, errs.E(errs.Invalid, "enrollment.not_in_run", "household", h, "run", r.ID)
			}
		}
		args[0] = programID
		refs, err := openRefs(ctx, tx, args...)
		if err != nil {
			return nil, err
		}
		open = append(open, refs...)
	}
	return open, nil
}

// openRefs returns the references of the households (args[1:]) with an
// open enrollment in program args[0], ordered.
func openRefs(ctx context.Context, tx *db.Tx, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT household_ref FROM program_enrollments WHERE program_id = ? AND status IN ('proposed', 'enrolled', 'suspended') AND household_id IN (`+placeholders(len(args)-1)+`) ORDER BY household_ref`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "program: check proposal")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			return nil, errs.Wrapf(err, "program: check proposal")
		}
		out = append(out, ref)
	}
	return out, rows.Err()
}

// OpenEnrollments returns, of the households listed, those with an open
// enrollment (proposed, enrolled or suspended) in program programID, with
// its status: the run page disables them instead of letting a proposal
// name them. The actor needs auth.ProgramRead for the program's member.
func (s *Service) OpenEnrollments(ctx context.Context, programID int64, households []int64) (map[int64]string, error) {
	p, err := s.Get(ctx, programID)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for i := 0; i < len(households); i += 500 {
		part := households[i:min(i+500, len(households))]
		args := []any{p.ID}
		for _, h := range part {
			args = append(args, h)
		}
		rows, err := s.db.Query(ctx, `SELECT household_id, status FROM program_enrollments WHERE program_id = ? AND status IN ('proposed', 'enrolled', 'suspended') AND household_id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, errs.Wrapf(err, "program: open enrollments")
		}
		for rows.Next() {
			var h int64
			var st string
			if err := rows.Scan(&h, &st); err != nil {
				rows.Close()
				return nil, errs.Wrapf(err, "program: open enrollments")
			}
			out[h] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrapf(err, "program: open enrollments")
		}
	}
	return out, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// recordEvents adds an event from → to for every enrollment of approval
// apID now in state to, and one audit record per enrollment.
func (s *Service) recordEvents(ctx context.Context, tx *db.Tx, apID int64, from, to, reason, date, action string) error {
	now := s.now().UTC()
	a := actor.From(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO program_enrollment_events (member_id, enrollment_id, from_status, to_status, reason, effective_date, actor_id, at)
		SELECT member_id, id, ?, ?, ?, ?, CAST(? AS BIGINT), `+s.db.TimeArg()+` FROM program_enrollments WHERE approval_id = ? AND status = ?`, from, to, reason, date, a.UserID, now, apID, to); err != nil {
		return errs.Wrapf(err, "program: enrollment events of approval %d", apID)
	}
	rows, err := tx.Query(ctx, `SELECT `+enrollmentCols+` FROM program_enrollments WHERE approval_id = ? AND status = ? ORDER BY id`, apID, to)
	if err != nil {
		return errs.Wrapf(err, "program: enrollments of approval %d", apID)
	}
	var entries []audit.Entry
	for rows.Next() {
		e, err := scanEnrollment(rows)
		if err != nil {
			rows.Close()
			return errs.Wrapf(err, "program: enrollments of approval %d", apID)
		}
		entries = append(entries, audit.Entry{MemberID: e.MemberID, Action: action, EntityType: "program_enrollment", EntityID: idString(e.ID), State: e})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrapf(err, "program: enrollments of approval %d", apID)
	}
	return audit.Append(ctx, tx, entries...)
}

// Decide approves or rejects the enrollment proposal of approval apID as the
// actor in ctx, who needs auth.EnrollDecide and must not be the person who
// proposed it. Approval enrolls every household of the proposal from today
// (in the member's time zone); rejection needs a reason.
func (s *Service) Decide(ctx context.Context, apID int64, approve bool, reason string) (int, error) {
	var n int
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		ap, err := auth.Decide(ctx, tx, apID, approve, reason, auth.EnrollDecide)
		if err != nil {
			return err
		}
		if ap.Kind != ApprovalKind {
			return errs.E(errs.NotFound, "approval.not_found")
		}
		m, err := s.members.ByID(ctx, ap.MemberID)
		if err != nil {
			return err
		}
		today := s.now().In(m.Location()).Format(time.DateOnly)
		to, start, action := Rejected, "", "program.enrollment.reject"
		if approve {
			to, start, action = Enrolled, today, "program.enrollment.approve"
		}
		res, err := tx.Exec(ctx, `UPDATE program_enrollments SET status = ?, start_date = ?, updated_at = ? WHERE approval_id = ? AND status = 'proposed'`, to, start, s.now().UTC(), apID)
		if err != nil {
			return errs.Wrapf(err, "program: decide approval %d", apID)
		}
		c, _ := res.RowsAffected()
		n = int(c)
		return s.recordEvents(ctx, tx, apID, Proposed, to, ap.Reason, today, action)
	})
	return n, err
}

// moves lists the state changes Transition allows.
var moves = map[string][]string{
	Enrolled:  {Suspended, Exited},
	Suspended: {Enrolled, Exited},
}

// Transition moves enrollment id to state to (Suspended, Enrolled to
// reinstate, or Exited) from date (zero: today in the member's time zone),
// with a reason. A date before the enrollment's last change is refused so
// that the history stays in order. The actor needs auth.ProgramManage.
func (s *Service) Transition(ctx context.Context, id int64, to, reason string, date time.Time) (Enrollment, error) {
	e, err := s.Enrollment(ctx, id)
	if err != nil {
		return Enrollment{}, err
	}
	if err := auth.RequireMember(ctx, auth.ProgramManage, e.MemberID); err != nil {
		return Enrollment{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Enrollment{}, errs.E(errs.Invalid, "enrollment.reason_required").WithField("reason", "enrollment.reason_required")
	}
	m, err := s.members.ByID(ctx, e.MemberID)
	if err != nil {
		return Enrollment{}, err
	}
	if date.IsZero() {
		date = s.now().In(m.Location())
	}
	day := date.Format(time.DateOnly)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		cur, err := scanEnrollment(tx.QueryRow(ctx, `SELECT `+enrollmentCols+` FROM program_enrollments WHERE id = ?`, id))
		if err != nil {
			return errs.Wrapf(err, "program: enrollment %d", id)
		}
		ok := false
		for _, t := range moves[cur.Status] {
			ok = ok || t == to
		}
		if !ok {
			return errs.E(errs.Conflict, "enrollment.transition", "from", cur.Status, "to", to)
		}
		var last string
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(effective_date), '') FROM program_enrollment_events WHERE enrollment_id = ?`, id).Scan(&last); err != nil {
			return errs.Wrapf(err, "program: enrollment %d", id)
		}
		if day < last {
			return errs.E(errs.Invalid, "enrollment.date_before_last", "date", day, "last", last)
		}
		end := cur.EndDate
		if to == Exited {
			end = day
		}
		now := s.now().UTC()
		res, err := tx.Exec(ctx, `UPDATE program_enrollments SET status = ?, end_date = ?, updated_at = ? WHERE id = ? AND status = ?`, to, end, now, id, cur.Status)
		if err != nil {
			return errs.Wrapf(err, "program: enrollment %d", id)
		}
		// Another transition may have changed the status since it was
		// read (PostgreSQL reads without locking): only the one that
		// changed the row writes its event and audit record.
		if n, err := res.RowsAffected(); err != nil {
			return errs.Wrapf(err, "program: enrollment %d", id)
		} else if n != 1 {
			return errs.E(errs.Conflict, "enrollment.changed_meanwhile")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO program_enrollment_events (member_id, enrollment_id, from_status, to_status, reason, effective_date, actor_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			cur.MemberID, id, cur.Status, to, reason, day, actor.From(ctx).UserID, now); err != nil {
			return errs.Wrapf(err, "program: enrollment %d", id)
		}
		cur.Status, cur.EndDate = to, end
		e = cur
		return audit.Append(ctx, tx, audit.Entry{MemberID: cur.MemberID, Action: "program.enrollment." + to, EntityType: "program_enrollment", EntityID: idString(id), State: map[string]any{"enrollment": cur, "reason": reason, "date": day}})
	})
	if err != nil {
		return Enrollment{}, err
	}
	return s.Enrollment(ctx, id)
}

const enrollmentCols = `id, member_id, program_id, household_id, household_ref, run_id, approval_id, status, benefit_minor, start_date, end_date`

func scanEnrollment(row interface{ Scan(...any) error }) (Enrollment, error) {
	var e Enrollment
	err := row.Scan(&e.ID, &e.MemberID, &e.ProgramID, &e.HouseholdID, &e.HouseholdRef, &e.RunID, &e.ApprovalID, &e.Status, &e.Benefit, &e.StartDate, &e.EndDate)
	return e, err
}

// Enrollment returns enrollment id with its history.
func (s *Service) Enrollment(ctx context.Context, id int64) (Enrollment, error) {
	if err := auth.Require(ctx, auth.ProgramRead); err != nil {
		return Enrollment{}, err
	}
	e, err := scanEnrollment(s.db.QueryRow(ctx, `SELECT `+enrollmentCols+` FROM program_enrollments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Enrollment{}, errs.E(errs.NotFound, "enrollment.not_found", "id", id)
	}
	if err != nil {
		return Enrollment{}, errs.Wrapf(err, "program: enrollment %d", id)
	}
	if m, all := auth.MemberScope(ctx); !all && m != e.MemberID {
		return Enrollment{}, errs.E(errs.NotFound, "enrollment.not_found", "id", id)
	}
	if e.Events, err = s.events(ctx, id); err != nil {
		return Enrollment{}, err
	}
	return e, nil
}

func (s *Service) events(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.db.Query(ctx, `SELECT from_status, to_status, reason, effective_date, actor_id, at FROM program_enrollment_events WHERE enrollment_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, errs.Wrapf(err, "program: events of enrollment %d", id)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		if err := rows.Scan(&ev.From, &ev.To, &ev.Reason, &ev.EffectiveDate, &ev.ActorID, &ev.At); err != nil {
			return nil, errs.Wrapf(err, "program: events of enrollment %d", id)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// EnrollmentFilter selects enrollments for Enrollments.
type EnrollmentFilter struct {
	ProgramID   int64
	HouseholdID int64
	ApprovalID  int64
	Status      string
	Limit       int // 0: 1000
	Offset      int
}

// Enrollments lists the enrollments of the actor's member(s) that f
// selects, newest first, each with its history when HouseholdID is set (the
// household page's enrollment history).
func (s *Service) Enrollments(ctx context.Context, f EnrollmentFilter) ([]Enrollment, error) {
	if err := auth.Require(ctx, auth.ProgramRead); err != nil {
		return nil, err
	}
	q := `SELECT ` + enrollmentCols + ` FROM program_enrollments WHERE 1=1`
	var args []any
	if m, all := auth.MemberScope(ctx); !all {
		q += ` AND member_id = ?`
		args = append(args, m)
	}
	for _, c := range []struct {
		col string
		v   int64
	}{{"program_id", f.ProgramID}, {"household_id", f.HouseholdID}, {"approval_id", f.ApprovalID}} {
		if c.v != 0 {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	q += ` ORDER BY id DESC LIMIT ? OFFSET ?`
	args = append(args, f.Limit, f.Offset)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "program: enrollments")
	}
	var out []Enrollment
	for rows.Next() {
		e, err := scanEnrollment(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "program: enrollments")
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "program: enrollments")
	}
	if f.HouseholdID != 0 {
		for i := range out {
			if out[i].Events, err = s.events(ctx, out[i].ID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// EachEnrolledAt streams, in household order, the enrollments of program
// id that were enrolled or suspended on date (their StatusAt), with their
// full history so that a payment cycle can prorate by start, end and
// suspension dates. The actor needs auth.ProgramRead.
func (s *Service) EachEnrolledAt(ctx context.Context, programID int64, date time.Time, fn func(Enrollment) error) error {
	if _, err := s.Get(ctx, programID); err != nil {
		return err
	}
	day := date.Format(time.DateOnly)
	rows, err := s.db.Query(ctx, `SELECT e.id, e.member_id, e.program_id, e.household_id, e.household_ref, e.run_id, e.approval_id, e.status, e.benefit_minor, e.start_date, e.end_date,
			v.from_status, v.to_status, v.reason, v.effective_date, v.actor_id, v.at
		FROM program_enrollments e JOIN program_enrollment_events v ON v.enrollment_id = e.id
		WHERE e.program_id = ? AND e.status IN ('enrolled', 'suspended', 'exited') AND e.start_date <> '' AND e.start_date <= ?
		ORDER BY e.household_id, e.id, v.id`, programID, day)
	if err != nil {
		return errs.Wrapf(err, "program: enrolled at %s", day)
	}
	defer rows.Close()
	var cur Enrollment
	emit := func() error {
		if cur.ID == 0 {
			return nil
		}
		cur.StatusAt = statusAt(cur.Events, day)
		if cur.StatusAt == Enrolled || cur.StatusAt == Suspended {
			return fn(cur)
		}
		return nil
	}
	for rows.Next() {
		var e Enrollment
		var ev Event
		if err := rows.Scan(&e.ID, &e.MemberID, &e.ProgramID, &e.HouseholdID, &e.HouseholdRef, &e.RunID, &e.ApprovalID, &e.Status, &e.Benefit, &e.StartDate, &e.EndDate,
			&ev.From, &ev.To, &ev.Reason, &ev.EffectiveDate, &ev.ActorID, &ev.At); err != nil {
			return errs.Wrapf(err, "program: enrolled at %s", day)
		}
		if e.ID != cur.ID {
			if err := emit(); err != nil {
				return err
			}
			cur = e
		}
		cur.Events = append(cur.Events, ev)
	}
	if err := rows.Err(); err != nil {
		return errs.Wrapf(err, "program: enrolled at %s", day)
	}
	return emit()
}

// EnrolledAt is EachEnrolledAt collected in a slice.
func (s *Service) EnrolledAt(ctx context.Context, programID int64, date time.Time) ([]Enrollment, error) {
	var out []Enrollment
	err := s.EachEnrolledAt(ctx, programID, date, func(e Enrollment) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

// statusAt returns the state after the last event effective on or before
// day.
func statusAt(evs []Event, day string) string {
	st := ""
	for _, ev := range evs {
		if ev.EffectiveDate <= day {
			st = ev.To
		}
	}
	return st
}
