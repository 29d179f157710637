package db_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// TestPairs: the rows of a two-integer query come back in order, none
// when nothing matches, and a query error is returned.
func TestPairs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		got, err := d.Pairs(ctx, `SELECT 1, 10 UNION ALL SELECT 2, 20 ORDER BY 1`)
		if err != nil || !slices.Equal(got, [][2]int64{{1, 10}, {2, 20}}) {
			t.Errorf("got %v, %v; want [[1 10] [2 20]]", got, err)
		}
		if got, err := d.Pairs(ctx, `SELECT id, id FROM members WHERE id < 0`); err != nil || len(got) != 0 {
			t.Errorf("no rows: got %v, %v", got, err)
		}
		if _, err := d.Pairs(ctx, `SELECT id, id FROM no_such_table`); err == nil {
			t.Error("a bad query gave no error")
		}
	})
}
