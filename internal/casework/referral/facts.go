package referral

import (
	"context"

	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/errs"
)

// ReferralFacts streams the referrals of memberID sent before to and not
// closed before from, for the quality system (care.ReferralFacts;
// case.quality). Overdue is counted at the service's clock.
func (s *Service) ReferralFacts(ctx context.Context, memberID int64, from, to time.Time, fn func(care.ReferralFact) error) error {
	if err := auth.RequireMember(ctx, auth.CaseQuality, memberID); err != nil {
		return err
	}
	loc, _, err := s.zone(ctx, memberID)
	if err != nil {
		return err
	}
	now := s.now()
	rows, err := s.db.Query(ctx, `SELECT `+referralCols+referralFrom+` WHERE r.member_id = ? AND r.sent_at < ? AND (r.closed_at IS NULL OR r.closed_at >= ?) ORDER BY r.id`,
		memberID, to.UTC(), from.UTC())
	if err != nil {
		return errs.Wrapf(err, "referral: facts")
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanReferral(rows)
		if err != nil {
			return errs.Wrapf(err, "referral: facts")
		}
		f := care.ReferralFact{ID: r.ID, CaseID: r.CaseID, MemberID: r.MemberID, OfficeID: r.OfficeID, Service: r.Service, Status: r.Status, Outcome: r.Outcome,
			External: r.Target == External, SentAt: r.SentAt, ClosedAt: r.ClosedAt, FollowUpDue: r.FollowUpDue,
			Overdue: r.Open() && overdue(r.FollowUpDue, now, loc), Escalated: r.Escalated}
		if err := fn(f); err != nil {
			return err
		}
	}
	return errs.Wrapf(rows.Err(), "referral: facts")
}
