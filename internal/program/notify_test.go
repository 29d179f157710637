package program_test

import (
	"context"
	"sync"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/notify"
	"github.com/tadamun/tadamun/internal/program"
)

// recorder is a notify.Sender that keeps the events it is given.
type recorder struct {
	mu     sync.Mutex
	events []notify.Event
}

func (r *recorder) Enqueue(_ context.Context, tx *db.Tx, es ...notify.Event) error {
	if tx == nil {
		panic("enqueue outside a transaction")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, es...)
	return nil
}

// TestDecisionsAreNotified checks that each household of an enrollment
// decision is told, approved or refused, with the program's name in each
// language and the benefit.
func TestDecisionsAreNotified(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		rec := &recorder{}
		f.s = program.NewWith(d, program.Options{Notify: rec})
		f.realUsers(t)
		a, err := f.s.Apply(f.manager, f.member, baseSpec())
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.s.Run(f.manager, a.Program.ID, memSource(households(50)), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		f.activate(t, a.Program.ID)
		ranked := decisions(t, f.s, f.manager, r.ID, program.DecisionFilter{ByRank: true})
		p, err := f.s.Propose(f.manager, r.ID, []int64{ranked[0].HouseholdID, ranked[1].HouseholdID}, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.events) != 0 {
			t.Fatalf("a proposal told %d households", len(rec.events))
		}
		if _, err := f.s.Decide(f.approver, p.ApprovalID, true, ""); err != nil {
			t.Fatal(err)
		}
		if len(rec.events) != 2 {
			t.Fatalf("approval told %d households, want 2", len(rec.events))
		}
		for _, e := range rec.events {
			if e.Kind != notify.EnrollmentEnrolled || e.MemberID != f.member || e.HouseholdID == 0 || e.EntityType != "program_enrollment" ||
				e.ArgsByLang["ar"]["program"] != a.Program.NameAR || e.ArgsByLang["en"]["program"] != a.Program.NameEN ||
				e.ArgsByLang["en"]["benefit"] == "" || e.Args["start"] == "" {
				t.Errorf("approval event %+v", e)
			}
		}
		one, err := f.s.Propose(f.manager, r.ID, []int64{ranked[2].HouseholdID}, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Decide(f.approver, one.ApprovalID, false, "not this time"); err != nil {
			t.Fatal(err)
		}
		if len(rec.events) != 3 || rec.events[2].Kind != notify.EnrollmentRejected || rec.events[2].HouseholdID != ranked[2].HouseholdID {
			t.Errorf("refusal events %+v", rec.events[2:])
		}
	})
}
