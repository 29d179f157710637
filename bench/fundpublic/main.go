// Command fundpublic generates ten years of the solidarity fund's postings
// for one member — two-line ledger entries through the real ledger tables
// (bulk inserted), their public journal rows and rollups through
// transparency.RecordTx, one audit record per batch — and then measures
// the public page /portal/fund through the web server's handler, against
// the portal's home page in the same run.
//
//	go run ./bench/fundpublic -db /tmp/fund.db -entries 5000000
//	go run ./bench/fundpublic -db postgres://… -entries 5000000
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/mod/sumdb/note"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/transparency"
	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/server"
)

func main() {
	dsn := flag.String("db", "", "database (SQLite file or postgres:// URL)")
	entries := flag.Int("entries", 5_000_000, "two-line ledger entries to generate (ten years)")
	batch := flag.Int("batch", 100_000, "entries per transaction")
	requests := flag.Int("requests", 300, "requests per endpoint")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the measurements")
	flag.Parse()
	if *prof != "" {
		f, err := os.Create(*prof)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if *dsn == "" {
		fmt.Fprintln(os.Stderr, "fundpublic: -db is required")
		os.Exit(2)
	}
	if err := run(context.Background(), *dsn, *entries, *batch, *requests); err != nil {
		fmt.Fprintln(os.Stderr, "fundpublic:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(ctx context.Context, dsn string, entries, batch, requests int) error {
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	sys := actor.System(ctx)
	ms := member.New(d)
	jo, err := ms.Get(sys, "JO")
	if err != nil {
		if jo, err = ms.Create(sys, member.Member{Code: "JO", Kind: member.State, NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"}); err != nil {
			return err
		}
	}
	end := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	svcGen := transparency.New(d, transparency.Options{Members: ms})
	var have int64
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM fund_public_journal WHERE member_id = ?`, jo.ID).Scan(&have); err != nil {
		return err
	}
	if have == 0 {
		t0 := time.Now()
		if err := generate(ctx, d, svcGen, jo, entries, batch, end); err != nil {
			return err
		}
		el := time.Since(t0)
		fmt.Printf("generated %d entries (%d ledger lines, %d journal rows) in %.1f s (%.0f entries/s)\n", entries, 2*entries, entries, el.Seconds(), float64(entries)/el.Seconds())
	} else {
		fmt.Printf("reusing %d journal rows\n", have)
	}
	var lines, rollups int64
	_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM ledger_lines WHERE member_id = ?`, jo.ID).Scan(&lines)
	_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM fund_public_rollups WHERE member_id = ?`, jo.ID).Scan(&rollups)
	fmt.Printf("ledger lines: %d, rollup rows: %d\n", lines, rollups)

	// The plans of every query the page makes.
	fmt.Println("query plans:")
	for _, p := range transparency.Plans(jo.ID, jo.Currency) {
		plan, err := explain(ctx, d, p)
		if err != nil {
			return fmt.Errorf("explain %s: %w", p.Name, err)
		}
		fmt.Printf("  %-12s %s\n", p.Name, strings.ReplaceAll(plan, "\n", " | "))
	}

	// The server as serve builds it, with the portal's page measured
	// through its handler.
	skey, vkey, err := note.GenerateKey(rand.Reader, audit.DefaultOrigin)
	if err != nil {
		return err
	}
	l, err := audit.New(d, skey, vkey)
	if err != nil {
		return err
	}
	dir, _ := os.MkdirTemp("", "fundpublic-")
	defer os.RemoveAll(dir)
	svc := app.New(d, app.Options{Audit: l, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		WhistleKeyFile: filepath.Join(dir, "w.key"), CaseKeyFile: filepath.Join(dir, "c.key"), DCI: app.DCIOptions{KeyFile: filepath.Join(dir, "d.key")}})
	defer svc.Close(ctx)
	h, err := server.New(server.Config{Services: svc})
	if err != nil {
		return err
	}
	var maxID int64
	_ = d.QueryRow(ctx, `SELECT MAX(id) FROM fund_public_journal`).Scan(&maxID)
	rng := mrand.New(mrand.NewPCG(7, 11))
	fund := func() string {
		switch rng.IntN(4) {
		case 0:
			return "/portal/fund?member=JO"
		case 1:
			return "/portal/fund?member=JO&months=24"
		case 2:
			return "/portal/fund?member=JO&year=" + strconv.Itoa(2017+rng.IntN(10))
		}
		return "/portal/fund?member=JO&year=" + strconv.Itoa(2017+rng.IntN(10)) + "&before=" + strconv.FormatInt(1+rng.Int64N(maxID), 10)
	}
	api := func() string { return "/api/v1/public/fund?member=JO&year=" + strconv.Itoa(2017+rng.IntN(10)) }
	postings := func() string {
		return "/api/v1/public/fund/postings?member=JO&before=" + strconv.FormatInt(1+rng.Int64N(maxID), 10)
	}
	base := measure(h, requests, func() string { return "/portal" })
	fmt.Println("wall clock (includes waiting for a core on a shared machine), then CPU time of the request:")
	fmt.Printf("%-34s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms | cpu p50 %6.2f ms  p99 %6.2f ms\n", "baseline GET /portal", ms2(base[0]), ms2(base[1]), ms2(base[2]), ms2(base[3]), ms2(base[4]))
	for _, e := range []struct {
		name string
		path func() string
	}{{"GET /portal/fund (varied)", fund}, {"GET /api/v1/public/fund?year", api}, {"GET /api/v1/public/fund/postings", postings}} {
		r := measure(h, requests, e.path)
		fmt.Printf("%-34s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms | cpu p50 %6.2f ms  p99 %6.2f ms  (cpu p99 %.1f× the baseline's)\n", e.name, ms2(r[0]), ms2(r[1]), ms2(r[2]),
			ms2(r[3]), ms2(r[4]), float64(r[4])/float64(max(base[4], 1)))
	}
	return nil
}

func ms2(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// measure requests path() n times (after a few to warm up) and returns
// p50, p99 and the largest duration on the wall clock, then the same of
// the CPU time the request's thread used (the machine is shared: the CPU
// time does not count the waits for a core that the wall clock does).
func measure(h http.Handler, n int, path func() string) [6]time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for range 5 {
		serve(h, path())
	}
	ds := make([]time.Duration, n)
	cs := make([]time.Duration, n)
	for i := range ds {
		p := path()
		c0 := threadCPU()
		t0 := time.Now()
		code := serve(h, p)
		ds[i] = time.Since(t0)
		cs[i] = threadCPU() - c0
		if code != 200 {
			fmt.Fprintf(os.Stderr, "fundpublic: %s answered %d\n", p, code)
			os.Exit(1)
		}
	}
	slices.Sort(ds)
	slices.Sort(cs)
	return [6]time.Duration{ds[n/2], ds[min(n-1, n*99/100)], ds[n-1], cs[n/2], cs[min(n-1, n*99/100)], cs[n-1]}
}

// threadCPU is the CPU time of the calling thread
// (CLOCK_THREAD_CPUTIME_ID), to the nanosecond.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3 /* CLOCK_THREAD_CPUTIME_ID */, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

func serve(h http.Handler, path string) int {
	r := httptest.NewRequest("GET", path, nil)
	r.RemoteAddr = "127.0.0.1:1234"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func explain(ctx context.Context, d *db.DB, p transparency.Plan) (string, error) {
	q := "EXPLAIN QUERY PLAN " + p.SQL
	if d.Dialect == db.Postgres {
		q = "EXPLAIN " + p.SQL
	}
	rows, err := d.Query(ctx, q, p.Args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		out = append(out, strings.TrimSpace(fmt.Sprint(vals[len(vals)-1])))
	}
	return strings.Join(out, "\n"), rows.Err()
}

// generate writes entries two-line entries spread evenly over the ten
// years before end: 90% donations (income → pool), 10% allocations (pool
// → a program's budget), in transactions of batch entries, each with one
// audit record that the batch's movements name for their proof.
func generate(ctx context.Context, d *db.DB, j *transparency.Service, m member.Member, entries, batch int, end time.Time) error {
	sys := actor.System(ctx)
	start := end.AddDate(-10, 0, 0)
	span := end.Sub(start)
	rng := mrand.New(mrand.NewPCG(1, 2))
	restrictions := []fund.Restriction{{}, {}, {Kind: fund.RestrictGroup, Group: "orphans"}, {Kind: fund.RestrictGroup, Group: "disability"},
		{Kind: fund.RestrictProgram, ProgramID: 1}, {Kind: fund.RestrictProgram, ProgramID: 2}, {Kind: fund.RestrictCampaign, CampaignID: 1}, {Zakat: true}}
	donorKinds := []string{fund.DonorIndividual, fund.DonorIndividual, fund.DonorIndividual, fund.DonorIndividual, fund.DonorIndividual, fund.DonorIndividual, fund.DonorCompany, fund.DonorCompany, fund.DonorOrganization, fund.DonorGovernment}
	var income [4]int64
	var pools = map[string]int64{}
	var budgets [8]int64
	err := d.Tx(sys, func(tx *db.Tx) error {
		for i, k := range fund.DonationKinds {
			a, err := ledger.EnsureAccountTx(sys, tx, m.ID, fund.IncomeAccount(k), fund.KindIncome, m.Currency, k)
			if err != nil {
				return err
			}
			income[i] = a.ID
		}
		for _, r := range restrictions {
			a, err := ledger.EnsureAccountTx(sys, tx, m.ID, fund.PoolAccount(r), fund.KindPool, m.Currency, r.Key())
			if err != nil {
				return err
			}
			pools[r.Key()] = a.ID
		}
		for i := range budgets {
			a, err := ledger.EnsureAccountTx(sys, tx, m.ID, "program:"+strconv.Itoa(i+1)+":budget", "program_budget", m.Currency, "")
			if err != nil {
				return err
			}
			budgets[i] = a.ID
		}
		return nil
	})
	if err != nil {
		return err
	}
	for done := 0; done < entries; done += batch {
		n := min(batch, entries-done)
		err := d.Tx(sys, func(tx *db.Tx) error {
			ids, err := tx.NextIDs(ctx, "ledger_entries", n)
			if err != nil {
				return err
			}
			if err := audit.Append(sys, tx, audit.Entry{MemberID: m.ID, Action: "ledger.post", EntityType: "ledger_entry", EntityID: strconv.FormatInt(ids[0], 10),
				State: map[string]any{"entries": n, "first": ids[0]}}); err != nil {
				return err
			}
			var seq int64
			if err := tx.QueryRow(ctx, `SELECT MAX(seq) FROM audit_records`).Scan(&seq); err != nil {
				return err
			}
			type line struct {
				entry, account, amount int64
				at                     time.Time
			}
			lines := make([]line, 0, 2*n)
			mvs := make([]fund.Movement, n)
			ents := make([][]any, n)
			for i := range n {
				k := done + i
				at := start.Add(time.Duration(float64(span) * float64(k) / float64(entries))).UTC()
				r := restrictions[rng.IntN(len(restrictions))]
				amount := int64(1_000 + rng.IntN(500_000))
				mv := fund.Movement{MemberID: m.ID, EntryID: ids[i], AuditID: seq, At: at, Restriction: r, Currency: m.Currency, Amount: amount}
				kind := "fund.donation"
				if rng.IntN(10) == 0 {
					kind = "fund.allocation"
					p := rng.IntN(len(budgets))
					mv.Direction, mv.ProgramID, mv.CampaignID = "out", int64(p+1), r.CampaignID
					lines = append(lines, line{ids[i], pools[r.Key()], -amount, at}, line{ids[i], budgets[p], amount, at})
				} else {
					src := rng.IntN(len(fund.DonationKinds))
					mv.Direction, mv.SourceKind, mv.DonorKind = "in", fund.DonationKinds[src], donorKinds[rng.IntN(len(donorKinds))]
					lines = append(lines, line{ids[i], income[src], -amount, at}, line{ids[i], pools[r.Key()], amount, at})
				}
				mvs[i] = mv
				ents[i] = []any{ids[i], m.ID, at, kind, "bench", "", 0, at}
			}
			if _, err := tx.Insert(ctx, "ledger_entries", []string{"id", "member_id", "at", "kind", "ref", "memo", "actor_id", "created_at"}, db.RowsOf(ents)); err != nil {
				return err
			}
			i := 0
			if _, err := tx.Insert(ctx, "ledger_lines", []string{"entry_id", "member_id", "account_id", "currency", "amount", "at"}, db.RowsFunc(func() ([]any, error) {
				if i == len(lines) {
					return nil, nil
				}
				l := lines[i]
				i++
				return []any{l.entry, m.ID, l.account, m.Currency, l.amount, l.at}, nil
			})); err != nil {
				return err
			}
			return j.RecordTx(sys, tx, mvs...)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "\r%d/%d entries", done+n, entries)
	}
	fmt.Fprintln(os.Stderr)
	return d.AfterBulkWrite(ctx, "ledger_entries", "ledger_lines", "fund_public_journal", "fund_public_rollups", "fund_public_balances")
}
