package dci_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/jobs"
)

// TestDCICallbacksAsJobs: the callbacks of a member's asynchronous
// requests are one job, dci_callbacks, that counts them and ends done when
// the last is delivered; cancelling it stops the deliveries in flight,
// which are recorded as not delivered.
func TestDCICallbacksAsJobs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		runner := jobs.New(d, jobs.Options{})
		f.h.Jobs = runner
		arrived := make(chan struct{}, 4)
		release := make(chan struct{})
		cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusOK)
		}))
		defer cb.Close()
		defer close(release)
		f.allow(t, "spmis.example.org", "", cb.URL+"/on-search")
		msg := searchMsg("idtype-value", map[string]any{"type": "UIN", "value": "9801234567"})
		admin := actor.With(context.Background(), actor.Actor{UserID: 1, MemberID: f.jo, Roles: []actor.Role{actor.MemberAdmin}})

		// Two requests while the first callback is held: one job.
		for range 2 {
			if status, ack := f.post("/api/dci/registry/search", envelope("search", "spmis.example.org", cb.URL+"/on-search", msg, nil)); status != 200 {
				t.Fatalf("ack %d: %v", status, ack)
			}
		}
		<-arrived
		<-arrived
		release <- struct{}{}
		release <- struct{}{}
		f.h.Wait()
		list, err := runner.List(admin, jobs.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Fatalf("jobs: got %d, want 1: %+v", len(list), list)
		}
		j, err := runner.Wait(admin, list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Kind != jobs.KindDCICallbacks || j.MemberID != f.jo || j.State != jobs.Done || j.Done != 2 || j.Total != 2 {
			t.Errorf("callbacks job: got %+v, want done 2 of 2 for JO", j)
		}

		// A callback the receiver holds: cancelling the job stops it.
		if status, ack := f.post("/api/dci/registry/search", envelope("search", "spmis.example.org", cb.URL+"/on-search", msg, nil)); status != 200 {
			t.Fatalf("ack %d: %v", status, ack)
		}
		<-arrived
		list, err = runner.List(admin, jobs.Filter{Unfinished: true})
		if err != nil || len(list) != 1 {
			t.Fatalf("running jobs: %+v, %v", list, err)
		}
		j, err = runner.Cancel(admin, list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != jobs.Cancelled {
			t.Errorf("cancelled job: got %s", j.State)
		}
		f.h.Wait()
		var pending, undelivered int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM dci_transactions WHERE status = 'pdng'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM dci_transactions WHERE delivered = 0`).Scan(&undelivered); err != nil {
			t.Fatal(err)
		}
		if pending != 0 || undelivered != 1 {
			t.Errorf("after the cancel: %d transactions pending, %d not delivered; want 0 and 1", pending, undelivered)
		}
	})
}
