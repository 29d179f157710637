package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/bank"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
)

// The fund's bank statements: the list with the upload form and the
// suspense balance, a statement's lines, and the review queue where a fund
// manager matches each waiting credit to a donor or marks it "not a
// donation". The service (package fund/bank) decides; these pages only
// show and ask.
func init() {
	Register(Module{
		Name: "fund-bank",
		Menu: []MenuItem{{Path: "/fund/statements", Key: "fund_bank.menu", Perm: auth.FundRead, Order: 64}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /fund/statements", auth.FundRead, s.fundStatements)
			s.Handle(mux, "POST /fund/statements", auth.FundWrite, s.fundStatementUpload)
			s.Handle(mux, "GET /fund/statements/{id}", auth.FundRead, s.fundStatement)
			s.Handle(mux, "GET /fund/suspense", auth.FundRead, s.fundSuspense)
			s.Handle(mux, "POST /fund/suspense/{id}/match", auth.FundWrite, s.fundLineMatch)
			s.Handle(mux, "POST /fund/suspense/{id}/dismiss", auth.FundWrite, s.fundLineDismiss)
		},
	})
}

type fundStatementsPage struct {
	Member     member.Member
	Members    []Option
	Statements []bank.Statement
	Summary    bank.QueueSummary
	Suspense   []fundAmount
	Waiting    []fundAmount
	Result     *bank.Statement
}

type fundAmount struct {
	Amount   int64
	Currency string
}

func amounts(m map[string]int64) []fundAmount {
	var out []fundAmount
	for c, v := range m {
		out = append(out, fundAmount{v, c})
	}
	return out
}

func (s *Server) fundStatementsData(r *http.Request) (fundStatementsPage, error) {
	m, opts, err := s.notifyMember(r)
	if err != nil {
		return fundStatementsPage{}, err
	}
	pg := fundStatementsPage{Member: m, Members: opts}
	if pg.Statements, err = s.Bank.Statements(r.Context(), m.ID, 0, 100); err != nil {
		return pg, err
	}
	if pg.Summary, err = s.Bank.Summary(r.Context(), m.ID); err != nil {
		return pg, err
	}
	pg.Suspense, pg.Waiting = amounts(pg.Summary.Suspense), amounts(pg.Summary.WaitingTotal)
	return pg, nil
}

func (s *Server) fundStatements(w http.ResponseWriter, r *http.Request) error {
	pg, err := s.fundStatementsData(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "fund_bank/statements", View{Title: "fund_bank.title", Data: pg, Form: &Form{Errors: map[string]string{}}})
}

// fundStatementUpload imports the uploaded file in this request, as a job:
// it is on the jobs page while it runs, with its progress, and an
// administrator can cancel it there (nothing is then written).
func (s *Server) fundStatementUpload(w http.ResponseWriter, r *http.Request) error {
	l := Lang(r)
	f := &Form{Errors: map[string]string{}}
	fail := func(err error) error {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden {
			return err
		}
		e := errs.As(err)
		f.Message = i18n.T(l, e.Key, e.Args)
		pg, perr := s.fundStatementsData(r)
		if perr != nil {
			return perr
		}
		return s.Render(w, r, "fund_bank/statements", View{Title: "fund_bank.title", Data: pg, Form: f, Status: Status(errs.CodeOf(err))})
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.Limits.Upload+1<<20)
	if big := uploadTooLarge(r.ParseMultipartForm(32 << 20)); big != nil {
		return fail(big)
	}
	m, _, err := s.notifyMember(r)
	if err != nil {
		return err
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return fail(errs.E(errs.Invalid, "fund_bank.file_required"))
	}
	defer file.Close()
	var st bank.Statement
	j, err := s.Jobs.Run(r.Context(), jobs.Spec{Kind: bank.JobKind, MemberID: m.ID, Link: "/fund/statements"}, func(ctx context.Context, p *jobs.Progress) (err error) {
		st, err = s.Bank.Import(ctx, bank.ImportInput{MemberID: m.ID, Name: hdr.Filename, File: file, Account: strings.TrimSpace(r.FormValue("account")),
			Progress: func(n int64) { p.Set(n, 0) }})
		return err
	})
	if err != nil && (j.ReasonKey == "jobs.cancelled" || j.ReasonKey == "jobs.server_stopped") {
		e := errs.E(errs.Conflict, j.ReasonKey)
		e.Args = j.ReasonArgs
		err = e
	}
	if err != nil {
		return fail(err)
	}
	if st.Again {
		Flash(w, "fund_bank.flash_again")
	} else {
		Flash(w, "fund_bank.flash_imported")
	}
	http.Redirect(w, r, "/fund/statements/"+strconv.FormatInt(st.ID, 10), http.StatusSeeOther)
	return nil
}

type fundStatementPage struct {
	Statement bank.Statement
	Lines     []bank.Line
	Status    string
	Statuses  []string
	Next      int64
}

func (s *Server) fundStatement(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.Bank.Statement(r.Context(), id)
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(r.FormValue("after"), 10, 64)
	status := r.FormValue("status")
	ls, err := s.Bank.Lines(r.Context(), id, bank.LineFilter{Status: status, After: after, Limit: 200})
	if err != nil {
		return err
	}
	pg := fundStatementPage{Statement: st, Lines: ls, Status: status,
		Statuses: []string{bank.StatusMatched, bank.StatusUnmatched, bank.StatusResolved, bank.StatusDismissed, bank.StatusDebit}}
	if len(ls) == 200 {
		pg.Next = ls[len(ls)-1].ID
	}
	return s.Render(w, r, "fund_bank/statement", View{Title: "fund_bank.statement_title", Data: pg})
}

type fundQueueLine struct {
	bank.Line
	Suggestions []bank.Suggestion
	// Picker chooses the donor; its choices start with the suggestions.
	Picker donorPicker
	// Values are what was sent for this line when its form comes back
	// (a search without JavaScript, a refused match).
	Values url.Values
}

type fundSuspensePage struct {
	Member   member.Member
	Members  []Option
	Lines    []fundQueueLine
	Summary  bank.QueueSummary
	Suspense []fundAmount
	Groups   []string
	Next     int64
}

func (s *Server) fundSuspense(w http.ResponseWriter, r *http.Request) error {
	return s.renderSuspense(w, r, nil, 0)
}

// renderSuspense draws the queue; f, when not nil, is what was sent for
// line (its values and errors are drawn back in that line's form).
func (s *Server) renderSuspense(w http.ResponseWriter, r *http.Request, f *Form, line int64) error {
	m, opts, err := s.notifyMember(r)
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	ls, err := s.Bank.Queue(r.Context(), m.ID, bank.LineFilter{After: after, Limit: 25})
	if err != nil {
		return err
	}
	sug, err := s.Bank.Suggest(r.Context(), m.ID, ls)
	if err != nil {
		return err
	}
	pg := fundSuspensePage{Member: m, Members: opts, Groups: fund.Groups}
	v := variantOf(r)
	for _, l := range ls {
		ql := fundQueueLine{Line: l, Suggestions: sug[l.ID]}
		var offered []donorChoice
		for _, x := range ql.Suggestions {
			offered = append(offered, donorChoice{ID: x.DonorID, Name: x.Name,
				Detail: i18n.T(v.lang, "fund_picker.number", map[string]any{"n": i18n.IsolateLTR(v.digits(strconv.FormatInt(x.DonorID, 10)))}) + " · " +
					i18n.T(v.lang, "fund_picker.suggested", map[string]any{"why": tr(v.lang, "fund_bank.why."+x.Why)})})
		}
		vals, errors := url.Values{}, map[string]string{}
		if f != nil && line == l.ID {
			vals, errors = f.Values, f.Errors
			ql.Values = f.Values
		}
		ql.Picker = s.donorPickerFor(r, m, vals, errors, "donor", "-"+strconv.FormatInt(l.ID, 10), offered)
		pg.Lines = append(pg.Lines, ql)
	}
	if len(ls) == 25 {
		pg.Next = ls[len(ls)-1].ID
	}
	if pg.Summary, err = s.Bank.Summary(r.Context(), m.ID); err != nil {
		return err
	}
	pg.Suspense = amounts(pg.Summary.Suspense)
	page := View{Title: "fund_bank.suspense_title", Data: pg, Form: f}
	if f != nil && f.Message != "" {
		page.Status = http.StatusConflict
	}
	return s.Render(w, r, "fund_bank/suspense", page)
}

// fundFail shows a refused decision on the queue page; other errors go to
// the error page.
func (s *Server) fundFail(w http.ResponseWriter, r *http.Request, err error) error {
	if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
		return err
	}
	f := NewForm(r)
	f.Fail(Lang(r), err)
	line, _ := pathID(r, "id")
	return s.renderSuspense(w, r, f, line)
}

func (s *Server) fundLineMatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if r.FormValue(donorSearch) != "" {
		// The picker's search without JavaScript: the queue again, with
		// this line's matches.
		f := NewForm(r)
		return s.renderSuspense(w, r, f, id)
	}
	m, _, err := s.notifyMember(r)
	if err != nil {
		return err
	}
	in := bank.MatchInput{Note: r.FormValue("note")}
	picked := r.FormValue("donor")
	if strings.TrimSpace(picked) == "" {
		picked = r.FormValue("donor_id") // the number, from a script or an old page
	}
	if in.DonorID, err = s.pickedDonor(r.Context(), m, picked, "donor"); err != nil {
		return s.fundFail(w, r, err)
	}
	in.PledgeID, _ = strconv.ParseInt(strings.TrimSpace(r.FormValue("pledge_id")), 10, 64)
	if g := r.FormValue("group"); g != "" {
		in.Restriction = fund.Restriction{Kind: fund.RestrictGroup, Group: g}
	}
	l, err := s.Bank.Match(r.Context(), id, in)
	if err != nil {
		return s.fundFail(w, r, err)
	}
	Flash(w, "fund_bank.flash_matched")
	http.Redirect(w, r, "/fund/suspense?member="+r.FormValue("member")+"#line-"+strconv.FormatInt(l.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) fundLineDismiss(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Bank.Dismiss(r.Context(), id, r.FormValue("reason")); err != nil {
		return s.fundFail(w, r, err)
	}
	Flash(w, "fund_bank.flash_dismissed")
	http.Redirect(w, r, "/fund/suspense?member="+r.FormValue("member"), http.StatusSeeOther)
	return nil
}
