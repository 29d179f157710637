package api

import (
	"net/http"
	"strconv"

	"github.com/tadamun/tadamun/internal/market/order"
)

// The crafts market's orders for staff (market.read, market.moderate):
// orders and their states, inquiries, messages and the moderation queue,
// the member's message setting, the families that sell with their
// sellers' accounts, sales reports, consent and income proposals. Buyers
// and families use the pages (their light accounts are not API users).

// OrderCancelInput cancels an order with a reason.
type OrderCancelInput struct {
	Reason string `json:"reason"`
}

// MessageInput is a message's text (plain text; markup is refused).
type MessageInput struct {
	Body string `json:"body"`
}

// InquiryWithMessages is an inquiry and its messages.
type InquiryWithMessages struct {
	Inquiry  order.Inquiry   `json:"inquiry"`
	Messages []order.Message `json:"messages"`
}

// OrderSettingsInput changes a member's market message setting.
type OrderSettingsInput struct {
	Member           string `json:"member,omitempty"` // member code; the caller's own when empty
	ModerateContacts bool   `json:"moderate_contacts"`
}

// SellerInput makes the light account of a shop's family.
type SellerInput struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// IncomeInput proposes a household's monthly income from its sales.
type IncomeInput struct {
	Months int    `json:"months"` // 3 or 6
	Reason string `json:"reason,omitempty"`
}

// ConsentStatus is a shop's income consent, null when none was recorded.
type ConsentStatus struct {
	Consent *order.Consent `json:"consent"`
}

func init() {
	svc := func(a *API) *order.Service { return a.Orders }
	memberParam := Param{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}
	id := func(r *http.Request) (int64, error) { return PathInt(r, "id") }
	move := func(path, summary string, fn func(s *order.Service) func(r *http.Request, id int64) (order.Order, error)) Route {
		return Route{Method: "POST", Path: path, Tag: "market", Summary: summary, Response: order.Order{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				return fn(svc(a))(r, n)
			}}
	}
	Register(
		Route{Method: "GET", Path: "/market/orders", Tag: "market", Summary: "List the member's market orders, newest first",
			Query: []Param{memberParam, {Name: "status", Description: "placed, confirmed, shipped, delivered or cancelled"}, {Name: "shop", Type: "integer", Description: "a shop's id"},
				{Name: "q", Description: "part of an order number"}, {Name: "before", Type: "integer", Description: "ids below this one (paging)"}},
			Response: List[order.Order]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				shop, _ := strconv.ParseInt(q.Get("shop"), 10, 64)
				before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
				os, err := svc(a).Orders(r.Context(), nil, order.Filter{MemberID: m, Status: q.Get("status"), ShopID: shop, Query: q.Get("q"), AfterID: before})
				return List[order.Order]{nonNil(os)}, err
			}},
		Route{Method: "GET", Path: "/market/orders/{id}", Tag: "market", Summary: "Get a market order", Response: order.Order{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Order(r.Context(), nil, n)
			}},
		move("/market/orders/{id}/confirm", "Confirm a placed order (market.moderate)", func(s *order.Service) func(*http.Request, int64) (order.Order, error) {
			return func(r *http.Request, n int64) (order.Order, error) { return s.Confirm(r.Context(), nil, n) }
		}),
		move("/market/orders/{id}/ship", "Mark a confirmed order sent (market.moderate)", func(s *order.Service) func(*http.Request, int64) (order.Order, error) {
			return func(r *http.Request, n int64) (order.Order, error) { return s.Ship(r.Context(), nil, n) }
		}),
		move("/market/orders/{id}/deliver", "Mark a sent order delivered; its address is erased (market.moderate)", func(s *order.Service) func(*http.Request, int64) (order.Order, error) {
			return func(r *http.Request, n int64) (order.Order, error) { return s.Deliver(r.Context(), nil, n) }
		}),
		Route{Method: "POST", Path: "/market/orders/{id}/cancel", Tag: "market", Summary: "Cancel an order before delivery, with a reason; the stock comes back (market.moderate)",
			Body: OrderCancelInput{}, Response: order.Order{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[OrderCancelInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Cancel(r.Context(), nil, n, in.Reason)
			}},
		Route{Method: "GET", Path: "/market/orders/{id}/messages", Tag: "market", Summary: "An order's messages (held ones included)", Response: List[order.Message]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				ms, err := svc(a).OrderMessages(r.Context(), nil, n)
				return List[order.Message]{nonNil(ms)}, err
			}},
		Route{Method: "POST", Path: "/market/orders/{id}/messages", Tag: "market", Summary: "Write on an order as a moderator (plain text)",
			Body: MessageInput{}, Response: order.Message{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[MessageInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).PostOnOrder(r.Context(), nil, n, in.Body)
			}},
		Route{Method: "GET", Path: "/market/inquiries", Tag: "market", Summary: "List the member's product inquiries, newest first",
			Query: []Param{memberParam}, Response: List[order.Inquiry]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				qs, err := svc(a).Inquiries(r.Context(), nil, m)
				return List[order.Inquiry]{nonNil(qs)}, err
			}},
		Route{Method: "GET", Path: "/market/inquiries/{id}", Tag: "market", Summary: "Get an inquiry and its messages", Response: InquiryWithMessages{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				q, ms, err := svc(a).Inquiry(r.Context(), nil, n)
				return InquiryWithMessages{Inquiry: q, Messages: nonNil(ms)}, err
			}},
		Route{Method: "POST", Path: "/market/inquiries/{id}/messages", Tag: "market", Summary: "Answer an inquiry as a moderator (plain text)",
			Body: MessageInput{}, Response: order.Message{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[MessageInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).PostOnInquiry(r.Context(), nil, n, in.Body)
			}},
		Route{Method: "GET", Path: "/market/messages/held", Tag: "market", Summary: "Messages held for their contact details, oldest first (market.moderate)",
			Query: []Param{memberParam}, Response: List[order.Message]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				ms, err := svc(a).Held(r.Context(), m)
				return List[order.Message]{nonNil(ms)}, err
			}},
		Route{Method: "POST", Path: "/market/messages/{id}/release", Tag: "market", Summary: "Publish a held message (market.moderate)", Response: order.Message{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Moderate(r.Context(), n, true)
			}},
		Route{Method: "POST", Path: "/market/messages/{id}/reject", Tag: "market", Summary: "Reject a held message (market.moderate)", Response: order.Message{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Moderate(r.Context(), n, false)
			}},
		Route{Method: "GET", Path: "/market/order-settings", Tag: "market", Summary: "The member's market message setting", Query: []Param{memberParam}, Response: order.Settings{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				return svc(a).Settings(r.Context(), m)
			}},
		Route{Method: "PUT", Path: "/market/order-settings", Tag: "market", Summary: "Change the member's market message setting (market.moderate)",
			Body: OrderSettingsInput{}, Response: order.Settings{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[OrderSettingsInput](r)
				if err != nil {
					return nil, err
				}
				m, err := a.memberOf(r, in.Member)
				if err != nil {
					return nil, err
				}
				return svc(a).SetSettings(r.Context(), order.Settings{MemberID: m, ModerateContacts: in.ModerateContacts})
			}},
		Route{Method: "GET", Path: "/market/families", Tag: "market", Summary: "The member's shops that have had orders: sales, sellers' accounts, income consent",
			Query: []Param{memberParam}, Response: List[order.Family]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				fs, err := svc(a).Families(r.Context(), m)
				return List[order.Family]{nonNil(fs)}, err
			}},
		Route{Method: "POST", Path: "/market/shops/{id}/seller", Tag: "market", Summary: "Make the light account of a shop's family; its first password is in the answer, once (market.moderate)",
			Body: SellerInput{}, Response: order.SellerAccount{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[SellerInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).CreateSeller(r.Context(), n, order.SignUpInput{Name: in.Name, Phone: in.Phone})
			}},
		Route{Method: "GET", Path: "/market/shops/{id}/sales", Tag: "market", Summary: "A family's sales report: delivered orders by month and product, amounts in minor units",
			Query:    []Param{{Name: "from", Description: "first month, YYYY-MM (default: eleven months ago)"}, {Name: "to", Description: "last month, YYYY-MM (default: this month)"}},
			Response: order.Sales{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Report(r.Context(), nil, n, r.URL.Query().Get("from"), r.URL.Query().Get("to"))
			}},
		Route{Method: "GET", Path: "/market/shops/{id}/income-consent", Tag: "market", Summary: "The family's consent to report its sales as income", Response: ConsentStatus{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				c, err := svc(a).Consent(r.Context(), n)
				return ConsentStatus{Consent: c}, err
			}},
		Route{Method: "POST", Path: "/market/shops/{id}/income-consent", Tag: "market", Summary: "Record the family's consent to report its sales as income (market.moderate)",
			Body: order.ConsentInput{}, Response: order.Consent{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[order.ConsentInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).RecordConsent(r.Context(), n, in)
			}},
		Route{Method: "POST", Path: "/market/shops/{id}/income-consent/withdraw", Tag: "market", Summary: "Record that the family withdrew its consent (market.moderate)",
			Response: ConsentStatus{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				if err := svc(a).WithdrawConsent(r.Context(), n); err != nil {
					return nil, err
				}
				c, err := svc(a).Consent(r.Context(), n)
				return ConsentStatus{Consent: c}, err
			}},
		Route{Method: "GET", Path: "/market/shops/{id}/incomes", Tag: "market", Summary: "The income proposals made from a family's sales", Response: List[order.Income]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				is, err := svc(a).Incomes(r.Context(), n)
				return List[order.Income]{nonNil(is)}, err
			}},
		Route{Method: "POST", Path: "/market/shops/{id}/incomes", Tag: "market",
			Summary: "Propose the household's monthly income from its delivered sales of the last 3 or 6 months, as a registry change request a registrar decides (market.moderate; needs the family's consent)",
			Body:    IncomeInput{}, Response: order.Income{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[IncomeInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).ProposeIncome(r.Context(), n, in.Months, in.Reason)
			}},
	)
}
