package rule

import (
	"context"
	"errors"
	"reflect"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/profile"
)

// registry adapts Go values to CEL values; provider adds the two record
// types on top of it. Both are read-only after init and safe to share.
var (
	registry = mustRegistry()
	prov     = &provider{Registry: registry}
)

func mustRegistry() *types.Registry {
	r, err := types.NewRegistry()
	if err != nil {
		panic(err)
	}
	return r
}

// provider declares tadamun.Household and tadamun.Member to the type checker
// and gives the interpreter direct field getters, so a rule reads a field with
// one function call instead of reflection or a map lookup.
type provider struct {
	*types.Registry
}

func (p *provider) fields(structType string) map[string]*field {
	switch structType {
	case householdType:
		return householdIndex
	case memberType:
		return memberIndex
	}
	return nil
}

// FindStructType implements types.Provider.
func (p *provider) FindStructType(structType string) (*types.Type, bool) {
	if p.fields(structType) != nil {
		return types.NewTypeTypeWithParam(types.NewObjectType(structType)), true
	}
	return p.Registry.FindStructType(structType)
}

// FindStructFieldNames implements types.Provider.
func (p *provider) FindStructFieldNames(structType string) ([]string, bool) {
	if fs := p.fields(structType); fs != nil {
		names := make([]string, 0, len(fs))
		for n := range fs {
			names = append(names, n)
		}
		return names, true
	}
	return p.Registry.FindStructFieldNames(structType)
}

// FindStructFieldType implements types.Provider.
func (p *provider) FindStructFieldType(structType, fieldName string) (*types.FieldType, bool) {
	fs := p.fields(structType)
	if fs == nil {
		return p.Registry.FindStructFieldType(structType, fieldName)
	}
	f, ok := fs[fieldName]
	if !ok {
		return nil, false
	}
	get := func(v any) (any, error) {
		val, err := f.get(v)
		if err != nil {
			return nil, err
		}
		return val, nil
	}
	set := func(any) bool { return true }
	if f.set != nil {
		set = f.set
	}
	return &types.FieldType{Type: f.typ, IsSet: set, GetFrom: get}, true
}

// NewValue implements types.Provider: rules cannot build records.
func (p *provider) NewValue(structType string, fields map[string]ref.Val) ref.Val {
	if p.fields(structType) != nil {
		return types.NewErr("rule: %s values cannot be created in a rule", structType)
	}
	return p.Registry.NewValue(structType, fields)
}

// placedWithinYear reports whether p's last placement in work started in
// the twelve months up to on: on or before on, less than a full year
// before it.
func placedWithinYear(p *profile.Person, on calendar.Date) bool {
	return !p.PlacedOn.IsZero() && on.Age(p.PlacedOn) == 0
}

func disabled(p *profile.Person) bool {
	for _, d := range p.Disability {
		if d >= 3 {
			return true
		}
	}
	return false
}

// hhVal is the CEL value of the variable household. Workers reuse one per
// goroutine, so a value must not outlive the evaluation it was built for.
type hhVal struct {
	h   *profile.Household
	ref calendar.Date // ages are counted on this day
}

// Incomes are minor units. A rule sees major units as a double, computed
// by one division of exact integers, so a value is the double nearest to
// the decimal amount and sums and per-person shares never carry the error
// of adding rounded doubles (1419.454 + 28.676 + 51.870 over 3 persons is
// exactly 500.0, not 499.99999999999994).

// unit is the number of minor units in a major unit.
func (h *hhVal) unit() int64 {
	if h.h.Unit <= 0 {
		return 1
	}
	return h.h.Unit
}

// major converts minor units of the household's currency to major units.
func (h *hhVal) major(minor int64) float64 { return float64(minor) / float64(h.unit()) }

// totalMinor is the household's own income plus its members', in minor units.
func (h *hhVal) totalMinor() int64 {
	t := h.h.MonthlyIncome
	for i := range h.h.Members {
		t += h.h.Members[i].MonthlyIncome
	}
	return t
}

func (h *hhVal) total() float64 { return h.major(h.totalMinor()) }

// perCapita is total income divided by size, in major units, divided once.
func (h *hhVal) perCapita() (float64, error) {
	n := int64(len(h.h.Members))
	if n == 0 {
		return 0, errs.E(errs.Invalid, "rule.no_members")
	}
	return float64(h.totalMinor()) / float64(n*h.unit()), nil
}

// memberVal is the CEL value of one member.
type memberVal struct {
	p   *profile.Person
	i   int // index in the household, for messages
	hv  *hhVal
	ag  int // cached age; ageUnset until first read
	got bool
}

func (m *memberVal) age() int {
	if !m.got {
		m.ag, m.got = m.hv.ref.Age(m.p.BirthDate), true
	}
	return m.ag
}

var errNoConversion = errors.New("rule: records cannot be converted")

// ConvertToNative implements ref.Val.
func (h *hhVal) ConvertToNative(reflect.Type) (any, error) { return nil, errNoConversion }

// ConvertToType implements ref.Val.
func (h *hhVal) ConvertToType(t ref.Type) ref.Val {
	if t == types.TypeType {
		return householdObj
	}
	return types.NewErr("no conversion of household to %s", t.TypeName())
}

// Equal implements ref.Val: a record equals only itself.
func (h *hhVal) Equal(o ref.Val) ref.Val { return types.Bool(o == ref.Val(h)) }

// Type implements ref.Val.
func (h *hhVal) Type() ref.Type { return householdObj }

// Value implements ref.Val; field getters receive it.
func (h *hhVal) Value() any { return h }

// ConvertToNative implements ref.Val.
func (m *memberVal) ConvertToNative(reflect.Type) (any, error) { return nil, errNoConversion }

// ConvertToType implements ref.Val.
func (m *memberVal) ConvertToType(t ref.Type) ref.Val {
	if t == types.TypeType {
		return memberObj
	}
	return types.NewErr("no conversion of member to %s", t.TypeName())
}

// Equal implements ref.Val: a record equals only itself.
func (m *memberVal) Equal(o ref.Val) ref.Val { return types.Bool(o == ref.Val(m)) }

// Type implements ref.Val.
func (m *memberVal) Type() ref.Type { return memberObj }

// Value implements ref.Val; field getters receive it.
func (m *memberVal) Value() any { return m }

// maxDepth bounds the nesting of macros over members on the fast path.
const maxDepth = 4

// scope is one worker's reusable evaluation state: the activation that
// resolves household and members, and the member values. Not safe for
// concurrent use; each goroutine has its own.
type scope struct {
	// ctx is the evaluation's context, kept here because CEL's interpreter
	// calls back into the scope; it lives as long as one EvaluateAll.
	ctx context.Context
	// small says the household is within the size hints of the cost
	// estimate. Only then does a rule take its fast path: a rule's cost is
	// bounded for such a household, so CEL could not stop at the cost limit
	// where the fast path would go on; a larger one runs on CEL, metered.
	small   bool
	cur     [maxDepth]*memberVal // fast path: members bound by nested macros
	hh      hhVal
	mems    []memberVal
	refs    []ref.Val
	members ref.Val
	vals    []any            // clause values of the current explanation
	born    []profile.Person // the members of a household some of whose members are not yet born
	unborn  int              // members of the current household born after the reference date
}

// reset binds the scope to h as it was on day at: members born after at
// are not members yet, so rules count them neither in size nor in income
// and never read their (negative) age.
func (s *scope) reset(h *profile.Household, at calendar.Date) {
	h, s.born, s.unborn = h.OnDay(at.Year, at.Month, at.Day, s.born)
	s.hh = hhVal{h: h, ref: at}
	n := len(h.Members)
	if cap(s.mems) < n {
		s.mems = make([]memberVal, n, n*2)
	}
	s.mems = s.mems[:n]
	for i := range h.Members {
		s.mems[i] = memberVal{p: &h.Members[i], i: i, hv: &s.hh}
	}
	s.members = nil
	s.small = withinHints(h)
}

// eval runs p on CEL's interpreter for the household in s, interruptible
// by s.ctx, and metered when the household is past the size hints.
func (s *scope) eval(p program) (ref.Val, error) {
	ctx := s.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	prg := p.plain
	if !s.small {
		prg = p.metered
	}
	v, _, err := prg.ContextEval(ctx, s)
	return v, err
}

// withinHints reports whether h is within the size hints of the cost
// estimate: MaxMembers members, MaxAssets assets, MaxAttrs attributes of
// the household and of each member, strings of at most MaxString bytes.
func withinHints(h *profile.Household) bool {
	if len(h.Members) > MaxMembers || len(h.Assets) > MaxAssets || !smallAttrs(h.Attrs) ||
		!smallStrings(h.Governorate, h.District, h.Locality, h.DwellingType, h.WaterSource, h.Sanitation) {
		return false
	}
	for _, a := range h.Assets {
		if len(a) > MaxString {
			return false
		}
	}
	for i := range h.Members {
		p := &h.Members[i]
		if !smallAttrs(p.Attrs) || !smallStrings(p.Relationship, p.Sex, p.EmploymentStatus, p.Education, p.MaritalStatus, p.Orphan) {
			return false
		}
	}
	return true
}

func smallStrings(ss ...string) bool {
	for _, s := range ss {
		if len(s) > MaxString {
			return false
		}
	}
	return true
}

func smallAttrs(m map[string]string) bool {
	if len(m) > MaxAttrs {
		return false
	}
	for k, v := range m {
		if len(k) > MaxString || len(v) > MaxString {
			return false
		}
	}
	return true
}

// list returns the CEL list of the members, built on first use: the fast
// path never needs it.
func (s *scope) list() ref.Val {
	if s.members == nil {
		s.refs = s.refs[:0]
		for i := range s.mems {
			s.refs = append(s.refs, &s.mems[i])
		}
		s.members = types.NewRefValList(registry, s.refs)
	}
	return s.members
}

// ResolveName implements interpreter.Activation.
func (s *scope) ResolveName(name string) (any, bool) {
	switch name {
	case "household":
		return &s.hh, true
	case "members":
		return s.list(), true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (s *scope) Parent() interpreter.Activation { return nil }
