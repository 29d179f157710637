package order

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

func TestPlaceAndMove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.cat.add(t, 1, f.jo, 10, 100, "سلة خوص", 2500, 5)
		b := f.buyer(t, "ليلى", "0791000001")
		o, err := f.s.Place(f.public, b, OrderInput{ProductID: p.ID, Quantity: 2, Delivery: Delivery, Address: "عمان، جبل الحسين", Payment: Transfer, TransferRef: "TR-778"})
		if err != nil {
			t.Fatal(err)
		}
		if o.Number != "JO-M-2027-000001" || o.Amount != 5000 || o.Status != Placed || o.HouseholdID != 100 {
			t.Fatalf("got %+v", o)
		}
		o2 := f.place(t, b, p.ID, 1)
		if o2.Number != "JO-M-2027-000002" {
			t.Fatalf("second number %s", o2.Number)
		}
		if got, _ := f.cat.Product(context.Background(), p.ID); got.Stock != 2 {
			t.Fatalf("stock %d, want 2", got.Stock)
		}
		// More than the stock: refused, nothing written.
		_, err = f.s.Place(f.public, b, OrderInput{ProductID: p.ID, Quantity: 3, Delivery: Pickup, Payment: Cash})
		wantKey(t, err, "order.out_of_stock")
		// The seller's account, made by the moderator of the shop's member.
		if _, err := f.s.CreateSeller(f.egMod, 10, SignUpInput{Name: "أم محمد", Phone: "0795550000"}); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("another member's moderator made a seller: %v", err)
		}
		sa, err := f.s.CreateSeller(f.mod, 10, SignUpInput{Name: "أم محمد", Phone: "0795550000"})
		if err != nil {
			t.Fatal(err)
		}
		_, seller, err := f.s.SignIn(f.public, f.jo, "+962 79 555 0000", sa.Password, "")
		if err != nil {
			t.Fatal(err)
		}
		// The buyer may not confirm; the seller confirms, ships, delivers.
		_, err = f.s.Confirm(f.public, b, o.ID)
		wantCode(t, err, errs.Forbidden)
		for _, step := range []func(context.Context, *Account, int64) (Order, error){f.s.Confirm, f.s.Ship, f.s.Deliver} {
			if o, err = step(f.public, &seller, o.ID); err != nil {
				t.Fatal(err)
			}
		}
		if o.Status != Delivered || o.Address != "" {
			t.Fatalf("got %s, address %q", o.Status, o.Address)
		}
		if got, _ := f.s.Order(f.mod, nil, o.ID); got.Address != "" || got.DeliveredAt == nil {
			t.Fatalf("stored %+v", got)
		}
		// Delivered is the end: a second delivery is refused.
		_, err = f.s.Deliver(f.public, &seller, o.ID)
		wantKey(t, err, "order.bad_transition")
		// The buyer cancels the other while only placed; the stock comes back.
		if _, err := f.s.Cancel(f.public, b, o2.ID, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.cat.Product(context.Background(), p.ID); got.Stock != 3 {
			t.Fatalf("stock %d, want 3", got.Stock)
		}
		// Another buyer sees nothing of them.
		other := f.buyer(t, "سامي", "0791000002")
		_, err = f.s.Order(f.public, other, o.ID)
		wantCode(t, err, errs.NotFound)
		// EG's moderator neither.
		_, err = f.s.Order(f.egMod, nil, o.ID)
		wantCode(t, err, errs.NotFound)
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action LIKE 'market_order.%'`); n < 8 {
			t.Fatalf("%d audit records", n)
		}
	})
}

func TestCancelRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.cat.add(t, 1, f.jo, 10, 100, "سلة خوص", 2500, 5)
		b := f.buyer(t, "ليلى", "0791000001")
		o := f.place(t, b, p.ID, 1)
		if _, err := f.s.Confirm(f.mod, nil, o.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.Cancel(f.public, b, o.ID, "")
		wantKey(t, err, "order.buyer_cancel_placed")
		_, err = f.s.Cancel(f.mod, nil, o.ID, "")
		wantKey(t, err, "order.reason_required")
		_, err = f.s.Cancel(f.viewer, nil, o.ID, "لا")
		wantCode(t, err, errs.Forbidden)
		c, err := f.s.Cancel(f.mod, nil, o.ID, "المنتج تالف")
		if err != nil {
			t.Fatal(err)
		}
		if c.CancelledBy != Moderator || c.CancelReason != "المنتج تالف" {
			t.Fatalf("got %+v", c)
		}
		if got, _ := f.cat.Product(context.Background(), p.ID); got.Stock != 5 {
			t.Fatalf("stock %d, want 5", got.Stock)
		}
	})
}

func TestOrderInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.cat.add(t, 1, f.jo, 10, 100, "سلة", 100, 5)
		b := f.buyer(t, "ليلى", "0791000001")
		for _, tc := range []struct {
			name string
			in   OrderInput
			key  string
		}{
			{"no address", OrderInput{ProductID: p.ID, Quantity: 1, Delivery: Delivery, Payment: Cash}, "order.address_required"},
			{"no reference", OrderInput{ProductID: p.ID, Quantity: 1, Delivery: Pickup, Payment: Transfer}, "order.transfer_ref_required"},
			{"zero", OrderInput{ProductID: p.ID, Quantity: 0, Delivery: Pickup, Payment: Cash}, "order.quantity_invalid"},
			{"payment", OrderInput{ProductID: p.ID, Quantity: 1, Delivery: Pickup, Payment: "card"}, "order.payment_invalid"},
			{"script in address", OrderInput{ProductID: p.ID, Quantity: 1, Delivery: Delivery, Address: "<script>x</script>", Payment: Cash}, "order.markup"},
			{"unknown product", OrderInput{ProductID: 99, Quantity: 1, Delivery: Pickup, Payment: Cash}, "order.product_not_found"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.s.Place(f.public, b, tc.in)
				wantKey(t, err, tc.key)
			})
		}
		_, err := f.s.Place(f.public, nil, OrderInput{ProductID: p.ID, Quantity: 1, Delivery: Pickup, Payment: Cash})
		wantKey(t, err, "order.buyers_only")
		if n := count(t, d, `SELECT COUNT(*) FROM market_orders`); n != 0 {
			t.Fatalf("%d orders written", n)
		}
	})
}

func TestAccounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tok, a, err := f.s.SignUp(f.public, SignUpInput{MemberID: f.jo, Name: " ليلى  أحمد ", Phone: "٠٧٩١٠٠٠٠٠١", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Phone != "962791000001" || a.Name != "ليلى أحمد" {
			t.Fatalf("got %+v", a)
		}
		if got, err := f.s.Session(f.public, tok); err != nil || got.ID != a.ID {
			t.Fatalf("session: %v %+v", err, got)
		}
		_, _, err = f.s.SignUp(f.public, SignUpInput{MemberID: f.jo, Name: "آخر", Phone: "+962791000001", Password: "correct horse battery"})
		wantKey(t, err, "order.phone_taken")
		_, _, err = f.s.SignUp(f.public, SignUpInput{MemberID: f.jo, Name: "آخر", Phone: "0791000009", Password: "short"})
		wantKey(t, err, "order.password_short")
		_, _, err = f.s.SignIn(f.public, f.jo, "0791000001", "wrong password!", "")
		wantKey(t, err, "order.bad_credentials")
		if _, _, err = f.s.SignIn(f.public, f.jo, "0791000001", "correct horse battery", ""); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(sessionTTL + time.Hour)
		_, err = f.s.Session(f.public, tok)
		wantCode(t, err, errs.Unauthenticated)
		if n := count(t, d, `SELECT COUNT(*) FROM market_order_accounts WHERE password_hash LIKE '$argon2id$%'`); n != 1 {
			t.Fatalf("%d hashed passwords", n)
		}
	})
}

func TestContacts(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string
	}{
		{"السلة جميلة، متى تصل؟", ""},
		{"اتصلي بي على 0791234567", "phone"},
		{"رقمي ٠٧٩ ١٢٣ ٤٥٦٧", "phone"},
		{"رقمي ۰۷۹-۱۲۳-۴۵۶۷", "phone"},
		{"write to laila@example.com", "email"},
		{"see www.example.com please", "url"},
		{"https://shop.example/x", "url"},
		{"تابعيني على انستغرام", "handle"},
		{"my handle is @laila_crafts", "handle"},
		{"واتساب من فضلك", "handle"},
		{"أريد ٣ قطع بسعر ٢٥ دينار", ""},
	} {
		t.Run(tc.text, func(t *testing.T) {
			if got := strings.Join(Contacts(tc.text), " "); got != tc.want {
				t.Fatalf("Contacts(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.cat.add(t, 1, f.jo, 10, 100, "سلة", 100, 5)
		b := f.buyer(t, "ليلى", "0791000001")
		o := f.place(t, b, p.ID, 1)
		sa, err := f.s.CreateSeller(f.mod, 10, SignUpInput{Name: "أم محمد", Phone: "0795550000"})
		if err != nil {
			t.Fatal(err)
		}
		seller := sa.Account
		// Markup is refused, whatever it is.
		for _, body := range []string{"<script>alert(1)</script>", "hello <b>there</b>", "<img src=x onerror=alert(1)>", "&lt;script&gt;"} {
			_, err := f.s.PostOnOrder(f.public, b, o.ID, body)
			wantKey(t, err, "order.markup")
		}
		// Without the setting, contact details pass (flagged).
		m, err := f.s.PostOnOrder(f.public, b, o.ID, "رقمي ٠٧٩١٢٣٤٥٦٧")
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != Visible || !m.Flagged(FlagPhone) {
			t.Fatalf("got %+v", m)
		}
		// With it, they are held for the moderator.
		if _, err := f.s.SetSettings(f.viewer, Settings{MemberID: f.jo, ModerateContacts: true}); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a viewer changed the setting: %v", err)
		}
		if _, err := f.s.SetSettings(f.mod, Settings{MemberID: f.jo, ModerateContacts: true}); err != nil {
			t.Fatal(err)
		}
		h, err := f.s.PostOnOrder(f.public, &seller, o.ID, "راسليني على laila@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if h.Status != Held {
			t.Fatalf("got %s, want held", h.Status)
		}
		plain, err := f.s.PostOnOrder(f.public, &seller, o.ID, "تم تجهيز الطلب")
		if err != nil || plain.Status != Visible {
			t.Fatalf("plain: %v %+v", err, plain)
		}
		// The buyer does not see the held message; its sender and the moderator do.
		seen := func(who *Account, ctx context.Context) int {
			ms, err := f.s.OrderMessages(ctx, who, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(ms)
		}
		if n := seen(b, f.public); n != 2 {
			t.Fatalf("buyer sees %d, want 2", n)
		}
		if n := seen(&seller, f.public); n != 3 {
			t.Fatalf("seller sees %d, want 3", n)
		}
		q, err := f.s.Held(f.mod, f.jo)
		if err != nil || len(q) != 1 || q[0].ID != h.ID {
			t.Fatalf("queue: %v %+v", err, q)
		}
		_, err = f.s.Held(f.egMod, f.jo)
		wantCode(t, err, errs.NotFound)
		_, err = f.s.Moderate(f.egMod, h.ID, true)
		wantCode(t, err, errs.NotFound)
		if _, err := f.s.Moderate(f.mod, h.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Moderate(f.mod, h.ID, false)
		wantKey(t, err, "order.message_not_held")
		if n := seen(b, f.public); n != 3 {
			t.Fatalf("buyer sees %d after release, want 3", n)
		}
	})
}

func TestInquiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.cat.add(t, 1, f.jo, 10, 100, "سلة", 100, 5)
		in := InquiryInput{ProductID: p.ID, Name: "سعاد", Contact: "0791112223", Message: "هل يتوفر لون أزرق؟", ChallengeToken: "tok", ChallengeAnswer: "7", IP: "10.0.0.1"}
		bad := in
		bad.IP = "10.0.0.9"
		bad.ChallengeAnswer = "8"
		_, _, err := f.s.Inquire(f.public, bad)
		wantKey(t, err, "grievance.challenge_failed")
		bad = in
		bad.IP = "10.0.0.9"
		bad.Message = "<script>alert(1)</script>"
		_, _, err = f.s.Inquire(f.public, bad)
		wantKey(t, err, "order.markup")
		bad = in
		bad.IP = "10.0.0.9"
		bad.Contact = "x"
		_, _, err = f.s.Inquire(f.public, bad)
		wantKey(t, err, "order.contact_invalid")
		if n := count(t, d, `SELECT COUNT(*) FROM market_order_inquiries`); n != 0 {
			t.Fatalf("%d inquiries written", n)
		}
		q, tok, err := f.s.Inquire(f.public, in)
		if err != nil {
			t.Fatal(err)
		}
		sa, err := f.s.CreateSeller(f.mod, 10, SignUpInput{Name: "أم محمد", Phone: "0795550000"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.PostOnInquiry(f.public, &sa.Account, q.ID, "نعم، يتوفر"); err != nil {
			t.Fatal(err)
		}
		_, ms, err := f.s.ByToken(f.public, tok)
		if err != nil || len(ms) != 2 {
			t.Fatalf("by token: %v %d", err, len(ms))
		}
		if _, err := f.s.ReplyByToken(f.public, tok, "شكرا"); err != nil {
			t.Fatal(err)
		}
		// The rate limit: five from one address in ten minutes.
		for range 4 {
			if _, _, err := f.s.Inquire(f.public, in); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err = f.s.Inquire(f.public, in)
		wantCode(t, err, errs.TooMany)
		// The family sees the contact, unless the member moderates contacts.
		qs, err := f.s.Inquiries(f.public, &sa.Account, 0)
		if err != nil || len(qs) != 5 || qs[0].Contact == "" {
			t.Fatalf("inquiries: %v %+v", err, qs)
		}
		if _, err := f.s.SetSettings(f.mod, Settings{MemberID: f.jo, ModerateContacts: true}); err != nil {
			t.Fatal(err)
		}
		if qs, _ = f.s.Inquiries(f.public, &sa.Account, 0); qs[0].Contact != "" {
			t.Fatalf("contact shown to the family: %+v", qs[0])
		}
		if _, _, err := f.s.Inquiry(f.egMod, nil, q.ID); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("EG read JO's inquiry: %v", err)
		}
	})
}

func TestReportAndIncome(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p1 := f.cat.add(t, 1, f.jo, 10, 100, "سلة", 2500, 50)
		p2 := f.cat.add(t, 2, f.jo, 10, 100, "سجادة", 10000, 50)
		b := f.buyer(t, "ليلى", "0791000001")
		deliver := func(id int64, qty int) {
			o := f.place(t, b, id, qty)
			for _, step := range []func(context.Context, *Account, int64) (Order, error){f.s.Confirm, f.s.Ship, f.s.Deliver} {
				if _, err := step(f.mod, nil, o.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		// December, January, February delivered; one placed only.
		f.clock.Set(time.Date(2026, 12, 15, 9, 0, 0, 0, time.UTC))
		deliver(p1.ID, 2) // 5000
		f.clock.Set(time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC))
		deliver(p1.ID, 1) // 2500
		deliver(p2.ID, 1) // 10000
		f.clock.Set(time.Date(2027, 2, 15, 9, 0, 0, 0, time.UTC))
		deliver(p2.ID, 2) // 20000
		f.place(t, b, p1.ID, 1)
		f.clock.Set(start)
		rep, err := f.s.Report(f.viewer, nil, 10, "2026-12", "2027-03")
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Rows) != 4 || rep.Totals[0].Amount != 37500 || rep.Totals[0].Orders != 4 {
			t.Fatalf("got %+v", rep)
		}
		if r := rep.Rows[1]; r.Month != "2027-01" || r.ProductID != p1.ID || r.Amount != 2500 {
			t.Fatalf("row %+v", r)
		}
		_, err = f.s.Report(f.egMod, nil, 10, "", "")
		wantCode(t, err, errs.NotFound)
		// Income: refused without consent.
		_, err = f.s.ProposeIncome(f.mod, 10, 3, "")
		wantKey(t, err, "order.no_consent")
		if _, err := f.s.RecordConsent(f.viewer, 10, ConsentInput{GivenBy: "أم محمد", GivenOn: "2027-03-01"}); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a viewer recorded consent: %v", err)
		}
		if _, err := f.s.RecordConsent(f.mod, 10, ConsentInput{GivenBy: "أم محمد", GivenOn: "2027-03-01"}); err != nil {
			t.Fatal(err)
		}
		in, err := f.s.ProposeIncome(f.mod, 10, 3, "")
		if err != nil {
			t.Fatal(err)
		}
		// 37500 fils over three months: 12500 a month, 12.500 dinars.
		if in.Total != 37500 || in.Monthly != 12500 || f.reg.got[0]["monthly_income"] != "12.500" || f.reg.hh[0] != 100 {
			t.Fatalf("got %+v, registry %v", in, f.reg.got)
		}
		if f.reg.why[0] == "" {
			t.Fatal("no reason")
		}
		if err := f.s.WithdrawConsent(f.mod, 10); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.ProposeIncome(f.mod, 10, 6, "")
		wantKey(t, err, "order.no_consent")
		_, err = f.s.ProposeIncome(f.egMod, 10, 3, "")
		wantCode(t, err, errs.NotFound)
		pub, err := f.s.PublicFigures(f.public, f.jo)
		if err != nil {
			t.Fatal(err)
		}
		if c := pub.Families.Cells[0][0]; !c.Hidden() {
			t.Fatalf("one family shown: %+v", c)
		}
	})
}
