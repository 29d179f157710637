package demo

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/market"
)

// TestDemoMarket: the demo opens five JO shops with about thirty products,
// and the storefront's search folds "حقيبه" to the bags.
func TestDemoMarket(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo")
	}
	dl := dbtest.Dialects()[0]
	d := dbtest.Open(t, dl)
	if err := Load(context.Background(), d, nil); err != nil {
		t.Fatal(err)
	}
	s := market.New(d, market.Options{})
	r, err := s.Search(context.Background(), market.Query{Limit: 60})
	if err != nil || r.Total < 25 {
		t.Fatalf("%d products: %v", r.Total, err)
	}
	r, err = s.Search(context.Background(), market.Query{Text: "حقيبه"})
	if err != nil || r.Total < 3 {
		t.Fatalf("حقيبه found %d: %v", r.Total, err)
	}
	_ = db.SQLite
}
