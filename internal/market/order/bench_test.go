package order

import (
	"context"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// BenchmarkPlace places one order (stock reserved, number taken, order
// and audit record written in one transaction) on SQLite; BenchmarkInsert
// is the baseline: one row inserted in one transaction, nothing else.
func BenchmarkPlace(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	f := newFixture(b, d)
	p := f.cat.add(b, 1, f.jo, 10, 100, "سلة", 100, 1<<30)
	buyer := f.buyer(b, "ليلى", "0791000001")
	in := OrderInput{ProductID: p.ID, Quantity: 1, Delivery: Pickup, Payment: Cash}
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.s.Place(context.Background(), buyer, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInsert(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	f := newFixture(b, d)
	ctx := context.Background()
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		err := d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO market_order_numbers (member_id, year, last) VALUES (?, ?, 1)`, f.jo, i)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkContacts scans a message of typical length for contact details.
func BenchmarkContacts(b *testing.B) {
	msg := "السلام عليكم، هل يمكن تجهيز الطلب قبل يوم الخميس؟ أريد ثلاث قطع بلون أزرق ومقاس كبير، والدفع عند الاستلام. شكرًا " + strconv.Itoa(2027)
	for b.Loop() {
		Contacts(msg)
	}
}
