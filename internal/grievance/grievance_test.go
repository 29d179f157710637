package grievance

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

func newService(tb testing.TB, d *db.DB, o Options) (*Service, *clock) {
	tb.Helper()
	// Thursday 26 November 2026, 07:00 UTC (10:00 in Amman).
	c := &clock{t: time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)}
	o.Clock = c.Now
	if o.KeyFile == "" {
		o.KeyFile = tb.TempDir() + "/whistle.key"
	}
	return New(d, o), c
}

func wantCode(tb testing.TB, err error, code errs.Code) {
	tb.Helper()
	if got := errs.CodeOf(err); got != code {
		tb.Fatalf("got %q (%v), want %q", got, err, code)
	}
}

func TestSubmitPublic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		s, _ := newService(t, d, Options{})
		ctx := context.Background() // nobody logged in
		tests := []struct {
			name string
			in   func() Intake
			code errs.Code
			key  string
		}{
			{"anonymous complaint is taken", func() Intake {
				return public(t, s, Intake{MemberID: jo, Category: PaymentProblem, Body: "لم أستلم دفعة الشهر", Anonymous: true, Name: "dropped"}, "10.0.0.1")
			}, "", ""},
			{"anonymous report with no text", func() Intake {
				return public(t, s, Intake{MemberID: jo, Category: Other, Body: "   ", Anonymous: true}, "10.0.0.2")
			}, errs.Invalid, "grievance.body_required"},
			{"wrong challenge answer", func() Intake {
				in := public(t, s, Intake{MemberID: jo, Category: Other, Body: "x"}, "10.0.0.3")
				in.ChallengeAnswer = "1000"
				return in
			}, errs.Invalid, "grievance.challenge_failed"},
			{"forged challenge token", func() Intake {
				in := public(t, s, Intake{MemberID: jo, Category: Other, Body: "x"}, "10.0.0.3")
				// Change the question's numbers (bytes 16 and 17), keeping the
				// signature: a token edited anywhere must fail. (Overwriting
				// characters with "AAAA" left it unchanged one time in 16.)
				b, err := base64.RawURLEncoding.DecodeString(in.ChallengeToken)
				if err != nil {
					t.Fatal(err)
				}
				b[16] ^= 1
				in.ChallengeToken = base64.RawURLEncoding.EncodeToString(b)
				return in
			}, errs.Invalid, "grievance.challenge_failed"},
			{"unknown category", func() Intake {
				return public(t, s, Intake{MemberID: jo, Category: "bribe", Body: "x"}, "10.0.0.4")
			}, errs.Invalid, "grievance.category_unknown"},
			{"unknown member", func() Intake {
				return public(t, s, Intake{MemberID: 999, Category: Other, Body: "x"}, "10.0.0.5")
			}, errs.Invalid, "member.unknown_id"},
			{"staff channel needs a login", func() Intake {
				return Intake{MemberID: jo, Channel: Staff, Category: Other, Body: "x"}
			}, errs.Unauthenticated, "auth.login_required"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rc, err := s.Submit(ctx, tc.in())
				wantCode(t, err, tc.code)
				if tc.code != "" {
					e := errs.As(err)
					if e.Key != tc.key && (len(e.Fields) == 0 || e.Fields[0].Key != tc.key) {
						t.Errorf("got key %s %v, want %s", e.Key, e.Fields, tc.key)
					}
					return
				}
				if _, ok := ParseCode(rc.Code); !ok || rc.Number != 1 {
					t.Errorf("receipt %+v", rc)
				}
				g := getSys(t, s, rc.ID)
				if g.Name != "" || !g.Anonymous || g.Priority != High || g.Step != Received {
					t.Errorf("stored %+v: an anonymous payment problem keeps no name, is high and received", g)
				}
			})
		}
	})
}

func getSys(tb testing.TB, s *Service, id int64) Grievance {
	tb.Helper()
	g, err := s.Get(actor.System(context.Background()), id)
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func TestPublicFormFlood(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		s, c := newService(t, d, Options{})
		ctx := context.Background()
		script := `<script>alert("x")</script> & "quotes"`
		var ids []int64
		for i := range 5 {
			rc, err := s.Submit(ctx, public(t, s, Intake{MemberID: jo, Category: Other, Body: script}, "192.0.2.7"))
			if err != nil {
				t.Fatalf("submission %d: %v", i+1, err)
			}
			ids = append(ids, rc.ID)
		}
		_, err := s.Submit(ctx, public(t, s, Intake{MemberID: jo, Category: Other, Body: "sixth"}, "192.0.2.7"))
		wantCode(t, err, errs.TooMany)
		if _, err := s.Submit(ctx, public(t, s, Intake{MemberID: jo, Category: Other, Body: "other address"}, "192.0.2.8")); err != nil {
			t.Errorf("another address is blocked: %v", err)
		}
		t.Run("a solved challenge answers once", func(t *testing.T) {
			in := public(t, s, Intake{MemberID: jo, Category: Other, Body: "x"}, "192.0.2.9")
			if _, err := s.Submit(ctx, in); err != nil {
				t.Fatal(err)
			}
			_, err := s.Submit(ctx, in)
			wantCode(t, err, errs.Invalid)
		})
		t.Run("nothing accepted was lost and text is kept as given", func(t *testing.T) {
			for _, id := range ids {
				if g := getSys(t, s, id); g.Body != script {
					t.Errorf("body %q, want %q", g.Body, script)
				}
			}
		})
		c.Add(11 * time.Minute)
		if _, err := s.Submit(ctx, public(t, s, Intake{MemberID: jo, Category: Other, Body: "later"}, "192.0.2.7")); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})
}

// walk takes a new staff-entered grievance as far as step to.
func TestSteps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		s, _ := newService(t, d, Options{})
		off, offID := as(t, d, jo, "jo.officer", actor.GrievanceOfficer)
		viewer, _ := as(t, d, jo, "jo.viewer", actor.Viewer)
		rc, err := s.Submit(off, Intake{MemberID: jo, Channel: Staff, Category: DataCorrection, Body: "اسم الأب مكتوب خطأ", Name: "فاطمة", Contact: "0790000000"})
		if err != nil {
			t.Fatal(err)
		}
		gid := rc.ID
		step := func(name string, err error, code errs.Code) {
			t.Helper()
			t.Run(name, func(t *testing.T) { wantCode(t, err, code) })
		}
		_, err = s.Move(off, gid, Change{To: Acknowledged})
		step("acknowledge before assigning is a skip", err, errs.Invalid)
		_, err = s.Assign(viewer, gid, Assignment{UserID: offID})
		step("a viewer cannot assign", err, errs.Forbidden)
		_, err = s.Assign(off, gid, Assignment{UserID: offID, Priority: Critical})
		step("assign", err, "")
		_, err = s.Move(off, gid, Change{To: Resolved, Answer: "done"})
		step("resolve right after assigning is a skip", err, errs.Invalid)
		_, err = s.Move(off, gid, Change{To: Acknowledged})
		step("acknowledge", err, "")
		_, err = s.Move(off, gid, Change{To: Investigating})
		step("investigate", err, "")
		_, err = s.Move(off, gid, Change{To: Resolved})
		step("resolve without an answer", err, errs.Invalid)
		ps, err := s.Status(context.Background(), rc.Code, "198.51.100.1")
		if err != nil || ps.Answer != "" || ps.Step != Investigating {
			t.Errorf("status before the answer: %+v, %v", ps, err)
		}
		_, err = s.Move(off, gid, Change{To: Resolved, Answer: "صُحّح الاسم"})
		step("resolve", err, "")
		_, err = s.Move(off, gid, Change{To: Closed})
		step("close before feedback is a skip", err, errs.Invalid)
		ps, err = s.GiveFeedback(context.Background(), strings.ToLower(rc.Code), "198.51.100.1", 4, "شكرا")
		step("complainant gives feedback with the code", err, "")
		_, err = s.GiveFeedback(context.Background(), rc.Code, "198.51.100.1", 5, "again")
		step("feedback twice", err, errs.Conflict)
		g, err := s.Move(off, gid, Change{To: Closed})
		step("close", err, "")
		if g.Step != Closed || g.Satisfaction != 4 || g.ClosedAt == nil || g.ResolvedAt == nil || g.Priority != Critical {
			t.Errorf("closed grievance %+v", g)
		}
		if ps.Answer != "صُحّح الاسم" || len(ps.Steps) != 6 {
			t.Errorf("public status %+v: want the answer and six step changes", ps)
		}
		if strings.Contains(ps.Answer+string(ps.Category), "فاطمة") {
			t.Error("the public status shows the complainant's name")
		}
		h, _ := s.History(off, gid)
		if len(h) != 7 {
			t.Errorf("history has %d events, want 7", len(h))
		}
	})
}

func TestStatusGuessing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		s, c := newService(t, d, Options{})
		rc, err := s.Submit(context.Background(), public(t, s, Intake{MemberID: jo, Category: Other, Body: "x"}, "10.1.1.1"))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for i := range 10 {
			_, err := s.Status(ctx, newCode(), "203.0.113.5")
			wantCode(t, err, errs.NotFound)
			_ = i
		}
		_, err = s.Status(ctx, rc.Code, "203.0.113.5")
		wantCode(t, err, errs.TooMany) // even the right code, once the address is blocked
		if _, err := s.Status(ctx, rc.Code, "203.0.113.6"); err != nil {
			t.Errorf("another address: %v", err)
		}
		_, err = s.Status(ctx, "not a code", "203.0.113.6")
		wantCode(t, err, errs.Invalid)
		c.Add(16 * time.Minute)
		if _, err := s.Status(ctx, rc.Code, "203.0.113.5"); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})
}

func TestSubjectOfComplaint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		eg := mustMember(t, d, "EG", "Africa/Cairo")
		s, _ := newService(t, d, Options{})
		boss, bossID := as(t, d, jo, "jo.boss", actor.GrievanceOfficer)
		bad, badID := as(t, d, jo, "jo.bad", actor.GrievanceOfficer)
		other, _ := as(t, d, eg, "eg.officer", actor.GrievanceOfficer)
		rc, err := s.Submit(boss, Intake{MemberID: jo, Channel: Staff, Category: Misconduct, Body: "طلب رشوة", SubjectUserID: badID})
		if err != nil {
			t.Fatal(err)
		}
		for name, ctx := range map[string]context.Context{"the accused officer": bad, "another member's officer": other} {
			t.Run(name+" cannot see it", func(t *testing.T) {
				_, err := s.Get(ctx, rc.ID)
				wantCode(t, err, errs.NotFound)
				q, err := s.Queue(ctx, Filter{})
				if err != nil || len(q) != 0 {
					t.Errorf("queue %v, %v: want empty", q, err)
				}
				_, err = s.Assign(ctx, rc.ID, Assignment{UserID: bossID})
				wantCode(t, err, errs.NotFound)
			})
		}
		t.Run("it cannot be assigned to the accused", func(t *testing.T) {
			_, err := s.Assign(boss, rc.ID, Assignment{UserID: badID})
			wantCode(t, err, errs.Invalid)
		})
		t.Run("the other officer handles it", func(t *testing.T) {
			if _, err := s.Assign(boss, rc.ID, Assignment{UserID: bossID}); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestSweep(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		s, c := newService(t, d, Options{})
		admin, _ := as(t, d, jo, "jo.admin", actor.MemberAdmin)
		off, offID := as(t, d, jo, "jo.officer", actor.GrievanceOfficer)
		_, supID := as(t, d, jo, "jo.super", actor.GrievanceOfficer)
		set := DefaultSettings(jo)
		set.SupervisorID = supID
		if _, err := s.SetSettings(admin, set); err != nil {
			t.Fatal(err)
		}
		crit, _ := s.Submit(off, Intake{MemberID: jo, Channel: Staff, Category: PaymentProblem, Priority: Critical, Body: "no food"})
		low, _ := s.Submit(off, Intake{MemberID: jo, Channel: Staff, Category: Other, Priority: Low, Body: "slow"})
		s.Assign(off, crit.ID, Assignment{UserID: offID})
		sys := actor.System(context.Background())
		sweep := func() []Alert {
			t.Helper()
			al, err := s.Sweep(sys)
			if err != nil {
				t.Fatal(err)
			}
			return al
		}
		if al := sweep(); len(al) != 0 {
			t.Errorf("fresh cases raised %v", al)
		}
		c.Add(19 * time.Hour) // past 75% of 24 h
		al := sweep()
		if len(al) != 1 || al[0].Kind != "warning" || al[0].GrievanceID != crit.ID || al[0].AssignedTo != offID {
			t.Errorf("after 19 h: %+v, want one warning on the critical case", al)
		}
		if q, _ := s.Queue(off, Filter{NearDue: true}); len(q) != 1 {
			t.Errorf("near-due queue has %d, want 1", len(q))
		}
		c.Add(6 * time.Hour)
		al = sweep()
		if len(al) != 1 || al[0].Kind != "escalation" || al[0].EscalatedTo != supID {
			t.Errorf("after 25 h: %+v, want one escalation to the supervisor", al)
		}
		if al := sweep(); len(al) != 0 {
			t.Errorf("a second sweep raised %v again", al)
		}
		if q, _ := s.Queue(off, Filter{Escalated: true}); len(q) != 1 || q[0].EscalatedTo != supID {
			t.Errorf("escalated queue %+v", q)
		}
		c.Add(30 * 24 * time.Hour)
		al = sweep()
		if len(al) != 2 || al[0].GrievanceID != low.ID {
			t.Errorf("a month on: %+v, want the low case warned and escalated", al)
		}
	})
}

func TestQueueAndStats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		s, c := newService(t, d, Options{})
		off, offID := as(t, d, jo, "jo.officer", actor.GrievanceOfficer)
		start := c.Now()
		resolve := func(gid int64) {
			t.Helper()
			if _, err := s.Assign(off, gid, Assignment{UserID: offID}); err != nil {
				t.Fatal(err)
			}
			for _, st := range []Step{Acknowledged, Investigating} {
				if _, err := s.Move(off, gid, Change{To: st}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Move(off, gid, Change{To: Resolved, Answer: "ok"}); err != nil {
				t.Fatal(err)
			}
		}
		var pay []int64
		for range 3 {
			rc, err := s.Submit(off, Intake{MemberID: jo, Channel: Staff, Category: PaymentProblem, Priority: Critical, Body: "p"})
			if err != nil {
				t.Fatal(err)
			}
			pay = append(pay, rc.ID)
		}
		other, _ := s.Submit(off, Intake{MemberID: jo, Channel: API, Category: Other, Body: "o"})
		c.Add(2 * time.Hour)
		resolve(pay[0]) // 2 h
		c.Add(8 * time.Hour)
		resolve(pay[1]) // 10 h
		c.Add(20 * time.Hour)
		resolve(pay[2]) // 30 h: late
		st, err := s.Stats(off, jo, start, start.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := Counts{Received: 4, Resolved: 3, ResolvedOnTime: 2, Open: 1, MedianHours: 10}
		if st.Total != want {
			t.Errorf("total %+v, want %+v", st.Total, want)
		}
		if p := st.ByCategory[PaymentProblem]; p == nil || p.Received != 3 || p.ResolvedOnTime != 2 {
			t.Errorf("payment %+v", p)
		}
		tests := []struct {
			name string
			f    Filter
			want []int64
		}{
			{"open", Filter{Open: true}, []int64{other.ID}},
			{"by category", Filter{Category: PaymentProblem}, pay},
			{"by channel", Filter{Channel: API}, []int64{other.ID}},
			{"unassigned", Filter{Unassigned: true}, []int64{other.ID}},
			{"mine", Filter{AssignedTo: offID}, pay},
			{"answered", Filter{Step: Resolved}, pay},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				q, err := s.Queue(off, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, g := range q {
					got = append(got, g.ID)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Fatalf("got %v, want %v", got, tc.want)
					}
				}
			})
		}
	})
}

func TestChallenge(t *testing.T) {
	c := NewChallenger(nil)
	ch := c.New(i18n.AR)
	if !strings.ContainsAny(ch.Question, "٠١٢٣٤٥٦٧٨٩") {
		t.Errorf("Arabic question %q has no Arabic-Indic digits", ch.Question)
	}
	ans := solve(t, ch)
	if err := c.Verify(ch.Token, arabicDigits(ans)); err != nil {
		t.Errorf("answer in Arabic-Indic digits: %v", err)
	}
	en := c.New(i18n.EN)
	if err := c.Verify(en.Token, solve(t, en)); err != nil {
		t.Errorf("answer in Western digits: %v", err)
	}
	old := c.New(i18n.EN)
	c.now = func() time.Time { return time.Now().Add(time.Hour) }
	if err := c.Verify(old.Token, solve(t, old)); err == nil {
		t.Error("expired challenge accepted")
	}
	if err := NewChallenger(nil).Verify(en.Token, solve(t, en)); err == nil {
		t.Error("a token signed with another key accepted")
	}
}

func TestPublicStats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "Asia/Amman")
		eg := mustMember(t, d, "EG", "Africa/Cairo")
		s, c := newService(t, d, Options{})
		off, _ := as(t, d, jo, "jo.officer", actor.GrievanceOfficer)
		egOff, _ := as(t, d, eg, "eg.officer", actor.GrievanceOfficer)
		submit := func(ctx context.Context, m int64, cat Category, n int) {
			for range n {
				if _, err := s.Submit(ctx, Intake{MemberID: m, Channel: Staff, Category: cat, Body: "x"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		submit(off, jo, PaymentProblem, 40)
		submit(off, jo, Other, 12)
		submit(egOff, eg, PaymentProblem, 3) // small: must not show
		submit(egOff, eg, Other, 25)
		st, err := s.PublicStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		r := st.Received
		if len(r.Rows) != 2 || r.Rows[0] != "EG" || r.Total.Count != 80 || r.Total.Hidden() {
			t.Fatalf("received %+v", r)
		}
		pay := 1 // column of PaymentProblem
		if c := r.Cells[0][pay]; c.Status != disclosure.Primary || c.Text() != "<10" {
			t.Errorf("EG's 3 payment complaints show as %q", c.Text())
		}
		if !r.Cells[0][len(Categories)-1].Hidden() || !r.Cells[1][pay].Hidden() {
			t.Error("no secondary suppression: EG's small cell follows from EG's total or the payment column")
		}
		t.Run("cached until a change, then refreshed", func(t *testing.T) {
			submit(off, jo, Other, 1)
			if again, _ := s.PublicStats(context.Background()); again.Received.Total.Count != 80 {
				t.Errorf("refreshed at once: total %d", again.Received.Total.Count)
			}
			c.Add(10 * time.Second)
			if again, _ := s.PublicStats(context.Background()); again.Received.Total.Count != 81 {
				t.Errorf("stale after a change: total %d, want 81", again.Received.Total.Count)
			}
		})
	})
}
