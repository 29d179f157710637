package pprl

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/dedup"
)

// Secret is the key the member nodes share and the hub never sees.
type Secret [32]byte

// secretHeader starts a key file.
const secretHeader = "tadamun-pprl-secret-v1"

// NewSecret draws a new secret from the system's randomness.
func NewSecret() (Secret, error) {
	var s Secret
	_, err := rand.Read(s[:])
	return s, err
}

// DemoSecret is the fixed secret of the demonstration data: never use it
// for real persons.
func DemoSecret() Secret { return Secret(sha256.Sum256([]byte("tadamun-demo-crossborder-secret"))) }

// MarshalText writes the key file's one line.
func (s Secret) MarshalText() ([]byte, error) {
	return []byte(secretHeader + " " + base64.StdEncoding.EncodeToString(s[:])), nil
}

// ErrBadSecret is returned for a key file that is not one.
var ErrBadSecret = errors.New("pprl: not a tadamun cross-border key file (expected one line \"" + secretHeader + " <base64 of 32 bytes>\")")

// ParseSecret reads a key file's content.
func ParseSecret(b []byte) (Secret, error) {
	var s Secret
	f := strings.Fields(string(b))
	if len(f) != 2 || f[0] != secretHeader {
		return s, ErrBadSecret
	}
	raw, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil || len(raw) != len(s) {
		return s, ErrBadSecret
	}
	copy(s[:], raw)
	return s, nil
}

func (s Secret) mac(label string) []byte {
	m := hmac.New(sha256.New, s[:])
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Check is the secret's check value, HMAC(secret, "tadamun-pprl-check")
// in hex: every encoding file carries it, so that the hub refuses files
// encoded with different secrets before comparing. It reveals nothing of
// the secret.
func (s Secret) Check() string { return hex.EncodeToString(s.mac("tadamun-pprl-check")[:16]) }

// Person is what is encoded of one person: names as entered, birth year,
// sex. A person registered only in Latin script has empty Arabic parts
// and a Latin full name.
type Person struct {
	First, Father, Family string
	Latin                 string
	BirthYear             int  // 0 unknown
	BirthMonth, BirthDay  int  // 0 when only the year is known
	Sex                   byte // 'M', 'F' or 0
}

// FromRecord takes a dedup record's encoded fields.
func FromRecord(r dedup.Record) Person {
	return Person{First: r.First, Father: r.Father, Family: r.Family, Latin: r.Latin, BirthYear: r.BirthYear, BirthMonth: r.BirthMonth, BirthDay: r.BirthDay, Sex: byte(r.Sex)}
}

// The encoded fields.
const (
	fFirst = iota
	fFather
	fFamily
	fLatinFirst // transliteration (consonant skeleton) keys: meet the other script
	fLatinFather
	fLatinFamily
	fYear
	fSex
	fDay // day and month of birth
	nFields
)

var fieldNames = [nFields]string{"first", "father", "family", "latin_first", "latin_father", "latin_family", "birth_year", "sex", "birth_day"}

// Hardening selects the defences against attacks on the encodings (see
// the package documentation).
type Hardening struct {
	// FieldSalt keys each field with its own key derived from the
	// secret: the bigram "مح" of a first name and of a family name set
	// unrelated bits.
	FieldSalt bool
	// Weighted gives each field its own number of hash functions, so
	// that the fields' shares of set bits follow their worth for
	// matching instead of their length, and the common short fields (sex,
	// year) do not dominate.
	Weighted bool
	// Fold XOR-folds the filter once (1,024 bits into 512): every stored
	// bit is the XOR of two, so a bit no longer stands for one set of
	// bigrams.
	Fold bool
}

// Default is the hardening the nodes apply (chosen from the measurement
// in bench/crossborder).
var Default = Hardening{FieldSalt: true, Weighted: true}

// String names h for headers and reports: "salt+weighted", "none".
func (h Hardening) String() string {
	var p []string
	if h.FieldSalt {
		p = append(p, "salt")
	}
	if h.Weighted {
		p = append(p, "weighted")
	}
	if h.Fold {
		p = append(p, "fold")
	}
	if len(p) == 0 {
		return "none"
	}
	return strings.Join(p, "+")
}

// ParseHardening reads String's form.
func ParseHardening(s string) (Hardening, error) {
	var h Hardening
	if s == "none" {
		return h, nil
	}
	for _, p := range strings.Split(s, "+") {
		switch p {
		case "salt":
			h.FieldSalt = true
		case "weighted":
			h.Weighted = true
		case "fold":
			h.Fold = true
		default:
			return h, errors.New("pprl: unknown hardening " + strconv.Quote(p))
		}
	}
	return h, nil
}

// Bits is the length of a filter before folding.
const Bits = 1024

// Words is the number of 64-bit words of a filter (folded filters use
// the first half).
const Words = Bits / 64

// NKeys is the number of blocking keys of an encoding.
const NKeys = 4

// Filter is a Bloom filter.
type Filter [Words]uint64

// Encoding is one person's encoding: the filter and the hashed blocking
// keys (0 when the person lacks the fields of a key).
type Encoding struct {
	Filter Filter
	Keys   [NKeys]uint64
}

// kUniform is the number of hash functions of every field without
// weighting; kWeighted the numbers with it (per field, in field order):
// names carry the identity, their transliteration skeletons mostly repeat
// them and matter for persons written in Latin only, the year and the sex
// are short and common.
var (
	kUniform  = [nFields]int{10, 10, 10, 10, 10, 10, 10, 10, 10}
	kWeighted = [nFields]int{14, 10, 12, 7, 5, 6, 40, 4, 30}
)

// Encoder encodes persons under one secret and one hardening. It is safe
// for concurrent use.
type Encoder struct {
	h        Hardening
	keys     [nFields][]byte
	blockKey []byte
	k        [nFields]int
	mu       sync.Mutex
	cache    [nFields]map[string][]uint16 // value → bit positions
	kcache   map[string]uint64
}

// maxCache bounds the remembered values per field.
const maxCache = 200_000

// NewEncoder returns an encoder.
func NewEncoder(s Secret, h Hardening) *Encoder {
	e := &Encoder{h: h, k: kUniform, blockKey: s.mac("tadamun-pprl-block"), kcache: map[string]uint64{}}
	if h.Weighted {
		e.k = kWeighted
	}
	for f := range e.keys {
		if h.FieldSalt {
			e.keys[f] = s.mac("tadamun-pprl-field:" + fieldNames[f])
		} else {
			e.keys[f] = s.mac("tadamun-pprl-field")
		}
		e.cache[f] = map[string][]uint16{}
	}
	return e
}

// Hardening returns the encoder's hardening.
func (e *Encoder) Hardening() Hardening { return e.h }

// Clear is a person's keys in the clear: the normalized values the
// encoder hashes. It is what the encoding hides; used by the node only in
// memory and by the measurement's clear-text baseline.
type Clear struct {
	Fields [nFields]string
	Block  [NKeys]string // blocking key material, "" none
}

// Prepare computes p's clear keys.
func Prepare(p Person) Clear {
	var c Clear
	first, father, family := arabic.NameKey(p.First), arabic.NameKey(p.Father), arabic.FamilyKey(p.Family)
	if first == "" && father == "" && family == "" && p.Latin != "" {
		w := strings.Fields(arabic.NameKey(p.Latin))
		switch len(w) {
		case 0:
		case 1:
			first = w[0]
		case 2:
			first, family = w[0], arabic.FamilyKey(w[1])
		default:
			first, father, family = w[0], w[1], arabic.FamilyKey(w[len(w)-1])
		}
		// Latin-only: only the skeletons are set, the Arabic fields stay
		// empty (their bigrams would never meet an Arabic spelling).
		c.Fields[fLatinFirst], c.Fields[fLatinFather], c.Fields[fLatinFamily] = arabic.Translit(first), arabic.Translit(father), arabic.Translit(family)
	} else {
		c.Fields[fFirst], c.Fields[fFather], c.Fields[fFamily] = first, father, family
		c.Fields[fLatinFirst], c.Fields[fLatinFather], c.Fields[fLatinFamily] = arabic.Translit(first), arabic.Translit(father), arabic.Translit(family)
	}
	if p.BirthYear > 1800 && p.BirthYear < 2200 {
		c.Fields[fYear] = strconv.Itoa(p.BirthYear)
	}
	if p.Sex == 'M' || p.Sex == 'F' {
		c.Fields[fSex] = string(p.Sex)
	}
	if p.BirthMonth >= 1 && p.BirthMonth <= 12 && p.BirthDay >= 1 && p.BirthDay <= 31 {
		c.Fields[fDay] = fmt.Sprintf("%02d-%02d", p.BirthMonth, p.BirthDay)
	}
	pf, pa, pm := arabic.Phonetic(first), arabic.Phonetic(father), arabic.Phonetic(family)
	y := c.Fields[fYear]
	// Four keys, each surviving an error in one part: first and father
	// with the year (a family name spelled otherwise), first and family
	// with the year (the father's), father and family with the year and
	// the first name's initial (a mistyped first name), the three names
	// without a year (a wrong year).
	if pf != "" && pa != "" && y != "" {
		c.Block[0] = "fa|" + pf + "|" + pa + "|" + y
	}
	if pf != "" && pm != "" && y != "" {
		c.Block[1] = "fm|" + pf + "|" + pm + "|" + y
	}
	if pa != "" && pm != "" && y != "" && pf != "" {
		c.Block[2] = "am|" + pf[:1] + "|" + pa + "|" + pm + "|" + y
	}
	if pf != "" && pa != "" && pm != "" {
		c.Block[3] = "3|" + pf + "|" + pa + "|" + pm
	}
	return c
}

// Encode encodes p.
func (e *Encoder) Encode(p Person) Encoding { return e.EncodeClear(Prepare(p)) }

// EncodeClear encodes prepared keys.
func (e *Encoder) EncodeClear(c Clear) Encoding {
	var enc Encoding
	var full Filter
	for f, v := range c.Fields {
		if v == "" {
			continue
		}
		for _, pos := range e.positions(f, v) {
			full[pos>>6] |= 1 << (pos & 63)
		}
	}
	if e.h.Fold {
		for i := 0; i < Words/2; i++ {
			enc.Filter[i] = full[i] ^ full[i+Words/2]
		}
	} else {
		enc.Filter = full
	}
	for i, b := range c.Block {
		if b != "" {
			enc.Keys[i] = e.blockHash(b)
		}
	}
	return enc
}

func (e *Encoder) blockHash(b string) uint64 {
	e.mu.Lock()
	h, ok := e.kcache[b]
	e.mu.Unlock()
	if ok {
		return h
	}
	m := hmac.New(sha256.New, e.blockKey)
	m.Write([]byte(b))
	h = binary.LittleEndian.Uint64(m.Sum(nil)) | 1 // never 0
	e.mu.Lock()
	if len(e.kcache) < maxCache {
		e.kcache[b] = h
	}
	e.mu.Unlock()
	return h
}

// positions returns the bit positions of value v of field f: for each
// bigram, k positions taken from HMAC(field key, bigram) — independent
// positions, not double hashing, which the attack of Niedermeyer et al.
// exploits.
func (e *Encoder) positions(f int, v string) []uint16 {
	e.mu.Lock()
	ps, ok := e.cache[f][v]
	e.mu.Unlock()
	if ok {
		return ps
	}
	k := e.k[f]
	grams := Bigrams(v)
	switch f {
	case fYear:
		grams = yearTokens(v)
	case fDay:
		grams = dayTokens(v)
	}
	for _, g := range grams {
		m := hmac.New(sha256.New, e.keys[f])
		var sum []byte
		for i := 0; i < k; i++ {
			if i%16 == 0 {
				m.Reset()
				m.Write([]byte(g))
				m.Write([]byte{byte(i / 16)})
				sum = m.Sum(sum[:0])
			}
			ps = append(ps, binary.LittleEndian.Uint16(sum[2*(i%16):])%Bits)
		}
	}
	e.mu.Lock()
	if len(e.cache[f]) < maxCache {
		e.cache[f][v] = ps
	}
	e.mu.Unlock()
	return ps
}

// yearTokens are the year's tokens: the year itself and its half-decade,
// so that a year off by one often keeps half the year's bits and two
// years far apart share none (bigrams of "1985" and "1971" share half).
func yearTokens(v string) []string {
	n, _ := strconv.Atoi(v)
	return []string{"y" + v, "h" + strconv.Itoa(n/5)}
}

// dayTokens are the day and month's tokens: as written, and in ascending
// order, so that a date with day and month swapped keeps half the bits.
func dayTokens(v string) []string {
	m, d := v[:2], v[3:]
	lo, hi := m, d
	if lo > hi {
		lo, hi = hi, lo
	}
	return []string{"d" + v, "s" + lo + hi}
}

// Bigrams returns the padded bigrams of s ("_م", "مح", …, "د_"), each
// once.
func Bigrams(s string) []string {
	r := []rune("_" + s + "_")
	out := make([]string, 0, len(r))
	for i := 0; i+1 < len(r); i++ {
		g := string(r[i : i+2])
		dup := false
		for _, o := range out {
			if o == g {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, g)
		}
	}
	return out
}

// Dice is the Dice similarity of two filters: 2|a∧b| / (|a|+|b|).
func Dice(a, b *Filter) float64 {
	var and, na, nb int
	for i := range a {
		and += popcount(a[i] & b[i])
		na += popcount(a[i])
		nb += popcount(b[i])
	}
	if na+nb == 0 {
		return 0
	}
	return 2 * float64(and) / float64(na+nb)
}

// Ones returns the number of set bits of f.
func (f *Filter) Ones() int {
	n := 0
	for _, w := range f {
		n += popcount(w)
	}
	return n
}
