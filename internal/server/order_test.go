package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestMarketAccountSession: a buyer's sign-up sets the market cookie
// (HttpOnly, SameSite=Lax, Secure on this loopback server) and drops the
// pre-session CSRF cookie, so a token from before sign-in is refused; an
// order without the token writes nothing; a message is shown escaped; the
// family's and the moderator's sales exports answer CSV and XLSX.
func TestMarketAccountSession(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ps := marketOrderDemo(t, d)
	p := strconv.FormatInt(ps[0].ID, 10)
	b := newBrowser(t, ts.URL)
	old := b.csrf("/market/account")
	resp, body := b.do("POST", "/market/account/signup", url.Values{"csrf": {old}, "member": {"JO"}, "name": {"هند"}, "phone": {"0795550099"}, "password": {"a long enough password"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign up: %d %.300s", resp.StatusCode, body)
	}
	var market, csrf *http.Cookie
	for _, c := range resp.Cookies() {
		switch c.Name {
		case "tdm_market":
			market = c
		case "tdm_csrf":
			csrf = c
		}
	}
	if market == nil || !market.HttpOnly || !market.Secure || market.SameSite != http.SameSiteLaxMode {
		t.Fatalf("market cookie %+v", market)
	}
	if csrf == nil || csrf.MaxAge >= 0 {
		t.Fatalf("the pre-session CSRF cookie was not dropped: %+v", csrf)
	}
	order := url.Values{"quantity": {"1"}, "delivery": {"pickup"}, "payment": {"cash"}}
	before := joValue(t, d, `SELECT COUNT(*) FROM market_orders`)
	for _, tok := range []string{"", old} {
		f := url.Values{"csrf": {tok}}
		for k, v := range order {
			f[k] = v
		}
		if resp, _ := b.do("POST", "/market/products/"+p+"/order", f); resp.StatusCode != http.StatusForbidden {
			t.Errorf("order with CSRF token %q: status %d, want 403", tok, resp.StatusCode)
		}
	}
	if after := joValue(t, d, `SELECT COUNT(*) FROM market_orders`); after != before {
		t.Fatalf("an order without its token was written")
	}
	order.Set("csrf", b.csrf("/market/products/"+p+"/order"))
	resp, body = b.do("POST", "/market/products/"+p+"/order", order)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("order: %d %.300s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	resp, body = b.do("POST", loc+"/messages", url.Values{"csrf": {b.csrf(loc)}, "body": {"5 > 3 & \"a\" 'b'"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("message: %d %.300s", resp.StatusCode, body)
	}
	if _, body = b.do("GET", loc, nil); !strings.Contains(body, "5 &gt; 3 &amp; &#34;a&#34; &#39;b&#39;") {
		t.Errorf("the message is not shown escaped")
	}

	// The family's export, with its own session.
	s := newBrowser(t, ts.URL)
	resp, body = s.do("POST", "/market/account/signin", url.Values{"csrf": {s.csrf("/market/account")}, "member": {"JO"}, "phone": {demo.DemoSellerPhone}, "password": {demo.Password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("seller sign in: %d %.300s", resp.StatusCode, body)
	}
	resp, body = s.do("GET", "/market/account/sales?format=csv", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, ps[0].NameAR) {
		t.Fatalf("seller CSV: %d %.300s", resp.StatusCode, body)
	}
	// The buyer sees no sales report and no order of another buyer.
	if resp, _ := b.do("GET", "/market/account/sales", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a buyer's sales report: %d", resp.StatusCode)
	}
	other := joValue(t, d, `SELECT MIN(id) FROM market_orders`)
	if resp, _ := b.do("GET", "/market/account/orders/"+other, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another buyer's order: %d", resp.StatusCode)
	}
	m := newBrowser(t, ts.URL)
	m.login("jo.market")
	resp, _ = m.do("GET", "/market/sales/"+strconv.FormatInt(ps[0].ShopID, 10)+"?format=xlsx", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheet") {
		t.Fatalf("moderator XLSX: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	e := newBrowser(t, ts.URL)
	e.login("eg.jobs")
	if resp, _ := e.do("GET", "/market/orders/"+other, nil); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
		t.Errorf("EG user opened a JO order: %d", resp.StatusCode)
	}

	// The portal's section: one family selling, hidden as a small cell.
	statisticsReady(t, d)
	_, body = newBrowser(t, ts.URL).do("GET", "/portal/statistics?member=JO", nil)
	for _, w := range []string{"مبيعات الأسر المنتجة", "الأسر البائعة:", "&lt;10"} {
		if !strings.Contains(body, w) {
			t.Errorf("the portal lacks %q", w)
		}
	}
}
