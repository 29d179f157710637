package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/market/order"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
)

// The market moderator's side of trade: the member's orders, inquiries,
// the queue of messages held for their contact details (and the member's
// setting), the families that sell with their sellers' accounts, consent
// and income proposals, and each family's sales report (CSV, XLSX).
func init() {
	Register(Module{
		Name: "order",
		Menu: []MenuItem{{Path: "/market/orders", Key: "order.menu", Perm: auth.MarketRead, Order: 86}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /market/orders", auth.MarketRead, s.staffOrders)
			s.Handle(mux, "GET /market/orders/{id}", auth.MarketRead, s.staffOrder)
			s.Handle(mux, "POST /market/orders/{id}/{action}", auth.MarketModerate, s.staffOrderAction)
			s.Handle(mux, "GET /market/inquiries", auth.MarketRead, s.staffInquiries)
			s.Handle(mux, "GET /market/inquiries/{id}", auth.MarketRead, s.staffInquiry)
			s.Handle(mux, "POST /market/inquiries/{id}/messages", auth.MarketModerate, s.staffInquiryReply)
			s.Handle(mux, "GET /market/moderation", auth.MarketModerate, s.moderationPage)
			s.Handle(mux, "POST /market/moderation/settings", auth.MarketModerate, s.moderationSettings)
			s.Handle(mux, "POST /market/messages/{id}/{action}", auth.MarketModerate, s.moderateMessage)
			s.Handle(mux, "GET /market/families", auth.MarketRead, s.familiesPage)
			s.Handle(mux, "POST /market/shops/{id}/seller", auth.MarketModerate, s.sellerCreate)
			s.Handle(mux, "POST /market/shops/{id}/income-consent", auth.MarketModerate, s.consentRecord)
			s.Handle(mux, "POST /market/shops/{id}/income-consent/withdraw", auth.MarketModerate, s.consentWithdraw)
			s.Handle(mux, "POST /market/shops/{id}/income", auth.MarketModerate, s.incomePropose)
			s.Handle(mux, "GET /market/sales/{id}", auth.MarketRead, s.staffSales)
		},
	})
}

func canModerate(r *http.Request) bool { return auth.Can(actor.From(r.Context()), auth.MarketModerate) }

// orderMember is the member whose market the page shows: the actor's, or
// for a union-level user the one ?member=CODE names (a chooser is drawn
// until one is chosen; ok is then false).
func (s *Server) orderMember(w http.ResponseWriter, r *http.Request) (member.Member, template.URL, bool, error) {
	a := actor.From(r.Context())
	if a.MemberID != 0 {
		m, err := s.Members.ByID(r.Context(), a.MemberID)
		return m, "", err == nil, err
	}
	code := r.URL.Query().Get("member")
	if code == "" {
		ms, err := s.Members.List(r.Context())
		if err != nil {
			return member.Member{}, "", false, err
		}
		var o []Option
		for _, m := range ms {
			n := m.NameAR
			if Lang(r) == i18n.EN && m.NameEN != "" {
				n = m.NameEN
			}
			o = append(o, Option{m.Code, n}) // the country in the reader's language only
		}
		return member.Member{}, "", false, s.Render(w, r, "order/choose", View{Title: "order.title_orders", Data: struct {
			Members []Option
			Path    string
		}{o, r.URL.Path}})
	}
	m, err := s.Members.Get(r.Context(), code)
	if err != nil {
		return member.Member{}, "", false, err
	}
	return m, template.URL("?member=" + url.QueryEscape(m.Code)), true, nil
}

type staffOrdersPage struct {
	Member   member.Member
	MQ       template.URL
	Query    url.Values
	Statuses []Option
	Orders   []order.Order
	Trading  bool
}

func (s *Server) staffOrders(w http.ResponseWriter, r *http.Request) error {
	m, mq, ok, err := s.orderMember(w, r)
	if !ok {
		return err
	}
	q := r.URL.Query()
	l := Lang(r)
	st := []Option{{"", tr(l, "order.all")}}
	for _, c := range order.Statuses {
		st = append(st, Option{c, tr(l, "order.status."+c)})
	}
	p := staffOrdersPage{Member: m, MQ: mq, Query: q, Statuses: st, Trading: s.Orders.Trading()}
	shop, _ := strconv.ParseInt(q.Get("shop"), 10, 64)
	p.Orders, err = s.Orders.Orders(r.Context(), nil, order.Filter{MemberID: m.ID, Status: q.Get("status"), ShopID: shop, Query: q.Get("q"), Limit: 200})
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			return err
		}
		return err
	}
	return s.Render(w, r, "order/list", View{Title: "order.title_orders", Data: p})
}

func (s *Server) staffOrder(w http.ResponseWriter, r *http.Request) error {
	return s.renderOrder(w, r, nil, &Form{Values: url.Values{}, Errors: map[string]string{}}, 0)
}

func (s *Server) staffOrderAction(w http.ResponseWriter, r *http.Request) error {
	return s.orderAction(w, r, nil)
}

type staffInquiriesPage struct {
	Member    member.Member
	MQ        template.URL
	Inquiries []order.Inquiry
}

func (s *Server) staffInquiries(w http.ResponseWriter, r *http.Request) error {
	m, mq, ok, err := s.orderMember(w, r)
	if !ok {
		return err
	}
	qs, err := s.Orders.Inquiries(r.Context(), nil, m.ID)
	if err != nil {
		return err
	}
	return s.Render(w, r, "order/inquiries", View{Title: "order.title_inquiries", Data: staffInquiriesPage{Member: m, MQ: mq, Inquiries: qs}})
}

func (s *Server) staffInquiry(w http.ResponseWriter, r *http.Request) error {
	return s.renderInquiry(w, r, nil, &Form{Values: url.Values{}, Errors: map[string]string{}}, 0)
}

func (s *Server) staffInquiryReply(w http.ResponseWriter, r *http.Request) error {
	return s.inquiryReplyAs(w, r, nil)
}

type moderationPage struct {
	Member   member.Member
	MQ       template.URL
	Settings order.Settings
	Held     []order.Message
}

func (s *Server) moderationPage(w http.ResponseWriter, r *http.Request) error {
	m, mq, ok, err := s.orderMember(w, r)
	if !ok {
		return err
	}
	p := moderationPage{Member: m, MQ: mq}
	if p.Settings, err = s.Orders.Settings(r.Context(), m.ID); err != nil {
		return err
	}
	if p.Held, err = s.Orders.Held(r.Context(), m.ID); err != nil {
		return err
	}
	return s.Render(w, r, "order/moderation", View{Title: "order.title_moderation", Data: p})
}

func (s *Server) moderationSettings(w http.ResponseWriter, r *http.Request) error {
	m, mq, ok, err := s.orderMember(w, r)
	if !ok {
		return err
	}
	f := NewForm(r)
	if _, err := s.Orders.SetSettings(r.Context(), order.Settings{MemberID: m.ID, ModerateContacts: f.Values.Get("moderate_contacts") == "1"}); err != nil {
		return err
	}
	Flash(w, "order.saved")
	http.Redirect(w, r, "/market/moderation"+string(mq), http.StatusSeeOther)
	return nil
}

func (s *Server) moderateMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := orderPathID(r)
	if err != nil {
		return err
	}
	var release bool
	switch r.PathValue("action") {
	case "release":
		release = true
	case "reject":
	default:
		return errs.E(errs.NotFound, "error.not_found")
	}
	if _, err := s.Orders.Moderate(r.Context(), id, release); err != nil {
		return err
	}
	Flash(w, "order.saved")
	back := "/market/moderation"
	if actor.From(r.Context()).MemberID == 0 {
		if m, err := s.Members.ByID(r.Context(), memberOfMessage(r)); err == nil {
			back += "?member=" + url.QueryEscape(m.Code)
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// memberOfMessage reads the member id a union-level moderator's form names.
func memberOfMessage(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.FormValue("member_id"), 10, 64)
	return id
}

type familiesPage struct {
	Member   member.Member
	MQ       template.URL
	Families []order.Family
	Created  *order.SellerAccount
	Today    string
}

func (s *Server) familiesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderFamilies(w, r, &Form{Values: url.Values{}, Errors: map[string]string{}}, nil, 0)
}

func (s *Server) renderFamilies(w http.ResponseWriter, r *http.Request, f *Form, created *order.SellerAccount, status int) error {
	m, mq, ok, err := s.orderMember(w, r)
	if !ok {
		return err
	}
	p := familiesPage{Member: m, MQ: mq, Created: created, Today: s.Clock.Now().In(m.Location()).Format("2006-01-02")}
	if p.Families, err = s.Orders.Families(r.Context(), m.ID); err != nil {
		return err
	}
	return s.Render(w, r, "order/families", View{Title: "order.title_families", Form: f, Data: p, Status: status})
}

// shopForm runs a moderator's form on shop {id} and draws the families'
// page again, with the error or the flash.
func (s *Server) shopForm(w http.ResponseWriter, r *http.Request, run func(f *Form, shop int64) (*order.SellerAccount, string, error)) error {
	id, err := orderPathID(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	f.Values.Set("shop", strconv.FormatInt(id, 10))
	created, flash, err := run(f, id)
	if err != nil {
		switch errs.CodeOf(err) {
		case errs.Internal, errs.NotFound:
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderFamilies(w, r, f, nil, Status(errs.CodeOf(err)))
	}
	if created != nil {
		return s.renderFamilies(w, r, &Form{Values: url.Values{}, Errors: map[string]string{}}, created, 0)
	}
	Flash(w, flash)
	http.Redirect(w, r, "/market/families"+orderMemberQuery(r), http.StatusSeeOther)
	return nil
}

// orderMemberQuery carries a union-level user's ?member= on.
func orderMemberQuery(r *http.Request) string {
	if c := r.URL.Query().Get("member"); c != "" {
		return "?member=" + url.QueryEscape(c)
	}
	return ""
}

func (s *Server) sellerCreate(w http.ResponseWriter, r *http.Request) error {
	return s.shopForm(w, r, func(f *Form, shop int64) (*order.SellerAccount, string, error) {
		a, err := s.Orders.CreateSeller(r.Context(), shop, order.SignUpInput{Name: f.Values.Get("name"), Phone: f.Values.Get("phone")})
		if err != nil {
			return nil, "", err
		}
		return &a, "", nil
	})
}

func (s *Server) consentRecord(w http.ResponseWriter, r *http.Request) error {
	return s.shopForm(w, r, func(f *Form, shop int64) (*order.SellerAccount, string, error) {
		_, err := s.Orders.RecordConsent(r.Context(), shop, order.ConsentInput{GivenBy: f.Values.Get("given_by"), GivenOn: f.Values.Get("given_on")})
		return nil, "order.consent_recorded", err
	})
}

func (s *Server) consentWithdraw(w http.ResponseWriter, r *http.Request) error {
	return s.shopForm(w, r, func(f *Form, shop int64) (*order.SellerAccount, string, error) {
		return nil, "order.consent_withdrawn", s.Orders.WithdrawConsent(r.Context(), shop)
	})
}

func (s *Server) incomePropose(w http.ResponseWriter, r *http.Request) error {
	return s.shopForm(w, r, func(f *Form, shop int64) (*order.SellerAccount, string, error) {
		months, _ := strconv.Atoi(f.Values.Get("months"))
		_, err := s.Orders.ProposeIncome(r.Context(), shop, months, f.Values.Get("reason"))
		return nil, "order.income_proposed", err
	})
}

func (s *Server) staffSales(w http.ResponseWriter, r *http.Request) error {
	id, err := orderPathID(r)
	if err != nil {
		return err
	}
	return s.salesPage(w, r, nil, id, "/market/sales/"+r.PathValue("id"))
}

type salesView struct {
	Sales      order.Sales
	Path       string
	Export     exportLinks
	Seller     bool
	MemberCode string // a union-level user's ?member=, carried on
	Incomes    []order.Income
}

// salesPage draws (or exports) shop's sales report for a (nil: staff).
func (s *Server) salesPage(w http.ResponseWriter, r *http.Request, a *order.Account, shop int64, path string) error {
	q := r.URL.Query()
	rep, err := s.Orders.Report(r.Context(), a, shop, q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	l := Lang(r)
	if f := exportFormat(r); f != "" {
		filters := []exportFilter{{"order.shop", strconv.FormatInt(shop, 10)}, {"order.from", rep.From}, {"order.to", rep.To}}
		x, err := s.startExport(w, r, "market-sales", "order.title_sales", rep.MemberID, s.memberZone(r.Context(), rep.MemberID), filters,
			[]string{"order.month", "order.product", "order.orders", "order.quantity", "order.amount", "order.currency"})
		if err != nil {
			return err
		}
		for _, row := range rep.Rows {
			exp := 0
			if c, ok := money.Lookup(row.Currency); ok {
				exp = c.Exponent
			}
			name := row.ProductAR
			if l == i18n.EN && row.ProductEN != "" {
				name = row.ProductEN
			}
			if err := x.Row(rawCell(row.Month), name, row.Orders, row.Quantity, rawCell(money.Format(row.Amount, exp)), row.Currency); err != nil {
				return x.Close(err)
			}
		}
		return x.Close(nil)
	}
	v := salesView{Sales: rep, Path: path, Export: exportLinksOf(r), Seller: a != nil}
	if a == nil && actor.From(r.Context()).MemberID == 0 {
		v.MemberCode = q.Get("member")
	}
	if a == nil {
		if v.Incomes, err = s.Orders.Incomes(r.Context(), shop); err != nil {
			return err
		}
	}
	return s.Render(w, r, "order/sales", View{Title: "order.title_sales", Data: v})
}
