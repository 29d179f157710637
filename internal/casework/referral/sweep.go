package referral

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Escalation is one referral follow-up escalated by a sweep to the case's
// supervisor.
type Escalation struct {
	ReferralID  int64     `json:"referral_id"`
	MemberID    int64     `json:"member_id"`
	CaseID      int64     `json:"case_id"`
	OwnerID     int64     `json:"case_owner_id"`
	EscalatedTo int64     `json:"escalated_to"` // the case's supervisor; 0 when the case has none
	FollowUpDue time.Time `json:"follow_up_due"`
}

// Sweep escalates every open referral whose follow-up is late by the
// member's number of working days (its escalate_at has passed), once per
// follow-up date, and returns what it escalated. An escalation is written
// in the referral's history and audited; it does not change the
// referral's version, so a follow-up a worker is sending is not made
// stale by it. Member-scoped actors sweep only their member.
func (s *Service) Sweep(ctx context.Context) ([]Escalation, error) {
	if err := auth.Require(ctx, auth.CaseSupervise); err != nil {
		return nil, err
	}
	now := s.now()
	q := `SELECT ` + referralCols + referralFrom + ` WHERE r.escalated_at IS NULL AND r.follow_up_due IS NOT NULL AND r.escalate_at <= ?`
	args := []any{now}
	if m, all := auth.MemberScope(ctx); !all {
		q += ` AND r.member_id = ?`
		args = append(args, m)
	}
	q += ` ORDER BY r.id LIMIT 500`
	var out []Escalation
	for {
		rows, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return out, errs.Wrapf(err, "referral: sweep")
		}
		var batch []Referral
		for rows.Next() {
			r, err := scanReferral(rows)
			if err != nil {
				rows.Close()
				return out, errs.Wrapf(err, "referral: sweep")
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, errs.Wrapf(err, "referral: sweep")
		}
		if len(batch) == 0 {
			return out, nil
		}
		var done []Escalation
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			done = done[:0]
			var entries []audit.Entry
			for _, r := range batch {
				// The case's supervisor now, when the cases can say; else
				// the one copied when the referral last changed.
				to := r.SupervisorID
				if s.cases != nil {
					if ref, err := s.cases.Ref(actor.System(ctx), r.CaseID, false); err == nil {
						to = ref.SupervisorID
					}
				}
				res, err := tx.Exec(ctx, `UPDATE referral_referrals SET escalated_at = ?, escalated_to = ?, case_supervisor_id = ?
					WHERE id = ? AND version = ? AND escalated_at IS NULL`, now, to, to, r.ID, r.Version)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n != 1 {
					continue // followed up meanwhile: the next sweep looks again
				}
				r.EscalatedAt, r.EscalatedTo, r.SupervisorID, r.Escalated, r.UpdatedAt = now, to, to, true, now
				if err := event(actor.System(ctx), tx, r, "escalation", r.Status, r.Status, "", ""); err != nil {
					return err
				}
				done = append(done, Escalation{ReferralID: r.ID, MemberID: r.MemberID, CaseID: r.CaseID, OwnerID: r.OwnerID, EscalatedTo: to, FollowUpDue: r.FollowUpDue})
				entries = append(entries, audit.Entry{MemberID: r.MemberID, Action: "referral.escalate", EntityType: "referral", EntityID: id(r.ID), State: r})
			}
			return audit.Append(ctx, tx, entries...)
		})
		if err != nil {
			return out, errs.Wrapf(err, "referral: sweep")
		}
		out = append(out, done...)
		if len(batch) < 500 {
			return out, nil
		}
	}
}

// Start runs Sweep as the system every interval in the background until
// Close; a zero interval starts nothing. Starting twice does nothing.
func (s *Service) Start(interval time.Duration) {
	s.loop.Start(interval, func(ctx context.Context) {
		if es, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("referral sweep", "err", err)
		} else if len(es) > 0 {
			s.log.Info("referral sweep", "escalated", len(es))
		}
	})
}

// Close stops the background sweep started by Start and waits for it,
// or for ctx to end.
func (s *Service) Close(ctx context.Context) error { return s.loop.Stop(ctx) }
