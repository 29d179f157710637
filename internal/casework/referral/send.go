package referral

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// Referral statuses. A referral is sent, then accepted or declined by
// whoever it was sent to; an accepted one leads to the service being
// delivered; any referral is closed with an outcome. Until it is closed it
// has a follow-up date.
const (
	Sent      = "sent"
	Accepted  = "accepted"
	Declined  = "declined"
	Delivered = "service_delivered"
	Closed    = "closed"
)

// Statuses lists the statuses in order.
var Statuses = []string{Sent, Accepted, Declined, Delivered, Closed}

// next holds the allowed moves. Closing is allowed from every open status
// (a provider that never answers must not keep a referral open forever),
// but never without an outcome.
var next = map[string][]string{
	Sent:      {Accepted, Declined, Closed},
	Accepted:  {Delivered, Closed},
	Delivered: {Closed},
	Declined:  {Closed},
}

// CanMove reports whether a referral may go from status from to to.
func CanMove(from, to string) bool { return slices.Contains(next[from], to) }

// Outcomes are the outcomes a referral is closed with.
var Outcomes = []string{"service_received", "partially_received", "not_received", "no_longer_needed", "client_refused", "other"}

// Targets: a referral goes to a user or office of the member (internal) or
// to a provider of the directory (external).
const (
	Internal = "internal"
	External = "external"
)

// Referral is a case's referral to a basic service.
type Referral struct {
	ID            int64     `json:"id"`
	MemberID      int64     `json:"member_id"`
	CaseID        int64     `json:"case_id"`
	CaseNumber    string    `json:"case_number,omitempty"`
	OfficeID      int64     `json:"office_id,omitempty"`
	OwnerID       int64     `json:"case_owner_id,omitempty"`
	SupervisorID  int64     `json:"case_supervisor_id,omitempty"`
	Service       string    `json:"service"`
	Target        string    `json:"target"`
	ToUserID      int64     `json:"to_user_id,omitempty"`
	ToOfficeID    int64     `json:"to_office_id,omitempty"`
	ProviderID    int64     `json:"provider_id,omitempty"`
	ProviderName  string    `json:"provider_name,omitempty"`
	AreaCode      string    `json:"area_code,omitempty"`
	AreaConfirmed bool      `json:"area_confirmed,omitempty"` // sent to a provider that does not cover the case's area, confirmed
	Reason        string    `json:"reason,omitempty"`
	Status        string    `json:"status"`
	FollowUpDue   time.Time `json:"follow_up_due,omitzero"` // the day (its start, in the member's zone); zero once closed
	EscalateAt    time.Time `json:"escalate_at,omitzero"`
	EscalatedAt   time.Time `json:"escalated_at,omitzero"`
	EscalatedTo   int64     `json:"escalated_to,omitempty"`
	Outcome       string    `json:"outcome,omitempty"`
	OutcomeNote   string    `json:"outcome_note,omitempty"`
	Version       int64     `json:"version"`
	SentBy        int64     `json:"sent_by"`
	SentAt        time.Time `json:"sent_at"`
	ClosedAt      time.Time `json:"closed_at,omitzero"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Overdue and Escalated are computed when read.
	Overdue   bool `json:"overdue"`
	Escalated bool `json:"escalated"`
}

// Open reports whether the referral still needs following up.
func (r Referral) Open() bool { return r.Status != Closed }

// Receiver reports whether the actor in ctx is the colleague an internal
// referral was sent to.
func (r Referral) Receiver(ctx context.Context) bool {
	a := actor.From(ctx)
	return r.ToUserID != 0 && a.UserID == r.ToUserID && a.MemberID == r.MemberID
}

// Event is one change of a referral: a status move, a follow-up, an
// escalation.
type Event struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	ActorID int64     `json:"actor_id"`
	Kind    string    `json:"kind"` // "sent", "status", "followup", "escalation"
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Outcome string    `json:"outcome,omitempty"`
	Note    string    `json:"note,omitempty"`
}

// SendInput is a new referral.
type SendInput struct {
	CaseID      int64  `json:"case_id"`
	Service     string `json:"service"`
	Target      string `json:"target"`
	ToUserID    int64  `json:"to_user_id,omitempty"`
	ToOfficeID  int64  `json:"to_office_id,omitempty"`
	ProviderID  int64  `json:"provider_id,omitempty"`
	Reason      string `json:"reason,omitempty"`
	FollowUpDue string `json:"follow_up_due"` // YYYY-MM-DD, required, today or later
	// ConfirmArea confirms a referral to a provider that does not cover
	// the case's area; without it such a referral is refused (a conflict
	// naming the field confirm_area) and nothing is saved.
	ConfirmArea bool `json:"confirm_area,omitempty"`
}

// ErrAreaNotCovered is the key of the warning that a provider does not
// cover the case's area.
const ErrAreaNotCovered = "referral.area_not_covered"

// Send refers case in.CaseID to a service (case.write on the case).
func (s *Service) Send(ctx context.Context, in SendInput) (Referral, error) {
	in.Service, in.Target, in.Reason, in.FollowUpDue = strings.TrimSpace(in.Service), strings.TrimSpace(in.Target), strings.TrimSpace(in.Reason), strings.TrimSpace(in.FollowUpDue)
	ref, err := s.caseRef(ctx, in.CaseID, true)
	if err != nil {
		return Referral{}, err
	}
	loc, _, err := s.zone(ctx, ref.MemberID)
	if err != nil {
		return Referral{}, err
	}
	now := s.now()
	e := errs.E(errs.Invalid, "error.invalid_input")
	if !slices.Contains(care.Services, in.Service) {
		e.WithField("service", "referral.service_unknown", "service", in.Service)
	}
	due, ok := dayStart(in.FollowUpDue, loc)
	switch {
	case in.FollowUpDue == "":
		e.WithField("follow_up_due", "referral.followup_required")
	case !ok:
		e.WithField("follow_up_due", "referral.date_invalid")
	case overdue(due, now, loc):
		e.WithField("follow_up_due", "referral.date_past")
	case due.After(now.AddDate(1, 0, 0)):
		e.WithField("follow_up_due", "referral.date_far")
	}
	if runes(in.Reason) > maxText {
		e.WithField("reason", "referral.too_long", "max", maxText)
	}
	switch in.Target {
	case Internal:
		in.ProviderID = 0
		if in.ToUserID == 0 && in.ToOfficeID == 0 {
			e.WithField("to_user_id", "referral.internal_target_required")
		}
		if in.ToOfficeID < 0 {
			e.WithField("to_office_id", "referral.office_invalid")
		}
	case External:
		in.ToUserID, in.ToOfficeID = 0, 0
		if in.ProviderID == 0 {
			e.WithField("provider_id", "referral.provider_required")
		}
	default:
		e.WithField("target", "referral.target_unknown")
	}
	if len(e.Fields) > 0 {
		return Referral{}, e
	}
	r := Referral{MemberID: ref.MemberID, CaseID: ref.ID, CaseNumber: ref.Number, OfficeID: ref.OfficeID, OwnerID: ref.OwnerID, SupervisorID: ref.SupervisorID,
		Service: in.Service, Target: in.Target, ToUserID: in.ToUserID, ToOfficeID: in.ToOfficeID, ProviderID: in.ProviderID, AreaCode: ref.AreaCode,
		Reason: in.Reason, Status: Sent, FollowUpDue: due, Version: 1, SentBy: actorID(ctx), SentAt: now, UpdatedAt: now}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if r.ToUserID != 0 {
			if err := userOf(ctx, tx, r.MemberID, r.ToUserID, "to_user_id"); err != nil {
				return err
			}
		}
		if r.ToOfficeID != 0 && s.office != nil {
			ok, err := s.office(ctx, r.MemberID, r.ToOfficeID)
			if err != nil {
				return err
			}
			if !ok {
				return errs.E(errs.Invalid, "error.invalid_input").WithField("to_office_id", "referral.office_invalid")
			}
		}
		if r.ProviderID != 0 {
			p, err := provider(ctx, tx, r.ProviderID)
			if err != nil || p.MemberID != r.MemberID {
				return errs.E(errs.Invalid, "error.invalid_input").WithField("provider_id", "referral.provider_not_found")
			}
			if !p.Active {
				return errs.E(errs.Invalid, "error.invalid_input").WithField("provider_id", "referral.provider_inactive")
			}
			ps := []Provider{p}
			if err := s.fill(ctx, ps); err != nil {
				return err
			}
			p = ps[0]
			if !slices.Contains(p.Services, r.Service) {
				return errs.E(errs.Invalid, "error.invalid_input").WithField("provider_id", "referral.provider_no_service", "provider", p.NameAR)
			}
			areas, err := s.areaMap(ctx, r.MemberID)
			if err != nil {
				return err
			}
			if !Covers(p, areas, r.AreaCode) {
				if !in.ConfirmArea {
					lang := actor.From(ctx).Lang
					name, area := p.NameAR, areas[r.AreaCode].NameAR
					if lang == i18n.EN {
						name, area = cmp.Or(p.NameEN, name), cmp.Or(areas[r.AreaCode].NameEN, area)
					}
					area = cmp.Or(area, r.AreaCode)
					return errs.E(errs.Conflict, ErrAreaNotCovered, "provider", name, "area", area).WithField("confirm_area", ErrAreaNotCovered, "provider", name, "area", area)
				}
				r.AreaConfirmed = true
			}
			r.ProviderName = p.NameAR
		}
		st, err := settings(ctx, tx, r.MemberID)
		if err != nil {
			return err
		}
		_, weekend, err := s.zone(ctx, r.MemberID)
		if err != nil {
			return err
		}
		r.EscalateAt = escalateAt(st, r.FollowUpDue, loc, weekend)
		r.ID, err = tx.InsertID(ctx, `INSERT INTO referral_referrals (member_id, case_id, case_number, office_id, case_owner_id, case_supervisor_id, service, target,
			to_user_id, to_office_id, provider_id, area_code, area_confirmed, reason, status, follow_up_due, escalate_at, version, sent_by, sent_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.MemberID, r.CaseID, r.CaseNumber, r.OfficeID, r.OwnerID, r.SupervisorID, r.Service, r.Target,
			nullID(r.ToUserID), r.ToOfficeID, nullID(r.ProviderID), r.AreaCode, r.AreaConfirmed, r.Reason, r.Status, r.FollowUpDue, r.EscalateAt, r.Version, r.SentBy, r.SentAt, r.UpdatedAt)
		if err != nil {
			return err
		}
		note := r.Reason
		if err := event(ctx, tx, r, "sent", "", Sent, "", note); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: r.MemberID, Action: "referral.send", EntityType: "referral", EntityID: id(r.ID), State: r})
	})
	if err != nil {
		return Referral{}, errs.Wrapf(err, "referral: send")
	}
	return r, nil
}

// escalateAt returns when a follow-up due on the day starting at due is
// escalated: once it is st.EscalateDays working days late.
func escalateAt(st Settings, due time.Time, loc *time.Location, weekend [2]time.Weekday) time.Time {
	return calendar.AddWorkingDays(due.In(loc).AddDate(0, 0, 1), st.EscalateDays, loc, weekend)
}

func event(ctx context.Context, tx *db.Tx, r Referral, kind, from, to, outcome, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO referral_events (member_id, referral_id, at, actor_id, kind, from_status, to_status, outcome, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.MemberID, r.ID, r.UpdatedAt, actorID(ctx), kind, from, to, outcome, note)
	return err
}

const referralCols = `r.id, r.member_id, r.case_id, r.case_number, r.office_id, r.case_owner_id, r.case_supervisor_id, r.service, r.target,
	COALESCE(r.to_user_id, 0), r.to_office_id, COALESCE(r.provider_id, 0), COALESCE(p.name_ar, ''), r.area_code, r.area_confirmed, r.reason, r.status,
	r.follow_up_due, r.escalate_at, r.escalated_at, r.escalated_to, r.outcome, r.outcome_note, r.version, r.sent_by, r.sent_at, r.closed_at, r.updated_at`

const referralFrom = ` FROM referral_referrals r LEFT JOIN referral_providers p ON p.id = r.provider_id`

func scanReferral(row interface{ Scan(...any) error }) (Referral, error) {
	var r Referral
	var due, esc, escd, closed sql.NullTime
	err := row.Scan(&r.ID, &r.MemberID, &r.CaseID, &r.CaseNumber, &r.OfficeID, &r.OwnerID, &r.SupervisorID, &r.Service, &r.Target,
		&r.ToUserID, &r.ToOfficeID, &r.ProviderID, &r.ProviderName, &r.AreaCode, &r.AreaConfirmed, &r.Reason, &r.Status,
		&due, &esc, &escd, &r.EscalatedTo, &r.Outcome, &r.OutcomeNote, &r.Version, &r.SentBy, &r.SentAt, &closed, &r.UpdatedAt)
	r.FollowUpDue, r.EscalateAt, r.EscalatedAt, r.ClosedAt = timeOf(due), timeOf(esc), timeOf(escd), timeOf(closed)
	r.SentAt, r.UpdatedAt = r.SentAt.UTC(), r.UpdatedAt.UTC()
	r.Escalated = !r.EscalatedAt.IsZero()
	return r, err
}

func getReferral(ctx context.Context, q auth.Querier, rid int64) (Referral, error) {
	r, err := scanReferral(q.QueryRow(ctx, `SELECT `+referralCols+referralFrom+` WHERE r.id = ?`, rid))
	if errors.Is(err, sql.ErrNoRows) {
		return Referral{}, errs.E(errs.NotFound, "referral.not_found")
	}
	if err != nil {
		return Referral{}, errs.Wrapf(err, "referral: get %d", rid)
	}
	return r, nil
}

// load reads referral rid and checks the actor may see (write: change)
// its case: another member's referral is not found, whether or not the
// cases are wired.
func (s *Service) load(ctx context.Context, rid int64, write bool) (Referral, care.Ref, error) {
	r, err := getReferral(ctx, s.db, rid)
	if err != nil {
		return Referral{}, care.Ref{}, err
	}
	if err := auth.RequireMember(ctx, auth.CaseRead, r.MemberID); err != nil {
		return Referral{}, care.Ref{}, err
	}
	var ref care.Ref
	if r.Receiver(ctx) {
		// The colleague a referral was sent to reads it and answers it
		// (accepts, declines, says the service was delivered) without
		// access to the case itself.
		if write {
			if err := auth.RequireMember(ctx, auth.CaseWrite, r.MemberID); err != nil {
				return Referral{}, care.Ref{}, err
			}
		}
		ref = care.Ref{ID: r.CaseID, MemberID: r.MemberID, Number: r.CaseNumber, OwnerID: r.OwnerID, SupervisorID: r.SupervisorID, OfficeID: r.OfficeID}
	} else if ref, err = s.ref(ctx, r.CaseID, write); err != nil {
		return Referral{}, care.Ref{}, err
	}
	loc, _, err := s.zone(ctx, r.MemberID)
	if err != nil {
		return Referral{}, care.Ref{}, err
	}
	r.Overdue = r.Open() && overdue(r.FollowUpDue, s.now(), loc)
	return r, ref, nil
}

// Referral returns referral rid with its history (case.read on its case).
func (s *Service) Referral(ctx context.Context, rid int64) (Referral, []Event, error) {
	r, _, err := s.load(ctx, rid, false)
	if err != nil {
		return Referral{}, nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, at, actor_id, kind, from_status, to_status, outcome, note FROM referral_events WHERE referral_id = ? ORDER BY id`, rid)
	if err != nil {
		return Referral{}, nil, errs.Wrapf(err, "referral: history")
	}
	defer rows.Close()
	evs := []Event{}
	for rows.Next() {
		var ev Event
		if err := rows.Scan(&ev.ID, &ev.At, &ev.ActorID, &ev.Kind, &ev.From, &ev.To, &ev.Outcome, &ev.Note); err != nil {
			return Referral{}, nil, errs.Wrapf(err, "referral: history")
		}
		ev.At = ev.At.UTC()
		evs = append(evs, ev)
	}
	return r, evs, errs.Wrapf(rows.Err(), "referral: history")
}

// CaseReferrals returns the referrals of case caseID, newest first.
func (s *Service) CaseReferrals(ctx context.Context, caseID int64) ([]Referral, error) {
	ref, err := s.caseRef(ctx, caseID, false)
	if err != nil {
		return nil, err
	}
	loc, _, err := s.zone(ctx, ref.MemberID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	rows, err := s.db.Query(ctx, `SELECT `+referralCols+referralFrom+` WHERE r.member_id = ? AND r.case_id = ? ORDER BY r.id DESC`, ref.MemberID, ref.ID)
	if err != nil {
		return nil, errs.Wrapf(err, "referral: case referrals")
	}
	defer rows.Close()
	out := []Referral{}
	for rows.Next() {
		r, err := scanReferral(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "referral: case referrals")
		}
		r.Overdue = r.Open() && overdue(r.FollowUpDue, now, loc)
		out = append(out, r)
	}
	return out, errs.Wrapf(rows.Err(), "referral: case referrals")
}

// Change moves a referral to another status.
type Change struct {
	To          string `json:"to"`
	BaseVersion int64  `json:"version"`                 // the version the user saw; 0 when unknown
	Note        string `json:"note,omitempty"`          // for the history
	Outcome     string `json:"outcome,omitempty"`       // required to close: one of Outcomes
	OutcomeNote string `json:"outcome_note,omitempty"`  // required with outcome "other"
	FollowUpDue string `json:"follow_up_due,omitempty"` // YYYY-MM-DD: the next follow-up; empty keeps the date
}

// Move changes referral rid's status (case.write on its case). A move the
// states do not allow, closing without an outcome, and a referral changed
// since c.BaseVersion are refused, and nothing is written.
func (s *Service) Move(ctx context.Context, rid int64, c Change) (Referral, error) {
	c.To, c.Note, c.Outcome, c.OutcomeNote, c.FollowUpDue = strings.TrimSpace(c.To), strings.TrimSpace(c.Note), strings.TrimSpace(c.Outcome), strings.TrimSpace(c.OutcomeNote), strings.TrimSpace(c.FollowUpDue)
	r, ref, err := s.load(ctx, rid, true)
	if err != nil {
		return Referral{}, err
	}
	loc, weekend, err := s.zone(ctx, r.MemberID)
	if err != nil {
		return Referral{}, err
	}
	now := s.now()
	e := errs.E(errs.Invalid, "error.invalid_input")
	if !slices.Contains(Statuses, c.To) {
		e.WithField("to", "referral.status_unknown")
	}
	if c.To == Closed {
		switch {
		case c.Outcome == "":
			e.WithField("outcome", "referral.outcome_required")
		case !slices.Contains(Outcomes, c.Outcome):
			e.WithField("outcome", "referral.outcome_unknown")
		case c.Outcome == "other" && c.OutcomeNote == "":
			e.WithField("outcome_note", "referral.outcome_note_required")
		}
	}
	var due time.Time
	if c.FollowUpDue != "" && c.To != Closed {
		var ok bool
		if due, ok = dayStart(c.FollowUpDue, loc); !ok {
			e.WithField("follow_up_due", "referral.date_invalid")
		} else if overdue(due, now, loc) {
			e.WithField("follow_up_due", "referral.date_past")
		}
	}
	if runes(c.Note) > maxText || runes(c.OutcomeNote) > maxText {
		e.WithField("note", "referral.too_long", "max", maxText)
	}
	if len(e.Fields) > 0 {
		return Referral{}, e
	}
	if c.BaseVersion != 0 && c.BaseVersion != r.Version {
		return Referral{}, errs.E(errs.Conflict, "referral.changed")
	}
	if r.Receiver(ctx) && c.To == Closed {
		if _, err := s.ref(ctx, r.CaseID, true); err != nil {
			return Referral{}, errs.E(errs.Forbidden, "referral.receiver_cannot_close")
		}
	}
	if !CanMove(r.Status, c.To) {
		lang := actor.From(ctx).Lang
		return Referral{}, errs.E(errs.Invalid, "referral.move_refused", "from", i18n.T(lang, "referral.status."+r.Status, nil), "to", i18n.T(lang, "referral.status."+c.To, nil))
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		n := r
		from := r.Status
		n.Status, n.UpdatedAt = c.To, now
		n.OwnerID, n.SupervisorID, n.OfficeID = ref.OwnerID, ref.SupervisorID, ref.OfficeID
		if c.To == Closed {
			n.Outcome, n.OutcomeNote, n.ClosedAt = c.Outcome, c.OutcomeNote, now
			n.FollowUpDue, n.EscalateAt, n.EscalatedAt, n.EscalatedTo = time.Time{}, time.Time{}, time.Time{}, 0
		} else if !due.IsZero() {
			st, err := settings(ctx, tx, r.MemberID)
			if err != nil {
				return err
			}
			n.FollowUpDue, n.EscalateAt, n.EscalatedAt, n.EscalatedTo = due, escalateAt(st, due, loc, weekend), time.Time{}, 0
		}
		if err := s.save(ctx, tx, &n, r.Version); err != nil {
			return err
		}
		if err := event(ctx, tx, n, "status", from, n.Status, n.Outcome, strings.TrimSpace(c.Note+" "+c.OutcomeNote)); err != nil {
			return err
		}
		r = n
		return audit.Append(ctx, tx, audit.Entry{MemberID: r.MemberID, Action: "referral.status." + r.Status, EntityType: "referral", EntityID: id(r.ID), State: r})
	})
	if err != nil {
		return Referral{}, errs.Wrapf(err, "referral: move")
	}
	r.Overdue = r.Open() && overdue(r.FollowUpDue, now, loc)
	r.Escalated = !r.EscalatedAt.IsZero()
	return r, nil
}

// save writes r's changeable columns if it still has version base, and
// moves r to the next version.
func (s *Service) save(ctx context.Context, tx *db.Tx, r *Referral, base int64) error {
	res, err := tx.Exec(ctx, `UPDATE referral_referrals SET status = ?, follow_up_due = ?, escalate_at = ?, escalated_at = ?, escalated_to = ?,
		outcome = ?, outcome_note = ?, closed_at = ?, case_owner_id = ?, case_supervisor_id = ?, office_id = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`,
		r.Status, nullTime(r.FollowUpDue), nullTime(r.EscalateAt), nullTime(r.EscalatedAt), r.EscalatedTo,
		r.Outcome, r.OutcomeNote, nullTime(r.ClosedAt), r.OwnerID, r.SupervisorID, r.OfficeID, r.UpdatedAt, r.ID, base)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "referral.changed")
	}
	r.Version = base + 1
	return nil
}
