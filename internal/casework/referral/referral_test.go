package referral

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

func ids(ps []Provider) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.NameAR)
	}
	return out
}

func TestDirectorySearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.provider(t, "مركز عمان الصحي", []string{"AM"}, "health", "psychosocial")
		f.provider(t, "جمعية إربد", []string{"IR"}, "health")
		f.provider(t, "خط المساعدة القانونية", nil, "legal_aid")
		tests := []struct {
			name string
			f    ProviderFilter
			want []string
		}{
			{"a parent area covers its locality", ProviderFilter{Area: "AM0101", Service: "health"}, []string{"مركز عمان الصحي"}},
			{"another governorate", ProviderFilter{Area: "IR"}, []string{"جمعية إربد", "خط المساعدة القانونية"}},
			{"a nationwide provider covers every area", ProviderFilter{Area: "AM01", Service: "legal_aid"}, []string{"خط المساعدة القانونية"}},
			{"by service only", ProviderFilter{Service: "health"}, []string{"جمعية إربد", "مركز عمان الصحي"}},
			{"by name", ProviderFilter{Query: "إربد"}, []string{"جمعية إربد"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := f.s.Providers(f.worker, f.jo, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids(got), tt.want) {
					t.Errorf("got %v, want %v", ids(got), tt.want)
				}
			})
		}
		t.Run("another member's directory is not found", func(t *testing.T) {
			_, err := f.s.Providers(f.egWorker, f.jo, ProviderFilter{})
			wantCode(t, err, errs.NotFound)
		})
		t.Run("a worker may not edit the directory", func(t *testing.T) {
			_, err := f.s.SaveProvider(f.worker, f.jo, Provider{NameAR: "x", Kind: NGO, Services: []string{"health"}})
			wantCode(t, err, errs.Forbidden)
		})
		t.Run("an unknown area, kind or service is refused, nothing saved", func(t *testing.T) {
			before := count(t, d, `SELECT COUNT(*) FROM referral_providers`)
			_, err := f.s.SaveProvider(f.mgr, f.jo, Provider{NameAR: "x", Kind: "church", Areas: []string{"C"}, Services: []string{"health", "magic"}})
			e := errs.As(err)
			if e.Code != errs.Invalid || len(e.Fields) != 3 {
				t.Fatalf("got %v with fields %v, want invalid kind, area and service", err, e.Fields)
			}
			if after := count(t, d, `SELECT COUNT(*) FROM referral_providers`); after != before {
				t.Errorf("got %d providers, want %d", after, before)
			}
		})
		t.Run("a stale version is a conflict", func(t *testing.T) {
			p := f.provider(t, "مركز", nil, "housing")
			p.Hours = "8-14"
			if _, err := f.s.SaveProvider(f.mgr, f.jo, p); err != nil {
				t.Fatal(err)
			}
			p.Hours = "9-15"
			_, err := f.s.SaveProvider(f.mgr, f.jo, p)
			wantCode(t, err, errs.Conflict)
		})
	})
}

func (f *fixture) send(t testing.TB, in SendInput) Referral {
	t.Helper()
	if in.CaseID == 0 {
		in.CaseID = f.caseID
	}
	if in.Service == "" {
		in.Service = "health"
	}
	if in.FollowUpDue == "" {
		in.FollowUpDue = "2027-01-07"
	}
	r, err := f.s.Send(f.worker, in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReferralToProviderNotCoveringTheAreaIsWarned(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		irbid := f.provider(t, "جمعية إربد", []string{"IR"}, "health")
		in := SendInput{CaseID: f.caseID, Service: "health", Target: External, ProviderID: irbid.ID, FollowUpDue: "2027-01-07"}
		audits := count(t, d, `SELECT COUNT(*) FROM audit_records`)
		_, err := f.s.Send(f.worker, in)
		e := errs.As(err)
		if e.Code != errs.Conflict || e.Key != ErrAreaNotCovered || len(e.Fields) != 1 || e.Fields[0].Field != "confirm_area" {
			t.Fatalf("got %v (%+v), want the area warning on confirm_area", err, e)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM referral_referrals`); n != 0 {
			t.Errorf("got %d referrals saved before confirmation, want 0", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records`); n != audits {
			t.Errorf("audit grew from %d to %d before confirmation", audits, n)
		}
		in.ConfirmArea = true
		r, err := f.s.Send(f.worker, in)
		if err != nil {
			t.Fatal(err)
		}
		if !r.AreaConfirmed || r.Status != Sent || r.ProviderName != "جمعية إربد" {
			t.Errorf("got %+v, want a sent referral with the area confirmed", r)
		}
		amman := f.provider(t, "مركز عمان", []string{"AM"}, "health")
		in.ProviderID, in.ConfirmArea = amman.ID, false
		if r, err := f.s.Send(f.worker, in); err != nil || r.AreaConfirmed {
			t.Errorf("a provider covering the parent area: got %+v, %v, want sent without a warning", r, err)
		}
	})
}

func TestSendRefusesBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.provider(t, "مركز", nil, "health")
		tests := []struct {
			name  string
			in    SendInput
			field string
		}{
			{"no follow-up date", SendInput{Service: "health", Target: External, ProviderID: p.ID}, "follow_up_due"},
			{"a follow-up date in the past", SendInput{Service: "health", Target: External, ProviderID: p.ID, FollowUpDue: "2027-01-04"}, "follow_up_due"},
			{"an unknown service", SendInput{Service: "magic", Target: External, ProviderID: p.ID, FollowUpDue: "2027-01-07"}, "service"},
			{"a provider without the service", SendInput{Service: "housing", Target: External, ProviderID: p.ID, FollowUpDue: "2027-01-07"}, "provider_id"},
			{"an internal referral to nobody", SendInput{Service: "health", Target: Internal, FollowUpDue: "2027-01-07"}, "to_user_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.in.CaseID = f.caseID
				_, err := f.s.Send(f.worker, tt.in)
				e := errs.As(err)
				if e.Code != errs.Invalid || len(e.Fields) == 0 || e.Fields[0].Field != tt.field {
					t.Errorf("got %v (%+v), want invalid %s", err, e.Fields, tt.field)
				}
			})
		}
		t.Run("an internal referral to a user of another member", func(t *testing.T) {
			_, egUser := as(t, d, f.eg, "eg.other", actor.CaseWorker)
			_, err := f.s.Send(f.worker, SendInput{CaseID: f.caseID, Service: "health", Target: Internal, ToUserID: egUser, FollowUpDue: "2027-01-07"})
			wantCode(t, err, errs.Invalid)
		})
		t.Run("another member's case is not found", func(t *testing.T) {
			_, err := f.s.Send(f.worker, SendInput{CaseID: f.egCase, Service: "health", Target: Internal, ToUserID: f.worker2ID, FollowUpDue: "2027-01-07"})
			wantCode(t, err, errs.NotFound)
		})
		if n := count(t, d, `SELECT COUNT(*) FROM referral_referrals`); n != 0 {
			t.Errorf("got %d referrals, want none", n)
		}
		t.Run("an internal referral to a colleague", func(t *testing.T) {
			r := f.send(t, SendInput{Target: Internal, ToUserID: f.worker2ID, ToOfficeID: 3})
			if r.ToUserID != f.worker2ID || r.ToOfficeID != 3 || r.OwnerID != f.workerID || r.SupervisorID != f.supID {
				t.Errorf("got %+v", r)
			}
		})
	})
}

func TestClosingNeedsAnOutcome(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := f.send(t, SendInput{Target: Internal, ToUserID: f.worker2ID})
		if _, err := f.s.Move(f.worker, r.ID, Change{To: Delivered, BaseVersion: r.Version}); err == nil {
			t.Fatal("sent → service delivered: got nil, want refused")
		}
		r, err := f.s.Move(f.worker, r.ID, Change{To: Accepted, BaseVersion: r.Version, Note: "appointment on Sunday"})
		if err != nil {
			t.Fatal(err)
		}
		if r, err = f.s.Move(f.worker, r.ID, Change{To: Delivered, BaseVersion: r.Version}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []Change{{To: Closed}, {To: Closed, Outcome: "other"}, {To: Closed, Outcome: "sunny"}} {
			c.BaseVersion = r.Version
			_, err := f.s.Move(f.worker, r.ID, c)
			e := errs.As(err)
			if e.Code != errs.Invalid || len(e.Fields) != 1 || (e.Fields[0].Field != "outcome" && e.Fields[0].Field != "outcome_note") {
				t.Errorf("close with %+v: got %v, want refused for want of an outcome", c, err)
			}
		}
		got, evs, err := f.s.Referral(f.worker, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != Delivered || got.Version != r.Version || len(evs) != 3 {
			t.Fatalf("after refused closings: got %s v%d with %d events, want service_delivered v%d with 3", got.Status, got.Version, len(evs), r.Version)
		}
		if r, err = f.s.Move(f.worker, r.ID, Change{To: Closed, BaseVersion: r.Version, Outcome: "service_received", OutcomeNote: "seen by a doctor"}); err != nil {
			t.Fatal(err)
		}
		if r.Status != Closed || !r.FollowUpDue.IsZero() || r.Outcome != "service_received" {
			t.Errorf("got %+v, want closed with its outcome and no follow-up", r)
		}
		_, evs, _ = f.s.Referral(f.worker, r.ID)
		if last := evs[len(evs)-1]; last.To != Closed || last.Outcome != "service_received" || last.ActorID != f.workerID {
			t.Errorf("last event %+v, want the closing by the worker", last)
		}
		if _, err := f.s.Move(f.worker, r.ID, Change{To: Accepted}); err == nil {
			t.Error("a closed referral moved")
		}
		t.Run("a stale version is a conflict", func(t *testing.T) {
			r := f.send(t, SendInput{Target: Internal, ToUserID: f.worker2ID})
			_, err := f.s.Move(f.worker, r.ID, Change{To: Accepted, BaseVersion: r.Version + 1})
			wantCode(t, err, errs.Conflict)
		})
	})
}

func TestTwoWorkersEditTheSamePlan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p0, err := f.s.Plan(f.worker, f.caseID)
		if err != nil || p0.Version != 0 {
			t.Fatalf("empty plan: got %+v, %v", p0, err)
		}
		first := PlanInput{BaseVersion: p0.Version, Goals: []Goal{{Text: "الأطفال يعودون إلى المدرسة"}},
			Actions: []Action{{Text: "زيارة المدرسة", OwnerID: f.workerID, Due: "2027-01-10"}}}
		p1, err := f.s.SavePlan(f.worker, f.caseID, first)
		if err != nil {
			t.Fatal(err)
		}
		if p1.Version != 1 || len(p1.Goals) != 1 || p1.Actions[0].Due != "2027-01-10" || p1.Goals[0].Status != "open" {
			t.Fatalf("got %+v", p1)
		}
		second := PlanInput{BaseVersion: p0.Version, Goals: []Goal{{Text: "سكن آمن"}}}
		_, err = f.s.SavePlan(f.worker2, f.caseID, second)
		c, ok := ConflictOf(err)
		if !ok || !errs.Is(err, errs.Conflict) {
			t.Fatalf("second save: got %v, want a plan conflict", err)
		}
		if c.By != "jo.worker" || c.Current.Version != 1 || c.Current.Goals[0].Text != "الأطفال يعودون إلى المدرسة" {
			t.Errorf("conflict: got %+v, want the first worker's plan", c)
		}
		if e := errs.As(err); e.Key != "referral.plan_changed_by" || e.Args["name"] != "jo.worker" {
			t.Errorf("got message %s %v, want changed by jo.worker", e.Key, e.Args)
		}
		p, _ := f.s.Plan(f.worker2, f.caseID)
		if p.Version != 1 || p.Goals[0].Text != first.Goals[0].Text {
			t.Errorf("after the conflict: got %+v, want the first save untouched", p)
		}
		second.BaseVersion = p.Version
		second.Goals = append(p.Goals, second.Goals...)
		if p, err = f.s.SavePlan(f.worker2, f.caseID, second); err != nil || p.Version != 2 || len(p.Goals) != 2 {
			t.Errorf("merged save: got %+v, %v", p, err)
		}
		t.Run("an action owner of another member is refused", func(t *testing.T) {
			_, egUser := as(t, d, f.eg, "eg.x", actor.CaseWorker)
			_, err := f.s.SavePlan(f.worker, f.caseID, PlanInput{BaseVersion: 2, Actions: []Action{{Text: "x", OwnerID: egUser}}})
			wantCode(t, err, errs.Invalid)
		})
	})
}

func TestFollowUpSentTwiceIsStoredOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := f.send(t, SendInput{Target: Internal, ToUserID: f.worker2ID})
		in := care.FollowUpInput{ClientID: "9b2f6c1e-0000-4000-8000-000000000001", CaseID: f.caseID, BaseVersion: r.Version, ReferralID: r.ID, Outcome: FollowWaiting, Note: "no appointment yet"}
		id1, dup, err := f.s.RecordFollowUp(f.worker, in)
		if err != nil || dup {
			t.Fatalf("first: got %d %v %v", id1, dup, err)
		}
		id2, dup, err := f.s.RecordFollowUp(f.worker, in)
		if err != nil || !dup || id2 != id1 {
			t.Fatalf("second: got %d %v %v, want %d, dup", id2, dup, err, id1)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM referral_followups`); n != 1 {
			t.Errorf("got %d follow-ups stored, want 1", n)
		}
		got, _, _ := f.s.Referral(f.worker, r.ID)
		// Followed up on Tuesday 5 January; a high-risk case is followed
		// up every five working days: Tuesday 12 January (Friday and
		// Saturday off).
		if want := time.Date(2027, 1, 12, 0, 0, 0, 0, amman(t)); !got.FollowUpDue.Equal(want) {
			t.Errorf("next follow-up: got %s, want %s", got.FollowUpDue.In(amman(t)), want)
		}
		t.Run("a stale version is a conflict, nothing written", func(t *testing.T) {
			in := in
			in.ClientID, in.BaseVersion = "9b2f6c1e-0000-4000-8000-000000000002", r.Version
			_, _, err := f.s.RecordFollowUp(f.worker, in)
			wantCode(t, err, errs.Conflict)
			if n := count(t, d, `SELECT COUNT(*) FROM referral_followups`); n != 1 {
				t.Errorf("got %d follow-ups, want 1", n)
			}
		})
		t.Run("no outcome is refused", func(t *testing.T) {
			_, _, err := f.s.RecordFollowUp(f.worker, care.FollowUpInput{ClientID: "x3", ReferralID: r.ID})
			wantCode(t, err, errs.Invalid)
		})
		t.Run("completed before delivery is refused", func(t *testing.T) {
			_, _, err := f.s.RecordFollowUp(f.worker, care.FollowUpInput{ClientID: "x4", ReferralID: r.ID, Outcome: FollowCompleted})
			wantCode(t, err, errs.Invalid)
		})
		t.Run("completed after delivery closes the referral", func(t *testing.T) {
			r, _, _ := f.s.Referral(f.worker, r.ID)
			r, _ = f.s.Move(f.worker, r.ID, Change{To: Accepted, BaseVersion: r.Version})
			r, _ = f.s.Move(f.worker, r.ID, Change{To: Delivered, BaseVersion: r.Version})
			if _, _, err := f.s.RecordFollowUp(f.worker, care.FollowUpInput{ClientID: "x5", ReferralID: r.ID, BaseVersion: r.Version, Outcome: FollowCompleted}); err != nil {
				t.Fatal(err)
			}
			r, _, _ = f.s.Referral(f.worker, r.ID)
			if r.Status != Closed || r.Outcome != "service_received" || !r.FollowUpDue.IsZero() {
				t.Errorf("got %+v, want closed", r)
			}
		})
		t.Run("another member's worker cannot record or learn of it", func(t *testing.T) {
			_, _, err := f.s.RecordFollowUp(f.egWorker, in)
			wantCode(t, err, errs.NotFound)
		})
	})
}

func amman(tb testing.TB) *time.Location {
	l, err := time.LoadLocation("Asia/Amman")
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func TestOverdueFollowUpsEscalateAfterWorkingDays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		loc := amman(t)
		r := f.send(t, SendInput{Target: Internal, ToUserID: f.worker2ID, FollowUpDue: "2027-01-07"}) // a Thursday
		far := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
		due := func() care.DueItem {
			t.Helper()
			items, err := f.s.Due(f.worker, f.jo, []int64{f.caseID, 999}, far)
			if err != nil || len(items) != 1 {
				t.Fatalf("due: got %+v, %v", items, err)
			}
			return items[0]
		}
		if it := due(); it.Overdue || it.Escalated || it.Kind != "referral" || it.Title != "Follow up the referral: Health care" {
			t.Errorf("before the date: got %+v", it)
		}
		// Friday 8 January: overdue, not escalated.
		f.clock.Set(time.Date(2027, 1, 8, 10, 0, 0, 0, loc))
		if it := due(); !it.Overdue || it.Escalated {
			t.Errorf("Friday: got %+v, want overdue only", it)
		}
		sweep := func() []Escalation {
			t.Helper()
			es, err := f.s.Sweep(actor.System(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			return es
		}
		// Two working days late is Tuesday 12 January at midnight: the
		// weekend does not count.
		f.clock.Set(time.Date(2027, 1, 11, 23, 0, 0, 0, loc))
		if es := sweep(); len(es) != 0 {
			t.Errorf("Monday: got %+v, want no escalation", es)
		}
		f.clock.Set(time.Date(2027, 1, 12, 0, 30, 0, 0, loc))
		es := sweep()
		if len(es) != 1 || es[0].ReferralID != r.ID || es[0].EscalatedTo != f.supID {
			t.Fatalf("Tuesday: got %+v, want the referral escalated to the supervisor", es)
		}
		if es := sweep(); len(es) != 0 {
			t.Errorf("second sweep: got %+v, want nothing", es)
		}
		if it := due(); !it.Escalated {
			t.Errorf("got %+v, want escalated", it)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'referral.escalate'`); n != 1 {
			t.Errorf("got %d escalations audited, want 1", n)
		}
		list, err := f.s.OpenFollowUps(f.sup, FollowUpFilter{Team: true})
		if err != nil || len(list.Items) != 1 || list.Escalated != 1 || list.Overdue != 1 {
			t.Errorf("supervisor's list: got %+v, %v", list, err)
		}
		mine, err := f.s.OpenFollowUps(f.worker2, FollowUpFilter{})
		if err != nil || len(mine.Items) != 0 {
			t.Errorf("another worker's list: got %+v, %v, want empty", mine, err)
		}
		if _, err := f.s.OpenFollowUps(f.worker, FollowUpFilter{Team: true}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a worker asking for the team: got %v, want forbidden", err)
		}
		// A follow-up recorded moves the date and ends the escalation.
		r, _, _ = f.s.Referral(f.worker, r.ID)
		if _, _, err := f.s.RecordFollowUp(f.worker, care.FollowUpInput{ClientID: "c1", ReferralID: r.ID, BaseVersion: r.Version, Outcome: FollowInProgress}); err != nil {
			t.Fatal(err)
		}
		if it := due(); it.Overdue || it.Escalated {
			t.Errorf("after the follow-up: got %+v, want neither overdue nor escalated", it)
		}
		var facts []care.ReferralFact
		err = f.s.ReferralFacts(f.sup, f.jo, start.AddDate(0, -1, 0), start.AddDate(0, 1, 0), func(rf care.ReferralFact) error { facts = append(facts, rf); return nil })
		if err != nil || len(facts) != 1 || facts[0].External || facts[0].Service != "health" || facts[0].OfficeID != 7 {
			t.Errorf("facts: got %+v, %v", facts, err)
		}
	})
}

func TestPlanActionsAreDue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		_, err := f.s.SavePlan(f.worker, f.caseID, PlanInput{Actions: []Action{{Text: "زيارة المدرسة", Due: "2027-01-06"}, {Text: "تم", Due: "2027-01-06", Done: true}}})
		if err != nil {
			t.Fatal(err)
		}
		items, err := f.s.Due(f.worker, f.jo, []int64{f.caseID}, start.AddDate(0, 0, 3))
		if err != nil || len(items) != 1 || items[0].Kind != "action" || items[0].Link != "/casework/cases/101/plan" {
			t.Errorf("got %+v, %v, want the one open action", items, err)
		}
		if _, err := f.s.Due(f.egWorker, f.jo, []int64{f.caseID}, start); !errs.Is(err, errs.NotFound) {
			t.Errorf("another member: got %v, want not found", err)
		}
	})
}

func TestWithoutCasesEveryCaseCallIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		s := New(d, Options{Clock: f.clock.Clock()})
		_, err := s.Send(f.worker, SendInput{CaseID: f.caseID, Service: "health", Target: Internal, ToUserID: f.worker2ID, FollowUpDue: "2027-01-07"})
		if e := errs.As(err); e.Key != "referral.cases_unavailable" {
			t.Errorf("send: got %v, want cases unavailable", err)
		}
		if _, err := s.Plan(f.worker, f.caseID); err == nil {
			t.Error("plan: got nil error")
		}
		if _, _, err := s.RecordFollowUp(f.worker, care.FollowUpInput{ClientID: "x", ReferralID: 1, Outcome: FollowWaiting}); err == nil {
			t.Error("follow-up: got nil error")
		}
		if _, err := s.Providers(f.worker, f.jo, ProviderFilter{}); err != nil {
			t.Errorf("the directory needs no cases: %v", err)
		}
	})
}

// TestMoveLoserWritesNothing accepts one referral twice at once: one wins,
// the other is told it changed meanwhile and writes no history or audit.
func TestMoveLoserWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := f.send(t, SendInput{Target: Internal, ToUserID: f.worker2ID})
		results := make(chan error, 2)
		accept := func() {
			_, err := f.s.Move(f.worker, r.ID, Change{To: Accepted})
			results <- err
		}
		if d.Dialect == db.Postgres {
			dbtest.HoldUntilWaiting(t, d, 2, `UPDATE referral_referrals SET updated_at = updated_at WHERE id = ?`, []any{r.ID},
				func() { go accept(); go accept() }, func() bool { return len(results) > 0 })
		} else {
			go accept()
			go accept()
		}
		var won, lost int
		for range 2 {
			switch err := <-results; {
			case err == nil:
				won++
			case errs.Is(err, errs.Conflict) || errs.Is(err, errs.Invalid):
				lost++
			default:
				t.Errorf("got %v", err)
			}
		}
		if won != 1 || lost != 1 {
			t.Errorf("got %d won, %d lost, want 1 and 1", won, lost)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM referral_events WHERE referral_id = ? AND to_status = ?`, r.ID, Accepted); n != 1 {
			t.Errorf("got %d acceptance events, want 1", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = ?`, "referral.status.accepted"); n != 1 {
			t.Errorf("got %d audit records, want 1", n)
		}
	})
}

// TestSweepStopsOnClose starts the background sweep and stops it.
func TestSweepStopsOnClose(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	f := newFixture(t, d)
	f.s.Start(time.Hour)
	f.s.Start(time.Hour) // twice does nothing
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f.s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

var _ = errors.New

// TestPlanSaveLoserWritesNothing saves one plan twice at once from the same
// version: one save wins, the other is told who saved meanwhile, and its
// text is not written. On PostgreSQL both read the version before either
// writes.
func TestPlanSaveLoserWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p, err := f.s.SavePlan(f.worker, f.caseID, PlanInput{Goals: []Goal{{Text: "أول"}}})
		if err != nil {
			t.Fatal(err)
		}
		results := make(chan error, 2)
		save := func(ctx context.Context, text string) func() {
			return func() {
				_, err := f.s.SavePlan(ctx, f.caseID, PlanInput{BaseVersion: p.Version, Goals: []Goal{{Text: text}}})
				results <- err
			}
		}
		a, b := save(f.worker, "نص الأول"), save(f.worker2, "نص الثاني")
		if d.Dialect == db.Postgres {
			dbtest.HoldUntilWaiting(t, d, 2, `UPDATE referral_plans SET updated_at = updated_at WHERE case_id = ?`, []any{f.caseID},
				func() { go a(); go b() }, func() bool { return len(results) > 0 })
		} else {
			go a()
			go b()
		}
		var won, lost int
		for range 2 {
			switch err := <-results; {
			case err == nil:
				won++
			case errs.Is(err, errs.Conflict):
				if c, ok := ConflictOf(err); !ok || c.Current.Version != p.Version+1 || c.By == "" {
					t.Errorf("conflict: got %+v", c)
				}
				lost++
			default:
				t.Errorf("got %v", err)
			}
		}
		if won != 1 || lost != 1 {
			t.Errorf("got %d won, %d lost, want 1 and 1", won, lost)
		}
		got, _ := f.s.Plan(f.worker, f.caseID)
		if got.Version != p.Version+1 || len(got.Goals) != 1 {
			t.Errorf("got %+v, want one save written", got)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'referral.plan.save'`); n != 2 {
			t.Errorf("got %d plan saves audited, want 2", n)
		}
	})
}

// TestTheColleagueReferredToAnswers: the colleague an internal referral of
// a sensitive case was sent to cannot see the case, yet lists the
// referral, accepts it and says the service was delivered; closing stays
// with the case's worker.
func TestTheColleagueReferredToAnswers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ref := f.cases.cases[f.caseID]
		ref.Sensitive = true
		f.cases.add(ref)
		r := f.send(t, SendInput{Target: Internal, ToUserID: f.worker2ID, Reason: "جلسات دعم"})
		if _, err := f.s.Plan(f.worker2, f.caseID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("the colleague sees the sensitive case: %v", err)
		}
		list, err := f.s.OpenFollowUps(f.worker2, FollowUpFilter{Received: true})
		if err != nil || len(list.Items) != 1 || list.Items[0].ID != r.ID {
			t.Fatalf("received: got %+v, %v", list, err)
		}
		if r, err = f.s.Move(f.worker2, r.ID, Change{To: Accepted, BaseVersion: r.Version}); err != nil {
			t.Fatal(err)
		}
		if r, err = f.s.Move(f.worker2, r.ID, Change{To: Delivered, BaseVersion: r.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Move(f.worker2, r.ID, Change{To: Closed, BaseVersion: r.Version, Outcome: "service_received"}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("the colleague closing: got %v, want forbidden", err)
		}
		if _, err := f.s.Move(f.worker, r.ID, Change{To: Closed, BaseVersion: r.Version, Outcome: "service_received"}); err != nil {
			t.Errorf("the worker closing: %v", err)
		}
		other, _ := as(t, d, f.jo, "jo.third", actor.CaseWorker)
		if _, _, err := f.s.Referral(other, r.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("a third worker: got %v, want not found", err)
		}
	})
}
