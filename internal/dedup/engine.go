package dedup

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Options tune a run. The zero value is usable: weights estimated from the
// data, default thresholds, all cores.
type Options struct {
	// CallingCode is the member's international calling code, for phone keys.
	CallingCode string
	// Model fixes the weights; nil estimates them (u from random pairs, m
	// and the prior by EM over the candidate pairs).
	Model *Model
	// Likely is the match probability from which a pair is the same person
	// (merged unless vetoed), Possible the one from which it is kept for
	// review. Defaults DefaultLikely and DefaultPossible.
	Likely, Possible float64
	// MaxBlock is the largest block compared; larger ones are skipped and
	// counted (default 200).
	MaxBlock int
	// Workers is the number of goroutines (default GOMAXPROCS).
	Workers int
	// USample is the number of random pairs that estimate u (default 3
	// per record, at least 300,000, at most 1,000,000).
	USample int
	// Seed makes the random sample repeatable.
	Seed uint64
	// Rejected reports pairs of record IDs a person rejected: they are
	// never proposed again. Nil for none.
	Rejected func(a, b int64) bool
	// Confirmed lists pairs of record IDs a person confirmed: always joined.
	Confirmed [][2]int64
	// Progress, if set, is called at each stage with a short stage name.
	Progress func(stage string, done, total int)
}

// Default thresholds (match probabilities).
const (
	DefaultLikely   = 0.999
	DefaultPossible = 0.9
)

func (o *Options) defaults(n int) {
	if o.Likely == 0 {
		o.Likely = DefaultLikely
	}
	if o.Possible == 0 {
		o.Possible = DefaultPossible
	}
	if o.MaxBlock == 0 {
		o.MaxBlock = 200
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.USample == 0 {
		o.USample = min(max(3*n, 300_000), 1_000_000)
	}
	if o.Seed == 0 {
		o.Seed = 6
	}
}

func (o *Options) progress(stage string, done, total int) {
	if o.Progress != nil {
		o.Progress(stage, done, total)
	}
}

// minIDPairs is the number of pairs sharing a national ID from which EM
// estimates the weights.
const minIDPairs = 200

// Pair is a candidate pair kept by a run: Possible or Likely.
type Pair struct {
	A, B   int // indices into the records, A < B
	Vector Vector
	Weight float64 // match weight in bits; Probability(Weight) is the match probability
	Class  Class
	Veto   Veto
}

// Stats are the counts and times of a run.
type Stats struct {
	Records       int
	Compared      int64            // candidate pairs compared
	ByRule        map[string]int64 // compared pairs by the rule that found them first
	DroppedBlocks int              // blocks larger than MaxBlock, skipped
	Likely        int              // pairs merged
	Possible      int              // pairs for review
	Groups        int              // groups of two or more
	Times         map[string]time.Duration
}

// Result is the outcome of a run.
type Result struct {
	Stats  Stats
	Model  *Model
	Pairs  []Pair  // by weight, highest first
	Groups [][]int // record indices of each group of two or more, ascending
	Index  *Index  // for real-time checks and explanations
}

// Explain returns why pair p scored as it did.
func (r *Result) Explain(p Pair) Explanation {
	ix := r.Index
	return ix.scorer.explain(&ix.recs[p.A], &ix.recs[p.B], p.Vector, p.Weight, p.Class, p.Veto)
}

// Index is a prepared registry: compact records, name frequencies and
// sorted blocking keys. Build makes one; Run makes one and estimates its
// model. Once built it is read-only and safe for concurrent Check calls.
type Index struct {
	opts    Options
	records []Record
	names   *names
	recs    []rec
	keys    []uint64 // nSlots per record
	slots   [nSlots]slotIndex
	dropped int
	cmp     *comparer
	scorer  *scorer // nil until a model is set
}

// ErrNoModel is returned by Check on an index without a model.
var ErrNoModel = errors.New("dedup: index has no model: run Run or set Options.Model")

// Build prepares records for matching: name keys, term frequencies and
// blocking keys. records must not change while the Index is in use.
func Build(ctx context.Context, records []Record, opts Options) (*Index, error) {
	opts.defaults(len(records))
	if len(records) >= 1<<31 {
		return nil, fmt.Errorf("dedup: %d records, at most %d", len(records), 1<<31-1)
	}
	if opts.Model != nil {
		if err := opts.Model.check(); err != nil {
			return nil, err
		}
		opts.Model = opts.Model.scaled(len(records))
	}
	ix := &Index{opts: opts, records: records, names: newNames()}
	ix.cmp = &comparer{names: ix.names}
	opts.progress("prepare", 0, len(records))
	ix.recs = make([]rec, len(records))
	for i := range records {
		if i&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ix.recs[i] = ix.names.prepare(&records[i], opts.CallingCode, true)
	}
	ix.names.count(ix.recs)
	opts.progress("keys", 0, len(records))
	ix.keys = make([]uint64, len(records)*nSlots)
	parallel(opts.Workers, len(records), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			blockKeys(&ix.recs[i], ix.keys[i*nSlots:(i+1)*nSlots])
		}
	})
	var dropped [nSlots]int
	each(opts.Workers, nSlots, func(s int) {
		ix.slots[s], dropped[s] = buildSlot(s, ix.keys, len(records), opts.MaxBlock)
	})
	for _, d := range dropped {
		ix.dropped += d
	}
	if opts.Model != nil {
		ix.scorer = newScorer(ix.cmp, opts.Model, opts.Likely, opts.Possible)
	}
	return ix, nil
}

// Len returns the number of records in the index.
func (ix *Index) Len() int { return len(ix.recs) }

// Record returns record i of the index.
func (ix *Index) Record(i int) Record { return ix.records[i] }

// Model returns the index's model, nil if none.
func (ix *Index) Model() *Model {
	if ix.scorer == nil {
		return nil
	}
	return ix.scorer.model
}

// Run finds the duplicates among records: blocking, comparison, weights,
// classification and clustering, on all cores.
func Run(ctx context.Context, records []Record, opts Options) (*Result, error) {
	start := time.Now()
	ix, err := Build(ctx, records, opts)
	if err != nil {
		return nil, err
	}
	opts = ix.opts
	res := &Result{Index: ix, Stats: Stats{Records: len(records), DroppedBlocks: ix.dropped,
		ByRule: map[string]int64{}, Times: map[string]time.Duration{"prepare": time.Since(start)}}}

	t := time.Now()
	cands, counts, byRule, err := ix.candidates(ctx)
	if err != nil {
		return nil, err
	}
	for s, n := range byRule {
		res.Stats.ByRule[slotRule[s]] += n
		res.Stats.Compared += n
	}
	res.Stats.Times["compare"] = time.Since(t)

	t = time.Now()
	// EM trains on the pairs that share a national ID; with too few of them
	// (a registry without IDs) the estimate would follow relatives rather
	// than persons, so the built-in model is used, as for small registries.
	var idPairs int64
	for _, n := range counts[sID] {
		idPairs += n
	}
	if opts.Model == nil && (len(records) < MinEstimate || idPairs < minIDPairs) {
		opts.Model = DefaultModel().scaled(len(records))
		ix.opts.Model = opts.Model
		ix.scorer = newScorer(ix.cmp, opts.Model, opts.Likely, opts.Possible)
	}
	if opts.Model != nil {
		res.Model = opts.Model
	} else {
		opts.progress("estimate", 0, int(res.Stats.Compared))
		m := newModel()
		m.estimateU(ix.cmp, ix.recs, opts.USample, opts.Workers, opts.Seed)
		m.estimate(counts, len(records), 100)
		res.Model = m
		ix.scorer = newScorer(ix.cmp, m, opts.Likely, opts.Possible)
	}
	res.Stats.Times["estimate"] = time.Since(t)

	t = time.Now()
	opts.progress("score", 0, int(res.Stats.Compared))
	res.Pairs = ix.scorePairs(cands)
	res.Stats.Times["score"] = time.Since(t)

	t = time.Now()
	opts.progress("cluster", 0, len(res.Pairs))
	res.Groups = ix.cluster(res.Pairs)
	for _, p := range res.Pairs {
		if p.Class == Likely {
			res.Stats.Likely++
		} else {
			res.Stats.Possible++
		}
	}
	res.Stats.Groups = len(res.Groups)
	res.Stats.Times["cluster"] = time.Since(t)
	res.Stats.Times["total"] = time.Since(start)
	return res, nil
}

// candChunk is the number of candidates in one chunk.
const candChunk = 1 << 16

// trainSlots are the blocking rules whose pairs estimate the model (see
// Model.estimate): the exact national ID and the name with the birth year.
// Neither needs slotFilter.
var trainSlots = [...]int{sID, sNameYear}

// candidate is a compared pair before scoring.
type candidate struct {
	a, b uint32
	v    Vector
}

// run is one block: entries [lo, hi) of a slot.
type run struct {
	slot   int
	lo, hi int
}

// candidates compares every pair that shares a blocking key, once.
// The candidates come back in chunks of candChunk, so that a million
// records' pairs are never copied into one slice, nor copied as a
// worker's slice grows.
func (ix *Index) candidates(ctx context.Context) ([][]candidate, [nSlots]map[Vector]int64, [nSlots]int64, error) {
	var runs []run
	for s := range ix.slots {
		keys := ix.slots[s].keys
		for i := 0; i < len(keys); {
			j := i + 1
			for j < len(keys) && keys[j] == keys[i] {
				j++
			}
			if j-i >= 2 {
				runs = append(runs, run{s, i, j})
			}
			i = j
		}
	}
	// Big blocks first so that the workers finish together.
	slices.SortStableFunc(runs, func(a, b run) int { return (b.hi - b.lo) - (a.hi - a.lo) })
	type out struct {
		c      [][]candidate // full chunks
		cur    []candidate
		counts [nSlots]map[Vector]int64
		byRule [nSlots]int64
	}
	outs := make([]out, ix.opts.Workers)
	var next atomic.Int64
	var done atomic.Int64
	const chunk = 512
	var wg sync.WaitGroup
	for w := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := &outs[w]
			for s := range o.counts {
				o.counts[s] = map[Vector]int64{}
			}
			for {
				if ctx.Err() != nil {
					return
				}
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(runs) {
					return
				}
				for _, r := range runs[lo:min(lo+chunk, len(runs))] {
					si := &ix.slots[r.slot]
					for i := r.lo; i < r.hi; i++ {
						for j := i + 1; j < r.hi; j++ {
							a, b := si.idx[i], si.idx[j]
							if a > b {
								a, b = b, a
							}
							if !slotFilter(r.slot, &ix.recs[a], &ix.recs[b]) ||
								sharedEarlier(ix.keys, ix.recs, a, b, r.slot) {
								continue
							}
							if rej := ix.opts.Rejected; rej != nil && rej(ix.records[a].ID, ix.records[b].ID) {
								continue
							}
							v := ix.cmp.compare(&ix.recs[a], &ix.recs[b])
							if len(o.cur) == cap(o.cur) {
								if o.cur != nil {
									o.c = append(o.c, o.cur)
								}
								o.cur = make([]candidate, 0, candChunk)
							}
							o.cur = append(o.cur, candidate{a, b, v})
							// Training counts every block the pair is in, not
							// only the first: the name rule's matches include
							// those the ID rule found first. Only the blocks
							// that train (trainSlots) are counted.
							ka, kb := ix.keys[int(a)*nSlots:int(a+1)*nSlots], ix.keys[int(b)*nSlots:int(b+1)*nSlots]
							for _, t := range trainSlots {
								if t >= r.slot && ka[t] != 0 && ka[t] == kb[t] {
									o.counts[t][v]++
								}
							}
							o.byRule[r.slot]++
						}
					}
				}
				ix.opts.progress("compare", int(done.Add(int64(min(chunk, len(runs)-lo)))), len(runs))
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, [nSlots]map[Vector]int64{}, [nSlots]int64{}, err
	}
	var all [][]candidate
	var counts [nSlots]map[Vector]int64
	for s := range counts {
		counts[s] = map[Vector]int64{}
	}
	var byRule [nSlots]int64
	for i := range outs {
		all = append(all, outs[i].c...)
		if len(outs[i].cur) > 0 {
			all = append(all, outs[i].cur)
		}
		outs[i].c, outs[i].cur = nil, nil
		for s := range outs[i].counts {
			for v, n := range outs[i].counts[s] {
				counts[s][v] += n
			}
		}
		for s, n := range outs[i].byRule {
			byRule[s] += n
		}
	}
	return all, counts, byRule, nil
}

// scorePairs weighs and classifies candidates, keeping Possible and Likely.
func (ix *Index) scorePairs(cands [][]candidate) []Pair {
	parts := make([][]Pair, len(cands))
	each(ix.opts.Workers, len(cands), func(w int) {
		// w is a chunk; each hands the chunks out to the workers.
		for _, c := range cands[w] {
			a, b := &ix.recs[c.a], &ix.recs[c.b]
			wt := ix.scorer.score(a, b, c.v)
			class, veto := ix.scorer.classify(a, b, c.v, wt)
			if class != Unlikely {
				parts[w] = append(parts[w], Pair{A: int(c.a), B: int(c.b), Vector: c.v, Weight: wt, Class: class, Veto: veto})
			}
		}
	})
	pairs := slices.Concat(parts...)
	slices.SortFunc(pairs, func(x, y Pair) int {
		switch {
		case x.Weight > y.Weight:
			return -1
		case x.Weight < y.Weight:
			return 1
		case x.A != y.A:
			return x.A - y.A
		}
		return x.B - y.B
	})
	return pairs
}

// pairScore compares and scores records i and j.
func (ix *Index) pairScore(i, j int) (float64, Class, Veto) {
	_, w, c, veto := ix.pairScoreVector(i, j)
	return w, c, veto
}

// pairScoreVector is pairScore with the comparison vector.
func (ix *Index) pairScoreVector(i, j int) (Vector, float64, Class, Veto) {
	a, b := &ix.recs[i], &ix.recs[j]
	v := ix.cmp.compare(a, b)
	w := ix.scorer.score(a, b, v)
	c, veto := ix.scorer.classify(a, b, v, w)
	return v, w, c, veto
}

// parallel splits [0, n) into one contiguous range per worker.
func parallel(workers, n int, fn func(w, lo, hi int)) {
	if workers <= 1 || n < 1024 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, lo, hi)
		}()
	}
	wg.Wait()
}

// each calls fn(i) for every i in [0, n) on workers goroutines.
func each(workers, n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
