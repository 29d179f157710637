package match

import (
	"slices"
	"strings"

	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/registry"
)

// The parts of the score and their most points; they add up to 100.
const (
	WeightSkills         = 40
	WeightArea           = 20
	WeightAccommodations = 10
	WeightEducation      = 10
	WeightExperience     = 10
	WeightLanguages      = 5
	WeightHours          = 5
)

// Points of the place part.
const (
	PointsLocality    = 20
	PointsDistrict    = 15
	PointsGovernorate = 10
	PointsPreferred   = 8
)

// EducationStep is what each level of education below the vacancy's least
// costs.
const EducationStep = 4

// Hours codes.
const (
	hoursAny  = 0
	hoursFull = 1
	hoursPart = 2
)

func hoursCode(h string) uint8 {
	switch h {
	case "full":
		return hoursFull
	case "part":
		return hoursPart
	}
	return hoursAny
}

// eduRank is the rank of each registry education code: its place in
// registry.Educations, from 1; 0 for "" and unknown codes.
var eduRank = func() map[string]uint8 {
	m := map[string]uint8{}
	for i, c := range registry.Educations.Codes {
		m[c.Code] = uint8(i + 1)
	}
	return m
}()

// EducationRank returns the rank of a registry education code (1 for
// "none" up to the highest), 0 when the code is empty or unknown.
func EducationRank(code string) int { return int(eduRank[code]) }

// share returns w × held ÷ of, rounded half up; w when of is 0.
func share(w, held, of int) int {
	if of <= 0 {
		return w
	}
	return (w*held + of/2) / of
}

// areaKeys are an area's keys at each level it names ("" for a level it
// leaves empty): the key of a level names the levels above it too, so two
// areas share a district key only in the same governorate.
type areaKeys struct{ gov, dist, loc string }

func keysOf(a develop.Area) areaKeys {
	var k areaKeys
	if a.Governorate != "" {
		k.gov = "g|" + a.Governorate
	}
	if a.District != "" {
		k.dist = "d|" + a.Governorate + "|" + a.District
	}
	if a.Locality != "" {
		k.loc = "l|" + a.Governorate + "|" + a.District + "|" + a.Locality
	}
	return k
}

// deepest is the key of the narrowest level the area names, "" for none.
func (k areaKeys) deepest() string {
	switch {
	case k.loc != "":
		return k.loc
	case k.dist != "":
		return k.dist
	}
	return k.gov
}

// areaOfKey is the area a key names (the inverse of keysOf's keys).
func areaOfKey(key string) develop.Area {
	if key == "" {
		return develop.Area{}
	}
	parts := strings.Split(key[2:], "|")
	var a develop.Area
	switch key[0] {
	case 'g':
		a.Governorate = parts[0]
	case 'd':
		a.Governorate, a.District = parts[0], parts[1]
	case 'l':
		a.Governorate, a.District, a.Locality = parts[0], parts[1], parts[2]
	}
	return a
}

// areaPoints is the place part: the level the seeker's home shares with
// the vacancy, else whether a preferred area holds it.
func areaPoints(v develop.Area, areas []develop.Area) (int, string) {
	vk := keysOf(v)
	var home areaKeys
	if len(areas) > 0 {
		home = keysOf(areas[0])
	}
	switch {
	case vk.loc != "" && home.loc == vk.loc:
		return PointsLocality, "match.reason_area_locality"
	case vk.dist != "" && home.dist == vk.dist:
		return PointsDistrict, "match.reason_area_district"
	case vk.gov != "" && home.gov == vk.gov:
		return PointsGovernorate, "match.reason_area_governorate"
	}
	for _, a := range areas {
		if d := keysOf(a).deepest(); d != "" && (d == vk.loc || d == vk.dist || d == vk.gov) {
			return PointsPreferred, "match.reason_area_preferred"
		}
	}
	return 0, "match.reason_area_elsewhere"
}

// set returns the distinct non-empty codes of s, sorted.
func set(s []string) []string {
	out := make([]string, 0, len(s))
	for _, c := range s {
		if c != "" {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// split returns the codes of want that have holds and those it lacks.
func split(want, has []string) (held, missing []string) {
	for _, c := range want {
		if _, ok := slices.BinarySearch(has, c); ok {
			held = append(held, c)
		} else {
			missing = append(missing, c)
		}
	}
	return held, missing
}

// Score scores seeker s for vacancy v, 0 to 100, with its reasons; the
// package documentation gives the parts and their weights.
func Score(v develop.Vacancy, s develop.Seeker) develop.Match {
	m := develop.Match{SeekerID: s.ID, VacancyID: v.ID}
	add := func(key string, points int, args map[string]any) {
		m.Reasons = append(m.Reasons, develop.MatchReason{Key: key, Args: args, Points: points})
		m.Score += points
	}

	// Skills.
	req, has := set(v.Skills), set(s.Skills)
	if len(req) == 0 {
		add("match.reason_skills_none", WeightSkills, nil)
	} else {
		held, missing := split(req, has)
		add(heldKey("match.reason_skills", held), share(WeightSkills, len(held), len(req)), map[string]any{"held": len(held), "required": len(req), "skills": nonNil(held)})
		if len(missing) > 0 {
			add("match.reason_skills_missing", 0, map[string]any{"skills": missing})
		}
	}

	// Place.
	p, key := areaPoints(v.Area, s.Areas)
	add(key, p, nil)

	// Accommodations.
	need, offer := set(s.Accommodations), set(v.Accommodations)
	if len(need) == 0 {
		add("match.reason_accommodations_none", WeightAccommodations, nil)
	} else {
		offered, missing := split(need, offer)
		add(heldKey("match.reason_accommodations", offered), WeightAccommodations, map[string]any{"offered": len(offered), "needed": len(need), "accommodations": nonNil(offered)})
		short := WeightAccommodations - share(WeightAccommodations, len(offered), len(need))
		for i, c := range missing {
			cost := short / len(missing)
			if i < short%len(missing) {
				cost++
			}
			add("match.reason_accommodation_missing", -cost, map[string]any{"accommodation": c})
		}
	}

	// Education.
	want, got := EducationRank(v.Education), EducationRank(s.Education)
	switch {
	case want <= 1: // none asked, or "none"
		add("match.reason_education_none", WeightEducation, nil)
	case got == 0:
		add("match.reason_education_unknown", 0, map[string]any{"required": v.Education})
	case got >= want:
		add("match.reason_education_meets", WeightEducation, map[string]any{"required": v.Education, "education": s.Education})
	default:
		add("match.reason_education_below", educationPoints(want, got), map[string]any{"required": v.Education, "education": s.Education, "levels": want - got})
	}

	// Experience.
	months := max(0, s.ExperienceMonths)
	switch {
	case v.ExperienceMonths <= 0:
		add("match.reason_experience_none", WeightExperience, nil)
	case months >= v.ExperienceMonths:
		add("match.reason_experience_meets", WeightExperience, map[string]any{"months": months, "required": v.ExperienceMonths})
	default:
		add("match.reason_experience_below", share(WeightExperience, months, v.ExperienceMonths), map[string]any{"months": months, "required": v.ExperienceMonths})
	}

	// Languages.
	lreq, lhas := set(v.Languages), set(s.Languages)
	if len(lreq) == 0 {
		add("match.reason_languages_none", WeightLanguages, nil)
	} else {
		held, missing := split(lreq, lhas)
		add(heldKey("match.reason_languages", held), share(WeightLanguages, len(held), len(lreq)), map[string]any{"held": len(held), "required": len(lreq), "languages": nonNil(held)})
		if len(missing) > 0 {
			add("match.reason_languages_missing", 0, map[string]any{"languages": missing})
		}
	}

	// Hours.
	if hoursFit(hoursCode(v.Hours), hoursCode(s.Hours)) {
		add("match.reason_hours_fit", WeightHours, nil)
	} else {
		add("match.reason_hours_differ", 0, map[string]any{"hours": v.Hours, "wanted": s.Hours})
	}
	return m
}

func educationPoints(want, got int) int {
	if got == 0 {
		return 0
	}
	if got >= want {
		return WeightEducation
	}
	return max(0, WeightEducation-EducationStep*(want-got))
}

func hoursFit(v, s uint8) bool { return v == hoursAny || s == hoursAny || v == s }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// heldKey is key, or key_nothing when nothing is held (the text names no
// list then).
func heldKey(key string, held []string) string {
	if len(held) == 0 {
		return key + "_nothing"
	}
	return key
}
