package server

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/employment"
	"github.com/tadamun/tadamun/internal/partner"
)

// The employment routes: JO's employment officer names EG's seekers,
// employers, vacancies, applications and follow-ups, and is refused with
// nothing changed; lists show JO's rows only.
func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		svc := servicesOf(t, fx.d)
		eg := fx.as("eg.jobs")
		egID, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM members WHERE code = 'EG'`), 10, 64)
		free := func(skip int) int64 {
			n, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM persons WHERE member_id = ? AND id NOT IN (SELECT person_id FROM employment_seekers) ORDER BY id LIMIT 1 OFFSET `+strconv.Itoa(skip), egID), 10, 64)
			return n
		}
		person := free(0)
		if _, err := svc.Employment.SaveSkill(eg, egID, employment.Skill{Code: "sewing", NameAR: "خياطة"}); err != nil {
			t.Fatal(err)
		}
		k, err := svc.Employment.CreateSeeker(eg, egID, employment.SeekerInput{PersonID: person, Skills: []string{"sewing"}, Hours: "any", Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		e, err := svc.Employment.CreateEmployer(eg, egID, employment.EmployerInput{Name: "مصنع القاهرة للنسيج", Headcount: 40})
		if err != nil {
			t.Fatal(err)
		}
		if e, err = svc.Employment.VerifyEmployer(eg, e.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		pending, err := svc.Employment.CreateEmployer(eg, egID, employment.EmployerInput{Name: "ورشة الجيزة"})
		if err != nil {
			t.Fatal(err)
		}
		v, err := svc.Employment.CreateVacancy(eg, egID, employment.VacancyInput{EmployerID: e.ID, Title: "خياطة", Skills: []string{"sewing"}, Hours: "full", Positions: 3})
		if err != nil {
			t.Fatal(err)
		}
		a, err := svc.Employment.Apply(eg, k.ID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		now := svc.Clock.Now()
		if a, err = svc.Employment.ScheduleInterview(eg, a.ID, now.Add(-48*time.Hour).UTC().Format(time.RFC3339), "القاهرة"); err != nil {
			t.Fatal(err)
		}
		if a, err = svc.Employment.MakeOffer(eg, a.ID, 500000, now.AddDate(0, -4, 0).Format(time.DateOnly)); err != nil {
			t.Fatal(err)
		}
		if a, err = svc.Employment.Place(eg, a.ID, ""); err != nil {
			t.Fatal(err)
		}
		k2, err := svc.Employment.CreateSeeker(eg, egID, employment.SeekerInput{PersonID: free(0), Hours: "any"})
		if err != nil {
			t.Fatal(err)
		}
		a2, err := svc.Employment.Apply(eg, k2.ID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		// An EG partner's jobs pledge, for a JO vacancy to name.
		pid, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT MIN(id) FROM partners WHERE member_id = ?`, egID), 10, 64)
		pl, err := svc.Partners.AddPledge(actor.System(fx.as("eg.jobs")), partner.Pledge{PartnerID: pid, Kind: partner.Jobs, Target: 3, Role: "فني"})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_emp_seeker"] = strconv.FormatInt(k.ID, 10)
		// The matcher's cross-member cases name these (crossmember_match_test.go).
		fx.vals["employment_seeker"] = strconv.FormatInt(k.ID, 10)
		fx.vals["employment_vacancy"] = strconv.FormatInt(v.ID, 10)
		fx.vals["eg_emp_person"] = strconv.FormatInt(free(0), 10)
		fx.vals["eg_emp_employer"] = strconv.FormatInt(e.ID, 10)
		fx.vals["eg_emp_pending"] = strconv.FormatInt(pending.ID, 10)
		fx.vals["eg_emp_partner"] = strconv.FormatInt(pid, 10)
		fx.vals["eg_emp_pledge"] = strconv.FormatInt(pl.ID, 10)
		fx.vals["eg_emp_vacancy"] = strconv.FormatInt(v.ID, 10)
		fx.vals["eg_emp_app"] = strconv.FormatInt(a2.ID, 10)
		fx.vals["eg_emp_followup"] = joValue(t, fx.d, `SELECT MIN(id) FROM employment_followups WHERE application_id = ?`, a.ID)
	})
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		svc := servicesOf(t, fx.d)
		jo := fx.as("jo.jobs")
		joID, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM members WHERE code = 'JO'`), 10, 64)
		free := func(skip int) int64 {
			n, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM persons WHERE member_id = ? AND id NOT IN (SELECT person_id FROM employment_seekers) ORDER BY id LIMIT 1 OFFSET `+strconv.Itoa(skip), joID), 10, 64)
			return n
		}
		fx.vals["jo_emp_person"] = strconv.FormatInt(free(0), 10)
		k, err := svc.Employment.CreateSeeker(jo, joID, employment.SeekerInput{PersonID: free(1), Skills: []string{"cashier"}, Hours: "any", Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["jo_emp_seeker"] = strconv.FormatInt(k.ID, 10)
		fx.vals["jo_emp_vacancy"] = joValue(t, fx.d, `SELECT MIN(v.id) FROM employment_vacancies v JOIN employment_employers e ON e.id = v.employer_id
			WHERE v.member_id = ? AND v.status = 'open' AND e.status = 'verified'`, joID)
		fx.vals["jo_emp_employer"] = joValue(t, fx.d, `SELECT MIN(id) FROM employment_employers WHERE member_id = ? AND status = 'verified'`, joID)
		fx.vals["jo_emp_partner"] = joValue(t, fx.d, `SELECT MIN(id) FROM partners WHERE member_id = ? AND id NOT IN (SELECT partner_id FROM employment_employers)`, joID)
		fx.vals["jo_emp_pledge"] = joValue(t, fx.d, `SELECT MIN(id) FROM partner_pledges WHERE member_id = ? AND kind = 'jobs' AND status IN ('open', 'partial')`, joID)
	})
	v1 := api.Prefix
	const officer = "jo.jobs"
	path := func(key, prefix, suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + prefix + v[key] + suffix }
	}
	write := func(key, prefix, suffix, body string) crossCase {
		return crossWriteAs(officer, "POST", func(v map[string]string) (string, string) { return v1 + prefix + v[key] + suffix, body })
	}
	crossCases["GET /employment/skills"] = crossListAs(officer, v1+"/employment/skills")
	crossCases["POST /employment/skills"] = crossWriteAs(officer, "POST", func(map[string]string) (string, string) {
		return v1 + "/employment/skills", `{"member":"EG","code":"intruder","name_ar":"دخيل"}`
	})
	crossCases["GET /employment/seekers"] = crossListAs(officer, v1+"/employment/seekers")
	crossCases["POST /employment/seekers"] = crossWriteAs(officer, "POST", func(v map[string]string) (string, string) {
		return v1 + "/employment/seekers", `{"member":"EG","person_id":` + v["eg_emp_person"] + `,"hours":"any"}`
	})
	crossCases["GET /employment/seekers/{id}"] = crossGetAs(officer, path("eg_emp_seeker", "/employment/seekers/", ""))
	crossCases["PATCH /employment/seekers/{id}"] = crossWriteAs(officer, "PATCH", func(v map[string]string) (string, string) {
		return v1 + "/employment/seekers/" + v["eg_emp_seeker"], `{"version":1,"hours":"part"}`
	})
	crossCases["GET /employment/employers"] = crossListAs(officer, v1+"/employment/employers")
	crossCases["POST /employment/employers"] = crossWriteAs(officer, "POST", func(map[string]string) (string, string) {
		return v1 + "/employment/employers", `{"member":"EG","name":"دخيل"}`
	})
	crossCases["GET /employment/employers/{id}"] = crossGetAs(officer, path("eg_emp_employer", "/employment/employers/", ""))
	crossCases["POST /employment/employers/{id}/verify"] = write("eg_emp_pending", "/employment/employers/", "/verify", `{"verify":true}`)
	crossCases["GET /employment/vacancies"] = crossListAs(officer, v1+"/employment/vacancies")
	crossCases["POST /employment/vacancies"] = crossWriteAs(officer, "POST", func(v map[string]string) (string, string) {
		return v1 + "/employment/vacancies", `{"member":"EG","employer_id":` + v["eg_emp_employer"] + `,"title":"دخيل","hours":"full","positions":1}`
	})
	crossCases["GET /employment/vacancies/{id}"] = crossGetAs(officer, path("eg_emp_vacancy", "/employment/vacancies/", ""))
	crossCases["POST /employment/vacancies/{id}/status"] = write("eg_emp_vacancy", "/employment/vacancies/", "/status", `{"status":"closed"}`)
	crossCases["GET /employment/applications"] = crossListAs(officer, v1+"/employment/applications")
	crossCases["POST /employment/applications"] = crossWriteAs(officer, "POST", func(v map[string]string) (string, string) {
		return v1 + "/employment/applications", `{"seeker":` + v["eg_emp_seeker"] + `,"vacancy":` + v["eg_emp_vacancy"] + `}`
	})
	crossCases["GET /employment/applications/{id}"] = crossGetAs(officer, path("eg_emp_app", "/employment/applications/", ""))
	crossCases["POST /employment/applications/{id}/interview"] = write("eg_emp_app", "/employment/applications/", "/interview", `{"at":"2030-01-01T10:00","place":"دخيل"}`)
	crossCases["POST /employment/applications/{id}/offer"] = write("eg_emp_app", "/employment/applications/", "/offer", `{"pay":1000,"start":"2030-01-01"}`)
	crossCases["POST /employment/applications/{id}/place"] = write("eg_emp_app", "/employment/applications/", "/place", `{}`)
	crossCases["POST /employment/applications/{id}/close"] = write("eg_emp_app", "/employment/applications/", "/close", `{"status":"rejected","reason":"دخيل"}`)
	crossCases["GET /employment/followups"] = crossListAs(officer, v1+"/employment/followups")
	crossCases["POST /employment/followups/{id}"] = write("eg_emp_followup", "/employment/followups/", "", `{"outcome":"employed"}`)

	crossRefs["POST /employment/seekers"] = crossRef{As: officer,
		Path: func(map[string]string) string { return v1 + "/employment/seekers" },
		Body: func(v map[string]string, eg string) string {
			return `{"person_id":` + pick(v, eg, "person_id", "jo_emp_person", "eg_emp_person") + `,"hours":"any","experience_months":3}`
		},
		IDs: []string{"person_id"}, NotIDs: []string{"experience_months"}}
	crossRefs["PATCH /employment/seekers/{id}"] = crossRef{As: officer,
		Path:   func(v map[string]string) string { return v1 + "/employment/seekers/" + v["jo_emp_seeker"] },
		Body:   func(map[string]string, string) string { return `{"version":1,"hours":"part","experience_months":2}` },
		NotIDs: []string{"version", "experience_months"}}
	crossRefs["POST /employment/employers"] = crossRef{As: officer,
		Path: func(map[string]string) string { return v1 + "/employment/employers" },
		Body: func(v map[string]string, eg string) string {
			return `{"partner_id":` + pick(v, eg, "partner_id", "jo_emp_partner", "eg_emp_partner") + `,"headcount":20,"disabled_employees":1}`
		},
		IDs: []string{"partner_id"}, NotIDs: []string{"headcount", "disabled_employees"}}
	crossRefs["POST /employment/vacancies"] = crossRef{As: officer,
		Path: func(map[string]string) string { return v1 + "/employment/vacancies" },
		Body: func(v map[string]string, eg string) string {
			return `{"employer_id":` + pick(v, eg, "employer_id", "jo_emp_employer", "eg_emp_employer") + `,"pledge_id":` + pick(v, eg, "pledge_id", "jo_emp_pledge", "eg_emp_pledge") +
				`,"title":"فني","hours":"full","positions":1,"pay":300000,"experience_months":0}`
		},
		IDs: []string{"employer_id", "pledge_id"}, NotIDs: []string{"experience_months", "pay", "positions"}}
	crossRefs["POST /employment/applications"] = crossRef{As: officer,
		Path: func(map[string]string) string { return v1 + "/employment/applications" },
		Body: func(v map[string]string, eg string) string {
			return `{"seeker":` + pick(v, eg, "seeker", "jo_emp_seeker", "eg_emp_seeker") + `,"vacancy":` + pick(v, eg, "vacancy", "jo_emp_vacancy", "eg_emp_vacancy") + `}`
		},
		IDs: []string{"seeker", "vacancy"}}
	crossRefs["POST /employment/applications/{id}/offer"] = crossRef{As: officer,
		Path:   func(v map[string]string) string { return v1 + "/employment/applications/0/offer" },
		Body:   func(map[string]string, string) string { return `{"pay":1000,"start":"2030-01-01"}` },
		NotIDs: []string{"pay"}}
}

// TestCrossMemberEmploymentPages: JO's employment officer names EG's rows
// in every employment page that reads or changes one, and gets not-found
// with nothing changed; a union-level page for EG chosen by ?member= is
// refused to a JO user too.
func TestCrossMemberEmploymentPages(t *testing.T) {
	d := demoDB(t, db.SQLite)
	fx := newFixture(t, d)
	b := newBrowser(t, fx.url)
	b.login("jo.jobs")
	tok := b.csrf("/")
	v := fx.vals
	for _, c := range []struct{ method, path string }{
		{"GET", "/employment/seekers/" + v["eg_emp_seeker"]},
		{"GET", "/employment/seekers/" + v["eg_emp_seeker"] + "/edit"},
		{"POST", "/employment/seekers/" + v["eg_emp_seeker"] + "/edit"},
		{"GET", "/employment/seekers/" + v["eg_emp_seeker"] + "/matches"},
		{"GET", "/employment/employers/" + v["eg_emp_employer"]},
		{"POST", "/employment/employers/" + v["eg_emp_pending"] + "/verify"},
		{"POST", "/employment/employers/" + v["eg_emp_employer"] + "/workforce"},
		{"GET", "/employment/vacancies/" + v["eg_emp_vacancy"]},
		{"POST", "/employment/vacancies/" + v["eg_emp_vacancy"] + "/status"},
		{"GET", "/employment/vacancies/" + v["eg_emp_vacancy"] + "/matches"},
		{"POST", "/employment/applications"},
		{"POST", "/employment/applications/" + v["eg_emp_app"] + "/interview"},
		{"POST", "/employment/applications/" + v["eg_emp_app"] + "/offer"},
		{"POST", "/employment/applications/" + v["eg_emp_app"] + "/place"},
		{"POST", "/employment/applications/" + v["eg_emp_app"] + "/reject"},
		{"POST", "/employment/applications/" + v["eg_emp_app"] + "/withdraw"},
		{"POST", "/employment/followups/" + v["eg_emp_followup"]},
	} {
		before := auditSize(t, d)
		var form url.Values
		if c.method == "POST" {
			form = url.Values{"csrf": {tok}, "seeker": {v["eg_emp_seeker"]}, "vacancy": {v["eg_emp_vacancy"]}, "decision": {"verify"}, "status": {"closed"},
				"at": {"2030-01-01T10:00"}, "place": {"x"}, "pay": {"100"}, "start": {"2030-01-01"}, "reason": {"x"}, "outcome": {"employed"}, "version": {"1"}, "hours": {"any"}, "headcount": {"1"}}
		}
		resp, body := b.do(c.method, c.path, form)
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s as jo.jobs: status %d, want 404: %.200s", c.method, c.path, resp.StatusCode, body)
		}
		if after := auditSize(t, d); after != before {
			t.Errorf("%s %s as jo.jobs changed something", c.method, c.path)
		}
	}
}
