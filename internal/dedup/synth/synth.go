// Package synth generates a synthetic registry of persons in households,
// with planted duplicates and known truth, for measuring the quality and
// speed of deduplication. Duplicates carry the corruptions field data has
// (alef, ta marbuta and alef maqsura variants, diacritics and tatweel,
// joined or split compound names, dropped al-, typos, a dropped grandfather
// name, IDs missing or with one wrong digit or two swapped, birth dates with
// day and month swapped, year off by one or only a year, records written in
// Latin script only), and the registry holds the hard negatives: twins,
// siblings, fathers and sons or grandsons with the same name, and unrelated
// namesakes with common full names.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/tadamun/tadamun/internal/dedup"
)

// Config sets the size and mix of a generated registry.
type Config struct {
	Records  int     // total records, duplicates included
	DupRate  float64 // share of persons registered more than once (default 0.1)
	Latin    float64 // share of duplicates written only in Latin script (default 0.06)
	Namesake float64 // share of household heads given another head's full name (default 0.02)
	// Hard is the hardest mix: every duplicate carries at least one of
	// the variations that cost recall (a typo, day and month swapped, the
	// grandfather name dropped, a compound name split or joined, Latin
	// script only, another household), most carry several, and a third
	// of the persons are registered with compound names written joined
	// (عبدالله, ابوبكر) so that a second office splits them.
	Hard bool
	Seed uint64
}

// Kind is a set of variations a duplicate record carries against the
// person's first record.
type Kind uint16

// The variations of a duplicate.
const (
	KindTypo          Kind = 1 << iota // one keyboard error in a name
	KindSwappedDate                    // day and month of birth swapped
	KindNoGrandfather                  // grandfather name dropped
	KindCompound                       // a compound name split or joined
	KindLatin                          // written in Latin script only
	KindHousehold                      // registered in another household
	KindID                             // national ID missing or mistyped
	KindDate                           // birth date otherwise changed or partly missing
	nKinds            = iota
)

var kindNames = [nKinds]string{"typo", "swapped_day_month", "missing_grandfather", "compound_split_joined",
	"latin_only", "changed_household", "national_id", "birth_date_other"}

// KindNames lists the names of the variation kinds, bit order.
func KindNames() []string { return kindNames[:] }

// Names returns the names of the kinds in k.
func (k Kind) Names() []string {
	var out []string
	for i, n := range kindNames {
		if k&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Data is a generated registry: Truth[i] is the person record i stands for.
type Data struct {
	Records []dedup.Record
	Truth   []int
	Plants  map[string]int // how many of each planted case
	Kinds   []Kind         // Kinds[i]: the variations record i carries (0 for a first record)
}

type gen struct {
	rng    *rand.Rand
	cfg    Config
	d      *Data
	male   zipf
	female zipf
	family zipf
	nextID int
	heads  []dedup.Record
}

// zipf draws indices of a list with probability ∝ 1/(rank+1)^s.
type zipf struct{ cum []float64 }

func newZipf(n int, s float64) zipf {
	z := zipf{cum: make([]float64, n)}
	t := 0.0
	for i := range n {
		t += 1 / math.Pow(float64(i+1), s)
		z.cum[i] = t
	}
	for i := range z.cum {
		z.cum[i] /= t
	}
	return z
}

func (z zipf) draw(r *rand.Rand) int {
	x := r.Float64()
	lo, hi := 0, len(z.cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if z.cum[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// Generate makes a registry of cfg.Records records.
func Generate(cfg Config) *Data {
	if cfg.DupRate == 0 {
		cfg.DupRate = 0.1
	}
	if cfg.Latin == 0 {
		cfg.Latin = 0.06
		if cfg.Hard {
			cfg.Latin = 0.15
		}
	}
	if cfg.Namesake == 0 {
		cfg.Namesake = 0.02
	}
	g := &gen{rng: rand.New(rand.NewPCG(cfg.Seed, 0x7ad)), cfg: cfg,
		d:    &Data{Plants: map[string]int{}},
		male: newZipf(len(maleNames), 1.1), female: newZipf(len(femaleNames), 1.1), family: newZipf(len(familyNames), 0.7)}
	hh := 0
	for len(g.d.Records) < cfg.Records {
		hh++
		g.household(hh)
	}
	g.d.Records = g.d.Records[:cfg.Records]
	g.d.Truth = g.d.Truth[:cfg.Records]
	g.d.Kinds = g.d.Kinds[:cfg.Records]
	for i := range g.d.Records {
		g.d.Records[i].ID = int64(i + 1)
		g.d.Records[i].Ref = fmt.Sprintf("P%07d", i+1)
	}
	return g.d
}

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

func (g *gen) nationalID(year int) string {
	return fmt.Sprintf("%d%02d%09d", 2+year/100-19, year%100, g.rng.IntN(1_000_000_000))
}

func (g *gen) date(fromYear, toYear int) (int, int, int) {
	return fromYear + g.rng.IntN(toYear-fromYear+1), 1 + g.rng.IntN(12), 1 + g.rng.IntN(28)
}

func (g *gen) phone() string { return fmt.Sprintf("07%d%07d", 7+g.rng.IntN(3), g.rng.IntN(10_000_000)) }

// household adds one household and the duplicates of its members.
func (g *gen) household(n int) {
	ref := fmt.Sprintf("H%07d", n)
	area := fmt.Sprintf("A%03d", g.rng.IntN(400))
	phone := g.phone()
	var members []dedup.Record
	head := dedup.Record{Household: ref, Area: area, Sex: dedup.Male,
		First: maleNames[g.male.draw(g.rng)], Father: maleNames[g.male.draw(g.rng)],
		Grandfather: maleNames[g.male.draw(g.rng)], Family: familyNames[g.family.draw(g.rng)]}
	head.BirthYear, head.BirthMonth, head.BirthDay = g.date(1950, 2000)
	if len(g.heads) > 0 && g.chance(g.cfg.Namesake) {
		// An unrelated namesake: another head's full name, own life.
		o := g.heads[g.rng.IntN(len(g.heads))]
		head.First, head.Father, head.Grandfather, head.Family = o.First, o.Father, o.Grandfather, o.Family
		g.d.Plants["namesake"]++
	}
	g.heads = append(g.heads, head)
	members = append(members, head)
	if g.chance(0.85) {
		w := dedup.Record{Household: ref, Area: area, Sex: dedup.Female,
			First: femaleNames[g.female.draw(g.rng)], Father: maleNames[g.male.draw(g.rng)],
			Grandfather: maleNames[g.male.draw(g.rng)], Family: familyNames[g.family.draw(g.rng)]}
		w.BirthYear, w.BirthMonth, w.BirthDay = g.date(head.BirthYear, min(head.BirthYear+10, 2004))
		members = append(members, w)
	}
	kids := g.rng.IntN(6)
	for k := 0; k < kids; k++ {
		c := dedup.Record{Household: ref, Area: area, Father: head.First, Grandfather: head.Father, Family: head.Family}
		c.BirthYear, c.BirthMonth, c.BirthDay = g.date(min(head.BirthYear+20, 2024), 2025)
		if g.chance(0.5) {
			c.Sex, c.First = dedup.Male, maleNames[g.male.draw(g.rng)]
			switch {
			case g.chance(0.05):
				c.First = head.First // father and son with the same first name
				g.d.Plants["father_son_same_first"]++
			case g.chance(0.15):
				c.First = head.Father // named after the grandfather
				g.d.Plants["grandson_named_after_grandfather"]++
			}
		} else {
			c.Sex, c.First = dedup.Female, femaleNames[g.female.draw(g.rng)]
		}
		members = append(members, c)
		if k+1 < kids && g.chance(0.04) {
			// Twins: same parents and birth date, different first names.
			t := c
			for t.First == c.First {
				if g.chance(0.5) {
					t.Sex, t.First = dedup.Male, maleNames[g.male.draw(g.rng)]
				} else {
					t.Sex, t.First = dedup.Female, femaleNames[g.female.draw(g.rng)]
				}
			}
			members = append(members, t)
			g.d.Plants["twins"]++
			k++
		}
	}
	for i := range members {
		m := &members[i]
		adult := m.BirthYear <= 2007
		if adult && g.chance(0.92) || !adult && g.chance(0.6) {
			m.NationalID = g.nationalID(m.BirthYear)
		}
		switch {
		case g.chance(0.7):
			m.Phone = phone
		case g.chance(0.4):
			m.Phone = g.phone()
		}
		if g.chance(0.04) {
			m.BirthMonth, m.BirthDay = 0, 0 // only the year known
		}
		if !adult && g.chance(0.15) {
			m.Grandfather = ""
		}
		if g.cfg.Hard && g.chance(0.33) {
			for _, p := range []*string{&m.First, &m.Father, &m.Grandfather, &m.Family} {
				if j, ok := joinCompound(*p); ok {
					*p = j
				}
			}
		}
		entity := g.nextID
		g.nextID++
		g.add(*m, entity, 0)
		if g.chance(g.cfg.DupRate) {
			r, k := g.corrupt(*m)
			g.add(r, entity, k)
			g.d.Plants["duplicate"]++
			if g.chance(0.2) {
				r, k := g.corrupt(*m)
				g.add(r, entity, k)
				g.d.Plants["duplicate"]++
			}
		}
	}
}

func (g *gen) add(r dedup.Record, entity int, k Kind) {
	g.d.Records = append(g.d.Records, r)
	g.d.Truth = append(g.d.Truth, entity)
	g.d.Kinds = append(g.d.Kinds, k)
}

// joinCompound writes a compound name joined: "عبد الله" → "عبدالله",
// "أبو بكر" → "أبوبكر", "نور الدين" → "نورالدين".
func joinCompound(s string) (string, bool) {
	if strings.HasPrefix(s, "عبد ") || strings.HasPrefix(s, "أبو ") || strings.HasPrefix(s, "ابو ") ||
		strings.HasSuffix(s, " الدين") || strings.HasSuffix(s, " الله") {
		return strings.Replace(s, " ", "", 1), true
	}
	return s, false
}

// splitCompound writes a joined compound name split: "عبدالله" → "عبد الله".
func splitCompound(s string) (string, bool) {
	if strings.Contains(s, " ") {
		return s, false
	}
	for _, p := range []string{"عبد", "أبو", "ابو"} {
		if strings.HasPrefix(s, p) && len(s) > len(p)+2 {
			return p + " " + strings.TrimPrefix(s, p), true
		}
	}
	for _, x := range []string{"الدين", "الله"} {
		if strings.HasSuffix(s, x) && len(s) > len(x)+2 {
			return strings.TrimSuffix(s, x) + " " + x, true
		}
	}
	return s, false
}

// rates are the chances of the variations in corrupt.
type rates struct {
	household, swap, grandfather, typo, compound float64
}

var (
	plainRates = rates{household: 0.5, swap: 0.06, grandfather: 0.15, typo: 0.1, compound: 0.3}
	hardRates  = rates{household: 0.7, swap: 0.35, grandfather: 0.4, typo: 0.4, compound: 0.8}
)

// corrupt returns another registration of the person r, as a second office
// would type it, and the variations it carries.
func (g *gen) corrupt(r dedup.Record) (dedup.Record, Kind) {
	rt := plainRates
	if g.cfg.Hard {
		rt = hardRates
	}
	var k Kind
	if g.chance(rt.household) {
		k |= KindHousehold
		r.Household = fmt.Sprintf("H9%06d", g.rng.IntN(1_000_000))
		if g.chance(0.5) {
			r.Area = fmt.Sprintf("A%03d", g.rng.IntN(400))
		}
	}
	switch {
	case g.chance(0.2):
		r.Phone = g.phone()
	case g.chance(0.15):
		r.Phone = ""
	}
	if r.NationalID != "" {
		switch x := g.rng.Float64(); {
		case x < 0.15:
			r.NationalID = ""
			k |= KindID
		case x < 0.22:
			b := []byte(r.NationalID)
			i := 3 + g.rng.IntN(len(b)-3)
			b[i] = '0' + byte((int(b[i]-'0')+1+g.rng.IntN(9))%10)
			r.NationalID = string(b)
			k |= KindID
		case x < 0.26:
			b := []byte(r.NationalID)
			i := 3 + g.rng.IntN(len(b)-4)
			if b[i] != b[i+1] {
				b[i], b[i+1] = b[i+1], b[i]
				k |= KindID
			}
			r.NationalID = string(b)
		case x < 0.3:
			r.NationalID = toArabicDigits(r.NationalID)
		}
	}
	if r.BirthMonth != 0 {
		x := g.rng.Float64()
		if g.cfg.Hard && x < rt.swap && r.BirthDay <= 12 && r.BirthDay != r.BirthMonth {
			r.BirthMonth, r.BirthDay = r.BirthDay, r.BirthMonth
			k |= KindSwappedDate
		} else {
			switch {
			case x < 0.06 && r.BirthDay <= 12:
				if r.BirthDay != r.BirthMonth {
					k |= KindSwappedDate
				}
				r.BirthMonth, r.BirthDay = r.BirthDay, r.BirthMonth
			case x < 0.12:
				r.BirthYear += 1 - 2*g.rng.IntN(2)
				k |= KindDate
			case x < 0.18:
				r.BirthMonth, r.BirthDay = 0, 0
				k |= KindDate
			case x < 0.21:
				r.BirthYear, r.BirthMonth, r.BirthDay = 0, 0, 0
				k |= KindDate
			}
		}
	}
	if g.chance(0.03) {
		r.Sex = dedup.SexUnknown
	}
	if g.chance(rt.grandfather) && r.Grandfather != "" {
		r.Grandfather = ""
		k |= KindNoGrandfather
	}
	if g.chance(g.cfg.Latin) {
		r.Latin = g.latin(r)
		r.First, r.Father, r.Grandfather, r.Family = "", "", "", ""
		return r, k | KindLatin
	}
	parts := []*string{&r.First, &r.Father, &r.Grandfather, &r.Family}
	for i, p := range parts {
		var c bool
		*p, c = g.spell(*p, i == 3, rt.compound)
		if c {
			k |= KindCompound
		}
	}
	if g.chance(rt.typo) {
		p := parts[[]int{0, 1, 3}[g.rng.IntN(3)]]
		if t := g.typo(*p); t != *p {
			*p = t
			k |= KindTypo
		}
	}
	if g.cfg.Hard && k&hardKinds == 0 {
		// Every duplicate of the hardest mix carries one variation at least.
		k |= KindHousehold
		r.Household = fmt.Sprintf("H9%06d", g.rng.IntN(1_000_000))
	}
	return r, k
}

// hardKinds are the variations the hardest mix is about.
const hardKinds = KindTypo | KindSwappedDate | KindNoGrandfather | KindCompound | KindLatin | KindHousehold

// spell applies the spelling variants that do not change a name; compound
// reports whether a compound name was split or joined.
func (g *gen) spell(s string, family bool, compoundRate float64) (out string, compound bool) {
	if s == "" {
		return s, false
	}
	if g.chance(0.3) {
		s = strings.NewReplacer("أ", "ا", "إ", "ا", "آ", "ا").Replace(s)
	} else if g.chance(0.05) && strings.HasPrefix(s, "ا") {
		s = "أ" + strings.TrimPrefix(s, "ا")
	}
	if g.chance(0.3) {
		s = strings.NewReplacer("ة", "ه", "ى", "ي").Replace(s)
	}
	if g.chance(compoundRate) {
		if j, ok := joinCompound(s); ok {
			s, compound = j, true
		} else if g.cfg.Hard {
			s, compound = splitCompound(s)
		}
	}
	if family && strings.HasPrefix(s, "ال") && g.chance(0.25) {
		s = strings.TrimPrefix(s, "ال")
	}
	if g.chance(0.08) {
		rs := []rune(s)
		i := 1 + g.rng.IntN(len(rs))
		s = string(rs[:i]) + string([]rune{'\u064E', '\u0650', '\u064F', '\u0651'}[g.rng.IntN(4)]) + string(rs[i:])
	}
	if g.chance(0.04) {
		rs := []rune(s)
		if len(rs) > 2 {
			i := 1 + g.rng.IntN(len(rs)-2)
			s = string(rs[:i]) + "ـ" + string(rs[i:])
		}
	}
	return s, compound
}

var typoLetters = []rune("ابتثجحخدذرزسشصضطظعغفقكلمنهوي")

// typo makes one keyboard error: a letter changed, dropped, added or two
// neighbours swapped.
func (g *gen) typo(s string) string {
	rs := []rune(s)
	if len(rs) < 3 {
		return s
	}
	i := 1 + g.rng.IntN(len(rs)-1)
	switch g.rng.IntN(4) {
	case 0:
		rs[i] = typoLetters[g.rng.IntN(len(typoLetters))]
	case 1:
		rs = append(rs[:i], rs[i+1:]...)
	case 2:
		rs = append(rs[:i], append([]rune{typoLetters[g.rng.IntN(len(typoLetters))]}, rs[i:]...)...)
	default:
		if i+1 < len(rs) {
			rs[i], rs[i+1] = rs[i+1], rs[i]
		}
	}
	return string(rs)
}

func toArabicDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = '٠' + r - '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// latin writes r's name in Latin script as another office might.
func (g *gen) latin(r dedup.Record) string {
	var parts []string
	for _, p := range []string{r.First, r.Father, r.Grandfather, r.Family} {
		if p == "" {
			continue
		}
		if vs, ok := latinOf[p]; ok {
			parts = append(parts, vs[g.rng.IntN(len(vs))])
			continue
		}
		parts = append(parts, g.romanize(p))
	}
	return strings.Join(parts, " ")
}

var romanLetters = map[rune][]string{
	'ا': {"a"}, 'أ': {"a"}, 'إ': {"i", "e"}, 'آ': {"a"}, 'ء': {""}, 'ؤ': {"u"}, 'ئ': {"i"},
	'ب': {"b"}, 'ت': {"t"}, 'ث': {"th"}, 'ج': {"j", "g"}, 'ح': {"h"}, 'خ': {"kh"}, 'د': {"d"},
	'ذ': {"dh", "z"}, 'ر': {"r"}, 'ز': {"z"}, 'س': {"s"}, 'ش': {"sh"}, 'ص': {"s"}, 'ض': {"d"},
	'ط': {"t"}, 'ظ': {"z", "dh"}, 'ع': {"a", "'"}, 'غ': {"gh"}, 'ف': {"f"}, 'ق': {"q", "k"},
	'ك': {"k"}, 'ل': {"l"}, 'م': {"m"}, 'ن': {"n"}, 'ه': {"h"}, 'و': {"ou", "w", "o"},
	'ي': {"i", "y", "ee"}, 'ى': {"a"}, 'ة': {"a", "ah"},
}

// romanize spells an Arabic name in Latin letters, with short vowels
// guessed between consonants.
func (g *gen) romanize(s string) string {
	if strings.HasPrefix(s, "ال") {
		pre := []string{"Al-", "El ", "Al ", "al"}[g.rng.IntN(4)]
		return pre + capitalize(g.romanize(strings.TrimPrefix(s, "ال")))
	}
	var b strings.Builder
	rs := []rune(strings.ReplaceAll(s, " ", ""))
	for i, r := range rs {
		vs, ok := romanLetters[r]
		if !ok {
			continue
		}
		v := vs[g.rng.IntN(len(vs))]
		if i == 0 && (r == 'و' || r == 'ي') {
			v = map[rune]string{'و': "w", 'ي': "y"}[r]
		}
		b.WriteString(v)
		if i+1 < len(rs) && !strings.ContainsAny(v, "aeiou") && !isLong(rs[i+1]) && g.chance(0.6) {
			b.WriteString([]string{"a", "e", "i"}[g.rng.IntN(3)])
		}
	}
	return capitalize(b.String())
}

func isLong(r rune) bool { return r == 'ا' || r == 'و' || r == 'ي' || r == 'ى' || r == 'ة' }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
