package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/gift"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
)

// The fund's donations, receipts, pledges, exchange rates and campaigns,
// for fund staff. The rules are package gift's; these pages parse, call
// and show.
func init() {
	Register(Module{
		Name: "fund-gift",
		Menu: []MenuItem{
			{Path: "/fund/donations", Key: "gift.menu.donations", Perm: auth.FundRead, Order: 60},
			{Path: "/fund/pledges", Key: "gift.menu.pledges", Perm: auth.FundRead, Order: 61},
			{Path: "/fund/campaigns", Key: "gift.menu.campaigns", Perm: auth.FundRead, Order: 62},
			{Path: "/fund/rates", Key: "gift.menu.rates", Perm: auth.FundRead, Order: 63},
		},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Public(mux, "GET /fund/receipt.css", s.giftReceiptCSS)
			s.Handle(mux, "GET /fund/donations", auth.FundRead, s.giftDonations)
			s.Handle(mux, "GET /fund/donations/new", auth.FundWrite, s.giftDonationNew)
			s.Handle(mux, "POST /fund/donations", auth.FundWrite, s.giftDonationCreate)
			s.Handle(mux, "GET /fund/donations/{id}", auth.FundRead, s.giftDonation)
			s.Handle(mux, "GET /fund/donations/{id}/receipt", auth.FundRead, s.giftReceipt)
			s.Handle(mux, "GET /fund/donations/{id}/receipt.pdf", auth.FundRead, s.giftReceiptPDF)
			s.Handle(mux, "POST /fund/donations/{id}/cancel", auth.FundWrite, s.giftCancel)
			s.Handle(mux, "GET /fund/pledges", auth.FundRead, s.giftPledges)
			s.Handle(mux, "GET /fund/pledges/new", auth.FundWrite, s.giftPledgeNew)
			s.Handle(mux, "POST /fund/pledges", auth.FundWrite, s.giftPledgeCreate)
			s.Handle(mux, "GET /fund/pledges/{id}", auth.FundRead, s.giftPledge)
			s.Handle(mux, "POST /fund/pledges/{id}/cancel", auth.FundWrite, s.giftPledgeCancel)
			s.Handle(mux, "GET /fund/rates", auth.FundRead, s.giftRates)
			s.Handle(mux, "POST /fund/rates", auth.FundWrite, s.giftRateCreate)
			s.Handle(mux, "GET /fund/campaigns", auth.FundRead, s.giftCampaigns)
			s.Handle(mux, "GET /fund/campaigns/new", auth.FundWrite, s.giftCampaignNew)
			s.Handle(mux, "POST /fund/campaigns", auth.FundWrite, s.giftCampaignCreate)
			s.Handle(mux, "GET /fund/campaigns/{id}", auth.FundRead, s.giftCampaign)
			s.Handle(mux, "POST /fund/campaigns/{id}", auth.FundWrite, s.giftCampaignUpdate)
		},
	})
}

func (s *Server) giftReceiptCSS(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(gift.ReceiptCSS("/static/fonts/"))
	return err
}

// giftCommon is what every fund page shows: the member (and, for the union
// level, the list to choose another), and the choices of its forms.
type giftCommon struct {
	Member       member.Member
	Members      []Option
	Query        template.URL // member=…, escaped, for links and form actions (a plain string would be query-escaped whole)
	Kinds        []Option
	Restrictions []Option
	Groups       []Option
	Programs     []Option
	Campaigns    []Option // open campaigns
	Currencies   []Option
	Frequencies  []Option
	Statuses     []Option
}

func (s *Server) giftCommon(r *http.Request, forms bool) (giftCommon, error) {
	m, ms, err := s.notifyMember(r)
	if err != nil {
		return giftCommon{}, err
	}
	l := Lang(r)
	c := giftCommon{Member: m, Members: ms}
	if len(ms) > 0 {
		c.Query = template.URL("member=" + url.QueryEscape(m.Code))
	}
	for _, k := range fund.DonationKinds {
		c.Kinds = append(c.Kinds, Option{k, tr(l, "gift.kind."+k)})
	}
	if !forms {
		return c, nil
	}
	for _, k := range []string{"", fund.RestrictProgram, fund.RestrictGroup, fund.RestrictCampaign, fund.RestrictMember} {
		key := k
		if key == "" {
			key = "none"
		}
		c.Restrictions = append(c.Restrictions, Option{k, tr(l, "gift.restrict."+key)})
	}
	for _, g := range fund.Groups {
		c.Groups = append(c.Groups, Option{g, tr(l, "gift.group."+g)})
	}
	c.Programs = []Option{{"", tr(l, "gift.choose")}}
	if ps, err := s.Programs.List(r.Context(), m.ID); err == nil {
		for _, p := range ps {
			n := p.NameAR
			if l == i18n.EN && p.NameEN != "" {
				n = p.NameEN
			}
			c.Programs = append(c.Programs, Option{strconv.FormatInt(p.ID, 10), n})
		}
	}
	c.Campaigns = []Option{{"", tr(l, "gift.choose")}}
	if cs, err := s.Gifts.Campaigns(r.Context(), m.ID); err == nil {
		for _, x := range cs {
			if x.Status == gift.Open {
				c.Campaigns = append(c.Campaigns, Option{strconv.FormatInt(x.ID, 10), giftCampaignName(l, x.CampaignRef)})
			}
		}
	}
	c.Currencies = []Option{{m.Currency, currencyName(l, m.Currency)}}
	for _, cur := range money.Currencies() {
		if cur.Code != m.Currency {
			c.Currencies = append(c.Currencies, Option{cur.Code, currencyName(l, cur.Code)})
		}
	}
	for _, f := range gift.Frequencies {
		c.Frequencies = append(c.Frequencies, Option{f, tr(l, "gift.frequency."+f)})
	}
	for _, st := range []string{gift.Draft, gift.Open, gift.Closed} {
		c.Statuses = append(c.Statuses, Option{st, tr(l, "gift.campaign_status."+st)})
	}
	return c, nil
}

// ownRestriction leaves out of the picker what a campaign's own
// restriction cannot be: another campaign.
func (c *giftCommon) ownRestriction() {
	c.Campaigns = nil
	c.Restrictions = slices.DeleteFunc(c.Restrictions, func(o Option) bool { return o.Value == fund.RestrictCampaign })
}

func currencyName(l i18n.Lang, code string) string {
	c, ok := money.Lookup(code)
	if !ok {
		return code
	}
	if l == i18n.EN {
		return c.NameEN
	}
	return c.NameAR
}

func giftCampaignName(l i18n.Lang, c fund.CampaignRef) string {
	if l == i18n.EN && c.NameEn != "" {
		return c.NameEn
	}
	return c.Name
}

// giftRow is a donation as lists show it.
type giftRow struct {
	gift.Donation
	Purpose string
}

type giftListPage struct {
	giftCommon
	Rows         []giftRow
	Count, Total int64
	More         string // the next page's query, "" for none
	Export       exportLinks
	Statuses2    []Option
}

func (s *Server) giftFilter(r *http.Request, m member.Member) (gift.DonationFilter, map[string]string) {
	q := r.URL.Query()
	f := gift.DonationFilter{Kind: q.Get("kind"), Status: q.Get("status"), Receipt: strings.TrimSpace(q.Get("receipt")), Zakat: q.Get("zakat") == "1"}
	vals := map[string]string{"kind": f.Kind, "status": f.Status, "receipt": f.Receipt, "donor": q.Get("donor"), "campaign": q.Get("campaign"),
		"pledge": q.Get("pledge"), "from": q.Get("from"), "to": q.Get("to"), "zakat": q.Get("zakat")}
	f.DonorID, _ = arabic.ParseInt(q.Get("donor"))
	f.CampaignID, _ = arabic.ParseInt(q.Get("campaign"))
	f.PledgeID, _ = arabic.ParseInt(q.Get("pledge"))
	if t, err := arabic.ParseDate(q.Get("from")); err == nil {
		f.From = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, m.Location())
	}
	if t, err := arabic.ParseDate(q.Get("to")); err == nil {
		f.To = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, m.Location()).AddDate(0, 0, 1)
	}
	off, _ := arabic.ParseInt(q.Get("offset"))
	f.Offset = int(max(off, 0))
	return f, vals
}

func (s *Server) giftDonations(w http.ResponseWriter, r *http.Request) error {
	c, err := s.giftCommon(r, false)
	if err != nil {
		return err
	}
	f, vals := s.giftFilter(r, c.Member)
	if exportFormat(r) != "" {
		return s.giftExport(w, r, c.Member, f)
	}
	f.Limit = 100
	ds, n, total, err := s.Gifts.Donations(r.Context(), c.Member.ID, f)
	if err != nil {
		return err
	}
	p := giftListPage{giftCommon: c, Count: n, Total: total, Export: exportLinksOf(r)}
	l := Lang(r)
	p.Kinds = append([]Option{{"", tr(l, "gift.all")}}, p.Kinds...)
	p.Statuses2 = []Option{{"", tr(l, "gift.all")}, {gift.Recorded, tr(l, "gift.status.recorded")}, {gift.Cancelled, tr(l, "gift.status.cancelled")}}
	form := &Form{Values: url.Values{}, Errors: map[string]string{}}
	for k, v := range vals {
		form.Values.Set(k, v)
	}
	for _, d := range ds {
		p.Rows = append(p.Rows, giftRow{Donation: d, Purpose: s.Gifts.Purpose(r.Context(), Lang(r), d.Restriction)})
	}
	if int64(f.Offset+len(ds)) < n {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(f.Offset+len(ds)))
		p.More = "/fund/donations?" + q.Encode()
	}
	return s.Render(w, r, "fund/gift_donations", View{Title: "gift.donations.title", Data: p, Form: form})
}

func (s *Server) giftExport(w http.ResponseWriter, r *http.Request, m member.Member, f gift.DonationFilter) error {
	l := Lang(r)
	var filters []exportFilter
	if f.Kind != "" {
		filters = append(filters, exportFilter{"gift.kind", tr(l, "gift.kind."+f.Kind)})
	}
	if f.Status != "" {
		filters = append(filters, exportFilter{"web.status", tr(l, "gift.status."+f.Status)})
	}
	loc := m.Location()
	x, err := s.startExport(w, r, "donations", "gift.donations.title", m.ID, loc, filters,
		[]string{"gift.receipt_number", "gift.received_on", "gift.donor", "gift.kind", "gift.amount", "gift.currency", "gift.original_amount", "gift.original_currency", "gift.purpose", "web.status", "gift.reference"})
	if err != nil {
		return err
	}
	err = s.Gifts.EachDonation(r.Context(), m.ID, f, x.Limit(), func(d gift.Donation) error {
		c, _ := money.Lookup(d.Currency)
		oc, _ := money.Lookup(d.OrigCurrency)
		return x.Row(rawCell(d.Receipt), rawCell(d.ReceivedOn.In(loc).Format(time.DateOnly)), rawCell(strconv.FormatInt(d.DonorID, 10)), tr(l, "gift.kind."+d.Kind),
			rawCell(money.Format(d.Amount, c.Exponent)), rawCell(d.Currency), rawCell(money.Format(d.OrigAmount, oc.Exponent)), rawCell(d.OrigCurrency),
			s.Gifts.Purpose(r.Context(), l, d.Restriction), tr(l, "gift.status."+d.Status), d.Reference)
	})
	return x.Close(err)
}

type giftFormPage struct {
	giftCommon
	Today  string
	Picker donorPicker
}

// giftForm is a donation or pledge form's page data, its donor picker
// drawn from the form's values.
func (s *Server) giftForm(r *http.Request, c giftCommon, f *Form, today string) giftFormPage {
	return giftFormPage{giftCommon: c, Today: today, Picker: s.donorPickerFor(r, c.Member, f.Values, f.Errors, "donor", "", nil)}
}

func (s *Server) giftDonationNew(w http.ResponseWriter, r *http.Request) error {
	c, err := s.giftCommon(r, true)
	if err != nil {
		return err
	}
	today := s.Clock.Now().In(c.Member.Location()).Format(time.DateOnly)
	f := &Form{Values: url.Values{"kind": {fund.KindCash}, "currency": {c.Member.Currency}, "received_on": {today}, "restriction": {""}}, Errors: map[string]string{}}
	for _, k := range []string{"donor", "campaign", "pledge"} {
		if v := r.URL.Query().Get(k); v != "" {
			f.Values.Set(k, v)
		}
	}
	if f.Values.Get("campaign") != "" {
		f.Values.Set("restriction", fund.RestrictCampaign)
	}
	return s.Render(w, r, "fund/gift_donation_new", View{Title: "gift.donation.new", Form: f, Data: s.giftForm(r, c, f, today)})
}

// giftRestriction reads the restriction picker.
func giftRestriction(v url.Values, m member.Member) (fund.Restriction, error) {
	r := fund.Restriction{Kind: v.Get("restriction"), Zakat: v.Get("zakat") == "1"}
	bad := errs.E(errs.Invalid, "error.invalid_input")
	var err error
	switch r.Kind {
	case fund.RestrictNone:
	case fund.RestrictProgram:
		if r.ProgramID, err = arabic.ParseInt(v.Get("program")); err != nil || r.ProgramID <= 0 {
			return r, bad.WithField("program", "gift.choose_program")
		}
	case fund.RestrictGroup:
		r.Group = v.Get("group")
	case fund.RestrictCampaign:
		if r.CampaignID, err = arabic.ParseInt(v.Get("campaign")); err != nil || r.CampaignID <= 0 {
			return r, bad.WithField("campaign", "gift.choose_campaign")
		}
	case fund.RestrictMember:
		r.MemberID = m.ID
	default:
		return r, bad.WithField("restriction", "gift.restriction_invalid")
	}
	return r, nil
}

func giftAmount(v string, currency, field string) (int64, error) {
	c, ok := money.Lookup(currency)
	if !ok {
		return 0, errs.E(errs.Invalid, "error.invalid_input").WithField("currency", "gift.currency_unknown")
	}
	if strings.TrimSpace(v) == "" {
		return 0, errs.E(errs.Invalid, "error.invalid_input").WithField(field, "error.required")
	}
	d, err := arabic.ParseDecimal(v)
	if err != nil {
		return 0, errs.E(errs.Invalid, "error.invalid_input").WithField(field, "gift.amount_invalid")
	}
	n, err := money.Parse(d, c.Exponent)
	if err != nil {
		return 0, errs.E(errs.Invalid, "error.invalid_input").WithField(field, "gift.amount_invalid")
	}
	return n, nil
}

func giftDate(v string, loc *time.Location, field string, required bool) (time.Time, error) {
	if strings.TrimSpace(v) == "" {
		if required {
			return time.Time{}, errs.E(errs.Invalid, "error.invalid_input").WithField(field, "error.required")
		}
		return time.Time{}, nil
	}
	t, err := arabic.ParseDate(v)
	if err != nil {
		return time.Time{}, errs.E(errs.Invalid, "error.invalid_input").WithField(field, "gift.date_invalid")
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, loc).UTC(), nil
}

func (s *Server) giftDonationInput(ctx context.Context, f *Form, m member.Member) (fund.DonationInput, error) {
	v := f.Values
	in := fund.DonationInput{MemberID: m.ID, Kind: v.Get("kind"), Currency: v.Get("currency"), Reference: v.Get("reference"), Memo: v.Get("memo"),
		Goods: v.Get("goods"), ValuedBy: v.Get("valued_by")}
	if in.Currency == "" {
		in.Currency = m.Currency
	}
	var err error
	if in.DonorID, err = s.pickedDonor(ctx, m, v.Get("donor"), "donor"); err != nil {
		return in, err
	}
	if v.Get("pledge") != "" {
		if in.PledgeID, err = arabic.ParseInt(v.Get("pledge")); err != nil {
			return in, errs.E(errs.Invalid, "error.invalid_input").WithField("pledge", "gift.pledge_unknown")
		}
	}
	if in.Amount, err = giftAmount(v.Get("amount"), in.Currency, "amount"); err != nil {
		return in, err
	}
	loc := m.Location()
	if in.ReceivedOn, err = giftDate(v.Get("received_on"), loc, "received_on", true); err != nil {
		return in, err
	}
	if in.Kind == fund.KindInKind {
		if in.ValuedOn, err = giftDate(v.Get("valued_on"), loc, "valued_on", true); err != nil {
			return in, err
		}
	}
	in.Restriction, err = giftRestriction(v, m)
	return in, err
}

func (s *Server) giftDonationCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.giftCommon(r, true)
	if err != nil {
		return err
	}
	f := NewForm(r)
	if f.Values.Get(donorSearch) != "" {
		// The picker's search without JavaScript: the form again, with the matches.
		return s.Render(w, r, "fund/gift_donation_new", View{Title: "gift.donation.new", Form: f, Data: s.giftForm(r, c, f, "")})
	}
	in, err := s.giftDonationInput(r.Context(), f, c.Member)
	var ref fund.DonationRef
	if err == nil {
		ref, err = s.Gifts.Record(r.Context(), in)
	}
	if err != nil {
		if code := errs.CodeOf(err); code == errs.Internal || code == errs.Forbidden || code == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.Render(w, r, "fund/gift_donation_new", View{Title: "gift.donation.new", Form: f, Data: s.giftForm(r, c, f, ""), Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "gift.donation.recorded")
	http.Redirect(w, r, "/fund/donations/"+strconv.FormatInt(ref.ID, 10), http.StatusSeeOther)
	return nil
}

type giftDonationPage struct {
	Donation gift.Donation
	Purpose  string
	Member   member.Member
	Campaign string
	Donor    string // the donor's name, linked to its page
}

func (s *Server) giftDonationView(w http.ResponseWriter, r *http.Request, d gift.Donation, f *Form, status int) error {
	m, err := s.Members.ByID(r.Context(), d.MemberID)
	if err != nil {
		return err
	}
	p := giftDonationPage{Donation: d, Purpose: s.Gifts.Purpose(r.Context(), Lang(r), d.Restriction), Member: m}
	if dn, err := s.Donors.Get(r.Context(), d.DonorID); err == nil {
		p.Donor = dn.Name
	}
	if f == nil {
		f = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	return s.Render(w, r, "fund/gift_donation", View{Title: "gift.donation.title", Form: f, Data: p, Status: status})
}

func (s *Server) giftDonation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.Gifts.Donation(r.Context(), id)
	if err != nil {
		return err
	}
	return s.giftDonationView(w, r, d, nil, 0)
}

func (s *Server) giftReceiptStyle(r *http.Request, id int64) gift.ReceiptStyle {
	// The print view is in the reader's language; the PDF in either.
	v := variantOf(r)
	l := v.lang
	if q := r.FormValue("lang"); q != "" && strings.HasSuffix(r.URL.Path, ".pdf") {
		l = i18n.Parse(q)
	}
	base := "/fund/donations/" + strconv.FormatInt(id, 10)
	st := gift.ReceiptStyle{Lang: l, ArabicDigits: v.arabic && l == i18n.AR, CSSURL: "/fund/receipt.css", ScriptURL: staticPath("print.js"), Back: base}
	if p := s.Gifts.Printer(); p != nil && p.Available() {
		st.PDFURL = base + "/receipt.pdf?lang=" + string(l)
	}
	return st
}

func (s *Server) giftReceipt(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, _, err := s.Gifts.Receipt(r.Context(), id, s.giftReceiptStyle(r, id))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = w.Write(b)
	return err
}

func (s *Server) giftReceiptPDF(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pdf, name, err := s.Gifts.ReceiptPDF(r.Context(), id, s.giftReceiptStyle(r, id))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.pdf"`)
	_, err = w.Write(pdf)
	return err
}

func (s *Server) giftCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := NewForm(r)
	d, err := s.Gifts.Cancel(r.Context(), id, f.Values.Get("reason"))
	if err != nil {
		if code := errs.CodeOf(err); code == errs.Internal || code == errs.Forbidden || code == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		cur, gerr := s.Gifts.Donation(r.Context(), id)
		if gerr != nil {
			return gerr
		}
		return s.giftDonationView(w, r, cur, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "gift.receipt.cancelled_flash")
	http.Redirect(w, r, "/fund/donations/"+strconv.FormatInt(d.ID, 10), http.StatusSeeOther)
	return nil
}

type giftPledgesPage struct {
	giftCommon
	Pledges []gift.PledgeState
	Overdue bool
	Purpose map[int64]string
}

func (s *Server) giftPledges(w http.ResponseWriter, r *http.Request) error {
	c, err := s.giftCommon(r, false)
	if err != nil {
		return err
	}
	over := r.URL.Query().Get("overdue") == "1"
	ps, err := s.Gifts.Pledges(r.Context(), c.Member.ID, gift.PledgeFilter{OverdueOnly: over})
	if err != nil {
		return err
	}
	p := giftPledgesPage{giftCommon: c, Pledges: ps, Overdue: over, Purpose: map[int64]string{}}
	for _, x := range ps {
		p.Purpose[x.ID] = s.Gifts.Purpose(r.Context(), Lang(r), x.Restriction)
	}
	return s.Render(w, r, "fund/gift_pledges", View{Title: "gift.pledges.title", Data: p})
}

func (s *Server) giftPledgeNew(w http.ResponseWriter, r *http.Request) error {
	c, err := s.giftCommon(r, true)
	if err != nil {
		return err
	}
	today := s.Clock.Now().In(c.Member.Location()).Format(time.DateOnly)
	f := &Form{Values: url.Values{"frequency": {gift.Monthly}, "currency": {c.Member.Currency}, "starts": {today}, "instalments": {"12"}, "donor": {r.URL.Query().Get("donor")}}, Errors: map[string]string{}}
	return s.Render(w, r, "fund/gift_pledge_new", View{Title: "gift.pledge.new", Form: f, Data: s.giftForm(r, c, f, today)})
}

func (s *Server) giftPledgeCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.giftCommon(r, true)
	if err != nil {
		return err
	}
	f := NewForm(r)
	if f.Values.Get(donorSearch) != "" {
		return s.Render(w, r, "fund/gift_pledge_new", View{Title: "gift.pledge.new", Form: f, Data: s.giftForm(r, c, f, "")})
	}
	v := f.Values
	p := gift.Pledge{MemberID: c.Member.ID, Currency: v.Get("currency"), Frequency: v.Get("frequency"), Starts: v.Get("starts"), Ends: v.Get("ends"), Reference: v.Get("reference")}
	if p.Currency == "" {
		p.Currency = c.Member.Currency
	}
	p.DonorID, err = s.pickedDonor(r.Context(), c.Member, v.Get("donor"), "donor")
	if err == nil && v.Get("instalments") != "" {
		var n int64
		if n, err = arabic.ParseInt(v.Get("instalments")); err != nil {
			err = errs.E(errs.Invalid, "error.invalid_input").WithField("instalments", "gift.instalments_invalid")
		}
		p.Instalments = int(n)
	}
	if err == nil {
		p.Amount, err = giftAmount(v.Get("amount"), p.Currency, "amount")
	}
	if err == nil {
		p.Restriction, err = giftRestriction(v, c.Member)
	}
	var out gift.Pledge
	if err == nil {
		out, err = s.Gifts.CreatePledge(r.Context(), p)
	}
	if err != nil {
		if code := errs.CodeOf(err); code == errs.Internal || code == errs.Forbidden || code == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.Render(w, r, "fund/gift_pledge_new", View{Title: "gift.pledge.new", Form: f, Data: s.giftForm(r, c, f, ""), Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/fund/pledges/"+strconv.FormatInt(out.ID, 10), http.StatusSeeOther)
	return nil
}

type giftPledgePage struct {
	P         gift.PledgeState
	Purpose   string
	Donations []gift.Donation
}

func (s *Server) giftPledge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.Gifts.PledgeState(r.Context(), id)
	if err != nil {
		return err
	}
	ds, _, _, err := s.Gifts.Donations(r.Context(), st.MemberID, gift.DonationFilter{PledgeID: id, Limit: 200})
	if err != nil {
		return err
	}
	return s.Render(w, r, "fund/gift_pledge", View{Title: "gift.pledge.title", Data: giftPledgePage{P: st, Purpose: s.Gifts.Purpose(r.Context(), Lang(r), st.Restriction), Donations: ds}})
}

func (s *Server) giftPledgeCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Gifts.CancelPledge(r.Context(), id); err != nil {
		return err
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/fund/pledges/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

type giftRatesPage struct {
	giftCommon
	Rates []gift.Rate
	Today string
}

func (s *Server) giftRatesView(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	c, err := s.giftCommon(r, true)
	if err != nil {
		return err
	}
	rs, err := s.Gifts.Rates(r.Context(), c.Member.ID)
	if err != nil {
		return err
	}
	today := s.Clock.Now().In(c.Member.Location()).Format(time.DateOnly)
	if f == nil {
		f = &Form{Values: url.Values{"to": {c.Member.Currency}, "from": {"USD"}, "date": {today}}, Errors: map[string]string{}}
	}
	return s.Render(w, r, "fund/gift_rates", View{Title: "gift.rates.title", Form: f, Data: giftRatesPage{giftCommon: c, Rates: rs, Today: today}, Status: status})
}

func (s *Server) giftRates(w http.ResponseWriter, r *http.Request) error {
	return s.giftRatesView(w, r, nil, 0)
}

func (s *Server) giftRateCreate(w http.ResponseWriter, r *http.Request) error {
	m, _, err := s.notifyMember(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	num, den, err := gift.ParseRate(v.Get("rate"))
	if err == nil {
		date := v.Get("date")
		if t, perr := arabic.ParseDate(date); perr == nil {
			date = t.Format(time.DateOnly)
		}
		_, err = s.Gifts.RecordRate(r.Context(), gift.Rate{MemberID: m.ID, From: v.Get("from"), To: v.Get("to"), Num: num, Den: den, Source: v.Get("source"), Date: date})
	}
	if err != nil {
		if code := errs.CodeOf(err); code == errs.Internal || code == errs.Forbidden || code == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.giftRatesView(w, r, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/fund/rates", http.StatusSeeOther)
	return nil
}

type giftCampaignsPage struct {
	giftCommon
	Campaigns []gift.CampaignView
}

func (s *Server) giftCampaigns(w http.ResponseWriter, r *http.Request) error {
	c, err := s.giftCommon(r, false)
	if err != nil {
		return err
	}
	cs, err := s.Gifts.Campaigns(r.Context(), c.Member.ID)
	if err != nil {
		return err
	}
	return s.Render(w, r, "fund/gift_campaigns", View{Title: "gift.campaigns.title", Data: giftCampaignsPage{giftCommon: c, Campaigns: cs}})
}

type giftCampaignPage struct {
	giftCommon
	Campaign gift.CampaignView
	Purpose  string
	Names    []string
	Recent   []gift.Donation
	New      bool
}

func campaignForm(c fund.CampaignRef, loc *time.Location) *Form {
	v := url.Values{"code": {c.Code}, "name": {c.Name}, "name_en": {c.NameEn}, "story": {c.Story}, "story_en": {c.StoryEn},
		"status": {c.Status}, "restriction": {c.Restriction.Kind}, "group": {c.Restriction.Group}}
	if c.Goal > 0 {
		cur, _ := money.Lookup(c.Currency)
		v.Set("goal", money.Format(c.Goal, cur.Exponent))
	}
	if !c.Starts.IsZero() {
		v.Set("starts", c.Starts.In(loc).Format(time.DateOnly))
	}
	if !c.Ends.IsZero() {
		v.Set("ends", c.Ends.In(loc).Format(time.DateOnly))
	}
	if c.Restriction.ProgramID != 0 {
		v.Set("program", strconv.FormatInt(c.Restriction.ProgramID, 10))
	}
	if c.Public {
		v.Set("public", "1")
	}
	return &Form{Values: v, Errors: map[string]string{}}
}

func (s *Server) giftCampaignNew(w http.ResponseWriter, r *http.Request) error {
	c, err := s.giftCommon(r, true)
	if err != nil {
		return err
	}
	c.ownRestriction()
	f := campaignForm(fund.CampaignRef{Status: gift.Draft, Starts: s.Clock.Now()}, c.Member.Location())
	return s.Render(w, r, "fund/gift_campaign", View{Title: "gift.campaign.new", Form: f, Data: giftCampaignPage{giftCommon: c, New: true}})
}

func (s *Server) giftCampaignInput(f *Form, m member.Member) (fund.CampaignRef, error) {
	v := f.Values
	c := fund.CampaignRef{MemberID: m.ID, Code: v.Get("code"), Name: v.Get("name"), NameEn: v.Get("name_en"), Story: v.Get("story"), StoryEn: v.Get("story_en"),
		Status: v.Get("status"), Public: v.Get("public") == "1"}
	var err error
	if strings.TrimSpace(v.Get("goal")) != "" {
		if c.Goal, err = giftAmount(v.Get("goal"), m.Currency, "goal"); err != nil {
			return c, err
		}
	}
	loc := m.Location()
	if c.Starts, err = giftDate(v.Get("starts"), loc, "starts", true); err != nil {
		return c, err
	}
	c.Starts = time.Date(c.Starts.In(loc).Year(), c.Starts.In(loc).Month(), c.Starts.In(loc).Day(), 0, 0, 0, 0, loc).UTC()
	if c.Ends, err = giftDate(v.Get("ends"), loc, "ends", false); err != nil {
		return c, err
	}
	if !c.Ends.IsZero() {
		c.Ends = time.Date(c.Ends.In(loc).Year(), c.Ends.In(loc).Month(), c.Ends.In(loc).Day(), 0, 0, 0, 0, loc).UTC()
	}
	if v.Get("restriction") == fund.RestrictCampaign {
		return c, errs.E(errs.Invalid, "error.invalid_input").WithField("restriction", "gift.restriction_invalid")
	}
	c.Restriction, err = giftRestriction(v, m)
	c.Restriction.Zakat = false
	return c, err
}

func (s *Server) giftCampaignCreate(w http.ResponseWriter, r *http.Request) error {
	cm, err := s.giftCommon(r, true)
	if err != nil {
		return err
	}
	cm.ownRestriction()
	f := NewForm(r)
	c, err := s.giftCampaignInput(f, cm.Member)
	if err == nil {
		c, err = s.Gifts.CreateCampaign(r.Context(), c)
	}
	if err != nil {
		if code := errs.CodeOf(err); code == errs.Internal || code == errs.Forbidden || code == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.Render(w, r, "fund/gift_campaign", View{Title: "gift.campaign.new", Form: f, Data: giftCampaignPage{giftCommon: cm, New: true}, Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/fund/campaigns/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) giftCampaignView(w http.ResponseWriter, r *http.Request, id int64, f *Form, status int) error {
	c, err := s.Gifts.Campaign(r.Context(), id)
	if err != nil {
		return err
	}
	if err := gift.RequireRead(r.Context(), c.MemberID); err != nil {
		return errs.E(errs.NotFound, "gift.campaign_not_found")
	}
	cm, err := s.giftCommon(r, true)
	if err != nil {
		return err
	}
	cm.ownRestriction()
	if cm.Member.ID != c.MemberID {
		if cm.Member, err = s.Members.ByID(r.Context(), c.MemberID); err != nil {
			return err
		}
	}
	pr, err := s.Gifts.Progress(r.Context(), id)
	if err != nil {
		return err
	}
	names, _, err := s.Gifts.NamedDonors(r.Context(), id, 20)
	if err != nil {
		return err
	}
	recent, _, _, err := s.Gifts.Donations(r.Context(), c.MemberID, gift.DonationFilter{CampaignID: id, Limit: 20})
	if err != nil {
		return err
	}
	if f == nil {
		f = campaignForm(c, cm.Member.Location())
	}
	p := giftCampaignPage{giftCommon: cm, Campaign: gift.CampaignView{CampaignRef: c, Progress: pr}, Purpose: s.Gifts.Purpose(r.Context(), Lang(r), c.Restriction),
		Names: names, Recent: recent}
	return s.Render(w, r, "fund/gift_campaign", View{Title: "gift.campaign.title", Form: f, Data: p, Status: status})
}

func (s *Server) giftCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.giftCampaignView(w, r, id, nil, 0)
}

func (s *Server) giftCampaignUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	old, err := s.Gifts.Campaign(r.Context(), id)
	if err != nil {
		return err
	}
	if err := gift.RequireRead(r.Context(), old.MemberID); err != nil {
		return errs.E(errs.NotFound, "gift.campaign_not_found")
	}
	m, err := s.Members.ByID(r.Context(), old.MemberID)
	if err != nil {
		return err
	}
	f := NewForm(r)
	c, err := s.giftCampaignInput(f, m)
	if err == nil {
		c.ID = id
		_, err = s.Gifts.UpdateCampaign(r.Context(), c)
	}
	if err != nil {
		if code := errs.CodeOf(err); code == errs.Internal || code == errs.Forbidden || code == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.giftCampaignView(w, r, id, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/fund/campaigns/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
