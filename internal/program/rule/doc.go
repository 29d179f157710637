// Package rule compiles and evaluates the public eligibility rules, score
// formulas and benefit formulas of Tadamun programs.
//
// Rules are CEL expressions (cel.dev/cel-go) over a documented vocabulary:
// the variable household (one record of the social registry) and the variable
// members (its persons). Vocabulary lists every field with its type and its
// meaning in Arabic and English; docs/rules.md is the same table for readers.
//
//	household.income_per_capita < 1200.0 &&
//	  (members.exists(m, has(m.age) && m.age >= 65) || members.exists(m, m.disability))
//
// Compile type-checks a rule and refuses, with a message in both languages,
// a rule that does not parse, does not type-check, returns the wrong type,
// or reads a protected attribute (religion, sect, ethnicity, tribe, family,
// political affiliation, names; see Protected). The same public rule applies
// to everyone, so such attributes may never decide who is supported.
//
// Evaluate and EvaluateAll run a compiled program over in-memory households.
// Each Decision carries eligibility, score, benefit and, on request, the
// explanation: every top-level clause of the eligibility rule with its value
// and the input values it read. A household whose rule fails at run time
// (division by zero, a missing custom attribute, an unknown age) gets an
// error in its Decision; the others are evaluated as usual. The same data,
// reference date and rule always give the same decisions, whatever the number
// of workers.
//
// The engine is pure: no database, no clock (the reference date is an
// argument), no randomness. Compiled values are safe for concurrent use.
package rule
