package dedup

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// LevelProb is the m and u probability of one comparison level: how often
// a true match (m) and a random non-match (u) show it.
type LevelProb struct {
	Level string  `json:"level"`
	M     float64 `json:"m"`
	U     float64 `json:"u"`
}

// FieldModel holds the probabilities of every level of one field but
// "missing", which weighs nothing.
type FieldModel struct {
	Field  string      `json:"field"`
	Levels []LevelProb `json:"levels"`
}

// Model is a Fellegi–Sunter model: the prior probability that a candidate
// pair is a match, and m and u per field level. Weights are log2(m/u).
// Run estimates one from the data (u from random pairs, m and Lambda by
// expectation–maximisation) unless Options.Model fixes it; a Model
// marshals to and from JSON for that configuration.
type Model struct {
	Lambda float64      `json:"lambda"`
	Fields []FieldModel `json:"fields"`
	// EMIterations is how many EM steps estimated the model (0 when fixed).
	EMIterations int `json:"em_iterations,omitempty"`
	// Records is the number of records Lambda was estimated on. Used on
	// n other records, Lambda is scaled by Records/n: with a steady share
	// of persons registered twice, matches grow with n but pairs with n².
	Records int `json:"records,omitempty"`
}

//go:embed default_model.json
var defaultModelJSON []byte

// MinEstimate is the number of records from which Run estimates its own
// weights; below it the data are too few for EM and the default model is
// used (estimated on 200,000 generated records, see bench/dedup).
const MinEstimate = 5000

// DefaultModel returns the built-in model.
func DefaultModel() *Model {
	m, err := ParseModel(defaultModelJSON)
	if err != nil {
		panic("dedup: built-in model: " + err.Error())
	}
	return m
}

// scaled returns m with Lambda scaled to n records.
func (m *Model) scaled(n int) *Model {
	if m.Records <= 0 || n < 2 || n == m.Records {
		return m
	}
	c := *m
	c.Lambda = min(m.Lambda*float64(m.Records)/float64(n), 0.5)
	c.Records = n
	return &c
}

// Probability floors keep weights finite.
const (
	minM = 1e-3
	minU = 1e-6
)

// maxTF bounds the term-frequency adjustment in bits either way: a rare
// name is strong evidence, but a name seen once in the data is no proof.
const maxTF = 6

func newModel() *Model {
	m := &Model{Lambda: 1e-4, Fields: make([]FieldModel, NFields)}
	for f := Field(0); f < NFields; f++ {
		m.Fields[f] = FieldModel{Field: f.String(), Levels: make([]LevelProb, nLevels(f))}
		for l := range m.Fields[f].Levels {
			m.Fields[f].Levels[l].Level = LevelName(f, uint8(l))
		}
	}
	// Starting m values: a true match mostly agrees exactly.
	start := map[Field][]float64{
		FFirst: {0, .04, .08, .08, .80}, FFather: {0, .04, .08, .08, .80},
		FGrandfather: {0, .04, .08, .08, .80}, FFamily: {0, .04, .08, .08, .80},
		FNationalID: {0, .04, .04, .04, .88},
		FBirth:      {0, .04, .05, .05, .05, .81},
		FSex:        {0, .02, .98}, FPhone: {0, .3, .7}, FArea: {0, .2, .8},
	}
	for f, ms := range start {
		for l, v := range ms {
			m.Fields[f].Levels[l].M = v
		}
	}
	return m
}

// check validates a configured model.
func (m *Model) check() error {
	if !(m.Lambda > 0 && m.Lambda < 1) {
		return fmt.Errorf("dedup: model lambda %v not in (0, 1)", m.Lambda)
	}
	if len(m.Fields) != int(NFields) {
		return fmt.Errorf("dedup: model has %d fields, want %d", len(m.Fields), NFields)
	}
	for f := Field(0); f < NFields; f++ {
		fm := m.Fields[f]
		if fm.Field != f.String() || len(fm.Levels) != nLevels(f) {
			return fmt.Errorf("dedup: model field %d is %q with %d levels, want %q with %d", f, fm.Field, len(fm.Levels), f, nLevels(f))
		}
		for l, lp := range fm.Levels[1:] {
			if lp.M <= 0 || lp.U <= 0 || lp.M > 1 || lp.U > 1 {
				return fmt.Errorf("dedup: model %s level %s: m and u must be in (0, 1]", f, LevelName(f, uint8(l+1)))
			}
		}
	}
	return nil
}

// ParseModel reads a model configuration written by Model's JSON form.
func ParseModel(b []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("dedup: read model: %w", err)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Weight returns log2(m/u) of level l of field f; 0 for missing.
func (m *Model) Weight(f Field, l uint8) float64 {
	if l == Missing {
		return 0
	}
	lp := m.Fields[f].Levels[l]
	return math.Log2(max(lp.M, minM) / max(lp.U, minU))
}

// PriorWeight is log2(λ/(1-λ)), the weight a pair starts from.
func (m *Model) PriorWeight() float64 { return math.Log2(m.Lambda / (1 - m.Lambda)) }

// estimateU sets u from n random pairs of recs: what a non-match looks like.
func (m *Model) estimateU(c *comparer, recs []rec, n int, workers int, seed uint64) {
	var counts [NFields][8]int64
	if len(recs) < 2 {
		for f := range counts {
			counts[f][1] = 1
		}
	} else {
		parts := make([][NFields][8]int64, workers)
		parallel(workers, n, func(w, lo, hi int) {
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for range hi - lo {
				i, j := rng.IntN(len(recs)), rng.IntN(len(recs))
				if i == j {
					continue
				}
				v := c.compare(&recs[i], &recs[j])
				for f := Field(0); f < NFields; f++ {
					parts[w][f][v.Level(f)]++
				}
			}
		})
		for _, p := range parts {
			for f := range p {
				for l := range p[f] {
					counts[f][l] += p[f][l]
				}
			}
		}
	}
	for f := Field(0); f < NFields; f++ {
		var total int64
		for l := 1; l < nLevels(f); l++ {
			total += counts[f][l]
		}
		for l := 1; l < nLevels(f); l++ {
			u := minU
			if total > 0 {
				// Add-half smoothing: an agreement never seen among random
				// pairs is rare, not impossible.
				u = (float64(counts[f][l]) + 0.5) / (float64(total) + 0.5*float64(nLevels(f)-1))
			}
			m.Fields[f].Levels[l].U = max(u, minU)
		}
	}
}

// patternCount is one distinct comparison vector and how many candidate
// pairs show it.
type patternCount struct {
	v Vector
	n int64
}

// session is one EM training run over the pairs of one blocking rule, as
// Splink trains: the fields the rule blocks on are left out, because every
// pair of the block agrees on them whether it matches or not. u stays as
// measured on random pairs; m and the block's own match rate are estimated.
type session struct {
	lambda float64
	m      [NFields][8]float64
	used   [NFields]bool
	// sumM[f][l] is the expected number of matches at level l of f, with
	// the missing level counted, after the last step.
	sumM [NFields][8]float64
	n    int64 // pairs in the block
}

func (m *Model) train(patterns []patternCount, exclude []Field, fixed *session, maxIter int) session {
	s := session{lambda: 0.05}
	var keep [NFields]bool
	for f := Field(0); f < NFields; f++ {
		s.used[f] = true
		for l := range m.Fields[f].Levels {
			s.m[f][l] = m.Fields[f].Levels[l].M
		}
		if fixed != nil && fixed.used[f] && fixed.n > 0 {
			s.m[f], keep[f] = fixed.m[f], true
		}
	}
	for _, f := range exclude {
		s.used[f] = false
	}
	for _, p := range patterns {
		s.n += p.n
	}
	if s.n == 0 {
		return s
	}
	for it := 1; it <= maxIter; it++ {
		m.EMIterations++
		var sumM [NFields][8]float64
		var matched float64
		logPrior, logPriorU := math.Log(s.lambda), math.Log(1-s.lambda)
		for _, p := range patterns {
			lm, lu := logPrior, logPriorU
			for f := Field(0); f < NFields; f++ {
				if l := p.v.Level(f); l != Missing && s.used[f] {
					lm += math.Log(max(s.m[f][l], minM))
					lu += math.Log(max(m.Fields[f].Levels[l].U, minU))
				}
			}
			g := 1 / (1 + math.Exp(lu-lm)) // posterior of a match
			n := float64(p.n)
			matched += g * n
			for f := Field(0); f < NFields; f++ {
				sumM[f][p.v.Level(f)] += g * n
			}
		}
		moved := 0.0
		lambda := min(max(matched/float64(s.n), 1e-6), 1-1e-6)
		moved = max(moved, math.Abs(lambda-s.lambda))
		s.lambda = lambda
		s.sumM = sumM
		for f := Field(0); f < NFields; f++ {
			if !s.used[f] || keep[f] {
				continue
			}
			var den float64
			for l := 1; l < nLevels(f); l++ {
				den += sumM[f][l]
			}
			if den == 0 {
				continue
			}
			for l := 1; l < nLevels(f); l++ {
				v := max(sumM[f][l]/den, minM)
				moved = max(moved, math.Abs(v-s.m[f][l]))
				s.m[f][l] = v
			}
		}
		if moved < 1e-5 {
			break
		}
	}
	return s
}

// estimate sets m and λ from the candidate pairs of each blocking rule.
// m of a field is the mean over the sessions that did not block on it.
// λ, the chance that two random records match, is the number of matches
// the exact-ID rule finds divided by the share of matches that have equal
// IDs (from the name session), over all pairs; without IDs, the
// name-and-year rule plays the same part.
func (m *Model) estimate(bySlot [nSlots]map[Vector]int64, records int, maxIter int) {
	// The ID session is the cleanest (nearly all its pairs match); the
	// name session keeps its m values and estimates only the ID's m. Left
	// free, its EM drifts to "relatives of the same name" as the match class.
	idS := m.train(patterns(bySlot[sID]), []Field{FNationalID}, nil, maxIter)
	nameS := m.train(patterns(bySlot[sNameYear]), []Field{FFirst, FFather, FBirth}, &idS, maxIter)
	for f := Field(0); f < NFields; f++ {
		for l := 1; l < nLevels(f); l++ {
			var sum float64
			var k int
			for _, s := range []*session{&idS, &nameS} {
				if s.used[f] && s.n > 0 {
					sum += s.m[f][l]
					k++
				}
			}
			if k > 0 {
				m.Fields[f].Levels[l].M = sum / float64(k)
			}
		}
	}
	all := float64(records) * float64(records-1) / 2
	share := func(s *session, f Field, l uint8) float64 {
		var t float64
		for _, v := range s.sumM[f] {
			t += v
		}
		if t == 0 {
			return 0
		}
		return s.sumM[f][l] / t
	}
	var matches float64
	if p := share(&nameS, FNationalID, IDExact); idS.n > 0 && p > 0.05 {
		matches = idS.lambda * float64(idS.n) / p
	} else if p := share(&idS, FFirst, NameExact) * share(&idS, FFather, NameExact); nameS.n > 0 && p > 0.05 {
		matches = nameS.lambda * float64(nameS.n) / p
	}
	m.Records = records
	if all > 0 && matches > 0 {
		m.Lambda = min(max(matches/all, 1e-12), 0.5)
	} else {
		m.Lambda = 1e-4
	}
}

// Class is what a pair's score says about it.
type Class uint8

// The classes.
const (
	Unlikely Class = iota // below the Possible threshold: not kept
	Possible              // kept for a person to review
	Likely                // the same person: merged unless a veto holds
)

// String returns "unlikely", "possible" or "likely".
func (c Class) String() string {
	return [...]string{"unlikely", "possible", "likely"}[c]
}

// MarshalText writes the class's name.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Veto is a reason a pair that scores Likely is still only Possible.
type Veto uint8

// The vetoes, bits of a Veto set.
const (
	VetoFirstName Veto = 1 << iota // first names differ: twins or siblings look like this
	VetoBirth                      // full birth dates differ and the national ID is not equal
	VetoSparse                     // a record has almost no data
	VetoChain                      // the pair would join a group whose members do not all match
)

var vetoNames = []string{"first_name_differs", "birth_date_differs", "too_little_data", "group_not_cohesive"}

// Names returns the stable names of the vetoes in v.
func (v Veto) Names() []string {
	var out []string
	for i, n := range vetoNames {
		if v&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// scorer turns comparison vectors into match weights with the model and the
// term frequencies. It is read-only and safe for concurrent use.
type scorer struct {
	*comparer
	model    *Model
	w        [NFields][8]float64
	prior    float64
	likely   float64 // weight thresholds
	possible float64
}

func newScorer(c *comparer, m *Model, likely, possible float64) *scorer {
	s := &scorer{comparer: c, model: m, prior: m.PriorWeight(),
		likely: probToWeight(likely), possible: probToWeight(possible)}
	for f := Field(0); f < NFields; f++ {
		for l := 0; l < nLevels(f); l++ {
			s.w[f][l] = m.Weight(f, uint8(l))
		}
	}
	return s
}

func probToWeight(p float64) float64 { return math.Log2(p / (1 - p)) }

// Probability converts a match weight to a match probability.
func Probability(w float64) float64 { return 1 / (1 + math.Exp2(-w)) }

// tf returns the term-frequency adjustment of name part p at level l: the
// bits by which agreeing on this value differs from agreeing on an average
// value. Splink divides the level's u by the value's frequency; here the
// average is Σ freq², the chance that two random records agree on part p,
// so that the adjustment is zero on average whatever u the model holds.
func (s *scorer) tf(p int, l uint8, a, b *nameInfo) float64 {
	var cnt int32
	var avg float64
	n := s.names.nonEmpty[p]
	switch l {
	case NameExact:
		if a.id < 0 {
			a = b
		}
		if a.id >= 0 && int(a.id) < len(s.names.cnt[p]) {
			cnt = s.names.cnt[p][a.id]
		}
		avg = s.names.sumSq[p]
	case NameTranslit:
		sid := a.skelID
		if sid < 0 {
			sid = b.skelID
		}
		if sid >= 0 && int(sid) < len(s.names.skelCnt[p]) {
			cnt = s.names.skelCnt[p][sid]
		}
		avg = s.names.skelSumSq[p]
	default:
		return 0
	}
	if n <= 0 || avg <= 0 {
		return 0
	}
	freq := float64(max(cnt, 1)) / float64(n)
	return min(max(math.Log2(avg/freq), -maxTF), maxTF)
}

// score returns the match weight of a pair with vector v.
func (s *scorer) score(a, b *rec, v Vector) float64 {
	w := s.prior
	for f := Field(0); f < NFields; f++ {
		l := v.Level(f)
		w += s.w[f][l]
		if f < nParts && (l == NameExact || l == NameTranslit) {
			w += s.tf(int(f), l, a.parts[f], b.parts[f])
		}
	}
	return w
}

// classify returns the class of a pair with weight w, and the vetoes that
// keep a Likely pair from being merged.
func (s *scorer) classify(a, b *rec, v Vector, w float64) (Class, Veto) {
	if w < s.possible {
		return Unlikely, 0
	}
	var veto Veto
	if v.Level(FFirst) == NameDifferent && !sameDocument(v) {
		veto |= VetoFirstName
	}
	if v.Level(FBirth) == BirthDifferent && v.Level(FNationalID) != IDExact {
		veto |= VetoBirth
	}
	if a.sparse || b.sparse {
		veto |= VetoSparse
	}
	if veto&(VetoFirstName|VetoBirth) == VetoFirstName|VetoBirth {
		// Another first name and another birth date: a sibling or a
		// cousin, however much else agrees. Not worth a reviewer's time.
		return Unlikely, veto
	}
	if w < s.likely {
		return Possible, veto
	}
	if veto != 0 {
		return Possible, veto
	}
	return Likely, 0
}

// sameDocument reports whether a pair carries one national ID and one
// birth date (day and month in either order): a first name that differs
// then is a typing error (حن for حسن, Mahmud for محمود), not a twin or a
// sibling, who have IDs of their own.
func sameDocument(v Vector) bool {
	b := v.Level(FBirth)
	return v.Level(FNationalID) == IDExact && (b == BirthExact || b == BirthSwapped)
}

// FieldExplanation is one field's part in a pair's score.
type FieldExplanation struct {
	Field  string  `json:"field"`
	Level  string  `json:"level"`
	Weight float64 `json:"weight"`         // log2(m/u) of the level
	TF     float64 `json:"tf,omitempty"`   // term-frequency adjustment of a name
	Note   string  `json:"note,omitempty"` // for example "distinct_names" for محمد/محمود
}

// Explanation says why a pair scored as it did: the prior, each field's
// level and weight, the total, and any vetoes. It holds no personal data.
type Explanation struct {
	Prior       float64            `json:"prior"`
	Fields      []FieldExplanation `json:"fields"`
	Weight      float64            `json:"weight"`
	Probability float64            `json:"probability"`
	Class       string             `json:"class"`
	Vetoes      []string           `json:"vetoes,omitempty"`
}

func (s *scorer) explain(a, b *rec, v Vector, w float64, class Class, veto Veto) Explanation {
	e := Explanation{Prior: round3(s.prior), Weight: round3(w), Probability: Probability(w),
		Class: class.String(), Vetoes: veto.Names()}
	for f := Field(0); f < NFields; f++ {
		l := v.Level(f)
		fe := FieldExplanation{Field: f.String(), Level: LevelName(f, l), Weight: round3(s.w[f][l])}
		if f < nParts {
			pa, pb := a.parts[f], b.parts[f]
			if l == NameExact || l == NameTranslit {
				fe.TF = round3(s.tf(int(f), l, pa, pb))
			}
			if l == NameDifferent && pa != nil && pb != nil && s.distinct(pa, pb) {
				fe.Note = "distinct_names"
			}
		}
		e.Fields = append(e.Fields, fe)
	}
	return e
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// patterns aggregates comparison vectors for EM.
func patterns(counts map[Vector]int64) []patternCount {
	out := make([]patternCount, 0, len(counts))
	for v, n := range counts {
		out = append(out, patternCount{v, n})
	}
	slices.SortFunc(out, func(a, b patternCount) int { return int(a.v) - int(b.v) })
	return out
}
