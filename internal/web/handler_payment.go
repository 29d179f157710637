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
	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment"
)

// Payments: cycles (prepare, approve, batches, export, status upload,
// reconciliation), a household's payment instruments and history, and the
// ledger's balances per program.
func init() {
	Register(Module{
		Name: "payments",
		Menu: []MenuItem{
			{Path: "/payments", Key: "payments.menu", Perm: auth.PaymentRead, Order: 30},
			{Path: "/payments/ledger", Key: "payments.menu_ledger", Perm: auth.PaymentRead, Order: 31},
		},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /payments", auth.PaymentRead, s.paymentCycles)
			s.Handle(mux, "POST /payments/cycles", auth.PaymentPrepare, s.paymentPrepare)
			s.Handle(mux, "GET /payments/cycles/{id}", auth.PaymentRead, s.paymentCycle)
			s.Handle(mux, "POST /payments/cycles/{id}/decision", auth.PaymentApprove, s.paymentDecide)
			s.Handle(mux, "POST /payments/cycles/{id}/batches", auth.PaymentPrepare, s.paymentBatches)
			s.Handle(mux, "POST /payments/cycles/{id}/status", auth.PaymentPrepare, s.paymentStatus)
			s.Handle(mux, "POST /payments/batches/{id}/export", auth.PaymentPrepare, s.paymentExport)
			s.Handle(mux, "GET /payments/batches/{id}/file", auth.PaymentPrepare, s.paymentFile)
			s.Handle(mux, "GET /payments/ledger", auth.PaymentRead, s.paymentLedger)
			s.Handle(mux, "GET /payments/households/{id}", auth.PaymentRead, s.paymentHousehold)
			s.Handle(mux, "POST /payments/households/{id}/instruments", auth.PaymentPrepare, s.paymentPropose)
			s.Handle(mux, "POST /payments/instruments/{id}/decision", auth.PaymentApprove, s.paymentInstrumentDecide)
		},
	})
}

func (s *Server) payments() *payment.Service { return s.Payments }

// paymentMember is the member a payments page is about: the user's own, or
// for union-level users the ?member= code (nil when none was chosen).
func (s *Server) paymentMember(r *http.Request) (*member.Member, error) {
	code := r.URL.Query().Get("member")
	if id := actor.From(r.Context()).MemberID; id != 0 {
		m, err := s.Members.ByID(r.Context(), id)
		return &m, err
	}
	if code == "" {
		return nil, nil
	}
	m, err := s.Members.Get(r.Context(), code)
	return &m, err
}

type paymentCyclesPage struct {
	Member   *member.Member
	Members  []member.Member // for union users to choose from
	Cycles   []payment.Cycle
	Programs []Option
	Prepare  *Form
	CanPrep  bool
}

func (s *Server) paymentCyclesData(r *http.Request) (paymentCyclesPage, error) {
	ctx := r.Context()
	m, err := s.paymentMember(r)
	if err != nil {
		return paymentCyclesPage{}, err
	}
	p := paymentCyclesPage{Member: m, CanPrep: auth.Can(actor.From(ctx), auth.PaymentPrepare), Prepare: &Form{Values: map[string][]string{}, Errors: map[string]string{}}}
	if m == nil {
		p.Members, err = s.Members.List(ctx)
		return p, err
	}
	if p.Cycles, err = s.payments().Cycles(ctx, m.ID, 0); err != nil {
		return p, err
	}
	if st := r.URL.Query().Get("status"); st != "" { // the dashboard's cycles by status
		p.Cycles = slices.DeleteFunc(p.Cycles, func(c payment.Cycle) bool { return c.Status != st })
	}
	if auth.Can(actor.From(ctx), auth.ProgramRead) {
		ps, err := s.Programs.List(ctx, m.ID)
		if err != nil {
			return p, err
		}
		for _, pr := range ps {
			p.Programs = append(p.Programs, Option{strconv.FormatInt(pr.ID, 10), pr.Code + " — " + pr.NameAR})
		}
	}
	now := s.Clock.Now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	p.Prepare.Values.Set("period_start", first.Format(time.DateOnly))
	p.Prepare.Values.Set("period_end", first.AddDate(0, 1, -1).Format(time.DateOnly))
	return p, nil
}

func (s *Server) paymentCycles(w http.ResponseWriter, r *http.Request) error {
	p, err := s.paymentCyclesData(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "payment/cycles", View{Title: "payments.title", Data: p})
}

func (s *Server) paymentPrepare(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	p, err := s.paymentCyclesData(r)
	if err != nil {
		return err
	}
	if p.Member == nil {
		return errs.E(errs.Invalid, "error.invalid_input").WithField("member", "error.required")
	}
	fail := func(err error) error {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden {
			return err
		}
		f.Fail(Lang(r), err)
		p.Prepare = f
		return s.Render(w, r, "payment/cycles", View{Title: "payments.title", Data: p, Form: f, Status: Status(errs.CodeOf(err))})
	}
	prog, _ := strconv.ParseInt(f.Values.Get("program_id"), 10, 64)
	from, err1 := arabic.ParseDate(f.Values.Get("period_start"))
	to, err2 := arabic.ParseDate(f.Values.Get("period_end"))
	var pay time.Time
	var err3 error
	if v := f.Values.Get("payment_date"); v != "" {
		pay, err3 = arabic.ParseDate(v)
	}
	if prog == 0 || err1 != nil || err2 != nil || err3 != nil {
		e := errs.E(errs.Invalid, "error.invalid_input")
		if prog == 0 {
			e.WithField("program_id", "error.required")
		}
		if err1 != nil {
			e.WithField("period_start", "payments.bad_date")
		}
		if err2 != nil {
			e.WithField("period_end", "payments.bad_date")
		}
		if err3 != nil {
			e.WithField("payment_date", "payments.bad_date")
		}
		return fail(e)
	}
	c, err := s.payments().Prepare(r.Context(), s.ProgramPayments(), payment.CycleRequest{MemberID: p.Member.ID, ProgramID: prog, PeriodStart: from, PeriodEnd: to, Partial: f.Values.Get("partial") == "1", PaymentDate: pay})
	if err != nil {
		return fail(err)
	}
	Flash(w, "payments.prepared")
	http.Redirect(w, r, "/payments/cycles/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}

type paymentCyclePage struct {
	Cycle          payment.Cycle
	Budget         int64
	OverBudget     bool
	Batches        []payment.Batch
	Reconciliation payment.Reconciliation
	CanPrepare     bool
	CanApprove     bool
	Action         *Form // the last action's errors
	// Fund is the solidarity fund's part: the deficit, and what the fund
	// paid into the cycle (handler_fund_alloc.go); nil without it.
	Fund *fundCycle
}

func (s *Server) paymentCycleData(r *http.Request) (paymentCyclePage, error) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return paymentCyclePage{}, err
	}
	ps := s.payments()
	c, err := ps.CycleByID(ctx, id)
	if err != nil {
		return paymentCyclePage{}, err
	}
	a := actor.From(ctx)
	p := paymentCyclePage{Cycle: c, CanPrepare: auth.Can(a, auth.PaymentPrepare), CanApprove: auth.Can(a, auth.PaymentApprove), Action: &Form{Errors: map[string]string{}}}
	if p.Budget, err = ps.Budget(ctx, c.MemberID, c.ProgramID); err != nil {
		return p, err
	}
	p.OverBudget = c.Status == payment.CyclePrepared && c.Total > p.Budget
	p.Fund = s.fundCycleData(r, c)
	if p.Batches, err = ps.Batches(ctx, c.MemberID, c.ID); err != nil {
		return p, err
	}
	p.Reconciliation, err = ps.Reconcile(ctx, c.MemberID, c.ID)
	return p, err
}

func (s *Server) paymentCycle(w http.ResponseWriter, r *http.Request) error {
	if exportFormat(r) != "" {
		return s.paymentsExport(w, r)
	}
	p, err := s.paymentCycleData(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "payment/cycle", View{Title: "payments.cycle", Data: p})
}

// paymentActed redirects back to the cycle after an action, or shows the
// cycle page with the action's error.
func (s *Server) paymentActed(w http.ResponseWriter, r *http.Request, cycle int64, flash string, err error) error {
	if err == nil {
		Flash(w, flash)
		http.Redirect(w, r, "/payments/cycles/"+strconv.FormatInt(cycle, 10), http.StatusSeeOther)
		return nil
	}
	if c := errs.CodeOf(err); c == errs.Internal {
		return err
	}
	p, perr := s.paymentCycleData(r)
	if perr != nil {
		return perr
	}
	p.Action.Fail(Lang(r), err)
	return s.Render(w, r, "payment/cycle", View{Title: "payments.cycle", Data: p, Status: Status(errs.CodeOf(err))})
}

func (s *Server) paymentDecide(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	p, err := s.paymentCycleData(r)
	if err != nil {
		return err
	}
	_, err = s.payments().Approve(r.Context(), p.Cycle.MemberID, p.Cycle.ID, f.Values.Get("decision") == "approve", f.Values.Get("reason"))
	return s.paymentActed(w, r, p.Cycle.ID, "payments.decided", err)
}

func (s *Server) paymentBatches(w http.ResponseWriter, r *http.Request) error {
	p, err := s.paymentCycleData(r)
	if err != nil {
		return err
	}
	_, err = s.payments().CreateBatches(r.Context(), p.Cycle.MemberID, p.Cycle.ID)
	return s.paymentActed(w, r, p.Cycle.ID, "payments.batches_made", err)
}

func (s *Server) paymentStatus(w http.ResponseWriter, r *http.Request) error {
	p, err := s.paymentCycleData(r)
	if err != nil {
		return err
	}
	file, _, err := r.FormFile("file")
	if big := uploadTooLarge(err); big != nil {
		return big
	}
	if err != nil {
		return s.paymentActed(w, r, p.Cycle.ID, "", errs.E(errs.Invalid, "error.invalid_input").WithField("file", "error.required"))
	}
	defer file.Close()
	// Without a format the file tells its own: an ISO 20022 namespace
	// (pain.002, camt.053, camt.054), CSV otherwise.
	imp, err := s.payments().ImportStatus(r.Context(), p.Cycle.MemberID, r.FormValue("format"), file)
	flash := "payments.status_imported"
	if imp.Ignored > 0 {
		flash = "payments.status_imported_ignored"
	}
	return s.paymentActed(w, r, p.Cycle.ID, flash, err)
}

// paymentExport exports a batch and streams its file straight from the
// database to the browser.
func (s *Server) paymentExport(w http.ResponseWriter, r *http.Request) error {
	return s.paymentWriteFile(w, r, true)
}

func (s *Server) paymentFile(w http.ResponseWriter, r *http.Request) error {
	return s.paymentWriteFile(w, r, false)
}

func (s *Server) paymentWriteFile(w http.ResponseWriter, r *http.Request, export bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ps := s.payments()
	b, err := ps.BatchByID(r.Context(), id)
	if err != nil {
		return err
	}
	ct := "text/csv; charset=utf-8"
	if b.Kind == payment.Bank {
		ct = "application/xml"
	}
	// Headers go out with the first byte of the file: an error before it
	// (already exported, empty) still renders as a page.
	hw := &headerWriter{w: w, set: func() {
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Disposition", `attachment; filename="`+b.FileName()+`"`)
	}}
	if export {
		_, err = ps.Export(r.Context(), b.MemberID, b.ID, hw)
		if err != nil && !hw.started {
			return s.paymentActed(w, r, b.CycleID, "", err)
		}
	} else {
		_, err = ps.Download(r.Context(), b.MemberID, b.ID, hw)
	}
	if hw.started {
		return nil // the file is half sent; nothing more can be said to the browser
	}
	return err
}

// headerWriter sets the download headers just before the first write.
type headerWriter struct {
	w       http.ResponseWriter
	set     func()
	started bool
}

func (h *headerWriter) Write(p []byte) (int, error) {
	if !h.started {
		h.started = true
		h.set()
	}
	return h.w.Write(p)
}

type paymentLedgerPage struct {
	Member   *member.Member
	Members  []member.Member
	At       string
	Balances []ledger.Balance
	Trial    []ledger.Trial
	// Accounts names each account code: its kind and its program.
	Accounts map[string]string
}

func (s *Server) paymentLedger(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, err := s.paymentMember(r)
	if err != nil {
		return err
	}
	p := paymentLedgerPage{Member: m, At: r.URL.Query().Get("at")}
	if m == nil {
		if p.Members, err = s.Members.List(ctx); err != nil {
			return err
		}
		return s.Render(w, r, "payment/ledger", View{Title: "payments.ledger", Data: p})
	}
	var at time.Time
	if p.At != "" {
		t, err := arabic.ParseDate(p.At)
		if err != nil {
			return errs.E(errs.Invalid, "payments.bad_date")
		}
		at = t.Add(24*time.Hour - time.Nanosecond)
	}
	l := s.Ledger
	if p.Balances, err = l.Balances(ctx, m.ID, "", at); err != nil {
		return err
	}
	if p.Trial, err = l.TrialBalance(ctx, m.ID, at); err != nil {
		return err
	}
	p.Accounts = s.accountNames(r, p.Balances)
	return s.Render(w, r, "payment/ledger", View{Title: "payments.ledger", Data: p})
}

type paymentHouseholdPage struct {
	Member      *member.Member
	HouseholdID int64
	Instruments []payment.Instrument
	History     []payment.History
	Kinds       []Option
	Providers   []Option
	Persons     []Option // the household's persons, for the account holder
	Propose     *Form
	CanPrepare  bool
	CanApprove  bool
	UserID      int64
}

func (s *Server) paymentHouseholdData(r *http.Request) (paymentHouseholdPage, error) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return paymentHouseholdPage{}, err
	}
	m, err := s.paymentMember(r)
	if err != nil {
		return paymentHouseholdPage{}, err
	}
	if m == nil { // a union user without ?member=: the household's own member
		h, err := s.Registry.Household(ctx, id)
		if err != nil {
			return paymentHouseholdPage{}, err
		}
		hm, err := s.Members.ByID(ctx, h.MemberID)
		if err != nil {
			return paymentHouseholdPage{}, err
		}
		m = &hm
	}
	a := actor.From(ctx)
	p := paymentHouseholdPage{Member: m, HouseholdID: id, CanPrepare: auth.Can(a, auth.PaymentPrepare), CanApprove: auth.Can(a, auth.PaymentApprove), UserID: a.UserID,
		Propose: &Form{Values: map[string][]string{}, Errors: map[string]string{}}}
	ps := s.payments()
	if p.Instruments, err = ps.Instruments(ctx, m.ID, id); err != nil {
		return p, err
	}
	if p.History, err = ps.HouseholdHistory(ctx, m.ID, id); err != nil {
		return p, err
	}
	provs, err := ps.Providers(ctx, m.ID)
	if err != nil {
		return p, err
	}
	l := Lang(r)
	for _, pr := range provs {
		p.Providers = append(p.Providers, Option{pr.Code, pr.Code + " — " + pr.Name + " (" + tr(l, "payments.kind."+pr.Kind) + ")"})
	}
	for _, k := range []string{payment.Bank, payment.Wallet, payment.Cash} {
		p.Kinds = append(p.Kinds, Option{k, tr(l, "payments.kind."+k)})
	}
	// The account holder is one of the household's persons, named as the
	// registry has them unless the officer types the name the bank holds.
	// A user who may not read the registry types the name.
	if persons, err := s.Registry.Persons(ctx, id); err == nil {
		p.Persons = append(p.Persons, Option{"", tr(l, "payments.holder_none")})
		for _, pp := range persons {
			if pp.MemberID == m.ID {
				p.Persons = append(p.Persons, Option{strconv.FormatInt(pp.ID, 10), pp.FullName()})
			}
		}
	}
	return p, nil
}

func (s *Server) paymentHousehold(w http.ResponseWriter, r *http.Request) error {
	p, err := s.paymentHouseholdData(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "payment/household", View{Title: "payments.household", Data: p})
}

func (s *Server) householdBack(w http.ResponseWriter, r *http.Request, p paymentHouseholdPage, flash string, f *Form, err error) error {
	if err == nil {
		Flash(w, flash)
		u := "/payments/households/" + strconv.FormatInt(p.HouseholdID, 10)
		if q := r.URL.Query().Get("member"); q != "" {
			u += "?member=" + q
		}
		http.Redirect(w, r, u, http.StatusSeeOther)
		return nil
	}
	if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden {
		return err
	}
	f.Fail(Lang(r), err)
	p.Propose = f
	return s.Render(w, r, "payment/household", View{Title: "payments.household", Data: p, Form: f, Status: Status(errs.CodeOf(err))})
}

func (s *Server) paymentPropose(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	p, err := s.paymentHouseholdData(r)
	if err != nil {
		return err
	}
	v := f.Values
	person, _ := strconv.ParseInt(v.Get("recipient_person_id"), 10, 64)
	_, err = s.payments().ProposeInstrument(r.Context(), payment.Instrument{MemberID: p.Member.ID, HouseholdID: p.HouseholdID, HouseholdRef: v.Get("household_ref"),
		RecipientPersonID: person, RecipientName: v.Get("recipient_name"), RecipientNationalID: v.Get("recipient_national_id"), Kind: v.Get("kind"), Provider: v.Get("provider"),
		IBAN: v.Get("iban"), BIC: v.Get("bic"), MSISDN: v.Get("msisdn")})
	return s.householdBack(w, r, p, "payments.instrument_proposed", f, err)
}

func (s *Server) paymentInstrumentDecide(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ps := s.payments()
	in, err := ps.InstrumentByID(r.Context(), id)
	if err != nil {
		return err
	}
	r.SetPathValue("id", strconv.FormatInt(in.HouseholdID, 10))
	p, err := s.paymentHouseholdData(r)
	if err != nil {
		return err
	}
	_, err = ps.DecideInstrument(r.Context(), in.MemberID, in.ID, f.Values.Get("decision") == "approve", f.Values.Get("reason"))
	return s.householdBack(w, r, p, "payments.decided", &Form{Values: map[string][]string{}, Errors: map[string]string{}}, err)
}

// accountNames names ledger accounts as a person reads them: "program:1:budget"
// is the budget of the program so named. An account of an unknown form
// keeps its code.
func (s *Server) accountNames(r *http.Request, bs []ledger.Balance) map[string]string {
	l := Lang(r)
	out := map[string]string{}
	programs := map[int64]string{}
	for _, b := range bs {
		parts := strings.Split(b.Code, ":")
		if len(parts) != 3 || parts[0] != "program" {
			continue
		}
		id, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			continue
		}
		name, ok := programs[id]
		if !ok {
			if pg, err := s.Programs.Get(r.Context(), id); err == nil {
				name = pg.NameAR
				if l == i18n.EN && pg.NameEN != "" {
					name = pg.NameEN
				}
			}
			programs[id] = name
		}
		if name == "" {
			continue
		}
		out[b.Code] = i18n.T(l, "names.account", map[string]any{"kind": tr(l, "payments.account."+parts[2]), "program": name})
	}
	return out
}
