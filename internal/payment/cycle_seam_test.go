package payment_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/payment"
)

// lostRace is what PostgreSQL reports when a transaction lost a race to
// another and must run again.
type lostRace struct{}

func (lostRace) Error() string    { return "could not serialize access due to concurrent update" }
func (lostRace) SQLState() string { return "40001" }

// flakySource gives households 1…n, every third one suspended; the Benefit
// of household 10, once three were left out, fails the first time as a
// transaction that lost a race; repeat gives one household twice.
type flakySource struct {
	n, repeat int
	failed    *bool
}

func (s flakySource) Program(ctx context.Context, member, program, version int64) (payment.Program, error) {
	return payment.Program{ID: program, Version: version, Ref: "P-SEAM", Proration: payment.ProrateDaily}, nil
}

func (s flakySource) Enrollments(ctx context.Context, member int64, p payment.Program, from, to time.Time, fn func(payment.Enrollment) error) error {
	for i := 1; i <= s.n; i++ {
		e := payment.Enrollment{HouseholdID: int64(i), HouseholdRef: "HH-" + strconv.Itoa(i), Status: payment.EnrollmentActive, Start: date("2025-01-01")}
		if i%3 == 0 {
			e.Status = payment.EnrollmentSuspended
		}
		if err := fn(e); err != nil {
			return err
		}
		if i == s.repeat {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s flakySource) Benefit(ctx context.Context, member int64, p payment.Program, e payment.Enrollment) (int64, error) {
	if !*s.failed && e.HouseholdID == 10 {
		*s.failed = true
		return 0, lostRace{}
	}
	return 45_000, nil
}

// TestCycleRetryCountsOnce prepares a cycle whose transaction loses a race
// once. PostgreSQL runs it again and the cycle counts each household once
// (the entitlements are written in the same transaction as the totals, so
// the first attempt leaves nothing behind); SQLite, whose writers never
// race, returns the error and leaves no cycle.
func TestCycleRetryCountsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		failed := false
		c, err := f.s.Prepare(f.fo1, flakySource{n: 30, failed: &failed}, payment.CycleRequest{MemberID: f.member, ProgramID: 7, ProgramVersion: 1, PeriodStart: date("2026-04-01"), PeriodEnd: date("2026-04-30")})
		var cycles, rows int
		d.QueryRow(f.sys, `SELECT COUNT(*) FROM payment_cycles`).Scan(&cycles)
		d.QueryRow(f.sys, `SELECT COUNT(*) FROM payment_entitlements`).Scan(&rows)
		if d.Dialect == db.SQLite {
			if err == nil || cycles != 0 || rows != 0 {
				t.Fatalf("got %v with %d cycles and %d entitlements; want the error and nothing stored", err, cycles, rows)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if c.EntitledCount != 20 || c.ExcludedCount != 10 || c.Excluded[payment.ExcludedSuspended] != 10 || rows != 20 {
			t.Errorf("got %d entitled, %d excluded %v, %d rows; want 20, 10, 20", c.EntitledCount, c.ExcludedCount, c.Excluded, rows)
		}
	})
}

// TestCycleDuplicateHousehold checks that a source giving a household twice
// is refused naming it, on both engines.
func TestCycleDuplicateHousehold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		failed := true
		_, err := f.s.Prepare(f.fo1, flakySource{n: 30, repeat: 5, failed: &failed}, payment.CycleRequest{MemberID: f.member, ProgramID: 7, ProgramVersion: 1, PeriodStart: date("2026-04-01"), PeriodEnd: date("2026-04-30")})
		wantCode(t, err, errs.Invalid, "payment.cycle.duplicate_household")
		var cycles int
		d.QueryRow(f.sys, `SELECT COUNT(*) FROM payment_cycles`).Scan(&cycles)
		if cycles != 0 {
			t.Errorf("got %d cycles left, want 0", cycles)
		}
	})
}
