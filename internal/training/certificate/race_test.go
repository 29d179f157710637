package certificate

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

func hasPostgres() bool {
	for _, dl := range dbtest.Dialects() {
		if dl == db.Postgres {
			return true
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// race runs fns at once while lock (with arg) holds their rows, and
// returns their errors.
func race(t *testing.T, d *db.DB, lock string, arg int64, fns ...func() error) []error {
	t.Helper()
	var wg sync.WaitGroup
	var finished atomic.Int32
	out := make([]error, len(fns))
	dbtest.HoldUntilWaiting(t, d, len(fns), lock, []any{arg}, func() {
		for i, fn := range fns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer finished.Add(1)
				out[i] = fn()
			}()
		}
	}, func() bool { return finished.Load() > 0 })
	wg.Wait()
	return out
}
