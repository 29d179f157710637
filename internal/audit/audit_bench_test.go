package audit_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// The figures the benchmarks report, as the issue asks for them: 100,000
// records appended in transactions of 1,000, and Verify over
// TADAMUN_BENCH_AUDIT_N records (100,000 unless set).
const (
	appendTotal = 100_000
	appendBatch = 1_000
	verifyBatch = 10_000
	perStmt     = 200 // rows per INSERT, as audit.Append writes them
)

// benchState is a typical new state of a household, hashed into each record.
type benchState struct {
	ID       int64  `json:"id"`
	MemberID int64  `json:"member_id"`
	Area     string `json:"area"`
	Size     int    `json:"size"`
	Income   int64  `json:"income"`
	Status   string `json:"status"`
}

// benchEntries returns n entries for records start … start+n-1, spread over
// 20 members as a registry update would write them.
func benchEntries(start, n int) []audit.Entry {
	es := make([]audit.Entry, n)
	for i := range es {
		k := int64(start + i)
		m := k%20 + 1
		es[i] = audit.Entry{
			MemberID:   m,
			Action:     "registry.household.update",
			EntityType: "household",
			EntityID:   strconv.FormatInt(k, 10),
			State:      benchState{ID: k, MemberID: m, Area: "EG-C-0" + strconv.FormatInt(k%97, 10), Size: int(k%9) + 1, Income: k % 5000 * 100, Status: "active"},
		}
	}
	return es
}

// benchDB returns a fresh migrated database of the dialect. PostgreSQL
// benchmarks are skipped unless TADAMUN_TEST_POSTGRES is set.
func benchDB(b *testing.B, dl db.Dialect) *db.DB {
	b.Helper()
	if dl == db.Postgres && dbtest.PostgresURL() == "" {
		b.Skip("TADAMUN_TEST_POSTGRES is not set")
	}
	return dbtest.Open(b, dl)
}

var benchDialects = []db.Dialect{db.SQLite, db.Postgres}

// BenchmarkAppend appends 100,000 records with audit.Append, one
// transaction per 1,000, into a fresh log each iteration.
func BenchmarkAppend(b *testing.B) {
	for _, dl := range benchDialects {
		b.Run(string(dl), func(b *testing.B) {
			ctx := actor.System(context.Background())
			batches := make([][]audit.Entry, 0, appendTotal/appendBatch)
			for start := 0; start < appendTotal; start += appendBatch {
				batches = append(batches, benchEntries(start, appendBatch))
			}
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				d := benchDB(b, dl)
				b.StartTimer()
				for _, es := range batches {
					if err := d.Tx(ctx, func(tx *db.Tx) error { return audit.Append(ctx, tx, es...) }); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(appendTotal*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// plainSchema is audit_records' shape, with its indexes, under another name.
const plainSchema = `CREATE TABLE audit_plain (
    seq          BIGINT PRIMARY KEY,
    at_us        BIGINT NOT NULL,
    actor_id     BIGINT NOT NULL,
    member_id    BIGINT NOT NULL,
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    state_hash   TEXT NOT NULL,
    hashes       %s NOT NULL
);
CREATE INDEX audit_plain_member ON audit_plain (member_id, seq);
CREATE INDEX audit_plain_entity ON audit_plain (entity_type, entity_id)`

func createPlain(tb testing.TB, d *db.DB) {
	tb.Helper()
	blob := "BLOB"
	if d.Dialect == db.Postgres {
		blob = "BYTEA"
	}
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, fmt.Sprintf(plainSchema, blob))
		return err
	})
	if err != nil {
		tb.Fatalf("create audit_plain: %v", err)
	}
}

// insertPlain writes the rows Append would write for es, numbered from seq,
// with the same statements but no tree: the hashes column stays empty.
func insertPlain(ctx context.Context, tx *db.Tx, seq int64, es []audit.Entry) error {
	a := actor.From(ctx)
	now := time.Now().UTC().Truncate(time.Microsecond).UnixMicro()
	empty := []byte{}
	for start := 0; start < len(es); start += perStmt {
		end := min(start+perStmt, len(es))
		q := make([]byte, 0, 128+(end-start)*24)
		q = append(q, "INSERT INTO audit_plain (seq, at_us, actor_id, member_id, action, entity_type, entity_id, state_hash, hashes) VALUES "...)
		args := make([]any, 0, (end-start)*9)
		for i := start; i < end; i++ {
			if i > start {
				q = append(q, ',')
			}
			q = append(q, "(?,?,?,?,?,?,?,?,?)"...)
			e := &es[i]
			args = append(args, seq+int64(i), now, a.UserID, e.MemberID, e.Action, e.EntityType, e.EntityID, audit.StateHash(e.State), empty)
		}
		if _, err := tx.Exec(ctx, string(q), args...); err != nil {
			return fmt.Errorf("insert plain rows: %w", err)
		}
	}
	return nil
}

// BenchmarkPlainInsert is the baseline of BenchmarkAppend: the same rows in
// the same transactions and statements, state hashed the same way, into a
// table of the same shape, without the Merkle tree.
func BenchmarkPlainInsert(b *testing.B) {
	for _, dl := range benchDialects {
		b.Run(string(dl), func(b *testing.B) {
			ctx := actor.System(context.Background())
			batches := make([][]audit.Entry, 0, appendTotal/appendBatch)
			for start := 0; start < appendTotal; start += appendBatch {
				batches = append(batches, benchEntries(start, appendBatch))
			}
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				d := benchDB(b, dl)
				createPlain(b, d)
				b.StartTimer()
				for k, es := range batches {
					seq := int64(k * appendBatch)
					if err := d.Tx(ctx, func(tx *db.Tx) error { return insertPlain(ctx, tx, seq, es) }); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(appendTotal*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// verifyN returns the number of records BenchmarkVerify checks.
func verifyN(tb testing.TB) int {
	tb.Helper()
	s := os.Getenv("TADAMUN_BENCH_AUDIT_N")
	if s == "" {
		return 100_000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		tb.Fatalf("TADAMUN_BENCH_AUDIT_N=%q: want a positive number", s)
	}
	return n
}

// fillLog appends n records in transactions of 10,000 and signs a checkpoint
// after every quarter, printing progress to stderr.
func fillLog(tb testing.TB, ctx context.Context, d *db.DB, l *audit.Log, n int) {
	tb.Helper()
	start := time.Now()
	quarter := max(n/4, 1)
	for done := 0; done < n; {
		k := min(verifyBatch, n-done)
		es := benchEntries(done, k)
		if err := d.Tx(ctx, func(tx *db.Tx) error { return audit.Append(ctx, tx, es...) }); err != nil {
			tb.Fatalf("append records %d…: %v", done, err)
		}
		prev := done
		done += k
		if done/quarter != prev/quarter || done == n {
			if _, err := l.Sign(ctx); err != nil {
				tb.Fatalf("sign at %d: %v", done, err)
			}
		}
		if done%100_000 == 0 || done == n {
			el := time.Since(start)
			fmt.Fprintf(os.Stderr, "audit bench: %s: %d/%d records written, %.0f records/s, %s\n",
				d.Dialect, done, n, float64(done)/el.Seconds(), el.Round(time.Second))
		}
	}
}

// heapPeak samples the live heap until stop is called and returns the
// largest value seen, in bytes. runtime/metrics does not stop the world.
func heapPeak() (stop func() uint64) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var peak uint64
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		peak = max(peak, sample[0].Value.Uint64())
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// BenchmarkVerify measures audit.Verify over a log of TADAMUN_BENCH_AUDIT_N
// records with a few signed checkpoints. Building the log is not timed.
func BenchmarkVerify(b *testing.B) {
	for _, dl := range benchDialects {
		b.Run(string(dl), func(b *testing.B) {
			n := verifyN(b)
			ctx := actor.System(context.Background())
			d := benchDB(b, dl)
			l := mustLog(b, d)
			fillLog(b, ctx, d, l, n)
			runtime.GC() // the peak below should be Verify's, not the writer's garbage
			b.ReportAllocs()
			b.ResetTimer()
			var peak uint64
			for i := 0; i < b.N; i++ {
				stop := heapPeak()
				rep, err := audit.Verify(ctx, d, l.Verifier(), nil)
				peak = max(peak, stop())
				if err != nil {
					b.Fatal(err)
				}
				if !rep.OK() || rep.Records != int64(n) || rep.LatestSize != int64(n) {
					b.Fatalf("got %+v, want %d records, latest checkpoint at %d, no problems", rep, n, n)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/verify")
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// BenchmarkLeafHash measures the part of Append and Verify that is pure
// computation per record: encoding a record and hashing it as a tree leaf.
func BenchmarkLeafHash(b *testing.B) {
	es := benchEntries(0, 1024)
	recs := make([]audit.Record, len(es))
	at := time.Now().UTC()
	for i, e := range es {
		recs[i] = audit.Record{Seq: int64(i), At: at, MemberID: e.MemberID, Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID, StateHash: audit.StateHash(e.State)}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		recs[i%len(recs)].LeafHash()
		i++
	}
}
