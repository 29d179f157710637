package match

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/i18n"
)

// Small vocabularies, so that random seekers and vacancies share codes
// and areas often and scores tie often.
var (
	tinySkills = []string{"a", "b", "c", "d", "e", "f", "", "a"}
	tinyAccs   = []string{"ramp", "sign", "reader", "flex"}
	tinyLangs  = []string{"ar", "en", "fr"}
	tinyEdu    = []string{"", "none", "primary", "secondary", "vocational", "university", "bogus"}
	tinyHours  = []string{"", "full", "part", "any", "nights"}
)

func pickSome(r *rand.Rand, from []string, most int) []string {
	var out []string
	for range r.IntN(most + 1) {
		out = append(out, from[r.IntN(len(from))])
	}
	return out
}

func tinyArea(r *rand.Rand) develop.Area {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	return develop.Area{Governorate: pick("", "G1", "G2"), District: pick("", "D1", "D2"), Locality: pick("", "L1", "L2")}
}

func randSeeker(r *rand.Rand, id, member int64) develop.Seeker {
	s := develop.Seeker{ID: id, MemberID: member, Active: true, Consent: r.IntN(10) > 0,
		Skills: pickSome(r, tinySkills, 5), Accommodations: pickSome(r, tinyAccs, 2), Languages: pickSome(r, tinyLangs, 2),
		Education: tinyEdu[r.IntN(len(tinyEdu))], ExperienceMonths: r.IntN(60) - 5, Hours: tinyHours[r.IntN(len(tinyHours))]}
	for range r.IntN(4) {
		s.Areas = append(s.Areas, tinyArea(r))
	}
	return s
}

func randVacancy(r *rand.Rand, id, member int64) develop.Vacancy {
	return develop.Vacancy{ID: id, MemberID: member, Open: true, Skills: pickSome(r, tinySkills, 4), Accommodations: pickSome(r, tinyAccs, 3),
		Languages: pickSome(r, tinyLangs, 2), Education: tinyEdu[r.IntN(len(tinyEdu))], ExperienceMonths: r.IntN(40) - 2,
		Area: tinyArea(r), Hours: tinyHours[r.IntN(len(tinyHours))]}
}

// part is the part of the score a reason belongs to.
func part(key string) (string, int) {
	switch k := strings.TrimPrefix(key, "match.reason_"); {
	case strings.HasPrefix(k, "skills"):
		return "skills", WeightSkills
	case strings.HasPrefix(k, "area"):
		return "area", WeightArea
	case strings.HasPrefix(k, "accommodation"):
		return "accommodations", WeightAccommodations
	case strings.HasPrefix(k, "education"):
		return "education", WeightEducation
	case strings.HasPrefix(k, "experience"):
		return "experience", WeightExperience
	case strings.HasPrefix(k, "languages"):
		return "languages", WeightLanguages
	case strings.HasPrefix(k, "hours"):
		return "hours", WeightHours
	}
	return "", 0
}

func TestWeightsAddUpToHundred(t *testing.T) {
	if s := WeightSkills + WeightArea + WeightAccommodations + WeightEducation + WeightExperience + WeightLanguages + WeightHours; s != 100 {
		t.Fatalf("weights add up to %d", s)
	}
}

// TestScoreProperties: in 0..100; the reasons' points add up to the score
// and each part's to at most its weight (never below 0); every reason's
// key is in both catalogs and renders without a placeholder left.
func TestScoreProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		v, s := randVacancy(r, int64(i), 1), randSeeker(r, int64(i), 1)
		m := Score(v, s)
		if m.Score < 0 || m.Score > 100 {
			t.Fatalf("score %d out of 0..100 for %+v / %+v", m.Score, v, s)
		}
		sum, parts := 0, map[string]int{}
		for _, x := range m.Reasons {
			p, _ := part(x.Key)
			if p == "" {
				t.Fatalf("reason %q of no part", x.Key)
			}
			sum += x.Points
			parts[p] += x.Points
			if i < 2000 {
				for _, l := range i18n.Langs {
					if txt := Text(l, x, nil, i18n.Options{}); txt == x.Key || strings.ContainsAny(txt, "{}") {
						t.Fatalf("%s: reason %q renders %q", l, x.Key, txt)
					}
				}
			}
		}
		if sum != m.Score {
			t.Fatalf("reasons add up to %d, score %d: %+v", sum, m.Score, m.Reasons)
		}
		if len(parts) != 7 {
			t.Fatalf("got parts %v, want all seven", parts)
		}
		for p, pts := range parts {
			_, w := part("match.reason_" + p)
			if pts < 0 || pts > w {
				t.Fatalf("part %s has %d points of at most %d: %+v", p, pts, w, m.Reasons)
			}
		}
		if again := Score(v, s); !equalMatch(again, m) {
			t.Fatal("Score is not deterministic")
		}
	}
}

func equalMatch(a, b develop.Match) bool {
	if a.Score != b.Score || a.SeekerID != b.SeekerID || a.VacancyID != b.VacancyID || len(a.Reasons) != len(b.Reasons) {
		return false
	}
	for i := range a.Reasons {
		if a.Reasons[i].Key != b.Reasons[i].Key || a.Reasons[i].Points != b.Reasons[i].Points {
			return false
		}
	}
	return true
}

// TestScoreMonotoneInSkills: giving a seeker one more of the required
// skills never lowers the score.
func TestScoreMonotoneInSkills(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 20000 {
		v, s := randVacancy(r, 1, 1), randSeeker(r, 1, 1)
		if len(v.Skills) == 0 {
			continue
		}
		before := Score(v, s).Score
		s2 := s
		s2.Skills = append(slices.Clone(s.Skills), v.Skills[r.IntN(len(v.Skills))])
		if after := Score(v, s2).Score; after < before {
			t.Fatalf("case %d: adding a required skill lowered the score from %d to %d", i, before, after)
		}
	}
}

// TestFastScoreIsScore: the index's score of every seeker is Score's, and
// the seeker the index gives back scores the same with the same reasons.
func TestFastScoreIsScore(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var ss []develop.Seeker
	b := newBuilder(1, 0)
	for i := range 3000 {
		s := randSeeker(r, int64(i+1), 1)
		ss = append(ss, s)
		b.add(s)
	}
	ix := b.done()
	var q query
	for j := range 200 {
		v := randVacancy(r, int64(j), 1)
		ix.compile(v, &q)
		for i, s := range ss {
			want := Score(v, s)
			if got := ix.score(i, &q); got != want.Score {
				t.Fatalf("vacancy %+v seeker %+v: fast score %d, Score %d (%+v)", v, s, got, want.Score, want.Reasons)
			}
			if j < 20 {
				if back := Score(v, ix.seeker(i)); !equalMatch(back, want) {
					t.Fatalf("seeker from the index scores %+v, want %+v", back, want)
				}
			}
		}
	}
}

// TestRankIsBruteForce: ForVacancy's ranking is a sort of every seeker's
// Score, ties by id; ForSeeker's likewise over the vacancies.
func TestRankIsBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	src := &memSeekers{}
	// Out of id order on purpose, and a second member's seekers.
	for _, i := range r.Perm(4000) {
		src.seekers = append(src.seekers, randSeeker(r, int64(i+1), 1+int64(i%5/4)))
	}
	for i := range 300 {
		src.vacancies = append(src.vacancies, randVacancy(r, int64(i+1), 1+int64(i%5/4)))
	}
	s := New(Options{Seekers: src})
	for _, v := range src.vacancies[:40] {
		for _, k := range []int{1, 7, 50, 5000} {
			got, err := s.ForVacancy(officer(v.MemberID), v.ID, k)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteForce(src.seekers, v, min(k, MaxLimit))
			if len(got) != len(want) {
				t.Fatalf("vacancy %d, limit %d: got %d matches, want %d", v.ID, k, len(got), len(want))
			}
			for i := range want {
				if !equalMatch(got[i], want[i]) {
					t.Fatalf("vacancy %d, limit %d, place %d: got %+v, want %+v", v.ID, k, i+1, got[i], want[i])
				}
			}
		}
	}
	for _, sk := range src.seekers[:40] {
		got, err := s.ForSeeker(officer(sk.MemberID), sk.ID, 25)
		if err != nil {
			t.Fatal(err)
		}
		var want []develop.Match
		for _, v := range src.vacancies {
			if v.MemberID == sk.MemberID {
				want = append(want, Score(v, sk))
			}
		}
		slices.SortFunc(want, func(a, b develop.Match) int {
			if a.Score != b.Score {
				return b.Score - a.Score
			}
			return int(a.VacancyID - b.VacancyID)
		})
		want = want[:min(25, len(want))]
		for i := range want {
			if !equalMatch(got[i], want[i]) {
				t.Fatalf("seeker %d, place %d: got %+v, want %+v", sk.ID, i+1, got[i], want[i])
			}
		}
	}
}

func TestScoreExamples(t *testing.T) {
	home := develop.Area{Governorate: "AM", District: "AM01", Locality: "AM0101"}
	v := develop.Vacancy{ID: 1, Skills: []string{"sew", "cut", "iron", "sell"}, Education: "secondary", ExperienceMonths: 12, Languages: []string{"ar"},
		Area: home, Hours: "full", Accommodations: []string{"ramp"}}
	s := develop.Seeker{ID: 2, Skills: []string{"sew", "cut", "cook"}, Education: "primary", ExperienceMonths: 6, Languages: []string{"ar", "en"},
		Areas: []develop.Area{home}, Hours: "any", Accommodations: []string{"ramp", "sign", "reader"}}
	m := Score(v, s)
	got := map[string]int{}
	for _, x := range m.Reasons {
		got[x.Key] += x.Points
	}
	want := map[string]int{
		"match.reason_skills": 20, "match.reason_skills_missing": 0, // 2 of 4
		"match.reason_area_locality":         20,
		"match.reason_accommodations":        10, // 1 of 3 offered: 3 points, 7 missing
		"match.reason_accommodation_missing": -7,
		"match.reason_education_below":       2, // two levels below: 10 - 8
		"match.reason_experience_below":      5,
		"match.reason_languages":             5,
		"match.reason_hours_fit":             5,
	}
	if !mapsEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if m.Score != 60 {
		t.Fatalf("score %d, want 60", m.Score)
	}
	// Each missing accommodation is its own reason: 4 and 3 of the 7.
	var costs []int
	for _, x := range m.Reasons {
		if x.Key == "match.reason_accommodation_missing" {
			costs = append(costs, x.Points)
		}
	}
	if !slices.Equal(costs, []int{-4, -3}) {
		t.Fatalf("missing accommodations cost %v", costs)
	}
	// Distance by area.
	for _, c := range []struct {
		areas []develop.Area
		want  string
	}{
		{[]develop.Area{{Governorate: "AM", District: "AM01", Locality: "X"}}, "match.reason_area_district"},
		{[]develop.Area{{Governorate: "AM", District: "AM02"}}, "match.reason_area_governorate"},
		{[]develop.Area{{Governorate: "IR"}, {Governorate: "AM", District: "AM01"}}, "match.reason_area_preferred"},
		{[]develop.Area{{Governorate: "IR"}, {Governorate: "AM", District: "AM02"}}, "match.reason_area_elsewhere"},
		{nil, "match.reason_area_elsewhere"},
	} {
		s2 := s
		s2.Areas = c.areas
		if k, _ := placeReason(Score(v, s2)); k != c.want {
			t.Errorf("areas %v: got %s, want %s", c.areas, k, c.want)
		}
	}
	// Arabic text: lists joined the Arabic way, education in words, no key.
	for _, x := range m.Reasons {
		txt := Text(i18n.AR, x, map[string]string{"sew": "الخياطة"}, i18n.Options{Arabic: true})
		if strings.Contains(txt, "match.") || strings.Contains(txt, "secondary") {
			t.Errorf("Arabic text %q", txt)
		}
		if x.Key == "match.reason_skills" && !strings.Contains(txt, "cut، الخياطة") {
			t.Errorf("skills text %q", txt)
		}
	}
}

func placeReason(m develop.Match) (string, int) {
	for _, x := range m.Reasons {
		if strings.HasPrefix(x.Key, "match.reason_area") {
			return x.Key, x.Points
		}
	}
	return "", 0
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestNoProtectedAttributes: a seeker's disability, consent and person do
// not change the score (no sex, age or protected attribute is in Seeker).
func TestNoProtectedAttributes(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 1000 {
		v, s := randVacancy(r, 1, 1), randSeeker(r, 1, 1)
		s2 := s
		s2.Disability, s2.PersonID = !s.Disability, s.PersonID+99
		if a, b := Score(v, s).Score, Score(v, s2).Score; a != b {
			t.Fatalf("disability or person changed the score: %d, %d", a, b)
		}
	}
}

func TestCancelStopsTheScan(t *testing.T) {
	src := &memSeekers{member: 1, n: 20000, nv: 5, seed: 1}
	s := New(Options{Seekers: src})
	ctx, cancel := context.WithCancel(officer(1))
	if _, err := s.ForVacancy(ctx, 1, 10); err != nil { // builds the index
		t.Fatal(err)
	}
	cancel()
	if _, err := s.ForVacancy(ctx, 1, 10); err == nil {
		t.Fatal("a cancelled ranking went on")
	}
}

// TestTextAfterJSON: a stored reason (its lists come back as []any, its
// numbers as float64) renders as the fresh one.
func TestTextAfterJSON(t *testing.T) {
	v := develop.Vacancy{Skills: []string{"sew", "cut"}, Education: "university", ExperienceMonths: 24, Hours: "part"}
	s := develop.Seeker{Skills: []string{"sew"}, Education: "secondary", ExperienceMonths: 12, Hours: "full"}
	m := Score(v, s)
	b, err := json.Marshal(m.Reasons)
	if err != nil {
		t.Fatal(err)
	}
	var back []develop.MatchReason
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, l := range i18n.Langs {
		for i := range m.Reasons {
			a, b := Text(l, m.Reasons[i], nil, i18n.Options{Arabic: l == i18n.AR}), Text(l, back[i], nil, i18n.Options{Arabic: l == i18n.AR})
			if a != b {
				t.Errorf("%s: %q after JSON, %q before", l, b, a)
			}
		}
	}
	if got := Text(i18n.AR, m.Reasons[len(m.Reasons)-1], nil, i18n.Options{}); got != "الوظيفة بدوام جزئي، والباحث يريد بدوام كامل" {
		t.Errorf("hours text %q", got)
	}
}
