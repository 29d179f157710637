package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/volunteer"
)

// crossWriteAs is crossWrite as the demo user username, so that the
// member check is what refuses, not a missing permission.
func crossWriteAs(username, method string, req func(v map[string]string) (path, body string)) crossCase {
	return func(t *testing.T, fx *fixture) {
		p, body := req(fx.vals)
		before := auditSize(t, fx.d)
		status, out := fx.callAs(username, method, p, body)
		if status != http.StatusNotFound && status != http.StatusForbidden {
			t.Errorf("%s %s as %s: status %d, want 404 or 403: %.300s", method, p, username, status, out)
		}
		if after := auditSize(t, fx.d); after != before {
			t.Errorf("%s %s as %s changed something: audit log grew from %d to %d", method, p, username, before, after)
		}
	}
}

// crossGetAs is crossGet as the demo user username.
func crossGetAs(username string, path func(v map[string]string) string) crossCase {
	return func(t *testing.T, fx *fixture) {
		p := path(fx.vals)
		if status, body := fx.callAs(username, "GET", p, ""); status != http.StatusNotFound {
			t.Errorf("GET %s as %s: status %d, want 404: %.300s", p, username, status, body)
		}
	}
}

// volunteerShift posts an opportunity of member with one shift from
// start for hours, as ctx.
func volunteerShift(t testing.TB, svc *volunteer.Service, ctx context.Context, memberID int64, start time.Time, hours int) (volunteer.Opportunity, volunteer.Shift) {
	t.Helper()
	o, err := svc.CreateOpportunity(ctx, volunteer.OpportunityInput{MemberID: memberID, Kind: "distribution", Title: "يوم توزيع", StartsOn: start.Format(time.DateOnly), EndsOn: start.AddDate(0, 0, 1).Format(time.DateOnly)})
	if err != nil {
		t.Fatal(err)
	}
	h, err := svc.AddShift(ctx, o.ID, volunteer.ShiftInput{Start: start.UTC().Format(time.RFC3339), End: start.Add(time.Duration(hours) * time.Hour).UTC().Format(time.RFC3339), Capacity: 5})
	if err != nil {
		t.Fatal(err)
	}
	return o, h
}

func volunteerOf(t testing.TB, svc *volunteer.Service, ctx context.Context, memberID int64, name, phone string) int64 {
	t.Helper()
	r, err := svc.Register(ctx, volunteer.Profile{MemberID: memberID, Name: name, Phone: phone})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		svc := servicesOf(t, fx.d).Volunteers
		eg, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM members WHERE code = 'EG'`), 10, 64)
		now := servicesOf(t, fx.d).Clock.Now()
		v := volunteerOf(t, svc, ctx, eg, "منى عبد الله", "01001234567")
		o, h := volunteerShift(t, svc, ctx, eg, now.Add(-time.Hour), 3)
		g, err := svc.Book(ctx, h.ID, v)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RecordAttendance(ctx, h.ID, []volunteer.Mark{{SignupID: g.ID, Present: true}}); err != nil {
			t.Fatal(err)
		}
		c, err := svc.Issue(ctx, v, now.AddDate(0, 0, -2).Format(time.DateOnly), now.AddDate(0, 0, 2).Format(time.DateOnly))
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_volunteer"] = strconv.FormatInt(v, 10)
		fx.vals["eg_opportunity"] = strconv.FormatInt(o.ID, 10)
		fx.vals["eg_shift"] = strconv.FormatInt(h.ID, 10)
		fx.vals["eg_signup"] = strconv.FormatInt(g.ID, 10)
		fx.vals["eg_certificate"] = strconv.FormatInt(c.ID, 10)
		fx.vals["eg_vol_office"] = joValue(t, fx.d, `SELECT COALESCE(MIN(id), 0) FROM case_offices WHERE member_id = ?`, eg)
	})
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		ctx := fx.as("jo.volunteers")
		svc := servicesOf(t, fx.d).Volunteers
		jo, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT id FROM members WHERE code = 'JO'`), 10, 64)
		now := servicesOf(t, fx.d).Clock.Now()
		fx.vals["jo_vol_office"] = joValue(t, fx.d, `SELECT MIN(id) FROM case_offices WHERE member_id = ?`, jo)
		fx.vals["jo_vol_book"] = strconv.FormatInt(volunteerOf(t, svc, ctx, jo, "سلمى ناصر", "0799900001"), 10)
		_, h := volunteerShift(t, svc, ctx, jo, now.Add(72*time.Hour), 3)
		fx.vals["jo_shift_book"] = strconv.FormatInt(h.ID, 10)
		v := volunteerOf(t, svc, ctx, jo, "يزن حداد", "0799900002")
		_, h2 := volunteerShift(t, svc, ctx, jo, now.Add(-time.Hour), 3)
		g, err := svc.Book(ctx, h2.ID, v)
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["jo_shift_att"] = strconv.FormatInt(h2.ID, 10)
		fx.vals["jo_signup_att"] = strconv.FormatInt(g.ID, 10)
	})
	v1 := api.Prefix
	const coord = "jo.volunteers"
	path := func(key, prefix, suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + prefix + v[key] + suffix }
	}
	write := func(key, prefix, suffix, body string) crossCase {
		return crossWriteAs(coord, "POST", func(v map[string]string) (string, string) { return v1 + prefix + v[key] + suffix, body })
	}
	crossCases["GET /volunteers"] = crossListAs(coord, v1+"/volunteers")
	crossCases["POST /volunteers"] = crossWriteAs(coord, "POST", func(map[string]string) (string, string) {
		return v1 + "/volunteers", `{"member":"EG","name":"دخيل","phone":"01009998887"}`
	})
	crossCases["GET /volunteers/{id}"] = crossGetAs(coord, path("eg_volunteer", "/volunteers/", ""))
	crossCases["PATCH /volunteers/{id}"] = crossWriteAs(coord, "PATCH", func(v map[string]string) (string, string) {
		return v1 + "/volunteers/" + v["eg_volunteer"], `{"version":1,"name":"دخيل","phone":"01001234567"}`
	})
	crossCases["POST /volunteers/{id}/status"] = write("eg_volunteer", "/volunteers/", "/status", `{"status":"inactive","version":0}`)
	crossCases["POST /volunteers/{id}/link"] = write("eg_volunteer", "/volunteers/", "/link", `{}`)
	crossCases["GET /volunteers/{id}/signups"] = crossGetAs(coord, path("eg_volunteer", "/volunteers/", "/signups"))
	crossCases["GET /volunteers/{id}/hours"] = crossGetAs(coord, path("eg_volunteer", "/volunteers/", "/hours"))
	crossCases["GET /volunteers/{id}/certificates"] = crossGetAs(coord, path("eg_volunteer", "/volunteers/", "/certificates"))
	crossCases["POST /volunteers/{id}/certificates"] = write("eg_volunteer", "/volunteers/", "/certificates", `{"from":"2020-01-01","to":"2030-01-01"}`)
	crossCases["GET /volunteer-opportunities"] = crossListAs(coord, v1+"/volunteer-opportunities")
	crossCases["POST /volunteer-opportunities"] = crossWriteAs(coord, "POST", func(map[string]string) (string, string) {
		return v1 + "/volunteer-opportunities", `{"member":"EG","kind":"other","title":"دخيل","starts_on":"2030-01-01","ends_on":"2030-01-02"}`
	})
	crossCases["GET /volunteer-opportunities/{id}"] = crossGetAs(coord, path("eg_opportunity", "/volunteer-opportunities/", ""))
	crossCases["POST /volunteer-opportunities/{id}/close"] = write("eg_opportunity", "/volunteer-opportunities/", "/close", `{}`)
	crossCases["GET /volunteer-opportunities/{id}/shifts"] = crossGetAs(coord, path("eg_opportunity", "/volunteer-opportunities/", "/shifts"))
	crossCases["POST /volunteer-opportunities/{id}/shifts"] = write("eg_opportunity", "/volunteer-opportunities/", "/shifts", `{"start":"2030-01-01T09:00","end":"2030-01-01T12:00","capacity":3}`)
	crossCases["GET /volunteer-shifts/{id}"] = crossGetAs(coord, path("eg_shift", "/volunteer-shifts/", ""))
	crossCases["GET /volunteer-shifts/{id}/signups"] = crossGetAs(coord, path("eg_shift", "/volunteer-shifts/", "/signups"))
	crossCases["POST /volunteer-shifts/{id}/signups"] = crossWriteAs(coord, "POST", func(v map[string]string) (string, string) {
		return v1 + "/volunteer-shifts/" + v["eg_shift"] + "/signups", `{"volunteer_id":` + v["eg_volunteer"] + `}`
	})
	crossCases["POST /volunteer-shifts/{id}/attendance"] = crossWriteAs(coord, "POST", func(v map[string]string) (string, string) {
		return v1 + "/volunteer-shifts/" + v["eg_shift"] + "/attendance", `{"marks":[{"signup_id":` + v["eg_signup"] + `,"present":false}]}`
	})
	crossCases["POST /volunteer-signups/{id}/cancel"] = write("eg_signup", "/volunteer-signups/", "/cancel", `{}`)
	crossCases["GET /volunteer-certificates"] = crossListAs(coord, v1+"/volunteer-certificates")
	crossCases["GET /volunteer-certificates/{id}"] = crossGetAs(coord, path("eg_certificate", "/volunteer-certificates/", ""))
	crossCases["GET /volunteer-certificates/{id}/pdf"] = crossGetAs(coord, path("eg_certificate", "/volunteer-certificates/", "/pdf"))
	crossCases["POST /volunteer-certificates/{id}/revoke"] = write("eg_certificate", "/volunteer-certificates/", "/revoke", `{"reason":"دخيل"}`)

	crossRefs["POST /volunteers/{id}/status"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["PATCH /volunteers/{id}"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["POST /volunteer-opportunities/{id}/shifts"] = crossRef{NotIDs: []string{"capacity"}}
	crossRefs["POST /volunteer-opportunities"] = crossRef{As: coord,
		Path: func(map[string]string) string { return v1 + "/volunteer-opportunities" },
		Body: func(v map[string]string, eg string) string {
			return `{"kind":"distribution","title":"يوم توزيع في إربد","starts_on":"2030-01-01","ends_on":"2030-01-02","office_id":` + pick(v, eg, "office_id", "jo_vol_office", "eg_vol_office") + `}`
		},
		IDs: []string{"office_id"}}
	crossRefs["POST /volunteer-shifts/{id}/signups"] = crossRef{As: coord,
		Path: func(v map[string]string) string { return v1 + "/volunteer-shifts/" + v["jo_shift_book"] + "/signups" },
		Body: func(v map[string]string, eg string) string {
			return `{"volunteer_id":` + pick(v, eg, "volunteer_id", "jo_vol_book", "eg_volunteer") + `}`
		},
		IDs: []string{"volunteer_id"}}
	crossRefs["POST /volunteer-shifts/{id}/attendance"] = crossRef{As: coord,
		Path: func(v map[string]string) string { return v1 + "/volunteer-shifts/" + v["jo_shift_att"] + "/attendance" },
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"marks":[{"signup_id":%s,"present":true,"minutes":90}]}`, pick(v, eg, "marks.signup_id", "jo_signup_att", "eg_signup"))
		},
		IDs: []string{"marks.signup_id"}, NotIDs: []string{"marks.minutes"}}
}
