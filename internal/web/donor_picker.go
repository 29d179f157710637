package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund/donor"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// The donor picker (templates/_donor_picker.html): the fund's forms choose
// a donor by name, phone, e-mail, IBAN or reference instead of a typed
// number. The server draws a search box with a "search" button and the
// matching donors as radio choices named after the form's donor field, so
// that without JavaScript the button redraws the form (nothing saved, the
// other fields kept) with the matches to choose from; static/donor_picker.js
// turns the button into a live search that refills the choices from
// GET /fund/donors/pick as the person types. The form sends the donor's
// number; pickedDonor checks it is one of the member's donors.
func init() {
	Register(Module{
		Name: "fund-picker",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /fund/donors/pick", auth.FundRead, s.donorPick)
		},
	})
}

const (
	// donorQuery is the picker's search box; donorSearch its no-JavaScript
	// button: a form posted with it is drawn again with the matches.
	donorQuery  = "donor_q"
	donorSearch = "donor_search"
	// donorPickMax is how many matches a search shows.
	donorPickMax = 10
)

// donorPicker is what the "donor-picker" partial draws.
type donorPicker struct {
	Field    string // the form field carrying the donor's number
	ID       string // suffix of the element ids (several pickers on a page)
	Endpoint string // the JSON search, with the member
	Query    string // what was typed in the search box
	Chosen   int64
	Choices  []donorChoice
	Searched bool   // a search ran (its status is shown)
	Status   string // "3 donors found", in the reader's words and digits
	Error    string // the field's error
}

// donorChoice is one donor offered: a name and what tells namesakes apart.
type donorChoice struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Detail string `json:"detail"`
	// Keep marks a suggestion the page offers whatever is typed (the
	// suspense queue's); the script leaves it in place.
	Keep bool `json:"-"`
}

// donorDetail is the short detail beside a donor's name: its number, its
// kind, and the end of a phone number or a reference.
func donorDetail(v variant, d donor.Donor) string {
	l := v.lang
	parts := []string{i18n.T(l, "fund_picker.number", map[string]any{"n": i18n.IsolateLTR(v.digits(strconv.FormatInt(d.ID, 10)))}),
		tr(l, "fund_donor.kind."+d.Kind)}
	switch {
	case len(d.Phones) > 0:
		p := arabic.DigitsOnly(d.Phones[0])
		if len(p) > 4 {
			p = p[len(p)-4:]
		}
		parts = append(parts, i18n.T(l, "fund_picker.phone_ends", map[string]any{"last": i18n.IsolateLTR(v.digits(p))}))
	case len(d.Refs) > 0:
		parts = append(parts, i18n.T(l, "fund_picker.ref", map[string]any{"ref": i18n.IsolateLTR(d.Refs[0])}))
	case d.RegNo != "":
		parts = append(parts, i18n.T(l, "fund_picker.reg_no", map[string]any{"reg": i18n.IsolateLTR(d.RegNo)}))
	}
	return strings.Join(parts, " · ")
}

// searchDonors returns up to donorPickMax of member m's donors matching q
// and how many match in all.
func (s *Server) searchDonors(ctx context.Context, v variant, m member.Member, q string) ([]donorChoice, int, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, 0, nil
	}
	if r := []rune(q); len(r) > 200 {
		q = string(r[:200])
	}
	res, err := s.Donors.List(ctx, m.ID, donor.Filter{Query: q, Limit: donorPickMax})
	if err != nil {
		return nil, 0, err
	}
	out := make([]donorChoice, 0, len(res.Donors))
	for _, d := range res.Donors {
		out = append(out, donorChoice{ID: d.ID, Name: d.Name, Detail: donorDetail(v, d)})
	}
	return out, res.Total, nil
}

// pickStatus says how many donors a search found.
func pickStatus(v variant, total int) string {
	return i18n.RenderN(v.lang, "fund_picker.found", int64(total), map[string]any{"n": v.num(total)}, i18n.Options{Arabic: v.arabic, Isolate: true})
}

// donorPickerFor builds the picker of form field field for member m from
// the form's values: the chosen donor first, then the suggestions, then
// what the search box finds.
func (s *Server) donorPickerFor(r *http.Request, m member.Member, vals url.Values, errors map[string]string, field, id string, suggested []donorChoice) donorPicker {
	v := variantOf(r)
	p := donorPicker{Field: field, ID: id, Query: strings.TrimSpace(vals.Get(donorQuery)), Error: errors[field],
		Endpoint: "/fund/donors/pick?member=" + url.QueryEscape(m.Code)}
	seen := map[int64]bool{}
	if n, err := arabic.ParseInt(strings.TrimSpace(vals.Get(field))); err == nil && n > 0 {
		if d, err := s.Donors.Get(r.Context(), n); err == nil && d.MemberID == m.ID {
			p.Chosen = d.ID
			seen[d.ID] = true
			keep := false
			for _, c := range suggested {
				keep = keep || c.ID == d.ID
			}
			if !keep {
				p.Choices = append(p.Choices, donorChoice{ID: d.ID, Name: d.Name, Detail: donorDetail(v, d)})
			}
		}
	}
	for _, c := range suggested {
		c.Keep = true
		seen[c.ID] = true
		p.Choices = append(p.Choices, c)
	}
	if p.Query != "" {
		found, total, err := s.searchDonors(r.Context(), v, m, p.Query)
		if err == nil {
			p.Searched = true
			p.Status = pickStatus(v, total)
			for _, c := range found {
				if !seen[c.ID] {
					p.Choices = append(p.Choices, c)
				}
			}
		}
	}
	return p
}

// pickedDonor reads the donor a picker chose: a field error when none is
// chosen or the number is not one of member m's donors; a merged donor
// stands for the donor it was merged into.
func (s *Server) pickedDonor(ctx context.Context, m member.Member, value, field string) (int64, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, errs.E(errs.Invalid, "error.invalid_input").WithField(field, "fund_picker.none")
	}
	unknown := errs.E(errs.Invalid, "error.invalid_input").WithField(field, "fund_picker.unknown")
	n, err := arabic.ParseInt(value)
	if err != nil || n <= 0 {
		return 0, unknown
	}
	d, err := s.Donors.Get(ctx, n)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return 0, unknown
		}
		return 0, err
	}
	if d.MemberID != m.ID {
		return 0, unknown
	}
	return d.ID, nil
}

type donorPickJSON struct {
	Donors []donorChoice `json:"donors"`
	Total  int           `json:"total"`
	Status string        `json:"status"`
}

// donorPick answers the picker's script: the member's donors matching q,
// at most donorPickMax, each with its detail in the reader's language.
func (s *Server) donorPick(w http.ResponseWriter, r *http.Request) error {
	m, _, err := s.notifyMember(r)
	if err != nil {
		return err
	}
	v := variantOf(r)
	found, total, err := s.searchDonors(r.Context(), v, m, r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	out := donorPickJSON{Donors: found, Total: total, Status: pickStatus(v, total)}
	if out.Donors == nil {
		out.Donors = []donorChoice{}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b)
	return err
}
