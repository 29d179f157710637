// Command crossborder-bench prints the cross-border duplicate figures of
// issue 19 item 2: the generator's persons split in two members with
// planted cross-border duplicates, encoded under each hardening, compared
// by the hub; precision and recall against the planted truth and against
// the pairs the registry's own dedup engine finds in the clear, next to a
// clear-text baseline with the same blocking (bigram Dice on the clear
// keys); and, with -big, the time and peak memory of encoding and
// comparing two members of -n persons each.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/pprl"
	"github.com/tadamun/tadamun/internal/dedup/synth"
)

type split struct {
	a, b   []dedup.Record
	ea, eb []int
	truth  map[[2]int]bool
}

// makeSplit generates 2n records (duplicates included) and splits them:
// each person's first record to one member by turn, the later copies to
// the other, so every planted duplicate of a person is cross-border.
func makeSplit(n int, seed uint64) *split {
	d := synth.Generate(synth.Config{Records: 2 * n, Seed: seed, DupRate: 0.2})
	s := &split{truth: map[[2]int]bool{}}
	first := map[int]bool{}
	for i, r := range d.Records {
		inA, ok := first[d.Truth[i]]
		if !ok {
			inA = i%2 == 0
			first[d.Truth[i]] = inA
		} else {
			inA = !inA
		}
		if inA {
			s.a, s.ea = append(s.a, r), append(s.ea, d.Truth[i])
		} else {
			s.b, s.eb = append(s.b, r), append(s.eb, d.Truth[i])
		}
	}
	inB := map[int][]int{}
	for j, e := range s.eb {
		inB[e] = append(inB[e], j)
	}
	for i, e := range s.ea {
		for _, j := range inB[e] {
			s.truth[[2]int{i, j}] = true
		}
	}
	return s
}

func rss() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss / 1024
}

func encode(member string, sec pprl.Secret, h pprl.Hardening, rs []dedup.Record, w io.Writer) error {
	e := pprl.NewEncoder(sec, h)
	pw, err := pprl.NewWriter(w, pprl.Header{Member: member, Check: sec.Check(), Created: time.Now().UTC().Format(time.RFC3339)}, h)
	if err != nil {
		return err
	}
	for i, r := range rs {
		var t pprl.Token
		t[0], t[1], t[2], t[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
		enc := e.Encode(pprl.FromRecord(r))
		if err := pw.Write(t, &enc); err != nil {
			return err
		}
	}
	return pw.Close()
}

type pair struct {
	a, b  int
	score float64
}

func quality(ps []pair, thr float64, ref map[[2]int]bool) (p, r float64, n int) {
	correct := 0
	for _, x := range ps {
		if x.score >= thr {
			n++
			if ref[[2]int{x.a, x.b}] {
				correct++
			}
		}
	}
	if n > 0 {
		p = float64(correct) / float64(n)
	}
	if len(ref) > 0 {
		r = float64(correct) / float64(len(ref))
	}
	return p, r, n
}

// clearBaseline compares the clear keys with the same blocking: bigram
// sets per field, Dice over all fields' bigrams.
func clearBaseline(sp *split, minThr float64, maxBlock int) ([]pair, int64) {
	type rec struct {
		grams []uint64
		keys  [pprl.NKeys]uint64
	}
	prep := func(rs []dedup.Record) []rec {
		out := make([]rec, len(rs))
		for i, r := range rs {
			c := pprl.Prepare(pprl.FromRecord(r))
			for f, v := range c.Fields {
				if v == "" {
					continue
				}
				for _, g := range pprl.Bigrams(v) {
					h := fnv.New64a()
					fmt.Fprintf(h, "%d|%s", f, g)
					out[i].grams = append(out[i].grams, h.Sum64())
				}
			}
			slices.Sort(out[i].grams)
			out[i].grams = slices.Compact(out[i].grams)
			for k, b := range c.Block {
				if b != "" {
					h := fnv.New64a()
					h.Write([]byte(b))
					out[i].keys[k] = h.Sum64() | 1
				}
			}
		}
		return out
	}
	ra, rb := prep(sp.a), prep(sp.b)
	var out []pair
	var compared int64
	for s := 0; s < pprl.NKeys; s++ {
		idx := map[uint64][]int{}
		for j := range rb {
			if k := rb[j].keys[s]; k != 0 {
				idx[k] = append(idx[k], j)
			}
		}
		cntA := map[uint64]int{}
		for i := range ra {
			cntA[ra[i].keys[s]]++
		}
		for i := range ra {
			k := ra[i].keys[s]
			if k == 0 || cntA[k] > maxBlock || len(idx[k]) > maxBlock {
				continue
			}
			for _, j := range idx[k] {
				shared := false
				for t := 0; t < s; t++ {
					if ra[i].keys[t] != 0 && ra[i].keys[t] == rb[j].keys[t] && cntA[ra[i].keys[t]] <= maxBlock {
						shared = true
					}
				}
				if shared {
					continue
				}
				compared++
				x, y := ra[i].grams, rb[j].grams
				inter, p, q := 0, 0, 0
				for p < len(x) && q < len(y) {
					switch {
					case x[p] == y[q]:
						inter++
						p++
						q++
					case x[p] < y[q]:
						p++
					default:
						q++
					}
				}
				if d := 2 * float64(inter) / float64(len(x)+len(y)); d >= minThr {
					out = append(out, pair{i, j, d})
				}
			}
		}
	}
	return out, compared
}

func main() {
	n := flag.Int("n", 100_000, "persons per member (duplicates included)")
	seed := flag.Uint64("seed", 1, "generator seed")
	big := flag.Bool("big", false, "only time and memory of the default hardening (encode both members to files in -dir, then compare them)")
	dir := flag.String("dir", os.TempDir(), "where -big writes the two encoding files")
	phase := flag.String("phase", "", "with -big: encode or compare only (run each in its own process for its own peak memory)")
	thresholds := flag.String("thresholds", "0.75,0.80,0.85,0.88,0.90", "Dice thresholds of the quality table")
	flag.Parse()
	ctx := context.Background()
	sec := pprl.DemoSecret()
	if *big {
		runBig(ctx, *n, *seed, sec, *dir, *phase)
		return
	}
	t := time.Now()
	sp := makeSplit(*n, *seed)
	fmt.Printf("generated %d + %d persons in %.1fs; planted cross-border pairs %d\n", len(sp.a), len(sp.b), time.Since(t).Seconds(), len(sp.truth))

	// The registry's own dedup engine on both members' persons in the
	// clear: its cross-member pairs (Likely or Possible) are the pairs
	// "matched in the clear".
	t = time.Now()
	all := append(append([]dedup.Record{}, sp.a...), sp.b...)
	for i := range all {
		all[i].ID = int64(i + 1)
	}
	res, err := dedup.Run(ctx, all, dedup.Options{CallingCode: "962"})
	if err != nil {
		log.Fatal(err)
	}
	clearPairs := map[[2]int]bool{}
	for _, p := range res.Pairs {
		a, b := p.A, p.B
		if a < len(sp.a) && b >= len(sp.a) {
			clearPairs[[2]int{a, b - len(sp.a)}] = true
		}
	}
	cc := 0
	for k := range clearPairs {
		if sp.truth[k] {
			cc++
		}
	}
	fmt.Printf("dedup in the clear (the registry's engine, Likely+Possible): %d cross-member pairs, %d of them planted (precision %.3f, recall %.3f) in %.1fs\n\n",
		len(clearPairs), cc, float64(cc)/float64(max(len(clearPairs), 1)), float64(cc)/float64(len(sp.truth)), time.Since(t).Seconds())

	var thr []float64
	for _, s := range strings.Split(*thresholds, ",") {
		var f float64
		fmt.Sscanf(s, "%g", &f)
		thr = append(thr, f)
	}
	fmt.Printf("%-22s %6s %9s %9s %9s %9s %8s %10s %8s %8s\n", "variant", "thr", "reported", "P(truth)", "R(truth)", "P(clear)", "R(clear)", "compared", "encode", "compare")
	row := func(name string, ps []pair, compared int64, enc, cmp time.Duration) {
		for _, th := range thr {
			p1, r1, k := quality(ps, th, sp.truth)
			p2, r2, _ := quality(ps, th, clearPairs)
			fmt.Printf("%-22s %6.2f %9d %9.3f %9.3f %9.3f %8.3f %10d %7.1fs %7.1fs\n", name, th, k, p1, r1, p2, r2, compared, enc.Seconds(), cmp.Seconds())
		}
	}
	t = time.Now()
	bp, bc := clearBaseline(sp, thr[0], 100)
	row("clear bigrams (base)", bp, bc, 0, time.Since(t))
	for _, h := range []pprl.Hardening{{}, {FieldSalt: true}, pprl.Default, {FieldSalt: true, Weighted: true, Fold: true}} {
		var fa, fb bytes.Buffer
		t := time.Now()
		if err := encode("JO", sec, h, sp.a, &fa); err != nil {
			log.Fatal(err)
		}
		if err := encode("EG", sec, h, sp.b, &fb); err != nil {
			log.Fatal(err)
		}
		enc := time.Since(t)
		t = time.Now()
		ms, cr, _, err := pprl.CompareMatches(ctx, pprl.CompareOptions{Threshold: thr[0], Clock: time.Now}, &fa, &fb)
		if err != nil {
			log.Fatal(err)
		}
		cmp := time.Since(t)
		ps := make([]pair, len(ms))
		for i, m := range ms {
			ps[i] = pair{m.RA, m.RB, m.Score}
		}
		row("clk "+h.String(), ps, cr.Compared, enc, cmp)
	}
	fmt.Printf("\npeak RSS %d MB\n", rss())
}

func runBig(ctx context.Context, n int, seed uint64, sec pprl.Secret, dir, phase string) {
	fa, fb := filepath.Join(dir, "crossborder-JO.enc"), filepath.Join(dir, "crossborder-EG.enc")
	if phase == "" || phase == "encode" {
		t := time.Now()
		sp := makeSplit(n, seed)
		fmt.Printf("generated %d + %d persons in %.1fs (planted cross-border pairs %d)\n", len(sp.a), len(sp.b), time.Since(t).Seconds(), len(sp.truth))
		for _, x := range []struct {
			m, path string
			rs      []dedup.Record
		}{{"JO", fa, sp.a}, {"EG", fb, sp.b}} {
			f, err := os.Create(x.path)
			if err != nil {
				log.Fatal(err)
			}
			t := time.Now()
			if err := encode(x.m, sec, pprl.Default, x.rs, f); err != nil {
				log.Fatal(err)
			}
			if err := f.Close(); err != nil {
				log.Fatal(err)
			}
			st, _ := os.Stat(x.path)
			fmt.Printf("encoded %s: %d persons in %.1fs (%.0f persons/s), file %d MB\n", x.m, len(x.rs), time.Since(t).Seconds(), float64(len(x.rs))/time.Since(t).Seconds(), st.Size()>>20)
		}
		fmt.Printf("encode phase peak RSS %d MB (the generator's records included)\n", rss())
	}
	if phase == "" || phase == "compare" {
		runtime.GC()
		r0 := rss()
		ra, err := os.Open(fa)
		if err != nil {
			log.Fatal(err)
		}
		rb, err := os.Open(fb)
		if err != nil {
			log.Fatal(err)
		}
		t := time.Now()
		out := map[string]int{}
		res, err := pprl.Compare(ctx, pprl.CompareOptions{Clock: time.Now}, func(m string) (io.WriteCloser, error) {
			f, err := os.Create(filepath.Join(dir, "crossborder-pairs-"+m+".jsonl"))
			out[m]++
			return f, err
		}, ra, rb)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("hub compare of %v persons: wall %.1fs on %d cores (read %.1fs, secret test %.2fs, compare %.1fs, write %.1fs), compared pairs %d %v, oversized blocks %d, reported %d, peak RSS %d MB (before %d MB)\n",
			res.Rows, time.Since(t).Seconds(), runtime.GOMAXPROCS(0), res.Times["read"].Seconds(), res.Times["secret_test"].Seconds(), res.Times["compare"].Seconds(), res.Times["write"].Seconds(),
			res.Compared, res.ByKey, res.Dropped, res.Pairs, rss(), r0)
	}
}
