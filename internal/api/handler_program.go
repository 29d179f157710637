package api

import (
	"net/http"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/program"
)

// ProgramApplied is the answer to creating or updating a program.
type ProgramApplied = program.Applied

// ProgramStatusChange moves a program to another status.
type ProgramStatusChange struct {
	Status string `json:"status"` // active, closed or archived
}

// RunRequest starts a targeting run.
type RunRequest struct {
	AsOf    string `json:"as_of,omitempty"`   // reference date YYYY-MM-DD; default today
	Version int    `json:"version,omitempty"` // version of the rules; default the one in force (a proposed version is refused)
	// Background answers at once with the run's row (status running);
	// GET /runs/{id} follows it and POST /runs/{id}/cancel stops it.
	Background bool `json:"background,omitempty"`
}

// ProposalRequest proposes households of a run for enrollment.
type ProposalRequest struct {
	Households  []int64 `json:"households,omitempty"`   // household ids, or
	AllSelected bool    `json:"all_selected,omitempty"` // every selected household not already enrolled
}

// DecisionRequest approves or rejects an enrollment proposal.
type DecisionRequest struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason,omitempty"` // required to reject
}

// DecisionResult says how many households a decision covered.
type DecisionResult struct {
	ApprovalID int64 `json:"approval_id"`
	Households int   `json:"households"`
}

// TransitionRequest suspends, reinstates or exits an enrollment.
type TransitionRequest struct {
	To     string `json:"to"` // suspended, enrolled or exited
	Reason string `json:"reason"`
	Date   string `json:"date,omitempty"` // effective date YYYY-MM-DD; default today
}

// ExplainedDecision is a stored decision with its explanation in plain
// words in the caller's language.
type ExplainedDecision struct {
	program.Decision
	Plain []string `json:"plain"`
}

// HouseholdDecision is the latest decision of one program for a household.
type HouseholdDecision struct {
	program.HouseholdDecision
	Plain []string `json:"plain"`
}

func programs(a *API) *program.Service { return a.Programs }

// programMember is the member a program write is for: the caller's, or for
// union-level callers the ?member= code.
func programMember(a *API, r *http.Request) (int64, error) {
	if code := r.URL.Query().Get("member"); code != "" {
		m, err := a.Members.Get(r.Context(), code)
		if err != nil {
			return 0, err
		}
		return m.ID, nil
	}
	if id := actor.From(r.Context()).MemberID; id != 0 {
		return id, nil
	}
	return 0, errs.E(errs.Invalid, "api.bad_param", "name", "member").WithField("member", "error.required")
}

func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := arabic.ParseDate(s)
	if err != nil {
		return time.Time{}, errs.E(errs.Invalid, "program.date_invalid", "value", s).WithField("date", "program.date_invalid", "value", s)
	}
	return t, nil
}

func boolQuery(r *http.Request, name string) *bool {
	switch r.URL.Query().Get(name) {
	case "true", "1", "yes":
		b := true
		return &b
	case "false", "0", "no":
		b := false
		return &b
	}
	return nil
}

func init() {
	memberParam := Param{Name: "member", Description: "member code, for union-level callers; member users act for their own member"}
	Register(
		Route{Method: "GET", Path: "/programs", Tag: "programs", Summary: "List the programs the caller may see", Query: []Param{memberParam}, Response: List[program.Program]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				var mid int64
				if r.URL.Query().Get("member") != "" {
					var err error
					if mid, err = programMember(a, r); err != nil {
						return nil, err
					}
				}
				ps, err := programs(a).List(r.Context(), mid)
				return List[program.Program]{nonNil(ps)}, err
			}},
		Route{Method: "POST", Path: "/programs", Tag: "programs", Summary: "Create a program or bring one in line with a spec (a rule change makes a new version)",
			Description: "The body is the same as a program file for `tadamun program apply`. Rule errors name the field (eligibility, score, benefit) with line and column inside the rule. " +
				"A rule change of a draft is a new version at once; of any other program it is a proposal (`proposal`, `approval_id`) that another person decides with POST /program-approvals/{id}, and the version in force stays until then. " +
				"Status active proposes the draft's activation the same way.",
			Query: []Param{memberParam}, Body: program.Spec{}, Response: program.Applied{},
			Handle: func(a *API, r *http.Request) (any, error) {
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				spec, err := Decode[program.Spec](r)
				if err != nil {
					return nil, err
				}
				return programs(a).Apply(r.Context(), mid, spec)
			}},
		Route{Method: "GET", Path: "/programs/{id}", Tag: "programs", Summary: "Get a program", Response: program.Program{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return programs(a).Get(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/programs/{id}/versions", Tag: "programs", Summary: "List every version of a program's rules, newest first", Response: List[program.Version]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				vs, err := programs(a).Versions(r.Context(), id)
				return List[program.Version]{nonNil(vs)}, err
			}},
		Route{Method: "GET", Path: "/programs/{id}/versions/{version}", Tag: "programs", Summary: "Get one version of a program's rules", Response: program.Version{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				n, err := PathInt(r, "version")
				if err != nil {
					return nil, err
				}
				return programs(a).Version(r.Context(), id, int(n))
			}},
		Route{Method: "POST", Path: "/programs/{id}/status", Tag: "programs", Summary: "Move a program: draft → active → closed → archived", Body: ProgramStatusChange{}, Response: program.Program{},
			Description: "Activating a draft proposes it: the program stays a draft with `activation_approval_id` until another person approves with POST /program-approvals/{id}.",
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				b, err := Decode[ProgramStatusChange](r)
				if err != nil {
					return nil, err
				}
				return programs(a).SetStatus(r.Context(), id, b.Status)
			}},
		Route{Method: "GET", Path: "/programs/{id}/proposal", Tag: "programs", Summary: "What awaits a second person's decision on a program: a proposed version of its rules beside the version in force, or the draft's activation",
			Description: "404 when nothing awaits. For the what-if, GET /programs/{id}/compare?from={in_force.version}&to={proposed.version}.",
			Response:    program.PendingChange{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return programs(a).PendingChange(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/program-approvals/{id}", Tag: "programs", Summary: "Approve or reject a proposed version of a program's rules, or a draft's activation (checker; not its maker)",
			Description: "An approved version comes into force at once for runs, payment cycles and the public portal; a rejected one never does. Rejecting needs a reason.",
			Body:        DecisionRequest{}, Response: program.Program{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				b, err := Decode[DecisionRequest](r)
				if err != nil {
					return nil, err
				}
				return programs(a).DecideChange(r.Context(), id, b.Approve, b.Reason)
			}},
		Route{Method: "GET", Path: "/programs/{id}/runs", Tag: "targeting", Summary: "List a program's targeting runs, newest first", Response: List[program.Run]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				rs, err := programs(a).Runs(r.Context(), id)
				return List[program.Run]{nonNil(rs)}, err
			}},
		Route{Method: "POST", Path: "/programs/{id}/runs", Tag: "targeting", Summary: "Run targeting: decide every household of the member and store the run",
			Description: "Synchronous unless background is true: the answer comes when the run is stored. The run has a row (status running, with its progress) from its first moment; if the client goes away or the run is cancelled (POST /runs/{id}/cancel), it stops, keeps no decision and its row says cancelled. Households whose rule fails, or exceeds the cost limit, are counted in errors and the run goes on. Refused on an archived program, and with 409 when two runs are already going on.",
			Body:        RunRequest{}, Response: program.Run{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				b, err := Decode[RunRequest](r)
				if err != nil {
					return nil, err
				}
				asOf, err := parseDay(b.AsOf)
				if err != nil {
					return nil, err
				}
				opt := program.RunOptions{AsOf: asOf, Version: b.Version}
				if b.Background {
					return programs(a).Start(r.Context(), id, a.Registry.EachHousehold, opt)
				}
				return programs(a).Run(r.Context(), id, a.Registry.EachHousehold, opt)
			}},
		Route{Method: "GET", Path: "/programs/{id}/compare", Tag: "targeting", Summary: "What-if: how two versions of the rules decide today's registry; who gains and who loses selection",
			Query: []Param{{Name: "from", Type: "integer", Description: "version to compare from (default the current one)"}, {Name: "to", Type: "integer", Description: "version to compare to (default the current one)"},
				{Name: "as_of", Description: "reference date YYYY-MM-DD (default today)"}},
			Response: program.Comparison{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				from, err := QueryInt(r, "from", 0)
				if err != nil {
					return nil, err
				}
				to, err := QueryInt(r, "to", 0)
				if err != nil {
					return nil, err
				}
				day, err := parseDay(r.URL.Query().Get("as_of"))
				if err != nil {
					return nil, err
				}
				return programs(a).Compare(r.Context(), id, int(from), int(to), a.Registry.EachHousehold, day)
			}},
		Route{Method: "GET", Path: "/runs/{id}", Tag: "targeting", Summary: "Get a targeting run with its status, progress and counts", Response: program.Run{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return programs(a).GetRun(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/runs/{id}/cancel", Tag: "targeting", Summary: "Cancel a running targeting run: it stops, keeps no decision and becomes cancelled",
			Description: "Answers with the run as it ended; 409 when the run is not running.", Response: program.Run{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return programs(a).Cancel(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/runs/{id}/decisions", Tag: "targeting", Summary: "List a run's decisions, ranked first, with explanations",
			Query: []Param{{Name: "eligible", Type: "boolean", Description: "only eligible (true) or not eligible (false) households"},
				{Name: "selected", Type: "boolean", Description: "only selected (true) or not selected (false) households"},
				{Name: "errors", Type: "boolean", Description: "only households whose rule failed"},
				{Name: "limit", Type: "integer", Description: "at most this many (default 100, at most 1000)"},
				{Name: "offset", Type: "integer", Description: "skip this many"}},
			Response: List[ExplainedDecision]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
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
				f := program.DecisionFilter{Eligible: boolQuery(r, "eligible"), Selected: boolQuery(r, "selected"), ByRank: true, Explain: true,
					Limit: int(min(max(limit, 1), 1000)), Offset: int(max(offset, 0))}
				if e := boolQuery(r, "errors"); e != nil && *e {
					f.Errors = true
				}
				lang := programLang(r)
				out := []ExplainedDecision{}
				err = programs(a).EachDecision(r.Context(), id, f, func(d program.Decision) error {
					out = append(out, ExplainedDecision{Decision: d, Plain: d.Plain(lang)})
					return nil
				})
				return List[ExplainedDecision]{out}, err
			}},
		Route{Method: "GET", Path: "/runs/{id}/fairness", Tag: "targeting", Summary: "Fairness report of a run: rates by group, gaps, the largest gap flagged against the program's threshold", Response: program.FairnessReport{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return programs(a).Fairness(r.Context(), id)
			}},
		Route{Method: "GET", Path: "/runs/{id}/fairness.svg", Tag: "targeting", Summary: "The fairness report of a run as an SVG bar chart", Response: Raw{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				rep, err := programs(a).Fairness(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return Raw{ContentType: "image/svg+xml; charset=utf-8", Body: []byte(program.FairnessSVG(rep, programLang(r)))}, nil
			}},
		Route{Method: "POST", Path: "/runs/{id}/proposals", Tag: "enrollment", Summary: "Propose households of a run for enrollment (maker); another person decides",
			Body: ProposalRequest{}, Response: program.Proposal{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				b, err := Decode[ProposalRequest](r)
				if err != nil {
					return nil, err
				}
				return programs(a).Propose(r.Context(), id, b.Households, b.AllSelected)
			}},
		Route{Method: "POST", Path: "/enrollment-approvals/{id}", Tag: "enrollment", Summary: "Approve or reject an enrollment proposal (checker; never the maker)",
			Body: DecisionRequest{}, Response: DecisionResult{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				b, err := Decode[DecisionRequest](r)
				if err != nil {
					return nil, err
				}
				n, err := programs(a).Decide(r.Context(), id, b.Approve, b.Reason)
				return DecisionResult{ApprovalID: id, Households: n}, err
			}},
		Route{Method: "GET", Path: "/enrollments", Tag: "enrollment", Summary: "List enrollments, newest first",
			Query: []Param{{Name: "program", Type: "integer", Description: "program id"}, {Name: "household", Type: "integer", Description: "household id (the list then carries each enrollment's history)"},
				{Name: "approval", Type: "integer", Description: "approval id of the proposal"}, {Name: "status", Description: "proposed, enrolled, suspended, exited or rejected"},
				{Name: "limit", Type: "integer", Description: "at most this many (default 1000)"}, {Name: "offset", Type: "integer", Description: "skip this many"}},
			Response: List[program.Enrollment]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				var f program.EnrollmentFilter
				var err error
				for _, p := range []struct {
					name string
					dst  *int64
				}{{"program", &f.ProgramID}, {"household", &f.HouseholdID}, {"approval", &f.ApprovalID}} {
					if *p.dst, err = QueryInt(r, p.name, 0); err != nil {
						return nil, err
					}
				}
				limit, err := QueryInt(r, "limit", 1000)
				if err != nil {
					return nil, err
				}
				offset, err := QueryInt(r, "offset", 0)
				if err != nil {
					return nil, err
				}
				f.Status, f.Limit, f.Offset = r.URL.Query().Get("status"), int(limit), int(offset)
				es, err := programs(a).Enrollments(r.Context(), f)
				return List[program.Enrollment]{nonNil(es)}, err
			}},
		Route{Method: "GET", Path: "/enrollments/{id}", Tag: "enrollment", Summary: "Get an enrollment with its history", Response: program.Enrollment{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return programs(a).Enrollment(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/enrollments/{id}/transition", Tag: "enrollment", Summary: "Suspend, reinstate or exit an enrollment, with a reason and an effective date",
			Body: TransitionRequest{}, Response: program.Enrollment{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				b, err := Decode[TransitionRequest](r)
				if err != nil {
					return nil, err
				}
				day, err := parseDay(b.Date)
				if err != nil {
					return nil, err
				}
				return programs(a).Transition(r.Context(), id, b.To, b.Reason, day)
			}},
		Route{Method: "GET", Path: "/programs/{id}/enrolled", Tag: "enrollment", Summary: "Households enrolled or suspended in a program on a date, with their history (for payment cycles)",
			Query:    []Param{{Name: "date", Description: "YYYY-MM-DD; default today", Required: false}},
			Response: List[program.Enrollment]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				day, err := parseDay(r.URL.Query().Get("date"))
				if err != nil {
					return nil, err
				}
				if day.IsZero() {
					day = a.Clock.Now().UTC()
				}
				es, err := programs(a).EnrolledAt(r.Context(), id, day)
				return List[program.Enrollment]{nonNil(es)}, err
			}},
		Route{Method: "GET", Path: "/household-decisions/{id}", Tag: "targeting", Summary: "The latest decision of each program for a household, with why in plain words",
			Response: List[HouseholdDecision]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				mid, err := programMember(a, r)
				if err != nil {
					return nil, err
				}
				hd, err := programs(a).LatestDecisions(r.Context(), mid, id)
				if err != nil {
					return nil, err
				}
				out := make([]HouseholdDecision, len(hd))
				for i, d := range hd {
					out[i] = HouseholdDecision{HouseholdDecision: d, Plain: d.Decision.Plain(programLang(r))}
				}
				return List[HouseholdDecision]{out}, nil
			}},
	)
}

// programLang is the language of plain-words explanations: the caller's
// Accept-Language, else Arabic.
func programLang(r *http.Request) i18n.Lang {
	return i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
}
