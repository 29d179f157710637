package casework

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// fourFollowUps is a care.Due that has four referral follow-ups per case,
// one of them overdue, like internal/casework/referral will.
type fourFollowUps struct{ now time.Time }

func (f fourFollowUps) Due(_ context.Context, _ int64, caseIDs []int64, until time.Time) ([]care.DueItem, error) {
	out := make([]care.DueItem, 0, 4*len(caseIDs))
	for _, c := range caseIDs {
		for k := range 4 {
			at := f.now.Add(time.Duration(k-1) * 48 * time.Hour)
			if at.After(until) {
				continue
			}
			out = append(out, care.DueItem{CaseID: c, Kind: "referral", RefID: c*4 + int64(k), Title: "متابعة إحالة", DueAt: at, Overdue: at.Before(f.now), Link: "/casework/cases"})
		}
	}
	return out, nil
}

// BenchmarkInbox measures the worker's inbox and the supervisor's with
// 5,000 open cases in the office (50 workers with 100 each, visits due
// over the next two months, a fifth overdue) and 20,000 follow-ups (four a
// case), on each engine. It reports the median and the 99th percentile of
// the calls, in milliseconds.
//
//	go test -run '^$' -bench Inbox -benchtime 200x ./internal/casework
func BenchmarkInbox(b *testing.B) {
	for _, dl := range dbtest.Dialects() {
		b.Run(string(dl), func(b *testing.B) {
			d := dbtest.Open(b, dl)
			w := newWorld(b, d)
			w.s.due = []care.Due{fourFollowUps{now: t0}}
			workers := seedOffice(b, w, 50, 100)
			for _, v := range []struct {
				name string
				u    *ctxUser
			}{{"worker", workers[0]}, {"supervisor", w.super}} {
				b.Run(v.name, func(b *testing.B) {
					in, err := w.s.InboxOf(v.u.ctx, w.jo)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(len(in.Cases)+len(in.Waiting)), "cases")
					took := make([]time.Duration, 0, b.N)
					b.ResetTimer()
					for range b.N {
						start := time.Now()
						if _, err := w.s.InboxOf(v.u.ctx, w.jo); err != nil {
							b.Fatal(err)
						}
						took = append(took, time.Since(start))
					}
					b.StopTimer()
					slices.Sort(took)
					ms := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))]) / 1e6 }
					b.ReportMetric(ms(0.50), "p50-ms")
					b.ReportMetric(ms(0.99), "p99-ms")
				})
			}
		})
	}
}

// seedOffice writes n workers of w's office under its supervisor, each with
// per open cases, in one bulk insert.
func seedOffice(b *testing.B, w *world, n, per int) []*ctxUser {
	b.Helper()
	ctx := context.Background()
	var workers []*ctxUser
	for i := range n {
		u := as(b, w.d, w.jo, fmt.Sprintf("bench.worker%d", i), actor.CaseWorker)
		if err := w.s.Place(w.manager.ctx, w.jo, u.id, w.office, w.super.id); err != nil {
			b.Fatal(err)
		}
		workers = append(workers, u)
	}
	types, err := w.s.Types(w.manager.ctx, w.jo)
	if err != nil {
		b.Fatal(err)
	}
	steps := []string{care.StepNew, care.StepAssessment, care.StepPlan, care.StepServices, care.StepFollowUp}
	risks := []string{care.RiskLow, care.RiskMedium, care.RiskHigh, care.RiskCritical}
	var rows [][]any
	for i := range n * per {
		u := workers[i%n]
		next := t0.Add(time.Duration(i%60-12) * 24 * time.Hour) // a fifth overdue
		rows = append(rows, []any{w.jo, fmt.Sprintf("JO-2026-B%05d", i), types[i%len(types)].ID, steps[i%len(steps)], u.id, w.super.id, w.office,
			w.hh, w.person, "JO-AM", "female", "1990-05-01", ConsentLegal, "court_order", t0, risks[i%4], false, t0, next, int64(1), int64(1), t0})
	}
	err = w.d.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Insert(ctx, "cases", []string{"member_id", "number", "type_id", "status", "owner_id", "supervisor_id", "office_id",
			"household_id", "person_id", "area_code", "sex", "birth_date", "consent_kind", "legal_ground", "consent_at", "risk_level", "reopened", "opened_at", "next_visit_due",
			"created_by", "version", "updated_at"}, db.RowsOf(rows))
		if err != nil {
			return err
		}
		return tx.Analyze(ctx, "cases")
	})
	if err != nil {
		b.Fatal(err)
	}
	return workers
}
