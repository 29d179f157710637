// Command dedup-bench prints the deduplication figures of issue 6: quality
// (pairwise precision, recall, F1) against two baselines on a synthetic
// registry, speed and memory of a full run, and the p99 latency of the
// real-time check of one new registration.
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/synth"
)

func main() {
	n := flag.Int("n", 100_000, "records to generate")
	quality := flag.Bool("quality", true, "print precision, recall and F1 next to the baselines")
	checks := flag.Int("checks", 0, "real-time checks to time (0 for none)")
	seed := flag.Uint64("seed", 1, "generator seed")
	hard := flag.Bool("hard", false, "the generator's hardest mix (every duplicate a typo, swapped day and month, no grandfather, a compound name split or joined, Latin only or another household)")
	missed := flag.Bool("missed", false, "print the missed pairs by variation kind and by cause (not compared, scored too low, sent to review)")
	verbose := flag.Bool("v", false, "print the model and some errors")
	modelOut := flag.String("model-out", "", "write the estimated model to this JSON file")
	csvOut := flag.String("csv", "", "only write the generated persons to this CSV file (the columns tadamun dedup --persons reads)")
	flag.Parse()
	ctx := context.Background()
	if *csvOut != "" {
		if err := writeCSV(*csvOut, synth.Generate(synth.Config{Records: *n, Seed: *seed, Hard: *hard})); err != nil {
			log.Fatal(err)
		}
		return
	}

	t := time.Now()
	data := synth.Generate(synth.Config{Records: *n, Seed: *seed, Hard: *hard})
	gen := time.Since(t)
	runtime.GC()
	fmt.Printf("generated %d records in %.1fs (planted: %v)\n", len(data.Records), gen.Seconds(), data.Plants)

	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	t = time.Now()
	res, err := dedup.Run(ctx, data.Records, dedup.Options{CallingCode: "962"})
	if err != nil {
		log.Fatal(err)
	}
	wall := time.Since(t)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	st := res.Stats
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	fmt.Printf("dedup of %d records: wall %.2fs on %d cores (CPU time %.1fs over %d cores; wall grows when other jobs share them), compared pairs %d (%.1f per record), peak RSS %d MB\n",
		st.Records, wall.Seconds(), runtime.GOMAXPROCS(0), cpu.Seconds(), runtime.GOMAXPROCS(0), st.Compared, float64(st.Compared)/float64(max(st.Records, 1)), ru.Maxrss/1024)
	fmt.Printf("  stages: prepare %.2fs, compare %.2fs, estimate %.2fs, score %.2fs, cluster %.2fs\n",
		st.Times["prepare"].Seconds(), st.Times["compare"].Seconds(), st.Times["estimate"].Seconds(), st.Times["score"].Seconds(), st.Times["cluster"].Seconds())
	fmt.Printf("  by rule: %v; oversized blocks skipped: %d\n", st.ByRule, st.DroppedBlocks)
	fmt.Printf("  likely pairs %d, possible (review) %d, groups %d, EM iterations %d, lambda %.4f\n",
		st.Likely, st.Possible, st.Groups, res.Model.EMIterations, res.Model.Lambda)

	if *modelOut != "" {
		b, err := json.MarshalIndent(res.Model, "", "  ")
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*modelOut, append(b, '\n'), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	if *verbose {
		for f := dedup.Field(0); f < dedup.NFields; f++ {
			fmt.Printf("  %-12s", f)
			for l := 1; l < len(res.Model.Fields[f].Levels); l++ {
				fmt.Printf(" %s=%.2f", dedup.LevelName(f, uint8(l)), res.Model.Weight(f, uint8(l)))
			}
			fmt.Println()
		}
	}
	if *quality {
		q := synth.Score(data.Truth, res.Groups)
		b1 := synth.Score(data.Truth, synth.BaselineID(data.Records))
		b2 := synth.Score(data.Truth, synth.BaselineNameDate(data.Records))
		fmt.Printf("quality on %d records (%d true duplicate pairs):\n", len(data.Records), q.TruePairs)
		fmt.Printf("  %-28s %9s %9s %9s\n", "method", "precision", "recall", "F1")
		for _, row := range []struct {
			name string
			q    synth.Quality
		}{{"tadamun dedup", q}, {"baseline: exact national ID", b1}, {"baseline: exact name + date", b2}} {
			fmt.Printf("  %-28s %9.4f %9.4f %9.4f\n", row.name, row.q.Precision, row.q.Recall, row.q.F1)
		}
		if *missed {
			printMissed(data, res)
		}
		if *verbose {
			printErrors(data, res)
		}
	}
	if *checks > 0 {
		check(ctx, data, res, *checks, *seed)
	}
}

// check times real-time checks of new registrations: duplicates of
// registered persons generated anew, against the index of the run.
func check(ctx context.Context, data *synth.Data, res *dedup.Result, n int, seed uint64) {
	fresh := synth.Generate(synth.Config{Records: n, Seed: seed + 1000})
	lat := make([]time.Duration, 0, n)
	found := 0
	for i := range fresh.Records {
		r := fresh.Records[i]
		if i%2 == 0 { // half are re-registrations of known persons
			r = data.Records[(i*7919)%len(data.Records)]
			r.NationalID = ""
		}
		t := time.Now()
		ms, err := res.Index.Check(ctx, r)
		lat = append(lat, time.Since(t))
		if err != nil {
			log.Fatal(err)
		}
		if len(ms) > 0 {
			found++
		}
	}
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	fmt.Printf("real-time check against %d records: %d checks, p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d with a match)\n",
		res.Index.Len(), n, p(0.5), p(0.99), p(1), found)
}

func printErrors(data *synth.Data, res *dedup.Result) {
	group := map[int]int{}
	for gi, g := range res.Groups {
		for _, i := range g {
			group[i] = gi + 1
		}
	}
	fp, fn := 0, 0
	for _, g := range res.Groups {
		for x := range g {
			for y := x + 1; y < len(g); y++ {
				if data.Truth[g[x]] != data.Truth[g[y]] && fp < 15 {
					fp++
					show("FALSE MERGE", data, res, g[x], g[y])
				}
			}
		}
	}
	byTruth := map[int][]int{}
	for i, t := range data.Truth {
		byTruth[t] = append(byTruth[t], i)
	}
	for _, ms := range byTruth {
		for x := range ms {
			for y := x + 1; y < len(ms); y++ {
				a, b := ms[x], ms[y]
				if (group[a] == 0 || group[a] != group[b]) && fn < 25 {
					fn++
					show("MISSED", data, res, a, b)
				}
			}
		}
	}
}

func show(what string, data *synth.Data, res *dedup.Result, a, b int) {
	ra, rb := data.Records[a], data.Records[b]
	fmt.Fprintf(os.Stdout, "%s\n  %s | %s | %d-%d-%d | %s | %s | %s\n  %s | %s | %d-%d-%d | %s | %s | %s\n", what,
		ra.Name(), ra.Latin, ra.BirthYear, ra.BirthMonth, ra.BirthDay, ra.NationalID, ra.Phone, ra.Area,
		rb.Name(), rb.Latin, rb.BirthYear, rb.BirthMonth, rb.BirthDay, rb.NationalID, rb.Phone, rb.Area)
	for _, p := range res.Pairs {
		if p.A == min(a, b) && p.B == max(a, b) {
			e := res.Explain(p)
			fmt.Printf("  weight %.1f class %s vetoes %v:", e.Weight, e.Class, e.Vetoes)
			for _, f := range e.Fields {
				fmt.Printf(" %s=%s(%.1f%+.1f)", f.Field, f.Level, f.Weight, f.TF)
			}
			fmt.Println()
			return
		}
	}
	fmt.Println("  (not a kept candidate pair)")
}

func writeCSV(path string, data *synth.Data) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	w.Write([]string{"id", "member_ref", "household_ref", "first_name", "father_name", "grandfather_name", "family_name",
		"name_latin", "sex", "birth_date", "national_id", "phone", "area", "truth"})
	for i, r := range data.Records {
		bd := ""
		if r.BirthYear != 0 {
			bd = fmt.Sprint(r.BirthYear)
			if r.BirthMonth != 0 {
				bd = fmt.Sprintf("%04d-%02d-%02d", r.BirthYear, r.BirthMonth, r.BirthDay)
			}
		}
		sex := ""
		if r.Sex != 0 {
			sex = string(rune(r.Sex))
		}
		w.Write([]string{fmt.Sprint(r.ID), r.Ref, r.Household, r.First, r.Father, r.Grandfather, r.Family, r.Latin, sex, bd,
			r.NationalID, r.Phone, r.Area, fmt.Sprint(data.Truth[i])})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return f.Close()
}

// printMissed counts the true pairs not in one group by the variations
// their records carry, and by cause: never compared (blocking), compared
// but scored below review, sent to review, or scored likely yet kept apart
// (a veto or the group's cohesion).
func printMissed(data *synth.Data, res *dedup.Result) {
	group := map[int]int{}
	for gi, g := range res.Groups {
		for _, i := range g {
			group[i] = gi + 1
		}
	}
	byTruth := map[int][]int{}
	for i, t := range data.Truth {
		byTruth[t] = append(byTruth[t], i)
	}
	names := synth.KindNames()
	causes := []string{"not_compared", "below_review", "review", "likely_kept_apart"}
	var total [4]int
	per := make([][4]int, len(names))
	all := make([]int, len(names))
	pairs := 0
	for _, ms := range byTruth {
		for x := range ms {
			for y := x + 1; y < len(ms); y++ {
				a, b := ms[x], ms[y]
				k := data.Kinds[a] | data.Kinds[b]
				pairs++
				for i := range names {
					if k&(1<<i) != 0 {
						all[i]++
					}
				}
				if group[a] != 0 && group[a] == group[b] {
					continue
				}
				compared, _, class := res.Index.Candidate(a, b)
				c := 0
				switch {
				case !compared:
				case class == dedup.Unlikely:
					c = 1
				case class == dedup.Possible:
					c = 2
				default:
					c = 3
				}
				total[c]++
				for i := range names {
					if k&(1<<i) != 0 {
						per[i][c]++
					}
				}
			}
		}
	}
	fmt.Printf("missed pairs by cause: ")
	for c, n := range causes {
		fmt.Printf(" %s %d", n, total[c])
	}
	fmt.Printf(" (of %d true pairs)\n", pairs)
	fmt.Printf("  %-22s %8s %8s %13s %13s %8s %8s\n", "variation", "pairs", "missed", causes[0], causes[1], causes[2], "kept_apart")
	for i, n := range names {
		m := per[i][0] + per[i][1] + per[i][2] + per[i][3]
		fmt.Printf("  %-22s %8d %8d %13d %13d %8d %8d\n", n, all[i], m, per[i][0], per[i][1], per[i][2], per[i][3])
	}
}
