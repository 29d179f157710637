package grievance

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// PublicStatus is what the status page shows to whoever holds the tracking
// code: where the case stands and the answer, but no names, notes or
// officers.
type PublicStatus struct {
	Number       int64      `json:"number"`
	Category     Category   `json:"category"`
	Step         Step       `json:"step"`
	ReceivedAt   time.Time  `json:"received_at"`
	DueAt        time.Time  `json:"due_at"`
	Answer       string     `json:"answer,omitempty"` // as given; escape when showing
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	Satisfaction int        `json:"satisfaction,omitempty"`
	Steps        []Event    `json:"steps"`     // step changes only, without notes or actors
	TimeZone     string     `json:"time_zone"` // the member's, for showing the times
}

// byCode finds the grievance with a tracking code for the public pages. A
// malformed or unknown code counts against the address; after ten in
// fifteen minutes every lookup from it is refused for a while, which makes
// guessing 128-bit codes hopeless twice over.
func (s *Service) byCode(ctx context.Context, code, ip string) (Grievance, error) {
	key := "ip:" + ip
	if w := s.codeLimit.Wait(key); w > 0 {
		return Grievance{}, errs.E(errs.TooMany, "grievance.too_many", "minutes", minutes(w))
	}
	c, ok := ParseCode(code)
	if !ok {
		s.codeLimit.Hit(key)
		return Grievance{}, errs.E(errs.Invalid, "grievance.code_malformed").WithField("code", "grievance.code_malformed")
	}
	g, err := scanGrievance(s.db.QueryRow(ctx, `SELECT `+grievanceCols+` FROM grievances WHERE code_hash = ?`, codeHash(c)))
	if errors.Is(err, sql.ErrNoRows) {
		s.codeLimit.Hit(key)
		return Grievance{}, errs.E(errs.NotFound, "grievance.code_unknown")
	}
	if err != nil {
		return Grievance{}, errs.Wrapf(err, "grievance: status")
	}
	return g, nil
}

// Status returns the public status of the grievance with tracking code,
// asked from address ip. No login is needed.
func (s *Service) Status(ctx context.Context, code, ip string) (PublicStatus, error) {
	g, err := s.byCode(ctx, code, ip)
	if err != nil {
		return PublicStatus{}, err
	}
	return s.publicStatus(ctx, g)
}

func (s *Service) publicStatus(ctx context.Context, g Grievance) (PublicStatus, error) {
	ps := PublicStatus{Number: g.Number, Category: g.Category, Step: g.Step, ReceivedAt: g.ReceivedAt, DueAt: g.DueAt, ResolvedAt: g.ResolvedAt, Satisfaction: g.Satisfaction, TimeZone: "UTC"}
	if m, err := s.members.ByID(ctx, g.MemberID); err == nil {
		ps.TimeZone = m.Timezone
	}
	if g.Step == Resolved || g.Step == Feedback || g.Step == Closed {
		ps.Answer = g.Answer
	}
	evs, err := s.events(ctx, g)
	if err != nil {
		return PublicStatus{}, err
	}
	for _, e := range evs {
		if e.To == "" || e.To == e.From {
			continue
		}
		ps.Steps = append(ps.Steps, Event{At: e.At, Kind: e.Kind, From: e.From, To: e.To})
	}
	return ps, nil
}

// GiveFeedback records the complainant's satisfaction (1–5) and comment on
// a resolved grievance, found by its tracking code from address ip, and
// moves it to the feedback step. No login is needed.
func (s *Service) GiveFeedback(ctx context.Context, code, ip string, satisfaction int, comment string) (PublicStatus, error) {
	comment = strings.TrimSpace(comment)
	if satisfaction < 1 || satisfaction > 5 {
		return PublicStatus{}, errs.E(errs.Invalid, "error.invalid_input").WithField("satisfaction", "grievance.satisfaction_range")
	}
	if runes(comment) > maxBody {
		return PublicStatus{}, errs.E(errs.Invalid, "error.invalid_input").WithField("feedback", "grievance.too_long", "max", maxBody)
	}
	g, err := s.byCode(ctx, code, ip)
	if err != nil {
		return PublicStatus{}, err
	}
	if g.Step != Resolved {
		return PublicStatus{}, errs.E(errs.Conflict, "grievance.feedback_not_now", "step", string(g.Step))
	}
	g, err = s.update(actor.System(ctx), g.ID, func(ctx context.Context, tx *db.Tx, g *Grievance) error {
		return s.apply(ctx, tx, g, Change{To: Feedback, Satisfaction: satisfaction, Feedback: comment})
	})
	if err != nil {
		return PublicStatus{}, err
	}
	return s.publicStatus(ctx, g)
}
