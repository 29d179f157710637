package referral

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// fakeCases is care.Cases over a map: a case is visible to users of its
// member who may read cases; sensitive cases only to their owner and
// supervisor.
type fakeCases struct {
	mu    sync.Mutex
	cases map[int64]care.Ref
}

func (f *fakeCases) Ref(ctx context.Context, caseID int64, write bool) (care.Ref, error) {
	f.mu.Lock()
	r, ok := f.cases[caseID]
	f.mu.Unlock()
	a := actor.From(ctx)
	if !ok || (!a.System && !a.Union() && a.MemberID != r.MemberID) {
		return care.Ref{}, errs.E(errs.NotFound, "error.not_found")
	}
	if r.Sensitive && !a.System && a.UserID != r.OwnerID && a.UserID != r.SupervisorID {
		return care.Ref{}, errs.E(errs.NotFound, "error.not_found")
	}
	if err := auth.Require(ctx, auth.CaseRead); err != nil {
		return care.Ref{}, err
	}
	if write {
		if err := auth.Require(ctx, auth.CaseWrite); err != nil {
			return care.Ref{}, err
		}
	}
	return r, nil
}

func (f *fakeCases) SetRisk(context.Context, int64, int, string, int64) error { return nil }

func (f *fakeCases) add(r care.Ref) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cases[r.ID] = r
}

// fixture is member JO (Amman, Friday/Saturday weekend) with areas AM >
// AM01 > AM0101 and IR, its case workers, supervisor and care manager, a
// case in AM0101, and member EG with a worker and a case.
type fixture struct {
	d                          *db.DB
	s                          *Service
	cases                      *fakeCases
	clock                      *calendar.Manual
	jo, eg                     int64
	worker, worker2, sup, mgr  context.Context
	workerID, worker2ID, supID int64
	egWorker                   context.Context
	caseID, egCase             int64
}

var start = time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC) // a Tuesday

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, cases: &fakeCases{cases: map[int64]care.Ref{}}, clock: calendar.NewManual(start)}
	f.jo = mustMember(t, d, "JO", "Asia/Amman")
	f.eg = mustMember(t, d, "EG", "Africa/Cairo")
	mustArea(t, d, f.jo, 0, "governorate", "AM", "عمان", "Amman")
	mustArea(t, d, f.jo, "AM", "district", "AM01", "قصبة عمان", "Amman Qasabah")
	mustArea(t, d, f.jo, "AM01", "locality", "AM0101", "جبل عمان", "Jabal Amman")
	mustArea(t, d, f.jo, 0, "governorate", "IR", "إربد", "Irbid")
	mustArea(t, d, f.eg, 0, "governorate", "C", "القاهرة", "Cairo")
	f.worker, f.workerID = as(t, d, f.jo, "jo.worker", actor.CaseWorker)
	f.worker2, f.worker2ID = as(t, d, f.jo, "jo.worker2", actor.CaseWorker)
	f.sup, f.supID = as(t, d, f.jo, "jo.sup", actor.CaseSupervisor)
	f.mgr, _ = as(t, d, f.jo, "jo.manager", actor.CareManager)
	var egWorkerID int64
	f.egWorker, egWorkerID = as(t, d, f.eg, "eg.worker", actor.CaseWorker)
	f.caseID, f.egCase = 101, 201
	f.cases.add(care.Ref{ID: f.caseID, MemberID: f.jo, Number: "JO-C-1", OwnerID: f.workerID, SupervisorID: f.supID, OfficeID: 7, AreaCode: "AM0101", RiskLevel: care.RiskHigh, Version: 1})
	f.cases.add(care.Ref{ID: f.egCase, MemberID: f.eg, Number: "EG-C-1", OwnerID: egWorkerID, AreaCode: "C", Version: 1})
	f.s = New(d, Options{Cases: f.cases, Clock: f.clock.Clock()})
	return f
}

func mustMember(tb testing.TB, d *db.DB, code, tz string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', ?, ?, ?) RETURNING id`, code, code, code, tz, start, start)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func mustArea(tb testing.TB, d *db.DB, member int64, parent any, level, code, ar, en string) {
	tb.Helper()
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var pid any
		if p, ok := parent.(string); ok {
			var id int64
			if err := tx.QueryRow(ctx, `SELECT id FROM admin_areas WHERE member_id = ? AND code = ?`, member, p).Scan(&id); err != nil {
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

// as returns a context acting as a new user of member with roles.
func as(tb testing.TB, d *db.DB, member int64, name string, roles ...actor.Role) (context.Context, int64) {
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

// provider saves a provider of JO as the care manager.
func (f *fixture) provider(tb testing.TB, name string, areas []string, services ...string) Provider {
	tb.Helper()
	p, err := f.s.SaveProvider(f.mgr, f.jo, Provider{NameAR: name, Kind: NGO, Areas: areas, Services: services, Active: true})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func careInput(clientID string, r Referral) care.FollowUpInput {
	return care.FollowUpInput{ClientID: clientID, ReferralID: r.ID, CaseID: r.CaseID, BaseVersion: r.Version, Outcome: FollowWaiting}
}
