package referral

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// BenchmarkDue measures Due, the worker's inbox feed, for 5,000 open cases
// holding 20,000 referrals (four each: a quarter closed; the open ones'
// follow-ups spread evenly from three weeks ago to nine weeks ahead, so a
// quarter are overdue; a fifth of those escalated) and 20,000 plan actions
// due over the same span, on each engine, asking what is due by the end of
// today (about 9,200 items). The machine is shared, so besides p50 and p99
// it reports p99 against a baseline measured in the same run: reading as
// many rows (id, case, date) of the same table straight through the
// driver, the floor any feed of that many items pays. It reports p50 and p99 of one call,
// and the ratio of p99 to the baseline measured in the same run: reading
// one referral by id (Referral), the cheapest page read of the package.
//
//	TADAMUN_TEST_POSTGRES=… go test -run '^$' -bench BenchmarkDue -benchtime 200x ./internal/casework/referral/
func BenchmarkDue(b *testing.B) {
	for _, dl := range dbtest.Dialects() {
		b.Run(string(dl), func(b *testing.B) {
			d := dbtest.Open(b, dl)
			f := newFixture(b, d)
			const cases, perCase = 5000, 4
			seed(b, f, cases, perCase)
			ids := make([]int64, cases)
			for i := range ids {
				ids[i] = int64(1_000_000 + i)
			}
			until := start.AddDate(0, 0, 1)
			items, err := f.s.Due(f.worker, f.jo, ids, until)
			if err != nil {
				b.Fatal(err)
			}
			if len(items) == 0 {
				b.Fatal("nothing due")
			}
			var base, due []time.Duration
			for range 20 {
				t0 := time.Now()
				rows, err := d.Query(context.Background(), `SELECT id, case_id, updated_at FROM referral_referrals WHERE member_id = ? ORDER BY id LIMIT ?`, f.jo, len(items))
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
					var id, c int64
					var at time.Time
					if err := rows.Scan(&id, &c, &at); err != nil {
						b.Fatal(err)
					}
				}
				rows.Close()
				base = append(base, time.Since(t0))
			}
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				if _, err := f.s.Due(f.worker, f.jo, ids, until); err != nil {
					b.Fatal(err)
				}
				due = append(due, time.Since(t0))
			}
			b.StopTimer()
			p := func(ds []time.Duration, q float64) float64 {
				slices.Sort(ds)
				return float64(ds[min(len(ds)-1, int(q*float64(len(ds))))].Microseconds()) / 1000
			}
			b.ReportMetric(p(due, .50), "p50-ms")
			b.ReportMetric(p(due, .99), "p99-ms")
			b.ReportMetric(p(base, .50), "baseline-p50-ms")
			b.ReportMetric(p(due, .99)/max(p(base, .50), 0.001), "p99/baseline")
			b.ReportMetric(float64(len(items)), "items")
		})
	}
}

// seed writes the referrals and plan actions of cases cases directly, in
// bulk, as the service would have written them over months.
func seed(tb testing.TB, f *fixture, cases, perCase int) {
	tb.Helper()
	ctx := context.Background()
	err := f.d.Tx(ctx, func(tx *db.Tx) error {
		var refs, items, plans [][]any
		n := 0
		for c := range cases {
			cid := int64(1_000_000 + c)
			plans = append(plans, []any{int64(c + 1), f.jo, cid, 1, f.workerID, start, start})
			for k := range perCase {
				n++
				due := start.Add(time.Duration(n%(84*24)-21*24) * time.Hour)
				var fdue, esc, escd any = due, due.AddDate(0, 0, 4), nil
				status, outcome, closed := Sent, "", any(nil)
				if k == 3 {
					status, outcome, closed, fdue, esc = Closed, "service_received", start, nil, nil
				} else if n%5 == 0 {
					escd = start
				}
				refs = append(refs, []any{f.jo, cid, f.workerID, f.supID, "health", Internal, f.worker2ID, false, status, fdue, esc, escd, outcome, 1, f.workerID, start.AddDate(0, -1, 0), closed, start})
				items = append(items, []any{int64(c + 1), f.jo, cid, "action", k, "زيارة", "open", due})
			}
		}
		if _, err := tx.Insert(ctx, "referral_plans", []string{"id", "member_id", "case_id", "version", "updated_by", "created_at", "updated_at"}, db.RowsOf(plans)); err != nil {
			return err
		}
		if _, err := tx.Insert(ctx, "referral_referrals", []string{"member_id", "case_id", "case_owner_id", "case_supervisor_id", "service", "target", "to_user_id", "area_confirmed",
			"status", "follow_up_due", "escalate_at", "escalated_at", "outcome", "version", "sent_by", "sent_at", "closed_at", "updated_at"}, db.RowsOf(refs)); err != nil {
			return err
		}
		if _, err := tx.Insert(ctx, "referral_plan_items", []string{"plan_id", "member_id", "case_id", "kind", "position", "text", "status", "due_at"}, db.RowsOf(items)); err != nil {
			return err
		}
		return tx.Analyze(ctx, "referral_referrals", "referral_plan_items")
	})
	if err != nil {
		tb.Fatal(err)
	}
	for c := range cases {
		r := f.cases.cases[f.caseID]
		r.ID, r.Number = int64(1_000_000+c), ""
		f.cases.add(r)
	}
}
