package registry

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/member"
)

// The import benchmarks read households.csv and members.csv from
// TADAMUN_BENCH_REGISTRY_DIR (bench/registry/run.sh writes them with
// bench/registry/gen) and skip without it. TADAMUN_BENCH_ENGINE picks one
// engine ("sqlite" or "postgres"; default both that are configured), so
// that run.sh can measure each in its own process for peak memory.

func benchDir(b *testing.B) string {
	dir := os.Getenv("TADAMUN_BENCH_REGISTRY_DIR")
	if dir == "" {
		b.Skip("TADAMUN_BENCH_REGISTRY_DIR is not set (see bench/registry/run.sh)")
	}
	return dir
}

func benchEngines() []db.Dialect {
	if e := os.Getenv("TADAMUN_BENCH_ENGINE"); e != "" {
		return []db.Dialect{db.Dialect(e)}
	}
	return dbtest.Dialects()
}

func benchMember(b *testing.B, d *db.DB) int64 {
	m, err := member.New(d).Create(actor.System(context.Background()), member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
	if err != nil {
		b.Fatal(err)
	}
	return m.ID
}

// peakRSS returns the process's peak resident set in MiB (Linux), or 0.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

func countRows(b *testing.B, path string) int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	n := -1
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
	}
	return n
}

// BenchmarkImport imports the generated registry into a fresh database,
// then measures name searches over it (p50-ms, p99-ms).
func BenchmarkImport(b *testing.B) {
	dir := benchDir(b)
	persons := countRows(b, filepath.Join(dir, "members.csv"))
	for _, dl := range benchEngines() {
		b.Run(string(dl), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				d := dbtest.Open(b, dl)
				ctx := actor.System(context.Background())
				memberID := benchMember(b, d)
				hf, _ := os.Open(filepath.Join(dir, "households.csv"))
				mf, _ := os.Open(filepath.Join(dir, "members.csv"))
				s := New(d)
				b.StartTimer()
				start := time.Now()
				batch, err := s.ImportCSV(ctx, memberID, "households.csv", hf, "members.csv", mf, ImportOptions{})
				el := time.Since(start)
				b.StopTimer()
				hf.Close()
				mf.Close()
				if err != nil {
					b.Fatal(err)
				}
				if batch.PersonsNew != persons {
					b.Fatalf("imported %d persons, want %d", batch.PersonsNew, persons)
				}
				b.ReportMetric(float64(persons)/el.Seconds(), "persons/s")
				b.ReportMetric(peakRSS(), "peak-rss-MiB")
				p50, p99 := searchLatencies(b, s, d, memberID)
				b.ReportMetric(p50, "search-p50-ms")
				b.ReportMetric(p99, "search-p99-ms")
				b.StartTimer()
			}
		})
	}
}

// searchLatencies runs 1,000 searches of the kinds people type — first and
// family name, three name parts, one family name, a Latin name, a national
// ID — built from stored persons, and returns p50 and p99 in milliseconds.
func searchLatencies(b *testing.B, s *Service, d *db.DB, memberID int64) (p50, p99 float64) {
	ctx := actor.System(context.Background())
	rows, err := d.Query(ctx, `SELECT first_name, father_name, family_name, name_latin, national_id FROM persons WHERE member_id = ? AND id % 997 = 3 LIMIT 1000`, memberID)
	if err != nil {
		b.Fatal(err)
	}
	var queries, kinds []string
	r := rand.New(rand.NewPCG(1, 2))
	for rows.Next() {
		var first, father, fam, latin, nid string
		if err := rows.Scan(&first, &father, &fam, &latin, &nid); err != nil {
			b.Fatal(err)
		}
		q, kind := first+" "+fam, "first+family"
		switch k := r.IntN(10); {
		case k < 4:
		case k < 6:
			q, kind = first+" "+father+" "+fam, "first+father+family"
		case k < 7:
			q, kind = fam, "family"
		case k < 8 && latin != "":
			q, kind = latin, "latin"
		case k >= 8 && nid != "":
			q, kind = nid, "national-id"
		}
		queries, kinds = append(queries, q), append(kinds, kind)
	}
	rows.Close()
	lat := make([]float64, 0, len(queries))
	byKind := map[string][]float64{}
	found := 0
	for i, q := range queries {
		t := time.Now()
		page, err := s.Search(ctx, Query{MemberID: memberID, Text: q, Limit: 50})
		ms := float64(time.Since(t).Microseconds()) / 1000
		lat = append(lat, ms)
		byKind[kinds[i]] = append(byKind[kinds[i]], ms)
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Persons) > 0 {
			found++
		}
	}
	if found != len(queries) {
		b.Errorf("%d of %d searches for stored persons found nobody", len(queries)-found, len(queries))
	}
	for k, l := range byKind {
		slices.Sort(l)
		b.Logf("search %-20s n=%4d p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms", k, len(l), l[len(l)/2], l[len(l)*99/100], l[len(l)-1])
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[len(lat)*99/100]
}

// BenchmarkRawInsert is the engine's raw bulk path for the same rows, the
// baseline of BenchmarkImport: the CSV read with encoding/csv, no
// validation, history or audit, but the same rows written — households,
// persons with their keys, and the persons' name tokens that search reads;
// SQLite one prepared insert per row in one transaction, PostgreSQL COPY.
func BenchmarkRawInsert(b *testing.B) {
	dir := benchDir(b)
	persons := countRows(b, filepath.Join(dir, "members.csv"))
	for _, dl := range benchEngines() {
		b.Run(string(dl), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				d := dbtest.Open(b, dl)
				memberID := benchMember(b, d)
				b.StartTimer()
				start := time.Now()
				var err error
				if dl == db.Postgres {
					err = rawCopy(d, dir, memberID)
				} else {
					err = rawSQLite(d, dir, memberID)
				}
				el := time.Since(start)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(persons)/el.Seconds(), "persons/s")
				b.ReportMetric(peakRSS(), "peak-rss-MiB")
				b.StartTimer()
			}
		})
	}
}

// rawRows reads a CSV file and calls fn with each data row.
func rawRows(path string, fn func(rec []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReaderSize(f, 64<<10))
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil {
		return err
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

func atoiOr0(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

func rawHousehold(rec []string, memberID, id int64, now time.Time) []any {
	return []any{id, memberID, rec[0], rec[1], rec[2], rec[3], "", rec[4], atoiOr0(rec[5]), rec[6], rec[7], int64(1), rec[9], atoiOr0(rec[10]) * 1000,
		now.Format(time.DateOnly), "import", "{}", int64(1), now, now}
}

var rawHouseholdCols = []string{"id", "member_id", "household_ref", "governorate", "district", "locality", "address", "dwelling_type", "rooms",
	"water_source", "sanitation", "electricity", "assets", "monthly_income", "registered_on", "source", "attrs", "version", "created_at", "updated_at"}

// rawPerson maps a members.csv row to id and personColumns: the same row
// the import stores, keys included, without validation.
func rawPerson(rec []string, memberID, id, householdID int64, now time.Time) []any {
	full := joinNonEmpty(rec[3], rec[4], rec[5], rec[6])
	return []any{id, memberID, householdID, rec[1], rec[2], rec[3], rec[4], rec[5], rec[6], rec[7], rec[8], rec[9], rec[10], "national_id", rec[11],
		atoiOr0(rec[12]), atoiOr0(rec[13]), atoiOr0(rec[14]), atoiOr0(rec[15]), atoiOr0(rec[16]), atoiOr0(rec[17]), int64(0),
		rec[18], rec[19], rec[20], atoiOr0(rec[21]) * 1000, rec[22], int64(0), "{}",
		arabic.NameKey(full), arabic.FamilyKey(rec[6]), arabic.Translit(full), idKey(rec[10]), arabic.PhoneKey(rec[11], "962"), nil, int64(1), now, now}
}

func rawSQLite(d *db.DB, dir string, memberID int64) error {
	ctx := context.Background()
	now := time.Now().UTC()
	return d.Tx(ctx, func(tx *db.Tx) error {
		hs, err := tx.Prepare(ctx, `INSERT INTO households (`+strings.Join(rawHouseholdCols, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(rawHouseholdCols)-1)+`)`)
		if err != nil {
			return err
		}
		defer hs.Close()
		ids := map[string]int64{}
		var id int64
		if err := rawRows(filepath.Join(dir, "households.csv"), func(rec []string) error {
			id++
			ids[rec[0]] = id
			_, err := hs.ExecContext(ctx, rawHousehold(rec, memberID, id, now)...)
			return err
		}); err != nil {
			return err
		}
		cols := append([]string{"id"}, personColumns...)
		ps, err := tx.Prepare(ctx, `INSERT INTO persons (`+strings.Join(cols, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(cols)-1)+`)`)
		if err != nil {
			return err
		}
		defer ps.Close()
		ns, err := tx.Prepare(ctx, `INSERT INTO person_names (member_id, token, person_id) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ns.Close()
		var pid int64
		var toks []string
		return rawRows(filepath.Join(dir, "members.csv"), func(rec []string) error {
			pid++
			if _, err := ps.ExecContext(ctx, rawPerson(rec, memberID, pid, ids[rec[0]], now)...); err != nil {
				return err
			}
			toks = rawTokens(rec, toks[:0])
			for _, t := range toks {
				if _, err := ns.ExecContext(ctx, memberID, t, pid); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func rawCopy(d *db.DB, dir string, memberID int64) error {
	ctx := context.Background()
	now := time.Now().UTC()
	return d.Tx(ctx, func(tx *db.Tx) error {
		ids := map[string]int64{}
		var id int64
		if err := copyRows(ctx, tx, "households", rawHouseholdCols, filepath.Join(dir, "households.csv"), func(rec []string) []any {
			id++
			ids[rec[0]] = id
			return rawHousehold(rec, memberID, id, now)
		}); err != nil {
			return err
		}
		// Persons, then their name tokens, a block at a time: one
		// connection carries one COPY at a time.
		var pid int64
		var block [][]string
		var names [][]any
		var toks []string
		flush := func() error {
			if len(block) == 0 {
				return nil
			}
			rows := make([][]any, len(block))
			names = names[:0]
			for i, rec := range block {
				pid++
				rows[i] = rawPerson(rec, memberID, pid, ids[rec[0]], now)
				toks = rawTokens(rec, toks[:0])
				for _, t := range toks {
					names = append(names, []any{memberID, t, pid})
				}
			}
			if _, err := tx.Insert(ctx, "persons", append([]string{"id"}, personColumns...), db.RowsOf(rows)); err != nil {
				return err
			}
			if _, err := tx.Insert(ctx, "person_names", []string{"member_id", "token", "person_id"}, db.RowsOf(names)); err != nil {
				return err
			}
			block = block[:0]
			return nil
		}
		if err := rawRows(filepath.Join(dir, "members.csv"), func(rec []string) error {
			block = append(block, slices.Clone(rec))
			if len(block) == 20000 {
				return flush()
			}
			return nil
		}); err != nil {
			return err
		}
		return flush()
	})
}

// rawTokens appends the name tokens the import stores for a members.csv row.
func rawTokens(rec []string, dst []string) []string {
	p := Person{FirstName: rec[3], FatherName: rec[4], GrandfatherName: rec[5], FamilyName: rec[6], NameLatin: rec[7]}
	return p.nameTokens(dst)
}

// copyRows streams a CSV file into table with COPY.
func copyRows(ctx context.Context, tx *db.Tx, table string, cols []string, path string, row func(rec []string) []any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReaderSize(f, 64<<10))
	if _, err := cr.Read(); err != nil {
		return err
	}
	var vals []any
	var rerr error
	src := db.RowsFunc(func() ([]any, error) {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			rerr = err
			return nil, err
		}
		vals = row(rec)
		return vals, nil
	})
	if _, err := tx.Insert(ctx, table, cols, src); err != nil {
		return err
	}
	return rerr
}

// BenchmarkSearchExisting measures name search over an already imported
// registry (member 1), to tune search without importing again, and to
// measure it at sizes a test cannot import (bench/scale/pg.sh: 10 million
// persons): TADAMUN_BENCH_REGISTRY_DB is a SQLite file or a postgres://
// URL (TADAMUN_BENCH_REGISTRY_SQLITE, its old name, still works). Beside
// it, in the same run, the baseline: a person read by primary key
// (base-p50-ms, base-p99-ms), the cheapest indexed read the engine does.
func BenchmarkSearchExisting(b *testing.B) {
	dsn := cmp.Or(os.Getenv("TADAMUN_BENCH_REGISTRY_DB"), os.Getenv("TADAMUN_BENCH_REGISTRY_SQLITE"))
	if dsn == "" {
		b.Skip("TADAMUN_BENCH_REGISTRY_DB is not set")
	}
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	for range b.N {
		p50, p99 := searchLatencies(b, New(d), d, 1)
		b.ReportMetric(p50, "search-p50-ms")
		b.ReportMetric(p99, "search-p99-ms")
		p50, p99 = lookupLatencies(b, d, 1)
		b.ReportMetric(p50, "base-p50-ms")
		b.ReportMetric(p99, "base-p99-ms")
	}
}

// lookupLatencies reads 1,000 of member's persons one by one by primary
// key and returns p50 and p99 in milliseconds: the baseline of search.
func lookupLatencies(b *testing.B, d *db.DB, memberID int64) (p50, p99 float64) {
	ctx := context.Background()
	var max int64
	if err := d.QueryRow(ctx, `SELECT MAX(id) FROM persons WHERE member_id = ?`, memberID).Scan(&max); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	lat := make([]float64, 0, 1000)
	for range 1000 {
		var name string
		t := time.Now()
		err := d.QueryRow(ctx, `SELECT first_name FROM persons WHERE id = ?`, 1+r.Int64N(max)).Scan(&name)
		lat = append(lat, float64(time.Since(t).Microseconds())/1000)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			b.Fatal(err)
		}
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[len(lat)*99/100]
}
