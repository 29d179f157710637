package program_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/program"
)

// TestTransitionLoserWritesNothing suspends one enrollment twice at once:
// exactly one suspension wins, and the other writes no history event and
// no audit record. On PostgreSQL a third transaction holds the row until
// both transitions have read it and wait to change it, so that both read
// "enrolled" — the race a plain UPDATE … WHERE status = ? loses silently.
// SQLite has one writer, so there the second simply runs after the first.
func TestTransitionLoserWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.realUsers(t)
		sp := baseSpec()
		sp.Cap = &program.CapSpec{Households: ptr[int64](1)}
		a, err := f.s.Apply(f.manager, f.member, sp)
		if err != nil {
			t.Fatal(err)
		}
		f.activate(t, a.Program.ID)
		r, err := f.s.Run(f.manager, a.Program.ID, memSource(households(50)), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.s.Propose(f.manager, r.ID, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Decide(f.approver, p.ApprovalID, true, ""); err != nil {
			t.Fatal(err)
		}
		es, err := f.s.Enrollments(f.manager, program.EnrollmentFilter{ProgramID: a.Program.ID, Status: program.Enrolled})
		if err != nil || len(es) != 1 {
			t.Fatalf("enrolled: got %d, %v", len(es), err)
		}
		id := es[0].ID
		date, _ := time.Parse(time.DateOnly, es[0].StartDate)
		date = date.AddDate(0, 1, 0)

		results := make(chan error, 2)
		suspend := func() {
			_, err := f.s.Transition(f.manager, id, program.Suspended, "moved away", date)
			results <- err
		}
		if d.Dialect == db.Postgres {
			dbtest.HoldUntilWaiting(t, d, 2, `UPDATE program_enrollments SET updated_at = updated_at WHERE id = ?`, []any{id},
				func() { go suspend(); go suspend() }, func() bool { return len(results) > 0 })
		} else {
			go suspend()
			go suspend()
		}
		var won, lost int
		for range 2 {
			switch err := <-results; {
			case err == nil:
				won++
			case errs.Is(err, errs.Conflict):
				lost++
			default:
				t.Errorf("transition: got %v, want success or conflict", err)
			}
		}
		if won != 1 || lost != 1 {
			t.Errorf("got %d won and %d lost, want 1 and 1", won, lost)
		}

		e, err := f.s.Enrollment(f.manager, id)
		if err != nil {
			t.Fatal(err)
		}
		suspensions := 0
		for _, ev := range e.Events {
			if ev.To == program.Suspended {
				suspensions++
			}
		}
		if e.Status != program.Suspended || suspensions != 1 {
			t.Errorf("got status %s with %d suspension events, want suspended with 1", e.Status, suspensions)
		}
		var audited int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = ? AND entity_id = ?`,
			"program.enrollment."+program.Suspended, strconv.FormatInt(id, 10)).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != 1 {
			t.Errorf("got %d audit records of the suspension, want 1", audited)
		}
	})
}

// TestSetStatusLoserWritesNothing closes one program twice at once: one
// closing wins, the other is refused and writes no audit record.
func TestSetStatusLoserWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.realUsers(t)
		a, err := f.s.Apply(f.manager, f.member, baseSpec())
		if err != nil {
			t.Fatal(err)
		}
		id := a.Program.ID
		f.activate(t, id)
		results := make(chan error, 2)
		closeIt := func() {
			_, err := f.s.SetStatus(f.manager, id, program.Closed)
			results <- err
		}
		if d.Dialect == db.Postgres {
			dbtest.HoldUntilWaiting(t, d, 2, `UPDATE programs SET updated_at = updated_at WHERE id = ?`, []any{id},
				func() { go closeIt(); go closeIt() }, func() bool { return len(results) > 0 })
		} else {
			go closeIt()
			go closeIt()
		}
		var won, lost int
		for range 2 {
			switch err := <-results; {
			case err == nil:
				won++
			case errs.Is(err, errs.Conflict):
				lost++
			default:
				t.Errorf("close: got %v, want success or conflict", err)
			}
		}
		if won != 1 || lost != 1 {
			t.Errorf("got %d won and %d lost, want 1 and 1", won, lost)
		}
		var audited int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = 'program.status' AND entity_id = ?`, strconv.FormatInt(id, 10)).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != 1 {
			t.Errorf("got %d audit records of the closing, want 1", audited)
		}
	})
}

// TestApplyLoserWritesNothing renames a program while it is closed, both at
// once: one wins, and the other neither writes over it (a closed program
// reopened by an edit read before the closing) nor records anything.
func TestApplyLoserWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.realUsers(t)
		a, err := f.s.Apply(f.manager, f.member, baseSpec())
		if err != nil {
			t.Fatal(err)
		}
		id := a.Program.ID
		f.activate(t, id)
		results := make(chan error, 2)
		closeIt := func() {
			_, err := f.s.SetStatus(f.manager, id, program.Closed)
			results <- err
		}
		rename := func() {
			sp := baseSpec()
			sp.NameEN = "Older persons' allowance"
			_, err := f.s.Apply(f.manager, f.member, sp)
			results <- err
		}
		if d.Dialect == db.Postgres {
			dbtest.HoldUntilWaiting(t, d, 2, `UPDATE programs SET updated_at = updated_at WHERE id = ?`, []any{id},
				func() { go closeIt(); go rename() }, func() bool { return len(results) > 0 })
		} else {
			go closeIt()
			go rename()
		}
		var failed []error
		for range 2 {
			if err := <-results; err != nil {
				failed = append(failed, err)
			}
		}
		p, err := f.s.Get(f.manager, id)
		if err != nil {
			t.Fatal(err)
		}
		renamed := p.NameEN == "Older persons' allowance"
		var audited int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action IN ('program.status', 'program.update') AND entity_id = ?`, strconv.FormatInt(id, 10)).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		switch {
		case len(failed) == 0:
			// One after the other (SQLite's single writer): both stand.
			if p.Status != program.Closed || !renamed || audited != 2 {
				t.Errorf("both won: got status %s, renamed %v, %d audit records; want closed, renamed, 2", p.Status, renamed, audited)
			}
		case len(failed) == 1 && errs.Is(failed[0], errs.Conflict):
			if closed := p.Status == program.Closed; closed == renamed || audited != 1 {
				t.Errorf("one lost: got status %s, renamed %v, %d audit records; want only the winner's change and record", p.Status, renamed, audited)
			}
		default:
			t.Errorf("got %v, want at most one conflict", failed)
		}
	})
}
