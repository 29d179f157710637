package referral

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Follow-up outcomes. Each but Completed moves the next follow-up date on
// by the member's interval for the case's risk level; Completed, recorded
// once the service was delivered, closes the follow-up and the referral
// (outcome "service_received").
const (
	FollowWaiting     = "waiting"     // the service has not started
	FollowInProgress  = "in_progress" // the service is going on
	FollowUnreachable = "unreachable" // the family or the provider could not be reached
	FollowCompleted   = "completed"   // the service was received: nothing more to follow
)

// FollowUpOutcomes lists the follow-up outcomes.
var FollowUpOutcomes = []string{FollowWaiting, FollowInProgress, FollowUnreachable, FollowCompleted}

// FollowUp is one recorded follow-up of a referral.
type FollowUp struct {
	ID         int64     `json:"id"`
	MemberID   int64     `json:"member_id"`
	ReferralID int64     `json:"referral_id"`
	CaseID     int64     `json:"case_id"`
	ClientID   string    `json:"client_id"`
	Outcome    string    `json:"outcome"`
	Note       string    `json:"note,omitempty"`
	At         time.Time `json:"at"`
	NextDue    time.Time `json:"next_due,omitzero"`
	RecordedBy int64     `json:"recorded_by"`
}

// RecordFollowUp records the outcome of a follow-up of referral
// in.ReferralID (case.write on its case). It is idempotent on (member,
// in.ClientID): a second call stores nothing and returns the first id
// with dup true. in.BaseVersion is the referral's version the worker saw
// (Referral.Version; 0 when unknown): when the referral changed since, or
// was closed, the error is a conflict and nothing is written. The outcome
// moves the next follow-up date, or closes the follow-up (FollowCompleted).
func (s *Service) RecordFollowUp(ctx context.Context, in care.FollowUpInput) (int64, bool, error) {
	in.ClientID, in.Outcome, in.Note = strings.TrimSpace(in.ClientID), strings.TrimSpace(in.Outcome), strings.TrimSpace(in.Note)
	e := errs.E(errs.Invalid, "error.invalid_input")
	if in.ClientID == "" || len(in.ClientID) > 64 {
		e.WithField("client_id", "referral.client_id_required")
	}
	switch {
	case in.Outcome == "":
		e.WithField("outcome", "referral.followup_outcome_required")
	case !slices.Contains(FollowUpOutcomes, in.Outcome):
		e.WithField("outcome", "referral.followup_outcome_unknown")
	}
	if runes(in.Note) > maxText {
		e.WithField("note", "referral.too_long", "max", maxText)
	}
	if len(e.Fields) > 0 {
		return 0, false, e
	}
	// A repeat is answered before anything else: the first call's answer
	// stands even if the referral has moved on since.
	r0, err := getReferral(ctx, s.db, in.ReferralID)
	if err != nil {
		return 0, false, err
	}
	if in.CaseID != 0 && in.CaseID != r0.CaseID {
		return 0, false, errs.E(errs.NotFound, "referral.not_found")
	}
	if fid, ok, err := s.followUpByClient(ctx, r0.MemberID, in.ClientID); err != nil || ok {
		if ok {
			if _, _, err := s.load(ctx, in.ReferralID, false); err != nil {
				return 0, false, err
			}
		}
		return fid, ok, err
	}
	r, ref, err := s.load(ctx, in.ReferralID, true)
	if err != nil {
		return 0, false, err
	}
	if !r.Open() || (in.BaseVersion != 0 && in.BaseVersion != r.Version) {
		return 0, false, errs.E(errs.Conflict, "referral.followup_stale")
	}
	if in.Outcome == FollowCompleted && r.Receiver(ctx) {
		if _, err := s.ref(ctx, r.CaseID, true); err != nil {
			return 0, false, errs.E(errs.Forbidden, "referral.receiver_cannot_close")
		}
	}
	if in.Outcome == FollowCompleted && r.Status != Delivered {
		return 0, false, errs.E(errs.Invalid, "error.invalid_input").WithField("outcome", "referral.followup_not_delivered")
	}
	loc, weekend, err := s.zone(ctx, r.MemberID)
	if err != nil {
		return 0, false, err
	}
	now := s.now()
	at := in.At.UTC().Truncate(time.Microsecond)
	if at.IsZero() || at.After(now) {
		at = now
	}
	var fid int64
	dup := false
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		dup = false
		if got, ok, err := s.followUpByClient(ctx, r.MemberID, in.ClientID); err != nil || ok {
			fid, dup = got, ok
			return err
		}
		st, err := settings(ctx, tx, r.MemberID)
		if err != nil {
			return err
		}
		n := r
		n.UpdatedAt = now
		n.OwnerID, n.SupervisorID, n.OfficeID = ref.OwnerID, ref.SupervisorID, ref.OfficeID
		if in.Outcome == FollowCompleted {
			n.Status, n.Outcome, n.OutcomeNote, n.ClosedAt = Closed, "service_received", in.Note, now
			n.FollowUpDue, n.EscalateAt, n.EscalatedAt, n.EscalatedTo = time.Time{}, time.Time{}, time.Time{}, 0
		} else {
			// The next follow-up is counted from the day of this one.
			l := now.In(loc)
			today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
			n.FollowUpDue = calendarDays(today, st.Every(ref.RiskLevel), loc, weekend)
			n.EscalateAt, n.EscalatedAt, n.EscalatedTo = escalateAt(st, n.FollowUpDue, loc, weekend), time.Time{}, 0
		}
		if err := s.save(ctx, tx, &n, r.Version); err != nil {
			return err
		}
		fid, err = tx.InsertID(ctx, `INSERT INTO referral_followups (member_id, referral_id, case_id, client_id, outcome, note, at, next_due, recorded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			n.MemberID, n.ID, n.CaseID, in.ClientID, in.Outcome, in.Note, at, nullTime(n.FollowUpDue), actorID(ctx), now)
		if err != nil {
			return err
		}
		if err := event(ctx, tx, n, "followup", r.Status, n.Status, in.Outcome, in.Note); err != nil {
			return err
		}
		act := "referral.followup.next"
		if n.Status == Closed {
			act = "referral.status." + Closed
		}
		f := FollowUp{ID: fid, MemberID: n.MemberID, ReferralID: n.ID, CaseID: n.CaseID, ClientID: in.ClientID, Outcome: in.Outcome, Note: in.Note, At: at, NextDue: n.FollowUpDue, RecordedBy: actorID(ctx)}
		return audit.Append(ctx, tx,
			audit.Entry{MemberID: n.MemberID, Action: "referral.followup", EntityType: "referral_followup", EntityID: id(fid), State: f},
			audit.Entry{MemberID: n.MemberID, Action: act, EntityType: "referral", EntityID: id(n.ID), State: n})
	})
	if err != nil {
		// Two sends of one form at once: the loser of the unique client id
		// answers as a repeat.
		if db.IsUnique(err) {
			if got, ok, err2 := s.followUpByClient(ctx, r.MemberID, in.ClientID); err2 == nil && ok {
				return got, true, nil
			}
		}
		return 0, false, errs.Wrapf(err, "referral: follow-up")
	}
	return fid, dup, nil
}

func (s *Service) followUpByClient(ctx context.Context, memberID int64, clientID string) (int64, bool, error) {
	var fid int64
	err := s.db.QueryRow(ctx, `SELECT id FROM referral_followups WHERE member_id = ? AND client_id = ?`, memberID, clientID).Scan(&fid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, errs.Wrapf(err, "referral: follow-up %s", clientID)
	}
	return fid, true, nil
}

// FollowUps returns the recorded follow-ups of referral rid, oldest first.
func (s *Service) FollowUps(ctx context.Context, rid int64) ([]FollowUp, error) {
	if _, _, err := s.load(ctx, rid, false); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, member_id, referral_id, case_id, client_id, outcome, note, at, next_due, recorded_by FROM referral_followups WHERE referral_id = ? ORDER BY id`, rid)
	if err != nil {
		return nil, errs.Wrapf(err, "referral: follow-ups")
	}
	defer rows.Close()
	out := []FollowUp{}
	for rows.Next() {
		var f FollowUp
		var next sql.NullTime
		if err := rows.Scan(&f.ID, &f.MemberID, &f.ReferralID, &f.CaseID, &f.ClientID, &f.Outcome, &f.Note, &f.At, &next, &f.RecordedBy); err != nil {
			return nil, errs.Wrapf(err, "referral: follow-ups")
		}
		f.At, f.NextDue = f.At.UTC(), timeOf(next)
		out = append(out, f)
	}
	return out, errs.Wrapf(rows.Err(), "referral: follow-ups")
}
