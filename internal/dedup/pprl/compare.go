package pprl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"
)

// DefaultThreshold is the Dice similarity from which the hub reports a
// pair (chosen from the measurement in bench/crossborder).
const DefaultThreshold = 0.90

// ErrOtherSecret is a file encoded with another secret than the others:
// refused, never compared.
var ErrOtherSecret = errors.New("encoded with another secret")

// CompareOptions tune the hub's comparison.
type CompareOptions struct {
	// Threshold is the Dice similarity from which a pair is reported
	// (default DefaultThreshold).
	Threshold float64
	// MaxBlock is the largest block compared, per member (default 100):
	// larger ones are skipped and counted.
	MaxBlock int
	// MaxRows bounds each file's rows (default 20,000,000).
	MaxRows int
	// Workers is the number of goroutines (default GOMAXPROCS).
	Workers int
	// Names names the files in errors (default "file 1", …).
	Names []string
	// Now stamps the answers (RFC 3339); empty for none.
	Now string
	// Clock, when set, times the stages (CompareResult.Times); the
	// package never reads the real time itself.
	Clock func() time.Time
	// Progress, if set, is called with a stage and counts.
	Progress func(stage string, done, total int)
}

// CompareResult counts what the hub did.
type CompareResult struct {
	Members  []string
	Rows     []int
	Compared int64          // candidate pairs compared
	ByKey    [NKeys]int64   // compared pairs by the blocking key that found them first
	Dropped  int            // blocks larger than MaxBlock, skipped
	Pairs    int            // pairs reported
	Answers  map[string]int // pairs per member's answer
	Times    map[string]time.Duration
	// Gap is, per file after the first, the median best Dice of a sample
	// against the first file minus the same against its bits permuted
	// (chance): near zero for another secret.
	Gap []float64
}

// Match is one reported pair, by file and row.
type Match struct {
	FA, FB int
	RA, RB int
	Score  float64
}

type hubFile struct {
	h      Header
	hard   Hardening
	tokens []Token
	encs   []Encoding
	ones   []uint16
}

// Compare reads the encoding files of several members, checks that they
// come from one secret and one hardening, compares every candidate pair of
// persons of two different members, and writes to out(member) each
// member's answer. It needs no database.
func Compare(ctx context.Context, o CompareOptions, out func(member string) (io.WriteCloser, error), files ...io.Reader) (*CompareResult, error) {
	o.defaults()
	matches, res, fs, err := CompareMatches(ctx, o, files...)
	if err != nil {
		return nil, err
	}
	t := o.clock()
	per := make([][]Pair, len(fs))
	for _, m := range matches {
		a, b := fs[m.FA], fs[m.FB]
		ta, tb := a.tokens[m.RA], b.tokens[m.RB]
		ref := pairRef(a.h.Check, ta, tb)
		sc := float64(int(m.Score*1000+0.5)) / 1000
		per[m.FA] = append(per[m.FA], Pair{Ref: ref, Token: ta.String(), OtherMember: b.h.Member, OtherToken: tb.String(), Score: sc})
		per[m.FB] = append(per[m.FB], Pair{Ref: ref, Token: tb.String(), OtherMember: a.h.Member, OtherToken: ta.String(), Score: sc})
	}
	res.Answers = map[string]int{}
	for i, f := range fs {
		ps := per[i]
		slices.SortStableFunc(ps, func(x, y Pair) int {
			if x.Score != y.Score {
				if x.Score > y.Score {
					return -1
				}
				return 1
			}
			return 0
		})
		w, err := out(f.h.Member)
		if err != nil {
			return nil, err
		}
		if err := writePairs(w, PairsHeader{Format: PairsFormat, Member: f.h.Member, Check: f.h.Check, Threshold: o.Threshold, Count: len(ps), Created: o.Now}, ps); err != nil {
			w.Close()
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		res.Answers[f.h.Member] = len(ps)
	}
	res.Times["write"] = o.since(t)
	return res, nil
}

func writePairs(w io.Writer, h PairsHeader, ps []Pair) error {
	enc := json.NewEncoder(w)
	if err := enc.Encode(h); err != nil {
		return err
	}
	for i := range ps {
		if err := enc.Encode(&ps[i]); err != nil {
			return err
		}
	}
	return nil
}

// pairRef names a pair the same way for both members: a hash of the
// secret's check value and the two tokens in order.
func pairRef(check string, a, b Token) string {
	if string(a[:]) > string(b[:]) {
		a, b = b, a
	}
	s := sha256.New()
	s.Write([]byte("tadamun-pprl-pair:" + check))
	s.Write(a[:])
	s.Write(b[:])
	return hex.EncodeToString(s.Sum(nil)[:16])
}

func (o *CompareOptions) clock() time.Time {
	if o.Clock == nil {
		return time.Time{}
	}
	return o.Clock()
}

func (o *CompareOptions) since(t time.Time) time.Duration {
	if o.Clock == nil {
		return 0
	}
	return o.Clock().Sub(t)
}

func (o *CompareOptions) defaults() {
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if o.MaxBlock == 0 {
		o.MaxBlock = 100
	}
	if o.MaxRows == 0 {
		o.MaxRows = 20_000_000
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
}

// CompareMatches is Compare without the answers: the reported pairs by
// file and row (for measurement).
func CompareMatches(ctx context.Context, o CompareOptions, files ...io.Reader) ([]Match, *CompareResult, []*hubFile, error) {
	o.defaults()
	res := &CompareResult{Times: map[string]time.Duration{}}
	if len(files) < 2 {
		return nil, nil, nil, errors.New("pprl: the hub compares at least two files")
	}
	t := o.clock()
	fs := make([]*hubFile, len(files))
	for i, r := range files {
		name := fmt.Sprintf("file %d", i+1)
		if i < len(o.Names) {
			name = o.Names[i]
		}
		f, err := readAll(ctx, r, name, o)
		if err != nil {
			return nil, nil, nil, err
		}
		for j := 0; j < i; j++ {
			g := fs[j]
			switch {
			case g.h.Member == f.h.Member:
				return nil, nil, nil, &FileError{name, 0, fmt.Errorf("member %s sent a second file", f.h.Member)}
			case g.h.Check != f.h.Check:
				return nil, nil, nil, &FileError{name, 0, fmt.Errorf("member %s's file was %w than member %s's (check values differ): refused, nothing compared", f.h.Member, ErrOtherSecret, g.h.Member)}
			case g.h.Hardening != f.h.Hardening:
				return nil, nil, nil, &FileError{name, 0, fmt.Errorf("member %s encoded with hardening %s, member %s with %s: every node must use one", f.h.Member, f.h.Hardening, g.h.Member, g.h.Hardening)}
			}
		}
		fs[i] = f
		res.Members = append(res.Members, f.h.Member)
		res.Rows = append(res.Rows, len(f.encs))
	}
	res.Times["read"] = o.since(t)
	// The check value can be copied from another file without the secret:
	// the scores tell. Every file is tested against the first.
	t = o.clock()
	for i := 1; i < len(fs); i++ {
		gap, ok := secretTest(fs[0], fs[i])
		res.Gap = append(res.Gap, gap)
		if !ok {
			name := fmt.Sprintf("file %d", i+1)
			if i < len(o.Names) {
				name = o.Names[i]
			}
			return nil, nil, nil, &FileError{name, 0, fmt.Errorf("member %s's file was %w than member %s's: its best scores are at chance level (%.3f above chance) although the check values agree — refused, nothing compared", fs[i].h.Member, ErrOtherSecret, fs[0].h.Member, gap)}
		}
	}
	res.Times["secret_test"] = o.since(t)
	t = o.clock()
	ms, err := compareBlocked(ctx, o, fs, res)
	if err != nil {
		return nil, nil, nil, err
	}
	res.Pairs = len(ms)
	res.Times["compare"] = o.since(t)
	return ms, res, fs, nil
}

func readAll(ctx context.Context, r io.Reader, name string, o CompareOptions) (*hubFile, error) {
	rd, err := NewReader(r, name, o.MaxRows)
	if err != nil {
		return nil, err
	}
	f := &hubFile{h: rd.Header, hard: rd.Hard}
	var tok Token
	var e Encoding
	for {
		ok, err := rd.Next(&tok, &e)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		f.tokens = append(f.tokens, tok)
		f.encs = append(f.encs, e)
		f.ones = append(f.ones, uint16(e.Filter.Ones()))
		if n := len(f.encs); n%100_000 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if o.Progress != nil {
				o.Progress("read "+f.h.Member, n, 0)
			}
		}
	}
	return f, nil
}

// Secret test sizes: sampled rows of the second file, rows of the first
// they are compared with, the smallest files tested, and the least gap
// between the real best scores and chance.
const (
	testSample = 200
	testPool   = 2000
	testMin    = 20
	testMargin = 0.04
)

// secretTest compares a sample of b's rows with a pool of a's, once as
// they are and once with a's bits permuted (what another secret looks
// like: the same number of ones, no shared meaning), and returns the gap
// between the two median best scores and whether it shows one secret.
// Files of one secret share common names, years and sexes, whose bits
// coincide; two secrets share nothing.
func secretTest(a, b *hubFile) (float64, bool) {
	if len(a.encs) < testMin || len(b.encs) < testMin {
		return 0, true
	}
	bits := Bits
	if a.hard.Fold {
		bits = Bits / 2
	}
	rng := rand.New(rand.NewPCG(1, 2))
	perm := rng.Perm(bits)
	pool := spread(len(a.encs), testPool)
	permuted := make([]Filter, len(pool))
	for i, ix := range pool {
		f := &a.encs[ix].Filter
		for p := 0; p < bits; p++ {
			if f[p>>6]&(1<<(p&63)) != 0 {
				q := perm[p]
				permuted[i][q>>6] |= 1 << (q & 63)
			}
		}
	}
	sample := spread(len(b.encs), testSample)
	real, null := make([]float64, len(sample)), make([]float64, len(sample))
	for i, ix := range sample {
		f := &b.encs[ix].Filter
		for j, jx := range pool {
			real[i] = max(real[i], Dice(f, &a.encs[jx].Filter))
			null[i] = max(null[i], Dice(f, &permuted[j]))
		}
	}
	sort.Float64s(real)
	sort.Float64s(null)
	gap := real[len(real)/2] - null[len(null)/2]
	return gap, gap >= testMargin
}

// spread picks up to k indices of n spread evenly.
func spread(n, k int) []int {
	if n <= k {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, k)
	for i := range out {
		out[i] = int(int64(i) * int64(n) / int64(k))
	}
	return out
}

// ref is a row of one file: file index and row.
type ref struct {
	key  uint64
	file uint32
	row  uint32
}

func compareBlocked(ctx context.Context, o CompareOptions, fs []*hubFile, res *CompareResult) ([]Match, error) {
	total := 0
	for _, f := range fs {
		total += len(f.encs)
	}
	var out []Match
	var mu sync.Mutex
	for s := 0; s < NKeys; s++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		es := make([]ref, 0, total)
		for fi, f := range fs {
			for r := range f.encs {
				if k := f.encs[r].Keys[s]; k != 0 {
					es = append(es, ref{k, uint32(fi), uint32(r)})
				}
			}
		}
		slices.SortFunc(es, func(x, y ref) int {
			switch {
			case x.key < y.key:
				return -1
			case x.key > y.key:
				return 1
			}
			return int(x.file) - int(y.file)
		})
		// Blocks with more than one member, not oversized.
		var blocks [][2]int
		for i := 0; i < len(es); {
			j := i + 1
			for j < len(es) && es[j].key == es[i].key {
				j++
			}
			if es[i].file != es[j-1].file {
				big := false
				for a := i; a < j; {
					b := a + 1
					for b < j && es[b].file == es[a].file {
						b++
					}
					if b-a > o.MaxBlock {
						big = true
					}
					a = b
				}
				if big {
					res.Dropped++
					for _, e := range es[i:j] {
						fs[e.file].encs[e.row].Keys[s] = 0 // no longer shared: later keys compare the pair
					}
				} else {
					blocks = append(blocks, [2]int{i, j})
				}
			}
			i = j
		}
		var compared int64
		var wg sync.WaitGroup
		next := 0
		var nmu sync.Mutex
		for w := 0; w < o.Workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var local []Match
				var n int64
				for {
					nmu.Lock()
					lo := next
					next += 4096
					nmu.Unlock()
					if lo >= len(blocks) || ctx.Err() != nil {
						break
					}
					for _, bl := range blocks[lo:min(lo+4096, len(blocks))] {
						g := es[bl[0]:bl[1]]
						for x := range g {
							for y := x + 1; y < len(g); y++ {
								if g[x].file == g[y].file {
									continue
								}
								fa, fb := fs[g[x].file], fs[g[y].file]
								ea, eb := &fa.encs[g[x].row], &fb.encs[g[y].row]
								if sharedBefore(ea, eb, s) {
									continue
								}
								n++
								and := 0
								for i := range ea.Filter {
									and += popcount(ea.Filter[i] & eb.Filter[i])
								}
								sum := int(fa.ones[g[x].row]) + int(fb.ones[g[y].row])
								if sum == 0 {
									continue
								}
								if d := 2 * float64(and) / float64(sum); d >= o.Threshold {
									local = append(local, Match{FA: int(g[x].file), FB: int(g[y].file), RA: int(g[x].row), RB: int(g[y].row), Score: d})
								}
							}
						}
					}
				}
				mu.Lock()
				out = append(out, local...)
				compared += n
				mu.Unlock()
			}()
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res.ByKey[s] = compared
		res.Compared += compared
		if o.Progress != nil {
			o.Progress("compare", s+1, NKeys)
		}
	}
	slices.SortFunc(out, func(x, y Match) int {
		if c := x.FA - y.FA; c != 0 {
			return c
		}
		if c := x.RA - y.RA; c != 0 {
			return c
		}
		if c := x.FB - y.FB; c != 0 {
			return c
		}
		return x.RB - y.RB
	})
	return out, nil
}

// sharedBefore reports whether a and b share a blocking key of an
// earlier slot: the pair was compared there.
func sharedBefore(a, b *Encoding, s int) bool {
	for t := 0; t < s; t++ {
		if a.Keys[t] != 0 && a.Keys[t] == b.Keys[t] {
			return true
		}
	}
	return false
}
