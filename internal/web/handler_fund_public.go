package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/transparency"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
)

// The solidarity fund's public ledger on the portal (issue 17 item 7 and
// the campaign pages of item 5): figures computed and protected by
// internal/fund/transparency; these pages only label and draw them.
func init() {
	Register(Module{
		Name: "portal-fund",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Public(mux, "GET /portal/fund", s.portalFund)
			s.Public(mux, "GET /portal/fund/postings/{id}", s.portalFundProof)
			s.Public(mux, "GET /portal/fund/receipt", s.portalFundReceipt)
			s.Public(mux, "POST /portal/fund/receipt", s.portalFundReceipt)
			s.Public(mux, "GET /portal/fund/campaigns", s.portalFundCampaigns)
			s.Public(mux, "GET /portal/fund/campaigns/{id}", s.portalFundCampaign)
		},
	})
}

// fundCell is one cell of the money-in table as shown.
type fundCell struct {
	transparency.Cell
	Empty bool   // no donation at all
	Text  string // the amount in major units, ungrouped (the template groups it)
}

type fundMonthRow struct {
	Label string // yyyy-mm
	Cells []fundCell
	Total fundCell
}

type fundOutRow struct {
	Label  string
	Amount int64
}

type fundPublicPoolRow struct {
	transparency.Pool
	Label                string
	InText, OutText, Bal string // amounts in major units, ungrouped
}

type fundPostingRow struct {
	transparency.Posting
	What string // the line's description in the page's language
	Text string // the amount in major units, ungrouped
}

type fundPage struct {
	F            transparency.Figures
	Members      []member.Member
	Loc          *time.Location
	Threshold    int64
	Kinds        []string // column headers of the money-in table
	CurrencyName string
	InTotal      fundCell
	Rows         []fundMonthRow
	KindTotal    []fundCell
	InChart      barChart
	KindChart    barChart
	OutChart     barChart
	OutLine      lineChart
	OutRows      []fundOutRow
	PoolChart    barChart
	Pools        []fundPublicPoolRow
	Zakat        []fundPublicPoolRow
	Allocs       []fundPostingRow
	Postings     []fundPostingRow
	Before       int64
	Next         int64
	Q            transparency.Query
}

func (s *Server) portalFund(w http.ResponseWriter, r *http.Request) error {
	l := Lang(r)
	rtl := l.Dir() == "rtl"
	q := r.URL.Query()
	var fq transparency.Query
	fq.Member = strings.ToUpper(strings.TrimSpace(q.Get("member")))
	if len(fq.Member) > 8 {
		return errs.E(errs.Invalid, "fund_public.member_not_found", "code", "")
	}
	if y := q.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil {
			return errs.E(errs.Invalid, "fund_public.year_invalid")
		}
		fq.Year = n
	}
	if q.Get("months") == "24" {
		fq.Months = 24
	}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	f, err := s.FundPublic.Figures(r.Context(), fq)
	if err != nil {
		return err
	}
	p := fundPage{F: f, Members: f.Members, Threshold: s.FundPublic.Threshold(), Before: max(before, 0), Q: fq}
	if f.Empty {
		return s.Render(w, r, "fund_public/index", View{Title: "fund_public.title", Data: p})
	}
	p.Loc = f.Member.Location()
	exp := 2
	if c, ok := money.Lookup(f.Currency); ok {
		exp = c.Exponent
	}
	major := func(v int64) int64 {
		for range exp {
			v /= 10
		}
		return v
	}
	amountText := func(v int64) string { return i18n.FormatNumber(money.Format(v, exp), false) }
	fewer := tr(l, "fund_public.fewer")
	cellOf := func(c transparency.Cell) fundCell {
		return fundCell{c, c.N == 0 && c.Amount == 0 && !c.Hidden && !c.Merged, money.Format(c.Amount, exp)}
	}
	// Money in: the table by month × donor kind, a line of the months'
	// totals, bars by donor kind over the period.
	p.Kinds = transparency.Sources
	p.CurrencyName = currencyName(l, f.Currency)
	p.InTotal = cellOf(f.InTotal)
	var labels []string
	for _, m := range f.In {
		row := fundMonthRow{Label: monthLabel(m.Month)}
		for _, k := range transparency.Sources {
			c := m.Sources[k]
			row.Cells = append(row.Cells, cellOf(c))
		}
		row.Total = cellOf(m.Total)
		p.Rows = append(p.Rows, row)
		labels = append(labels, row.Label)
	}
	totals := make([]int64, len(f.In))
	inTexts := make([]string, len(f.In))
	for i, m := range f.In {
		if m.Total.Hidden {
			totals[i], inTexts[i] = -1, fewer
		} else {
			totals[i], inTexts[i] = m.Total.Amount, amountText(m.Total.Amount)
		}
	}
	barLabels := make([]string, len(labels))
	for i, lb := range labels {
		barLabels[i] = i18n.IsolateLTR(variantOf(r).digits(lb))
	}
	p.InChart = bars(barLabels, totals, inTexts, rtl)
	p.InChart.chartTable = chartTable{ID: "fund-in-chart", Title: i18n.T(l, "fund_public.chart_in", map[string]any{"currency": currencyName(l, f.Currency)}), NoTable: true}
	var kl []string
	var kv []int64
	var kt []string
	for _, k := range transparency.Sources {
		c := f.InBy[k]
		p.KindTotal = append(p.KindTotal, cellOf(c))
		kl = append(kl, tr(l, "fund_public.source."+k))
		switch {
		case c.Hidden:
			kv, kt = append(kv, -1), append(kt, fewer)
		case c.Merged:
			kv, kt = append(kv, -1), append(kt, tr(l, "fund_public.in_other"))
		default:
			kv, kt = append(kv, c.Amount), append(kt, amountText(c.Amount))
		}
	}
	p.KindChart = bars(kl, kv, kt, rtl)
	p.KindChart.chartTable = chartTable{ID: "fund-kind-chart", Title: i18n.T(l, "fund_public.chart_kind", map[string]any{"currency": currencyName(l, f.Currency)}),
		LabelTH: tr(l, "fund_public.source"), ValueTH: tr(l, "fund_public.amount")}
	// Money out by program and by month.
	var ol []string
	var ov []int64
	var ot []string
	for _, o := range f.Out {
		ol = append(ol, programLabel(l, o.NameAR, o.NameEN, o.ProgramID))
		ov, ot = append(ov, o.Amount), append(ot, amountText(o.Amount))
	}
	p.OutChart = bars(ol, ov, ot, rtl)
	p.OutChart.chartTable = chartTable{ID: "fund-out-chart", Title: i18n.T(l, "fund_public.chart_out", map[string]any{"currency": currencyName(l, f.Currency)}),
		LabelTH: tr(l, "fund_public.program"), ValueTH: tr(l, "fund_public.amount")}
	outMonths := make([]int64, len(f.OutMonth))
	for i, v := range f.OutMonth {
		outMonths[i] = major(v)
	}
	p.OutLine = line(labels, outMonths, rtl)
	// Twelve or more points do not fit their labels and values on a
	// phone: every few are named, and the table below the chart gives all.
	step := max(1, (len(labels)+3)/4)
	for i := range p.OutLine.Points {
		if i%step != 0 && i != len(labels)-1 {
			p.OutLine.Points[i].Label, p.OutLine.Points[i].Value = "", ""
		}
	}
	p.OutLine.chartTable = chartTable{ID: "fund-out-line", Title: i18n.T(l, "fund_public.chart_out_month", map[string]any{"currency": currencyName(l, f.Currency)}), NoTable: true}
	for i, lb := range labels {
		p.OutRows = append(p.OutRows, fundOutRow{lb, f.OutMonth[i]})
	}
	// Balances by restriction; zakat apart.
	var pl []string
	var pv []int64
	var pt []string
	for _, pool := range f.Pools {
		row := fundPublicPoolRow{pool, poolLabel(l, pool), money.Format(pool.In, exp), money.Format(pool.Out, exp), money.Format(pool.Balance, exp)}
		p.Pools = append(p.Pools, row)
		pl = append(pl, row.Label)
		if pool.Hidden {
			pv, pt = append(pv, -1), append(pt, fewer)
		} else {
			pv, pt = append(pv, pool.Balance), append(pt, amountText(pool.Balance))
		}
	}
	p.PoolChart = bars(pl, pv, pt, rtl)
	p.PoolChart.chartTable = chartTable{ID: "fund-pool-chart", Title: i18n.T(l, "fund_public.chart_pools", map[string]any{"currency": currencyName(l, f.Currency)}), NoTable: true}
	for _, pool := range f.Zakat {
		p.Zakat = append(p.Zakat, fundPublicPoolRow{pool, poolLabel(l, pool), money.Format(pool.In, exp), money.Format(pool.Out, exp), money.Format(pool.Balance, exp)})
	}
	for _, a := range f.Allocs {
		p.Allocs = append(p.Allocs, postingRow(l, a))
	}
	ps, next, err := s.FundPublic.Postings(r.Context(), f.Code, p.Before, 20)
	if err != nil {
		return err
	}
	for _, x := range ps {
		p.Postings = append(p.Postings, postingRow(l, x))
	}
	p.Next = next
	return s.Render(w, r, "fund_public/index", View{Title: "fund_public.title", Data: p})
}

// monthLabel is yyyymm as "yyyy‑mm".
func monthLabel(m int64) string {
	return strconv.FormatInt(m/100, 10) + "\u2011" + strconv.FormatInt(100+m%100, 10)[1:] // a non-breaking hyphen
}

func programLabel(l i18n.Lang, ar, en string, id int64) string {
	if n := name(l, ar, en); n != "" {
		return n
	}
	return i18n.T(l, "fund_public.program_n", map[string]any{"id": i18n.IsolateLTR(strconv.FormatInt(id, 10))})
}

// poolLabel names a pool by its restriction.
func poolLabel(l i18n.Lang, p transparency.Pool) string {
	switch p.Kind {
	case fund.RestrictProgram:
		id, _ := strconv.ParseInt(p.Ref, 10, 64)
		return i18n.T(l, "fund_public.pool.program", map[string]any{"name": programLabel(l, p.NameAR, p.NameEN, id)})
	case fund.RestrictGroup:
		return i18n.T(l, "fund_public.pool.group", map[string]any{"group": tr(l, "fund_public.group."+p.Ref)})
	case fund.RestrictCampaign:
		if n := name(l, p.NameAR, p.NameEN); n != "" {
			return i18n.T(l, "fund_public.pool.campaign_named", map[string]any{"name": n})
		}
		return i18n.T(l, "fund_public.pool.campaign", map[string]any{"id": i18n.IsolateLTR(p.Ref)})
	case fund.RestrictMember:
		return i18n.T(l, "fund_public.pool."+p.Kind, map[string]any{"id": i18n.IsolateLTR(p.Ref)})
	case transparency.SourceOther:
		return tr(l, "fund_public.pool.other")
	}
	return tr(l, "fund_public.pool.general")
}

// postingRow describes a posting in words.
func postingRow(l i18n.Lang, p transparency.Posting) fundPostingRow {
	row := fundPostingRow{Posting: p}
	exp := 2
	if c, ok := money.Lookup(p.Currency); ok {
		exp = c.Exponent
	}
	row.Text = money.Format(p.Amount, exp)
	switch p.Direction {
	case transparency.Out:
		row.What = i18n.T(l, "fund_public.what_out", map[string]any{"program": programLabel(l, p.ProgramAR, p.ProgramEN, p.ProgramID)})
	case transparency.Suspense:
		row.What = tr(l, "fund_public.what_suspense")
	default:
		kind := tr(l, "fund_public.method.other")
		if i18n.Has("fund_public.method." + p.SourceKind) {
			kind = tr(l, "fund_public.method."+p.SourceKind)
		}
		row.What = i18n.T(l, "fund_public.what_in", map[string]any{"method": kind, "restriction": tr(l, "fund_public.restriction."+p.Restriction)})
	}
	if p.Zakat {
		row.What += " · " + tr(l, "fund_public.zakat")
	}
	return row
}

func (s *Server) portalFundProof(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.E(errs.NotFound, "fund_public.posting_not_found")
	}
	pr, err := s.FundPublic.Proof(r.Context(), id)
	if err != nil {
		return err
	}
	m, _ := s.FundPublic.MemberOf(r.Context(), pr.Posting.MemberID)
	return s.Render(w, r, "fund_public/proof", View{Title: "fund_public.proof_title", Data: struct {
		P    transparency.Proof
		Row  fundPostingRow
		M    member.Member
		Loc  *time.Location
		Site string
	}{pr, postingRow(Lang(r), pr.Posting), m, m.Location(), siteURL(r)}})
}

func (s *Server) portalFundReceipt(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	type page struct {
		V   *transparency.DonorView
		Loc *time.Location
	}
	var p page
	if r.Method != http.MethodPost {
		return s.Render(w, r, "fund_public/receipt", View{Title: "fund_public.receipt_title", Form: f, Data: p})
	}
	v, err := s.FundPublic.Receipt(r.Context(), f.Values.Get("receipt"), f.Values.Get("amount"), clientIP(r))
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Values.Del("amount")
		f.Fail(Lang(r), err)
		return s.Render(w, r, "fund_public/receipt", View{Title: "fund_public.receipt_title", Form: f, Data: p, Status: Status(errs.CodeOf(err))})
	}
	m, _ := s.FundPublic.MemberOf(r.Context(), v.MemberID)
	p.V, p.Loc = &v, m.Location()
	f.Values.Del("amount")
	return s.Render(w, r, "fund_public/receipt", View{Title: "fund_public.receipt_title", Form: f, Data: p})
}

func (s *Server) portalFundCampaigns(w http.ResponseWriter, r *http.Request) error {
	code := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("member")))
	if len(code) > 8 {
		code = ""
	}
	cs, err := s.FundPublic.Campaigns(r.Context(), code)
	if err != nil {
		return err
	}
	return s.Render(w, r, "fund_public/campaigns", View{Title: "fund_public.campaigns_title", Data: cs})
}

func (s *Server) portalFundCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.E(errs.NotFound, "fund_public.campaign_not_found")
	}
	v, err := s.FundPublic.Campaign(r.Context(), id)
	if err != nil {
		return err
	}
	l := Lang(r)
	var ol []string
	var ov []int64
	var ot []string
	exp := 2
	if c, ok := money.Lookup(v.Campaign.Currency); ok {
		exp = c.Exponent
	}
	for _, o := range v.Funded {
		ol = append(ol, programLabel(l, o.NameAR, o.NameEN, o.ProgramID))
		ov, ot = append(ov, o.Amount), append(ot, i18n.FormatNumber(money.Format(o.Amount, exp), false))
	}
	ch := bars(ol, ov, ot, l.Dir() == "rtl")
	ch.chartTable = chartTable{ID: "campaign-funded", Title: i18n.T(l, "fund_public.chart_funded", map[string]any{"currency": currencyName(l, v.Campaign.Currency)}),
		LabelTH: tr(l, "fund_public.program"), ValueTH: tr(l, "fund_public.amount")}
	m, _ := s.FundPublic.MemberOf(r.Context(), v.Campaign.MemberID)
	return s.Render(w, r, "fund_public/campaign", View{Title: "fund_public.campaign_title", Data: struct {
		V     transparency.CampaignView
		Chart barChart
		Loc   *time.Location
		Last  time.Time // the campaign's last day (Ends is exclusive)
	}{v, ch, m.Location(), v.Campaign.Ends.Add(-time.Nanosecond)}})
}
