package api

import (
	"net/http"
	"strings"

	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/printer"
	"github.com/tadamun/tadamun/internal/printer/card"
	"github.com/tadamun/tadamun/internal/program"
)

// BulkPrintRequest asks for the decision letters of a run's households in
// one PDF: the households named, or every household the run selected.
type BulkPrintRequest struct {
	Households []int64 `json:"households,omitempty"`
	Selected   bool    `json:"selected,omitempty"`
}

// CardCheck is what the public card check answers.
type CardCheck struct {
	Result    string   `json:"result"` // valid, expired or invalid
	Member    string   `json:"member_code,omitempty"`
	Household string   `json:"household_ref,omitempty"`
	Name      string   `json:"name,omitempty"`
	Programs  []string `json:"programs,omitempty"`
	Issued    string   `json:"issued,omitempty"`
	Expires   string   `json:"expires,omitempty"`
}

// CardKey is a member's card public key.
type CardKey struct {
	Member string `json:"member_code"`
	Key    string `json:"key"`
}

// printStyle is the PDF's style: the language of ?lang=, else of
// Accept-Language; Western digits unless ?digits=arab.
func printStyle(r *http.Request) printer.Style {
	l := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	if q := r.URL.Query().Get("lang"); q != "" {
		l = i18n.Parse(q)
	}
	return printer.Style{Lang: l, ArabicDigits: r.URL.Query().Get("digits") == "arab", Embed: true}
}

func pdfOf(a *API, r *http.Request, d printer.Document, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	pdf, err := a.Printer.PDF(r.Context(), d)
	if err != nil {
		return nil, err
	}
	return Raw{ContentType: "application/pdf", Body: pdf}, nil
}

func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// Printed documents: PDFs of a household's decision letter and card and of
// a cycle's cash receipt list, bulk prints of a run's letters as jobs, and
// the public check of a beneficiary card.
func init() {
	pdf := Raw{ContentType: "application/pdf"}
	langs := []Param{{Name: "lang", Type: "string", Description: "ar or en (default: Accept-Language, else ar)"},
		{Name: "digits", Type: "string", Description: "arab for Arabic-Indic digits"}}
	Register(
		Route{Method: "GET", Path: "/households/{id}/letter", Tag: "print", Summary: "The household's decision letter as an A4 PDF",
			Description: "Each program's latest decision on the household, explained in plain words, with the benefit and how and until when to appeal. Needs registry.read and program.read in the household's member; every print is audited. 409 print.unavailable when the server has no Chromium.",
			Query:       langs, Response: pdf,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				d, err := a.Printer.Letter(r.Context(), id, printStyle(r))
				return pdfOf(a, r, d, err)
			}},
		Route{Method: "GET", Path: "/households/{id}/card", Tag: "print", Summary: "The household's beneficiary card as an A4 PDF",
			Description: "The head's name, the household's reference and the programs it is enrolled in, with a QR code carrying a token signed with the member's card key (see GET /cards/keys). Audited.",
			Query:       langs, Response: pdf,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				d, err := a.Printer.Card(r.Context(), id, printStyle(r), requestBase(r))
				return pdfOf(a, r, d, err)
			}},
		Route{Method: "GET", Path: "/payments/cycles/{id}/receipts", Tag: "print", Summary: "The cycle's cash payment receipt list as an A4 PDF",
			Description: "The live cash payments of the cycle, by distribution point (cash agent): reference, recipient, the ID to check, amount and a signature or thumbprint box; totals per page and overall, page numbers. Needs payment.read. Audited.",
			Query:       append([]Param{{Name: "point", Type: "string", Description: "only this distribution point (cash agent code)"}}, langs...),
			Response:    pdf,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				c, err := a.Payments.CycleByID(r.Context(), id)
				if err != nil {
					return nil, err
				}
				d, err := a.Printer.Receipts(r.Context(), c.MemberID, id, strings.TrimSpace(r.URL.Query().Get("point")), printStyle(r))
				return pdfOf(a, r, d, err)
			}},
		Route{Method: "POST", Path: "/runs/{id}/print", Tag: "print", Summary: "Start printing the decision letters of a run's households as one PDF (a job)",
			Description: "Names the households, or selected=true for every household the run selected; at most 2000. Answers 202 with the job; follow it with GET /print/jobs/{id} and download GET /print/jobs/{id}/pdf when done. Without Chromium the job makes one HTML document (with its fonts) to print from a browser instead.",
			Query:       langs, Body: BulkPrintRequest{}, Response: jobs.Job{}, Status: http.StatusAccepted,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				req, err := Decode[BulkPrintRequest](r)
				if err != nil {
					return nil, err
				}
				hh := req.Households
				if req.Selected {
					yes := true
					hh = nil
					err := a.Programs.EachDecision(r.Context(), id, program.DecisionFilter{Selected: &yes, ByRank: true, Limit: printer.DefaultMaxBulk + 1}, func(d program.Decision) error {
						hh = append(hh, d.HouseholdID)
						return nil
					})
					if err != nil {
						return nil, err
					}
				}
				return a.Printer.StartBulk(r.Context(), id, hh, printStyle(r))
			}},
		Route{Method: "GET", Path: "/print/jobs/{id}", Tag: "print", Summary: "A bulk print job with its state and progress", Response: jobs.Job{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.Printer.Bulk(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/print/jobs/{id}/pdf", Tag: "print", Summary: "The file of a finished bulk print: the PDF, or one HTML document to print from a browser when the server has no Chromium", Response: pdf,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				f, err := a.Printer.BulkFile(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return Raw{ContentType: f.ContentType, Body: f.Content}, nil
			}},
		Route{Method: "POST", Path: "/print/jobs/{id}/cancel", Tag: "print", Summary: "Cancel a bulk print",
			Description: "Whoever started it may, and anyone with job.manage in its member. 409 when it is no longer running.", Response: jobs.Job{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.Printer.CancelBulk(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/cards/verify", Tag: "print", Public: true, Summary: "Check a beneficiary card's token",
			Description: "t is the token the card's QR code carries (or the verify address holding it). Answers valid, expired (with what the card says) or invalid (nothing else).",
			Query:       []Param{{Name: "t", Type: "string", Description: "the card's token"}},
			Response:    CardCheck{},
			Handle: func(a *API, r *http.Request) (any, error) {
				t := r.URL.Query().Get("t")
				if len(t) > 4*card.MaxToken {
					t = ""
				}
				v := a.Printer.Verify(r.Context(), t)
				out := CardCheck{Result: v.Result}
				if v.Result != "invalid" {
					c := v.Card
					out.Member, out.Household, out.Name, out.Programs, out.Issued, out.Expires = c.Member, c.Household, c.Name, c.Programs, c.Issued, c.Expires
				}
				return out, nil
			}},
		Route{Method: "GET", Path: "/cards/keys", Tag: "print", Public: true, Summary: "Every member's card public key, to check cards offline",
			Response: List[CardKey]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				ks, err := a.Printer.PublicKeys(r.Context())
				if err != nil {
					return nil, err
				}
				out := []CardKey{}
				for _, k := range ks {
					out = append(out, CardKey{Member: k.Member, Key: k.String()})
				}
				return List[CardKey]{out}, nil
			}},
	)
}
