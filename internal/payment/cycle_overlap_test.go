package payment_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/payment"
)

// quarterly is a quarterly program of n households, each due 90.000 JOD a
// quarter, enrolled long before.
func quarterly(id int64, n int) *fakeSource {
	src := &fakeSource{program: payment.Program{ID: id, Version: 1, Ref: fmt.Sprintf("P-Q%d", id), Proration: payment.ProrateDaily, Frequency: payment.Quarterly}, benefit: map[int64]int64{}}
	for h := int64(1); h <= int64(n); h++ {
		src.enrollments = append(src.enrollments, payment.Enrollment{HouseholdID: h, HouseholdRef: fmt.Sprintf("HH-%d", h), Status: payment.EnrollmentActive, Start: date("2025-01-01")})
		src.benefit[h] = 90_000
	}
	return src
}

func (f *fixture) cycle(tb testing.TB, ctx context.Context, src payment.Source, from, to string, partial bool) (payment.Cycle, error) {
	tb.Helper()
	return f.s.Prepare(ctx, src, payment.CycleRequest{MemberID: f.member, ProgramID: src.(*fakeSource).program.ID, ProgramVersion: 1, PeriodStart: date(from), PeriodEnd: date(to), Partial: partial})
}

// messages renders err's message and field messages in both languages and
// fails if a placeholder is left unfilled.
func messages(tb testing.TB, err error) string {
	tb.Helper()
	e := errs.As(err)
	var out []string
	for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
		out = append(out, i18n.T(l, e.Key, e.Args))
		for _, fe := range e.Fields {
			out = append(out, i18n.T(l, fe.Key, fe.Args))
		}
	}
	for _, m := range out {
		if strings.ContainsAny(m, "{}") || strings.HasPrefix(m, "paycycle.") {
			tb.Errorf("message not filled: %q", m)
		}
	}
	return strings.Join(out, "\n")
}

// liveDoubles counts pairs of due entitlements of one household in two
// different cycles of one program, neither rejected, that share a day.
func liveDoubles(tb testing.TB, d *db.DB, member int64) int {
	tb.Helper()
	var n int
	err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM payment_entitlements a
		JOIN payment_cycles ca ON ca.id = a.cycle_id
		JOIN payment_entitlements b ON b.member_id = a.member_id AND b.household_id = a.household_id AND b.cycle_id > a.cycle_id
		JOIN payment_cycles cb ON cb.id = b.cycle_id AND cb.program_id = ca.program_id
		WHERE a.member_id = ? AND a.status = 'due' AND b.status = 'due' AND ca.status <> 'rejected' AND cb.status <> 'rejected'
		  AND ca.period_start <= cb.period_end AND cb.period_start <= ca.period_end`, member).Scan(&n)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestCyclesOfAProgram is the store side of issue 12's first finding: a
// quarterly program's cycle is refused unless it is a calendar quarter or
// explicitly partial, an overlapping cycle is refused naming the other, and
// a partial cycle pays its share of the quarter.
func TestCyclesOfAProgram(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		src := quarterly(7, 3)
		q1, err := f.cycle(t, f.fo1, src, "2027-01-01", "2027-03-31", false)
		if err != nil {
			t.Fatal(err)
		}
		if q1.Partial || q1.Days != 90 || q1.BasisDays != 90 || q1.Total != 3*90_000 || q1.Frequency != payment.Quarterly {
			t.Fatalf("got %+v, want a whole quarter of 90 days paying 270.000", q1)
		}
		if err := f.s.AllocateBudget(f.ap1, f.member, 7, 1_000_000, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Approve(f.ap1, f.member, q1.ID, true, ""); err != nil {
			t.Fatal(err)
		}

		t.Run("a period that does not fit the frequency", func(t *testing.T) {
			for _, p := range [][2]string{{"2027-05-01", "2027-05-31"}, {"2027-04-01", "2027-04-01"}, {"2027-04-01", "2027-07-31"}, {"2027-04-15", "2027-07-14"}} {
				_, err := f.cycle(t, f.fo1, src, p[0], p[1], false)
				wantCode(t, err, errs.Invalid, "error.invalid_input")
				if got := errs.As(err).Fields; len(got) != 1 || got[0].Key != "paycycle.not_fit.quarterly" {
					t.Errorf("%v: got %+v, want paycycle.not_fit.quarterly", p, got)
				}
				messages(t, err)
			}
		})
		t.Run("a partial period must stay within one quarter", func(t *testing.T) {
			_, err := f.cycle(t, f.fo1, src, "2027-06-15", "2027-07-15", true)
			if got := errs.As(err).Fields; len(got) != 1 || got[0].Key != "paycycle.partial_spans.quarterly" {
				t.Errorf("got %v, want paycycle.partial_spans.quarterly", err)
			}
			msg := messages(t, err)
			if !strings.Contains(msg, "2027-06-30") {
				t.Errorf("the message does not name the quarter's end: %s", msg)
			}
		})
		t.Run("an overlapping period is refused naming the other cycle", func(t *testing.T) {
			for _, partial := range []bool{true, false} {
				from, to := "2027-02-01", "2027-02-28"
				if !partial {
					from, to = "2027-01-01", "2027-03-31"
				}
				_, err := f.cycle(t, f.fo2, src, from, to, partial)
				wantCode(t, err, errs.Conflict, "paycycle.overlap")
				msg := messages(t, err)
				for _, want := range []string{fmt.Sprint(q1.ID), "2027-01-01", "2027-03-31", "P-Q7"} {
					if !strings.Contains(msg, want) {
						t.Errorf("the refusal does not name %s: %s", want, msg)
					}
				}
			}
		})
		t.Run("a one-day partial cycle pays a day of the quarter", func(t *testing.T) {
			c, err := f.cycle(t, f.fo1, src, "2027-04-01", "2027-04-01", true)
			if err != nil {
				t.Fatal(err)
			}
			// Q2 2027 has 91 days: 90.000 × 1 ÷ 91 = 0.989 rounded down.
			if !c.Partial || c.Days != 1 || c.BasisDays != 91 || c.Total != 3*989 || c.FullTotal != 3*90_000 || c.ProratedCount != 3 {
				t.Fatalf("got %+v, want 1 of 91 days, 3 × 0.989 of 3 × 90.000", c)
			}
			got, err := f.s.Cycle(f.fo1, f.member, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Partial || got.Days != 1 || got.BasisDays != 91 || got.FullTotal != c.FullTotal {
				t.Errorf("stored cycle: got %+v", got)
			}
			// The rest of the quarter is still open, partially.
			if _, err := f.cycle(t, f.fo1, src, "2027-04-02", "2027-06-30", true); err != nil {
				t.Fatal(err)
			}
		})
		if n := liveDoubles(t, d, f.member); n != 0 {
			t.Errorf("%d households have two live entitlements for one day", n)
		}
		mustTrialZero(t, f)
	})
}

// TestRejectedCycleFreesItsPeriod: a rejected cycle does not block a new one
// for the same period, and a prepared one does until it is rejected.
func TestRejectedCycleFreesItsPeriod(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		src := quarterly(7, 2)
		c, err := f.cycle(t, f.fo1, src, "2027-01-01", "2027-03-31", false)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.cycle(t, f.fo1, src, "2027-01-01", "2027-03-31", false)
		wantCode(t, err, errs.Conflict, "paycycle.overlap")
		if _, err := f.s.Approve(f.ap1, f.member, c.ID, false, "wrong list"); err != nil {
			t.Fatal(err)
		}
		again, err := f.cycle(t, f.fo1, src, "2027-01-01", "2027-03-31", false)
		if err != nil {
			t.Fatalf("after the rejection: %v", err)
		}
		if again.ID == c.ID || again.Total != 2*90_000 {
			t.Errorf("got %+v", again)
		}
		// Another program's cycles are no obstacle.
		if _, err := f.cycle(t, f.fo1, quarterly(8, 1), "2027-01-01", "2027-03-31", false); err != nil {
			t.Fatal(err)
		}
	})
}

// TestOverlappingCyclesRace: two people prepare overlapping cycles of one
// program at the same moment. Exactly one succeeds; the other gets the
// conflict naming the winner and wrote nothing: no cycle, no entitlement, no
// approval, no audit record.
func TestOverlappingCyclesRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := d.QueryRow(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		const rounds = 5
		for round := range rounds {
			src := quarterly(int64(100+round), 50)
			periods := [][3]string{{"2027-01-01", "2027-03-31", ""}, {"2027-02-01", "2027-02-28", "partial"}}
			var wg sync.WaitGroup
			start := make(chan struct{})
			cycles := make([]payment.Cycle, 2)
			errors := make([]error, 2)
			for i, ctx := range []context.Context{f.fo1, f.fo2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					cycles[i], errors[i] = f.s.Prepare(ctx, src, payment.CycleRequest{MemberID: f.member, ProgramID: src.program.ID, ProgramVersion: 1,
						PeriodStart: date(periods[i][0]), PeriodEnd: date(periods[i][1]), Partial: periods[i][2] != ""})
				}()
			}
			close(start)
			wg.Wait()
			won, lost := 0, 1
			if errors[0] != nil {
				won, lost = 1, 0
			}
			if errors[won] != nil || errors[lost] == nil {
				t.Fatalf("round %d: got errors %v, want exactly one success", round, errors)
			}
			wantCode(t, errors[lost], errs.Conflict, "paycycle.overlap")
			if got := errs.As(errors[lost]).Args["cycle"]; fmt.Sprint(got) != fmt.Sprint(cycles[won].ID) {
				t.Errorf("round %d: the refusal names cycle %v, want the winner %d", round, got, cycles[won].ID)
			}
			p := src.program.ID
			if n := count(`SELECT COUNT(*) FROM payment_cycles WHERE program_id = ?`, p); n != 1 {
				t.Errorf("round %d: %d cycles, want 1", round, n)
			}
			if n := count(`SELECT COUNT(*) FROM payment_entitlements e JOIN payment_cycles c ON c.id = e.cycle_id WHERE c.program_id = ?`, p); n != 50 {
				t.Errorf("round %d: %d entitlements, want the winner's 50", round, n)
			}
			if n := count(`SELECT COUNT(*) FROM payment_entitlements WHERE cycle_id NOT IN (SELECT id FROM payment_cycles)`); n != 0 {
				t.Errorf("round %d: %d entitlements of no cycle", round, n)
			}
		}
		if n := count(`SELECT COUNT(*) FROM approvals WHERE kind = 'payment_cycle'`); n != rounds {
			t.Errorf("%d cycle approvals, want %d", n, rounds)
		}
		if n := count(`SELECT COUNT(*) FROM audit_records WHERE action = 'payment.cycle.prepare'`); n != rounds {
			t.Errorf("%d audit records of prepared cycles, want %d", n, rounds)
		}
		if n := liveDoubles(t, d, f.member); n != 0 {
			t.Errorf("%d households have two live entitlements for one day", n)
		}
	})
}

// TestDatabaseRefusesOverlappingCycles: whatever the code does, the
// database keeps two live cycles of a program from sharing a day, and lets a
// rejected one be.
func TestDatabaseRefusesOverlappingCycles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		write := func(q string, args ...any) error {
			return d.Tx(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err })
		}
		insert := func(program int64, from, to, status string) error {
			return write(`INSERT INTO payment_cycles (member_id, program_id, program_version, program_ref, period_start, period_end, currency, proration, status, prepared_by, created_at)
				VALUES (?, ?, 1, 'P', ?, ?, 'JOD', 'daily', ?, 0, ?)`, f.member, program, date(from), date(to), status, time.Now().UTC())
		}
		if err := insert(7, "2027-01-01", "2027-03-31", payment.CycleApproved); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name     string
			program  int64
			from, to string
			status   string
			ok       bool
		}{
			{"inside", 7, "2027-02-01", "2027-02-28", payment.CyclePrepared, false},
			{"sharing the last day", 7, "2027-03-31", "2027-04-30", payment.CycleComputing, false},
			{"sharing the first day", 7, "2026-12-01", "2027-01-01", payment.CycleApproved, false},
			{"around", 7, "2026-12-01", "2027-04-30", payment.CyclePrepared, false},
			{"rejected", 7, "2027-02-01", "2027-02-28", payment.CycleRejected, true},
			{"the next day on", 7, "2027-04-01", "2027-04-01", payment.CyclePrepared, true},
			{"another program", 8, "2027-01-01", "2027-03-31", payment.CycleApproved, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := insert(tc.program, tc.from, tc.to, tc.status)
				if (err == nil) != tc.ok {
					t.Errorf("got %v, want ok %v", err, tc.ok)
				}
			})
		}
		// A rejected cycle cannot come back to life over a live one.
		if err := write(`UPDATE payment_cycles SET status = ? WHERE status = ?`, payment.CyclePrepared, payment.CycleRejected); err == nil {
			t.Error("a rejected cycle became live over an approved one")
		}
	})
}

// TestOneTimeProgramPaysOnce: a one-off program's cycle may cover any
// period, may not be partial, and leaves out the households another of its
// cycles (not rejected) already entitled.
func TestOneTimeProgramPaysOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		src := quarterly(9, 2)
		src.program.Frequency = payment.OneTime
		_, err := f.cycle(t, f.fo1, src, "2027-01-05", "2027-01-20", true)
		wantCode(t, err, errs.Invalid, "error.invalid_input")
		messages(t, err)
		a, err := f.cycle(t, f.fo1, src, "2027-01-05", "2027-01-20", false)
		if err != nil {
			t.Fatal(err)
		}
		if a.EntitledCount != 2 || a.Total != 2*90_000 || a.Partial {
			t.Fatalf("first: got %+v, want 2 households in full", a)
		}
		// A household enrolled since: only it is paid by the next cycle.
		src.enrollments = append(src.enrollments, payment.Enrollment{HouseholdID: 3, HouseholdRef: "HH-3", Status: payment.EnrollmentActive, Start: date("2027-02-01")})
		src.benefit[3] = 90_000
		b, err := f.cycle(t, f.fo1, src, "2027-03-01", "2027-03-31", false)
		if err != nil {
			t.Fatal(err)
		}
		if b.EntitledCount != 1 || b.Total != 90_000 || b.Excluded[payment.ExcludedPaidBefore] != 2 {
			t.Fatalf("second: got %+v, want only household 3, 2 paid before", b)
		}
		// The first cycle is rejected: its households are due again.
		if _, err := f.s.Approve(f.ap1, f.member, a.ID, false, "wrong"); err != nil {
			t.Fatal(err)
		}
		c, err := f.cycle(t, f.fo1, src, "2027-05-01", "2027-05-01", false)
		if err != nil {
			t.Fatal(err)
		}
		if c.EntitledCount != 2 || c.Excluded[payment.ExcludedPaidBefore] != 1 {
			t.Fatalf("third: got %+v, want households 1 and 2 again, 3 paid before", c)
		}
	})
}

// TestMigrationMarksOverlappingCycles: a database that already holds
// overlapping cycles migrates; the later of two overlapping cycles is
// marked, keeps its money and batches, and cannot be approved while the
// earlier one stands.
func TestMigrationMarksOverlappingCycles(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			ctx := context.Background()
			d := dbtest.OpenEmpty(t, dl)
			ms, err := db.Migrations(dl)
			if err != nil {
				t.Fatal(err)
			}
			ts := "TIMESTAMP"
			if dl == db.Postgres {
				ts = "TIMESTAMPTZ"
			}
			for _, m := range ms {
				// The fixture's providers are written by today's code,
				// which needs the provider columns of 0027 as well.
				if m.Name >= "0011" && !strings.HasPrefix(m.Name, "0027") {
					continue
				}
				err := d.Tx(ctx, func(tx *db.Tx) error {
					if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at `+ts+` NOT NULL)`); err != nil {
						return err
					}
					if _, err := tx.Tx.ExecContext(ctx, m.SQL); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, m.Name, time.Now().UTC())
					return err
				})
				if err != nil {
					t.Fatalf("%s: %v", m.Name, err)
				}
			}
			f := newFixture(t, d)
			// What the old code let through: cycles of one program that
			// overlap, written as it wrote them.
			insert := func(from, to, status string) int64 {
				t.Helper()
				var id int64
				err := d.Tx(ctx, func(tx *db.Tx) error {
					var err error
					id, err = tx.InsertID(ctx, `INSERT INTO payment_cycles (member_id, program_id, program_version, program_ref, period_start, period_end, currency, proration, status, total, prepared_by, created_at)
						VALUES (?, 7, 1, 'P-Q7', ?, ?, 'JOD', 'daily', ?, 90000, 0, ?) RETURNING id`, f.member, date(from), date(to), status, time.Now().UTC())
					if err != nil {
						return err
					}
					if status == payment.CyclePrepared {
						ap, err := auth.Propose(f.fo1, tx, f.member, "payment_cycle", "payment_cycle", fmt.Sprint(id), "")
						if err != nil {
							return err
						}
						_, err = tx.Exec(ctx, `UPDATE payment_cycles SET approval_id = ? WHERE id = ?`, ap.ID, id)
						return err
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return id
			}
			quarter := insert("2027-01-01", "2027-03-31", payment.CycleApproved)
			if err := d.Tx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO payment_batches (member_id, cycle_id, kind, provider, msg_id, status, count, total, created_at) VALUES (?, ?, 'cash', 'POST', 'MSG-1', 'exported', 1, 90000, ?)`, f.member, quarter, time.Now().UTC())
				return err
			}); err != nil {
				t.Fatal(err)
			}
			feb := insert("2027-02-01", "2027-02-28", payment.CycleApproved)
			rejected := insert("2027-03-01", "2027-03-31", payment.CycleRejected)
			nextQuarter := insert("2027-04-01", "2027-06-30", payment.CycleApproved)
			waiting := insert("2027-03-15", "2027-03-31", payment.CyclePrepared)

			if _, err := d.Migrate(ctx); err != nil {
				t.Fatalf("migrate over overlapping cycles: %v", err)
			}
			for id, want := range map[int64]int64{quarter: 0, feb: quarter, rejected: 0, nextQuarter: 0, waiting: quarter} {
				c, err := f.s.Cycle(f.fo1, f.member, id)
				if err != nil {
					t.Fatal(err)
				}
				if c.OverlapsCycleID != want {
					t.Errorf("cycle %d: overlaps %d, want %d", id, c.OverlapsCycleID, want)
				}
				if c.Total != 90_000 || c.Partial {
					t.Errorf("cycle %d changed: %+v", id, c)
				}
			}
			if bs, err := f.s.Batches(f.fo1, f.member, quarter); err != nil || len(bs) != 1 {
				t.Errorf("the first cycle's batches after the migration: %v, %v", bs, err)
			}
			if dl == db.SQLite {
				rows, err := d.Query(ctx, `PRAGMA foreign_key_check`)
				if err != nil {
					t.Fatal(err)
				}
				if rows.Next() {
					t.Error("foreign keys broken by the rebuilt table")
				}
				rows.Close()
			}
			// The marked cycle that still waits cannot be approved while
			// the quarter it overlaps stands.
			f.s.AllocateBudget(f.ap1, f.member, 7, 10_000_000, "")
			_, err = f.s.Approve(f.ap1, f.member, waiting, true, "")
			wantCode(t, err, errs.Conflict, "paycycle.overlap")
			if got := errs.As(err).Args["cycle"]; fmt.Sprint(got) != fmt.Sprint(quarter) {
				t.Errorf("the refusal names cycle %v, want %d", got, quarter)
			}
			if _, err := f.s.Approve(f.ap1, f.member, waiting, false, "overlaps the quarter"); err != nil {
				t.Fatal(err)
			}
			// New cycles are held to the rule, and a rejected period is free.
			_, err = f.cycle(t, f.fo1, quarterly(7, 2), "2027-03-01", "2027-03-31", true)
			wantCode(t, err, errs.Conflict, "paycycle.overlap")
			if _, err := f.cycle(t, f.fo1, quarterly(7, 2), "2027-07-01", "2027-09-30", false); err != nil {
				t.Fatal(err)
			}
		})
	}
}
