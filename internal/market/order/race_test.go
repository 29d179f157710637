package order

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// TestLastItemRace: two buyers order the last item at once; exactly one
// order is placed, the other buyer is told it has just gone, and nothing
// is written for them.
func TestLastItemRace(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		if dl != db.Postgres {
			continue
		}
		t.Run(string(dl), func(t *testing.T) {
			d := dbtest.Open(t, dl)
			f := newFixture(t, d)
			p := f.cat.add(t, 1, f.jo, 10, 100, "آخر سلة", 2500, 1)
			a := f.buyer(t, "ليلى", "0791000001")
			b := f.buyer(t, "سامي", "0791000002")
			before := count(t, d, `SELECT COUNT(*) FROM audit_records`)
			var wg sync.WaitGroup
			var finished atomic.Int32
			res := make([]error, 2)
			dbtest.HoldUntilWaiting(t, d, 2, `SELECT id FROM test_order_products WHERE id = ? FOR UPDATE`, []any{p.ID}, func() {
				for i, who := range []*Account{a, b} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer finished.Add(1)
						_, res[i] = f.s.Place(context.Background(), who, OrderInput{ProductID: p.ID, Quantity: 1, Delivery: Pickup, Payment: Cash})
					}()
				}
			}, func() bool { return finished.Load() > 0 })
			wg.Wait()
			won, lost := 0, 0
			for _, err := range res {
				if err == nil {
					won++
					continue
				}
				wantKey(t, err, "order.out_of_stock_now")
				lost++
			}
			if won != 1 || lost != 1 {
				t.Fatalf("won %d, lost %d; want 1 and 1 (%v)", won, lost, res)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM market_orders`); n != 1 {
				t.Fatalf("%d orders, want 1", n)
			}
			if n := count(t, d, `SELECT stock FROM test_order_products WHERE id = ?`, p.ID); n != 0 {
				t.Fatalf("stock %d, want 0", n)
			}
			if n := count(t, d, `SELECT last FROM market_order_numbers`); n != 1 {
				t.Fatalf("number counter %d, want 1 (the loser took no number)", n)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM audit_records`); n != before+1 {
				t.Fatalf("%d audit records more, want 1", n-before)
			}
		})
	}
}
