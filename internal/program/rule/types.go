package rule

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
