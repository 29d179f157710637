package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/program"
)

// A program's pending change — a proposed version of its rules, or a
// draft's activation — shown to staff beside the version in force, with the
// what-if over the registry, and decided there by a second person.
func init() {
	Register(Module{
		Name: "program_proposals",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /programs/{id}/proposal", auth.ProgramRead, s.programProposal)
			s.Handle(mux, "POST /programs/{id}/proposal", auth.ApprovalDecide, s.programProposalDecide)
		},
	})
}

// ruleRow is one field of the rules, in force and proposed.
type ruleRow struct {
	Label    string // message key
	Old, New string
	Code     bool // a rule's text, shown as code
	Changed  bool
}

// ruleRows lays out the rules in force a and the proposed b side by side,
// in the page's language.
func ruleRows(l i18n.Lang, currency string, a, b program.Rules) []ruleRow {
	changed := program.ChangedRules(a, b)
	exp := 2
	if c, ok := money.Lookup(currency); ok {
		exp = c.Exponent
	}
	order := func(o string) string { return tr(l, "programs.order_"+o) }
	capText := func(r program.Rules) string {
		switch r.CapKind {
		case program.CapCount:
			return i18n.T(l, "programs.cap_count_is", map[string]any{"n": r.CapCount})
		case program.CapBudget:
			return tr(l, "programs.cap_budget_is") + " " + money.Format(r.CapBudget, exp) + " " + currency
		}
		return tr(l, "programs.cap_none")
	}
	pct := func(f float64) string { return strconv.FormatFloat(f*100, 'f', -1, 64) + "%" }
	rows := []ruleRow{
		{"programs.eligibility", a.Eligibility, b.Eligibility, true, false},
		{"programs.score", a.Score, b.Score, true, false},
		{"progver.score_order", order(a.ScoreOrder), order(b.ScoreOrder), false, false},
		{"programs.benefit", a.Benefit, b.Benefit, true, false},
		{"programs.cap", capText(a), capText(b), false, false},
		{"progver.fairness_threshold", pct(a.FairnessThreshold), pct(b.FairnessThreshold), false, false},
	}
	for i, f := range program.RuleFields {
		rows[i].Changed = slices.Contains(changed, f)
	}
	return rows
}

// ruleDiff is the "program_rules_diff" partial's data.
type ruleDiff struct {
	From, To int
	Rows     []ruleRow
}

// diffOf is the pending change's rules beside the version in force; nil for
// an activation.
func diffOf(l i18n.Lang, currency string, pc program.PendingChange) *ruleDiff {
	if pc.Proposed == nil {
		return nil
	}
	return &ruleDiff{pc.InForce.Version, pc.Proposed.Version, ruleRows(l, currency, pc.InForce.Rules, pc.Proposed.Rules)}
}

type proposalPage struct {
	Program    program.Program
	Change     *program.PendingChange // nil: nothing awaits
	Diff       *ruleDiff
	Maker      string
	IsMaker    bool // the viewer proposed it: another person decides
	CanDecide  bool
	CanCompare bool
	AsOf       string
	Comparison *program.Comparison
	Form       *Form
}

// programProposal shows what awaits a decision on a program. With
// ?whatif=1 it also decides the registry under both versions and counts
// the households that gain and lose selection.
func (s *Server) programProposal(w http.ResponseWriter, r *http.Request) error {
	return s.renderProposal(w, r, &Form{Values: map[string][]string{}, Errors: map[string]string{}}, 0)
}

func (s *Server) renderProposal(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ps := s.programs()
	pg := proposalPage{Form: f}
	if pg.Program, err = ps.Get(ctx, id); err != nil {
		return err
	}
	a := actor.From(ctx)
	pc, err := ps.PendingChange(ctx, id)
	switch {
	case errs.Is(err, errs.NotFound):
		return s.Render(w, r, "program/proposal", View{Title: "progver.title", Data: pg, Status: status})
	case err != nil:
		return err
	}
	pg.Change = &pc
	// Whoever decides must know who proposed, even without the right to
	// read users: only the username is shown.
	if u, err := s.Auth.GetUser(actor.System(ctx), pc.MakerID); err == nil {
		pg.Maker = u.Username
	}
	pg.IsMaker = pc.MakerID == a.UserID
	may := func(p auth.Permission) bool { return auth.RequireMember(ctx, p, pg.Program.MemberID) == nil }
	pg.CanDecide = !pg.IsMaker && may(auth.ApprovalDecide)
	pg.CanCompare = pc.Proposed != nil && (may(auth.ProgramManage) || may(auth.ApprovalDecide))
	pg.Diff = diffOf(Lang(r), pg.Program.Currency, pc)
	q := r.URL.Query()
	pg.AsOf = strings.TrimSpace(q.Get("as_of"))
	if pg.AsOf == "" {
		pg.AsOf = s.Clock.Now().Format(time.DateOnly)
	}
	if q.Get("whatif") == "1" && pg.CanCompare {
		day, err := arabic.ParseDate(pg.AsOf)
		if err != nil {
			return errs.E(errs.Invalid, "program.date_invalid", "value", pg.AsOf)
		}
		c, err := ps.Compare(ctx, id, pc.InForce.Version, pc.Proposed.Version, s.Registry.EachHousehold, day)
		if err != nil {
			return err
		}
		pg.Comparison = &c
	}
	return s.Render(w, r, "program/proposal", View{Title: "progver.title", Data: pg, Status: status})
}

// programProposalDecide approves or rejects the pending change.
func (s *Server) programProposalDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := NewForm(r)
	apID, err := strconv.ParseInt(f.Values.Get("approval"), 10, 64)
	if err != nil || apID <= 0 {
		return errs.E(errs.NotFound, "approval.not_found")
	}
	approve := f.Values.Get("decision") == "approve"
	if _, err := s.programs().DecideChange(r.Context(), apID, approve, f.Values.Get("reason")); err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderProposal(w, r, f, http.StatusUnprocessableEntity)
	}
	key := "progver.rejected_flash"
	if approve {
		key = "progver.approved_flash"
	}
	Flash(w, key)
	http.Redirect(w, r, "/programs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
