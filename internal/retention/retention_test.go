package retention_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/exchange"
	"github.com/tadamun/tadamun/internal/printer"
	"github.com/tadamun/tadamun/internal/retention"
)

var t0 = time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)

// TestRetentionDeletesOnlyWhatIsOld moves a fake clock: JO's DCI answer
// and printed batch older than its 30 days go, the newer ones stay; EG,
// which keeps 60 days, keeps its answer of the same age; a dry run says
// the same and deletes nothing; the audit log's earlier records are
// untouched and the log still verifies.
func TestRetentionDeletesOnlyWhatIsOld(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		clock := calendar.NewManual(t0)
		d.SetClock(clock.Clock())
		jo, eg := mustMember(t, d, "JO"), mustMember(t, d, "EG")
		skey, vkey, err := note.GenerateKey(rand.Reader, audit.DefaultOrigin)
		if err != nil {
			t.Fatal(err)
		}
		log, err := audit.New(d, skey, vkey)
		if err != nil {
			t.Fatal(err)
		}
		txns := exchange.NewTransactions(d)
		answer := json.RawMessage(`{"message":{"search_response":[{"data":{"name":"أحمد الحسيني"}}]}}`)
		record := func(member int64, corr string) {
			t.Helper()
			if err := txns.Record(ctx, exchange.Transaction{MemberID: member, CorrelationID: corr, TransactionID: corr, SenderID: "s", Action: "search", Status: "succ", Response: answer}); err != nil {
				t.Fatal(err)
			}
		}
		printed := func(member, job int64) {
			t.Helper()
			if err := d.Tx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO print_files (job_id, member_id, actor_id, name, content_type, size, content, created_at) VALUES (?, ?, 0, 'letters.html', 'text/html', 4, ?, ?)`,
					job, member, []byte("<p>"), clock.Now())
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		record(jo, "jo-old")
		record(eg, "eg-old")
		printed(jo, 1)
		clock.Advance(25 * 24 * time.Hour)
		record(jo, "jo-new")
		printed(jo, 2)
		clock.Advance(10 * 24 * time.Hour) // jo-old is 35 days old, jo-new 10
		s := retention.New(d, retention.Options{Clock: clock.Clock(), Expirers: []retention.Expirer{
			{Kind: "dci_answers", Expire: txns.Expire},
			{Kind: "print_batches", Expire: printer.New(d, printer.Options{}).ExpireBulkFiles}}})
		if err := s.SetPeriod(ctx, eg, 60); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPeriod(ctx, eg, 0); !errs.Is(err, errs.Invalid) {
			t.Fatalf("a period of 0 days: got %v, want invalid", err)
		}
		if _, err := log.Sign(ctx); err != nil {
			t.Fatal(err)
		}
		auditBefore := auditRows(t, d)
		dry, err := s.Run(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if dry.Total() != 2 || !dry.DryRun {
			t.Fatalf("dry run: got %+v, want 2 copies of JO", dry)
		}
		if n := answers(t, d); n != 3 {
			t.Fatalf("a dry run deleted: %d answers left, want 3", n)
		}
		rep, err := s.Run(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Total() != 2 {
			t.Fatalf("run: got %+v, want 2 copies deleted", rep)
		}
		for _, c := range []struct {
			member int64
			corr   string
			kept   bool
		}{{jo, "jo-old", false}, {jo, "jo-new", true}, {eg, "eg-old", true}} {
			got, err := txns.Find(ctx, c.member, "s", "search", exchange.ByCorrelationID, c.corr)
			if err != nil {
				t.Fatal(err)
			}
			if kept := len(got.Response) > 0; kept != c.kept || got.Status != "succ" {
				t.Errorf("%s: answer kept %v (status %s), want kept %v and the status still succ", c.corr, kept, got.Status, c.kept)
			}
		}
		var jobs []int64
		rows, err := d.Query(ctx, `SELECT job_id FROM print_files ORDER BY job_id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var j int64
			rows.Scan(&j)
			jobs = append(jobs, j)
		}
		rows.Close()
		if len(jobs) != 1 || jobs[0] != 2 {
			t.Errorf("printed batches left: %v, want only the newer one (2)", jobs)
		}
		// The audit log: the records before the run are as they were, the
		// run added one per deletion, and the whole log verifies.
		after := auditRows(t, d)
		if len(after) != len(auditBefore)+2 {
			t.Errorf("audit records: %d → %d, want two more (one per deletion)", len(auditBefore), len(after))
		}
		for i := range auditBefore {
			if after[i] != auditBefore[i] {
				t.Fatalf("audit record %d changed", i)
			}
		}
		if _, err := log.Sign(ctx); err != nil {
			t.Fatal(err)
		}
		if v, err := log.Verify(ctx, nil); err != nil || !v.OK() {
			t.Fatalf("audit verify after the run: %+v %v", v, err)
		}
		// A second run deletes nothing more.
		if again, err := s.Run(ctx, false); err != nil || again.Total() != 0 {
			t.Fatalf("second run: %+v %v, want nothing", again, err)
		}
	})
}

func TestRetentionPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO")
		eg := mustMember(t, d, "EG")
		s := retention.New(d, retention.Options{})
		admin := actor.With(context.Background(), actor.Actor{UserID: 1, MemberID: jo, Roles: []actor.Role{actor.MemberAdmin}})
		if _, err := s.Run(admin, true); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a member's administrator runs the sweep: got %v, want forbidden", err)
		}
		if err := s.SetPeriod(admin, eg, 10); !errs.Is(err, errs.NotFound) {
			t.Fatalf("JO's administrator sets EG's period: got %v, want not found", err)
		}
		if days, err := s.Period(admin, jo); err != nil || days != retention.DefaultDays {
			t.Fatalf("JO's period: got %d %v, want the default", days, err)
		}
	})
}

func mustMember(tb testing.TB, d *db.DB, code string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, calling_code, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', 'UTC', '', ?, ?) RETURNING id`,
			code, "عضو "+code, "Member "+code, t0, t0)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func answers(tb testing.TB, d *db.DB) int {
	tb.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM dci_transactions WHERE response <> ''`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// auditRows returns every audit record as one string each, in order.
func auditRows(tb testing.TB, d *db.DB) []string {
	tb.Helper()
	rows, err := d.Query(context.Background(), `SELECT seq, action, entity_id, state_hash FROM audit_records ORDER BY seq`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var seq int64
		var a, e, h string
		if err := rows.Scan(&seq, &a, &e, &h); err != nil {
			tb.Fatal(err)
		}
		out = append(out, a+"|"+e+"|"+h)
	}
	return out
}
