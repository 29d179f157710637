// Package grievance is Tadamun's grievance and redress mechanism: complaints
// taken in from a public form (anonymous allowed), from staff for walk-in and
// phone complaints, and from an API gateway; the steps a good mechanism has
// (uptake → sort and assign → acknowledge → investigate → resolve with an
// answer → feedback → close) with none skipped; priority service-level
// targets counted in the member's working week and time zone, with a warning
// near the deadline and escalation to a supervisor past it; an officer's
// queue and per-member statistics; eligibility appeals linked to the
// targeting decision they contest; and a whistleblower channel that only
// integrity officers read, with the reporter's contact encrypted.
//
// Public entry points (Submit on the web channel, Status, GiveFeedback) are
// guarded by a tracking code of 128 random bits, an arithmetic challenge
// signed with HMAC and per-address rate limits, so that they need no outside
// service. Text is stored exactly as given; escaping it is the template's job.
//
// A Service is safe for concurrent use.
package grievance
