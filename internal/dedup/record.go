package dedup

import (
	"strings"

	"github.com/tadamun/tadamun/internal/arabic"
)

// Sex is a person's sex as registered: 'M', 'F', or 0 when unknown. It
// marshals to JSON as "M", "F" or "".
type Sex byte

// MarshalText writes "M", "F" or "".
func (s Sex) MarshalText() ([]byte, error) {
	if s == Male || s == Female {
		return []byte{byte(s)}, nil
	}
	return []byte{}, nil
}

// UnmarshalText reads "M", "F" (any case) or anything else as unknown.
func (s *Sex) UnmarshalText(b []byte) error {
	switch string(b) {
	case "M", "m":
		*s = Male
	case "F", "f":
		*s = Female
	default:
		*s = SexUnknown
	}
	return nil
}

// The sexes.
const (
	SexUnknown Sex = 0
	Male       Sex = 'M'
	Female     Sex = 'F'
)

// Record is one registered person as the engine sees it. Names are kept as
// entered: the engine computes its own keys. A record written only in Latin
// script has empty name parts and a Latin full name. The zero value is a
// record with no data, which is compared but never merged.
type Record struct {
	ID          int64  `json:"id"`            // the person's id in the registry, unique in one run
	Ref         string `json:"member_ref"`    // the member's reference for the person
	Household   string `json:"household_ref"` // the household reference
	First       string `json:"first_name"`    // as entered
	Father      string `json:"father_name"`
	Grandfather string `json:"grandfather_name"`
	Family      string `json:"family_name"`
	Latin       string `json:"name_latin"` // full name in Latin script, optional
	Sex         Sex    `json:"sex"`
	BirthYear   int    `json:"birth_year"`  // 0 when unknown
	BirthMonth  int    `json:"birth_month"` // 0 when only the year is known
	BirthDay    int    `json:"birth_day"`
	NationalID  string `json:"national_id"` // in any digit form
	Phone       string `json:"phone"`       // in any form; keyed with Options.CallingCode
	Area        string `json:"area"`        // admin area code
}

// Name returns the record's full name as entered, Arabic parts first.
func (r Record) Name() string {
	parts := make([]string, 0, 4)
	for _, p := range [...]string{r.First, r.Father, r.Grandfather, r.Family} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return strings.TrimSpace(r.Latin)
	}
	return strings.Join(parts, " ")
}

// nameInfo is one distinct normalized name value, shared by every record
// that spells it so.
type nameInfo struct {
	key    string // NameKey (FamilyKey for family names)
	skel   string // Translit of the key: meets the other script
	kr, sr []rune // key and skel as runes, for Jaro–Winkler
	phon   string // Phonetic of the key: blocking only
	id     int32  // index in the name table; -1 for a name seen only in a query
	skelID int32
	latin  bool // written in Latin script
	total  int32
}

// rec is a prepared record: compact, with keys computed once.
type rec struct {
	parts  [nParts]*nameInfo // nil when missing
	nid    string            // national ID digits
	phone  string            // PhoneKey
	area   int32             // interned area, -1 when missing
	year   int16
	month  uint8
	day    uint8
	sex    Sex
	sparse bool // almost no data: never merged automatically
}

// Name parts in rec.parts.
const (
	pFirst = iota
	pFather
	pGrand
	pFamily
	nParts
)

// names interns name values and area codes. It is filled while preparing a
// run, then read-only (safe for concurrent readers).
type names struct {
	given  map[string]*nameInfo // raw given-name spelling → info
	family map[string]*nameInfo // raw family-name spelling → info
	byKey  map[string]*nameInfo // normalized key → info
	skels  map[string]int32
	list   []*nameInfo
	areas  map[string]int32
	// cnt[p][id] counts records with name id in part p; skelCnt likewise
	// for transliteration keys. nonEmpty[p] counts records with part p.
	cnt      [nParts][]int32
	skelCnt  [nParts][]int32
	nonEmpty [nParts]int32
	// sumSq[p] is Σ freq² over the values of part p: the chance that two
	// random records agree on it. skelSumSq likewise for skeletons.
	sumSq, skelSumSq [nParts]float64
}

func newNames() *names {
	return &names{
		given: map[string]*nameInfo{}, family: map[string]*nameInfo{},
		byKey: map[string]*nameInfo{}, skels: map[string]int32{}, areas: map[string]int32{},
	}
}

// lookup returns the info of raw name s, interning it when add is true.
// Without add (a query against a built index) an unknown name gets a
// detached info with id -1.
func (n *names) lookup(s string, family, add bool) *nameInfo {
	raw := n.given
	if family {
		raw = n.family
	}
	if ni, ok := raw[s]; ok {
		return ni
	}
	var key string
	if family {
		key = arabic.FamilyKey(s)
	} else {
		key = arabic.NameKey(s)
	}
	if key == "" {
		if add {
			raw[s] = nil
		}
		return nil
	}
	ni, ok := n.byKey[key]
	if !ok {
		ni = &nameInfo{key: key, skel: arabic.Translit(key), phon: arabic.Phonetic(key), id: -1, skelID: -1}
		ni.kr, ni.sr = []rune(ni.key), []rune(ni.skel)
		ni.latin = !arabic.IsArabic(key)
		if add {
			ni.id = int32(len(n.list))
			n.list = append(n.list, ni)
			n.byKey[key] = ni
			sid, ok := n.skels[ni.skel]
			if !ok {
				sid = int32(len(n.skels))
				n.skels[ni.skel] = sid
			}
			ni.skelID = sid
		} else if sid, ok := n.skels[ni.skel]; ok {
			ni.skelID = sid
		}
	}
	if add {
		raw[s] = ni
	}
	return ni
}

// lookup is n.lookup(s, family, false), remembered.
func (seen *seenNames) lookup(n *names, s string, family bool) *nameInfo {
	m := seen.given
	if family {
		m = seen.family
	}
	if ni, ok := m[s]; ok {
		return ni
	}
	ni := n.lookup(s, family, false)
	m[strings.Clone(s)] = ni
	return ni
}

func (n *names) area(code string, add bool) int32 {
	code = strings.TrimSpace(code)
	if code == "" {
		return -1
	}
	if id, ok := n.areas[code]; ok {
		return id
	}
	if !add {
		return -2 // unknown area: differs from every known one
	}
	id := int32(len(n.areas))
	n.areas[code] = id
	return id
}

// latinParts splits a Latin full name into first, father, grandfather and
// family: the last word is the family name, the first three words the
// others; words beyond four join the family name.
func latinParts(s string) (parts [nParts]string) {
	words := strings.Fields(arabic.NameKey(s))
	switch len(words) {
	case 0:
	case 1:
		parts[pFirst] = words[0]
	case 2:
		parts[pFirst], parts[pFamily] = words[0], words[1]
	case 3:
		parts[pFirst], parts[pFather], parts[pFamily] = words[0], words[1], words[2]
	default:
		parts[pFirst], parts[pFather], parts[pGrand] = words[0], words[1], words[2]
		parts[pFamily] = strings.Join(words[3:], " ")
	}
	return parts
}

// prepare turns r into its compact form, interning names when add is true.
func (n *names) prepare(r *Record, callingCode string, add bool) rec {
	return n.prepareSeen(r, callingCode, add, nil)
}

// seenNames remembers, for a run of queries (FileIndex), what each name
// spelling the table does not hold was looked up as, so that a spelling
// repeated is normalized once and shares one nameInfo.
type seenNames struct{ given, family map[string]*nameInfo }

// prepareSeen is prepare, looking names up through seen when not nil.
func (n *names) prepareSeen(r *Record, callingCode string, add bool, seen *seenNames) rec {
	p := rec{area: n.area(r.Area, add), sex: r.Sex}
	raw := [nParts]string{r.First, r.Father, r.Grandfather, r.Family}
	if strings.TrimSpace(r.First+r.Father+r.Grandfather+r.Family) == "" && r.Latin != "" {
		raw = latinParts(r.Latin)
	}
	present := 0
	for i, s := range raw {
		if s == "" {
			continue
		}
		if seen == nil {
			p.parts[i] = n.lookup(s, i == pFamily, add)
		} else {
			p.parts[i] = seen.lookup(n, s, i == pFamily)
		}
		if p.parts[i] != nil {
			present++
		}
	}
	if p.sex != Male && p.sex != Female {
		p.sex = SexUnknown
	}
	if r.BirthYear > 1800 && r.BirthYear < 2200 {
		p.year = int16(r.BirthYear)
		if r.BirthMonth >= 1 && r.BirthMonth <= 12 && r.BirthDay >= 1 && r.BirthDay <= 31 {
			p.month, p.day = uint8(r.BirthMonth), uint8(r.BirthDay)
		}
	}
	if r.NationalID != "" {
		p.nid = arabic.DigitsOnly(r.NationalID)
		if len(p.nid) < 4 {
			p.nid = ""
		}
	}
	if r.Phone != "" {
		p.phone = arabic.PhoneKey(r.Phone, callingCode)
		if len(p.phone) < 6 {
			p.phone = ""
		}
	}
	p.sparse = p.nid == "" && p.year == 0 && present < 2
	return p
}

// count fills the term frequencies from the prepared records.
func (n *names) count(recs []rec) {
	for i := range n.cnt {
		n.cnt[i] = make([]int32, len(n.list))
		n.skelCnt[i] = make([]int32, len(n.skels))
		n.nonEmpty[i] = 0
	}
	for i := range recs {
		for p, ni := range recs[i].parts {
			if ni == nil {
				continue
			}
			n.cnt[p][ni.id]++
			n.skelCnt[p][ni.skelID]++
			n.nonEmpty[p]++
		}
	}
	for p := range n.cnt {
		n.sumSq[p], n.skelSumSq[p] = 0, 0
		if n.nonEmpty[p] == 0 {
			continue
		}
		t := float64(n.nonEmpty[p])
		for _, c := range n.cnt[p] {
			n.sumSq[p] += float64(c) * float64(c) / (t * t)
		}
		for _, c := range n.skelCnt[p] {
			n.skelSumSq[p] += float64(c) * float64(c) / (t * t)
		}
	}
	for _, ni := range n.list {
		ni.total = 0
		for p := range n.cnt {
			ni.total += n.cnt[p][ni.id]
		}
	}
}
