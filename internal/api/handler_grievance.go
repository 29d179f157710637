package api

import (
	"net"
	"net/http"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/grievance"
)

// GrievanceIntake is a grievance sent by an SMS or call-centre gateway, or
// entered by staff.
type GrievanceIntake struct {
	Member        string             `json:"member,omitempty"`  // member code; the caller's own member when empty
	Channel       grievance.Channel  `json:"channel,omitempty"` // "api" (default) or "staff"
	Category      grievance.Category `json:"category"`
	Priority      grievance.Priority `json:"priority,omitempty"` // empty: the category's default
	Body          string             `json:"body"`
	Anonymous     bool               `json:"anonymous,omitempty"`
	Name          string             `json:"name,omitempty"`
	Contact       string             `json:"contact,omitempty"`
	AreaCode      string             `json:"area_code,omitempty"`
	HouseholdID   int64              `json:"household_id,omitempty"`
	SubjectUserID int64              `json:"subject_user_id,omitempty"`
	RunID         int64              `json:"run_id,omitempty"` // with household_id and category eligibility_appeal: the contested decision
}

// AppealDecision is the outcome of an eligibility appeal.
type AppealDecision struct {
	Outcome string `json:"outcome"` // upheld or rejected
	Reason  string `json:"reason"`
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func init() {
	svc := func(a *API) *grievance.Service { return a.Grievances }
	Register(
		Route{Method: "POST", Path: "/grievances", Tag: "grievances", Summary: "Take in a grievance from a gateway or staff",
			Description: "The receipt's tracking code is shown once; pass it to the complainant, who follows the case with it on the public status page.",
			Body:        GrievanceIntake{}, Response: grievance.Receipt{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[GrievanceIntake](r)
				if err != nil {
					return nil, err
				}
				ctx := r.Context()
				member := actor.From(ctx).MemberID
				if in.Member != "" {
					m, err := a.Members.Get(ctx, in.Member)
					if err != nil {
						return nil, err
					}
					member = m.ID
				}
				if in.Channel == "" {
					in.Channel = grievance.API
				}
				if in.Channel != grievance.API && in.Channel != grievance.Staff {
					return nil, errs.E(errs.Invalid, "grievance.channel_unknown", "channel", string(in.Channel)).WithField("channel", "grievance.channel_unknown", "channel", string(in.Channel))
				}
				gi := grievance.Intake{MemberID: member, Channel: in.Channel, Category: in.Category, Priority: in.Priority, Body: in.Body, Anonymous: in.Anonymous,
					Name: in.Name, Contact: in.Contact, AreaCode: in.AreaCode, HouseholdID: in.HouseholdID, SubjectUserID: in.SubjectUserID}
				if in.Category == grievance.EligibilityAppeal && in.RunID != 0 {
					rc, _, err := svc(a).FileAppeal(ctx, gi, in.RunID, in.HouseholdID)
					return rc, err
				}
				return svc(a).Submit(ctx, gi)
			}},
		Route{Method: "GET", Path: "/grievances", Tag: "grievances", Summary: "The grievance officer's queue, most urgent first",
			Query: []Param{
				{Name: "member", Type: "integer", Description: "member id (union-level callers)"},
				{Name: "open", Type: "boolean", Description: "only cases whose clock still runs"},
				{Name: "step", Description: "received, assigned, acknowledged, investigating, resolved, feedback or closed"},
				{Name: "category", Description: "eligibility_appeal, payment, data_correction, service_quality, misconduct or other"},
				{Name: "priority", Description: "critical, high, medium or low"},
				{Name: "channel", Description: "web, staff or api"},
				{Name: "assigned_to", Type: "integer", Description: "officer's user id"},
				{Name: "unassigned", Type: "boolean", Description: "only cases nobody holds"},
				{Name: "overdue", Type: "boolean", Description: "open and past the deadline"},
				{Name: "near_due", Type: "boolean", Description: "open, past the warning time, not yet overdue"},
				{Name: "escalated", Type: "boolean", Description: "escalated to a supervisor"},
				{Name: "limit", Type: "integer", Description: "at most 1000, default 100"},
				{Name: "offset", Type: "integer", Description: "rows to skip"},
			},
			Response: List[grievance.Grievance]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				f := grievance.Filter{Step: grievance.Step(q.Get("step")), Category: grievance.Category(q.Get("category")), Priority: grievance.Priority(q.Get("priority")),
					Channel: grievance.Channel(q.Get("channel")), Open: q.Get("open") == "true", Unassigned: q.Get("unassigned") == "true",
					Overdue: q.Get("overdue") == "true", NearDue: q.Get("near_due") == "true", Escalated: q.Get("escalated") == "true"}
				var err error
				if f.MemberID, err = QueryInt(r, "member", 0); err != nil {
					return nil, err
				}
				if f.AssignedTo, err = QueryInt(r, "assigned_to", 0); err != nil {
					return nil, err
				}
				limit, err := QueryInt(r, "limit", 100)
				if err != nil {
					return nil, err
				}
				offset, err := QueryInt(r, "offset", 0)
				if err != nil {
					return nil, err
				}
				f.Limit, f.Offset = int(limit), int(offset)
				gs, err := svc(a).Queue(r.Context(), f)
				return List[grievance.Grievance]{nonNil(gs)}, err
			}},
		Route{Method: "GET", Path: "/grievances/stats", Tag: "grievances", Summary: "A member's grievance statistics for a period",
			Query: []Param{
				{Name: "member", Type: "integer", Description: "member id; the caller's own member when absent", Required: false},
				{Name: "from", Description: "first day, YYYY-MM-DD (default: 90 days ago)"},
				{Name: "to", Description: "day after the last, YYYY-MM-DD (default: tomorrow)"},
			},
			Response: grievance.Stats{},
			Handle: func(a *API, r *http.Request) (any, error) {
				member, err := QueryInt(r, "member", actor.From(r.Context()).MemberID)
				if err != nil {
					return nil, err
				}
				now := a.Clock.Now().UTC()
				from, to := now.AddDate(0, 0, -90), now.AddDate(0, 0, 1)
				for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
					if s := r.URL.Query().Get(name); s != "" {
						t, err := time.Parse("2006-01-02", s)
						if err != nil {
							return nil, errs.E(errs.Invalid, "api.bad_param", "name", name).WithField(name, "api.bad_param", "name", name)
						}
						*dst = t
					}
				}
				return svc(a).Stats(r.Context(), member, from, to)
			}},
		Route{Method: "GET", Path: "/grievances/{id}", Tag: "grievances", Summary: "Get a grievance", Response: grievance.Grievance{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return svc(a).Get(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/grievances/{id}/history", Tag: "grievances", Summary: "A grievance's events, oldest first", Response: List[grievance.Event]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				h, err := svc(a).History(r.Context(), id)
				return List[grievance.Event]{nonNil(h)}, err
			}},
		Route{Method: "POST", Path: "/grievances/{id}/assign", Tag: "grievances", Summary: "Sort a grievance and assign it to an officer", Body: grievance.Assignment{}, Response: grievance.Grievance{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				as, err := Decode[grievance.Assignment](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Assign(r.Context(), id, as)
			}},
		Route{Method: "POST", Path: "/grievances/{id}/move", Tag: "grievances", Summary: "Move a grievance to its next step (no step may be skipped)", Body: grievance.Change{}, Response: grievance.Grievance{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				c, err := Decode[grievance.Change](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Move(r.Context(), id, c)
			}},
		Route{Method: "POST", Path: "/grievances/{id}/appeal", Tag: "grievances", Summary: "Decide an eligibility appeal; upheld re-opens enrollment through maker-checker", Body: AppealDecision{}, Response: grievance.Appeal{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				d, err := Decode[AppealDecision](r)
				if err != nil {
					return nil, err
				}
				return svc(a).DecideAppeal(r.Context(), id, d.Outcome, d.Reason)
			}},
		Route{Method: "GET", Path: "/public/grievances/status", Tag: "grievances", Public: true, Summary: "A grievance's public status by tracking code (no sign-in; wrong codes are rate-limited)",
			Query:    []Param{{Name: "code", Description: "the tracking code from the receipt", Required: true}},
			Response: grievance.PublicStatus{},
			Handle: func(a *API, r *http.Request) (any, error) {
				return svc(a).Status(r.Context(), r.URL.Query().Get("code"), clientAddr(r))
			}},
	)
}
