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
	// Lean drops the records once prepared, keeping each one's ID and
	// reference: Record then returns those alone, as do Check's matches.
	// For a batch run over millions of persons (tadamun dedup), whose
	// index serves no real-time check: at ten million persons the
	// records are 2.5 GB of the run's memory.
	Lean bool
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
	records []Record // nil when Options.Lean
	ids     []int64  // each record's ID
	refs    []byte   // each record's reference, one after the other
	refEnd  []int    // where each one ends in refs
	names   *names
	recs    []rec
	blk     []uint32 // nSlots per record: its block in the slot, 1 + the block's first entry; 0 for none
	runs    []run    // the blocks of two records or more, largest first
	slots   [nSlots]slotIndex
	dropped int
	cmp     *comparer
	scorer  *scorer   // nil until a model is set
	start   time.Time // when the build began: a run's times count from it
}

// ErrNoModel is returned by Check on an index without a model.
var ErrNoModel = errors.New("dedup: index has no model: run Run or set Options.Model")

// Build prepares records for matching: name keys, term frequencies and
// blocking keys. records must not change while the Index is in use.
func Build(ctx context.Context, records []Record, opts Options) (*Index, error) {
	return build(ctx, len(records), func(fn func(*Record) error) error {
		for i := range records {
			if err := fn(&records[i]); err != nil {
				return err
			}
		}
		return nil
	}, records, opts)
}

// build prepares the records feed gives, about hint of them; records is
// kept unless the index is lean.
func build(ctx context.Context, hint int, feed func(fn func(*Record) error) error, records []Record, opts Options) (*Index, error) {
	start := time.Now()
	opts.defaults(hint)
	if opts.Model != nil {
		if err := opts.Model.check(); err != nil {
			return nil, err
		}
	}
	ix := &Index{opts: opts, names: newNames(), ids: make([]int64, 0, hint), recs: make([]rec, 0, hint), start: start}
	if !opts.Lean {
		ix.records = records
	} else {
		ix.refEnd = make([]int, 0, hint)
	}
	ix.cmp = &comparer{names: ix.names}
	opts.progress("prepare", 0, hint)
	err := feed(func(r *Record) error {
		i := len(ix.recs)
		if i&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if i >= 1<<31-1 {
			return fmt.Errorf("dedup: more than %d records", 1<<31-1)
		}
		ix.recs = append(ix.recs, ix.names.prepare(r, opts.CallingCode, true))
		ix.ids = append(ix.ids, r.ID)
		if opts.Lean {
			ix.refs = append(ix.refs, r.Ref...)
			ix.refEnd = append(ix.refEnd, len(ix.refs))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := len(ix.recs)
	if opts.Model != nil {
		ix.opts.Model = opts.Model.scaled(n)
	}
	ix.names.count(ix.recs)
	opts.progress("keys", 0, n)
	// Each slot's keys in a column of their own, freed once the slot is
	// sorted.
	var keys [nSlots][]uint64
	for s := range keys {
		keys[s] = make([]uint64, n)
	}
	parallel(opts.Workers, n, func(_, lo, hi int) {
		var k [nSlots]uint64
		for i := lo; i < hi; i++ {
			blockKeys(&ix.recs[i], k[:])
			for s := range k {
				keys[s][i] = k[s]
			}
		}
	})
	var dropped [nSlots]int
	// Each slot sorts a copy of its keys twice their size: at millions of
	// records, one slot at a time.
	workers := opts.Workers
	if n >= twoPassFrom {
		workers = 1
	}
	each(workers, nSlots, func(s int) {
		ix.slots[s], dropped[s] = buildSlot(keys[s], opts.MaxBlock)
		keys[s] = nil
	})
	for _, d := range dropped {
		ix.dropped += d
	}
	// The keys are needed no more (and freed): each record's block in each
	// slot says whether two records meet there, in half the memory.
	ix.blk = make([]uint32, n*nSlots)
	for s := range ix.slots {
		si := &ix.slots[s]
		for i := 0; i < len(si.keys); {
			j := i + 1
			for j < len(si.keys) && si.keys[j] == si.keys[i] {
				j++
			}
			for _, r := range si.idx[i:j] {
				ix.blk[int(r)*nSlots+s] = uint32(i) + 1
			}
			if j-i >= 2 {
				ix.runs = append(ix.runs, run{uint8(s), uint32(i), uint32(j)})
			}
			i = j
		}
		if opts.Lean {
			// Check looks keys up; a lean index serves no check.
			si.keys = nil
		}
	}
	// Big blocks first so that the workers finish together.
	slices.SortStableFunc(ix.runs, func(a, b run) int { return int(b.hi-b.lo) - int(a.hi-a.lo) })
	if ix.opts.Model != nil {
		ix.scorer = newScorer(ix.cmp, ix.opts.Model, opts.Likely, opts.Possible)
	}
	return ix, nil
}

// Len returns the number of records in the index.
func (ix *Index) Len() int { return len(ix.recs) }

// Record returns record i of the index: its ID and reference alone if the
// index is lean (Options.Lean).
func (ix *Index) Record(i int) Record {
	if ix.records != nil {
		return ix.records[i]
	}
	return Record{ID: ix.ids[i], Ref: ix.ref(i)}
}

// ref returns record i's reference.
func (ix *Index) ref(i int) string {
	if ix.records != nil {
		return ix.records[i].Ref
	}
	lo := 0
	if i > 0 {
		lo = ix.refEnd[i-1]
	}
	return string(ix.refs[lo:ix.refEnd[i]])
}

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
	ix, err := Build(ctx, records, opts)
	if err != nil {
		return nil, err
	}
	return ix.run(ctx)
}

// RunEach is Run over the records feed gives one at a time (calling its
// argument with each in turn; the pointer is not kept), about hint of them
// (0 if unknown): a lean run (Options.Lean) that never holds the records
// together, for a registry of millions.
func RunEach(ctx context.Context, hint int, feed func(fn func(*Record) error) error, opts Options) (*Result, error) {
	opts.Lean = true
	ix, err := build(ctx, hint, feed, nil, opts)
	if err != nil {
		return nil, err
	}
	return ix.run(ctx)
}

// run finds the duplicates among the index's records.
func (ix *Index) run(ctx context.Context) (*Result, error) {
	start := ix.start
	n := ix.Len()
	opts := ix.opts
	res := &Result{Index: ix, Stats: Stats{Records: n, DroppedBlocks: ix.dropped,
		ByRule: map[string]int64{}, Times: map[string]time.Duration{"prepare": time.Since(start)}}}

	t := time.Now()
	twoPass := n >= twoPassFrom
	cands, counts, byRule, err := ix.candidates(ctx, !twoPass)
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
	if opts.Model == nil && (n < MinEstimate || idPairs < minIDPairs) {
		opts.Model = DefaultModel().scaled(n)
		ix.opts.Model = opts.Model
		ix.scorer = newScorer(ix.cmp, opts.Model, opts.Likely, opts.Possible)
	}
	if opts.Model != nil {
		res.Model = opts.Model
	} else {
		opts.progress("estimate", 0, int(res.Stats.Compared))
		m := newModel()
		m.estimateU(ix.cmp, ix.recs, opts.USample, opts.Workers, opts.Seed)
		m.estimate(counts, n, 100)
		res.Model = m
		ix.scorer = newScorer(ix.cmp, m, opts.Likely, opts.Possible)
	}
	res.Stats.Times["estimate"] = time.Since(t)

	t = time.Now()
	opts.progress("score", 0, int(res.Stats.Compared))
	if twoPass {
		if res.Pairs, err = ix.scoreAgain(ctx); err != nil {
			return nil, err
		}
	} else {
		res.Pairs = ix.scorePairs(cands)
	}
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
	slot   uint8
	lo, hi uint32
}

// twoPassFrom is the number of records from which a run does not keep its
// candidate pairs between comparing and scoring, but compares them again
// once the model is known: at ten million persons 140 million candidates
// are 1.7 GB, a second comparison half a minute. (A variable: tests lower
// it.)
var twoPassFrom = 2_000_000

// eachPair calls fn, on ix.opts.Workers goroutines (w is the worker), with
// every pair that shares a blocking key, once — in the first slot both are
// in, where the slot's filter passes and the pair is not rejected — with
// its comparison vector.
func (ix *Index) eachPair(ctx context.Context, stage string, fn func(w, slot int, a, b uint32, v Vector)) error {
	runs := ix.runs
	var next atomic.Int64
	var done atomic.Int64
	const chunk = 512
	var wg sync.WaitGroup
	for w := range ix.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if ctx.Err() != nil {
					return
				}
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(runs) {
					return
				}
				for _, r := range runs[lo:min(lo+chunk, len(runs))] {
					s := int(r.slot)
					si := &ix.slots[s]
					for i := r.lo; i < r.hi; i++ {
						for j := i + 1; j < r.hi; j++ {
							a, b := si.idx[i], si.idx[j]
							if a > b {
								a, b = b, a
							}
							if !slotFilter(s, &ix.recs[a], &ix.recs[b]) ||
								sharedEarlier(ix.blk, ix.recs, a, b, s) {
								continue
							}
							if rej := ix.opts.Rejected; rej != nil && rej(ix.ids[a], ix.ids[b]) {
								continue
							}
							fn(w, s, a, b, ix.cmp.compare(&ix.recs[a], &ix.recs[b]))
						}
					}
				}
				ix.opts.progress(stage, int(done.Add(int64(min(chunk, len(runs)-lo)))), len(runs))
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// candidates compares every pair that shares a blocking key, once, and
// counts the comparison vectors of the training slots. Unless only
// counting (keep false), the candidates come back in chunks of candChunk,
// so that a million records' pairs are never copied into one slice, nor
// copied as a worker's slice grows.
func (ix *Index) candidates(ctx context.Context, keep bool) ([][]candidate, [nSlots]map[Vector]int64, [nSlots]int64, error) {
	type out struct {
		c      [][]candidate // full chunks
		cur    []candidate
		counts [nSlots]map[Vector]int64
		byRule [nSlots]int64
	}
	outs := make([]out, ix.opts.Workers)
	for w := range outs {
		for s := range outs[w].counts {
			outs[w].counts[s] = map[Vector]int64{}
		}
	}
	err := ix.eachPair(ctx, "compare", func(w, slot int, a, b uint32, v Vector) {
		o := &outs[w]
		if keep {
			if len(o.cur) == cap(o.cur) {
				if o.cur != nil {
					o.c = append(o.c, o.cur)
				}
				o.cur = make([]candidate, 0, candChunk)
			}
			o.cur = append(o.cur, candidate{a, b, v})
		}
		// Training counts every block the pair is in, not only the
		// first: the name rule's matches include those the ID rule found
		// first. Only the blocks that train (trainSlots) are counted.
		ka, kb := ix.blk[int(a)*nSlots:int(a+1)*nSlots], ix.blk[int(b)*nSlots:int(b+1)*nSlots]
		for _, t := range trainSlots {
			if t >= slot && ka[t] != 0 && ka[t] == kb[t] {
				o.counts[t][v]++
			}
		}
		o.byRule[slot]++
	})
	if err != nil {
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

// scoreAgain compares every candidate pair again (a two-pass run) and
// keeps the Possible and Likely ones, as scorePairs does.
func (ix *Index) scoreAgain(ctx context.Context) ([]Pair, error) {
	parts := make([][]Pair, ix.opts.Workers)
	err := ix.eachPair(ctx, "score", func(w, _ int, a, b uint32, v Vector) {
		parts[w] = ix.keepPair(parts[w], a, b, v)
	})
	if err != nil {
		return nil, err
	}
	return sortPairs(slices.Concat(parts...)), nil
}

// scorePairs weighs and classifies candidates, keeping Possible and Likely.
func (ix *Index) scorePairs(cands [][]candidate) []Pair {
	parts := make([][]Pair, len(cands))
	each(ix.opts.Workers, len(cands), func(w int) {
		// w is a chunk; each hands the chunks out to the workers.
		for _, c := range cands[w] {
			parts[w] = ix.keepPair(parts[w], c.a, c.b, c.v)
		}
	})
	return sortPairs(slices.Concat(parts...))
}

// keepPair weighs and classifies the pair a, b compared as v, and appends
// it to kept if it is Possible or Likely.
func (ix *Index) keepPair(kept []Pair, a, b uint32, v Vector) []Pair {
	ra, rb := &ix.recs[a], &ix.recs[b]
	wt := ix.scorer.score(ra, rb, v)
	if class, veto := ix.scorer.classify(ra, rb, v, wt); class != Unlikely {
		kept = append(kept, Pair{A: int(a), B: int(b), Vector: v, Weight: wt, Class: class, Veto: veto})
	}
	return kept
}

// sortPairs orders pairs by weight, highest first, then by records.
func sortPairs(pairs []Pair) []Pair {
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
