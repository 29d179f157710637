package server

import (
	"context"
	"encoding/base64"
	"strconv"
	"sync"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/market/order"
	"github.com/tadamun/tadamun/internal/market/order/ordertest"
)

// The crafts market's orders read products through develop.Catalog. Each
// test database's services read the market's own products and, beside
// them, an in-memory catalog (newServices) kept here, so that tests can add
// products to it without opening shops.
var (
	marketCatalogsMu sync.Mutex
	marketCatalogs   = map[*db.DB]*ordertest.Catalog{}
)

func marketCatalogOf(d *db.DB) *ordertest.Catalog {
	marketCatalogsMu.Lock()
	defer marketCatalogsMu.Unlock()
	c, ok := marketCatalogs[d]
	if !ok {
		c = ordertest.New(7001)
		marketCatalogs[d] = c
	}
	return c
}

// marketProduct adds a product of member memberID's shop to d's catalog,
// for the household householdID.
func marketProduct(d *db.DB, memberID, shop, household int64, ar, en string, price int64, currency string, stock int) develop.Product {
	return marketCatalogOf(d).Add(develop.Product{MemberID: memberID, ShopID: shop, HouseholdID: household, NameAR: ar, NameEN: en, Price: price, Currency: currency, Stock: stock})
}

// solveChallenge answers a complaint-form challenge token as a person
// reading its question would (the sum is in the token).
func solveChallenge(token string) string {
	b, _ := base64.RawURLEncoding.DecodeString(token)
	if len(b) < 18 {
		return ""
	}
	return strconv.Itoa(int(b[16]) + int(b[17]))
}

// marketOrderRows makes, for member code's shop, a product, a buyer, an
// order (placed), an inquiry, a seller and a held message; it returns their
// ids by name.
func marketOrderRows(t testing.TB, fx *fixture, code string, shop int64, phone string) map[string]int64 {
	t.Helper()
	ctx := actor.System(context.Background())
	svc := servicesOf(t, fx.d).Orders
	m, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM members WHERE code = ?`, code), 10, 64)
	hh, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT COALESCE(MIN(id), 0) FROM households WHERE member_id = ?`, m), 10, 64)
	cur := joValue(t, fx.d, `SELECT currency FROM members WHERE id = ?`, m)
	p := marketProduct(fx.d, m, shop, hh, "سلة خوص", "Palm-leaf basket", 2500, cur, 20)
	_, b, err := svc.SignUp(ctx, order.SignUpInput{MemberID: m, Name: "مشترٍ " + code, Phone: phone + "1", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	o, err := svc.Place(ctx, &b, order.OrderInput{ProductID: p.ID, Quantity: 1, Delivery: order.Pickup, Payment: order.Cash})
	if err != nil {
		t.Fatal(err)
	}
	o2, err := svc.Place(ctx, &b, order.OrderInput{ProductID: p.ID, Quantity: 1, Delivery: order.Pickup, Payment: order.Cash})
	if err != nil {
		t.Fatal(err)
	}
	ch := servicesOf(t, fx.d).Grievances.Challenge(i18n.EN)
	q, _, err := svc.Inquire(ctx, order.InquiryInput{ProductID: p.ID, Name: "سائل", Contact: "0791112223", Message: "هل يتوفر؟", ChallengeToken: ch.Token, ChallengeAnswer: solveChallenge(ch.Token)})
	if err != nil {
		t.Fatal(err)
	}
	sa, err := svc.CreateSeller(ctx, shop, order.SignUpInput{Name: "أسرة " + code, Phone: phone + "2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetSettings(ctx, order.Settings{MemberID: m, ModerateContacts: true}); err != nil {
		t.Fatal(err)
	}
	h, err := svc.PostOnOrder(ctx, &sa.Account, o.ID, "اتصل بي على 0799999999")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetSettings(ctx, order.Settings{MemberID: m, ModerateContacts: false}); err != nil {
		t.Fatal(err)
	}
	return map[string]int64{"product": p.ID, "order": o.ID, "order2": o2.ID, "inquiry": q.ID, "message": h.ID, "shop": shop}
}

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		for k, v := range marketOrderRows(t, fx, "EG", 9001, "0100555000") {
			fx.vals["eg_market_"+k] = strconv.FormatInt(v, 10)
		}
		ctx := actor.System(context.Background())
		if _, err := servicesOf(t, fx.d).Orders.RecordConsent(ctx, 9001, order.ConsentInput{GivenBy: "أم أحمد", GivenOn: "2024-01-01"}); err != nil {
			t.Fatal(err)
		}
	})
	v1 := api.Prefix
	const mod = "jo.market"
	path := func(key, prefix, suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + prefix + v[key] + suffix }
	}
	write := func(key, prefix, suffix, body string) crossCase {
		return crossWriteAs(mod, "POST", func(v map[string]string) (string, string) { return v1 + prefix + v[key] + suffix, body })
	}
	crossCases["GET /market/orders"] = crossListAs(mod, v1+"/market/orders")
	crossCases["GET /market/orders/{id}"] = crossGetAs(mod, path("eg_market_order", "/market/orders/", ""))
	crossCases["POST /market/orders/{id}/confirm"] = write("eg_market_order", "/market/orders/", "/confirm", `{}`)
	crossCases["POST /market/orders/{id}/ship"] = write("eg_market_order", "/market/orders/", "/ship", `{}`)
	crossCases["POST /market/orders/{id}/deliver"] = write("eg_market_order", "/market/orders/", "/deliver", `{}`)
	crossCases["POST /market/orders/{id}/cancel"] = write("eg_market_order2", "/market/orders/", "/cancel", `{"reason":"دخيل"}`)
	crossCases["GET /market/orders/{id}/messages"] = crossGetAs(mod, path("eg_market_order", "/market/orders/", "/messages"))
	crossCases["POST /market/orders/{id}/messages"] = write("eg_market_order", "/market/orders/", "/messages", `{"body":"دخيل"}`)
	crossCases["GET /market/inquiries"] = crossListAs(mod, v1+"/market/inquiries")
	crossCases["GET /market/inquiries/{id}"] = crossGetAs(mod, path("eg_market_inquiry", "/market/inquiries/", ""))
	crossCases["POST /market/inquiries/{id}/messages"] = write("eg_market_inquiry", "/market/inquiries/", "/messages", `{"body":"دخيل"}`)
	crossCases["GET /market/messages/held"] = crossListAs(mod, v1+"/market/messages/held")
	crossCases["POST /market/messages/{id}/release"] = write("eg_market_message", "/market/messages/", "/release", `{}`)
	crossCases["POST /market/messages/{id}/reject"] = write("eg_market_message", "/market/messages/", "/reject", `{}`)
	crossCases["GET /market/order-settings"] = crossGetAs(mod, func(map[string]string) string { return v1 + "/market/order-settings?member=EG" })
	crossCases["PUT /market/order-settings"] = crossWriteAs(mod, "PUT", func(map[string]string) (string, string) {
		return v1 + "/market/order-settings", `{"member":"EG","moderate_contacts":true}`
	})
	crossCases["GET /market/families"] = crossListAs(mod, v1+"/market/families")
	crossCases["POST /market/shops/{id}/seller"] = write("eg_market_shop", "/market/shops/", "/seller", `{"name":"دخيل","phone":"0795551234"}`)
	crossCases["GET /market/shops/{id}/sales"] = crossGetAs(mod, path("eg_market_shop", "/market/shops/", "/sales"))
	crossCases["GET /market/shops/{id}/income-consent"] = crossGetAs(mod, path("eg_market_shop", "/market/shops/", "/income-consent"))
	crossCases["POST /market/shops/{id}/income-consent"] = write("eg_market_shop", "/market/shops/", "/income-consent", `{"given_by":"دخيل","given_on":"2024-01-01"}`)
	crossCases["POST /market/shops/{id}/income-consent/withdraw"] = write("eg_market_shop", "/market/shops/", "/income-consent/withdraw", `{}`)
	crossCases["GET /market/shops/{id}/incomes"] = crossGetAs(mod, path("eg_market_shop", "/market/shops/", "/incomes"))
	crossCases["POST /market/shops/{id}/incomes"] = write("eg_market_shop", "/market/shops/", "/incomes", `{"months":3}`)

	crossRefs["POST /market/shops/{id}/incomes"] = crossRef{NotIDs: []string{"months"}}
}

// bothCatalogs reads a product from the test catalog and, when it is not
// there, from the market.
type bothCatalogs struct {
	test   *ordertest.Catalog
	market develop.Catalog
}

func (c *bothCatalogs) Product(ctx context.Context, id int64) (develop.Product, error) {
	p, err := c.test.Product(ctx, id)
	if errs.CodeOf(err) == errs.NotFound && c.market != nil {
		return c.market.Product(ctx, id)
	}
	return p, err
}

func (c *bothCatalogs) ReserveTx(ctx context.Context, tx *db.Tx, id int64, qty int) (develop.Product, error) {
	p, err := c.test.ReserveTx(ctx, tx, id, qty)
	if errs.CodeOf(err) == errs.NotFound && c.market != nil {
		return c.market.ReserveTx(ctx, tx, id, qty)
	}
	return p, err
}

func (c *bothCatalogs) ReleaseTx(ctx context.Context, tx *db.Tx, id int64, qty int) error {
	err := c.test.ReleaseTx(ctx, tx, id, qty)
	if errs.CodeOf(err) == errs.NotFound && c.market != nil {
		return c.market.ReleaseTx(ctx, tx, id, qty)
	}
	return err
}
