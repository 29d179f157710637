package server

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/partner"
	"github.com/tadamun/tadamun/internal/training"
)

// trainingCourse adds an open course of member with one session that
// started an hour ago, as ctx.
func trainingCourse(t testing.TB, svc *training.Service, ctx context.Context, memberID int64, now time.Time) (training.Course, training.Session) {
	t.Helper()
	c, err := svc.CreateCourse(ctx, training.CourseInput{MemberID: memberID, Audience: "staff", TitleAR: "السلامة المهنية", ProviderKind: "office", Provider: "مكتب التدريب",
		Hours: 6, Capacity: 30, Status: training.Open})
	if err != nil {
		t.Fatal(err)
	}
	s, err := svc.AddSession(ctx, c.ID, training.SessionInput{Start: now.Add(-time.Hour).UTC().Format(time.RFC3339), End: now.Add(time.Hour).UTC().Format(time.RFC3339)})
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		svcs := servicesOf(t, fx.d)
		svc := svcs.Training
		eg, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM members WHERE code = 'EG'`), 10, 64)
		c, s := trainingCourse(t, svc, ctx, eg, svcs.Clock.Now())
		user, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM users WHERE username = 'eg.caseworker'`), 10, 64)
		e, err := svc.Enroll(ctx, c.ID, training.EnrollInput{UserID: user})
		if err != nil {
			t.Fatal(err)
		}
		a, err := svc.AddAssessment(ctx, c.ID, training.AssessmentInput{NameAR: "اختبار", MaxScore: 10, PassScore: 5})
		if err != nil {
			t.Fatal(err)
		}
		ep, err := svcs.Partners.List(ctx, eg, partner.Filter{})
		if err != nil || len(ep) == 0 {
			t.Fatalf("EG's partners: %v %v", ep, err)
		}
		pl, err := svcs.Partners.AddPledge(ctx, partner.Pledge{PartnerID: ep[0].ID, Kind: partner.Training, Target: 10, Course: "المحاسبة"})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_tr_course"] = strconv.FormatInt(c.ID, 10)
		fx.vals["eg_tr_session"] = strconv.FormatInt(s.ID, 10)
		fx.vals["eg_tr_enrollment"] = strconv.FormatInt(e.ID, 10)
		fx.vals["eg_tr_assessment"] = strconv.FormatInt(a.ID, 10)
		fx.vals["eg_tr_user"] = strconv.FormatInt(user, 10)
		fx.vals["eg_tr_person"] = joValue(t, fx.d, `SELECT MIN(id) FROM persons WHERE member_id = ?`, eg)
		fx.vals["eg_tr_partner"] = strconv.FormatInt(ep[0].ID, 10)
		fx.vals["eg_tr_pledge"] = strconv.FormatInt(pl.ID, 10)
		fx.vals["eg_tr_office"] = joValue(t, fx.d, `SELECT COALESCE(MIN(id), 0) FROM case_offices WHERE member_id = ?`, eg)
	})
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		ctx := fx.as("jo.training")
		svcs := servicesOf(t, fx.d)
		svc := svcs.Training
		jo, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM members WHERE code = 'JO'`), 10, 64)
		c, s := trainingCourse(t, svc, ctx, jo, svcs.Clock.Now())
		user, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM users WHERE username = 'jo.caseworker'`), 10, 64)
		e, err := svc.Enroll(ctx, c.ID, training.EnrollInput{UserID: user})
		if err != nil {
			t.Fatal(err)
		}
		a, err := svc.AddAssessment(ctx, c.ID, training.AssessmentInput{NameAR: "اختبار", MaxScore: 10, PassScore: 5})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["jo_tr_course"] = strconv.FormatInt(c.ID, 10)
		fx.vals["jo_tr_session"] = strconv.FormatInt(s.ID, 10)
		fx.vals["jo_tr_enrollment"] = strconv.FormatInt(e.ID, 10)
		fx.vals["jo_tr_assessment"] = strconv.FormatInt(a.ID, 10)
		fx.vals["jo_tr_user"] = joValue(t, fx.d, `SELECT id FROM users WHERE username = 'jo.registrar'`)
		fx.vals["jo_tr_person"] = joValue(t, fx.d, `SELECT MIN(id) FROM persons WHERE member_id = ?`, jo)
		fx.vals["jo_tr_pledge"] = joValue(t, fx.d, `SELECT MIN(id) FROM partner_pledges WHERE member_id = ? AND kind = 'training' AND status IN ('open', 'partial')`, jo)
		fx.vals["jo_tr_partner"] = joValue(t, fx.d, `SELECT partner_id FROM partner_pledges WHERE id = ?`, fx.vals["jo_tr_pledge"])
		fx.vals["jo_tr_office"] = joValue(t, fx.d, `SELECT MIN(id) FROM case_offices WHERE member_id = ?`, jo)
	})
	v1 := api.Prefix
	const officer = "jo.training"
	get := func(key, prefix, suffix string) crossCase {
		return crossGetAs(officer, func(v map[string]string) string { return v1 + prefix + v[key] + suffix })
	}
	write := func(key, prefix, suffix, body string) crossCase {
		return crossWriteAs(officer, "POST", func(v map[string]string) (string, string) { return v1 + prefix + v[key] + suffix, body })
	}
	crossCases["GET /training/courses"] = crossListAs(officer, v1+"/training/courses")
	crossCases["POST /training/courses"] = crossWriteAs(officer, "POST", func(map[string]string) (string, string) {
		return v1 + "/training/courses", `{"member":"EG","audience":"youth","title_ar":"دخيل","provider_kind":"office","provider":"x","capacity":3}`
	})
	crossCases["GET /training/courses/{id}"] = get("eg_tr_course", "/training/courses/", "")
	crossCases["POST /training/courses/{id}/status"] = write("eg_tr_course", "/training/courses/", "/status", `{"status":"running","version":1}`)
	crossCases["POST /training/courses/{id}/capacity"] = write("eg_tr_course", "/training/courses/", "/capacity", `{"capacity":50}`)
	crossCases["GET /training/courses/{id}/sessions"] = get("eg_tr_course", "/training/courses/", "/sessions")
	crossCases["POST /training/courses/{id}/sessions"] = write("eg_tr_course", "/training/courses/", "/sessions", `{"start":"2030-01-01T09:00","end":"2030-01-01T12:00"}`)
	crossCases["GET /training/courses/{id}/enrollments"] = get("eg_tr_course", "/training/courses/", "/enrollments")
	crossCases["POST /training/courses/{id}/enrollments"] = crossWriteAs(officer, "POST", func(v map[string]string) (string, string) {
		return v1 + "/training/courses/" + v["eg_tr_course"] + "/enrollments", `{"person_id":` + v["eg_tr_person"] + `}`
	})
	crossCases["GET /training/courses/{id}/progress"] = get("eg_tr_course", "/training/courses/", "/progress")
	crossCases["GET /training/courses/{id}/assessments"] = get("eg_tr_course", "/training/courses/", "/assessments")
	crossCases["POST /training/courses/{id}/assessments"] = write("eg_tr_course", "/training/courses/", "/assessments", `{"name_ar":"دخيل","max_score":10,"pass_score":5}`)
	crossCases["POST /training/courses/{id}/complete"] = write("eg_tr_course", "/training/courses/", "/complete", `{}`)
	crossCases["GET /training/sessions/{id}/attendance"] = get("eg_tr_session", "/training/sessions/", "/attendance")
	crossCases["POST /training/sessions/{id}/attendance"] = crossWriteAs(officer, "POST", func(v map[string]string) (string, string) {
		return v1 + "/training/sessions/" + v["eg_tr_session"] + "/attendance", `{"marks":[{"enrollment_id":` + v["eg_tr_enrollment"] + `,"mark":"absent"}]}`
	})
	crossCases["POST /training/assessments/{id}/scores"] = crossWriteAs(officer, "POST", func(v map[string]string) (string, string) {
		return v1 + "/training/assessments/" + v["eg_tr_assessment"] + "/scores", `{"scores":[{"enrollment_id":` + v["eg_tr_enrollment"] + `,"score":1}]}`
	})
	crossCases["POST /training/enrollments/{id}/complete"] = write("eg_tr_enrollment", "/training/enrollments/", "/complete", `{}`)
	crossCases["POST /training/enrollments/{id}/withdraw"] = write("eg_tr_enrollment", "/training/enrollments/", "/withdraw", `{"reason":"دخيل"}`)
	crossCases["POST /training/enrollments/{id}/fail"] = write("eg_tr_enrollment", "/training/enrollments/", "/fail", `{"reason":"دخيل"}`)
	crossCases["GET /training/history"] = crossGetAs(officer, func(v map[string]string) string {
		return v1 + "/training/history?member=EG&user_id=" + v["eg_tr_user"]
	})

	crossRefs["POST /training/courses/{id}/status"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["POST /training/courses/{id}/capacity"] = crossRef{NotIDs: []string{"capacity"}}
	crossRefs["POST /training/courses/{id}/assessments"] = crossRef{NotIDs: []string{"max_score", "pass_score"}}
	crossRefs["POST /training/courses"] = crossRef{As: officer,
		Path: func(map[string]string) string { return v1 + "/training/courses" },
		Body: func(v map[string]string, eg string) string {
			if eg == "office_id" {
				return `{"audience":"staff","title_ar":"دورة المكتب","provider_kind":"office","office_id":` + v["eg_tr_office"] + `,"capacity":5}`
			}
			return `{"audience":"youth","title_ar":"دورة الشريك","provider_kind":"partner","capacity":5,"hours":10,"min_age":18,"max_age":29,"min_attendance":75,"min_average":0` +
				`,"partner_id":` + pick(v, eg, "partner_id", "jo_tr_partner", "eg_tr_partner") + `,"pledge_id":` + pick(v, eg, "pledge_id", "jo_tr_pledge", "eg_tr_pledge") +
				`,"prerequisites":[` + pick(v, eg, "prerequisites", "jo_tr_course", "eg_tr_course") + `]}`
		},
		IDs:    []string{"office_id", "partner_id", "pledge_id", "prerequisites"},
		NotIDs: []string{"hours", "capacity", "min_age", "max_age", "min_attendance", "min_average"}}
	crossRefs["POST /training/courses/{id}/enrollments"] = crossRef{As: officer,
		Path: func(v map[string]string) string {
			return v1 + "/training/courses/" + v["jo_tr_course"] + "/enrollments"
		},
		Body: func(v map[string]string, eg string) string {
			switch eg {
			case "person_id":
				return `{"person_id":` + v["eg_tr_person"] + `}`
			case "user_id":
				return `{"user_id":` + v["eg_tr_user"] + `}`
			}
			return `{"person_id":` + v["jo_tr_person"] + `}`
		},
		IDs: []string{"person_id", "user_id"}}
	crossRefs["POST /training/sessions/{id}/attendance"] = crossRef{As: officer,
		Path: func(v map[string]string) string {
			return v1 + "/training/sessions/" + v["jo_tr_session"] + "/attendance"
		},
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"marks":[{"enrollment_id":%s,"mark":"present"}]}`, pick(v, eg, "marks.enrollment_id", "jo_tr_enrollment", "eg_tr_enrollment"))
		},
		IDs: []string{"marks.enrollment_id"}}
	crossRefs["POST /training/assessments/{id}/scores"] = crossRef{As: officer,
		Path: func(v map[string]string) string {
			return v1 + "/training/assessments/" + v["jo_tr_assessment"] + "/scores"
		},
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"scores":[{"enrollment_id":%s,"score":7}]}`, pick(v, eg, "scores.enrollment_id", "jo_tr_enrollment", "eg_tr_enrollment"))
		},
		IDs: []string{"scores.enrollment_id"}, NotIDs: []string{"scores.score"}}
}
