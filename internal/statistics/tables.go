package statistics

import (
	"strconv"

	"github.com/tadamun/tadamun/internal/disclosure"
)

// Table is one protected table of a member's page. Its name is the message
// key of its title; rows and columns are value codes of the dimensions
// RowDim and ColDim (governorate codes, Sexes, AgeBands, Disability, or
// "households" for the single row of the households table), for the
// transport to label.
type Table struct {
	Name           string
	RowDim, ColDim string
	T              disclosure.Safe
	Money          bool   // sums are monthly benefits in minor units
	Currency       string // with Money: the member's currency
}

// Tables cuts and protects the member's published tables: beneficiaries by
// governorate and sex, age band, disability, age band by sex, and enrolled
// households with their monthly benefits by governorate.
func (m *Member) Tables() []Table {
	cut := func(name string, t disclosure.Table, rowDim, colDim string) Table {
		safe, _ := disclosure.Protect(t)
		return Table{Name: name, RowDim: rowDim, ColDim: colDim, T: safe}
	}
	out := []Table{
		cut("grievance.stats_by_sex", m.Persons.Table(DimGovernorate, DimSex), "governorate", "sex"),
		cut("grievance.stats_by_age", m.Persons.Table(DimGovernorate, DimAge), "governorate", "age_band"),
		cut("grievance.stats_by_disability", m.Persons.Table(DimGovernorate, DimDisability), "governorate", "disability"),
		cut("grievance.stats_age_sex", m.Persons.Table(DimAge, DimSex), "age_band", "sex"),
	}
	hh := m.Households.OneWay(DimGovernorate)
	hh.Rows = []string{"households"}
	t := cut("grievance.stats_households", hh, "households", "governorate")
	t.Money, t.Currency = true, m.Member.Currency
	return append(out, t)
}

// Coverage is one row of the SDG 1.3.1 table: the share of a group of the
// registry's persons who live in a household that receives a benefit.
type Coverage struct {
	Group      string `json:"group"`
	Covered    string `json:"covered"`    // a count, or "<10"
	Registered string `json:"registered"` // a count, or "<10"
	Percent    string `json:"percent"`    // whole percent; empty when either count is under 10
}

// SDG131 computes SDG indicator 1.3.1 within the registry — the proportion
// of persons covered by social-protection cash benefits, in total and for
// children, older persons, persons with disabilities, women and men. The
// official indicator divides by the whole population; the registry is the
// denominator here, as the page says. Counts under 10 are not shown, and no
// percentage is given for them.
func (m *Member) SDG131() []Coverage {
	if m.Registered == nil {
		return nil
	}
	sum := func(c *disclosure.Cube, dim int, idx ...int) int64 {
		t := c.OneWay(dim)
		var n int64
		for _, i := range idx {
			n += t.Counts[0][i]
		}
		return n
	}
	row := func(group string, cov, reg int64) Coverage {
		show := func(n int64) string {
			if n > 0 && n < 10 {
				return "<10"
			}
			return strconv.FormatInt(n, 10)
		}
		c := Coverage{Group: group, Covered: show(cov), Registered: show(reg)}
		if cov >= 10 && reg >= 10 {
			c.Percent = strconv.FormatInt((cov*1000/reg+5)/10, 10)
		}
		return c
	}
	all := []int{0, 1, 2}
	return []Coverage{
		row("total", sum(m.Persons, DimSex, all...), sum(m.Registered, DimSex, all...)),
		row("children", sum(m.Persons, DimAge, 0, 1), sum(m.Registered, DimAge, 0, 1)),
		row("older", sum(m.Persons, DimAge, 3), sum(m.Registered, DimAge, 3)),
		row("disability", sum(m.Persons, DimDisability, 1), sum(m.Registered, DimDisability, 1)),
		row("women", sum(m.Persons, DimSex, 0), sum(m.Registered, DimSex, 0)),
		row("men", sum(m.Persons, DimSex, 1), sum(m.Registered, DimSex, 1)),
	}
}
