package referral

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// dueChunk is how many case ids one query names: well under the bound
// parameters both engines take (SQLite 32,766, PostgreSQL 65,535), so an
// office of 5,000 open cases is one query per kind of item.
const dueChunk = 5000

// Due lists, for the given cases of memberID, the open referrals whose
// follow-up falls due by until and the plan actions not done due by until,
// soonest first (care.Due). The caller has checked which cases the actor
// may see; Due checks the actor may read memberID's cases and reads only
// memberID's rows. Titles are in the actor's language.
func (s *Service) Due(ctx context.Context, memberID int64, caseIDs []int64, until time.Time) ([]care.DueItem, error) {
	if err := auth.RequireMember(ctx, auth.CaseRead, memberID); err != nil {
		return nil, err
	}
	out := []care.DueItem{}
	if len(caseIDs) == 0 {
		return out, nil
	}
	loc, _, err := s.zone(ctx, memberID)
	if err != nil {
		return nil, err
	}
	lang := actor.From(ctx).Lang
	// Something due on the day starting at due is overdue from the next
	// day on: when due is before the start of today.
	l := s.now().In(loc)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	titles := map[[3]string]string{}
	until = until.UTC()
	for lo := 0; lo < len(caseIDs); lo += dueChunk {
		ids := caseIDs[lo:min(lo+dueChunk, len(caseIDs))]
		in := `(?` + strings.Repeat(", ?", len(ids)-1) + `)`
		args := []any{memberID}
		for _, c := range ids {
			args = append(args, c)
		}
		args = append(args, until)
		rows, err := s.db.Query(ctx, `SELECT r.id, r.case_id, r.service, r.follow_up_due, r.escalated_at IS NOT NULL, COALESCE(p.name_ar, ''), COALESCE(p.name_en, '')
			FROM referral_referrals r LEFT JOIN referral_providers p ON p.id = r.provider_id
			WHERE r.member_id = ? AND r.case_id IN `+in+` AND r.follow_up_due <= ?`, args...)
		if err != nil {
			return nil, errs.Wrapf(err, "referral: due")
		}
		for rows.Next() {
			var it care.DueItem
			var service, nameAR, nameEN string
			if err := rows.Scan(&it.RefID, &it.CaseID, &service, &it.DueAt, &it.Escalated, &nameAR, &nameEN); err != nil {
				rows.Close()
				return nil, errs.Wrapf(err, "referral: due")
			}
			it.Kind, it.DueAt = "referral", it.DueAt.UTC()
			it.Overdue = it.DueAt.Before(today)
			key := [3]string{service, nameAR, nameEN}
			if it.Title = titles[key]; it.Title == "" {
				it.Title = dueTitle(lang, service, nameAR, nameEN)
				titles[key] = it.Title
			}
			it.Link = "/casework/referrals/" + id(it.RefID)
			out = append(out, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrapf(err, "referral: due")
		}
		rows, err = s.db.Query(ctx, `SELECT id, case_id, text, due_at FROM referral_plan_items
			WHERE member_id = ? AND case_id IN `+in+` AND due_at <= ? AND kind = 'action' AND status <> 'done'`, args...)
		if err != nil {
			return nil, errs.Wrapf(err, "referral: due actions")
		}
		for rows.Next() {
			var it care.DueItem
			var text string
			if err := rows.Scan(&it.RefID, &it.CaseID, &text, &it.DueAt); err != nil {
				rows.Close()
				return nil, errs.Wrapf(err, "referral: due actions")
			}
			it.Kind, it.DueAt = "action", it.DueAt.UTC()
			it.Overdue = it.DueAt.Before(today)
			it.Title = i18n.T(lang, "referral.due.action", map[string]any{"text": clip(text, 120)})
			it.Link = "/casework/cases/" + id(it.CaseID) + "/plan"
			out = append(out, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrapf(err, "referral: due actions")
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].DueAt.Equal(out[j].DueAt) {
			return out[i].DueAt.Before(out[j].DueAt)
		}
		return out[i].RefID < out[j].RefID
	})
	return out, nil
}

func dueTitle(lang i18n.Lang, service, nameAR, nameEN string) string {
	sv := i18n.T(lang, "referral.service."+service, nil)
	name := nameAR
	if lang == i18n.EN && nameEN != "" {
		name = nameEN
	}
	if name == "" {
		return i18n.T(lang, "referral.due.referral", map[string]any{"service": sv})
	}
	return i18n.T(lang, "referral.due.referral_to", map[string]any{"service": sv, "provider": name})
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// FollowUpFilter selects open referrals for the follow-up list.
type FollowUpFilter struct {
	// Team lists the referrals of the cases the actor supervises, not
	// only of those the actor owns (case.supervise); with All, a care
	// manager sees the member's whole list.
	Team bool
	All  bool
	// Received lists instead the internal referrals sent to the actor
	// that still wait for an answer or for the service (sent, accepted).
	Received bool
	// Until keeps follow-ups due by this time; zero keeps all open ones.
	Until time.Time
	Limit int // default and maximum 1000
}

// FollowUpList is the follow-up list: open referrals, soonest first, and
// how many are overdue and escalated.
type FollowUpList struct {
	Items     []Referral `json:"items"`
	Overdue   int        `json:"overdue"`
	Escalated int        `json:"escalated"`
}

// OpenFollowUps lists the open referrals of the actor's cases (case.read):
// the cases the actor owns, or with f.Team those the actor supervises too.
func (s *Service) OpenFollowUps(ctx context.Context, f FollowUpFilter) (FollowUpList, error) {
	a := actor.From(ctx)
	if err := auth.Require(ctx, auth.CaseRead); err != nil {
		return FollowUpList{}, err
	}
	list := FollowUpList{Items: []Referral{}}
	if a.MemberID == 0 {
		return list, nil // union-level users own no cases
	}
	q := `SELECT ` + referralCols + referralFrom + ` WHERE r.member_id = ? AND r.follow_up_due IS NOT NULL AND `
	args := []any{a.MemberID}
	switch {
	case f.Received:
		q += `r.to_user_id = ? AND r.status IN ('sent', 'accepted')`
		args = append(args, a.UserID)
	case f.All:
		if err := auth.RequireMember(ctx, auth.CaseManage, a.MemberID); err != nil {
			return FollowUpList{}, err
		}
		q += `1 = 1`
	case f.Team:
		if err := auth.RequireMember(ctx, auth.CaseSupervise, a.MemberID); err != nil {
			return FollowUpList{}, err
		}
		q += `(r.case_owner_id = ? OR r.case_supervisor_id = ?)`
		args = append(args, a.UserID, a.UserID)
	default:
		q += `r.case_owner_id = ?`
		args = append(args, a.UserID)
	}
	if !f.Until.IsZero() {
		q += ` AND r.follow_up_due <= ?`
		args = append(args, f.Until.UTC())
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	q += ` ORDER BY r.follow_up_due, r.id LIMIT ?`
	args = append(args, f.Limit)
	loc, _, err := s.zone(ctx, a.MemberID)
	if err != nil {
		return FollowUpList{}, err
	}
	now := s.now()
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return FollowUpList{}, errs.Wrapf(err, "referral: follow-up list")
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanReferral(rows)
		if err != nil {
			return FollowUpList{}, errs.Wrapf(err, "referral: follow-up list")
		}
		r.Overdue = overdue(r.FollowUpDue, now, loc)
		if r.Overdue {
			list.Overdue++
		}
		if r.Escalated {
			list.Escalated++
		}
		list.Items = append(list.Items, r)
	}
	return list, errs.Wrapf(rows.Err(), "referral: follow-up list")
}
