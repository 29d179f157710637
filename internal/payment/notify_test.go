package payment_test

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/notify"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
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

func (r *recorder) take() []notify.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// TestPaymentsAreNotified checks that households hear of their payment
// when its batch is exported (sent), and when a status file says it was
// paid, or rejected (returned), with the amount.
func TestPaymentsAreNotified(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		rec := &recorder{}
		f.s = payment.NewWith(d, payment.Options{Households: testHouseholds{}, Notify: rec})
		c := f.prepare(t, scenario(t, f))
		if err := f.s.AllocateBudget(f.ap1, f.member, 7, 1_000_000, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Approve(f.ap1, f.member, c.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		res, err := f.s.CreateBatches(f.fo1, f.member, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(rec.take()); n != 0 {
			t.Fatalf("making batches told %d households", n)
		}
		var bank9 payment.Batch
		for _, b := range res.Batches {
			if b.Provider == "BANK9" {
				bank9 = b
			}
		}
		if _, err := f.s.Export(f.fo1, f.member, bank9.ID, io.Discard); err != nil {
			t.Fatal(err)
		}
		sent := rec.take()
		if len(sent) != 1 {
			t.Fatalf("export told %d households, want the batch's one", len(sent))
		}
		for _, e := range sent {
			if e.Kind != notify.PaymentSent || e.HouseholdID == 0 || e.ArgsByLang["en"]["amount"] == "" || e.EntityType != "payment" {
				t.Errorf("sent event %+v", e)
			}
		}
		hist, _ := f.s.HouseholdHistory(f.fo1, f.member, sent[0].HouseholdID)
		e2e := hist[0].EndToEndID
		status := pain002(t, bank9.MsgID, iso20022.Status{OriginalEndToEndID: e2e, Status: "ACSC"})
		if _, err := f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, bytes.NewReader(status)); err != nil {
			t.Fatal(err)
		}
		if got := rec.take(); len(got) != 1 || got[0].Kind != notify.PaymentPaid || got[0].HouseholdID != sent[0].HouseholdID {
			t.Fatalf("paid events %+v", got)
		}
		// The bank returns it later.
		status = pain002(t, "RETURN-1", iso20022.Status{OriginalEndToEndID: e2e, Status: "RJCT", Reason: "AC04"})
		if _, err := f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, bytes.NewReader(status)); err != nil {
			t.Fatal(err)
		}
		if got := rec.take(); len(got) != 1 || got[0].Kind != notify.PaymentReturned {
			t.Fatalf("returned events %+v", got)
		}
		// The same file again tells nobody.
		if _, err := f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, bytes.NewReader(pain002(t, "RETURN-2", iso20022.Status{OriginalEndToEndID: e2e, Status: "RJCT", Reason: "AC04"}))); err != nil {
			t.Fatal(err)
		}
		if got := rec.take(); len(got) != 0 {
			t.Errorf("an unchanged payment told again: %+v", got)
		}
	})
}
