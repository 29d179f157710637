package match

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// memSeekers is an in-memory develop.Seekers of one or more members: a
// fixed list (tests), or n seekers and nv vacancies of one member made
// again from their ids on every read (benchmarks: 500,000 seekers keep no
// memory but the index's).
type memSeekers struct {
	seekers   []develop.Seeker
	vacancies []develop.Vacancy

	member   int64 // generated: the member, the counts and the seed
	n, nv    int
	seed     uint64
	reads    atomic.Int64  // EachSeeker calls
	hold     chan struct{} // when set, EachSeeker waits on it before reading
	entered  chan struct{} // when set, EachSeeker signals it has begun
	vacReads atomic.Int64
}

func (m *memSeekers) EachSeeker(ctx context.Context, memberID int64, fn func(develop.Seeker) error) error {
	m.reads.Add(1)
	if m.entered != nil {
		m.entered <- struct{}{}
	}
	if m.hold != nil {
		select {
		case <-m.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if m.n > 0 && memberID == m.member {
		for i := range m.n {
			if err := fn(genSeeker(m.seed, int64(i+1), m.member)); err != nil {
				return err
			}
		}
		return nil
	}
	for _, s := range m.seekers {
		if s.MemberID == memberID && s.Active && s.Consent {
			if err := fn(s); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *memSeekers) EachVacancy(ctx context.Context, memberID int64, fn func(develop.Vacancy) error) error {
	m.vacReads.Add(1)
	if m.nv > 0 && memberID == m.member {
		for i := range m.nv {
			if err := fn(genVacancy(m.seed, int64(i+1), m.member)); err != nil {
				return err
			}
		}
		return nil
	}
	for _, v := range m.vacancies {
		if v.MemberID == memberID && v.Open {
			if err := fn(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *memSeekers) MatchSeeker(ctx context.Context, id int64) (develop.Seeker, error) {
	if m.n > 0 && id >= 1 && id <= int64(m.n) {
		return genSeeker(m.seed, id, m.member), nil
	}
	for _, s := range m.seekers {
		if s.ID == id {
			return s, nil
		}
	}
	return develop.Seeker{}, errs.E(errs.NotFound, "employment.seeker_not_found")
}

func (m *memSeekers) MatchVacancy(ctx context.Context, id int64) (develop.Vacancy, error) {
	if m.nv > 0 && id >= 1 && id <= int64(m.nv) {
		return genVacancy(m.seed, id, m.member), nil
	}
	for _, v := range m.vacancies {
		if v.ID == id {
			return v, nil
		}
	}
	return develop.Vacancy{}, errs.E(errs.NotFound, "employment.vacancy_not_found")
}

// The generated population: a member's skills list of 150 codes whose use
// falls off as in real registers (a few common skills, a long tail), 12
// governorates of 8 districts of 10 localities each with a few big cities,
// one seeker in eight needing an accommodation.
const (
	genSkills      = 150
	genGovs        = 12
	genDists       = 8
	genLocs        = 10
	genAccs        = 8
	genVacancySalt = 1 << 40
)

var (
	skillCodes = func() []string {
		out := make([]string, genSkills)
		for i := range out {
			out[i] = fmt.Sprintf("sk%03d", i)
		}
		return out
	}()
	accCodes  = []string{"step_free", "sign_language", "screen_reader", "flexible_hours", "accessible_toilet", "quiet_space", "large_print", "transport"}
	langCodes = []string{"ar", "en", "fr", "tr", "ur"}
	eduCodes  = []string{"none", "read_write", "primary", "preparatory", "secondary", "vocational", "university", "postgraduate"}
)

// zipf picks 0..n-1, small numbers far more often.
func zipf(r *rand.Rand, n int) int {
	for {
		// Inverse of a 1/(k+1) weight, roughly: exponential over log scale.
		x := int(float64(n) * r.Float64() * r.Float64() * r.Float64())
		if x < n {
			return x
		}
	}
}

func genArea(r *rand.Rand, depth int) develop.Area {
	g := zipf(r, genGovs)
	a := develop.Area{Governorate: fmt.Sprintf("G%02d", g)}
	if depth > 1 {
		a.District = fmt.Sprintf("G%02dD%d", g, zipf(r, genDists))
	}
	if depth > 2 {
		a.Locality = fmt.Sprintf("%sL%d", a.District, zipf(r, genLocs))
	}
	return a
}

func genSeeker(seed uint64, id, member int64) develop.Seeker {
	r := rand.New(rand.NewPCG(seed, uint64(id)))
	s := develop.Seeker{ID: id, MemberID: member, PersonID: id + 1000, Consent: true, Active: true}
	for range 2 + r.IntN(7) {
		s.Skills = append(s.Skills, skillCodes[zipf(r, genSkills)])
	}
	s.Education = eduCodes[min(len(eduCodes)-1, r.IntN(4)+r.IntN(5))]
	s.ExperienceMonths = int(r.ExpFloat64() * 36)
	s.Languages = []string{"ar"}
	if r.IntN(10) < 4 {
		s.Languages = append(s.Languages, "en")
	}
	if r.IntN(10) == 0 {
		s.Languages = append(s.Languages, langCodes[2+r.IntN(3)])
	}
	if r.IntN(8) == 0 {
		s.Disability = true
		for range 1 + r.IntN(2) {
			s.Accommodations = append(s.Accommodations, accCodes[r.IntN(len(accCodes))])
		}
	}
	s.Areas = []develop.Area{genArea(r, 3)}
	for range r.IntN(3) {
		s.Areas = append(s.Areas, genArea(r, 1+r.IntN(3)))
	}
	s.Hours = []string{"full", "part", "any", "any"}[r.IntN(4)]
	return s
}

func genVacancy(seed uint64, id, member int64) develop.Vacancy {
	r := rand.New(rand.NewPCG(seed, uint64(id)+genVacancySalt))
	v := develop.Vacancy{ID: id, MemberID: member, EmployerID: 1 + id%300, Open: true}
	for range 1 + r.IntN(5) {
		v.Skills = append(v.Skills, skillCodes[zipf(r, genSkills)])
	}
	if r.IntN(3) > 0 {
		v.Education = eduCodes[2+r.IntN(5)]
	}
	if r.IntN(2) == 0 {
		v.ExperienceMonths = 6 * (1 + r.IntN(10))
	}
	v.Languages = []string{"ar"}
	if r.IntN(4) == 0 {
		v.Languages = append(v.Languages, "en")
	}
	for range r.IntN(4) {
		v.Accommodations = append(v.Accommodations, accCodes[r.IntN(len(accCodes))])
	}
	v.Inclusive = len(v.Accommodations) > 1
	v.Area = genArea(r, 1+r.IntN(3))
	v.Hours = []string{"full", "full", "part"}[r.IntN(3)]
	return v
}

// officer is an employment officer of member.
func officer(member int64) context.Context {
	return actor.With(context.Background(), actor.Actor{UserID: 10 + member, Username: "officer", MemberID: member, Roles: []actor.Role{actor.EmploymentOfficer}, Lang: i18n.EN})
}

// bruteForce ranks every seeker of member for v with Score and a sort.
func bruteForce(ss []develop.Seeker, v develop.Vacancy, k int) []develop.Match {
	var all []develop.Match
	for _, s := range ss {
		if s.MemberID == v.MemberID && s.Active && s.Consent {
			all = append(all, Score(v, s))
		}
	}
	slices.SortFunc(all, func(a, b develop.Match) int {
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		return int(a.SeekerID - b.SeekerID)
	})
	return all[:min(k, len(all))]
}
