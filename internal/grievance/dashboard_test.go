package grievance

import (
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// TestSLAAndCorrections files grievances a day apart, moves time past the
// first one's deadline, and checks the dashboard's counts against each
// case's own deadline and against the queue's filters, on both engines:
// closed cases, cases about the officer and other members' cases are
// never counted; data-correction complaints are counted for the
// registrar with the households they name.
func TestSLAAndCorrections(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		eg := mustMember(t, d, "EG", "Africa/Cairo")
		s, c := newService(t, d, Options{})
		off, offID := as(t, d, jo, "officer", actor.GrievanceOfficer, actor.GrievanceOfficer)
		reg, _ := as(t, d, jo, "registrar", actor.Registrar)
		egOff, _ := as(t, d, eg, "eg-officer", actor.GrievanceOfficer)
		h1 := mustHousehold(t, d, jo, "H-1")
		file := func(in Intake) Grievance {
			t.Helper()
			in.Channel = Staff
			if in.Body == "" {
				in.Body = "شكوى"
			}
			rc, err := s.Submit(off, in)
			if err != nil {
				t.Fatal(err)
			}
			return getSys(t, s, rc.ID)
		}
		var gs []Grievance
		for range 6 {
			gs = append(gs, file(Intake{MemberID: jo, Category: ServiceQuality}))
			c.Add(24 * time.Hour)
		}
		gs = append(gs, file(Intake{MemberID: jo, Category: DataCorrection, HouseholdID: h1}))
		gs = append(gs, file(Intake{MemberID: jo, Category: DataCorrection, HouseholdID: h1}))
		gs = append(gs, file(Intake{MemberID: jo, Category: DataCorrection}))
		file(Intake{MemberID: jo, Category: Misconduct, SubjectUserID: offID}) // about the officer: not theirs to see
		if _, err := s.Submit(egOff, Intake{MemberID: eg, Channel: Staff, Category: Other, Body: "x"}); err != nil {
			t.Fatal(err)
		}
		c.Add(gs[0].DueAt.Sub(c.Now()) + time.Hour)
		now := c.Now()
		var want SLACounts
		for _, g := range gs {
			want.Open++
			want.Unassigned++
			switch {
			case g.Overdue(now):
				want.Overdue++
			case g.NearDue(now):
				want.NearDue++
			default:
				want.OnTime++
			}
		}
		got, err := s.SLA(off, jo)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || got.Overdue == 0 {
			t.Errorf("got %+v, want %+v with one overdue at least", got, want)
		}
		for _, f := range []struct {
			f Filter
			n int
		}{{Filter{Overdue: true}, got.Overdue}, {Filter{NearDue: true}, got.NearDue}, {Filter{Open: true}, got.Open}, {Filter{Open: true, Unassigned: true}, got.Unassigned}} {
			q, err := s.Queue(off, f.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(q) != f.n {
				t.Errorf("queue %+v lists %d, the dashboard counts %d", f.f, len(q), f.n)
			}
		}
		corr, err := s.Corrections(reg, jo)
		if err != nil {
			t.Fatal(err)
		}
		if corr.Grievances != 3 || corr.Households != 1 || !corr.Oldest.Equal(gs[6].ReceivedAt) {
			t.Errorf("corrections %+v, want 3 complaints about 1 household since %v", corr, gs[6].ReceivedAt)
		}
		if _, err := s.SLA(reg, jo); err == nil {
			t.Error("a registrar read the grievance queue's counts")
		}
		if _, err := s.SLA(egOff, jo); err == nil {
			t.Error("another member's officer read the queue's counts")
		}
	})
}
