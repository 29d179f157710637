package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/program"
)

// The exports of the program, targeting and grievance lists; each list's
// handler hands its request here when it asks for a format (see export.go).

// amount renders minor units of currency as decimal text in the
// currency's minor unit ("12.500" for 12500 fils): never a float.
func amount(minor int64, currency string) rawCell {
	c, ok := money.Lookup(currency)
	if !ok {
		return rawCell(strconv.FormatInt(minor, 10))
	}
	return rawCell(money.Format(minor, c.Exponent))
}

func yesNo(l i18n.Lang, b bool) string {
	if b {
		return tr(l, "registry.yes")
	}
	return tr(l, "registry.no")
}

// enrollmentsExport writes a program's enrollments that the page's status
// filter selects.
func (s *Server) enrollmentsExport(w http.ResponseWriter, r *http.Request, p program.Program, status string, approval int64) error {
	ctx := r.Context()
	l := Lang(r)
	filters := []exportFilter{{"households.program", pick(l, p.NameAR, p.NameEN)}}
	if status != "" {
		filters = append(filters, exportFilter{"programs.status", tr(l, "enrollment.status."+status)})
	}
	if approval != 0 {
		filters = append(filters, exportFilter{"export.approval", strconv.FormatInt(approval, 10)})
	}
	x, err := s.startExport(w, r, "enrollments", "programs.enrollments", p.MemberID, s.memberZone(r.Context(), p.MemberID), filters,
		[]string{"export.enrollment", "registry.household_ref", "programs.status", "programs.benefit", "export.currency", "programs.start_date", "programs.end_date"})
	if err != nil {
		return err
	}
	const page = 1000
	for off := 0; off < x.Limit(); off += page {
		es, err := s.readPrograms().Enrollments(ctx, program.EnrollmentFilter{ProgramID: p.ID, Status: status, ApprovalID: approval, Limit: page, Offset: off})
		if err != nil {
			return x.Close(err)
		}
		for _, e := range es {
			if err := x.Row(e.ID, rawCell(e.HouseholdRef), tr(l, "enrollment.status."+e.Status), amount(e.Benefit, p.Currency), rawCell(p.Currency), rawCell(e.StartDate), rawCell(e.EndDate)); err != nil {
				return x.Close(err)
			}
		}
		if len(es) < page {
			break
		}
	}
	return x.Close(nil)
}

// runExport writes a targeting run's decisions that the page's show
// filter selects, ranked households first.
func (s *Server) runExport(w http.ResponseWriter, r *http.Request, run program.Run, p program.Program, show string, f program.DecisionFilter) error {
	l := Lang(r)
	filters := []exportFilter{{"households.program", pick(l, p.NameAR, p.NameEN)}, {"programs.run", strconv.FormatInt(run.ID, 10)}}
	if show != "" {
		filters = append(filters, exportFilter{"export.show", tr(l, "programs."+show)})
	}
	x, err := s.startExport(w, r, "run", "programs.run", run.MemberID, s.memberZone(r.Context(), run.MemberID), filters,
		[]string{"programs.rank", "registry.household_ref", "programs.eligible", "programs.selected", "programs.score", "programs.benefit", "export.currency", "export.error"})
	if err != nil {
		return err
	}
	f.Limit, f.Offset = x.Limit(), 0
	return x.Close(s.readPrograms().EachDecision(r.Context(), run.ID, f, func(d program.Decision) error {
		rank := rawCell("")
		if d.Rank > 0 {
			rank = rawCell(strconv.Itoa(d.Rank))
		}
		why := ""
		if d.ErrKey != "" {
			why = i18n.T(l, d.ErrKey, d.ErrArgs)
		}
		return x.Row(rank, rawCell(d.HouseholdRef), yesNo(l, d.Eligible), yesNo(l, d.Selected), rawCell(strconv.FormatFloat(d.Score, 'f', -1, 64)),
			amount(d.Benefit, p.Currency), rawCell(p.Currency), why)
	}))
}

// grievanceExport writes the grievances of the queue's filter.
func (s *Server) grievanceExport(w http.ResponseWriter, r *http.Request, f grievance.Filter, show string, loc *time.Location) error {
	ctx := r.Context()
	l := Lang(r)
	var filters []exportFilter
	if show != "" {
		filters = append(filters, exportFilter{"export.show", tr(l, "grievance.page_"+show)})
	}
	if f.Step != "" {
		filters = append(filters, exportFilter{"grievance.page_step", tr(l, "grievance.step."+string(f.Step))})
	}
	if f.Category != "" {
		filters = append(filters, exportFilter{"grievance.page_category", tr(l, "grievance.category."+string(f.Category))})
	}
	if f.Priority != "" {
		filters = append(filters, exportFilter{"grievance.page_priority", tr(l, "grievance.priority."+string(f.Priority))})
	}
	a := actor.From(ctx)
	x, err := s.startExport(w, r, "grievances", "grievance.page_queue", a.MemberID, loc, filters,
		[]string{"grievance.page_number", "grievance.page_category", "grievance.page_priority", "grievance.page_step", "grievance.page_channel", "grievance.page_received", "grievance.page_due"})
	if err != nil {
		return err
	}
	when := func(t time.Time) rawCell {
		if t.IsZero() {
			return ""
		}
		return rawCell(t.In(loc).Format("2006-01-02 15:04"))
	}
	const page = 1000
	f.Limit = page
	for f.Offset = 0; f.Offset < x.Limit(); f.Offset += page {
		items, err := s.grievances().Queue(ctx, f)
		if err != nil {
			return x.Close(err)
		}
		for _, g := range items {
			if err := x.Row(g.Number, tr(l, "grievance.category."+string(g.Category)), tr(l, "grievance.priority."+string(g.Priority)), tr(l, "grievance.step."+string(g.Step)),
				tr(l, "grievance.channel."+string(g.Channel)), when(g.ReceivedAt), when(g.DueAt)); err != nil {
				return x.Close(err)
			}
		}
		if len(items) < page {
			break
		}
	}
	return x.Close(nil)
}

// paymentsExport writes a cycle's households with their amounts and the
// state of their latest payment.
func (s *Server) paymentsExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := Lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ps := s.payments()
	c, err := ps.CycleByID(ctx, id)
	if err != nil {
		return err
	}
	loc := s.memberZone(r.Context(), c.MemberID)
	filters := []exportFilter{{"payments.cycle", strconv.FormatInt(c.ID, 10)}, {"export.program_ref", c.ProgramRef},
		{"payments.period", c.PeriodStart.In(loc).Format("2006-01-02") + " — " + c.PeriodEnd.In(loc).Format("2006-01-02")}}
	x, err := s.startExport(w, r, "payments", "export.payments", c.MemberID, loc, filters,
		[]string{"registry.household_ref", "export.full_amount", "payments.amount", "export.currency", "paycycle.days", "export.entitlement_status", "payments.status", "export.kind", "payments.provider", "export.end_to_end", "export.paid_at", "export.reason"})
	if err != nil {
		return err
	}
	return x.Close(ps.EachCyclePayment(ctx, c.MemberID, c.ID, x.Limit(), func(p payment.CyclePayment) error {
		status, kind, paid := tr(l, "export.not_sent"), "", rawCell("")
		if p.PaymentStatus != "" {
			status = tr(l, "payments.payment_status."+p.PaymentStatus)
		}
		if p.Kind != "" {
			kind = tr(l, "payments.kind."+p.Kind)
		}
		if p.PaidAt != nil {
			paid = rawCell(p.PaidAt.In(loc).Format("2006-01-02 15:04"))
		}
		return x.Row(rawCell(p.HouseholdRef), amount(p.FullAmount, c.Currency), amount(p.Amount, c.Currency), rawCell(c.Currency), p.Days,
			tr(l, "export.entitlement."+p.EntitlementStatus), status, kind, p.Provider, rawCell(p.EndToEndID), paid, p.Reason)
	}))
}
