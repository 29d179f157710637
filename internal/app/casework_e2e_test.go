package app_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/casework/field"
	"github.com/tadamun/tadamun/internal/casework/quality"
	"github.com/tadamun/tadamun/internal/casework/referral"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestCaseworkEndToEnd walks one case through the five care packages as
// app.New wires them, on the demo data: JO's worker opens a case with the
// household's consent, assesses it (the risk sets the next visit), saves
// a plan and sends a referral, finds the referral's follow-up in the
// inbox, syncs a home visit and the follow-up's outcome from the field
// (twice, stored once), sees the case on the phone's caseload with its
// open referral and the form, and the quality figures count the case and
// the referral.
func TestCaseworkEndToEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, d, nil); err != nil {
			t.Fatal(err)
		}
		s := app.New(d, app.Options{CaseKeyFile: filepath.Join(t.TempDir(), "case.key")})
		sys := actor.System(ctx)
		as := func(username string) context.Context {
			u, err := s.Auth.UserByUsername(sys, username)
			if err != nil {
				t.Fatal(err)
			}
			return actor.With(ctx, u.Actor())
		}
		worker, manager := as("jo.caseworker"), as("jo.caremanager")
		jo, err := s.Members.Get(sys, "JO")
		if err != nil {
			t.Fatal(err)
		}
		now := s.Clock()
		figures := func() *quality.Figures {
			t.Helper()
			f, err := s.Quality.Figures(manager, quality.Query{MemberID: jo.ID, From: now.AddDate(0, 0, -1), To: now.AddDate(0, 0, 1)})
			if err != nil {
				t.Fatalf("quality figures: %v", err)
			}
			return f
		}
		before := figures()

		// 1. The case, with the household's consent.
		h, err := s.Registry.HouseholdByRef(sys, jo.ID, "JO-H0100")
		if err != nil {
			t.Fatal(err)
		}
		ps, err := s.Registry.Persons(sys, h.ID)
		if err != nil || len(ps) == 0 {
			t.Fatalf("persons of %s: %v", h.Ref, err)
		}
		opened, err := s.Cases.Open(worker, casework.OpenInput{MemberID: jo.ID, TypeCode: "family_conflict", HouseholdID: h.ID, PersonID: ps[0].ID,
			Consent: casework.Consent{Kind: casework.ConsentGiven, By: ps[0].FirstName + " " + ps[0].FamilyName, Scope: []string{"case_management", "referrals"}, At: now.Add(-time.Hour)}})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		c := opened.Case

		// 2. The assessment: started, submitted; the case takes its risk
		// and its next visit by the level.
		a, form, err := s.Assessments.Start(worker, c.ID)
		if err != nil {
			t.Fatalf("start assessment: %v", err)
		}
		answers := map[string]string{"household_size": "5", "conflict_type": "custody", "violence": "yes", "children_affected": "yes", "tension": "7", "separation_risk": "yes"}
		in := care.AssessmentInput{ClientID: "e2e-assessment-1", CaseID: c.ID, FormID: form.ID, FormVersion: form.Version, Answers: answers}
		aid, dup, err := s.Assessments.SubmitAssessment(worker, in)
		if err != nil || dup || aid != a.ID {
			t.Fatalf("submit: id %d (started %d), dup %v, %v", aid, a.ID, dup, err)
		}
		if again, dup, err := s.Assessments.SubmitAssessment(worker, in); err != nil || !dup || again != aid {
			t.Fatalf("submit again: id %d, dup %v, %v; want %d, true", again, dup, err, aid)
		}
		got, err := s.Cases.Get(worker, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// 40 (violence) + 7×4 (tension) + 20 (separation) + 10 (children) = 98.
		if got.RiskScore != 98 || got.RiskLevel == "" {
			t.Fatalf("case risk after the assessment: score %d level %q, want 98 and a level", got.RiskScore, got.RiskLevel)
		}
		days := casework.DefaultVisitDays[got.RiskLevel]
		if got.NextVisitDue == nil || got.NextVisitDue.Sub(now) < time.Duration(days)*24*time.Hour-time.Hour || got.NextVisitDue.Sub(now) > time.Duration(days)*24*time.Hour+time.Hour {
			t.Fatalf("next visit of a %s case: %v, want %d days from %v", got.RiskLevel, got.NextVisitDue, days, now)
		}

		// 3. The plan and a referral to a health centre.
		if _, err := s.Referrals.SavePlan(worker, c.ID, referral.PlanInput{Goals: []referral.Goal{{Text: "تخفيف التوتر في الأسرة"}},
			Actions: []referral.Action{{Text: "جلسة إرشاد أسري", Due: now.AddDate(0, 0, 20).Format("2006-01-02")}}}); err != nil {
			t.Fatalf("save plan: %v", err)
		}
		var provider int64
		provs, err := s.Referrals.Providers(worker, jo.ID, referral.ProviderFilter{Service: "health"})
		if err != nil || len(provs) == 0 {
			t.Fatalf("health providers: %d, %v", len(provs), err)
		}
		provider = provs[0].ID
		ref, err := s.Referrals.Send(worker, referral.SendInput{CaseID: c.ID, Service: "health", Target: referral.External, ProviderID: provider,
			ConfirmArea: true, FollowUpDue: now.AddDate(0, 0, 2).Format("2006-01-02")})
		if err != nil {
			t.Fatalf("send referral: %v", err)
		}

		// 4. The worker's inbox lists the referral's follow-up.
		inbox, err := s.Cases.InboxOf(worker, jo.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range inbox.Due {
			if it.CaseID == c.ID && it.Kind == "referral" && it.RefID == ref.ID {
				found = true
			}
		}
		if !found {
			t.Fatalf("the inbox lists no follow-up of referral %d: %+v", ref.ID, inbox.Due)
		}

		// 5. The field: the phone's caseload, then a visit note and the
		// follow-up's outcome, sent twice, each stored once.
		load := func() field.Case {
			t.Helper()
			cs, err := s.Field.Cases(worker)
			if err != nil {
				t.Fatalf("field caseload: %v", err)
			}
			for _, fc := range cs {
				if fc.ID == c.ID {
					return fc
				}
			}
			t.Fatalf("the field caseload does not list case %d", c.ID)
			return field.Case{}
		}
		fc := load()
		if len(fc.Referrals) != 1 || fc.Referrals[0].ID != ref.ID || fc.Referrals[0].Version != ref.Version {
			t.Fatalf("the phone's referrals of the case: %+v, want referral %d version %d", fc.Referrals, ref.ID, ref.Version)
		}
		visitAt := now.Add(-2 * time.Hour)
		items := []field.Item{
			{ClientID: "e2e-visit-0001", Kind: field.KindVisit, CaseID: c.ID, BaseVersion: fc.Version, At: &visitAt, Text: "زيارة منزلية: الأم والأطفال بخير."},
			// A follow-up's base version is the referral's (as the field app sends it).
			{ClientID: "e2e-followup-0001", Kind: field.KindFollowUp, CaseID: c.ID, BaseVersion: fc.Referrals[0].Version, ReferralID: ref.ID, Outcome: referral.FollowInProgress, Text: "بدأ العلاج"},
		}
		first, err := s.Field.Sync(worker, items)
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		for i, r := range first {
			if r.Status != field.StatusStored || r.ID == 0 {
				t.Fatalf("sync item %d: %+v (%v)", i+1, r, r.Reason)
			}
		}
		second, err := s.Field.Sync(worker, items)
		if err != nil {
			t.Fatalf("sync again: %v", err)
		}
		for i := range second {
			if second[i].Status != field.StatusStored || second[i].ID != first[i].ID {
				t.Fatalf("sync again item %d: %+v, want stored as %d", i+1, second[i], first[i].ID)
			}
		}
		notes, err := s.Cases.Notes(worker, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		visits := 0
		for _, n := range notes {
			if n.Kind == casework.KindVisit && n.ClientID == "e2e-visit-0001" {
				visits++
			}
		}
		if visits != 1 {
			t.Fatalf("visit notes stored: %d, want 1", visits)
		}
		ups, err := s.Referrals.FollowUps(worker, ref.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ups) != 1 || ups[0].Outcome != referral.FollowInProgress {
			t.Fatalf("follow-ups of the referral: %+v, want one in progress", ups)
		}

		// 6. The caseload after the sync: the referral still open, with
		// its version now, and the form the case would be assessed with.
		fc = load()
		r, _, err := s.Referrals.Referral(worker, ref.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(fc.Referrals) != 1 || fc.Referrals[0].ID != ref.ID || fc.Referrals[0].Version != r.Version {
			t.Fatalf("the phone's referrals after the sync: %+v, want referral %d version %d", fc.Referrals, ref.ID, r.Version)
		}
		cur, err := s.Assessments.Current(sys, jo.ID, "family_conflict")
		if err != nil {
			t.Fatal(err)
		}
		if fc.Form == nil || fc.Form.ID != cur.ID || fc.Form.Version != cur.Version || len(fc.Form.Questions) == 0 {
			t.Fatalf("the phone's form: %+v, want form %d version %d with its questions", fc.Form, cur.ID, cur.Version)
		}
		if fc.Risk != got.RiskLevel {
			t.Errorf("the phone's risk: %q, want %q", fc.Risk, got.RiskLevel)
		}

		// 7. Quality counts the case and the referral.
		after := figures()
		if after.Opened != before.Opened+1 {
			t.Errorf("quality: opened %d, want %d", after.Opened, before.Opened+1)
		}
		if after.Referrals.Sent != before.Referrals.Sent+1 {
			t.Errorf("quality: referrals sent %d, want %d", after.Referrals.Sent, before.Referrals.Sent+1)
		}
	})
}
