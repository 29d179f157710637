package program

import (
	"encoding/json"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/program/rule"
)

// ClauseResult is one clause of the eligibility rule as a stored decision
// explains it: the clause's text from the run's version, its value (or the
// error that stopped it) and the inputs it read for this household.
type ClauseResult struct {
	Text    string         `json:"text"`
	Value   any            `json:"value,omitempty"` // bool or number; nil with Err
	Err     string         `json:"error,omitempty"` // i18n key of the error that stopped the clause
	ErrArgs map[string]any `json:"error_args,omitempty"`
	Inputs  map[string]any `json:"inputs,omitempty"`
}

type storedClause struct {
	V    any            `json:"v"`
	Err  string         `json:"err"`
	Args map[string]any `json:"args"`
	In   map[string]any `json:"in"`
}

// decodeExplanation reads the JSON of rule's Decision.Explanation, naming each clause
// with texts (the version's clause texts, in order).
func decodeExplanation(data string, texts []string) ([]ClauseResult, error) {
	if data == "" {
		return nil, nil
	}
	var sc []storedClause
	if err := json.Unmarshal([]byte(data), &sc); err != nil {
		return nil, err
	}
	out := make([]ClauseResult, len(sc))
	for i, c := range sc {
		out[i] = ClauseResult{Value: c.V, Err: c.Err, ErrArgs: c.Args, Inputs: c.In}
		if i < len(texts) {
			out[i].Text = texts[i]
		}
	}
	return out, nil
}

// ruleClauses turns stored clause results back into the engine's clauses,
// for rule.Plain.
func ruleClauses(cs []ClauseResult) []rule.Clause {
	out := make([]rule.Clause, len(cs))
	for i, c := range cs {
		out[i] = rule.Clause{Text: c.Text, Value: c.Value, Inputs: c.Inputs}
		if c.Err != "" {
			out[i].Value = &errs.Error{Code: errs.Invalid, Key: c.Err, Args: c.ErrArgs}
		}
	}
	return out
}
