// Package registry is Tadamun's social registry: households and the persons
// in them, with their names as entered and, beside them, the normalized keys
// (internal/arabic) that search and deduplication use; every change kept as
// history (who, when, field, old, new) and audited in the same transaction;
// bulk import of CSV and XLSX files, all or nothing; search; and streaming
// readers that feed targeting and deduplication.
//
// A household has exactly one head: a partial unique index holds at most
// one, and every write checks at least one. A person belongs to one household
// and can move to another. Household and person references are unique within
// a member; every query is scoped by member (auth.MemberScope,
// auth.RequireMember), so a member-scoped user never sees another member's
// rows.
//
// Money (incomes) is stored as integer minor units of the member's currency.
// Dates are "YYYY-MM-DD" text on both engines, "" when unknown.
package registry
