package grievance

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/notify"
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

func (r *recorder) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Kind)
	}
	return out
}

// TestStepsAreNotified checks that the complainant hears of each step at
// the contact they gave: received with the tracking code, in review once,
// resolved; an appeal received; and nothing for an anonymous grievance.
func TestStepsAreNotified(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		rec := &recorder{}
		s, _ := newService(t, d, Options{Notify: rec, Decisions: &fakeDecisions{runs: map[int64]int64{7: jo}}})
		off, offID := as(t, d, jo, "jo.officer", actor.GrievanceOfficer)
		rc, err := s.Submit(off, Intake{MemberID: jo, Channel: Staff, Category: DataCorrection, Body: "اسم الأب مكتوب خطأ", Name: "فاطمة", Contact: "0790000000", Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []Change{{To: Acknowledged}, {To: Investigating}, {To: Resolved, Answer: "صُحّح الاسم"}} {
			if c.To == Acknowledged {
				if _, err := s.Assign(off, rc.ID, Assignment{UserID: offID}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Move(off, rc.ID, c); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{notify.GrievanceReceived, notify.GrievanceInReview, notify.GrievanceResolved}
		if got := rec.kinds(); !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		e := rec.events[0]
		if e.To == nil || e.To.Phone != "0790000000" || !e.To.Consent || e.To.Lang != "en" || e.Args["code"] != rc.Code || e.Args["number"] == "" || e.EntityID == "" {
			t.Errorf("received event %+v to %+v", e, e.To)
		}
		// Anonymous: nobody to tell.
		if _, err := s.Submit(off, Intake{MemberID: jo, Channel: Staff, Category: Other, Body: "رشوة", Anonymous: true, Contact: "x@example.org"}); err != nil {
			t.Fatal(err)
		}
		if n := len(rec.kinds()); n != 3 {
			t.Errorf("an anonymous grievance was notified (%d events)", n)
		}
		// An appeal, with an e-mail address.
		hh := mustHousehold(t, d, jo, "JO-9")
		if _, _, err := s.FileAppeal(off, Intake{MemberID: jo, Channel: Staff, Body: "دخلنا أقل", Name: "سعاد", Contact: "suad@example.org"}, 7, hh); err != nil {
			t.Fatal(err)
		}
		ks := rec.kinds()
		if last := rec.events[len(ks)-1]; last.Kind != notify.GrievanceAppeal || last.To == nil || last.To.Email != "suad@example.org" || last.Args["code"] == "" {
			t.Errorf("appeal event %+v", last)
		}
	})
}
