package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/market/order"
)

// The crafts market's public side of trade (issue 18 item 10): the inquiry
// form of a product (with the complaint form's challenge, no account), the
// inquirer's page reached by the personal link, the order form, and the
// light accounts of buyers and of the families that sell (/market/account):
// sign-in and sign-up, a buyer's orders and messages, a seller's shop
// orders, inquiries and sales report. An account's session is its own
// cookie (HttpOnly, SameSite=Lax, Secure as the staff session's); its forms
// carry the site's CSRF token (the pre-session binding, renewed at
// sign-in). Templates are under templates/order/.
func init() {
	Register(Module{
		Name: "order-public",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Public(mux, "GET /market/products/{id}/inquiry", s.inquiryForm)
			s.Public(mux, "POST /market/products/{id}/inquiry", s.inquirySend)
			s.Public(mux, "GET /market/inquiry/{token}", s.inquiryMine)
			s.Public(mux, "POST /market/inquiry/{token}", s.inquiryReply)
			s.Public(mux, "GET /market/products/{id}/order", s.orderForm)
			s.Public(mux, "POST /market/products/{id}/order", s.orderPlace)
			s.Public(mux, "GET /market/account", s.accountPage)
			s.Public(mux, "POST /market/account/signin", s.accountSignIn)
			s.Public(mux, "POST /market/account/signup", s.accountSignUp)
			s.Public(mux, "POST /market/account/signout", s.accountSignOut)
			s.Public(mux, "GET /market/account/orders/{id}", s.accountOrder)
			s.Public(mux, "POST /market/account/orders/{id}/{action}", s.accountOrderAction)
			s.Public(mux, "GET /market/account/inquiries/{id}", s.accountInquiry)
			s.Public(mux, "POST /market/account/inquiries/{id}/messages", s.accountInquiryReply)
			s.Public(mux, "GET /market/account/sales", s.accountSales)
		},
	})
}

// MarketCookie holds a market account's session secret.
const MarketCookie = "tdm_market"

// marketAccount returns the signed-in market account, nil when none.
func (s *Server) marketAccount(r *http.Request) *order.Account {
	c, err := r.Cookie(MarketCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	a, err := s.Orders.Session(r.Context(), c.Value)
	if err != nil {
		return nil
	}
	return &a
}

// signedIn answers with the account page (sign in first) when no account
// is signed in, and returns nil then.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) (*order.Account, error) {
	a := s.marketAccount(r)
	if a == nil {
		if r.Method == http.MethodGet {
			http.Redirect(w, r, "/market/account?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil, nil
		}
		return nil, errs.E(errs.Unauthenticated, "order.signin_required")
	}
	return a, nil
}

type productPage struct {
	P         develop.Product
	Challenge grievance.Challenge
	Account   *order.Account
	Token     string
	Link      string
	Inquiry   order.Inquiry
	Messages  []order.Message
	Order     order.Order
}

func (s *Server) publicProduct(r *http.Request) (develop.Product, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return develop.Product{}, errs.E(errs.NotFound, "order.product_not_found")
	}
	return s.Orders.Product(r.Context(), id)
}

func (s *Server) inquiryForm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.publicProduct(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "order/inquiry_form", View{Title: "order.title_inquiry", Form: &Form{Values: url.Values{}, Errors: map[string]string{}},
		Data: productPage{P: p, Challenge: s.grievances().Challenge(Lang(r))}})
}

func (s *Server) inquirySend(w http.ResponseWriter, r *http.Request) error {
	p, err := s.publicProduct(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	q, token, err := s.Orders.Inquire(r.Context(), order.InquiryInput{ProductID: p.ID, Name: v.Get("name"), Contact: v.Get("contact"), Message: v.Get("message"),
		IP: clientIP(r), ChallengeToken: v.Get("challenge_token"), ChallengeAnswer: v.Get("challenge_answer")})
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		f.Values.Del("challenge_answer")
		return s.Render(w, r, "order/inquiry_form", View{Title: "order.title_inquiry", Form: f, Status: Status(errs.CodeOf(err)),
			Data: productPage{P: p, Challenge: s.grievances().Challenge(Lang(r))}})
	}
	return s.Render(w, r, "order/inquiry_done", View{Title: "order.title_inquiry_done",
		Data: productPage{P: p, Inquiry: q, Token: token, Link: baseURL(r) + "/market/inquiry/" + token}})
}

func (s *Server) inquiryMine(w http.ResponseWriter, r *http.Request) error {
	return s.renderInquiryMine(w, r, &Form{Values: url.Values{}, Errors: map[string]string{}}, 0)
}

func (s *Server) renderInquiryMine(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	token := r.PathValue("token")
	q, ms, err := s.Orders.ByToken(r.Context(), token)
	if err != nil {
		return err
	}
	return s.Render(w, r, "order/inquiry_mine", View{Title: "order.title_inquiry_mine", Form: f, Status: status,
		Data: productPage{Inquiry: q, Messages: ms, Token: token}})
}

func (s *Server) inquiryReply(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	if _, err := s.Orders.ReplyByToken(r.Context(), r.PathValue("token"), f.Values.Get("body")); err != nil {
		if errs.CodeOf(err) == errs.Internal || errs.CodeOf(err) == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderInquiryMine(w, r, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "order.message_sent")
	http.Redirect(w, r, "/market/inquiry/"+r.PathValue("token"), http.StatusSeeOther)
	return nil
}

func (s *Server) orderForm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.publicProduct(r)
	if err != nil {
		return err
	}
	f := &Form{Values: url.Values{"quantity": {"1"}, "delivery": {order.Pickup}, "payment": {order.Cash}}, Errors: map[string]string{}}
	return s.Render(w, r, "order/order_form", View{Title: "order.title_order", Form: f, Data: productPage{P: p, Account: s.marketAccount(r)}})
}

func (s *Server) orderPlace(w http.ResponseWriter, r *http.Request) error {
	p, err := s.publicProduct(r)
	if err != nil {
		return err
	}
	a, err := s.signedIn(w, r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	qty, qerr := strconv.Atoi(strings.TrimSpace(arabic.Digits(v.Get("quantity"))))
	if qerr != nil {
		qty = 0
	}
	o, err := s.Orders.Place(r.Context(), a, order.OrderInput{ProductID: p.ID, Quantity: qty, Delivery: v.Get("delivery"), Address: v.Get("address"),
		Payment: v.Get("payment"), TransferRef: v.Get("transfer_ref")})
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		if p2, err2 := s.publicProduct(r); err2 == nil {
			p = p2
		}
		return s.Render(w, r, "order/order_form", View{Title: "order.title_order", Form: f, Status: Status(errs.CodeOf(err)), Data: productPage{P: p, Account: a}})
	}
	Flash(w, "order.placed")
	http.Redirect(w, r, "/market/account/orders/"+strconv.FormatInt(o.ID, 10), http.StatusSeeOther)
	return nil
}

type accountPage struct {
	Account   *order.Account
	Members   []Option
	Next      string
	Orders    []order.Order
	Inquiries []order.Inquiry
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccount(w, r, &Form{Values: url.Values{}, Errors: map[string]string{}}, 0)
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	p := accountPage{Account: s.marketAccount(r), Next: localPath(r.URL.Query().Get("next"))}
	if n := f.Values.Get("next"); n != "" {
		p.Next = localPath(n)
	}
	if p.Next == "/" {
		p.Next = ""
	}
	if p.Account == nil {
		o, ms, err := s.publicMembers(r.Context())
		if err != nil {
			return err
		}
		_ = ms
		p.Members = o[:0]
		for _, m := range ms { // the country in the reader's language only
			n := m.NameAR
			if Lang(r) == i18n.EN && m.NameEN != "" {
				n = m.NameEN
			}
			p.Members = append(p.Members, Option{Value: m.Code, Label: n})
		}
		return s.Render(w, r, "order/account_signin", View{Title: "order.title_account", Form: f, Data: p, Status: status})
	}
	var err error
	if p.Orders, err = s.Orders.Orders(r.Context(), p.Account, order.Filter{Limit: 100}); err != nil {
		return err
	}
	if p.Inquiries, err = s.Orders.Inquiries(r.Context(), p.Account, 0); err != nil {
		return err
	}
	return s.Render(w, r, "order/account", View{Title: "order.title_account", Form: f, Data: p, Status: status})
}

func (s *Server) accountSignIn(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	_, ms, err := s.publicMembers(r.Context())
	if err != nil {
		return err
	}
	token, _, err := s.Orders.SignIn(r.Context(), memberByCode(ms, f.Values.Get("member")), f.Values.Get("phone"), f.Values.Get("password"), clientIP(r))
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderAccount(w, r, f, Status(errs.CodeOf(err)))
	}
	s.startMarketSession(w, r, token)
	next := localPath(f.Values.Get("next"))
	if next == "/" {
		next = "/market/account"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// startMarketSession sets the account's cookie and drops the pre-session
// CSRF cookie, as the staff sign-in does: a token planted before sign-in
// is worth nothing after it.
func (s *Server) startMarketSession(w http.ResponseWriter, r *http.Request, token string) {
	secure := s.secure(r)
	setCookie(w, MarketCookie, token, 0, secure, true, http.SameSiteLaxMode)
	setCookie(w, csrfCookie, "", -1, secure, true, http.SameSiteStrictMode)
}

func (s *Server) accountSignUp(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	_, ms, err := s.publicMembers(r.Context())
	if err != nil {
		return err
	}
	v := f.Values
	token, _, err := s.Orders.SignUp(r.Context(), order.SignUpInput{MemberID: memberByCode(ms, v.Get("member")), Name: v.Get("name"), Phone: v.Get("phone"),
		Password: v.Get("password"), IP: clientIP(r)})
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		f.Values.Set("signup", "1")
		return s.renderAccount(w, r, f, Status(errs.CodeOf(err)))
	}
	s.startMarketSession(w, r, token)
	next := localPath(v.Get("next"))
	if next == "/" {
		next = "/market/account"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) accountSignOut(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(MarketCookie); err == nil {
		if err := s.Orders.SignOut(r.Context(), c.Value); err != nil {
			return err
		}
	}
	secure := s.secure(r)
	setCookie(w, MarketCookie, "", -1, secure, true, http.SameSiteLaxMode)
	setCookie(w, csrfCookie, "", -1, secure, true, http.SameSiteStrictMode)
	http.Redirect(w, r, "/market/account", http.StatusSeeOther)
	return nil
}

// orderView is an order's page, for its buyer, its seller or staff.
type orderView struct {
	O        order.Order
	Messages []order.Message
	Account  *order.Account
	Base     string // where its forms post: /market/account/orders/{id} or /market/orders/{id}
	Viewer   string // buyer, seller or moderator
	Moderate bool   // the viewer may move it and write
}

func (v orderView) CanConfirm() bool {
	return v.Viewer != order.BuyerKind && v.O.Status == order.Placed
}
func (v orderView) CanShip() bool {
	return v.Viewer != order.BuyerKind && v.O.Status == order.Confirmed
}
func (v orderView) CanDeliver() bool {
	return v.Viewer != order.BuyerKind && v.O.Status == order.Shipped
}
func (v orderView) CanCancel() bool {
	if v.Viewer == order.BuyerKind {
		return v.O.Status == order.Placed
	}
	return v.O.Status == order.Placed || v.O.Status == order.Confirmed || v.O.Status == order.Shipped
}

func orderPathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errs.E(errs.NotFound, "error.not_found")
	}
	return id, nil
}

func (s *Server) accountOrder(w http.ResponseWriter, r *http.Request) error {
	a, err := s.signedIn(w, r)
	if a == nil {
		return err
	}
	return s.renderOrder(w, r, a, &Form{Values: url.Values{}, Errors: map[string]string{}}, 0)
}

func (s *Server) renderOrder(w http.ResponseWriter, r *http.Request, a *order.Account, f *Form, status int) error {
	id, err := orderPathID(r)
	if err != nil {
		return err
	}
	o, err := s.Orders.Order(r.Context(), a, id)
	if err != nil {
		return err
	}
	ms, err := s.Orders.OrderMessages(r.Context(), a, id)
	if err != nil {
		return err
	}
	v := orderView{O: o, Messages: ms, Account: a, Base: "/market/account/orders/" + r.PathValue("id"), Viewer: order.Moderator, Moderate: true}
	if a != nil {
		v.Viewer = a.Kind
	} else {
		v.Base = "/market/orders/" + r.PathValue("id")
		v.Moderate = canModerate(r)
	}
	return s.Render(w, r, "order/order", View{Title: "order.title_order_page", Form: f, Data: v, Status: status})
}

// orderAction runs a form's action on order id as a (nil: staff).
func (s *Server) orderAction(w http.ResponseWriter, r *http.Request, a *order.Account) error {
	id, err := orderPathID(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	ctx := r.Context()
	flash := "order.saved"
	switch r.PathValue("action") {
	case "confirm":
		_, err = s.Orders.Confirm(ctx, a, id)
	case "ship":
		_, err = s.Orders.Ship(ctx, a, id)
	case "deliver":
		_, err = s.Orders.Deliver(ctx, a, id)
	case "cancel":
		_, err = s.Orders.Cancel(ctx, a, id, f.Values.Get("reason"))
	case "messages":
		_, err = s.Orders.PostOnOrder(ctx, a, id, f.Values.Get("body"))
		flash = "order.message_sent"
	default:
		return errs.E(errs.NotFound, "error.not_found")
	}
	if err != nil {
		switch errs.CodeOf(err) {
		case errs.Internal, errs.NotFound:
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderOrder(w, r, a, f, Status(errs.CodeOf(err)))
	}
	Flash(w, flash)
	http.Redirect(w, r, r.URL.Path[:strings.LastIndex(r.URL.Path, "/")], http.StatusSeeOther)
	return nil
}

func (s *Server) accountOrderAction(w http.ResponseWriter, r *http.Request) error {
	a, err := s.signedIn(w, r)
	if a == nil {
		return err
	}
	return s.orderAction(w, r, a)
}

// inquiryView is an inquiry's page for its family's seller or staff.
type inquiryView struct {
	Q        order.Inquiry
	Messages []order.Message
	Base     string
	Moderate bool
}

func (s *Server) renderInquiry(w http.ResponseWriter, r *http.Request, a *order.Account, f *Form, status int) error {
	id, err := orderPathID(r)
	if err != nil {
		return err
	}
	q, ms, err := s.Orders.Inquiry(r.Context(), a, id)
	if err != nil {
		return err
	}
	v := inquiryView{Q: q, Messages: ms, Base: "/market/account/inquiries/" + r.PathValue("id"), Moderate: true}
	if a == nil {
		v.Base, v.Moderate = "/market/inquiries/"+r.PathValue("id"), canModerate(r)
	}
	return s.Render(w, r, "order/inquiry", View{Title: "order.title_inquiry_page", Form: f, Data: v, Status: status})
}

func (s *Server) inquiryReplyAs(w http.ResponseWriter, r *http.Request, a *order.Account) error {
	id, err := orderPathID(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	if _, err := s.Orders.PostOnInquiry(r.Context(), a, id, f.Values.Get("body")); err != nil {
		switch errs.CodeOf(err) {
		case errs.Internal, errs.NotFound:
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderInquiry(w, r, a, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "order.message_sent")
	http.Redirect(w, r, strings.TrimSuffix(r.URL.Path, "/messages"), http.StatusSeeOther)
	return nil
}

func (s *Server) accountInquiry(w http.ResponseWriter, r *http.Request) error {
	a, err := s.signedIn(w, r)
	if a == nil {
		return err
	}
	return s.renderInquiry(w, r, a, &Form{Values: url.Values{}, Errors: map[string]string{}}, 0)
}

func (s *Server) accountInquiryReply(w http.ResponseWriter, r *http.Request) error {
	a, err := s.signedIn(w, r)
	if a == nil {
		return err
	}
	return s.inquiryReplyAs(w, r, a)
}

func (s *Server) accountSales(w http.ResponseWriter, r *http.Request) error {
	a, err := s.signedIn(w, r)
	if a == nil {
		return err
	}
	if !a.Seller() {
		return errs.E(errs.NotFound, "order.shop_not_found")
	}
	return s.salesPage(w, r, a, a.ShopID, "/market/account/sales")
}
