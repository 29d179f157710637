// Package program holds Tadamun's social-protection programs: their public,
// versioned rules (eligibility, score, benefit, cap), targeting runs that
// decide every household of a member and store each decision with its
// explanation, the fairness report of each run, and enrollment of the
// selected households through maker-checker approval.
//
// A program belongs to one member and is paid in that member's currency.
// Its rules live in versions: every change of a rule, the score order, the
// cap or the fairness threshold makes a new version, and old versions stay
// readable, so a run always names the version it used and can be checked
// again later.
//
// A targeting run reads households through a Source (the registry's
// EachHousehold), evaluates the compiled rules on all cores
// (internal/program/rule), ranks eligible households by score, applies the
// cap, and writes one decision per household in bulk (db.Tx.Insert) in the
// transaction that ends the run and writes its audit record.
//
// Every write checks permissions (auth.ProgramManage, auth.EnrollPropose,
// auth.EnrollDecide; reads auth.ProgramRead), is confined to the actor's
// member, and appends to the audit log in the same transaction. A Service
// is safe for concurrent use.
package program
