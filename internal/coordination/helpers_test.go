package coordination

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
	"github.com/tadamun/tadamun/internal/registry"
)

// start is a Monday, 10:00 in Amman.
var start = time.Date(2027, 3, 1, 7, 0, 0, 0, time.UTC)

// fixture is members JO, EG and SY; JO's case supervisor (who writes
// requests) and approver (the second person), EG's administrator, SY's
// administrator (a third member, who must see nothing) and a union
// administrator. JO has household H-1 of two persons.
type fixture struct {
	d                      *db.DB
	s                      *Service
	clock                  *calendar.Manual
	jo, eg, sy             int64
	joSup, joApp, joSup2   context.Context
	egAdmin, syAdmin       context.Context
	union, joViewer        context.Context
	types                  map[string]int64
	household              int64
	egAdminID, egSupID     int64
	egSup                  context.Context
	registry               *registry.Service
	emergency, family, dup int64
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, clock: calendar.NewManual(start)}
	f.jo = mustMember(t, d, "JO", "Asia/Amman")
	f.eg = mustMember(t, d, "EG", "Africa/Cairo")
	f.sy = mustMember(t, d, "SY", "Asia/Damascus")
	f.joSup, _ = as(t, d, f.jo, "jo.sup", actor.CaseSupervisor)
	f.joSup2, _ = as(t, d, f.jo, "jo.sup2", actor.CaseSupervisor)
	f.joApp, _ = as(t, d, f.jo, "jo.approver", actor.Approver)
	f.joViewer, _ = as(t, d, f.jo, "jo.viewer", actor.Viewer)
	f.egAdmin, f.egAdminID = as(t, d, f.eg, "eg.admin", actor.MemberAdmin)
	f.egSup, f.egSupID = as(t, d, f.eg, "eg.sup", actor.CaseSupervisor)
	f.syAdmin, _ = as(t, d, f.sy, "sy.admin", actor.MemberAdmin)
	f.union, _ = as(t, d, 0, "union.admin", actor.UnionAdmin)
	f.registry = registry.NewWith(d, registry.Options{Clock: f.clock.Clock()})
	sys := actor.System(context.Background())
	h, _, err := f.registry.CreateHousehold(sys, f.jo, registry.Household{Ref: "H-1"}, []registry.Person{
		{Ref: "P1", Relationship: "head", FirstName: "أحمد", FatherName: "محمود", FamilyName: "الحسيني", Sex: "male", NationalID: "9871234567"},
		{Ref: "P2", Relationship: "spouse", FirstName: "فاطمة", FamilyName: "العلي", Sex: "female"}})
	if err != nil {
		t.Fatal(err)
	}
	f.household = h.ID
	f.s = New(d, Options{Registry: f.registry, Clock: f.clock.Clock()})
	f.types = map[string]int64{}
	ts, err := f.s.Types(sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, ty := range ts {
		f.types[ty.Code] = ty.ID
	}
	f.emergency, f.family, f.dup = f.types["emergency_response"], f.types["displaced_family"], f.types["duplicate_followup"]
	if f.emergency == 0 || f.family == 0 || f.dup == 0 {
		t.Fatalf("seeded types: got %v", f.types)
	}
	return f
}

func mustMember(tb testing.TB, d *db.DB, code, tz string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, calling_code, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', ?, '', ?, ?) RETURNING id`,
			code, "عضو "+code, "Member "+code, tz, start, start)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func as(tb testing.TB, d *db.DB, member int64, name string, roles ...actor.Role) (context.Context, int64) {
	tb.Helper()
	ctx := context.Background()
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	var m any
	if member != 0 {
		m = member
	}
	var uid int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		uid, err = tx.InsertID(ctx, `INSERT INTO users (member_id, username, display_name, password_hash, roles, created_at, updated_at) VALUES (?, ?, ?, '-', ?, ?, ?) RETURNING id`,
			m, name, name, strings.Join(names, " "), start, start)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return actor.With(ctx, actor.Actor{UserID: uid, Username: name, Name: name, MemberID: member, Roles: roles, Lang: i18n.EN}), uid
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

func must[T any](tb testing.TB) func(T, error) T {
	return func(v T, err error) T {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return v
	}
}

// counts is how many rows each of the package's tables and the audit log
// and approvals hold.
func counts(tb testing.TB, d *db.DB) [6]int {
	tb.Helper()
	var out [6]int
	for i, t := range []string{"coordination_requests", "coordination_messages", "coordination_attachments", "coordination_events", "audit_records", "approvals"} {
		out[i] = count(tb, d, `SELECT COUNT(*) FROM `+t)
	}
	return out
}
