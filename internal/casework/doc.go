// Package casework is Tadamun's case management for the care departments
// (issue 16): the care organization (departments, offices, who works where
// and under whom), case types as data per member, cases of a registry
// household or person opened only on recorded consent or a legal ground,
// who may see what (sensitive types, field-level rules per role, the
// access log), the workflow new → assessment → plan → services → followup
// → closed with the supervisor's approvals (maker-checker through auth),
// assignment and transfers with acceptance, narrative and visit notes and
// attachments (sealed with AES-256-GCM for sensitive types, with a key
// outside the database), the worker's inbox and the facts the quality
// system counts.
//
// It is the worked example of docs/architecture.md, "Adding a capability":
// it owns its tables (migration 0033_casework), asks the registry, members
// and auth through their exported APIs, reads the time from its clock and
// commits every write with its audit record. The other care packages
// (assess, referral, field, quality) reach it only through the interfaces
// of internal/care, which *Service implements.
//
// A Service is safe for concurrent use.
package casework
