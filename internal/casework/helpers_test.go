package casework

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/i18n"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// world is a member with its care staff, an office and the default case
// types, and a second member to check isolation.
type world struct {
	d                      *db.DB
	s                      *Service
	clock                  *calendar.Manual
	jo, eg                 int64
	office                 int64
	worker, worker2, super *ctxUser
	manager, admin, egWork *ctxUser
	hh, person             int64
}

type ctxUser struct {
	ctx context.Context
	id  int64
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	w := &world{d: d, clock: calendar.NewManual(t0)}
	w.s = New(d, Options{Clock: w.clock.Now, KeyFile: t.(interface{ TempDir() string }).TempDir() + "/case.key"})
	w.jo = mustMember(t, d, "JO")
	w.eg = mustMember(t, d, "EG")
	w.worker = as(t, d, w.jo, "jo.worker", actor.CaseWorker)
	w.worker2 = as(t, d, w.jo, "jo.worker2", actor.CaseWorker)
	w.super = as(t, d, w.jo, "jo.supervisor", actor.CaseSupervisor)
	w.manager = as(t, d, w.jo, "jo.caremanager", actor.CareManager)
	w.admin = as(t, d, w.jo, "jo.admin", actor.MemberAdmin)
	w.egWork = as(t, d, w.eg, "eg.worker", actor.CaseWorker)
	ctx := w.manager.ctx
	if err := w.s.SeedTypes(ctx, w.jo); err != nil {
		t.Fatal(err)
	}
	dep, err := w.s.SaveDepartment(ctx, Department{MemberID: w.jo, Code: "family", NameAR: "حماية الأسرة"})
	if err != nil {
		t.Fatal(err)
	}
	o, err := w.s.SaveOffice(ctx, Office{MemberID: w.jo, DepartmentID: dep.ID, Code: "amman-1", NameAR: "مكتب عمّان", AreaCode: "JO-AM"})
	if err != nil {
		t.Fatal(err)
	}
	w.office = o.ID
	for _, u := range []*ctxUser{w.worker, w.worker2} {
		if err := w.s.Place(ctx, w.jo, u.id, o.ID, w.super.id); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.s.Place(ctx, w.jo, w.super.id, o.ID, 0); err != nil {
		t.Fatal(err)
	}
	w.hh, w.person = mustHousehold(t, d, w.jo, "HH-1", "1990-05-01")
	return w
}

func mustMember(tb testing.TB, d *db.DB, code string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := time.Now().UTC()
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', 'Asia/Amman', ?, ?) RETURNING id`, code, code, code, now, now)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// mustHousehold writes a household of member with one person, its head.
func mustHousehold(tb testing.TB, d *db.DB, member int64, ref, birth string) (int64, int64) {
	tb.Helper()
	ctx := context.Background()
	var hh, p int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := time.Now().UTC()
		if hh, err = tx.InsertID(ctx, `INSERT INTO households (member_id, household_ref, governorate, registered_on, created_at, updated_at) VALUES (?, ?, 'JO-AM', '2026-01-01', ?, ?) RETURNING id`, member, ref, now, now); err != nil {
			return err
		}
		p, err = tx.InsertID(ctx, `INSERT INTO persons (member_id, household_id, member_ref, relationship, first_name, family_name, sex, birth_date, created_at, updated_at)
			VALUES (?, ?, ?, 'head', 'سلمى', 'الخطيب', 'female', ?, ?, ?) RETURNING id`, member, hh, ref+"-1", birth, now, now)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return hh, p
}

// as returns a context acting as a new user of member with roles.
func as(tb testing.TB, d *db.DB, member int64, name string, roles ...actor.Role) *ctxUser {
	tb.Helper()
	ctx := context.Background()
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	var uid int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := time.Now().UTC()
		uid, err = tx.InsertID(ctx, `INSERT INTO users (member_id, username, display_name, password_hash, roles, created_at, updated_at) VALUES (?, ?, ?, '-', ?, ?, ?) RETURNING id`,
			member, name, name, strings.Join(names, " "), now, now)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return &ctxUser{ctx: actor.With(ctx, actor.Actor{UserID: uid, Username: name, MemberID: member, Roles: roles, Lang: i18n.EN}), id: uid}
}

func consent() Consent {
	return Consent{Kind: ConsentGiven, By: "سلمى الخطيب (نفسها)", Scope: []string{"case_management"}, At: t0.Add(-time.Hour)}
}

// open opens a case of type code for the world's household person, as u.
func (w *world) open(t testing.TB, u *ctxUser, code string) Case {
	t.Helper()
	o, err := w.s.Open(u.ctx, OpenInput{MemberID: w.jo, TypeCode: code, Consent: consent(), HouseholdID: w.hh, PersonID: w.person})
	if err != nil {
		t.Fatal(err)
	}
	return o.Case
}

func count(t testing.TB, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var _ = care.StepNew
