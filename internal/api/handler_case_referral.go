package api

import (
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework/referral"
	"github.com/tadamun/tadamun/internal/errs"
)

// ProviderInput is a provider of the service directory as a client sends
// it; Version is the one read (0 to create).
type ProviderInput struct {
	Member   string   `json:"member,omitempty"` // member code; the caller's own member when empty
	NameAR   string   `json:"name_ar"`
	NameEN   string   `json:"name_en,omitempty"`
	Kind     string   `json:"kind"`
	Contact  string   `json:"contact,omitempty"`
	Address  string   `json:"address,omitempty"`
	Hours    string   `json:"hours,omitempty"`
	Areas    []string `json:"areas,omitempty"`
	Services []string `json:"services"`
	Active   bool     `json:"active"`
	Version  int64    `json:"version,omitempty"`
}

// ReferralSettingsInput is a member's follow-up rules.
type ReferralSettingsInput struct {
	Member       string `json:"member,omitempty"`
	EscalateDays int    `json:"escalate_days"`
	CriticalDays int    `json:"critical_days"`
	HighDays     int    `json:"high_days"`
	MediumDays   int    `json:"medium_days"`
	LowDays      int    `json:"low_days"`
}

// FollowUpBody records a referral's follow-up; client_id makes a repeat
// store nothing, version is the referral's version the worker saw.
type FollowUpBody struct {
	ClientID string    `json:"client_id"`
	Version  int64     `json:"version,omitempty"`
	Outcome  string    `json:"outcome"`
	Note     string    `json:"note,omitempty"`
	At       time.Time `json:"at,omitzero"`
}

// FollowUpResult is a recorded follow-up's id; duplicate says the same
// client_id was stored before and nothing new was.
type FollowUpResult struct {
	ID        int64 `json:"id"`
	Duplicate bool  `json:"duplicate"`
}

// ReferralDetail is a referral with its history and follow-ups.
type ReferralDetail struct {
	Referral  referral.Referral   `json:"referral"`
	History   []referral.Event    `json:"history"`
	FollowUps []referral.FollowUp `json:"follow_ups"`
}

// SweepResult lists the follow-ups a sweep escalated.
type SweepResult struct {
	Escalated []referral.Escalation `json:"escalated"`
}

// memberOf returns the id of the member named by code, or the caller's.
func (a *API) memberOf(r *http.Request, code string) (int64, error) {
	ctx := r.Context()
	if code == "" {
		if m := actor.From(ctx).MemberID; m != 0 {
			return m, nil
		}
		return 0, errs.E(errs.Invalid, "referral.member_required").WithField("member", "referral.member_required")
	}
	m, err := a.Members.Get(ctx, code)
	if err != nil {
		return 0, err
	}
	return m.ID, nil
}

func init() {
	svc := func(a *API) *referral.Service { return a.Referrals }
	memberParam := Param{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}
	Register(
		Route{Method: "GET", Path: "/casework/providers", Tag: "casework", Summary: "Search the service directory",
			Description: "Providers of basic services (health care, education, water and sanitation, housing, psychosocial support, legal aid, employment and training). With area, only providers covering it: directly, through an area above it, or nationwide (no area listed).",
			Query: []Param{memberParam, {Name: "area", Description: "admin area code the provider must cover"}, {Name: "service", Description: "a service code"},
				{Name: "q", Description: "part of a name"}, {Name: "active", Type: "boolean", Description: "only active providers"}},
			Response: List[referral.Provider]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				ps, err := svc(a).Providers(r.Context(), m, referral.ProviderFilter{Area: q.Get("area"), Service: q.Get("service"), Query: q.Get("q"), Active: q.Get("active") == "true"})
				return List[referral.Provider]{nonNil(ps)}, err
			}},
		Route{Method: "POST", Path: "/casework/providers", Tag: "casework", Summary: "Add a provider to the service directory (care managers)",
			Body: ProviderInput{}, Response: referral.Provider{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[ProviderInput](r)
				if err != nil {
					return nil, err
				}
				m, err := a.memberOf(r, in.Member)
				if err != nil {
					return nil, err
				}
				return svc(a).SaveProvider(r.Context(), m, providerOf(in, 0))
			}},
		Route{Method: "GET", Path: "/casework/providers/{id}", Tag: "casework", Summary: "Get a provider of the service directory", Response: referral.Provider{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return svc(a).Provider(r.Context(), id)
			}},
		Route{Method: "PUT", Path: "/casework/providers/{id}", Tag: "casework", Summary: "Change a provider of the service directory (care managers)",
			Description: "version is the provider's version read; 409 when it changed meanwhile.",
			Body:        ProviderInput{}, Response: referral.Provider{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[ProviderInput](r)
				if err != nil {
					return nil, err
				}
				p, err := svc(a).Provider(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return svc(a).SaveProvider(r.Context(), p.MemberID, providerOf(in, id))
			}},
		Route{Method: "POST", Path: "/casework/providers/import", Tag: "casework", Summary: "Import a service directory from CSV or XLSX (care managers)",
			Description: "The body is the file (Content-Type text/csv or the XLSX type). Columns: name_ar, name_en, kind, contact, address, hours, areas, services, active. All or nothing: a bad row refuses the file with each problem by row and column.",
			Query:       []Param{memberParam, {Name: "name", Description: "the file's name; .xlsx reads a workbook, anything else CSV"}},
			Response:    referral.ImportResult{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				name := path.Base(r.URL.Query().Get("name"))
				if name == "." || name == "/" {
					name = "directory.csv"
					if strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
						name = "directory.xlsx"
					}
				}
				r.Body = http.MaxBytesReader(nil, r.Body, a.Limits.Upload)
				return svc(a).ImportProviders(r.Context(), m, name, r.Body)
			}},
		Route{Method: "GET", Path: "/casework/settings", Tag: "casework", Summary: "A member's referral follow-up rules", Query: []Param{memberParam},
			Response: referral.Settings{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				return svc(a).Settings(r.Context(), m)
			}},
		Route{Method: "PUT", Path: "/casework/settings", Tag: "casework", Summary: "Set a member's referral follow-up rules (care managers)",
			Description: "Working days of the member state's working week: the follow-up interval by the case's risk level, and how late a follow-up may be before it is escalated to the supervisor.",
			Body:        ReferralSettingsInput{}, Response: referral.Settings{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[ReferralSettingsInput](r)
				if err != nil {
					return nil, err
				}
				m, err := a.memberOf(r, in.Member)
				if err != nil {
					return nil, err
				}
				return svc(a).SaveSettings(r.Context(), referral.Settings{MemberID: m, EscalateDays: in.EscalateDays, CriticalDays: in.CriticalDays,
					HighDays: in.HighDays, MediumDays: in.MediumDays, LowDays: in.LowDays})
			}},
		Route{Method: "GET", Path: "/casework/cases/{id}/plan", Tag: "casework", Summary: "A case's plan: goals and actions", Response: referral.Plan{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return svc(a).Plan(r.Context(), id)
			}},
		Route{Method: "PUT", Path: "/casework/cases/{id}/plan", Tag: "casework", Summary: "Save a case's plan",
			Description: "The whole plan, with the version read. 409 when someone saved it meanwhile: the message names who; read the plan again, merge, and save with its version.",
			Body:        referral.PlanInput{}, Response: referral.Plan{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[referral.PlanInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).SavePlan(r.Context(), id, in)
			}},
		Route{Method: "GET", Path: "/casework/cases/{id}/referrals", Tag: "casework", Summary: "A case's referrals, newest first", Response: List[referral.Referral]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				rs, err := svc(a).CaseReferrals(r.Context(), id)
				return List[referral.Referral]{nonNil(rs)}, err
			}},
		Route{Method: "POST", Path: "/casework/referrals", Tag: "casework", Summary: "Refer a case to a basic service",
			Description: "Internal (to_user_id and/or to_office_id) or external (provider_id of the directory). follow_up_due is required. A provider that does not cover the case's area is refused with 409 and the field confirm_area: send again with confirm_area true to refer anyway.",
			Body:        referral.SendInput{}, Response: referral.Referral{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[referral.SendInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Send(r.Context(), in)
			}},
		Route{Method: "GET", Path: "/casework/referrals/{id}", Tag: "casework", Summary: "A referral with its history and follow-ups", Response: ReferralDetail{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				ref, evs, err := svc(a).Referral(r.Context(), id)
				if err != nil {
					return nil, err
				}
				fs, err := svc(a).FollowUps(r.Context(), id)
				return ReferralDetail{Referral: ref, History: evs, FollowUps: fs}, err
			}},
		Route{Method: "POST", Path: "/casework/referrals/{id}/status", Tag: "casework", Summary: "Move a referral: accepted, declined, service_delivered, closed",
			Description: "sent → accepted | declined; accepted → service_delivered; any open referral → closed, never without an outcome (service_received, partially_received, not_received, no_longer_needed, client_refused, other — other needs outcome_note). version is the referral's version read; 409 when it changed meanwhile.",
			Body:        referral.Change{}, Response: referral.Referral{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[referral.Change](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Move(r.Context(), id, in)
			}},
		Route{Method: "POST", Path: "/casework/referrals/{id}/followups", Tag: "casework", Summary: "Record a referral's follow-up",
			Description: "outcome: waiting, in_progress, unreachable (the next follow-up date moves on by the member's interval for the case's risk level) or completed (after delivery: closes the referral). Idempotent on client_id: a repeat answers the first id with duplicate true. 409 when the referral changed since version.",
			Body:        FollowUpBody{}, Response: FollowUpResult{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[FollowUpBody](r)
				if err != nil {
					return nil, err
				}
				fid, dup, err := svc(a).RecordFollowUp(r.Context(), care.FollowUpInput{ClientID: in.ClientID, ReferralID: id, BaseVersion: in.Version, Outcome: in.Outcome, Note: in.Note, At: in.At})
				return FollowUpResult{ID: fid, Duplicate: dup}, err
			}},
		Route{Method: "GET", Path: "/casework/followups", Tag: "casework", Summary: "Open referral follow-ups of my cases, soonest first",
			Query: []Param{{Name: "team", Type: "boolean", Description: "also the cases I supervise (supervisors)"},
				{Name: "all", Type: "boolean", Description: "every case of my member (care managers)"},
				{Name: "received", Type: "boolean", Description: "instead, the internal referrals sent to me still waiting (sent, accepted)"}},
			Response: referral.FollowUpList{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				return svc(a).OpenFollowUps(r.Context(), referral.FollowUpFilter{Team: q.Get("team") == "true", All: q.Get("all") == "true", Received: q.Get("received") == "true"})
			}},
		Route{Method: "POST", Path: "/casework/followups/sweep", Tag: "casework", Summary: "Escalate late referral follow-ups now (supervisors)",
			Description: "The server does this on its own every few minutes; a member-scoped caller sweeps its member only.",
			Response:    SweepResult{},
			Handle: func(a *API, r *http.Request) (any, error) {
				es, err := svc(a).Sweep(r.Context())
				return SweepResult{nonNil(es)}, err
			}},
	)
}

func providerOf(in ProviderInput, id int64) referral.Provider {
	return referral.Provider{ID: id, NameAR: in.NameAR, NameEN: in.NameEN, Kind: in.Kind, Contact: in.Contact, Address: in.Address, Hours: in.Hours,
		Areas: in.Areas, Services: in.Services, Active: in.Active, Version: in.Version}
}
