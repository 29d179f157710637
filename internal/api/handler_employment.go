package api

import (
	"net/http"
	"strconv"

	"github.com/tadamun/tadamun/internal/employment"
)

// SkillBody is a skill of a member's list.
type SkillBody struct {
	Member string `json:"member,omitempty"` // member code; the caller's own member when empty
	Code   string `json:"code"`
	NameAR string `json:"name_ar"`
	NameEN string `json:"name_en,omitempty"`
	Group  string `json:"group,omitempty"`
}

// SeekerBody registers a job seeker: person_id names a registry person of
// the member.
type SeekerBody struct {
	Member string `json:"member,omitempty"`
	employment.SeekerInput
}

// SeekerUpdate changes a seeker's profile (the whole profile; the person
// stays); version is the one read.
type SeekerUpdate struct {
	Version           int64    `json:"version"`
	Skills            []string `json:"skills"`
	Education         string   `json:"education"`
	ExperienceMonths  int      `json:"experience_months"`
	Experience        string   `json:"experience,omitempty"`
	Languages         []string `json:"languages"`
	Accommodations    []string `json:"accommodations"`
	AccommodationNote string   `json:"accommodation_note,omitempty"`
	Areas             []string `json:"areas"`
	Hours             string   `json:"hours"`
	Consent           bool     `json:"consent"`
}

// SeekerPage is a seeker with the reasons they are a priority.
type SeekerPage struct {
	employment.Seeker
	Priority []string `json:"priority"`
}

// EmployerBody records an employer.
type EmployerBody struct {
	Member string `json:"member,omitempty"`
	employment.EmployerInput
}

// EmployerPage is an employer with its quota status.
type EmployerPage struct {
	employment.Employer
	Quota employment.Quota `json:"quota"`
}

// EmployerVerifyBody decides a pending employer.
type EmployerVerifyBody struct {
	Verify bool   `json:"verify"`
	Reason string `json:"reason,omitempty"`
}

// VacancyBody records a vacancy.
type VacancyBody struct {
	Member string `json:"member,omitempty"`
	employment.VacancyInput
}

// VacancyStatusBody opens or closes a vacancy.
type VacancyStatusBody struct {
	Status string `json:"status"`
}

// JobApplyBody applies a seeker for a vacancy.
type JobApplyBody struct {
	Seeker  int64 `json:"seeker"`
	Vacancy int64 `json:"vacancy"`
}

// JobInterviewBody schedules an interview at a wall time of the member's zone.
type JobInterviewBody struct {
	At    string `json:"at"` // 2027-03-04T10:00
	Place string `json:"place"`
}

// JobOfferBody makes an offer: pay in minor units per the vacancy's period.
type JobOfferBody struct {
	Pay   int64  `json:"pay"`
	Start string `json:"start"` // YYYY-MM-DD
}

// PlacementBody places the seeker from start (empty: the offer's).
type PlacementBody struct {
	Start string `json:"start,omitempty"`
}

// ApplicationCloseBody rejects or withdraws an application.
type ApplicationCloseBody struct {
	Status string `json:"status"` // rejected or withdrawn
	Reason string `json:"reason"`
}

// EmploymentFollowUpBody records a follow-up's outcome.
type EmploymentFollowUpBody struct {
	Outcome string `json:"outcome"` // employed, left or changed
	Note    string `json:"note,omitempty"`
}

func init() {
	svc := func(a *API) *employment.Service { return a.Employment }
	memberParam := Param{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}
	id := func(r *http.Request) (int64, error) { return PathInt(r, "id") }
	const tag = "employment"
	Register(
		Route{Method: "GET", Path: "/employment/skills", Tag: tag, Summary: "The member's skills list", Query: []Param{memberParam}, Response: List[employment.Skill]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				ks, err := svc(a).Skills(r.Context(), m)
				return List[employment.Skill]{nonNil(ks)}, err
			}},
		Route{Method: "POST", Path: "/employment/skills", Tag: tag, Summary: "Add a skill to the list, or change the one with its code (employment officers)",
			Body: SkillBody{}, Response: employment.Skill{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[SkillBody](r)
				if err != nil {
					return nil, err
				}
				m, err := a.memberOf(r, in.Member)
				if err != nil {
					return nil, err
				}
				return svc(a).SaveSkill(r.Context(), m, employment.Skill{Code: in.Code, NameAR: in.NameAR, NameEN: in.NameEN, Group: in.Group})
			}},
		Route{Method: "GET", Path: "/employment/seekers", Tag: tag, Summary: "List job seekers",
			Query: []Param{memberParam, {Name: "q", Description: "part of a name"}, {Name: "skill", Description: "a skill code"}, {Name: "area", Description: "a preferred area code"},
				{Name: "disability", Type: "boolean", Description: "persons with disability only"}, {Name: "consent", Type: "boolean", Description: "who consented to share their profile only"},
				{Name: "status", Description: "active or inactive"}},
			Response: List[employment.Seeker]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				ks, err := svc(a).Seekers(r.Context(), m, employment.SeekerFilter{Query: q.Get("q"), Skill: q.Get("skill"), Area: q.Get("area"),
					Disability: q.Get("disability") == "true", Consent: q.Get("consent") == "true", Status: q.Get("status")})
				return List[employment.Seeker]{nonNil(ks)}, err
			}},
		Route{Method: "POST", Path: "/employment/seekers", Tag: tag, Summary: "Register a registry person as a job seeker (case workers, employment officers)",
			Description: "accommodations left out (null) are suggested from the person's Washington Group answers; education left empty is the person's.",
			Body:        SeekerBody{}, Response: employment.Seeker{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[SeekerBody](r)
				if err != nil {
					return nil, err
				}
				m, err := a.memberOf(r, in.Member)
				if err != nil {
					return nil, err
				}
				return svc(a).CreateSeeker(r.Context(), m, in.SeekerInput)
			}},
		Route{Method: "GET", Path: "/employment/seekers/{id}", Tag: tag, Summary: "Get a job seeker, with why they are a priority", Response: SeekerPage{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				k, err := svc(a).Seeker(r.Context(), n)
				if err != nil {
					return nil, err
				}
				pr, err := svc(a).Priority(r.Context(), k)
				return SeekerPage{k, nonNil(pr)}, err
			}},
		Route{Method: "PATCH", Path: "/employment/seekers/{id}", Tag: tag, Summary: "Change a seeker's profile (the whole profile; version is the one read)",
			Body: SeekerUpdate{}, Response: employment.Seeker{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[SeekerUpdate](r)
				if err != nil {
					return nil, err
				}
				return svc(a).UpdateSeeker(r.Context(), n, in.Version, employment.SeekerInput{Skills: in.Skills, Education: in.Education, ExperienceMonths: in.ExperienceMonths,
					Experience: in.Experience, Languages: in.Languages, Accommodations: in.Accommodations, AccommodationNote: in.AccommodationNote, Areas: in.Areas, Hours: in.Hours, Consent: in.Consent})
			}},
		Route{Method: "GET", Path: "/employment/employers", Tag: tag, Summary: "List employers, pending verification first",
			Query: []Param{memberParam, {Name: "status", Description: "pending, verified or rejected"}}, Response: List[employment.Employer]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.memberOf(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				es, err := svc(a).Employers(r.Context(), m, r.URL.Query().Get("status"))
				return List[employment.Employer]{nonNil(es)}, err
			}},
		Route{Method: "POST", Path: "/employment/employers", Tag: tag, Summary: "Record an employer: a partner company (verified) or registered directly (pending verification)",
			Body: EmployerBody{}, Response: employment.Employer{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[EmployerBody](r)
				if err != nil {
					return nil, err
				}
				m, err := a.memberOf(r, in.Member)
				if err != nil {
					return nil, err
				}
				return svc(a).CreateEmployer(r.Context(), m, in.EmployerInput)
			}},
		Route{Method: "GET", Path: "/employment/employers/{id}", Tag: tag, Summary: "Get an employer with its disability quota status", Response: EmployerPage{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				e, err := svc(a).Employer(r.Context(), n)
				if err != nil {
					return nil, err
				}
				q, err := svc(a).QuotaStatus(r.Context(), n)
				return EmployerPage{e, q}, err
			}},
		Route{Method: "POST", Path: "/employment/employers/{id}/verify", Tag: tag, Summary: "Verify a pending employer, or reject it with a reason",
			Body: EmployerVerifyBody{}, Response: employment.Employer{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[EmployerVerifyBody](r)
				if err != nil {
					return nil, err
				}
				return svc(a).VerifyEmployer(r.Context(), n, in.Verify, in.Reason)
			}},
		Route{Method: "GET", Path: "/employment/vacancies", Tag: tag, Summary: "List vacancies",
			Query: []Param{memberParam, {Name: "status", Description: "open or closed"}, {Name: "employer", Type: "integer", Description: "an employer's id"},
				{Name: "area", Description: "an area code"}, {Name: "skill", Description: "a skill code"}},
			Response: List[employment.Vacancy]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				emp, _ := strconv.ParseInt(q.Get("employer"), 10, 64)
				vs, err := svc(a).Vacancies(r.Context(), m, employment.VacancyFilter{EmployerID: emp, Status: q.Get("status"), Area: q.Get("area"), Skill: q.Get("skill")})
				return List[employment.Vacancy]{nonNil(vs)}, err
			}},
		Route{Method: "POST", Path: "/employment/vacancies", Tag: tag, Summary: "Record a vacancy (open)", Body: VacancyBody{}, Response: employment.Vacancy{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[VacancyBody](r)
				if err != nil {
					return nil, err
				}
				m, err := a.memberOf(r, in.Member)
				if err != nil {
					return nil, err
				}
				return svc(a).CreateVacancy(r.Context(), m, in.VacancyInput)
			}},
		Route{Method: "GET", Path: "/employment/vacancies/{id}", Tag: tag, Summary: "Get a vacancy", Response: employment.Vacancy{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Vacancy(r.Context(), n)
			}},
		Route{Method: "POST", Path: "/employment/vacancies/{id}/status", Tag: tag, Summary: "Open or close a vacancy", Body: VacancyStatusBody{}, Response: employment.Vacancy{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[VacancyStatusBody](r)
				if err != nil {
					return nil, err
				}
				return svc(a).SetVacancyStatus(r.Context(), n, in.Status)
			}},
		Route{Method: "GET", Path: "/employment/applications", Tag: tag, Summary: "List applications",
			Query: []Param{memberParam, {Name: "seeker", Type: "integer", Description: "a seeker's id"}, {Name: "vacancy", Type: "integer", Description: "a vacancy's id"},
				{Name: "status", Description: "applied, interview, offer, placed, rejected or withdrawn"}},
			Response: List[employment.Application]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				k, _ := strconv.ParseInt(q.Get("seeker"), 10, 64)
				v, _ := strconv.ParseInt(q.Get("vacancy"), 10, 64)
				as, err := svc(a).Applications(r.Context(), m, employment.ApplicationFilter{SeekerID: k, VacancyID: v, Status: q.Get("status")})
				return List[employment.Application]{nonNil(as)}, err
			}},
		Route{Method: "POST", Path: "/employment/applications", Tag: tag, Summary: "Apply a seeker for a vacancy (case workers, employment officers)",
			Body: JobApplyBody{}, Response: employment.Application{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[JobApplyBody](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Apply(r.Context(), in.Seeker, in.Vacancy)
			}},
		Route{Method: "GET", Path: "/employment/applications/{id}", Tag: tag, Summary: "Get an application", Response: employment.Application{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Application(r.Context(), n)
			}},
		Route{Method: "POST", Path: "/employment/applications/{id}/interview", Tag: tag, Summary: "Schedule the interview (from applied)", Body: JobInterviewBody{}, Response: employment.Application{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[JobInterviewBody](r)
				if err != nil {
					return nil, err
				}
				return svc(a).ScheduleInterview(r.Context(), n, in.At, in.Place)
			}},
		Route{Method: "POST", Path: "/employment/applications/{id}/offer", Tag: tag, Summary: "Record the offer (from interview)", Body: JobOfferBody{}, Response: employment.Application{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[JobOfferBody](r)
				if err != nil {
					return nil, err
				}
				return svc(a).MakeOffer(r.Context(), n, in.Pay, in.Start)
			}},
		Route{Method: "POST", Path: "/employment/applications/{id}/place", Tag: tag, Summary: "Place the seeker (from offer): proposes the registry change and schedules the follow-ups",
			Body: PlacementBody{}, Response: employment.Application{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[PlacementBody](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Place(r.Context(), n, in.Start)
			}},
		Route{Method: "POST", Path: "/employment/applications/{id}/close", Tag: tag, Summary: "Reject or withdraw an application before placement, with a reason",
			Body: ApplicationCloseBody{}, Response: employment.Application{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[ApplicationCloseBody](r)
				if err != nil {
					return nil, err
				}
				return svc(a).CloseApplication(r.Context(), n, in.Status, in.Reason)
			}},
		Route{Method: "GET", Path: "/employment/followups", Tag: tag, Summary: "The placements' follow-ups, soonest due first",
			Query:    []Param{memberParam, {Name: "due", Type: "boolean", Description: "only those due and not recorded"}, {Name: "escalated", Type: "boolean", Description: "only those escalated and not recorded"}},
			Response: List[employment.FollowUp]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				fs, err := svc(a).FollowUps(r.Context(), m, employment.FollowUpFilter{Due: q.Get("due") == "true", Escalated: q.Get("escalated") == "true"})
				return List[employment.FollowUp]{nonNil(fs)}, err
			}},
		Route{Method: "POST", Path: "/employment/followups/{id}", Tag: tag, Summary: "Record a follow-up's outcome (once)", Body: EmploymentFollowUpBody{}, Response: employment.FollowUp{},
			Handle: func(a *API, r *http.Request) (any, error) {
				n, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[EmploymentFollowUpBody](r)
				if err != nil {
					return nil, err
				}
				return svc(a).RecordFollowUp(r.Context(), n, in.Outcome, in.Note)
			}},
	)
}
