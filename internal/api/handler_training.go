package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/tadamun/tadamun/internal/training"
)

// CourseBody is a new course; member is a member code (the caller's own
// member when empty).
type CourseBody struct {
	Member string `json:"member,omitempty"`
	training.CourseInput
}

// CourseStatusInput moves a course; version is the one read.
type CourseStatusInput struct {
	Status  string `json:"status"`
	Version int64  `json:"version"`
}

// CapacityInput changes a course's capacity.
type CapacityInput struct {
	Capacity int `json:"capacity"`
}

// MarksInput records a session's attendance.
type MarksInput struct {
	Marks []training.Mark `json:"marks"`
}

// ScoresInput records an assessment's scores.
type ScoresInput struct {
	Scores []training.Score `json:"scores"`
}

// ReasonInput gives the reason of a withdrawal or a failure.
type ReasonInput struct {
	Reason string `json:"reason,omitempty"`
}

// Completed counts the enrollments completed at once.
type Completed struct {
	Completed int `json:"completed"`
}

// AttendanceList is a session's marks.
type AttendanceList struct {
	Items []training.Mark `json:"items"`
}

func init() {
	svc := func(a *API) *training.Service { return a.Training }
	memberParam := Param{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}
	pathID := func(r *http.Request) (int64, error) { return PathInt(r, "id") }
	withID := func(fn func(a *API, r *http.Request, id int64) (any, error)) Handler {
		return func(a *API, r *http.Request) (any, error) {
			id, err := pathID(r)
			if err != nil {
				return nil, err
			}
			return fn(a, r, id)
		}
	}
	Register(
		Route{Method: "GET", Path: "/training/courses", Tag: "training", Summary: "List courses, the newest first",
			Query: []Param{memberParam, {Name: "audience", Description: "youth, families, job_seekers, social_workers or staff"},
				{Name: "status", Description: "draft, open, running, finished or cancelled"}, {Name: "q", Description: "part of a title or of the provider's name"}},
			Response: List[training.Course]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				cs, err := svc(a).Courses(r.Context(), training.Filter{MemberID: m, Audience: q.Get("audience"), Status: q.Get("status"), Query: q.Get("q")})
				return List[training.Course]{nonNil(cs)}, err
			}},
		Route{Method: "POST", Path: "/training/courses", Tag: "training", Summary: "Add a course (training officers)",
			Description: "provider_kind is office (office_id or provider names it) or partner (partner_id, or pledge_id: an open pledge of training places, which names the partner).",
			Body:        CourseBody{}, Response: training.Course{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[CourseBody](r)
				if err != nil {
					return nil, err
				}
				if in.MemberID, err = a.memberOf(r, in.Member); err != nil {
					return nil, err
				}
				return svc(a).CreateCourse(r.Context(), in.CourseInput)
			}},
		Route{Method: "GET", Path: "/training/courses/{id}", Tag: "training", Summary: "Get a course", Response: training.Course{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) { return svc(a).Course(r.Context(), id) })},
		Route{Method: "POST", Path: "/training/courses/{id}/status", Tag: "training", Summary: "Move a course: draft ⇄ open → running → finished, or cancelled",
			Body: CourseStatusInput{}, Response: training.Course{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				in, err := Decode[CourseStatusInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).SetStatus(r.Context(), id, in.Status, in.Version)
			})},
		Route{Method: "POST", Path: "/training/courses/{id}/capacity", Tag: "training", Summary: "Change a course's capacity; freed seats go to the waiting list in order",
			Body: CapacityInput{}, Response: training.Course{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				in, err := Decode[CapacityInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).SetCapacity(r.Context(), id, in.Capacity)
			})},
		Route{Method: "GET", Path: "/training/courses/{id}/sessions", Tag: "training", Summary: "A course's sessions by time", Response: List[training.Session]{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				ts, err := svc(a).Sessions(r.Context(), id)
				return List[training.Session]{nonNil(ts)}, err
			})},
		Route{Method: "POST", Path: "/training/courses/{id}/sessions", Tag: "training", Summary: "Add a session (start and end in the member's time, or RFC 3339)",
			Body: training.SessionInput{}, Response: training.Session{}, Status: http.StatusCreated,
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				in, err := Decode[training.SessionInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).AddSession(r.Context(), id, in)
			})},
		Route{Method: "GET", Path: "/training/courses/{id}/enrollments", Tag: "training", Summary: "A course's enrollments: seats, then the waiting list in order, then withdrawals",
			Response: List[training.Enrollment]{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				es, err := svc(a).Enrollments(r.Context(), id)
				return List[training.Enrollment]{nonNil(es)}, err
			})},
		Route{Method: "POST", Path: "/training/courses/{id}/enrollments", Tag: "training", Summary: "Enroll a registry person or a staff user of the course's member",
			Description: "With a seat while seats remain, else on the waiting list. An unmet prerequisite (courses completed, least education, age range) is refused naming it.",
			Body:        training.EnrollInput{}, Response: training.Enrollment{}, Status: http.StatusCreated,
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				in, err := Decode[training.EnrollInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Enroll(r.Context(), id, in)
			})},
		Route{Method: "GET", Path: "/training/courses/{id}/progress", Tag: "training", Summary: "Each seat's attendance, scores and whether it meets the completion rules",
			Response: List[training.Progress]{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				ps, _, err := svc(a).Progress(r.Context(), id)
				out := []training.Progress{}
				for _, p := range ps {
					out = append(out, *p)
				}
				slices.SortFunc(out, func(x, y training.Progress) int { return int(x.EnrollmentID - y.EnrollmentID) })
				return List[training.Progress]{out}, err
			})},
		Route{Method: "GET", Path: "/training/courses/{id}/assessments", Tag: "training", Summary: "A course's assessments", Response: List[training.Assessment]{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				as, err := svc(a).Assessments(r.Context(), id)
				return List[training.Assessment]{nonNil(as)}, err
			})},
		Route{Method: "POST", Path: "/training/courses/{id}/assessments", Tag: "training", Summary: "Add an assessment with its greatest score and pass mark",
			Body: training.AssessmentInput{}, Response: training.Assessment{}, Status: http.StatusCreated,
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				in, err := Decode[training.AssessmentInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).AddAssessment(r.Context(), id, in)
			})},
		Route{Method: "POST", Path: "/training/courses/{id}/complete", Tag: "training", Summary: "Complete everyone who meets the course's rules, with their certificates, at once",
			Response: Completed{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				n, err := svc(a).CompleteAll(r.Context(), id)
				return Completed{n}, err
			})},
		Route{Method: "GET", Path: "/training/sessions/{id}/attendance", Tag: "training", Summary: "A session's attendance marks", Response: AttendanceList{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				ms, err := svc(a).Attendance(r.Context(), id)
				return attendanceList(ms), err
			})},
		Route{Method: "POST", Path: "/training/sessions/{id}/attendance", Tag: "training", Summary: "Record a session's attendance (present, absent, excused); the same marks again change nothing",
			Body: MarksInput{}, Response: AttendanceList{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				in, err := Decode[MarksInput](r)
				if err != nil {
					return nil, err
				}
				ms, err := svc(a).RecordAttendance(r.Context(), id, in.Marks)
				return attendanceList(ms), err
			})},
		Route{Method: "POST", Path: "/training/assessments/{id}/scores", Tag: "training", Summary: "Record an assessment's scores",
			Body: ScoresInput{}, Response: training.Assessment{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				in, err := Decode[ScoresInput](r)
				if err != nil {
					return nil, err
				}
				if err := svc(a).RecordScores(r.Context(), id, in.Scores); err != nil {
					return nil, err
				}
				return svc(a).Assessment(r.Context(), id)
			})},
		Route{Method: "POST", Path: "/training/enrollments/{id}/complete", Tag: "training", Summary: "Complete an enrollment that meets its course's rules; its certificate is issued with it",
			Response: training.Enrollment{},
			Handle:   withID(func(a *API, r *http.Request, id int64) (any, error) { return svc(a).Complete(r.Context(), id) })},
		Route{Method: "POST", Path: "/training/enrollments/{id}/withdraw", Tag: "training", Summary: "Withdraw an enrollment; a freed seat goes to the first waiting",
			Body: ReasonInput{}, Response: training.Enrollment{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				in, err := Decode[ReasonInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Withdraw(r.Context(), id, in.Reason)
			})},
		Route{Method: "POST", Path: "/training/enrollments/{id}/fail", Tag: "training", Summary: "Record that an enrollment did not complete the course (a reason is required)",
			Body: ReasonInput{}, Response: training.Enrollment{},
			Handle: withID(func(a *API, r *http.Request, id int64) (any, error) {
				in, err := Decode[ReasonInput](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Fail(r.Context(), id, in.Reason)
			})},
		Route{Method: "GET", Path: "/training/history", Tag: "training", Summary: "A registry person's or a user's training and certificates",
			Query:    []Param{memberParam, {Name: "person_id", Type: "integer", Description: "a registry person"}, {Name: "user_id", Type: "integer", Description: "a user (one of the two)"}},
			Response: training.History{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				p, _ := strconv.ParseInt(q.Get("person_id"), 10, 64)
				u, _ := strconv.ParseInt(q.Get("user_id"), 10, 64)
				return svc(a).History(r.Context(), m, p, u)
			}},
	)
}

func attendanceList(ms map[int64]string) AttendanceList {
	out := AttendanceList{Items: []training.Mark{}}
	for id, m := range ms {
		out.Items = append(out.Items, training.Mark{EnrollmentID: id, Mark: m})
	}
	slices.SortFunc(out.Items, func(x, y training.Mark) int { return int(x.EnrollmentID - y.EnrollmentID) })
	return out
}
