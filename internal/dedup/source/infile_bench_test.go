package source_test

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/dedup/synth"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// inFileN sizes TestInFileQualityAndCost: go test -run TestInFileQualityAndCost
// -infile=100000 ./internal/dedup/source/ (0 skips it).
var inFileN = flag.Int("infile", 0, "persons of TestInFileQualityAndCost's import (0 skips it)")

// synthFiles writes n synthetic persons (synth.Generate: 10% registered
// twice or three times, typos, hamza, swapped dates, missing grandfather,
// compound names, Latin-only, changed households) as an import's files,
// one household per household reference, its first person the head. It
// returns each members row's planted person.
func synthFiles(n int) (households, members string, truth map[int]int) {
	data := synth.Generate(synth.Config{Records: n, Seed: 15})
	var hb, mb strings.Builder
	hb.WriteString("household_ref\n")
	mb.WriteString("household_ref,member_ref,relationship,first_name,father_name,grandfather_name,family_name,name_latin,sex,birth_date,national_id,phone\n")
	seen := map[string]bool{}
	truth = map[int]int{}
	row := 1
	for i, r := range data.Records {
		rel := "other"
		if !seen[r.Household] {
			seen[r.Household] = true
			rel = "head"
			fmt.Fprintf(&hb, "%s\n", r.Household)
		}
		sex := map[dedup.Sex]string{dedup.Male: "male", dedup.Female: "female"}[r.Sex]
		if sex == "" {
			sex = "male" // the import needs a sex; synth leaves a few out
		}
		birth := ""
		switch {
		case r.BirthMonth > 0:
			birth = fmt.Sprintf("%04d-%02d-%02d", r.BirthYear, r.BirthMonth, r.BirthDay)
		case r.BirthYear > 0:
			birth = fmt.Sprintf("%04d-01-01", r.BirthYear) // the import takes full dates
		}
		first := r.First
		if first == "" && r.Latin != "" {
			first = strings.Fields(r.Latin)[0] // the import needs a first name
		}
		row++
		truth[row] = data.Truth[i]
		fmt.Fprintf(&mb, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", r.Household, r.Ref, rel, first, r.Father, r.Grandfather, r.Family,
			r.Latin, sex, birth, r.NationalID, r.Phone)
	}
	return hb.String(), mb.String(), truth
}

// spyIndex records every in-file pair the import is told of (the import's
// report keeps the first 10,000 lines).
type spyIndex struct {
	registry.FileDuplicateIndex
	mu    sync.Mutex
	pairs map[[2]int]string // (row, earlier row) → class
}

func (s *spyIndex) InFile(ctx context.Context, m int64) (registry.FileDuplicates, error) {
	f, err := s.FileDuplicateIndex.InFile(ctx, m)
	return spyFile{f, s}, err
}

type spyFile struct {
	registry.FileDuplicates
	s *spyIndex
}

func (f spyFile) CheckAdd(ctx context.Context, p registry.Person, file string, row int) ([]registry.Duplicate, error) {
	ds, err := f.FileDuplicates.CheckAdd(ctx, p, file, row)
	f.s.mu.Lock()
	for _, d := range ds {
		f.s.pairs[[2]int{row, d.Row}] = d.Class
	}
	f.s.mu.Unlock()
	return ds, err
}

// registryOnly is the duplicate index without the in-file check.
type registryOnly struct{ registry.DuplicateIndex }

// TestInFileQualityAndCost imports -infile synthetic persons into an empty
// registry twice, with and without the in-file check, and reports the
// precision and recall of the pairs found inside the file against the
// planted ones, and the cost of the check.
func TestInFileQualityAndCost(t *testing.T) {
	if *inFileN == 0 {
		t.Skip("-infile=N sets the size")
	}
	households, members, truth := synthFiles(*inFileN)
	d := dbtest.Open(t, db.SQLite)
	// After every planted birth date (a year off by one reaches 2026).
	d.SetClock(calendar.NewManual(time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC)).Clock())
	checker := source.NewChecker(d)
	spy := &spyIndex{FileDuplicateIndex: source.Index(checker).(registry.FileDuplicateIndex), pairs: map[[2]int]string{}}
	run := func(name string, idx registry.DuplicateIndex) time.Duration {
		mm, err := member.New(d).Create(actor.System(context.Background()), member.Member{Code: name, NameAR: name, NameEN: name, Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
		if err != nil {
			t.Fatal(err)
		}
		m := mm.ID
		reg := registry.NewWith(d, registry.Options{Duplicates: idx})
		start := time.Now()
		b, err := reg.ImportCSV(actor.With(context.Background(), actor.Actor{UserID: 5, MemberID: m, Roles: []actor.Role{actor.Registrar}}), m, "households.csv", strings.NewReader(households), "members.csv", strings.NewReader(members),
			registry.ImportOptions{ConfirmDuplicates: true})
		el := time.Since(start)
		if err != nil {
			fs := registry.Failures(err)
			keys := map[string]int{}
			for _, f := range fs {
				keys[f.Key]++
			}
			t.Fatalf("%s: %d problems: %v, first %+v", name, len(fs), keys, fs[:min(3, len(fs))])
		}
		t.Logf("%s: %d persons in %.2fs (%.0f/s), %d duplicates reported", name, b.PersonsNew, el.Seconds(), float64(b.PersonsNew)/el.Seconds(), b.DuplicatesFound)
		return el
	}
	without := run("LB", registryOnly{source.Index(checker)})
	with := run("MA", spy)
	without2 := run("TN", registryOnly{source.Index(checker)})
	t.Logf("in-file check: %.2fs against %.2fs and %.2fs without: ratio %.2f", with.Seconds(), without.Seconds(), without2.Seconds(),
		with.Seconds()/((without.Seconds()+without2.Seconds())/2))

	// The file index's own memory and time, over the same persons.
	recs, err := source.CSV("members.csv", strings.NewReader(members))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := dedup.Build(context.Background(), nil, dedup.Options{CallingCode: "962", Model: dedup.DefaultModel()})
	if err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	f := ix.NewFileIndex()
	start := time.Now()
	for _, r := range recs {
		if _, err := f.CheckAdd(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	el := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	t.Logf("file index alone: %d persons in %.2fs (%.1f µs each), %.1f MB held (%.0f bytes a person)", f.Len(), el.Seconds(),
		float64(el.Microseconds())/float64(f.Len()), float64(m1.HeapAlloc-m0.HeapAlloc)/1e6, float64(m1.HeapAlloc-m0.HeapAlloc)/float64(f.Len()))
	runtime.KeepAlive(f)

	// The planted pairs: every two rows of one person.
	rows := map[int][]int{}
	for r, e := range truth {
		rows[e] = append(rows[e], r)
	}
	planted := 0
	for _, rs := range rows {
		planted += len(rs) * (len(rs) - 1) / 2
	}
	for _, classes := range [][]string{{"likely"}, {"likely", "possible"}} {
		found, right := 0, 0
		for p, c := range spy.pairs {
			if !contains(classes, c) {
				continue
			}
			found++
			if truth[p[0]] == truth[p[1]] {
				right++
			}
		}
		prec, rec := float64(right)/float64(max(found, 1)), float64(right)/float64(max(planted, 1))
		t.Logf("%s: %d pairs found, %d right, %d planted: precision %.4f, recall %.4f, F1 %.4f", strings.Join(classes, "+"),
			found, right, planted, prec, rec, 2*prec*rec/(prec+rec))
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
