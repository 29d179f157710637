package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/printer"
	"github.com/tadamun/tadamun/internal/program"
)

func init() {
	Register(Module{
		Name: "print",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Public(mux, "GET /print/print.css", s.printCSS)
			s.Handle(mux, "GET /households/{id}/print/{doc}", auth.RegistryRead, s.printView(s.householdDoc))
			s.Handle(mux, "GET /households/{id}/print/{doc}/pdf", auth.RegistryRead, s.printPDF(s.householdDoc))
			s.Handle(mux, "GET /payments/cycles/{id}/receipts", auth.PaymentRead, s.printView(s.receiptsDoc))
			s.Handle(mux, "GET /payments/cycles/{id}/receipts/pdf", auth.PaymentRead, s.printPDF(s.receiptsDoc))
			s.Handle(mux, "POST /runs/{id}/print", auth.ProgramRead, s.printBulkStart)
			s.Handle(mux, "GET /print/jobs/{id}", auth.RegistryRead, s.printBulkShow)
			s.Handle(mux, "GET /print/jobs/{id}/pdf", auth.RegistryRead, s.printBulkFile)
			s.Handle(mux, "POST /print/jobs/{id}/cancel", auth.RegistryRead, s.printBulkCancel)
			s.Public(mux, "GET /portal/card/verify", s.cardVerify)
		},
	})
}

// printCSS is the print view's stylesheet, with the fonts the UI serves.
func (s *Server) printCSS(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(printer.Stylesheet("/static/fonts/"))
	return err
}

// printStyle is the style of a document for the user of r: as a print
// view linking its stylesheet, or embedded for the PDF.
func (s *Server) printStyle(r *http.Request, back, pdf string, embed bool) printer.Style {
	v := variantOf(r)
	st := printer.Style{Lang: v.lang, ArabicDigits: v.arabic, Embed: embed, CSSURL: "/print/print.css", ScriptURL: staticPath("print.js"), Back: back}
	if s.Printer.Available() {
		st.PDFURL = pdf
	}
	return st
}

// baseURL is the address the request came to, for the card's QR code.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func writeHTMLDoc(w http.ResponseWriter, d printer.Document) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(d.HTML)
	return err
}

func writePDF(w http.ResponseWriter, name string, pdf []byte) error {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(name)+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	_, err := w.Write(pdf)
	return err
}

func (s *Server) householdDoc(r *http.Request, embed bool) (printer.Document, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return printer.Document{}, err
	}
	doc := r.PathValue("doc")
	base := "/households/" + strconv.FormatInt(id, 10)
	st := s.printStyle(r, base, base+"/print/"+doc+"/pdf", embed)
	switch doc {
	case "letter":
		return s.Printer.Letter(r.Context(), id, st)
	case "card":
		return s.Printer.Card(r.Context(), id, st, baseURL(r))
	}
	return printer.Document{}, errs.E(errs.NotFound, "error.not_found")
}

// docFunc builds a document from a request: embed (for a PDF) puts the
// style sheet and fonts inside it.
type docFunc func(r *http.Request, embed bool) (printer.Document, error)

// printView answers the print view of the document doc builds.
func (s *Server) printView(doc docFunc) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := doc(r, false)
		if err != nil {
			return err
		}
		return writeHTMLDoc(w, d)
	}
}

// printPDF answers the document doc builds as a PDF printed by Chromium.
func (s *Server) printPDF(doc docFunc) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := doc(r, true)
		if err != nil {
			return err
		}
		pdf, err := s.Printer.PDF(r.Context(), d)
		if err != nil {
			return err
		}
		return writePDF(w, d.Name+".pdf", pdf)
	}
}

func (s *Server) receiptsDoc(r *http.Request, embed bool) (printer.Document, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return printer.Document{}, err
	}
	c, err := s.Payments.CycleByID(r.Context(), id)
	if err != nil {
		return printer.Document{}, err
	}
	provider := strings.TrimSpace(r.URL.Query().Get("point"))
	base := "/payments/cycles/" + strconv.FormatInt(id, 10)
	q := ""
	if provider != "" {
		q = "?point=" + url.QueryEscape(provider)
	}
	st := s.printStyle(r, base, base+"/receipts/pdf"+q, embed)
	return s.Printer.Receipts(r.Context(), c.MemberID, id, provider, st)
}

// printBulkStart starts printing the letters of the households chosen on
// the run page (household=…), or of every household the run selected
// (selected=1).
func (s *Server) printBulkStart(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := NewForm(r)
	var hh []int64
	if f.Values.Get("selected") == "1" {
		yes := true
		err := s.Programs.EachDecision(r.Context(), id, program.DecisionFilter{Selected: &yes, ByRank: true, Limit: printer.DefaultMaxBulk + 1}, func(d program.Decision) error {
			hh = append(hh, d.HouseholdID)
			return nil
		})
		if err != nil {
			return err
		}
	} else {
		for _, v := range f.Values["household"] {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return errs.E(errs.Invalid, "error.invalid_input")
			}
			hh = append(hh, n)
		}
	}
	j, err := s.Printer.StartBulk(r.Context(), id, hh, s.printStyle(r, "", "", true))
	if err != nil {
		return err
	}
	Flash(w, "print.bulk_started")
	http.Redirect(w, r, "/print/jobs/"+strconv.FormatInt(j.ID, 10), http.StatusSeeOther)
	return nil
}

type printJobPage struct {
	Job     jobs.Job
	Mine    bool
	Percent int64
}

func (s *Server) printBulkShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := s.Printer.Bulk(r.Context(), id)
	if err != nil {
		return err
	}
	p := printJobPage{Job: j, Mine: j.ActorID == actor.From(r.Context()).UserID || auth.Can(actor.From(r.Context()), auth.JobManage)}
	if j.Total > 0 {
		p.Percent = j.Done * 100 / j.Total
	}
	return s.Render(w, r, "print/job", View{Title: "print.bulk_title", Data: p})
}

func (s *Server) printBulkFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.Printer.BulkFile(r.Context(), id)
	if err != nil {
		return err
	}
	// Always a download: the HTML one (no Chromium) carries its own style
	// and is opened from the disk, outside the site's CSP.
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(f.Name)+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(f.Content)
	return err
}

func (s *Server) printBulkCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Printer.CancelBulk(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/print/jobs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

type cardVerifyPage struct {
	Token  string
	Result *printer.Verification
	Member string // the issuing member's name
	Keys   []cardKey
}

type cardKey struct {
	Name, Key string
}

// cardVerify is the public page that checks a card's code: pasted in its
// form, or the address the QR code carries (?t=).
func (s *Server) cardVerify(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := Lang(r)
	p := cardVerifyPage{Token: strings.TrimSpace(r.URL.Query().Get("t"))}
	if len(p.Token) > 4096 {
		p.Token = p.Token[:4096]
	}
	ms, err := s.Members.List(actor.System(ctx))
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, m := range ms {
		name := m.NameAR
		if l == "en" && m.NameEN != "" {
			name = m.NameEN
		}
		names[m.Code] = name
		p.Keys = append(p.Keys, cardKey{Name: name, Key: s.Printer.PublicKey(m.Code).String()})
	}
	if p.Token != "" {
		v := s.Printer.Verify(ctx, p.Token)
		p.Result = &v
		p.Member = names[v.Card.Member]
	}
	return s.Render(w, r, "print/verify", View{Title: "print.verify.title", Data: p})
}
