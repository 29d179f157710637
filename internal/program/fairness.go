package program

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/profile"
)

// The dimensions of the fairness report, in the order it shows them.
var Dimensions = []string{"head_sex", "head_age", "disability", "governorate", "household_size"}

// MinGroupSize is the fewest households a group needs for its rates to
// count in a dimension's gap: rates of tiny groups swing by chance.
const MinGroupSize = 20

// groups is where one household falls in each dimension.
type groups struct {
	sex        string // "male", "female" or "unknown"
	age        string // age band of the head
	disability bool   // any member with a disability
	gov        string
	size       string
}

// groupsOf places h in each dimension at reference date asOf. The head is
// the member whose relationship is "head", or the first member.
func groupsOf(h *profile.Household, asOf time.Time) groups {
	g := groups{sex: "unknown", age: "unknown", gov: h.Governorate, size: sizeBand(len(h.Members))}
	if g.gov == "" {
		g.gov = "unknown"
	}
	head := -1
	for i := range h.Members {
		p := &h.Members[i]
		if head < 0 && p.Relationship == "head" {
			head = i
		}
		for _, d := range p.Disability {
			if d >= 3 {
				g.disability = true
			}
		}
	}
	if head < 0 && len(h.Members) > 0 {
		head = 0
	}
	if head >= 0 {
		p := &h.Members[head]
		if p.Sex == "male" || p.Sex == "female" {
			g.sex = p.Sex
		}
		g.age = ageBand(p.BirthDate, asOf)
	}
	return g
}

func sizeBand(n int) string {
	switch {
	case n <= 2:
		return strconv.Itoa(n)
	case n <= 4:
		return "3-4"
	case n <= 6:
		return "5-6"
	}
	return "7+"
}

func ageBand(birth, asOf time.Time) string {
	a := calendar.AgeAt(birth, asOf)
	switch {
	case a < 0:
		return "unknown"
	case a < 30:
		return "under_30"
	case a < 45:
		return "30-44"
	case a < 60:
		return "45-59"
	}
	return "60+"
}

// GroupCount is how many households of one group a run decided on, and how
// many of them were eligible and selected.
type GroupCount struct {
	Dimension  string `json:"dimension"`
	Group      string `json:"group"`
	Households int64  `json:"households"`
	Eligible   int64  `json:"eligible"`
	Selected   int64  `json:"selected"`
}

// EligibilityRate is Eligible / Households.
func (g GroupCount) EligibilityRate() float64 { return rate(g.Eligible, g.Households) }

// SelectionRate is Selected / Households: the share of the group's
// households the run selected.
func (g GroupCount) SelectionRate() float64 { return rate(g.Selected, g.Households) }

func rate(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

type fairnessTally map[[2]string]*GroupCount

func (t *fairnessTally) add(g groups, eligible, selected bool) {
	if *t == nil {
		*t = fairnessTally{}
	}
	dis := "no"
	if g.disability {
		dis = "yes"
	}
	for _, k := range [...][2]string{{"head_sex", g.sex}, {"head_age", g.age}, {"disability", dis}, {"governorate", g.gov}, {"household_size", g.size}} {
		c := (*t)[k]
		if c == nil {
			c = &GroupCount{Dimension: k[0], Group: k[1]}
			(*t)[k] = c
		}
		c.Households++
		if eligible {
			c.Eligible++
		}
		if selected {
			c.Selected++
		}
	}
}

func (t fairnessTally) counts() []GroupCount {
	out := make([]GroupCount, 0, len(t))
	for _, c := range t {
		out = append(out, *c)
	}
	sortGroups(out)
	return out
}

func sortGroups(gs []GroupCount) {
	slices.SortFunc(gs, func(a, b GroupCount) int {
		if c := cmp.Compare(slices.Index(Dimensions, a.Dimension), slices.Index(Dimensions, b.Dimension)); c != 0 {
			return c
		}
		return cmp.Compare(a.Group, b.Group)
	})
}

// Gap is the difference between the highest and the lowest rate of one
// measure ("eligibility" or "selection") among the groups of a dimension
// that have at least MinGroupSize households.
type Gap struct {
	Dimension string  `json:"dimension"`
	Measure   string  `json:"measure"`
	High      string  `json:"high_group"`
	HighRate  float64 `json:"high_rate"`
	Low       string  `json:"low_group"`
	LowRate   float64 `json:"low_rate"`
	Gap       float64 `json:"gap"`
	Flagged   bool    `json:"flagged"` // Gap is above the program's threshold
}

// FairnessReport is a run's eligibility and selection rates by group, the
// gap of each dimension, and the largest gap.
type FairnessReport struct {
	RunID     int64        `json:"run_id"`
	Threshold float64      `json:"threshold"`
	Groups    []GroupCount `json:"groups"`
	Gaps      []Gap        `json:"gaps"`
	Largest   *Gap         `json:"largest,omitempty"` // nil when no dimension has two groups large enough
}

// Flagged reports whether the largest gap passes the threshold.
func (f FairnessReport) Flagged() bool { return f.Largest != nil && f.Largest.Flagged }

// buildReport computes the gaps of groups against threshold.
func buildReport(runID int64, threshold float64, gs []GroupCount) FairnessReport {
	f := FairnessReport{RunID: runID, Threshold: threshold, Groups: gs}
	for _, dim := range Dimensions {
		for _, measure := range []string{"eligibility", "selection"} {
			var g *Gap
			for _, c := range gs {
				if c.Dimension != dim || c.Households < MinGroupSize {
					continue
				}
				r := c.EligibilityRate()
				if measure == "selection" {
					r = c.SelectionRate()
				}
				if g == nil {
					g = &Gap{Dimension: dim, Measure: measure, High: c.Group, HighRate: r, Low: c.Group, LowRate: r}
					continue
				}
				if r > g.HighRate {
					g.High, g.HighRate = c.Group, r
				}
				if r < g.LowRate {
					g.Low, g.LowRate = c.Group, r
				}
			}
			if g == nil || g.High == g.Low {
				continue
			}
			g.Gap = g.HighRate - g.LowRate
			g.Flagged = g.Gap > threshold
			f.Gaps = append(f.Gaps, *g)
			if f.Largest == nil || g.Gap > f.Largest.Gap {
				l := *g
				f.Largest = &l
			}
		}
	}
	return f
}

// Fairness returns the fairness report of run id, against the threshold of
// the version the run used.
func (s *Service) Fairness(ctx context.Context, id int64) (FairnessReport, error) {
	r, err := s.GetRun(ctx, id)
	if err != nil {
		return FairnessReport{}, err
	}
	var threshold float64
	if err := s.db.QueryRow(ctx, `SELECT fairness_threshold FROM program_versions WHERE id = ?`, r.VersionID).Scan(&threshold); err != nil {
		return FairnessReport{}, errs.Wrapf(err, "program: fairness threshold of run %d", id)
	}
	rows, err := s.db.Query(ctx, `SELECT dimension, grp, households, eligible, selected FROM program_run_fairness WHERE run_id = ?`, id)
	if err != nil {
		return FairnessReport{}, errs.Wrapf(err, "program: fairness of run %d", id)
	}
	defer rows.Close()
	var gs []GroupCount
	for rows.Next() {
		var g GroupCount
		if err := rows.Scan(&g.Dimension, &g.Group, &g.Households, &g.Eligible, &g.Selected); err != nil {
			return FairnessReport{}, errs.Wrapf(err, "program: fairness of run %d", id)
		}
		gs = append(gs, g)
	}
	if err := rows.Err(); err != nil {
		return FairnessReport{}, errs.Wrapf(err, "program: fairness of run %d", id)
	}
	sortGroups(gs)
	return buildReport(id, threshold, gs), nil
}
