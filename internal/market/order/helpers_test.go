package order

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/registry"
)

// sqlCatalog is a develop.Catalog over a table this test creates: its
// reservations are guarded decrements in the caller's transaction, as
// internal/market's are, so that a race and a rollback behave as they
// will.
type sqlCatalog struct{ d *db.DB }

func newSQLCatalog(tb testing.TB, d *db.DB) *sqlCatalog {
	tb.Helper()
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE test_order_products (id BIGINT PRIMARY KEY, member_id BIGINT NOT NULL, shop_id BIGINT NOT NULL, household_id BIGINT NOT NULL,
			name_ar TEXT NOT NULL, price BIGINT NOT NULL, currency TEXT NOT NULL, stock BIGINT NOT NULL, active BOOLEAN NOT NULL)`)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return &sqlCatalog{d: d}
}

func (c *sqlCatalog) add(tb testing.TB, id, member, shop, household int64, name string, price int64, stock int) develop.Product {
	tb.Helper()
	ctx := context.Background()
	err := c.d.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO test_order_products VALUES (?, ?, ?, ?, ?, ?, 'JOD', ?, ?)`, id, member, shop, household, name, price, stock, true)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	p, _ := c.Product(ctx, id)
	return p
}

func scanProduct(r interface{ Scan(...any) error }) (develop.Product, error) {
	var p develop.Product
	err := r.Scan(&p.ID, &p.MemberID, &p.ShopID, &p.HouseholdID, &p.NameAR, &p.Price, &p.Currency, &p.Stock, &p.Active)
	if noRows(err) {
		return p, errs.E(errs.NotFound, "error.not_found")
	}
	return p, err
}

const productCols = `id, member_id, shop_id, household_id, name_ar, price, currency, stock, active`

func (c *sqlCatalog) Product(ctx context.Context, id int64) (develop.Product, error) {
	return scanProduct(c.d.QueryRow(ctx, `SELECT `+productCols+` FROM test_order_products WHERE id = ?`, id))
}

func (c *sqlCatalog) ReserveTx(ctx context.Context, tx *db.Tx, id int64, qty int) (develop.Product, error) {
	res, err := tx.Exec(ctx, `UPDATE test_order_products SET stock = stock - ? WHERE id = ? AND stock >= ?`, qty, id, qty)
	if err != nil {
		return develop.Product{}, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return develop.Product{}, errs.E(errs.Conflict, "market.out_of_stock")
	}
	return scanProduct(tx.QueryRow(ctx, `SELECT `+productCols+` FROM test_order_products WHERE id = ?`, id))
}

func (c *sqlCatalog) ReleaseTx(ctx context.Context, tx *db.Tx, id int64, qty int) error {
	_, err := tx.Exec(ctx, `UPDATE test_order_products SET stock = stock + ? WHERE id = ?`, qty, id)
	return err
}

// fakeRegistry records the proposals it is given.
type fakeRegistry struct {
	mu   sync.Mutex
	got  []map[string]string
	hh   []int64
	why  []string
	next int64
}

func (r *fakeRegistry) ProposeChange(_ context.Context, householdID int64, values map[string]string, reason string) (registry.ChangeRequest, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	r.got, r.hh, r.why = append(r.got, values), append(r.hh, householdID), append(r.why, reason)
	return registry.ChangeRequest{ID: r.next, HouseholdID: householdID, Status: "pending"}, nil
}

func (r *fakeRegistry) ProposePersonChange(context.Context, int64, map[string]string, string) (registry.ChangeRequest, error) {
	return registry.ChangeRequest{}, errs.E(errs.Invalid, "error.invalid_input")
}

type fakeChallenge struct{}

func (fakeChallenge) Verify(token, answer string) error {
	if token == "tok" && answer == "7" {
		return nil
	}
	return errs.E(errs.Invalid, "grievance.challenge_failed").WithField("challenge", "grievance.challenge_failed")
}

var start = time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC)

type fixture struct {
	d          *db.DB
	s          *Service
	cat        *sqlCatalog
	reg        *fakeRegistry
	clock      *calendar.Manual
	jo, eg     int64
	mod, egMod context.Context
	viewer     context.Context
	public     context.Context
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, clock: calendar.NewManual(start), public: context.Background(), reg: &fakeRegistry{}}
	f.jo = mustMember(t, d, "JO", "Asia/Amman", "962")
	f.eg = mustMember(t, d, "EG", "Africa/Cairo", "20")
	f.mod = as(t, d, f.jo, "jo.market", actor.MarketModerator)
	f.egMod = as(t, d, f.eg, "eg.market", actor.MarketModerator)
	f.viewer = as(t, d, f.jo, "jo.auditor", actor.Auditor)
	f.cat = newSQLCatalog(t, d)
	f.s = New(d, Options{Catalog: f.cat, Registry: f.reg, Challenges: fakeChallenge{}, Clock: f.clock.Clock()})
	return f
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

func wantCode(tb testing.TB, err error, code errs.Code) {
	tb.Helper()
	if got := errs.CodeOf(err); got != code {
		tb.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

// buyer signs a JO buyer up.
func (f *fixture) buyer(tb testing.TB, name, phone string) *Account {
	tb.Helper()
	_, a, err := f.s.SignUp(f.public, SignUpInput{MemberID: f.jo, Name: name, Phone: phone, Password: "correct horse battery"})
	if err != nil {
		tb.Fatal(err)
	}
	return &a
}

// place places an order of qty of product id for b, cash on pickup.
func (f *fixture) place(tb testing.TB, b *Account, id int64, qty int) Order {
	tb.Helper()
	o, err := f.s.Place(f.public, b, OrderInput{ProductID: id, Quantity: qty, Delivery: Pickup, Payment: Cash})
	if err != nil {
		tb.Fatal(err)
	}
	return o
}
