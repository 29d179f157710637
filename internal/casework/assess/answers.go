package assess

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// zero is the value a question's variable has when it is blank or hidden:
// "" for text, dates and choices, 0 for numbers, [] for multiple choices.
func zero(k Kind) any {
	switch kindType(k) {
	case tInt:
		return int64(0)
	case tDouble:
		return float64(0)
	case tList:
		return []string{}
	}
	return ""
}

// parse reads one answer as text into its normalized text and CEL value.
// The error is a field problem key with its args.
func parse(q Question, raw string) (string, any, *errs.FieldError) {
	bad := func(key string, kv ...any) (string, any, *errs.FieldError) {
		fe := errs.E(errs.Invalid, "x").WithField(q.Name, key, append([]any{"label", label(q)}, kv...)...).Fields[0]
		return "", nil, &fe
	}
	s := strings.TrimSpace(raw)
	switch q.Kind {
	case Text:
		if utf8.RuneCountInString(s) > maxText {
			return bad("assess.answer_too_long", "max", maxText)
		}
		return s, s, nil
	case Integer, Scale:
		v, err := arabic.ParseInt(s)
		if err != nil {
			return bad("assess.answer_integer")
		}
		if q.Kind == Scale && (v < int64(q.Min) || v > int64(q.Max)) {
			return bad("assess.answer_scale", "min", q.Min, "max", q.Max)
		}
		return strconv.FormatInt(v, 10), v, nil
	case Decimal:
		d, err := arabic.ParseDecimal(s)
		if err != nil || len(d) > 40 {
			return bad("assess.answer_decimal")
		}
		f, err := strconv.ParseFloat(d, 64)
		if err != nil {
			return bad("assess.answer_decimal")
		}
		// The answer is kept as the exact decimal text; conditions compare
		// it as a number.
		return d, f, nil
	case Date:
		t, err := arabic.ParseDate(s)
		if err != nil {
			return bad("assess.answer_date")
		}
		d := t.Format("2006-01-02")
		return d, d, nil
	case YesNo:
		if s != "yes" && s != "no" {
			return bad("assess.answer_choice", "value", s)
		}
		return s, s, nil
	case SelectOne:
		if !hasChoice(q, s) {
			return bad("assess.answer_choice", "value", s)
		}
		return s, s, nil
	case SelectMultiple:
		var picked []string
		for _, c := range strings.Fields(s) {
			if !hasChoice(q, c) {
				return bad("assess.answer_choice", "value", c)
			}
			if !slices.Contains(picked, c) {
				picked = append(picked, c)
			}
		}
		// In the order of the choices, so that one answer is one text.
		slices.SortFunc(picked, func(a, b string) int { return choiceIndex(q, a) - choiceIndex(q, b) })
		return strings.Join(picked, " "), picked, nil
	}
	return bad("assess.kind_unknown", "kind", string(q.Kind))
}

func hasChoice(q Question, name string) bool { return choiceIndex(q, name) >= 0 }

func choiceIndex(q Question, name string) int {
	for i, c := range q.Choices {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// label is a question's label for messages: both languages' when they
// differ, so the catalog's message reads in either.
func label(q Question) string {
	if q.LabelAR != "" {
		return q.LabelAR
	}
	return q.LabelEN
}

// Checked is what a form makes of a set of answers.
type Checked struct {
	Values map[string]string // the answers kept: shown questions only, normalized
	Shown  map[string]bool   // the questions shown under these answers
	vars   map[string]any
}

// answers reads answers under c. strict (a submission) requires the required
// answers and checks constraints; a draft keeps what parses. Unknown
// answer names are refused either way. The problems are one errs.Invalid.
func (c *compiled) answers(ctx context.Context, answers map[string]string, strict bool) (Checked, error) {
	out := Checked{Values: map[string]string{}, Shown: map[string]bool{}, vars: map[string]any{}}
	e := errs.E(errs.Invalid, "assess.answers_invalid")
	names := make([]string, 0, len(answers))
	for name := range answers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := c.kinds[name]; !ok {
			e.WithField(name, "assess.answer_unknown", "name", name)
		}
	}
	texts := map[string]string{}
	for _, q := range c.order {
		out.vars[q.Name] = zero(q.Kind)
		raw := strings.TrimSpace(answers[q.Name])
		if raw == "" {
			continue
		}
		t, v, fe := parse(q, raw)
		if fe != nil {
			e.Fields = append(e.Fields, *fe)
			continue
		}
		texts[q.Name], out.vars[q.Name] = t, v
	}
	// Conditions in form order: a question found hidden counts as blank for
	// every condition after it; the page's script does the same.
	for _, q := range c.order {
		shown := true
		if p := c.secRel[c.section[q.Name]]; p != nil {
			shown = truth(ctx, p, out.vars)
		}
		if p := c.relevant[q.Name]; shown && p != nil {
			shown = truth(ctx, p, out.vars)
		}
		out.Shown[q.Name] = shown
		if !shown {
			out.vars[q.Name] = zero(q.Kind)
			delete(texts, q.Name)
		}
	}
	if err := ctx.Err(); err != nil {
		return Checked{}, err
	}
	lang := actor.From(ctx).Lang
	for _, q := range c.order {
		if !out.Shown[q.Name] {
			continue
		}
		t, ok := texts[q.Name]
		if !ok {
			if strict && q.Required && strings.TrimSpace(answers[q.Name]) == "" {
				e.WithField(q.Name, "assess.answer_required", "label", label(q))
			}
			continue
		}
		out.Values[q.Name] = t
		if p := c.check[q.Name]; strict && p != nil && !truth(ctx, p, out.vars) {
			msg := q.ConstraintAR
			if lang == i18n.EN && q.ConstraintEN != "" || msg == "" {
				msg = q.ConstraintEN
			}
			if msg == "" {
				e.WithField(q.Name, "assess.answer_constraint", "label", label(q))
			} else {
				e.WithField(q.Name, "assess.answer_constraint_msg", "label", label(q), "message", msg)
			}
		}
	}
	if len(e.Fields) > 0 {
		f := e.Fields[0]
		e.Args = map[string]any{"count": len(e.Fields), "first_key": f.Key}
		return out, e
	}
	return out, nil
}

// Used is one answer the score formula read.
type Used struct {
	Name    string `json:"name"`
	LabelAR string `json:"label_ar"`
	LabelEN string `json:"label_en"`
	Value   string `json:"value"` // as answered; "" when blank or hidden
	Shown   bool   `json:"shown"`
}

// Explanation says how a score came out: the formula, the answers it
// read, its result, the score (the result kept within 0–100) and the
// level under the form's thresholds.
type Explanation struct {
	Formula    string     `json:"formula"`
	Used       []Used     `json:"used"`
	Result     int64      `json:"result"`
	Clamped    bool       `json:"clamped"`
	Score      int        `json:"score"`
	Level      string     `json:"level"`
	Thresholds Thresholds `json:"thresholds"`
}

// score computes the risk score of checked answers. A form without a
// formula scores 0 (low) and says so.
func (c *compiled) score(ctx context.Context, ch Checked) (Explanation, error) {
	x := Explanation{Formula: c.def.Formula, Thresholds: c.def.Thresholds}
	if c.formula != nil {
		v, err := eval(ctx, c.formula, ch.vars)
		if err != nil {
			return x, errs.E(errs.Invalid, "assess.formula_failed", "detail", "\u2066"+err.Error()+"\u2069")
		}
		n, _ := v.(int64)
		x.Result = n
	}
	for _, name := range c.refs {
		q, _ := c.def.Question(name)
		x.Used = append(x.Used, Used{Name: name, LabelAR: q.LabelAR, LabelEN: q.LabelEN, Value: ch.Values[name], Shown: ch.Shown[name]})
	}
	x.Score = int(max(0, min(100, x.Result)))
	x.Clamped = int64(x.Score) != x.Result
	x.Level = c.def.Thresholds.Level(x.Score)
	return x, nil
}
