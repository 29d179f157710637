package assess

import (
	"time"
)

// Kind is what a question asks for.
type Kind string

// The kinds of question. A note shows text and takes no answer.
const (
	Text           Kind = "text"
	Integer        Kind = "integer"
	Decimal        Kind = "decimal" // kept as an exact decimal string, never a float
	Date           Kind = "date"    // YYYY-MM-DD
	SelectOne      Kind = "select_one"
	SelectMultiple Kind = "select_multiple" // choice names separated by spaces
	YesNo          Kind = "yes_no"          // "yes" or "no"
	Scale          Kind = "scale"           // an integer from Min to Max
	Note           Kind = "note"
)

// Kinds lists the kinds, in the order the forms pages explain them.
var Kinds = []Kind{Text, Integer, Decimal, Date, SelectOne, SelectMultiple, YesNo, Scale, Note}

// answers reports whether a question of kind k takes an answer.
func (k Kind) answers() bool { return k != Note && k != "" }

// Statuses of a form version.
const (
	Draft     = "draft"
	Published = "published"
	Retired   = "retired" // a published version a later one replaced
)

// Choice is one option of a select question.
type Choice struct {
	Name    string `json:"name"`
	LabelAR string `json:"label_ar"`
	LabelEN string `json:"label_en"`
}

// Question is one question of a form. Relevant and Constraint are as
// written in XLSForm; their CEL translations are computed when the form is
// compiled.
type Question struct {
	Name         string   `json:"name"`
	Kind         Kind     `json:"kind"`
	LabelAR      string   `json:"label_ar"`
	LabelEN      string   `json:"label_en"`
	HintAR       string   `json:"hint_ar,omitempty"`
	HintEN       string   `json:"hint_en,omitempty"`
	Required     bool     `json:"required,omitempty"`
	Relevant     string   `json:"relevant,omitempty"`
	Constraint   string   `json:"constraint,omitempty"`
	ConstraintAR string   `json:"constraint_message_ar,omitempty"`
	ConstraintEN string   `json:"constraint_message_en,omitempty"`
	List         string   `json:"list,omitempty"` // the choices list of a select
	Choices      []Choice `json:"choices,omitempty"`
	Min          int      `json:"min,omitempty"` // a scale's range
	Max          int      `json:"max,omitempty"`
	Row          int      `json:"row,omitempty"` // its row in the survey sheet, for messages
}

// Section is a group of questions, shown together, with its own condition.
type Section struct {
	Name     string     `json:"name"`
	LabelAR  string     `json:"label_ar"`
	LabelEN  string     `json:"label_en"`
	Relevant string     `json:"relevant,omitempty"`
	Row      int        `json:"row,omitempty"`
	Items    []Question `json:"questions"`
}

// Thresholds are the lowest scores of the levels above low: a score at or
// above Critical is critical, at or above High high, at or above Medium
// medium, and low below.
type Thresholds struct {
	Medium   int `json:"medium"`
	High     int `json:"high"`
	Critical int `json:"critical"`
}

// DefaultThresholds are the thresholds of a form that sets none.
var DefaultThresholds = Thresholds{Medium: 25, High: 50, Critical: 75}

// Definition is a form's content: what a version holds and never changes
// once published.
type Definition struct {
	TitleAR    string     `json:"title_ar"`
	TitleEN    string     `json:"title_en"`
	Sections   []Section  `json:"sections"`
	Formula    string     `json:"formula,omitempty"` // the risk score, CEL; empty means no score
	Thresholds Thresholds `json:"thresholds"`
}

// Questions returns every question of d, in order, notes included.
func (d *Definition) Questions() []Question {
	var out []Question
	for _, s := range d.Sections {
		out = append(out, s.Items...)
	}
	return out
}

// Question returns the question named name.
func (d *Definition) Question(name string) (Question, bool) {
	for _, s := range d.Sections {
		for _, q := range s.Items {
			if q.Name == name {
				return q, true
			}
		}
	}
	return Question{}, false
}

// Form is one version of a member's form for a case type.
type Form struct {
	ID          int64      `json:"id"`
	MemberID    int64      `json:"member_id"`
	TypeCode    string     `json:"type_code"`
	Version     int        `json:"version"`
	Status      string     `json:"status"`
	Def         Definition `json:"definition"`
	CreatedBy   int64      `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	PublishedBy int64      `json:"published_by,omitempty"`
	PublishedAt time.Time  `json:"published_at,omitzero"`
}

// Level returns the level of score under t.
func (t Thresholds) Level(score int) string {
	switch {
	case score >= t.Critical:
		return "critical"
	case score >= t.High:
		return "high"
	case score >= t.Medium:
		return "medium"
	}
	return "low"
}
