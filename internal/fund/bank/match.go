package bank

import (
	"context"
	"strings"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/fund"
)

// target is what a key points at. A key two donors share points at
// ambiguous, and matches nothing.
type target struct {
	donor  int64
	pledge int64
}

var ambiguous = target{donor: -1}

// index is the matcher's maps, built once per import.
type index struct {
	refs      map[string]target
	campaigns map[string]fund.Restriction
	ibans     map[string]int64
	names     map[string]int64
}

func put[V comparable](m map[string]V, k string, v, amb V) {
	if k == "" {
		return
	}
	if old, ok := m[k]; ok && old != v {
		m[k] = amb
		return
	}
	m[k] = v
}

// normRef is a reference as compared: capitals, Western digits, no
// spaces.
func normRef(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(arabic.Digits(s)), ""))
}

// buildIndex reads the member's pledges, donors and public campaigns.
func (s *Service) buildIndex(ctx context.Context, member int64) (*index, error) {
	ix := &index{refs: map[string]target{}, campaigns: map[string]fund.Restriction{}, ibans: map[string]int64{}, names: map[string]int64{}}
	if s.donors == nil || s.gifts == nil {
		return ix, nil
	}
	if err := s.gifts.EachPledgeKeys(ctx, member, func(p fund.PledgeKeys) error {
		put(ix.refs, normRef(p.Reference), target{donor: p.DonorID, pledge: p.PledgeID}, ambiguous)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := s.donors.EachKeys(ctx, member, func(k fund.DonorKeys) error {
		for _, r := range k.Refs {
			put(ix.refs, normRef(r), target{donor: k.DonorID}, ambiguous)
		}
		for _, b := range k.IBANs {
			put(ix.ibans, normIBAN(b), k.DonorID, -1)
		}
		put(ix.names, k.NameKey, k.DonorID, -1)
		return nil
	}); err != nil {
		return nil, err
	}
	if s.camps != nil {
		cs, err := s.camps.PublicCampaigns(ctx, member)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.Status == "closed" || c.Code == "" {
				continue
			}
			inner := c.Restriction
			r := fund.Restriction{Kind: fund.RestrictCampaign, CampaignID: c.ID, Zakat: inner.Zakat}
			if inner.Kind != fund.RestrictNone {
				inner.Zakat = false
				r.Inner = &inner
			}
			ix.campaigns[normRef(c.Code)] = r
		}
	}
	return ix, nil
}

// match is what the matcher found for one credit.
type match struct {
	on          string
	donor       int64
	pledge      int64
	restriction fund.Restriction
}

// refCandidates are the references a credit carries, in the order tried.
func refCandidates(x *raw) []string {
	out := make([]string, 0, 4)
	if x.RefStrd != "" {
		out = append(out, x.RefStrd)
	}
	if x.Reference != "" && x.Reference != x.RefStrd {
		out = append(out, x.Reference)
		if f := strings.Fields(x.Reference); len(f) > 1 {
			out = append(out, f...)
		}
	}
	if x.EndToEnd != "" {
		out = append(out, x.EndToEnd)
	}
	return out
}

// match finds the donor of credit x: reference, then IBAN, then name.
func (ix *index) match(x *raw) (match, bool) {
	var m match
	var camp *fund.Restriction
	for _, c := range refCandidates(x) {
		k := normRef(c)
		if t, ok := ix.refs[k]; ok && t != ambiguous {
			m = match{on: OnReference, donor: t.donor, pledge: t.pledge}
			break
		}
		if r, ok := ix.campaigns[k]; ok && camp == nil {
			camp = &r
		}
	}
	if m.donor == 0 && x.DebtorIBAN != "" {
		if d, ok := ix.ibans[x.DebtorIBAN]; ok && d > 0 {
			m = match{on: OnIBAN, donor: d}
		}
	}
	if m.donor == 0 && x.DebtorName != "" {
		if d, ok := ix.names[arabic.NameKey(x.DebtorName)]; ok && d > 0 {
			m = match{on: OnName, donor: d}
		}
	}
	if m.donor == 0 {
		return m, false
	}
	if camp != nil && m.pledge == 0 {
		m.restriction = *camp
	}
	return m, true
}
