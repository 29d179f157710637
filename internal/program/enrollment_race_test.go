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
			holdUntilBothWait(t, d, id, suspend, results)
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

// holdUntilBothWait locks enrollment id's row in a transaction of its own,
// starts run twice, and commits once two transactions wait (directly or
// behind each other) for that lock.
func holdUntilBothWait(t *testing.T, d *db.DB, id int64, run func(), results chan error) {
	t.Helper()
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var holder int64
		if err := tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&holder); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE program_enrollments SET updated_at = updated_at WHERE id = ?`, id); err != nil {
			return err
		}
		go run()
		go run()
		for {
			var waiting int
			err := d.QueryRow(ctx, `WITH w AS (SELECT pid, pg_blocking_pids(pid) AS b FROM pg_stat_activity WHERE wait_event_type = 'Lock')
				SELECT COUNT(*) FROM w WHERE CAST(? AS INTEGER) = ANY(w.b)
					OR EXISTS (SELECT 1 FROM w AS v WHERE v.pid = ANY(w.b) AND CAST(? AS INTEGER) = ANY(v.b))`, holder, holder).Scan(&waiting)
			if err != nil {
				return err
			}
			if waiting >= 2 {
				return nil
			}
			select {
			case err := <-results:
				results <- err
				t.Errorf("a transition ended while the row was held: %v", err)
				return nil
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}
