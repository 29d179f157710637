// Package assess holds the assessment forms of case management and the
// assessments filled with them (issue 16, item 4).
//
// A form is data, defined per member and case type and versioned: every
// upload is a new version (a new row), a published version never changes,
// and a case that started an assessment keeps the version it started with
// (assess_assessments pins it), so publishing a new version never changes
// what a worker is filling. Forms come as XLSForm workbooks (the survey,
// choices and settings sheets ODK and Kobo users know) and go back out the
// same way. Conditions (relevant) and constraints are written in XLSForm's
// expression language and translated to CEL; the risk score is a CEL
// formula the member writes over the answers, 0–100, with the member's
// thresholds for the levels low, medium, high and critical.
//
// The package reaches cases only through care.Cases (Options.Cases) and
// implements care.Assessments: a submission is idempotent on the member and
// its client id, and a submission for a form version other than the one the
// case is being assessed with is a conflict. A Service is safe for
// concurrent use.
package assess
