package assess

import (
	"context"
	"encoding/json"
	"slices"
)

// Change is one difference between two versions of a form.
type Change struct {
	What  string `json:"what"`  // added, removed, changed
	Name  string `json:"name"`  // the question's name; "" for the formula or thresholds
	Field string `json:"field"` // for changed: kind, label, required, relevant, constraint, choices, range, section, formula, thresholds
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
}

// Compare lists what changed from a to b: questions added and removed (by
// name), each field of a question that changed, the formula and the
// thresholds.
func Compare(a, b *Definition) []Change {
	var out []Change
	sec := func(d *Definition) map[string]string {
		m := map[string]string{}
		for _, s := range d.Sections {
			for _, q := range s.Items {
				m[q.Name] = s.Name
			}
		}
		return m
	}
	as, bs := sec(a), sec(b)
	old := map[string]Question{}
	for _, q := range a.Questions() {
		old[q.Name] = q
	}
	seen := map[string]bool{}
	for _, q := range b.Questions() {
		seen[q.Name] = true
		p, ok := old[q.Name]
		if !ok {
			out = append(out, Change{What: "added", Name: q.Name, New: label(q)})
			continue
		}
		diff := func(field, o, n string) {
			if o != n {
				out = append(out, Change{What: "changed", Name: q.Name, Field: field, Old: o, New: n})
			}
		}
		diff("kind", string(p.Kind), string(q.Kind))
		diff("label", p.LabelAR+" / "+p.LabelEN, q.LabelAR+" / "+q.LabelEN)
		diff("required", yes(p.Required), yes(q.Required))
		diff("relevant", p.Relevant, q.Relevant)
		diff("constraint", p.Constraint, q.Constraint)
		diff("choices", choiceText(p.Choices), choiceText(q.Choices))
		if p.Kind == Scale || q.Kind == Scale {
			diff("range", rangeText(p), rangeText(q))
		}
		diff("section", as[q.Name], bs[q.Name])
	}
	for _, q := range a.Questions() {
		if !seen[q.Name] {
			out = append(out, Change{What: "removed", Name: q.Name, Old: label(q)})
		}
	}
	if a.Formula != b.Formula {
		out = append(out, Change{What: "changed", Field: "formula", Old: a.Formula, New: b.Formula})
	}
	if a.Thresholds != b.Thresholds {
		ta, _ := json.Marshal(a.Thresholds)
		tb, _ := json.Marshal(b.Thresholds)
		out = append(out, Change{What: "changed", Field: "thresholds", Old: string(ta), New: string(tb)})
	}
	return out
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func choiceText(cs []Choice) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	b, _ := json.Marshal(slices.Clip(names))
	if len(cs) == 0 {
		return ""
	}
	return string(b)
}

func rangeText(q Question) string {
	b, _ := json.Marshal([2]int{q.Min, q.Max})
	return string(b)
}

// Shown returns which questions of f show under answers (a draft's: they
// need not be complete), for the page to draw before its script runs.
func (s *Service) Shown(ctx context.Context, f Form, answers map[string]string) map[string]bool {
	c, err := s.compiledOf(f)
	if err != nil {
		return nil
	}
	ch, _ := c.answers(ctx, answers, false)
	return ch.Shown
}
