package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/alloc"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/payment"
)

// The solidarity fund's deficit coverage: the pools and the allocations,
// an allocation's page with its sources and decision, the proposal form
// (from a cycle's deficit or a program's top-up), the fund's settings, and
// the "funded by the fund" section of a payment cycle's page.
func init() {
	// An audit record or approval about an allocation links to its page.
	subjectPaths["fund_allocation"] = "/fund/allocations/"
	Register(Module{
		Name: "fund-alloc",
		Menu: []MenuItem{
			{Path: "/fund/allocations", Key: "fund_alloc.menu", Perm: auth.FundRead, Order: 35},
			{Path: "/fund/settings", Key: "fund_alloc.menu_settings", Perm: auth.FundRead, Order: 39},
		},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /fund/allocations", auth.FundRead, s.fundAllocations)
			s.Handle(mux, "GET /fund/allocations/new", auth.FundWrite, s.fundAllocNew)
			s.Handle(mux, "POST /fund/allocations", auth.FundWrite, s.fundAllocPropose)
			s.Handle(mux, "GET /fund/allocations/{id}", auth.FundRead, s.fundAllocation)
			s.Handle(mux, "POST /fund/allocations/{id}/decision", auth.FundApprove, s.fundAllocDecide)
			s.Handle(mux, "GET /fund/settings", auth.FundRead, s.fundSettings)
			s.Handle(mux, "POST /fund/settings", auth.FundWrite, s.fundSettingsSave)
		},
	})
}

// fundPoolRow is a pool as the pages show it.
type fundPoolRow struct {
	alloc.Pool
	Label string
}

// fundNames names programs (in the reader's language) for one member.
type fundNames map[int64]string

func (s *Server) fundProgramNames(r *http.Request, memberID int64) (fundNames, []alloc.ProgramRef, error) {
	ps, err := s.FundAlloc.Programs(r.Context(), memberID)
	if err != nil {
		return nil, nil, err
	}
	out := fundNames{}
	for _, p := range ps {
		name := p.NameAR
		if Lang(r) == i18n.EN && p.NameEN != "" {
			name = p.NameEN
		}
		out[p.ID] = name
	}
	return out, ps, nil
}

func (n fundNames) of(id int64) string {
	if v, ok := n[id]; ok {
		return v
	}
	return "#" + strconv.FormatInt(id, 10)
}

// fundRestriction names a restriction in language l.
func fundRestriction(l i18n.Lang, r fund.Restriction, names fundNames) string {
	var s string
	switch r.Kind {
	case fund.RestrictProgram:
		s = i18n.T(l, "fund_alloc.pool_program", map[string]any{"program": i18n.Isolate(names.of(r.ProgramID))})
	case fund.RestrictMember:
		s = i18n.T(l, "fund_alloc.pool_member", nil)
	case fund.RestrictGroup:
		s = i18n.T(l, "fund_alloc.pool_group", map[string]any{"group": i18n.T(l, "fund_alloc.group."+r.Group, nil)})
	case fund.RestrictCampaign:
		s = i18n.T(l, "fund_alloc.pool_campaign", map[string]any{"campaign": i18n.IsolateLTR(strconv.FormatInt(r.CampaignID, 10))})
		if r.Inner != nil && r.Inner.Kind != "" {
			s += " — " + fundRestriction(l, *r.Inner, names)
		}
	default:
		s = i18n.T(l, "fund_alloc.pool_general", nil)
	}
	if r.Zakat {
		s = i18n.T(l, "fund_alloc.pool_zakat", map[string]any{"pool": s})
	}
	return s
}

func fundPoolRows(l i18n.Lang, ps []alloc.Pool, names fundNames) []fundPoolRow {
	out := make([]fundPoolRow, 0, len(ps))
	for _, p := range ps {
		out = append(out, fundPoolRow{Pool: p, Label: fundRestriction(l, p.Restriction, names)})
	}
	return out
}

type fundAllocRow struct {
	alloc.Allocation
	Program string
}

type fundAllocationsPage struct {
	Member      member.Member
	Members     []Option
	Pools       []fundPoolRow
	Allocations []fundAllocRow
	Status      string
	CanWrite    bool
}

func (s *Server) fundAllocations(w http.ResponseWriter, r *http.Request) error {
	m, opts, err := s.notifyMember(r)
	if err != nil {
		return err
	}
	names, _, err := s.fundProgramNames(r, m.ID)
	if err != nil {
		return err
	}
	ps, err := s.FundAlloc.Pools(r.Context(), m.ID)
	if err != nil {
		return err
	}
	status := r.URL.Query().Get("status")
	if !slices.Contains([]string{alloc.Pending, alloc.Approved, alloc.Rejected}, status) {
		status = ""
	}
	as, err := s.FundAlloc.Allocations(r.Context(), m.ID, alloc.Filter{Status: status, Limit: 200})
	if err != nil {
		return err
	}
	p := fundAllocationsPage{Member: m, Members: opts, Pools: fundPoolRows(Lang(r), ps, names), Status: status, CanWrite: auth.Can(actor.From(r.Context()), auth.FundWrite)}
	for _, a := range as {
		p.Allocations = append(p.Allocations, fundAllocRow{Allocation: a, Program: names.of(a.ProgramID)})
	}
	return s.Render(w, r, "fund/alloc_list", View{Title: "fund_alloc.title", Data: p})
}

type fundAllocNewPage struct {
	Member   member.Member
	Cycle    *payment.Cycle
	Deficit  *payment.Deficit
	Program  int64
	Programs []Option
	Pools    []fundPoolRow
	Allowed  int64 // what the allowed pools hold
	Target   fund.Target
	Groups   []string // the target's groups, named
	Zakat    string
	Form     *Form
}

// fundAllocNewData fills the proposal form for ?cycle= or ?program= (or the
// form's own values after a failed proposal).
func (s *Server) fundAllocNewData(r *http.Request, f *Form) (fundAllocNewPage, error) {
	ctx := r.Context()
	l := Lang(r)
	get := func(k string) string {
		if v := f.Values.Get(k); v != "" {
			return v
		}
		return r.URL.Query().Get(k)
	}
	p := fundAllocNewPage{Form: f}
	if c, _ := strconv.ParseInt(arabic.Digits(get("cycle")), 10, 64); c > 0 {
		cy, err := s.Payments.CycleByID(ctx, c)
		if err != nil {
			return p, err
		}
		def, err := s.Payments.Deficit(ctx, cy.MemberID, cy.ID)
		if err != nil {
			return p, err
		}
		p.Cycle, p.Deficit, p.Program = &cy, &def, cy.ProgramID
		if f.Values.Get("amount") == "" && def.Deficit > 0 {
			if cur, ok := money.Lookup(def.Currency); ok {
				f.Values.Set("amount", money.Format(def.Deficit, cur.Exponent))
			}
		}
	} else {
		p.Program, _ = strconv.ParseInt(arabic.Digits(get("program")), 10, 64)
	}
	var err error
	if p.Cycle != nil {
		p.Member, err = s.Members.ByID(ctx, p.Cycle.MemberID)
	} else {
		p.Member, _, err = s.notifyMember(r)
	}
	if err != nil {
		return p, err
	}
	names, progs, err := s.fundProgramNames(r, p.Member.ID)
	if err != nil {
		return p, err
	}
	for _, pr := range progs {
		p.Programs = append(p.Programs, Option{strconv.FormatInt(pr.ID, 10), names.of(pr.ID)})
	}
	if p.Program == 0 && len(progs) > 0 {
		p.Program = progs[0].ID
	}
	f.Values.Set("program", strconv.FormatInt(p.Program, 10))
	campaign, _ := strconv.ParseInt(arabic.Digits(f.Values.Get("campaign")), 10, 64)
	t, cats, err := s.FundAlloc.Target(ctx, p.Member.ID, p.Program, campaign)
	if err != nil {
		return p, err
	}
	p.Target = t
	for _, g := range t.Groups {
		p.Groups = append(p.Groups, i18n.T(l, "fund_alloc.group."+g, nil))
	}
	if t.ZakatCategory != "" {
		p.Zakat = i18n.T(l, "fund_alloc.zakat."+t.ZakatCategory, nil)
	}
	ps, err := s.FundAlloc.AllowedPools(ctx, p.Member.ID, p.Member.Currency, t, cats)
	if err != nil {
		return p, err
	}
	p.Pools = fundPoolRows(l, ps, names)
	for _, pl := range ps {
		if pl.Allowed {
			p.Allowed += pl.Available
		}
	}
	return p, nil
}

func (s *Server) fundAllocNew(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: r.URL.Query(), Errors: map[string]string{}, arabic: variantOf(r).arabic}
	f.Values = cloneValues(f.Values)
	if f.Values.Get("pools_mode") == "" {
		f.Values.Set("pools_mode", "auto")
	}
	p, err := s.fundAllocNewData(r, f)
	if err != nil {
		return err
	}
	return s.Render(w, r, "fund/alloc_new", View{Title: "fund_alloc.new_title", Data: p})
}

func cloneValues(v map[string][]string) map[string][]string {
	out := make(map[string][]string, len(v))
	for k, x := range v {
		out[k] = slices.Clone(x)
	}
	return out
}

func (s *Server) fundAllocPropose(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	p, err := s.fundAllocNewData(r, f)
	if err != nil {
		return err
	}
	in := alloc.Proposal{MemberID: p.Member.ID, ProgramID: p.Program, Memo: f.Values.Get("memo")}
	if p.Cycle != nil {
		in.CycleID = p.Cycle.ID
	}
	in.CampaignID, _ = strconv.ParseInt(arabic.Digits(strings.TrimSpace(f.Values.Get("campaign"))), 10, 64)
	if f.Values.Get("pools_mode") == "chosen" {
		in.Pools = f.Values["pool"]
		if len(in.Pools) == 0 {
			in.Pools = []string{""} // chosen, but none: refused below
		}
	}
	cur, _ := money.Lookup(p.Member.Currency)
	amount, perr := money.Parse(arabic.Digits(f.Values.Get("amount")), cur.Exponent)
	if perr != nil || amount <= 0 {
		err = errs.E(errs.Invalid, "error.invalid_input").WithField("amount", "fund_alloc.bad_amount")
	} else if f.Values.Get("pools_mode") == "chosen" && len(f.Values["pool"]) == 0 {
		err = errs.E(errs.Invalid, "error.invalid_input").WithField("pools", "fund_alloc.no_pool")
	} else {
		in.Amount = amount
		var a alloc.Allocation
		if a, err = s.FundAlloc.Propose(r.Context(), in); err == nil {
			Flash(w, "fund_alloc.proposed")
			http.Redirect(w, r, "/fund/allocations/"+strconv.FormatInt(a.ID, 10), http.StatusSeeOther)
			return nil
		}
	}
	if errs.CodeOf(err) == errs.Internal {
		return err
	}
	f.Fail(Lang(r), err)
	return s.Render(w, r, "fund/alloc_new", View{Title: "fund_alloc.new_title", Data: p, Status: Status(errs.CodeOf(err))})
}

type fundSourceRow struct {
	alloc.Source
	Label string
}

type fundAllocationPage struct {
	A          alloc.Allocation
	Program    string
	Cycle      *payment.Cycle
	Sources    []fundSourceRow
	Groups     []string
	Zakat      string
	CanDecide  bool
	OwnPending bool
	Action     *Form
}

func (s *Server) fundAllocationData(r *http.Request) (fundAllocationPage, error) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return fundAllocationPage{}, err
	}
	a, err := s.FundAlloc.Allocation(ctx, id)
	if err != nil {
		return fundAllocationPage{}, err
	}
	l := Lang(r)
	names, _, err := s.fundProgramNames(r, a.MemberID)
	if err != nil {
		return fundAllocationPage{}, err
	}
	ac := actor.From(ctx)
	p := fundAllocationPage{A: a, Program: names.of(a.ProgramID), Action: &Form{Errors: map[string]string{}},
		CanDecide:  a.Status == alloc.Pending && auth.Can(ac, auth.FundApprove) && ac.UserID != a.ProposedBy,
		OwnPending: a.Status == alloc.Pending && ac.UserID == a.ProposedBy}
	if a.CycleID != 0 {
		if c, err := s.Payments.CycleByID(ctx, a.CycleID); err == nil {
			p.Cycle = &c
		}
	}
	for _, g := range a.Target.Groups {
		p.Groups = append(p.Groups, i18n.T(l, "fund_alloc.group."+g, nil))
	}
	if a.Target.ZakatCategory != "" {
		p.Zakat = i18n.T(l, "fund_alloc.zakat."+a.Target.ZakatCategory, nil)
	}
	for _, src := range a.Sources {
		p.Sources = append(p.Sources, fundSourceRow{Source: src, Label: fundRestriction(l, src.Restriction, names)})
	}
	return p, nil
}

func (s *Server) fundAllocation(w http.ResponseWriter, r *http.Request) error {
	p, err := s.fundAllocationData(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "fund/alloc_page", View{Title: "fund_alloc.page_title", Data: p})
}

func (s *Server) fundAllocDecide(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	p, err := s.fundAllocationData(r)
	if err != nil {
		return err
	}
	_, err = s.FundAlloc.Decide(r.Context(), p.A.MemberID, p.A.ID, f.Values.Get("decision") == "approve", f.Values.Get("reason"))
	if err == nil {
		Flash(w, "fund_alloc.decided")
		http.Redirect(w, r, "/fund/allocations/"+strconv.FormatInt(p.A.ID, 10), http.StatusSeeOther)
		return nil
	}
	if errs.CodeOf(err) == errs.Internal {
		return err
	}
	p.Action.Fail(Lang(r), err)
	return s.Render(w, r, "fund/alloc_page", View{Title: "fund_alloc.page_title", Data: p, Status: Status(errs.CodeOf(err))})
}

type fundSettingsRow struct {
	ID     int64
	Name   string
	Groups []string
	Zakat  string
}

type fundSettingsPage struct {
	Member   member.Member
	Members  []Option
	Cats     []string
	Rows     []fundSettingsRow
	Groups   []Option
	Zakat    []Option
	CanWrite bool
	Form     *Form
}

func (s *Server) fundSettingsData(r *http.Request, f *Form) (fundSettingsPage, error) {
	m, opts, err := s.notifyMember(r)
	if err != nil {
		return fundSettingsPage{}, err
	}
	st, err := s.FundAlloc.Settings(r.Context(), m.ID)
	if err != nil {
		return fundSettingsPage{}, err
	}
	names, progs, err := s.fundProgramNames(r, m.ID)
	if err != nil {
		return fundSettingsPage{}, err
	}
	l := Lang(r)
	p := fundSettingsPage{Member: m, Members: opts, Cats: st.ZakatCategories, CanWrite: auth.Can(actor.From(r.Context()), auth.FundWrite), Form: f}
	for _, g := range fund.Groups {
		p.Groups = append(p.Groups, Option{g, i18n.T(l, "fund_alloc.group."+g, nil)})
	}
	for _, c := range fund.ZakatCategories {
		p.Zakat = append(p.Zakat, Option{c, i18n.T(l, "fund_alloc.zakat."+c, nil)})
	}
	for _, pr := range progs {
		ps := st.Program(pr.ID)
		p.Rows = append(p.Rows, fundSettingsRow{ID: pr.ID, Name: names.of(pr.ID), Groups: ps.Groups, Zakat: ps.ZakatCategory})
	}
	return p, nil
}

func (s *Server) fundSettings(w http.ResponseWriter, r *http.Request) error {
	p, err := s.fundSettingsData(r, &Form{Errors: map[string]string{}})
	if err != nil {
		return err
	}
	return s.Render(w, r, "fund/alloc_settings", View{Title: "fund_alloc.settings_title", Data: p})
}

func (s *Server) fundSettingsSave(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	p, err := s.fundSettingsData(r, f)
	if err != nil {
		return err
	}
	st := alloc.Settings{MemberID: p.Member.ID, ZakatCategories: f.Values["zakat_categories"]}
	for _, row := range p.Rows {
		key := strconv.FormatInt(row.ID, 10)
		st.Programs = append(st.Programs, alloc.ProgramSetting{ProgramID: row.ID, Groups: f.Values["groups_"+key], ZakatCategory: f.Values.Get("zakat_" + key)})
	}
	if _, err := s.FundAlloc.SaveSettings(r.Context(), st); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		return s.Render(w, r, "fund/alloc_settings", View{Title: "fund_alloc.settings_title", Data: p, Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "fund_alloc.settings_saved")
	http.Redirect(w, r, "/fund/settings", http.StatusSeeOther)
	return nil
}

// fundCycle is the fund's part of a payment cycle's page: the deficit,
// whether the reader may cover it, and the allocations made for it.
type fundCycle struct {
	Deficit     payment.Deficit
	CanCover    bool
	Allocations []fundAllocRow
	Sources     map[int64][]fundSourceRow
}

// fundCycleData is the fund's section of cycle c's page; nil when the
// fund is not wired or the reader may see none of it.
func (s *Server) fundCycleData(r *http.Request, c payment.Cycle) *fundCycle {
	if s.FundAlloc == nil {
		return nil
	}
	ctx := r.Context()
	def, err := s.Payments.Deficit(ctx, c.MemberID, c.ID)
	if err != nil {
		return nil
	}
	out := &fundCycle{Deficit: def, CanCover: def.Deficit > 0 && auth.Can(actor.From(ctx), auth.FundWrite), Sources: map[int64][]fundSourceRow{}}
	as, err := s.FundAlloc.CycleFunding(ctx, c.MemberID, c.ID)
	if err != nil {
		return out
	}
	names, _, err := s.fundProgramNames(r, c.MemberID)
	if err != nil {
		// A payments reader without the fund's read names programs as
		// programs name them.
		names = fundNames{}
		if ps, err := s.Programs.List(ctx, c.MemberID); err == nil {
			for _, p := range ps {
				names[p.ID] = p.NameAR
				if Lang(r) == i18n.EN && p.NameEN != "" {
					names[p.ID] = p.NameEN
				}
			}
		}
	}
	for _, a := range as {
		out.Allocations = append(out.Allocations, fundAllocRow{Allocation: a, Program: names.of(a.ProgramID)})
		for _, src := range a.Sources {
			out.Sources[a.ID] = append(out.Sources[a.ID], fundSourceRow{Source: src, Label: fundRestriction(Lang(r), src.Restriction, names)})
		}
	}
	return out
}
