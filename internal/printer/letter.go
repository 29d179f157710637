package printer

import (
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
)

// Letter is the decision letter to one household.
type Letter struct {
	HouseholdID  int64
	HouseholdRef string
	HeadName     string
	Address      string
	Date         string
	Decisions    []LetterDecision
}

// LetterDecision is one program's decision in a letter.
type LetterDecision struct {
	Program     string
	Outcome     string
	Benefit     string // formatted, "" when none
	Frequency   string
	Why         []string
	RunID       int64
	HouseholdID int64
	AppealRef   string // what the appeal form asks for: run and household
	AppealUntil string
}

type letterDoc struct {
	frame
	MemberName string
	AppealDays int
	Letters    []Letter
}

// letter assembles household id's letter in lang, with the actor's
// permissions.
func (s *Service) letter(ctx context.Context, id int64, st Style) (Letter, member.Member, error) {
	h, m, ps, err := s.household(ctx, id)
	if err != nil {
		return Letter{}, member.Member{}, err
	}
	if err := auth.RequireMember(ctx, auth.ProgramRead, h.MemberID); err != nil {
		return Letter{}, member.Member{}, err
	}
	today := s.now().In(m.Location())
	l := Letter{HouseholdID: h.ID, HouseholdRef: h.Ref, HeadName: headName(ps), Address: h.Address, Date: today.Format(time.DateOnly)}
	until := today.AddDate(0, 0, s.o.AppealDays).Format(time.DateOnly)
	ds, err := s.o.Programs.LatestDecisions(ctx, h.MemberID, h.ID)
	if err != nil {
		return Letter{}, member.Member{}, err
	}
	ens, err := s.o.Programs.Enrollments(ctx, program.EnrollmentFilter{HouseholdID: h.ID})
	if err != nil {
		return Letter{}, member.Member{}, err
	}
	status := map[int64]string{}
	for _, e := range ens {
		status[e.ProgramID] = e.Status
	}
	for _, d := range ds {
		plain := d.Decision.Plain(st.Lang)
		ld := LetterDecision{Program: programName(d.Program, st.Lang), Outcome: plain[0], Why: plain[1:],
			RunID: d.Run.ID, HouseholdID: h.ID, AppealRef: fmt.Sprintf("R%d-H%d", d.Run.ID, h.ID), AppealUntil: st.digits(until)}
		if es, ok := status[d.Program.ID]; ok {
			ld.Outcome = i18n.T(st.Lang, "enrollment.status."+es, nil) + " — " + ld.Outcome
		}
		if d.Decision.Selected && d.Decision.Benefit > 0 {
			ld.Benefit = formatMoney(st, d.Decision.Benefit, m.Currency)
			if d.Program.Frequency != "" {
				ld.Frequency = i18n.T(st.Lang, "program.frequency."+d.Program.Frequency, nil)
			}
		}
		l.Decisions = append(l.Decisions, ld)
	}
	return l, m, nil
}

// Letter renders the decision letter of household id in style st and
// writes the print to the audit log. The actor needs registry.read and
// program.read in the household's member.
func (s *Service) Letter(ctx context.Context, id int64, st Style) (Document, error) {
	l, m, err := s.letter(ctx, id, st)
	if err != nil {
		return Document{}, err
	}
	doc, err := s.renderLetters(m, st, []Letter{l})
	if err != nil {
		return Document{}, err
	}
	doc.Name = "letter-" + l.HouseholdRef
	doc.audit = func(ctx context.Context) error { return s.printed(ctx, m.ID, "letter", "household", []int64{id}, nil) }
	return doc.done(ctx, st)
}

func (s *Service) renderLetters(m member.Member, st Style, ls []Letter) (Document, error) {
	title := i18n.T(st.Lang, "print.letter.title", nil)
	b, err := render("letter", st, m.Currency, title, func(f frame) any {
		return letterDoc{frame: f, MemberName: memberName(m, st.Lang), AppealDays: s.o.AppealDays, Letters: ls}
	})
	return Document{HTML: b}, err
}
