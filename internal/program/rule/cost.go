package rule

import (
	"strconv"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"

	"github.com/tadamun/tadamun/internal/errs"
)

// A rule is priced before it is accepted and metered while it runs, so that
// no rule can keep a core busy without end (issue 12, item 3).
//
// At compile time CEL's static cost estimator gives the most steps a rule
// can take for one household whose sizes stay within the size hints below;
// a rule whose estimate exceeds MaxCost is refused, with the estimate in the
// message. At evaluation, a household past the size hints runs on CEL's
// interpreter, which meters the actual steps and stops past EvalCostLimit;
// the household fails with rule_cost.exceeded and the run goes on (the
// household, not the rule, is out of bounds). A household within the hints
// needs no meter: the estimate bounds its cost. The figures are documented
// in docs/rules.md.
const (
	// MaxMembers, MaxAssets, MaxAttrs and MaxString are the size hints the
	// estimate assumes: members per household, assets of a household, custom
	// attributes of a household or member, bytes of a string.
	MaxMembers = 50
	MaxAssets  = 20
	MaxAttrs   = 100
	MaxString  = 1024

	// MaxCost is the largest estimated cost, in CEL's steps per household,
	// that a rule may have. The costliest rule among the examples, the demo
	// programs and the tests is estimated at a few thousand steps; a rule
	// that pairs every member with every other member (50 × 50) still fits.
	MaxCost = 100_000

	// EvalCostLimit is the actual cost at which one household's evaluation
	// stops. It is ten times MaxCost: an accepted rule reaches it only on a
	// household far past the size hints.
	EvalCostLimit = 10 * MaxCost
)

// sizeHints is the cost estimator: the size of the rule's variables and
// the fields it reads, from the hints above. It leaves function costs to
// CEL's standard model.
type sizeHints struct{}

// EstimateSize implements cost.Estimator.
func (sizeHints) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	path := n.Path()
	if len(path) == 0 {
		return nil
	}
	last := path[len(path)-1]
	var max uint64
	switch {
	case len(path) == 1 && path[0] == "members":
		max = MaxMembers
	case len(path) == 2 && path[0] == "household" && last == "assets":
		max = MaxAssets
	case last == "attrs":
		max = MaxAttrs
	case n.Type() != nil && n.Type().Kind() == types.StringKind:
		max = MaxString
	default:
		return nil
	}
	return &cost.SizeEstimate{Min: 0, Max: max}
}

// EstimateCallCost implements cost.Estimator.
func (sizeHints) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// Estimate returns the most steps src, a rule that compiles, can take for
// one household within the size hints.
func Estimate(src string) (uint64, error) {
	checked, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return 0, issuesError(iss, "")
	}
	return estimate(checked)
}

func estimate(checked *cel.Ast) (uint64, error) {
	est, err := env.EstimateCost(checked, sizeHints{})
	if err != nil {
		return 0, errs.Wrapf(err, "rule: estimate cost")
	}
	return est.Max, nil
}

// checkCost refuses a rule of kind k whose estimate exceeds MaxCost.
func checkCost(checked *cel.Ast, k Kind) error {
	max, err := estimate(checked)
	if err != nil {
		return err
	}
	if max <= MaxCost {
		return nil
	}
	return errs.E(errs.Invalid, "rule_cost.too_high_"+k.String(), "cost", grouped(max), "limit", grouped(MaxCost))
}

// grouped writes n with a comma between groups of three digits.
func grouped(n uint64) string {
	s := strconv.FormatUint(n, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
