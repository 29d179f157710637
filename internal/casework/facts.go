package casework

import (
	"context"
	"database/sql"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/errs"
)

// CaseFacts streams member's cases opened before to and not closed before
// from, as the quality system counts them: no name, no narrative
// (care.CaseFacts). Step times come from the case history; the first
// contact is the first visit note; the subject key is the person, or else
// the household, so that repeat cases are found.
func (s *Service) CaseFacts(ctx context.Context, memberID int64, from, to time.Time, fn func(care.CaseFact) error) error {
	if err := s.requireAny(ctx, memberID, auth.CaseQuality, auth.CaseSupervise); err != nil {
		return err
	}
	depts := map[int64]int64{}
	offices, err := s.offices(ctx, s.db, memberID)
	if err != nil {
		return err
	}
	for _, o := range offices {
		depts[o.ID] = o.DepartmentID
	}
	rows, err := s.db.Query(ctx, `SELECT c.id, c.office_id, c.owner_id, t.code, c.risk_level, c.status, c.outcome, c.household_id, c.person_id, c.area_code, c.sex, c.birth_date,
			c.opened_at, c.first_contact_at, c.closed_at, c.reopened, c.next_visit_due
		FROM cases c JOIN case_types t ON t.id = c.type_id
		WHERE c.member_id = ? AND c.opened_at < ? AND (c.closed_at IS NULL OR c.closed_at >= ?) ORDER BY c.id`, memberID, to.UTC(), from.UTC())
	if err != nil {
		return errs.Wrapf(err, "casework: facts")
	}
	var facts []care.CaseFact
	now := s.now().UTC()
	for rows.Next() {
		var f care.CaseFact
		var hh, person int64
		var birth string
		var first, closed, next sql.NullTime
		if err := rows.Scan(&f.ID, &f.OfficeID, &f.OwnerID, &f.TypeCode, &f.RiskLevel, &f.Status, &f.Outcome, &hh, &person, &f.AreaCode, &f.Sex, &birth,
			&f.OpenedAt, &first, &closed, &f.Reopened, &next); err != nil {
			rows.Close()
			return errs.Wrapf(err, "casework: facts")
		}
		f.MemberID, f.DepartmentID = memberID, depts[f.OfficeID]
		f.OpenedAt = f.OpenedAt.UTC()
		if first.Valid {
			f.FirstContactAt = first.Time.UTC()
		}
		if closed.Valid {
			f.ClosedAt = closed.Time.UTC()
		}
		switch {
		case person != 0:
			f.SubjectKey = "p" + id(person)
		case hh != 0:
			f.SubjectKey = "h" + id(hh)
		}
		f.AgeYears = -1
		if b, err := time.Parse(time.DateOnly, birth); err == nil {
			f.AgeYears = calendar.AgeAt(b, f.OpenedAt)
		}
		if next.Valid && f.Status != care.StepClosed {
			f.OpenFollowUps = 1
			if next.Time.Before(now) {
				f.OverdueFollowUps = 1
			}
		}
		f.StepEntered, f.StepTime = map[string]time.Time{}, map[string]time.Duration{}
		facts = append(facts, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrapf(err, "casework: facts")
	}
	if err := s.stepTimes(ctx, memberID, facts, now); err != nil {
		return err
	}
	for _, f := range facts {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// stepTimes fills the step entries and durations of facts from the
// history of member's cases, read in one pass.
func (s *Service) stepTimes(ctx context.Context, memberID int64, facts []care.CaseFact, now time.Time) error {
	at := make(map[int64]int, len(facts))
	for i, f := range facts {
		at[f.ID] = i
	}
	rows, err := s.db.Query(ctx, `SELECT case_id, to_step, at FROM case_history WHERE member_id = ? AND kind IN ('step', 'approved', 'reopen') ORDER BY case_id, id`, memberID)
	if err != nil {
		return errs.Wrapf(err, "casework: step times")
	}
	defer rows.Close()
	var cur int64 = -1
	var step string
	var since time.Time
	flush := func() {
		if i, ok := at[cur]; ok && step != "" && step != care.StepClosed {
			facts[i].StepTime[step] += now.Sub(since)
		}
	}
	for rows.Next() {
		var c int64
		var to string
		var t time.Time
		if err := rows.Scan(&c, &to, &t); err != nil {
			return errs.Wrapf(err, "casework: step times")
		}
		t = t.UTC()
		if c != cur {
			flush()
			cur, step = c, ""
		}
		i, ok := at[c]
		if ok {
			if step != "" && step != care.StepClosed {
				facts[i].StepTime[step] += t.Sub(since)
			}
			if _, seen := facts[i].StepEntered[to]; !seen {
				facts[i].StepEntered[to] = t
			}
		}
		step, since = to, t
	}
	flush()
	return rows.Err()
}

// AccessLog lists the audited reads and changes of case caseID, newest
// first, for its supervisor (or a holder of case.supervise who sees it).
func (s *Service) AccessLog(ctx context.Context, caseID int64) ([]audit.Record, error) {
	c, err := s.see(ctx, s.db, caseID, AccessFull)
	if err != nil {
		return nil, err
	}
	if err := auth.RequireMember(ctx, auth.CaseSupervise, c.MemberID); err != nil {
		return nil, err
	}
	if s.audit == nil {
		return nil, nil
	}
	return s.audit.List(ctx, audit.Filter{EntityType: "case", EntityID: id(caseID), MemberID: c.MemberID, Limit: 200})
}
