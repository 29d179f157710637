package member

import (
	"context"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/errs"
)

// AreaFilter narrows a member's areas for a picker: the zero value means
// every area.
type AreaFilter struct {
	// Level keeps one level (governorate, district, locality); "" any.
	Level string
	// Parent keeps the children of the area with this code.
	Parent string
	// Q keeps areas whose Arabic or English name contains it, compared
	// after arabic.Normalize (hamza, taa marbuta, alef forms and harakat
	// do not matter, nor Latin case), or whose code starts with it.
	Q string
	// Limit caps the answer; 0 means every match.
	Limit int
}

// MaxAreaQuery is the longest search text FindAreas accepts, in bytes.
const MaxAreaQuery = 100

// FindAreas returns the areas of member code that f keeps, parents before
// children, by code. Permissions are Areas's.
func (s *Service) FindAreas(ctx context.Context, code string, f AreaFilter) ([]Area, error) {
	if len(f.Q) > MaxAreaQuery {
		return nil, errs.E(errs.Invalid, "error.invalid_input").WithField("q", "areas.query_too_long", "max", MaxAreaQuery)
	}
	if f.Level != "" {
		if f.Level = normalizeLevel(f.Level); levelRank(f.Level) < 0 {
			return nil, errs.E(errs.Invalid, "error.invalid_input").WithField("level", "area.level_unknown", "level", f.Level)
		}
	}
	all, err := s.Areas(ctx, code)
	if err != nil {
		return nil, err
	}
	return filterAreas(all, f), nil
}

// PublicAreas is FindAreas for anyone, signed in or not: area names and
// codes are public (the complaint form offers them to every citizen).
func (s *Service) PublicAreas(ctx context.Context, code string, f AreaFilter) ([]Area, error) {
	return s.FindAreas(actor.System(ctx), code, f)
}

// AreasOf returns every area of member id without permission checks, for
// capabilities and transports that already checked theirs (a registrar's
// own member, the member a citizen chose on a public form).
func (s *Service) AreasOf(ctx context.Context, id int64) ([]Area, error) {
	m, err := s.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.Areas(actor.System(ctx), m.Code)
}

func filterAreas(all []Area, f AreaFilter) []Area {
	q := arabic.Normalize(f.Q)
	parent := strings.TrimSpace(f.Parent)
	var out []Area
	for _, a := range all {
		if f.Level != "" && a.Level != f.Level {
			continue
		}
		if parent != "" && a.ParentCode != parent {
			continue
		}
		if q != "" && !strings.Contains(arabic.Normalize(a.NameAR), q) && !strings.Contains(arabic.Normalize(a.NameEN), q) &&
			!strings.HasPrefix(strings.ToLower(a.Code), strings.ToLower(strings.TrimSpace(f.Q))) {
			continue
		}
		out = append(out, a)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out
}

// levelWords are words that name a level rather than an area: "محافظة
// عمان" and "عمان" are the same governorate, "لواء ماركا" and "ماركا" the
// same district. Normalized forms.
var levelWords = map[string]bool{
	"محافظه": true, "لواء": true, "قضاء": true, "مركز": true, "مديريه": true, "ناحيه": true, "حي": true, "قسم": true,
	"governorate": true, "province": true, "district": true, "locality": true,
}

// nameKeys returns the keys a typed or stored name matches on: its
// normalized form, and the same without level words and articles at the
// start of words when that leaves something.
func nameKeys(s string) (exact, loose string) {
	exact = arabic.Normalize(s)
	var kept []string
	for _, w := range strings.Fields(exact) {
		if levelWords[w] {
			continue
		}
		kept = append(kept, w)
	}
	loose = strings.Join(kept, " ")
	if loose == "" {
		loose = exact
	}
	return exact, loose
}

// ResolveArea finds the area a person chose or typed at one level: its
// code (as the pickers send), else its name in Arabic or English, compared
// after arabic.Normalize and, failing that, without level words ("محافظة",
// "لواء", "district"…). Only children of parent are considered when
// parent is not "". field names the form field for the error: unknown and
// ambiguous names are errs.Invalid with a field error whose message names
// the level.
func ResolveArea(areas []Area, field, level, parent, typed string) (Area, error) {
	typed = strings.TrimSpace(typed)
	var cands []Area
	for _, a := range areas {
		if a.Level == level && (parent == "" || a.ParentCode == parent) {
			cands = append(cands, a)
		}
	}
	for _, a := range cands {
		if strings.EqualFold(a.Code, typed) {
			return a, nil
		}
	}
	exact, loose := nameKeys(typed)
	match := func(strict bool) []Area {
		var out []Area
		for _, a := range cands {
			for _, n := range []string{a.NameAR, a.NameEN} {
				e, l := nameKeys(n)
				if (strict && e == exact) || (!strict && l == loose) {
					out = append(out, a)
					break
				}
			}
		}
		return out
	}
	found := match(true)
	if len(found) == 0 {
		found = match(false)
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Area{}, errs.E(errs.Invalid, "areas.not_resolved").WithField(field, "areas.unknown_"+level, "name", typed)
	}
	return Area{}, errs.E(errs.Invalid, "areas.not_resolved").WithField(field, "areas.ambiguous_"+level, "name", typed)
}

// ResolveAreas resolves a governorate, district and locality as a person
// gave them (codes or names, any may be empty) to codes, each within the
// one above it when that is given. The fields are named governorate,
// district and locality. With no areas at all (a member that has not
// loaded them) the values come back as given.
func ResolveAreas(areas []Area, gov, dist, loc string) (string, string, string, error) {
	if len(areas) == 0 {
		return gov, dist, loc, nil
	}
	in := [3]string{strings.TrimSpace(gov), strings.TrimSpace(dist), strings.TrimSpace(loc)}
	var out [3]string
	var e *errs.Error
	parent := ""
	for i, level := range Levels {
		if in[i] == "" {
			parent = ""
			continue
		}
		a, err := ResolveArea(areas, level, level, parent, in[i])
		if err != nil {
			if e == nil {
				e = errs.E(errs.Invalid, "areas.not_resolved")
			}
			e.Fields = append(e.Fields, errs.As(err).Fields...)
			out[i], parent = in[i], ""
			continue
		}
		out[i], parent = a.Code, a.Code
	}
	if e != nil {
		return out[0], out[1], out[2], e
	}
	return out[0], out[1], out[2], nil
}
