// Package partner keeps a member's private-sector partners — companies,
// banks, foundations, chambers of commerce — with the agreements
// (memoranda of understanding) signed with them and their documents, the
// pledges they make of money, goods, jobs or training places, and what they
// delivered against each pledge.
//
// It owns the partners and partner_* tables (migration 0044_partner). Every
// write is audited in its own transaction; a delivery is a guarded change of
// its pledge (the version read under the row's lock), idempotent on its
// reference, and never takes a pledge past what was pledged. An agreement's
// expiry is computed from the service's clock, in the member's time zone.
// The portal's list (Public) shows only partners that consented to be
// listed, and only what they delivered: no contact, no document.
//
// A Service is safe for concurrent use.
package partner
