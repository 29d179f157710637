package statistics

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/program"
)

// Value codes of the person cube's dimensions, in order. A transport
// labels them ("stats_sex.female", …) in the reader's language.
var (
	Sexes      = []string{"female", "male", "unknown"}
	AgeBands   = []string{"0-4", "5-17", "18-59", "60+", "unknown"}
	Disability = []string{"no", "yes"}
)

// Dimensions of the person cube, in order.
const (
	DimGovernorate = iota
	DimSex
	DimAge
	DimDisability
)

// OtherGovernorate is the governorate code of households whose
// governorate is not one of the member's areas.
const OtherGovernorate = "other"

// Member is one member's aggregates, ready to be protected.
type Member struct {
	Member     member.Member
	Persons    *disclosure.Cube // beneficiaries: governorate × sex × age band × disability
	Households *disclosure.Cube // enrolled households and monthly benefits (minor units): governorate
	Registered *disclosure.Cube // every person of the registry, same dimensions as Persons
	// GovNames are the governorates' names, Arabic then English, by code.
	GovNames map[string][2]string
}

// ageBand places a person by age on day on: 0-4, 5-17, 18-59, 60+, or
// unknown without a birth date (or with one after on).
func ageBand(birth time.Time, on calendar.Date) int {
	a := on.Age(birth)
	switch {
	case a < 0:
		return 4
	case a < 5:
		return 0
	case a < 18:
		return 1
	case a < 60:
		return 2
	}
	return 3
}

// member aggregates member m on today (in the member's zone): the monthly
// benefit of each household enrolled today in an active program, then one
// pass over the registry.
func (s *Service) member(ctx context.Context, m member.Member, today time.Time) (Member, error) {
	st := Member{Member: m, GovNames: map[string][2]string{}}
	areas, err := s.o.Members.Areas(ctx, m.Code)
	if err != nil {
		return st, err
	}
	govIndex := map[string]int{}
	var govs []string
	for _, a := range areas {
		if a.Level == member.Governorate {
			govIndex[a.Code] = len(govs)
			govs = append(govs, a.Code)
			st.GovNames[a.Code] = [2]string{a.NameAR, a.NameEN}
		}
	}
	other := len(govs)
	govs = append(govs, OtherGovernorate)
	personDims := func() *disclosure.Cube {
		return disclosure.NewCube(disclosure.Dim{Name: "governorate", Labels: govs}, disclosure.Dim{Name: "sex", Labels: Sexes},
			disclosure.Dim{Name: "age_band", Labels: AgeBands}, disclosure.Dim{Name: "disability", Labels: Disability})
	}
	st.Persons, st.Registered = personDims(), personDims()
	st.Households = disclosure.NewCube(disclosure.Dim{Name: "governorate", Labels: govs})
	benefit := map[int64]int64{} // household → monthly benefit across programs
	ps, err := s.o.Programs.List(ctx, m.ID)
	if err != nil {
		return st, err
	}
	for _, p := range ps {
		if p.Status != program.Active {
			continue
		}
		err := s.o.Programs.EachEnrolledAt(ctx, p.ID, today, func(e program.Enrollment) error {
			if e.StatusAt == program.Enrolled {
				benefit[e.HouseholdID] += e.Benefit
			}
			return nil
		})
		if err != nil {
			return st, err
		}
	}
	on := calendar.DateOf(today)
	err = s.o.Registry.EachHousehold(ctx, m.ID, func(id int64, h profile.Household) error {
		b, covered := benefit[id]
		g, ok := govIndex[h.Governorate]
		if !ok {
			g = other
		}
		if covered {
			st.Households.Add(st.Households.Index(g), 1, b)
		}
		for i := range h.Members {
			p := &h.Members[i]
			sex := 2
			switch p.Sex {
			case "female":
				sex = 0
			case "male":
				sex = 1
			}
			dis := 0
			for _, d := range p.Disability {
				if d >= 3 {
					dis = 1
				}
			}
			at := st.Persons.Index(g, sex, ageBand(p.BirthDate, on), dis)
			st.Registered.Add(at, 1, 0)
			if covered {
				st.Persons.Add(at, 1, 0)
			}
		}
		return nil
	})
	return st, err
}

// EnrolledHouseholds is how many households of the member are enrolled
// today in an active program (not protected: for choosing, not showing).
func (m *Member) EnrolledHouseholds() int64 {
	var n int64
	for _, c := range m.Households.OneWay(DimGovernorate).Counts[0] {
		n += c
	}
	return n
}
