package pprl

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/dedup/synth"
)

func secret(b byte) Secret {
	var s Secret
	for i := range s {
		s[i] = b + byte(i)
	}
	return s
}

var ahmad = Person{First: "أحمد", Father: "محمود", Family: "الخطيب", BirthYear: 1984, Sex: 'M'}

func TestDeterministicUnderOneSecretUnrelatedUnderAnother(t *testing.T) {
	for _, h := range []Hardening{{}, Default, {FieldSalt: true, Weighted: true, Fold: true}} {
		a := NewEncoder(secret(1), h).Encode(ahmad)
		b := NewEncoder(secret(1), h).Encode(ahmad)
		if a != b {
			t.Fatalf("%s: two encoders of one secret differ", h)
		}
		c := NewEncoder(secret(2), h).Encode(ahmad)
		d := Dice(&a.Filter, &c.Filter)
		// Chance: two independent filters of these fill rates.
		bits := float64(Bits)
		if h.Fold {
			bits /= 2
		}
		pa, pc := float64(a.Filter.Ones())/bits, float64(c.Filter.Ones())/bits
		chance := 2 * pa * pc * bits / float64(a.Filter.Ones()+c.Filter.Ones())
		if d > chance+0.12 {
			t.Errorf("%s: the same name under two secrets scores %.3f, chance %.3f", h, d, chance)
		}
		for i := range a.Keys {
			if a.Keys[i] == c.Keys[i] {
				t.Errorf("%s: blocking key %d equal under two secrets", h, i)
			}
		}
	}
}

func TestTypoHighOtherPersonLow(t *testing.T) {
	e := NewEncoder(secret(1), Default)
	a := e.Encode(ahmad)
	typo := ahmad
	typo.Father = "محمد" + "و" // محمدو: one letter added
	typo.First = "احمد"
	b := e.Encode(typo)
	if d := Dice(&a.Filter, &b.Filter); d < DefaultThreshold {
		t.Errorf("a typo scores %.3f, below the threshold %.2f", d, DefaultThreshold)
	}
	latin := Person{Latin: "Ahmad Mahmoud Al Khatib", BirthYear: 1984, Sex: 'M'}
	l := e.Encode(latin)
	t.Logf("latin-only spelling scores %.3f", Dice(&a.Filter, &l.Filter))
	other := e.Encode(Person{First: "فاطمة", Father: "علي", Family: "النجار", BirthYear: 1990, Sex: 'F'})
	if d := Dice(&a.Filter, &other.Filter); d > 0.4 {
		t.Errorf("different persons score %.3f", d)
	}
}

// encodeFile writes records as member's encoding file.
func encodeFile(t testing.TB, member string, s Secret, h Hardening, ps []Person) []byte {
	var buf bytes.Buffer
	e := NewEncoder(s, h)
	w, err := NewWriter(&buf, Header{Member: member, Check: s.Check(), Created: "2026-12-04T00:00:00Z"}, h)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ps {
		var tok Token
		tok[0], tok[1], tok[2] = byte(i), byte(i>>8), member[0]
		enc := e.Encode(p)
		if err := w.Write(tok, &enc); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type bufs map[string]*bytes.Buffer

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (b bufs) out(m string) (io.WriteCloser, error) {
	b[m] = &bytes.Buffer{}
	return nopCloser{b[m]}, nil
}

// split generates n records and returns two members' persons with the
// cross pairs planted by the generator (its duplicates split across).
func split(n int) (a, b []Person, truth map[[2]int]bool) {
	d := synth.Generate(synth.Config{Records: n, Seed: 3, DupRate: 0.3})
	first := map[int]bool{} // entity → its first record went to a
	var ea, eb []int
	for i, r := range d.Records {
		p := FromRecord(r)
		inA, ok := first[d.Truth[i]]
		if !ok {
			inA = i%2 == 0
			first[d.Truth[i]] = inA
		} else {
			inA = !inA // later copies: the other member
		}
		if inA {
			a, ea = append(a, p), append(ea, d.Truth[i])
		} else {
			b, eb = append(b, p), append(eb, d.Truth[i])
		}
	}
	inB := map[int][]int{}
	for j, e := range eb {
		inB[e] = append(inB[e], j)
	}
	truth = map[[2]int]bool{}
	for i, e := range ea {
		for _, j := range inB[e] {
			truth[[2]int{i, j}] = true
		}
	}
	return a, b, truth
}

func TestCompareFindsPlantedPairs(t *testing.T) {
	a, b, truth := split(4000)
	fa := encodeFile(t, "JO", secret(1), Default, a)
	fb := encodeFile(t, "EG", secret(1), Default, b)
	out := bufs{}
	res, err := Compare(context.Background(), CompareOptions{}, out.out, bytes.NewReader(fa), bytes.NewReader(fb))
	if err != nil {
		t.Fatal(err)
	}
	_, pairs, err := ReadPairs(out["JO"], "JO", 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	_, back, err := ReadPairs(out["EG"], "EG", 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != len(back) || len(pairs) == 0 {
		t.Fatalf("JO has %d pairs, EG %d", len(pairs), len(back))
	}
	correct := 0
	for _, p := range pairs {
		ta, _ := ParseToken(p.Token)
		tb, _ := ParseToken(p.OtherToken)
		if p.OtherMember != "EG" || ta[2] != 'J' || tb[2] != 'E' {
			t.Fatalf("pair %+v", p)
		}
		if truth[[2]int{int(ta[0]) | int(ta[1])<<8, int(tb[0]) | int(tb[1])<<8}] {
			correct++
		}
	}
	prec, rec := float64(correct)/float64(len(pairs)), float64(correct)/float64(len(truth))
	t.Logf("%d planted, %d reported, %d correct: precision %.3f recall %.3f; compared %d; gap %.3f", len(truth), len(pairs), correct, prec, rec, res.Compared, res.Gap)
	if prec < 0.8 || rec < 0.6 {
		t.Errorf("precision %.3f, recall %.3f", prec, rec)
	}
}

func TestAnotherSecretRefused(t *testing.T) {
	a, b, _ := split(2000)
	fa := encodeFile(t, "JO", secret(1), Default, a)
	// Honest check value of another secret: refused by the header.
	fb := encodeFile(t, "EG", secret(2), Default, b)
	_, err := Compare(context.Background(), CompareOptions{Names: []string{"jo.enc", "eg.enc"}}, bufs{}.out, bytes.NewReader(fa), bytes.NewReader(fb))
	if !errors.Is(err, ErrOtherSecret) || !strings.Contains(err.Error(), "eg.enc") {
		t.Fatalf("another secret: %v", err)
	}
	// The check value copied (forged) without the secret: refused by the
	// scores.
	forged := bytes.Replace(fb, []byte(secret(2).Check()), []byte(secret(1).Check()), 1)
	out := bufs{}
	_, err = Compare(context.Background(), CompareOptions{}, out.out, bytes.NewReader(fa), bytes.NewReader(forged))
	if !errors.Is(err, ErrOtherSecret) || !strings.Contains(err.Error(), "chance") {
		t.Fatalf("forged check: %v", err)
	}
	if len(out) != 0 {
		t.Fatal("answers written for a refused comparison")
	}
	// The same files with one secret pass the test.
	fb = encodeFile(t, "EG", secret(1), Default, b)
	res, err := Compare(context.Background(), CompareOptions{}, bufs{}.out, bytes.NewReader(fa), bytes.NewReader(fb))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("one secret: gap %.3f", res.Gap[0])
}

func TestNoNamesInFile(t *testing.T) {
	ps := []Person{ahmad, {First: "مريم", Father: "يوسف", Family: "حداد", Latin: "Mariam Yousef Haddad", BirthYear: 1979, Sex: 'F'}}
	f := encodeFile(t, "JO", secret(1), Default, ps)
	for _, p := range ps {
		for _, s := range []string{p.First, p.Father, p.Family, "Mariam", "Haddad", "محمود", "1984", "1979"} {
			if s != "" && bytes.Contains(f, []byte(s)) {
				t.Errorf("the file holds %q", s)
			}
		}
	}
}

func TestBadFiles(t *testing.T) {
	good := encodeFile(t, "JO", secret(1), Default, []Person{ahmad, ahmad})
	other := encodeFile(t, "EG", secret(1), Default, []Person{ahmad})
	cases := map[string][]byte{
		"cut":        good[:len(good)-20],
		"no trailer": good[:len(good)-9],
		"extra":      append(append([]byte{}, good...), 'x'),
		"header":     []byte("{\"format\":\"x\"}\n"),
		"long":       bytes.Repeat([]byte("a"), 5000),
	}
	for name, f := range cases {
		_, err := Compare(context.Background(), CompareOptions{}, bufs{}.out, bytes.NewReader(f), bytes.NewReader(other))
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err := Compare(context.Background(), CompareOptions{MaxRows: 1}, bufs{}.out, bytes.NewReader(good), bytes.NewReader(other))
	if !errors.Is(err, ErrTooMany) {
		t.Errorf("limit: %v", err)
	}
	_, err = Compare(context.Background(), CompareOptions{}, bufs{}.out, bytes.NewReader(good), bytes.NewReader(good))
	if err == nil || !strings.Contains(err.Error(), "second file") {
		t.Errorf("same member twice: %v", err)
	}
}

func TestSecretFile(t *testing.T) {
	s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.MarshalText()
	s2, err := ParseSecret(append(b, '\n'))
	if err != nil || s2 != s {
		t.Fatal(err)
	}
	if _, err := ParseSecret([]byte("nonsense")); err == nil {
		t.Fatal("bad key file read")
	}
}
