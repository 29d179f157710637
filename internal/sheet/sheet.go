// Package sheet keeps the CSV files Tadamun writes from running as
// formulas when a person opens them in a spreadsheet (CSV or formula
// injection): a text cell that starts with = + - @, a tab or a carriage
// return (or their full-width forms, which some spreadsheets fold) gets a
// leading apostrophe, which spreadsheets show as text and do not keep.
//
// Only text that people typed goes through Text: names, references,
// labels, messages. Amounts, counts, dates and identifiers the system
// made are written as they are: "-5.000" is a number a bank's software
// must read as one, and an apostrophe would break it.
package sheet

import "strings"

// Text returns s, with a leading apostrophe when a spreadsheet would read
// it as a formula.
func Text(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	for _, p := range []string{"＝", "＋", "－", "＠"} {
		if strings.HasPrefix(s, p) {
			return "'" + s
		}
	}
	return s
}

// Texts applies Text to every cell, in place, and returns cells.
func Texts(cells ...string) []string {
	for i, c := range cells {
		cells[i] = Text(c)
	}
	return cells
}
