package employment

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/partner"
)

func TestSkillsImportAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		good := "code,name_ar,name_en,group\ncashier,أمين صندوق,Cashier,retail\nsewing,خياطة,Sewing,crafts\n"
		res, err := f.s.ImportSkills(f.officer, f.jo, "skills.csv", strings.NewReader(good))
		if err != nil || res.Created != 2 {
			t.Fatalf("import: %+v %v", res, err)
		}
		bad := "code,name_ar\nbaking,خبز\nBAD CODE!,اسم\nbaking,مكرر\nplumbing,\n"
		_, err = f.s.ImportSkills(f.officer, f.jo, "skills.csv", strings.NewReader(bad))
		e := errs.As(err)
		if e == nil || e.Key != "employment.import_refused" {
			t.Fatalf("bad file: %v", err)
		}
		want := map[[2]any]bool{{3, "code"}: true, {4, "code"}: true, {5, "name_ar"}: true}
		for _, fe := range e.Fields {
			delete(want, [2]any{fe.Row, fe.Field})
		}
		if len(want) != 0 {
			t.Fatalf("missing row/column errors %v in %+v", want, e.Fields)
		}
		ks, err := f.s.Skills(f.officer, f.jo)
		if err != nil || len(ks) != 2 {
			t.Fatalf("after a refused file the list changed: %+v %v", ks, err)
		}
		// Missing columns are named.
		_, err = f.s.ImportSkills(f.officer, f.jo, "skills.csv", strings.NewReader("name_en\nx\n"))
		wantKey(t, err, "employment.import_column_missing")
		// A case worker may not edit the list; EG's officer may not either.
		_, err = f.s.SaveSkill(f.worker, f.jo, Skill{Code: "x", NameAR: "س"})
		wantCode(t, err, errs.Forbidden)
		_, err = f.s.SaveSkill(f.egOfficer, f.jo, Skill{Code: "x", NameAR: "س"})
		wantCode(t, err, errs.NotFound)
	})
}

func TestSeekerFromTheRegistry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.skills(t)
		before := f.match.changes(f.jo)
		k, err := f.s.CreateSeeker(f.worker, f.jo, SeekerInput{PersonID: f.head.ID, Skills: []string{"cashier", "driving"}, Areas: []string{"AM01", "AM"}, Hours: "full", Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		if k.Education != "secondary" || !k.Disability || k.Name != "سالم أحمد العلي" {
			t.Fatalf("seeker from the person: %+v", k)
		}
		if !slices.Contains(k.Accommodations, "step_free") || !slices.Contains(k.Accommodations, "transport") {
			t.Fatalf("walking difficulty should suggest step-free access and transport: %v", k.Accommodations)
		}
		if k.ConsentAt == nil || k.ConsentBy == 0 {
			t.Fatalf("consent not recorded: %+v", k)
		}
		if f.match.changes(f.jo) != before+1 {
			t.Fatal("the matcher was not told")
		}
		// Twice: refused.
		_, err = f.s.CreateSeeker(f.worker, f.jo, SeekerInput{PersonID: f.head.ID})
		wantKey(t, err, "employment.seeker_exists")
		// A person of another member is not found.
		_, err = f.s.CreateSeeker(f.worker, f.jo, SeekerInput{PersonID: f.egPerson.ID})
		wantCode(t, err, errs.NotFound)
		// Unknown codes are named by field.
		_, err = f.s.CreateSeeker(f.worker, f.jo, SeekerInput{PersonID: f.daughter.ID, Skills: []string{"astronaut"}, Areas: []string{"ZZ"}, Hours: "night"})
		wantKey(t, err, "employment.code_unknown")
		wantKey(t, err, "employment.hours_invalid")
		// Priority: unemployed, with disability; the daughter is young.
		pr, err := f.s.Priority(f.officer, k)
		if err != nil || !slices.Contains(pr, PriorityUnemployed) || !slices.Contains(pr, PriorityDisability) || slices.Contains(pr, PriorityYouth) {
			t.Fatalf("priority of the head: %v %v", pr, err)
		}
		kd := f.seeker(t, f.daughter, false)
		if kd.ConsentAt != nil {
			t.Fatalf("no consent, yet recorded: %+v", kd)
		}
		pr, err = f.s.Priority(f.officer, kd)
		if err != nil || !slices.Contains(pr, PriorityYouth) {
			t.Fatalf("priority of the daughter: %v %v", pr, err)
		}
		// Withdrawing consent clears who and when.
		k2, err := f.s.UpdateSeeker(f.worker, k.ID, k.Version, SeekerInput{Skills: k.Skills, Areas: k.Areas, Hours: "part", Consent: false})
		if err != nil || k2.Consent || k2.ConsentAt != nil || k2.Hours != "part" {
			t.Fatalf("update: %+v %v", k2, err)
		}
		_, err = f.s.UpdateSeeker(f.worker, k.ID, k.Version, SeekerInput{Hours: "any"})
		wantCode(t, err, errs.Conflict)
		// Filters.
		list, err := f.s.Seekers(f.auditor, f.jo, SeekerFilter{Disability: true})
		if err != nil || len(list) != 1 || list[0].ID != k.ID {
			t.Fatalf("disability filter: %+v %v", list, err)
		}
		list, err = f.s.Seekers(f.auditor, f.jo, SeekerFilter{Query: "هدى"})
		if err != nil || len(list) != 1 || list[0].ID != kd.ID {
			t.Fatalf("name filter: %+v %v", list, err)
		}
		// EG's officer sees none of it.
		_, err = f.s.Seeker(f.egOfficer, k.ID)
		wantCode(t, err, errs.NotFound)
		_, err = f.s.Seekers(f.egOfficer, f.jo, SeekerFilter{})
		wantCode(t, err, errs.NotFound)
	})
}

func TestEmployersVerificationAndQuota(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.skills(t)
		m, err := f.s.CreateEmployer(f.officer, f.jo, EmployerInput{Name: "مخابز النور", Sector: "food", Headcount: 150, DisabledEmployees: 3, Inclusive: true})
		if err != nil || m.Status != Pending {
			t.Fatalf("direct employer: %+v %v", m, err)
		}
		v := f.vacancy(t, m.ID)
		today := "2027-03-01"
		if v.Accepting(today) {
			t.Fatal("a pending employer's vacancy is open")
		}
		n := 0
		if err := f.s.EachVacancy(f.officer, f.jo, func(_ develop.Vacancy) error { n++; return nil }); err != nil || n != 0 {
			t.Fatalf("EachVacancy lists a pending employer's vacancy: %d %v", n, err)
		}
		// Rejection needs a reason.
		_, err = f.s.VerifyEmployer(f.officer, m.ID, false, "")
		wantKey(t, err, "employment.reason_required")
		if m, err = f.s.VerifyEmployer(f.officer, m.ID, true, ""); err != nil || m.Status != Verified {
			t.Fatalf("verify: %+v %v", m, err)
		}
		_, err = f.s.VerifyEmployer(f.officer, m.ID, false, "late")
		wantKey(t, err, "employment.employer_decided")
		if v, _ = f.s.Vacancy(f.officer, v.ID); !v.Accepting(today) {
			t.Fatal("a verified employer's vacancy is not open")
		}
		// Quota: none configured, then 4% from 50.
		q, err := f.s.QuotaStatus(f.auditor, m.ID)
		if err != nil || q.Applies {
			t.Fatalf("no quota: %+v %v", q, err)
		}
		if _, err := f.s.SaveSettings(f.officer, Settings{MemberID: f.jo, QuotaBP: 400, QuotaFrom: 50, EscalateDays: 5}); err != nil {
			t.Fatal(err)
		}
		q, _ = f.s.QuotaStatus(f.auditor, m.ID)
		if !q.Applies || q.Required != 6 || q.Missing != 3 || q.Meets || q.ShareBP != 200 {
			t.Fatalf("4%% of 150: %+v", q)
		}
		if _, err := f.s.SaveSettings(f.officer, Settings{MemberID: f.jo, QuotaBP: 200, QuotaFrom: 50, EscalateDays: 5}); err != nil {
			t.Fatal(err)
		}
		if q, _ = f.s.QuotaStatus(f.auditor, m.ID); !q.Meets || q.Required != 3 {
			t.Fatalf("2%% of 150 with 3: %+v", q)
		}
		// Under the headcount the quota does not apply.
		small, err := f.s.CreateEmployer(f.officer, f.jo, EmployerInput{Name: "ورشة صغيرة", Headcount: 10})
		if err != nil {
			t.Fatal(err)
		}
		if q, _ = f.s.QuotaStatus(f.auditor, small.ID); q.Applies {
			t.Fatalf("10 employees under 50: %+v", q)
		}
		_, err = f.s.CreateEmployer(f.officer, f.jo, EmployerInput{Name: "س", Headcount: 5, DisabledEmployees: 6})
		wantKey(t, err, "employment.disabled_over_headcount")
		// A partner company: verified at once, with the partner's name; its
		// jobs pledge may be linked to a vacancy.
		p, err := f.partners.Save(f.partnerMgr, f.jo, partner.Partner{NameAR: "شركة الاتصالات", Sector: "telecom", RegNo: "T-1", Contacts: []partner.Contact{{Name: "ليلى", Phone: "0790000000"}}})
		if err != nil {
			t.Fatal(err)
		}
		pl, err := f.partners.AddPledge(f.partnerMgr, partner.Pledge{PartnerID: p.ID, Kind: partner.Jobs, Target: 5, Role: "فني"})
		if err != nil {
			t.Fatal(err)
		}
		pm, err := f.s.CreateEmployer(f.officer, f.jo, EmployerInput{PartnerID: p.ID})
		if err != nil || pm.Status != Verified || pm.Name != "شركة الاتصالات" {
			t.Fatalf("partner employer: %+v %v", pm, err)
		}
		ps, err := f.s.JobPledges(f.officer, f.jo)
		if err != nil || len(ps) != 1 {
			t.Fatalf("job pledges: %+v %v", ps, err)
		}
		if _, err := f.s.CreateVacancy(f.officer, f.jo, VacancyInput{EmployerID: pm.ID, PledgeID: pl.ID, Title: "فني", Hours: "full", Positions: 5}); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.CreateVacancy(f.officer, f.jo, VacancyInput{EmployerID: pm.ID, PledgeID: pl.ID + 99, Title: "فني", Hours: "full", Positions: 5})
		wantKey(t, err, "employment.pledge_unknown")
		// An EG partner may not be linked.
		_, err = f.s.CreateEmployer(f.egOfficer, f.eg, EmployerInput{PartnerID: p.ID})
		wantKey(t, err, "employment.partner_unknown")
		_, err = f.s.Employer(f.egOfficer, m.ID)
		wantCode(t, err, errs.NotFound)
	})
}

func TestVacancyImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.skills(t)
		m := f.employer(t, "مخابز النور")
		good := "employer,title,skills,education,hours,pay,pay_period,positions,accommodations,area,deadline\n" +
			"مخابز النور,خباز,sewing,secondary,full,300.500,month,2,step_free quiet_space,AM,2027-06-30\n" +
			idStr(m.ID) + ",سائق,driving,,part,25,day,1,,IR,\n"
		var calls int
		res, err := f.s.ImportVacancies(f.officer, f.jo, "v.csv", strings.NewReader(good), func(done, total int) { calls++ })
		if err != nil || res.Created != 2 || calls == 0 {
			t.Fatalf("import: %+v %v (progress %d)", res, err, calls)
		}
		vs, _ := f.s.Vacancies(f.officer, f.jo, VacancyFilter{})
		if len(vs) != 2 || vs[1].Pay != 300500 || vs[1].Currency != "JOD" || !slices.Equal(vs[1].Accommodations, []string{"step_free", "quiet_space"}) {
			t.Fatalf("imported: %+v", vs)
		}
		bad := "employer,title,skills,hours,pay,positions,deadline\n" +
			"مخابز النور,خباز,sewing,full,300,1,\n" +
			"شركة مجهولة,,astronaut,night,1.2345,0,31/12/2027\n"
		_, err = f.s.ImportVacancies(f.officer, f.jo, "v.csv", strings.NewReader(bad), nil)
		e := errs.As(err)
		if e == nil {
			t.Fatalf("bad file accepted")
		}
		got := map[string]int{}
		for _, fe := range e.Fields {
			got[fe.Field] = fe.Row
		}
		for _, c := range []string{"employer", "title", "skills", "hours", "pay", "positions", "deadline"} {
			if got[c] != 3 {
				t.Errorf("column %s: row %d, want 3 (%+v)", c, got[c], e.Fields)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM employment_vacancies`); n != 2 {
			t.Fatalf("a refused file wrote %d vacancies", n-2)
		}
	})
}

func TestPipelineToPlacement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.skills(t)
		m := f.employer(t, "مخابز النور")
		v := f.vacancy(t, m.ID)
		k := f.seeker(t, f.head, true)
		a, err := f.s.Apply(f.worker, k.ID, v.ID)
		if err != nil || a.Status != Applied {
			t.Fatalf("apply: %+v %v", a, err)
		}
		_, err = f.s.Apply(f.worker, k.ID, v.ID)
		wantKey(t, err, "employment.already_applied")
		// Out of order: an offer before the interview.
		_, err = f.s.MakeOffer(f.officer, a.ID, 360000, "2027-04-01")
		wantKey(t, err, "employment.application_moved")
		if a, err = f.s.ScheduleInterview(f.officer, a.ID, "2027-03-10T11:00", "مكتب التشغيل"); err != nil || a.Status != Interview || a.InterviewAt.Hour() != 8 {
			t.Fatalf("interview: %+v %v", a, err)
		}
		if a, err = f.s.MakeOffer(f.officer, a.ID, 360000, "2027-04-01"); err != nil || a.Status != Offer {
			t.Fatalf("offer: %+v %v", a, err)
		}
		// Not before the first day of work.
		_, err = f.s.Place(f.officer, a.ID, "")
		wantKey(t, err, "employment.start_future")
		f.clock.Set(time.Date(2027, 4, 1, 6, 0, 0, 0, time.UTC))
		// The registry refuses: nothing is half-written.
		f.changes.fail = true
		_, err = f.s.Place(f.officer, a.ID, "")
		if err == nil {
			t.Fatal("placed though the registry refused")
		}
		if a, _ = f.s.Application(f.officer, a.ID); a.Status != Offer || count(t, d, `SELECT COUNT(*) FROM employment_followups`) != 0 {
			t.Fatalf("after a refused change: %+v", a)
		}
		f.changes.fail = false
		if a, err = f.s.Place(f.officer, a.ID, ""); err != nil || a.Status != Placed || a.StartOn != "2027-04-01" || a.ChangeRequestID == 0 {
			t.Fatalf("place: %+v %v", a, err)
		}
		c := f.changes.calls[0]
		if c.personID != f.head.ID || c.values["employment_status"] != "employed" || c.values["monthly_income"] != "360.000" || c.values["placed_on"] != "2027-04-01" {
			t.Fatalf("registry change: %+v", c)
		}
		// Follow-ups at 3 and 6 months.
		fs, err := f.s.FollowUps(f.officer, f.jo, FollowUpFilter{ApplicationID: a.ID})
		if err != nil || len(fs) != 2 || fs[0].DueOn != "2027-07-01" || fs[1].DueOn != "2027-10-01" {
			t.Fatalf("follow-ups: %+v %v", fs, err)
		}
		if due, _ := f.s.FollowUps(f.officer, f.jo, FollowUpFilter{Due: true}); len(due) != 0 {
			t.Fatalf("due too early: %+v", due)
		}
		f.clock.Set(time.Date(2027, 7, 2, 8, 0, 0, 0, time.UTC))
		due, _ := f.s.FollowUps(f.officer, f.jo, FollowUpFilter{Due: true})
		if len(due) != 1 || !due[0].Overdue {
			t.Fatalf("due on 2 July: %+v", due)
		}
		// Not yet late by the working days: no escalation.
		if es, err := f.s.Sweep(f.officer); err != nil || len(es) != 0 {
			t.Fatalf("early sweep: %+v %v", es, err)
		}
		f.clock.Set(time.Date(2027, 7, 20, 8, 0, 0, 0, time.UTC))
		es, err := f.s.Sweep(f.officer)
		if err != nil || len(es) != 1 {
			t.Fatalf("sweep: %+v %v", es, err)
		}
		if es, _ = f.s.Sweep(f.officer); len(es) != 0 {
			t.Fatalf("escalated twice: %+v", es)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'employment.followup_escalate'`); n != 1 {
			t.Fatalf("%d escalation audits", n)
		}
		_, err = f.s.RecordFollowUp(f.worker, due[0].ID, Left, "")
		wantKey(t, err, "employment.note_required_left")
		if x, err := f.s.RecordFollowUp(f.worker, due[0].ID, StillEmployed, ""); err != nil || x.Outcome != StillEmployed {
			t.Fatalf("record: %+v %v", x, err)
		}
		_, err = f.s.RecordFollowUp(f.worker, due[0].ID, Left, "moved")
		wantKey(t, err, "employment.followup_recorded")
		_, err = f.s.RecordFollowUp(f.egOfficer, due[0].ID, StillEmployed, "")
		wantCode(t, err, errs.NotFound)
		// Rejecting needs a reason; a placed application is not rejected.
		_, err = f.s.CloseApplication(f.officer, a.ID, RejectedA, "late")
		wantKey(t, err, "employment.application_moved")
		// Statistics: one placement in April 2027 — a small cell.
		ps, err := f.s.PublicPlacements(context.Background(), f.jo)
		if err != nil || ps.Total != 1 || !ps.BySex.Total.Hidden() {
			t.Fatalf("public placements: %+v %v", ps, err)
		}
	})
}

func TestPlacementOfAnotherMembersPersonRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.skills(t)
		m := f.employer(t, "مخابز النور")
		v := f.vacancy(t, m.ID)
		k := f.seeker(t, f.head, true)
		a, _ := f.s.Apply(f.worker, k.ID, v.ID)
		a, _ = f.s.ScheduleInterview(f.officer, a.ID, "2027-03-10T11:00", "مكتب")
		a, _ = f.s.MakeOffer(f.officer, a.ID, 360000, "2027-04-01")
		f.clock.Set(time.Date(2027, 4, 2, 6, 0, 0, 0, time.UTC))
		// EG's officer cannot place it.
		_, err := f.s.Place(f.egOfficer, a.ID, "")
		wantCode(t, err, errs.NotFound)
		// The seeker row names a person of EG (as a tampered row would): refused.
		if err := d.Tx(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE employment_seekers SET person_id = ? WHERE id = ?`, f.egPerson.ID, k.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Place(f.officer, a.ID, "")
		wantKey(t, err, "employment.person_not_found")
		if len(f.changes.calls) != 0 {
			t.Fatal("a change was proposed for another member's person")
		}
	})
}

func TestMatchesThroughTheService(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.skills(t)
		m := f.employer(t, "مخابز النور")
		v := f.vacancy(t, m.ID)
		shared := f.seeker(t, f.head, true)
		private := f.seeker(t, f.daughter, false)
		ms, err := f.s.MatchesForVacancy(f.officer, v.ID, 10)
		if err != nil || len(ms) != 1 || ms[0].SeekerID != shared.ID || ms[0].SeekerName == "" || ms[0].Reasons[0].Key != "match.reason_skills" {
			t.Fatalf("matches for the vacancy: %+v %v", ms, err)
		}
		// The private seeker's matches: an officer sees them, an auditor not.
		if ms, err = f.s.MatchesForSeeker(f.officer, private.ID, 10); err != nil || len(ms) != 1 || ms[0].VacancyTitle != v.Title {
			t.Fatalf("officer, private seeker: %+v %v", ms, err)
		}
		_, err = f.s.MatchesForSeeker(f.auditor, private.ID, 10)
		wantCode(t, err, errs.NotFound)
		if ms, err = f.s.MatchesForSeeker(f.auditor, shared.ID, 10); err != nil || len(ms) != 1 {
			t.Fatalf("auditor, shared seeker: %+v %v", ms, err)
		}
		if _, err := f.s.Apply(f.worker, shared.ID, v.ID); err != nil {
			t.Fatal(err)
		}
		if ms, _ = f.s.MatchesForVacancy(f.officer, v.ID, 10); ms[0].Applied == 0 {
			t.Fatalf("the application is not marked: %+v", ms)
		}
		_, err = f.s.MatchesForVacancy(f.egOfficer, v.ID, 10)
		wantCode(t, err, errs.NotFound)
		// Without a matcher: unavailable.
		bare := New(d, Options{Registry: f.reg, Clock: f.clock.Clock()})
		_, err = bare.MatchesForVacancy(f.officer, v.ID, 10)
		wantKey(t, err, "employment.matching_unavailable")
	})
}

// TestPlacementThroughTheRegistry: with the registry itself as the
// RegistryChanges, a placement waits for a registrar; once approved, the
// person is employed with the income and the day placed.
func TestPlacementThroughTheRegistry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.s = New(d, Options{Registry: f.reg, Partners: f.partners, Matcher: f.match, Changes: f.reg, Clock: f.clock.Clock()})
		f.skills(t)
		m := f.employer(t, "مخابز النور")
		v, err := f.s.CreateVacancy(f.officer, f.jo, VacancyInput{EmployerID: m.ID, Title: "سائق", Hours: "full", Pay: 1500, PayPeriod: "day", Positions: 1})
		if err != nil {
			t.Fatal(err)
		}
		k := f.seeker(t, f.head, true)
		a, _ := f.s.Apply(f.worker, k.ID, v.ID)
		a, _ = f.s.ScheduleInterview(f.officer, a.ID, "2027-03-10T11:00", "مكتب")
		a, _ = f.s.MakeOffer(f.officer, a.ID, 1500, "2027-04-01")
		f.clock.Set(time.Date(2027, 4, 2, 6, 0, 0, 0, time.UTC))
		a, err = f.s.Place(f.officer, a.ID, "")
		if err != nil || a.ChangeRequestID == 0 {
			t.Fatalf("place: %+v %v", a, err)
		}
		p, _ := f.reg.Person(f.sys, f.head.ID)
		if p.EmploymentStatus != "unemployed" {
			t.Fatalf("the registry changed before a registrar decided: %s", p.EmploymentStatus)
		}
		registrar := as(t, d, f.jo, "jo.registrar", "registrar")
		if _, err := f.reg.DecideChange(registrar, a.ChangeRequestID, true, ""); err != nil {
			t.Fatal(err)
		}
		p, _ = f.reg.Person(f.sys, f.head.ID)
		if p.EmploymentStatus != "employed" || p.MonthlyIncome == nil || *p.MonthlyIncome != 1500*22 || p.PlacedOn != "2027-04-01" {
			t.Fatalf("after approval: %s %v %s", p.EmploymentStatus, p.MonthlyIncome, p.PlacedOn)
		}
	})
}
