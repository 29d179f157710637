package rule

import "time"

// Person is one member of a household as the registry gives it to the
// engine. The zero value is a person about whom nothing is known.
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
	Orphan           string  // "none", "paternal", "maternal" or "double"
	MonthlyIncome    float64 // in the currency's major unit
	Pregnant         bool
	Attrs            map[string]string // custom attributes from imports
}

// Household is one household of the social registry with its members.
// Ref identifies it in results and errors; rules cannot read it.
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
	// the currency's major unit.
	MonthlyIncome float64
	Attrs         map[string]string // custom attributes from imports
	Members       []Person
}

// Kind says what a rule returns.
type Kind int

// The kinds of rule.
const (
	// Eligibility rules return bool: true when the household is eligible.
	Eligibility Kind = iota
	// Score formulas return a number (int or double); a higher score
	// usually means higher priority, as the program documents.
	Score
	// Benefit formulas return an amount (int or double) in the currency's
	// major unit. The engine returns it unrounded; the caller rounds it half
	// away from zero to the currency's minor unit when it turns it into money.
	Benefit
)

// String returns the name of k as used in messages: "eligibility", "score"
// or "benefit".
func (k Kind) String() string {
	switch k {
	case Eligibility:
		return "eligibility"
	case Score:
		return "score"
	case Benefit:
		return "benefit"
	}
	return "unknown"
}

// Program holds the sources of a program's rules. Score and Benefit are
// optional: empty means a score of 0 and a benefit of 0.
type Program struct {
	Eligibility string
	Score       string
	Benefit     string
}
