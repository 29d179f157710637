package market

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

var start = time.Date(2027, 3, 1, 7, 0, 0, 0, time.UTC)

// fixture is member JO with governorates AM and IR, its market moderator
// and a viewer, member EG with its moderator, and a household of each.
type fixture struct {
	d                *db.DB
	s                *Service
	jo, eg           int64
	joHH, egHH       int64
	mod, egMod, view context.Context
	public           context.Context
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, public: context.Background()}
	f.jo = mustMember(t, d, "JO", "Asia/Amman", "962")
	f.eg = mustMember(t, d, "EG", "Africa/Cairo", "20")
	mustArea(t, d, f.jo, "", "governorate", "AM", "عمان", "Amman")
	mustArea(t, d, f.jo, "AM", "district", "AM01", "قصبة عمان", "Amman Qasabah")
	mustArea(t, d, f.jo, "", "governorate", "IR", "إربد", "Irbid")
	f.joHH = mustHousehold(t, d, f.jo, "H-1", "AM", "AM01")
	f.egHH = mustHousehold(t, d, f.eg, "E-1", "C", "")
	f.mod = as(t, d, f.jo, "jo.market", actor.MarketModerator)
	f.view = as(t, d, f.jo, "jo.auditor", actor.Auditor)
	f.egMod = as(t, d, f.eg, "eg.market", actor.MarketModerator)
	f.s = New(d, Options{Clock: calendar.Fixed(start)})
	return f
}

func mustHousehold(tb testing.TB, d *db.DB, member int64, ref, gov, dist string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO households (member_id, household_ref, governorate, district, address, registered_on, created_at, updated_at) VALUES (?, ?, ?, ?, 'شارع السر ١٢', '2026-01-01', ?, ?) RETURNING id`, member, ref, gov, dist, start, start)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func consent() Consent {
	return Consent{GivenBy: "أم محمد", GivenOn: "2027-02-20", Scope: ConsentScope}
}

// shop opens and opens for business a JO shop for household hh.
func (f *fixture) shop(tb testing.TB, hh int64, name string) Shop {
	tb.Helper()
	h, err := f.s.OpenShop(f.mod, ShopInput{MemberID: f.jo, HouseholdID: hh, NameAR: name, NameEN: "Shop", StoryAR: "قصة", Crafts: "تطريز", Pickup: true, Consent: consent()})
	if err != nil {
		tb.Fatal(err)
	}
	if h, err = f.s.SetStatus(f.mod, h.ID, Open, h.Version); err != nil {
		tb.Fatal(err)
	}
	return h
}

func (f *fixture) product(tb testing.TB, shop int64, name string, price int64, stock int) Product {
	tb.Helper()
	p, err := f.s.AddProduct(f.mod, ProductInput{ShopID: shop, NameAR: name, Price: price, Stock: stock, Active: true})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func mustMember(tb testing.TB, d *db.DB, code, tz, calling string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, calling_code, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', ?, ?, ?, ?) RETURNING id`, code, "عضو "+code, "Member "+code, tz, calling, start, start)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func mustArea(tb testing.TB, d *db.DB, member int64, parent, level, code, ar, en string) {
	tb.Helper()
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var pid any
		if parent != "" {
			var id int64
			if err := tx.QueryRow(ctx, `SELECT id FROM admin_areas WHERE member_id = ? AND code = ?`, member, parent).Scan(&id); err != nil {
				return err
			}
			pid = id
		}
		_, err := tx.Exec(ctx, `INSERT INTO admin_areas (member_id, parent_id, level, code, name_ar, name_en) VALUES (?, ?, ?, ?, ?, ?)`, member, pid, level, code, ar, en)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func as(tb testing.TB, d *db.DB, member int64, name string, roles ...actor.Role) context.Context {
	tb.Helper()
	ctx := context.Background()
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	var uid int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		uid, err = tx.InsertID(ctx, `INSERT INTO users (member_id, username, display_name, password_hash, roles, created_at, updated_at) VALUES (?, ?, ?, '-', ?, ?, ?) RETURNING id`,
			member, name, name, strings.Join(names, " "), start, start)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return actor.With(ctx, actor.Actor{UserID: uid, Username: name, Name: name, MemberID: member, Roles: roles, Lang: i18n.EN})
}

func count(tb testing.TB, d *db.DB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func wantCode(tb testing.TB, err error, code errs.Code) {
	tb.Helper()
	if got := errs.CodeOf(err); got != code {
		tb.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

func wantKey(tb testing.TB, err error, key string) {
	tb.Helper()
	e := errs.As(err)
	if e == nil {
		tb.Fatalf("got error %v, want %s", err, key)
	}
	if e.Key == key {
		return
	}
	for _, f := range e.Fields {
		if f.Key == key {
			return
		}
	}
	tb.Fatalf("got error %v (%s %v), want %s", err, e.Key, e.Fields, key)
}
