// Package profile holds what a program's rules may know of a household and
// its members: the social and economic facts of the registry, without
// names, identity numbers, contact details or references to other records.
//
// The registry fills a profile (registry.EachHousehold) and the rule
// engine reads it (program/rule); neither imports the other, so a package
// that reads households needs neither the database nor CEL. The package
// imports only the standard library and does no I/O.
package profile

import "time"

// Person is one member of a household as rules see them. The zero value is
// a person about whom nothing is known.
type Person struct {
	Relationship string // "head", "spouse", "son", "daughter", "parent", "other", …
	Sex          string // "male" or "female"
	BirthDate    time.Time
	// Disability holds the Washington Group short set answers in the order
	// seeing, hearing, walking, remembering, self-care, communicating:
	// 1 no difficulty, 2 some, 3 a lot, 4 cannot do at all, 0 unknown.
	Disability       [6]int8
	EmploymentStatus string
	Education        string
	MaritalStatus    string
	Orphan           string // "none", "paternal", "maternal" or "double"
	MonthlyIncome    int64  // minor units of the member's currency
	Pregnant         bool
	Attrs            map[string]string // custom attributes from imports
	// PlacedOn is the first day of work of the person's last placement
	// by the employment service; zero when never placed.
	PlacedOn time.Time
}

// BornAfter reports whether p was born after the calendar day of on: such a
// person is not yet a member of the household on that day. A person whose
// birth date is unknown is taken as born.
func (p *Person) BornAfter(on time.Time) bool {
	oy, om, od := on.Date()
	return p.BornAfterDay(oy, om, od)
}

// BornAfterDay is BornAfter for the calendar day oy-om-od, for callers that
// test many persons against one day.
func (p *Person) BornAfterDay(oy int, om time.Month, od int) bool {
	if p.BirthDate.IsZero() {
		return false
	}
	by, bm, bd := p.BirthDate.Date()
	if by != oy {
		return by > oy
	}
	if bm != om {
		return bm > om
	}
	return bd > od
}

// Household is one household of the social registry with its members, as
// rules see it. Ref identifies it in results and errors; rules cannot read
// it.
type Household struct {
	Ref          string
	Governorate  string
	District     string
	Locality     string
	DwellingType string
	WaterSource  string
	Sanitation   string
	Rooms        int
	Electricity  bool
	Assets       []string
	// MonthlyIncome is the household's own income (not its members'), in
	// minor units of the member's currency, like every member's income:
	// sums are exact, and a rule sees major units divided once.
	MonthlyIncome int64
	// Unit is the number of minor units in one major unit of the member's
	// currency (1000 for the Jordanian dinar, 100 for the Egyptian pound).
	// Zero means 1: incomes are then whole major units.
	Unit    int64
	Attrs   map[string]string // custom attributes from imports
	Members []Person
}

// On returns h as it was on the calendar day of on: members born after that
// day are left out, so they count neither in its size nor in its income.
// When every member was born by then, h itself is returned; otherwise the
// members are copied into buf (grown as needed) and the second result is
// the number left out.
func (h *Household) On(on time.Time, buf []Person) (*Household, []Person, int) {
	y, m, d := on.Date()
	return h.OnDay(y, m, d, buf)
}

// OnDay is On for the calendar day y-m-d.
func (h *Household) OnDay(y int, m time.Month, d int, buf []Person) (*Household, []Person, int) {
	unborn := 0
	for i := range h.Members {
		if h.Members[i].BornAfterDay(y, m, d) {
			unborn++
		}
	}
	if unborn == 0 {
		return h, buf, 0
	}
	buf = buf[:0]
	for i := range h.Members {
		if !h.Members[i].BornAfterDay(y, m, d) {
			buf = append(buf, h.Members[i])
		}
	}
	c := *h
	c.Members = buf
	return &c, buf, unborn
}
