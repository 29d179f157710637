package donor

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/errs"
)

// Duplicate classes.
const (
	Likely   = "likely"   // refuses the write unless confirmed
	Possible = "possible" // shown, never refuses
)

// Reasons a duplicate is one (Duplicate.Why), each a catalog key
// fund_donor.why.<reason>.
const (
	WhyPhone     = "phone"
	WhyEmail     = "email"
	WhyRegNo     = "reg_no"
	WhyIBAN      = "iban"
	WhyNameSame  = "name_same"
	WhyNameClose = "name_close"
	WhyAddress   = "address"
	WhyPhoneTail = "phone_tail"
)

// Name similarity thresholds on the Jaro–Winkler scale. closeName is the
// registry's (internal/dedup's jwClose): two names at least this alike
// look alike; veryClose is a name that differs by a letter or a spacing.
const (
	closeName = 0.9
	veryClose = 0.95
	// maxCandidates bounds the donors one check scores.
	maxCandidates = 200
	maxDuplicates = 20
)

// Duplicate is another donor that may be the one being written.
type Duplicate struct {
	DonorID    int64    `json:"donor_id"`
	Kind       string   `json:"kind"`
	Name       string   `json:"name"`
	Class      string   `json:"class"`
	Why        []string `json:"why"`
	Similarity float64  `json:"similarity"` // of the names, 0 to 1
}

// refuseLikely returns the refusal for likely duplicates not confirmed.
func refuseLikely(dups []Duplicate, confirm bool) error {
	if confirm {
		return nil
	}
	var ids []string
	for _, d := range dups {
		if d.Class == Likely {
			ids = append(ids, "#"+id(d.DonorID))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return errs.E(errs.Conflict, "fund_donor.duplicate_likely", "donors", strings.Join(ids, "، "))
}

// confirmed lists the likely duplicates a confirmed write went past, for
// its audit record; nil when there were none.
func confirmed(dups []Duplicate) []int64 {
	var out []int64
	for _, d := range dups {
		if d.Class == Likely {
			out = append(out, d.DonorID)
		}
	}
	return out
}

// NameSimilarity scores two donor names from 0 to 1 the way the registry
// compares names: equal NameKeys (compound names joined, letter forms
// unified) are 1; an Arabic and a Latin spelling are compared by their
// transliteration skeletons (arabic.Translit); otherwise Jaro–Winkler of
// the NameKeys.
func NameSimilarity(a, b string) float64 {
	ka, kb := arabic.NameKey(a), arabic.NameKey(b)
	if ka == kb {
		return 1
	}
	if arabic.IsLatin(a) != arabic.IsLatin(b) {
		ta, tb := arabic.Translit(a), arabic.Translit(b)
		if ta == tb && ta != "" {
			return veryClose
		}
		return arabic.JaroWinkler(ta, tb)
	}
	return arabic.JaroWinkler(ka, kb)
}

// Check returns the duplicates of in among member's live donors, without
// writing (the form's "check" button); self is the donor being edited (0
// for a new one).
func (s *Service) Check(ctx context.Context, in Input, self int64) ([]Duplicate, error) {
	if err := requireWrite(ctx, in.MemberID); err != nil {
		return nil, err
	}
	cc, err := s.callingCode(ctx, in.MemberID)
	if err != nil {
		return nil, err
	}
	in, k, err := s.clean(in, cc, s.now())
	if err != nil {
		return nil, err
	}
	_ = in
	return s.duplicates(ctx, s.db, in.MemberID, self, k)
}

// duplicates finds the live donors of member other than self that k may
// be. Candidates come from the keys' index: an equal phone or IBAN key,
// e-mail or registration number, or at least two phonetic name words in
// common (one for a one-word name); each is then scored.
func (s *Service) duplicates(ctx context.Context, q querier, member, self int64, k keys) ([]Duplicate, error) {
	why := map[int64][]string{}
	var order []int64
	note := func(d int64, w string) {
		if d == self {
			return
		}
		if _, ok := why[d]; !ok {
			order = append(order, d)
		}
		if w != "" && !slices.Contains(why[d], w) {
			why[d] = append(why[d], w)
		}
	}
	// Equal keys.
	var conds []string
	args := []any{member}
	if len(k.phones) > 0 {
		conds = append(conds, `(kind = 'phone' AND norm IN (`+marks(len(k.phones))+`))`)
		for _, p := range k.phones {
			args = append(args, p.norm)
		}
	}
	if len(k.ibans) > 0 {
		conds = append(conds, `(kind = 'iban' AND norm IN (`+marks(len(k.ibans))+`))`)
		for _, v := range k.ibans {
			args = append(args, v)
		}
	}
	if len(conds) > 0 {
		rows, err := q.Query(ctx, `SELECT donor_id, kind FROM fund_donor_keys WHERE member_id = ? AND (`+strings.Join(conds, " OR ")+`)`, args...)
		if err != nil {
			return nil, errs.Wrapf(err, "donor: duplicate keys")
		}
		for rows.Next() {
			var d int64
			var kind string
			if err := rows.Scan(&d, &kind); err != nil {
				rows.Close()
				return nil, errs.Wrapf(err, "donor: duplicate keys")
			}
			note(d, map[string]string{"phone": WhyPhone, "iban": WhyIBAN}[kind])
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrapf(err, "donor: duplicate keys")
		}
	}
	for _, f := range []struct{ col, key, why string }{{"email_key", k.emailKey, WhyEmail}, {"reg_key", k.regKey, WhyRegNo}} {
		if f.key == "" {
			continue
		}
		ids, err := ids(ctx, q, `SELECT id FROM fund_donors WHERE member_id = ? AND `+f.col+` = ? AND merged_into IS NULL ORDER BY id LIMIT 50`, member, f.key)
		if err != nil {
			return nil, err
		}
		for _, d := range ids {
			note(d, f.why)
		}
	}
	// Names: phonetic words in common.
	if len(k.phon) > 0 {
		need := min(2, len(k.phon))
		a := []any{member}
		for _, w := range k.phon {
			a = append(a, w)
		}
		a = append(a, need)
		ids, err := ids(ctx, q, `SELECT donor_id FROM fund_donor_keys WHERE member_id = ? AND kind = 'name' AND norm IN (`+marks(len(k.phon))+`)
			GROUP BY donor_id HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC, donor_id DESC LIMIT `+id(maxCandidates), a...)
		if err != nil {
			return nil, err
		}
		for _, d := range ids {
			note(d, "")
		}
	}
	if len(order) == 0 {
		return nil, nil
	}
	// Score the candidates.
	type cand struct {
		kind, name, addrKey string
		phones              []string
	}
	cands := map[int64]*cand{}
	a := []any{}
	for _, d := range order {
		a = append(a, d)
	}
	rows, err := q.Query(ctx, `SELECT id, kind, name, address FROM fund_donors WHERE merged_into IS NULL AND id IN (`+marks(len(order))+`)`, a...)
	if err != nil {
		return nil, errs.Wrapf(err, "donor: duplicate candidates")
	}
	for rows.Next() {
		var d int64
		var c cand
		if err := rows.Scan(&d, &c.kind, &c.name, &c.addrKey); err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "donor: duplicate candidates")
		}
		c.addrKey = arabic.Normalize(c.addrKey)
		cands[d] = &c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "donor: duplicate candidates")
	}
	if len(k.phones) > 0 {
		rows, err := q.Query(ctx, `SELECT donor_id, norm FROM fund_donor_keys WHERE kind = 'phone' AND donor_id IN (`+marks(len(order))+`)`, a...)
		if err != nil {
			return nil, errs.Wrapf(err, "donor: duplicate phones")
		}
		for rows.Next() {
			var d int64
			var p string
			if err := rows.Scan(&d, &p); err != nil {
				rows.Close()
				return nil, errs.Wrapf(err, "donor: duplicate phones")
			}
			if c := cands[d]; c != nil {
				c.phones = append(c.phones, p)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrapf(err, "donor: duplicate phones")
		}
	}
	name := k.nameKey
	var out []Duplicate
	for _, d := range order {
		c := cands[d]
		if c == nil {
			continue
		}
		sim := NameSimilarity(name, c.name)
		w := why[d]
		exact := len(w) > 0
		switch {
		case sim == 1:
			w = append(w, WhyNameSame)
		case sim >= closeName:
			w = append(w, WhyNameClose)
		}
		shared := false
		if k.addrKey != "" && k.addrKey == c.addrKey {
			shared = true
			w = append(w, WhyAddress)
		}
		if !exact && tailShared(k.phones, c.phones) {
			shared = true
			w = append(w, WhyPhoneTail)
		}
		dup := Duplicate{DonorID: d, Kind: c.kind, Name: c.name, Why: w, Similarity: float64(int(sim*1000)) / 1000}
		switch {
		case exact || sim >= veryClose && shared:
			dup.Class = Likely
		case sim >= closeName:
			dup.Class = Possible
		default:
			continue
		}
		out = append(out, dup)
	}
	slices.SortStableFunc(out, func(x, y Duplicate) int {
		if x.Class != y.Class {
			return strings.Compare(x.Class, y.Class) // likely before possible
		}
		return cmp.Compare(y.Similarity, x.Similarity)
	})
	if len(out) > maxDuplicates {
		out = out[:maxDuplicates]
	}
	return out, nil
}

// tailShared reports whether a phone of a and one of b end in the same
// seven digits: one number written with and without its calling code.
func tailShared(a []keyed, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if len(x.norm) >= 7 && len(y) >= 7 && x.norm[len(x.norm)-7:] == y[len(y)-7:] {
				return true
			}
		}
	}
	return false
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func ids(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "donor: query")
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, errs.Wrapf(err, "donor: query")
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
