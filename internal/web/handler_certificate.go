package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/training/certificate"
	"github.com/tadamun/tadamun/internal/training/certificate/token"
)

// Training certificates (issue 18 item 7): the training officer's list
// with its search, a certificate's page with its prints and the revoke
// form; and on the portal, the verification by code, token or the QR
// code's address, and every member's published verification key.
// Templates are under templates/certificate/.
func init() {
	Register(Module{
		Name: "certificate",
		Menu: []MenuItem{{Path: "/training/certificates", Key: "certificate.menu", Perm: auth.TrainingRead, Order: 76}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /training/certificates", auth.TrainingRead, s.tcertList)
			s.Handle(mux, "GET /training/certificates/{id}", auth.TrainingRead, s.tcertPage)
			s.Handle(mux, "POST /training/certificates/{id}/revoke", auth.TrainingManage, s.tcertRevoke)
			s.Handle(mux, "GET /training/certificates/{id}/print", auth.TrainingRead, s.tcertPrint)
			s.Handle(mux, "GET /training/certificates/{id}/pdf", auth.TrainingRead, s.tcertPDF)
			s.Public(mux, "GET /portal/certificates", s.tcertVerify)
			s.Public(mux, "GET /portal/certificates/keys", s.tcertKeys)
			s.Public(mux, "GET /portal/certificates/keys.txt", s.tcertKeysText)
		},
	})
}

// tcertMember is the member whose certificates the page shows: the
// actor's, or for a union-level user the one ?member=CODE names; ok is
// false when the chooser was drawn.
func (s *Server) tcertMember(w http.ResponseWriter, r *http.Request) (member.Member, bool, error) {
	a := actor.From(r.Context())
	if a.MemberID != 0 {
		m, err := s.Members.ByID(r.Context(), a.MemberID)
		return m, err == nil, err
	}
	code := r.URL.Query().Get("member")
	if code == "" {
		ms, err := s.Members.List(r.Context())
		if err != nil {
			return member.Member{}, false, err
		}
		var o []Option
		for _, m := range ms {
			o = append(o, Option{m.Code, pickerName(Lang(r), m.NameAR, m.NameEN)})
		}
		return member.Member{}, false, s.Render(w, r, "certificate/choose", View{Title: "certificate.title_list", Data: o})
	}
	m, err := s.Members.Get(r.Context(), code)
	return m, err == nil, err
}

func tcertID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, "certificate.not_found")
	}
	return id, nil
}

// tcertRow is a certificate as a list shows it.
type tcertRow struct {
	certificate.Certificate
	Grouped string
	Course  string
}

func tcertRows(l i18n.Lang, cs []certificate.Certificate) []tcertRow {
	out := make([]tcertRow, 0, len(cs))
	for _, c := range cs {
		out = append(out, tcertRow{Certificate: c, Grouped: certificate.GroupCode(c.Code), Course: tcertCourse(l, c.CourseAR, c.CourseEN)})
	}
	return out
}

func tcertCourse(l i18n.Lang, ar, en string) string {
	if l == i18n.EN && en != "" {
		return en
	}
	return ar
}

type tcertListPage struct {
	Member   member.Member
	MQ       string
	Query    string
	Status   string
	Statuses []Option
	Rows     []tcertRow
}

func (s *Server) tcertList(w http.ResponseWriter, r *http.Request) error {
	m, ok, err := s.tcertMember(w, r)
	if !ok || err != nil {
		return err
	}
	l, q := Lang(r), r.URL.Query()
	p := tcertListPage{Member: m, MQ: memberQuery(r, m), Query: q.Get("q"), Status: q.Get("status"),
		Statuses: []Option{{"", tr(l, "certificate.status_all")}, {certificate.Valid, tr(l, "certificate.status_valid")}, {certificate.Revoked, tr(l, "certificate.status_revoked")}}}
	cs, err := s.Certificates.List(r.Context(), certificate.Filter{MemberID: m.ID, Query: p.Query, Status: p.Status})
	var f *Form
	if errs.CodeOf(err) == errs.Invalid {
		f = &Form{Values: q, Errors: map[string]string{}, arabic: variantOf(r).arabic}
		f.Fail(l, err)
	} else if err != nil {
		return err
	}
	p.Rows = tcertRows(l, cs)
	return s.Render(w, r, "certificate/list", View{Title: "certificate.title_list", Data: p, Form: f})
}

type tcertPageData struct {
	tcertRow
	Member   member.Member
	Back     string
	Verify   template.URL
	Issuer   string
	Revoke   *Form
	CanPrint bool
}

func (s *Server) tcertPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTcertPage(w, r, nil, 0)
}

func (s *Server) renderTcertPage(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	id, err := tcertID(r)
	if err != nil {
		return err
	}
	c, err := s.Certificates.Get(r.Context(), id)
	if err != nil {
		return err
	}
	m, err := s.Members.ByID(r.Context(), c.MemberID)
	if err != nil {
		return err
	}
	l := Lang(r)
	p := tcertPageData{tcertRow: tcertRows(l, []certificate.Certificate{c})[0], Member: m, Back: "/training/certificates" + memberQuery(r, m),
		Verify: template.URL(certificate.VerifyPath + "?code=" + url.QueryEscape(c.Code)), Issuer: pickerName(l, m.NameAR, m.NameEN),
		Revoke: f, CanPrint: s.Certificates.Signs()}
	if p.Revoke == nil {
		p.Revoke = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	return s.Render(w, r, "certificate/page", View{Title: "certificate.title_page", Data: p, Status: status})
}

func (s *Server) tcertRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := tcertID(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	if _, err := s.Certificates.Revoke(r.Context(), id, f.Values.Get("reason")); err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderTcertPage(w, r, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "certificate.revoked_done")
	http.Redirect(w, r, "/training/certificates/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// tcertStyle is the print's style: the page's language unless ?lang=
// asks for the other, and the server's address for the QR code.
func tcertStyle(r *http.Request) certificate.Style {
	v := variantOf(r)
	l := v.lang
	if q := r.URL.Query().Get("lang"); q != "" {
		l = i18n.Parse(q)
	}
	return certificate.Style{Lang: l, ArabicDigits: v.arabic && l == i18n.AR, Base: baseURL(r)}
}

func writeTcert(w http.ResponseWriter, doc certificate.Document, pdf []byte) error {
	w.Header().Set("Cache-Control", "no-store")
	if pdf == nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The document carries its own styles, fonts and QR code, inline.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		_, err := w.Write(doc.HTML)
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+doc.Name+`.pdf"`)
	_, err := w.Write(pdf)
	return err
}

func (s *Server) tcertPrint(w http.ResponseWriter, r *http.Request) error {
	id, err := tcertID(r)
	if err != nil {
		return err
	}
	doc, err := s.Certificates.Print(r.Context(), id, tcertStyle(r))
	if err != nil {
		return err
	}
	return writeTcert(w, doc, nil)
}

func (s *Server) tcertPDF(w http.ResponseWriter, r *http.Request) error {
	id, err := tcertID(r)
	if err != nil {
		return err
	}
	doc, pdf, err := s.Certificates.PDF(r.Context(), id, tcertStyle(r))
	if err != nil {
		return err
	}
	return writeTcert(w, doc, pdf)
}

type tcertVerifyPage struct {
	Input   string
	Result  string
	Error   string
	Signed  bool
	C       *certificate.Public
	Course  string
	Grouped string
	Member  string
	Hours   string
	Loc     *time.Location
}

// tcertVerify is the portal's verify page: a code or a pasted token in
// ?q=, or the QR code's address (?code=…&t=…) that a phone opens.
func (s *Server) tcertVerify(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	in := q.Get("q")
	switch {
	case q.Get("t") != "":
		in = q.Get("t")
	case in == "" && q.Get("code") != "":
		in = q.Get("code")
	}
	l := Lang(r)
	p := tcertVerifyPage{Input: strings.TrimSpace(in)}
	if len(p.Input) > token.MaxInput {
		p.Input = p.Input[:token.MaxInput]
	}
	status := 0
	if strings.TrimSpace(in) != "" {
		v, err := s.Certificates.Verify(r.Context(), in)
		switch {
		case errs.CodeOf(err) == errs.Invalid:
			f := &Form{arabic: variantOf(r).arabic}
			f.Fail(l, err)
			p.Error, status = f.Message, http.StatusBadRequest
		case err != nil:
			return err
		default:
			p.Result, p.Signed, p.C = v.Result, v.Signed, v.Certificate
			if v.Certificate != nil {
				p.Course = tcertCourse(l, v.Certificate.CourseAR, v.Certificate.CourseEN)
				p.Grouped = certificate.GroupCode(v.Certificate.Code)
				p.Member = pickerName(l, v.Member.NameAR, v.Member.NameEN)
				p.Hours = i18n.RenderN(l, "certificate.hours_n", int64(v.Certificate.Hours), map[string]any{"n": strconv.Itoa(v.Certificate.Hours)}, i18n.Options{Arabic: variantOf(r).arabic, Isolate: true})
				p.Loc = v.Member.Location()
			}
		}
	}
	return s.Render(w, r, "certificate/verify", View{Title: "certificate.title_verify", Data: p, Status: status})
}

type tcertKey struct {
	Name, Code, Key string
}

func (s *Server) tcertKeyList(r *http.Request) ([]tcertKey, error) {
	keys, ms, err := s.Certificates.PublicKeys(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]tcertKey, 0, len(keys))
	for i, k := range keys {
		out = append(out, tcertKey{Name: pickerName(Lang(r), ms[i].NameAR, ms[i].NameEN), Code: ms[i].Code, Key: k.String()})
	}
	return out, nil
}

// tcertKeys publishes every member's certificate verification key, for
// anyone to verify certificates offline (tadamun certificate verify --key).
func (s *Server) tcertKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.tcertKeyList(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "certificate/keys", View{Title: "certificate.title_keys", Data: keys})
}

// tcertKeysText is the same keys as plain text, one a line.
func (s *Server) tcertKeysText(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.tcertKeyList(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k.Key + "\n")
	}
	_, err = w.Write([]byte(b.String()))
	return err
}
