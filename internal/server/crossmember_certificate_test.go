package server

import (
	"context"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/develop"
)

// The training certificates' cross-member cases: JO's training officer
// must neither list, read, print nor revoke EG's certificate.
func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		svc := servicesOf(t, fx.d).Certificates
		eg, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM members WHERE code = 'EG'`), 10, 64)
		c, err := svc.Issue(ctx, develop.CertificateInput{MemberID: eg, EnrollmentID: 8_000_001, PersonID: 1, Holder: "منى عبد الله",
			CourseAR: "مهارات الحاسوب", CourseEN: "Computer skills", Provider: "مركز التدريب", Hours: 20, Completed: "2026-01-15"})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_training_certificate"] = strconv.FormatInt(c.ID, 10)
	})
	v1 := api.Prefix
	const officer = "jo.training"
	path := func(suffix string) func(v map[string]string) string {
		return func(v map[string]string) string {
			return v1 + "/training/certificates/" + v["eg_training_certificate"] + suffix
		}
	}
	crossCases["GET /training/certificates"] = crossListAs(officer, v1+"/training/certificates")
	crossCases["GET /training/certificates/{id}"] = crossGetAs(officer, path(""))
	crossCases["GET /training/certificates/{id}/pdf"] = crossGetAs(officer, path("/pdf"))
	crossCases["POST /training/certificates/{id}/revoke"] = crossWriteAs(officer, "POST", func(v map[string]string) (string, string) {
		return path("/revoke")(v), `{"reason":"دخيل"}`
	})
}
