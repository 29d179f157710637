package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/donor"
	"github.com/tadamun/tadamun/internal/member"
)

// The donor pages of the solidarity fund: the list with its search and
// export, a donor's page, the new and edit forms with the duplicate check,
// and the merge form. Templates are templates/fund/donor_*.html.
func init() {
	Register(Module{
		Name: "fund_donor",
		Menu: []MenuItem{{Path: "/fund/donors", Key: "fund_donor.page_menu", Perm: auth.FundRead, Order: 60}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /fund/donors", auth.FundRead, s.donorList)
			s.Handle(mux, "GET /fund/donors/new", auth.FundWrite, s.donorNew)
			s.Handle(mux, "POST /fund/donors/new", auth.FundWrite, s.donorCreate)
			s.Handle(mux, "GET /fund/donors/{id}", auth.FundRead, s.donorPage)
			s.Handle(mux, "GET /fund/donors/{id}/edit", auth.FundWrite, s.donorEdit)
			s.Handle(mux, "POST /fund/donors/{id}/edit", auth.FundWrite, s.donorUpdate)
			s.Handle(mux, "GET /fund/donors/{id}/merge", auth.FundWrite, s.donorMergeForm)
			s.Handle(mux, "POST /fund/donors/{id}/merge", auth.FundWrite, s.donorMerge)
		},
	})
}

// fundMember is the member whose donors the page shows: the actor's, or
// for a union-level user the one named by ?member=CODE.
func (s *Server) fundMember(r *http.Request) (member.Member, error) {
	a := actor.From(r.Context())
	if a.MemberID != 0 {
		return s.Members.ByID(r.Context(), a.MemberID)
	}
	code := r.URL.Query().Get("member")
	if code == "" {
		code = r.FormValue("member")
	}
	if code == "" {
		return member.Member{}, errs.E(errs.Invalid, "referral.member_required")
	}
	return s.Members.Get(r.Context(), code)
}

func donorKinds(r *http.Request, blank string) []Option {
	l := Lang(r)
	var out []Option
	if blank != "" {
		out = append(out, Option{"", tr(l, blank)})
	}
	for _, k := range fund.DonorKinds {
		out = append(out, Option{k, tr(l, "fund_donor.kind."+k)})
	}
	return out
}

type donorListPage struct {
	Member   member.Member
	Members  []Option
	Query    url.Values
	Kinds    []Option
	Page     donor.Page
	CanWrite bool
	Exports  exportLinks
	PageNo   int
	Pages    int
	QS       template.URL // the filters, encoded (a plain string would be query-escaped whole in a link)
}

const donorsPerPage = 50

func (s *Server) donorList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	l := Lang(r)
	if actor.From(r.Context()).MemberID == 0 && q.Get("member") == "" {
		ms, err := s.Members.List(r.Context())
		if err != nil {
			return err
		}
		pg := donorListPage{Query: q}
		for _, m := range ms {
			pg.Members = append(pg.Members, Option{m.Code, pickerName(l, m.NameAR, m.NameEN)})
		}
		return s.Render(w, r, "fund/donor_list", View{Title: "fund_donor.page_list_title", Data: pg})
	}
	m, err := s.fundMember(r)
	if err != nil {
		return err
	}
	f := donor.Filter{Query: q.Get("q"), Kind: q.Get("kind")}
	if format := exportFormat(r); format != "" {
		return s.donorExport(w, r, m, f)
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	f.Limit, f.Offset = donorsPerPage, (page-1)*donorsPerPage
	res, err := s.Donors.List(r.Context(), m.ID, f)
	if err != nil {
		return err
	}
	pg := donorListPage{Member: m, Query: q, Kinds: donorKinds(r, "fund_donor.page_all_kinds"), Page: res,
		CanWrite: auth.Can(actor.From(r.Context()), auth.FundWrite), Exports: exportLinksOf(r), PageNo: page,
		Pages: max(1, (res.Total+donorsPerPage-1)/donorsPerPage)}
	qs := url.Values{}
	for k, v := range q {
		if k != "page" {
			qs[k] = v
		}
	}
	pg.QS = template.URL(qs.Encode())
	return s.Render(w, r, "fund/donor_list", View{Title: "fund_donor.page_list_title", Data: pg})
}

// donorExport writes the donors the filter selects as CSV or XLSX.
func (s *Server) donorExport(w http.ResponseWriter, r *http.Request, m member.Member, f donor.Filter) error {
	ctx := r.Context()
	l := Lang(r)
	var filters []exportFilter
	if f.Kind != "" {
		filters = append(filters, exportFilter{"fund_donor.page_kind", tr(l, "fund_donor.kind."+f.Kind)})
	}
	x, err := s.startExport(w, r, "donors", "fund_donor.page_list_title", m.ID, s.memberZone(ctx, m.ID), filters,
		[]string{"fund_donor.page_number", "fund_donor.page_name", "fund_donor.page_kind", "fund_donor.page_public_name", "fund_donor.page_language",
			"fund_donor.page_phones", "fund_donor.page_email", "fund_donor.page_reg_no", "fund_donor.page_ibans", "fund_donor.page_refs", "fund_donor.page_created"})
	if err != nil {
		return err
	}
	loc := s.memberZone(ctx, m.ID)
	const page = 500
	f.Limit = page
	for f.Offset = 0; f.Offset < x.Limit(); f.Offset += page {
		res, err := s.Donors.List(ctx, m.ID, f)
		if err != nil {
			return x.Close(err)
		}
		for _, d := range res.Donors {
			public := ""
			if d.ConsentPublic {
				public = d.PublicName
			}
			if err := x.Row(rawCell(strconv.FormatInt(d.ID, 10)), d.Name, tr(l, "fund_donor.kind."+d.Kind), public, tr(l, "fund_donor.lang."+d.Language),
				strings.Join(d.Phones, " ; "), d.Email, d.RegNo, rawCell(strings.Join(d.IBANs, " ; ")), strings.Join(d.Refs, " ; "),
				rawCell(d.CreatedAt.In(loc).Format("2006-01-02"))); err != nil {
				return x.Close(err)
			}
		}
		if len(res.Donors) < page {
			break
		}
	}
	return x.Close(nil)
}

type donorPageData struct {
	Donor    donor.Donor
	CanWrite bool
	History  []audit.Record
	Users    map[int64]string
	// Similar are the donors the duplicate check finds for this one,
	// shown after a save that found possible duplicates (?similar=1).
	Similar []donor.Duplicate
	// MemberCode names the donor's member in the links to the donation
	// and pledge forms, for a union-level user.
	MemberCode string
}

func donorID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errs.E(errs.NotFound, "fund_donor.not_found")
	}
	return id, nil
}

func (s *Server) donorPage(w http.ResponseWriter, r *http.Request) error {
	id, err := donorID(r)
	if err != nil {
		return err
	}
	d, err := s.Donors.Get(r.Context(), id)
	if err != nil {
		return err
	}
	h, err := s.Donors.History(r.Context(), d.ID)
	if err != nil {
		return err
	}
	var ids []int64
	for _, rec := range h {
		if rec.ActorID != 0 {
			ids = append(ids, rec.ActorID)
		}
	}
	users, err := s.Auth.UserNames(r.Context(), ids)
	if err != nil {
		return err
	}
	pg := donorPageData{Donor: d, CanWrite: auth.Can(actor.From(r.Context()), auth.FundWrite), History: h, Users: users}
	if actor.From(r.Context()).Union() {
		if m, err := s.Members.ByID(r.Context(), d.MemberID); err == nil {
			pg.MemberCode = m.Code
		}
	}
	if pg.CanWrite && r.URL.Query().Get("similar") != "" && d.Merged == nil {
		in := donor.Input{MemberID: d.MemberID, Kind: d.Kind, Name: d.Name, Phones: d.Phones, Email: d.Email, Address: d.Address, RegNo: d.RegNo, IBANs: d.IBANs, Refs: d.Refs}
		if pg.Similar, err = s.Donors.Check(r.Context(), in, d.ID); err != nil {
			return err
		}
	}
	return s.Render(w, r, "fund/donor_page", View{Title: "fund_donor.page_list_title", Data: pg})
}

type donorFormPage struct {
	Member     member.Member
	Donor      donor.Donor
	Form       *Form
	Kinds      []Option
	Languages  []Option
	Duplicates []donor.Duplicate
	Likely     bool
}

func (s *Server) donorNew(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: url.Values{}, Errors: map[string]string{}}
	f.Values.Set("kind", fund.DonorIndividual)
	f.Values.Set("language", "ar")
	return s.renderDonorForm(w, r, donor.Donor{}, f, nil)
}

func (s *Server) donorEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := donorID(r)
	if err != nil {
		return err
	}
	d, err := s.Donors.Exact(r.Context(), id)
	if err != nil {
		return err
	}
	if d.MergedInto != 0 {
		http.Redirect(w, r, "/fund/donors/"+strconv.FormatInt(d.MergedInto, 10), http.StatusSeeOther)
		return nil
	}
	f := &Form{Values: url.Values{}, Errors: map[string]string{}}
	f.Values.Set("kind", d.Kind)
	f.Values.Set("name", d.Name)
	f.Values.Set("public_name", d.PublicName)
	if d.ConsentPublic {
		f.Values.Set("consent_public", "1")
		f.Values.Set("consent_at", d.ConsentAt.In(s.memberZone(r.Context(), d.MemberID)).Format("2006-01-02"))
	}
	f.Values.Set("language", d.Language)
	f.Values.Set("phones", strings.Join(d.Phones, "\n"))
	f.Values.Set("email", d.Email)
	f.Values.Set("address", d.Address)
	f.Values.Set("reg_no", d.RegNo)
	f.Values.Set("ibans", strings.Join(d.IBANs, "\n"))
	f.Values.Set("refs", strings.Join(d.Refs, "\n"))
	f.Values.Set("notes", d.Notes)
	f.Values.Set("version", strconv.FormatInt(d.Version, 10))
	return s.renderDonorForm(w, r, d, f, nil)
}

func (s *Server) renderDonorForm(w http.ResponseWriter, r *http.Request, d donor.Donor, f *Form, dups []donor.Duplicate) error {
	l := Lang(r)
	var m member.Member
	var err error
	if d.MemberID != 0 {
		m, err = s.Members.ByID(r.Context(), d.MemberID)
	} else {
		m, err = s.fundMember(r)
	}
	if err != nil {
		return err
	}
	pg := donorFormPage{Member: m, Donor: d, Form: f, Kinds: donorKinds(r, ""), Duplicates: dups,
		Languages: []Option{{"ar", tr(l, "fund_donor.lang.ar")}, {"en", tr(l, "fund_donor.lang.en")}}}
	pg.Likely = slices.ContainsFunc(dups, func(x donor.Duplicate) bool { return x.Class == donor.Likely })
	title := "fund_donor.page_new"
	if d.ID != 0 {
		title = "fund_donor.page_edit"
	}
	return s.Render(w, r, "fund/donor_form", View{Title: title, Data: pg, Form: f})
}

// donorLines splits a textarea into its non-empty lines.
func donorLines(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == '،' || r == ';' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// donorInput reads the donor form.
func (s *Server) donorInput(r *http.Request, f *Form, memberID int64) (donor.Input, error) {
	v := f.Values
	in := donor.Input{MemberID: memberID, Kind: v.Get("kind"), Name: v.Get("name"), PublicName: v.Get("public_name"), ConsentPublic: v.Get("consent_public") != "",
		Language: v.Get("language"), Phones: donorLines(v.Get("phones")), Email: v.Get("email"), Address: v.Get("address"), RegNo: v.Get("reg_no"),
		IBANs: donorLines(v.Get("ibans")), Refs: donorLines(v.Get("refs")), Notes: v.Get("notes")}
	in.Version, _ = strconv.ParseInt(v.Get("version"), 10, 64)
	if c := strings.TrimSpace(v.Get("consent_at")); c != "" && in.ConsentPublic {
		t, err := arabic.ParseDate(c)
		if err != nil {
			return in, errs.E(errs.Invalid, "fund_donor.invalid").WithField("consent_at", "fund_donor.consent_future")
		}
		loc := s.memberZone(r.Context(), memberID)
		in.ConsentAt = time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, loc)
		if now := s.Clock.Now(); in.ConsentAt.After(now) && t.Format("2006-01-02") == now.In(loc).Format("2006-01-02") {
			in.ConsentAt = now
		}
	}
	return in, nil
}

func (s *Server) donorCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	l := Lang(r)
	m, err := s.fundMember(r)
	if err != nil {
		return err
	}
	in, err := s.donorInput(r, f, m.ID)
	if err != nil {
		f.Fail(l, err)
		return s.renderDonorForm(w, r, donor.Donor{}, f, nil)
	}
	res, err := s.Donors.Create(r.Context(), in, f.Values.Get("confirm_duplicates") != "")
	return s.donorSaved(w, r, donor.Donor{}, f, res, err)
}

func (s *Server) donorSaved(w http.ResponseWriter, r *http.Request, d donor.Donor, f *Form, res donor.Result, err error) error {
	l := Lang(r)
	if err != nil {
		switch errs.CodeOf(err) {
		case errs.Invalid, errs.Conflict:
			f.Fail(l, err)
			return s.renderDonorForm(w, r, d, f, res.Duplicates)
		}
		return err
	}
	key, to := "fund_donor.page_saved", "/fund/donors/"+strconv.FormatInt(res.Donor.ID, 10)
	if len(res.Duplicates) > 0 {
		key, to = "fund_donor.page_duplicate_possible_saved", to+"?similar=1"
	}
	Flash(w, key)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (s *Server) donorUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := donorID(r)
	if err != nil {
		return err
	}
	d, err := s.Donors.Exact(r.Context(), id)
	if err != nil {
		return err
	}
	f := NewForm(r)
	in, err := s.donorInput(r, f, d.MemberID)
	if err != nil {
		f.Fail(Lang(r), err)
		return s.renderDonorForm(w, r, d, f, nil)
	}
	res, err := s.Donors.Update(r.Context(), id, in, f.Values.Get("confirm_duplicates") != "")
	return s.donorSaved(w, r, d, f, res, err)
}

type donorMergePage struct {
	Into donor.Donor
	From *donor.Donor
	Form *Form
}

func (s *Server) donorMergeForm(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: r.URL.Query(), Errors: map[string]string{}}
	return s.renderDonorMerge(w, r, f)
}

func (s *Server) renderDonorMerge(w http.ResponseWriter, r *http.Request, f *Form) error {
	l := Lang(r)
	id, err := donorID(r)
	if err != nil {
		return err
	}
	into, err := s.Donors.Exact(r.Context(), id)
	if err != nil {
		return err
	}
	if into.MergedInto != 0 {
		http.Redirect(w, r, "/fund/donors/"+strconv.FormatInt(into.MergedInto, 10), http.StatusSeeOther)
		return nil
	}
	pg := donorMergePage{Into: into, Form: f}
	if v := strings.TrimSpace(arabic.Digits(strings.TrimPrefix(f.Values.Get("from"), "#"))); v != "" {
		from, err := strconv.ParseInt(v, 10, 64)
		var d donor.Donor
		if err == nil {
			d, err = s.Donors.Exact(r.Context(), from)
		}
		switch {
		case err == nil && d.MemberID == into.MemberID:
			pg.From = &d
		case err == nil || errs.CodeOf(err) == errs.NotFound || errs.CodeOf(err) == errs.Invalid:
			f.Errors["from"] = tr(l, "fund_donor.not_found")
		default:
			return err
		}
	}
	return s.Render(w, r, "fund/donor_merge", View{Title: "fund_donor.page_merge_title", Data: pg, Form: f})
}

func (s *Server) donorMerge(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	id, err := donorID(r)
	if err != nil {
		return err
	}
	from, err := strconv.ParseInt(strings.TrimSpace(arabic.Digits(strings.TrimPrefix(f.Values.Get("from"), "#"))), 10, 64)
	if err != nil {
		f.Errors["from"] = tr(Lang(r), "fund_donor.not_found")
		return s.renderDonorMerge(w, r, f)
	}
	if _, err := s.Donors.Merge(r.Context(), id, from, f.Values.Get("reason")); err != nil {
		switch errs.CodeOf(err) {
		case errs.Invalid, errs.Conflict, errs.NotFound:
			f.Fail(Lang(r), err)
			return s.renderDonorMerge(w, r, f)
		}
		return err
	}
	Flash(w, "fund_donor.page_merged_done")
	http.Redirect(w, r, "/fund/donors/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
