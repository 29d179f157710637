package api

import (
	"net"
	"net/http"
	"strconv"

	"github.com/tadamun/tadamun/internal/actor"

	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/volunteer"
)

// VolunteerInput is a volunteer as a coordinator adds them, or as the
// public sign-up sends them (with the challenge's token and answer).
type VolunteerInput struct {
	Member string `json:"member,omitempty"` // member code; the caller's own member when empty (required for the public sign-up)
	volunteer.Profile
}

// VolunteerUpdate changes a volunteer's details; version is the one read.
type VolunteerUpdate struct {
	Version int64 `json:"version"`
	volunteer.Profile
}

// VolunteerStatusInput approves or deactivates a volunteer; version is the
// one read.
type VolunteerStatusInput struct {
	Status  string `json:"status"`
	Version int64  `json:"version"`
}

// VolunteerLink is a new personal link's secret and its path on the portal.
type VolunteerLink struct {
	Token string `json:"token"`
	Path  string `json:"path"`
}

// OpportunityBody is a new opportunity.
type OpportunityBody struct {
	Member string `json:"member,omitempty"`
	volunteer.OpportunityInput
}

// BookingInput books a volunteer on a shift.
type BookingInput struct {
	VolunteerID int64 `json:"volunteer_id"`
}

// AttendanceInput records a shift's attendance.
type AttendanceInput struct {
	Marks []volunteer.Mark `json:"marks"`
}

// IssueInput asks for a certificate of the hours in a period.
type IssueInput struct {
	From string `json:"from"` // YYYY-MM-DD
	To   string `json:"to"`
}

// RevokeInput revokes a certificate.
type RevokeInput struct {
	Reason string `json:"reason"`
}

// VolunteerHours is a volunteer's confirmed hours.
type VolunteerHours struct {
	Minutes int64 `json:"minutes"`
	Shifts  int   `json:"shifts"`
}

func init() {
	svc := func(a *API) *volunteer.Service { return a.Volunteers }
	memberParam := Param{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}
	pathID := func(r *http.Request) (int64, error) { return PathInt(r, "id") }
	Register(
		Route{Method: "GET", Path: "/volunteers", Tag: "volunteers", Summary: "List volunteers",
			Query: []Param{memberParam, {Name: "status", Description: "pending, active or inactive"}, {Name: "skill", Description: "a skill code"}, {Name: "area", Description: "an area code"},
				{Name: "q", Description: "part of a name or phone"}, {Name: "after", Type: "integer", Description: "ids after this one (paging)"}},
			Response: List[volunteer.Volunteer]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
				vs, err := svc(a).List(r.Context(), volunteer.Filter{MemberID: m, Status: q.Get("status"), Skill: q.Get("skill"), Area: q.Get("area"), Query: q.Get("q"), AfterID: after, Limit: 500})
				return List[volunteer.Volunteer]{nonNil(vs)}, err
			}},
		Route{Method: "POST", Path: "/volunteers", Tag: "volunteers", Summary: "Add a volunteer (coordinators); active at once",
			Body: VolunteerInput{}, Response: volunteer.SignUpResult{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[VolunteerInput](r)
				if err != nil {
					return nil, err
				}
				if in.MemberID, err = a.memberOf(r, in.Member); err != nil {
					return nil, err
				}
				return svc(a).Register(r.Context(), in.Profile)
			}},
		Route{Method: "GET", Path: "/volunteers/{id}", Tag: "volunteers", Summary: "Get a volunteer", Response: volunteer.Volunteer{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Get(r.Context(), id)
			}},
		Route{Method: "PATCH", Path: "/volunteers/{id}", Tag: "volunteers", Summary: "Change a volunteer's details (the whole profile; version is the one read)",
			Body: VolunteerUpdate{}, Response: volunteer.Volunteer{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[VolunteerUpdate](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Update(r.Context(), id, in.Profile, in.Version)
			}},
		Route{Method: "POST", Path: "/volunteers/{id}/status", Tag: "volunteers", Summary: "Approve, deactivate or reactivate a volunteer",
			Body: VolunteerStatusInput{}, Response: volunteer.Volunteer{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[VolunteerStatusInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).SetStatus(r.Context(), id, in.Status, in.Version)
			}},
		Route{Method: "POST", Path: "/volunteers/{id}/link", Tag: "volunteers", Summary: "Give a volunteer a new personal link (the old one stops working)",
			Response: VolunteerLink{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				t, err := svc(a).NewLink(r.Context(), id)
				return VolunteerLink{Token: t, Path: "/portal/volunteer/me/" + t}, err
			}},
		Route{Method: "GET", Path: "/volunteers/{id}/signups", Tag: "volunteers", Summary: "A volunteer's bookings", Response: List[volunteer.Signup]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				gs, err := svc(a).SignupsOf(r.Context(), id)
				return List[volunteer.Signup]{nonNil(gs)}, err
			}},
		Route{Method: "GET", Path: "/volunteers/{id}/hours", Tag: "volunteers", Summary: "A volunteer's confirmed hours (minutes) and shifts attended", Response: VolunteerHours{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				m, n, err := svc(a).Hours(r.Context(), id)
				return VolunteerHours{Minutes: m, Shifts: n}, err
			}},
		Route{Method: "GET", Path: "/volunteers/{id}/certificates", Tag: "volunteers", Summary: "A volunteer's certificates of hours", Response: List[volunteer.Certificate]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				v, err := svc(a).Get(r.Context(), id)
				if err != nil {
					return nil, err
				}
				cs, err := svc(a).Certificates(r.Context(), v.MemberID, id)
				return List[volunteer.Certificate]{nonNil(cs)}, err
			}},
		Route{Method: "POST", Path: "/volunteers/{id}/certificates", Tag: "volunteers", Summary: "Issue a certificate of the hours in a period",
			Body: IssueInput{}, Response: volunteer.Certificate{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[IssueInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Issue(r.Context(), id, in.From, in.To)
			}},
		Route{Method: "GET", Path: "/volunteer-opportunities", Tag: "volunteers", Summary: "List opportunities",
			Query: []Param{memberParam, {Name: "open", Type: "boolean", Description: "only open ones"}}, Response: List[volunteer.Opportunity]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				os, err := svc(a).Opportunities(r.Context(), m, r.URL.Query().Get("open") == "true")
				return List[volunteer.Opportunity]{nonNil(os)}, err
			}},
		Route{Method: "POST", Path: "/volunteer-opportunities", Tag: "volunteers", Summary: "Post an opportunity",
			Body: OpportunityBody{}, Response: volunteer.Opportunity{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[OpportunityBody](r)
				if err != nil {
					return nil, err
				}
				if in.MemberID, err = a.memberOf(r, in.Member); err != nil {
					return nil, err
				}
				return svc(a).CreateOpportunity(r.Context(), in.OpportunityInput)
			}},
		Route{Method: "GET", Path: "/volunteer-opportunities/{id}", Tag: "volunteers", Summary: "Get an opportunity", Response: volunteer.Opportunity{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Opportunity(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/volunteer-opportunities/{id}/close", Tag: "volunteers", Summary: "Close an opportunity to new bookings", Response: volunteer.Opportunity{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				if err := svc(a).CloseOpportunity(r.Context(), id); err != nil {
					return nil, err
				}
				return svc(a).Opportunity(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/volunteer-opportunities/{id}/shifts", Tag: "volunteers", Summary: "An opportunity's shifts", Response: List[volunteer.Shift]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				hs, err := svc(a).Shifts(r.Context(), id)
				return List[volunteer.Shift]{nonNil(hs)}, err
			}},
		Route{Method: "POST", Path: "/volunteer-opportunities/{id}/shifts", Tag: "volunteers", Summary: "Add a shift (start and end in the member's time zone, or with an offset)",
			Body: volunteer.ShiftInput{}, Response: volunteer.Shift{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[volunteer.ShiftInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).AddShift(r.Context(), id, in)
			}},
		Route{Method: "GET", Path: "/volunteer-shifts/{id}", Tag: "volunteers", Summary: "Get a shift", Response: volunteer.Shift{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Shift(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/volunteer-shifts/{id}/signups", Tag: "volunteers", Summary: "A shift's roster: confirmed, then the waiting list in order, then cancelled", Response: List[volunteer.Signup]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				gs, err := svc(a).Roster(r.Context(), id)
				return List[volunteer.Signup]{nonNil(gs)}, err
			}},
		Route{Method: "POST", Path: "/volunteer-shifts/{id}/signups", Tag: "volunteers", Summary: "Book a volunteer on a shift: confirmed while places remain, else waitlisted; an overlapping booking is refused",
			Body: BookingInput{}, Response: volunteer.Signup{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[BookingInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Book(r.Context(), id, in.VolunteerID)
			}},
		Route{Method: "POST", Path: "/volunteer-shifts/{id}/attendance", Tag: "volunteers", Summary: "Record a shift's attendance and hours (all marks or none)",
			Body: AttendanceInput{}, Response: List[volunteer.Signup]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[AttendanceInput](r)
				if err != nil {
					return nil, err
				}
				gs, err := svc(a).RecordAttendance(r.Context(), id, in.Marks)
				return List[volunteer.Signup]{nonNil(gs)}, err
			}},
		Route{Method: "POST", Path: "/volunteer-signups/{id}/cancel", Tag: "volunteers", Summary: "Cancel a booking; the first on the waiting list takes a freed place", Response: volunteer.Signup{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Cancel(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/volunteer-certificates", Tag: "volunteers", Summary: "List certificates of hours", Query: []Param{memberParam}, Response: List[volunteer.Certificate]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				cs, err := svc(a).Certificates(r.Context(), m, 0)
				return List[volunteer.Certificate]{nonNil(cs)}, err
			}},
		Route{Method: "GET", Path: "/volunteer-certificates/{id}", Tag: "volunteers", Summary: "Get a certificate of hours", Response: volunteer.Certificate{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Certificate(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/volunteer-certificates/{id}/pdf", Tag: "volunteers", Summary: "Print a certificate of hours as PDF (needs Chromium)",
			Query: []Param{{Name: "lang", Description: "ar (default) or en"}}, Response: Raw{ContentType: "application/pdf"},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				doc, err := svc(a).Print(r.Context(), id, volunteer.Style{Lang: i18n.Parse(r.URL.Query().Get("lang"))})
				if err != nil {
					return nil, err
				}
				pdf, err := svc(a).PDF(r.Context(), doc)
				if err != nil {
					return nil, err
				}
				return Raw{ContentType: "application/pdf", Body: pdf}, nil
			}},
		Route{Method: "POST", Path: "/volunteer-certificates/{id}/revoke", Tag: "volunteers", Summary: "Revoke a certificate of hours with a reason",
			Body: RevokeInput{}, Response: volunteer.Certificate{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := pathID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[RevokeInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Revoke(r.Context(), id, in.Reason)
			}},
		Route{Method: "GET", Path: "/public/volunteers/challenge", Tag: "volunteers", Public: true, Summary: "A question for the public sign-up (the complaint form's challenge)",
			Query: []Param{{Name: "lang", Description: "ar (default) or en"}}, Response: grievance.Challenge{},
			Handle: func(a *API, r *http.Request) (any, error) {
				return a.Grievances.Challenge(i18n.Parse(r.URL.Query().Get("lang"))), nil
			}},
		Route{Method: "POST", Path: "/public/volunteers", Tag: "volunteers", Public: true, Summary: "Sign up as a volunteer (no sign-in; answer the challenge). A pending sign-up with the same phone is updated; the personal link's token is returned once",
			Body: VolunteerInput{}, Response: volunteer.SignUpResult{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[VolunteerInput](r)
				if err != nil {
					return nil, err
				}
				if in.Member != "" {
					if m, err := a.Members.Get(actor.System(r.Context()), in.Member); err == nil { // member names are public
						in.MemberID = m.ID
					}
				}
				in.Note = ""
				in.IP, _, _ = net.SplitHostPort(r.RemoteAddr)
				return svc(a).SignUp(r.Context(), in.Profile)
			}},
		Route{Method: "GET", Path: "/public/volunteer-certificates/verify", Tag: "volunteers", Public: true, Summary: "Verify a certificate of hours by its code (initials, hours, period, issue date, valid or revoked)",
			Query: []Param{{Name: "code", Description: "the code printed on the certificate"}}, Response: volunteer.Verified{},
			Handle: func(a *API, r *http.Request) (any, error) {
				return svc(a).Verify(r.Context(), r.URL.Query().Get("code"))
			}},
	)
}
