package volunteer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

func TestSignUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := Profile{MemberID: f.jo, Name: "  سارة   أحمد العلي ", Phone: "٠٧٩١٢٣٤٥٦٧", Email: "sara@example.org", Areas: []string{"AM01"}, Skills: []string{"first_aid", "teaching"},
			Languages: []string{"ar", "en"}, Days: []string{"fri", "sat"}, Times: []string{"morning"}, Consent: true, ChallengeToken: "tok", ChallengeAnswer: "7"}

		t.Run("refuses a wrong answer to the challenge", func(t *testing.T) {
			bad := p
			bad.ChallengeAnswer = "8"
			_, err := f.s.SignUp(f.public, bad)
			wantKey(t, err, "grievance.challenge_failed")
			if n := count(t, d, `SELECT COUNT(*) FROM volunteers`); n != 0 {
				t.Fatalf("got %d volunteers, want 0", n)
			}
		})
		t.Run("checks every field", func(t *testing.T) {
			bad := Profile{MemberID: f.jo, Name: strings.Repeat("س", maxName+1), Phone: "12", Email: "not-mail", Skills: []string{"juggling"}, Areas: []string{"C"}, Days: []string{"someday"},
				ChallengeToken: "tok", ChallengeAnswer: "7"}
			_, err := f.s.SignUp(f.public, bad)
			wantCode(t, err, errs.Invalid)
			got := map[string]bool{}
			for _, fe := range errs.As(err).Fields {
				got[fe.Field] = true
			}
			for _, k := range []string{"name", "phone", "email", "skills", "areas", "days", "consent"} {
				if !got[k] {
					t.Errorf("no error on %s: %v", k, errs.As(err).Fields)
				}
			}
		})
		var first SignUpResult
		t.Run("stores a pending volunteer with a personal link", func(t *testing.T) {
			var err error
			first, err = f.s.SignUp(f.public, p)
			if err != nil {
				t.Fatal(err)
			}
			v, err := f.s.ByToken(f.public, first.Token)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != Pending || v.Phone != "962791234567" || v.Name != "سارة أحمد العلي" || strings.Join(v.Skills, ",") != "first_aid,teaching" {
				t.Fatalf("got %+v", v)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM volunteers WHERE token_hash = ?`, first.Token); n != 0 {
				t.Fatal("the secret itself is stored")
			}
		})
		t.Run("merges a second sign-up with the same phone", func(t *testing.T) {
			again := p
			again.Phone = "+962 79 123 4567"
			again.Skills = []string{"driving"}
			r, err := f.s.SignUp(f.public, again)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Merged || r.ID != first.ID {
				t.Fatalf("got %+v, want merged into %d", r, first.ID)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM volunteers`); n != 1 {
				t.Fatalf("got %d volunteers, want 1", n)
			}
			if _, err := f.s.ByToken(f.public, first.Token); errs.CodeOf(err) != errs.NotFound {
				t.Fatalf("the old link still works: %v", err)
			}
			v, _ := f.s.ByToken(f.public, r.Token)
			if strings.Join(v.Skills, ",") != "driving" {
				t.Fatalf("got skills %v, want the newer ones", v.Skills)
			}
			first = r
		})
		t.Run("refuses the phone of an approved volunteer", func(t *testing.T) {
			v, _ := f.s.Get(f.coord, first.ID)
			if _, err := f.s.SetStatus(f.coord, v.ID, Active, v.Version); err != nil {
				t.Fatal(err)
			}
			_, err := f.s.SignUp(f.public, p)
			wantKey(t, err, "volunteer.already_registered")
			_, err = f.s.Register(f.coord, Profile{MemberID: f.jo, Name: "x", Phone: "0791234567"})
			wantKey(t, err, "volunteer.duplicate_staff")
		})
		t.Run("the same phone in another member is another volunteer", func(t *testing.T) {
			eg := p
			eg.MemberID, eg.Areas = f.eg, []string{"C"}
			if _, err := f.s.SignUp(f.public, eg); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("another member's coordinator sees nothing", func(t *testing.T) {
			_, err := f.s.Get(f.egCoord, first.ID)
			wantCode(t, err, errs.NotFound)
			_, err = f.s.SetStatus(f.egCoord, first.ID, Inactive, 0)
			wantCode(t, err, errs.NotFound)
			_, err = f.s.SetStatus(f.viewer, first.ID, Inactive, 0) // an auditor reads only
			wantCode(t, err, errs.Forbidden)
		})
		t.Run("filters by skill, area and status", func(t *testing.T) {
			if _, err := f.s.Register(f.coord, Profile{MemberID: f.jo, Name: "خالد", Phone: "0781112223", Skills: []string{"teaching"}, Areas: []string{"IR"}}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				f    Filter
				want int
			}{{Filter{MemberID: f.jo}, 2}, {Filter{MemberID: f.jo, Skill: "driving"}, 1}, {Filter{MemberID: f.jo, Area: "IR"}, 1}, {Filter{MemberID: f.jo, Area: "AM"}, 1}, {Filter{MemberID: f.jo, Area: "AM01"}, 1}, {Filter{MemberID: f.jo, Skill: "first_aid"}, 0},
				{Filter{MemberID: f.jo, Status: Pending}, 0}, {Filter{MemberID: f.jo, Query: "خالد"}, 1}} {
				vs, err := f.s.List(f.viewer, c.f)
				if err != nil {
					t.Fatal(err)
				}
				if len(vs) != c.want {
					t.Errorf("%+v: got %d, want %d", c.f, len(vs), c.want)
				}
			}
		})
	})
}

func TestCapacityAndWaitlist(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		h := f.shift(t, 2, 6, 4)
		a, aTok := f.volunteer(t, "أحمد", "0791000001")
		b, _ := f.volunteer(t, "بشرى", "0791000002")
		c, cTok := f.volunteer(t, "جمال", "0791000003")
		dd, _ := f.volunteer(t, "دعاء", "0791000004")
		ga, err := f.s.BookByToken(f.public, aTok, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		gb, err := f.s.Book(f.coord, h.ID, b)
		if err != nil {
			t.Fatal(err)
		}
		gc, err := f.s.BookByToken(f.public, cTok, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		gd, err := f.s.Book(f.coord, h.ID, dd)
		if err != nil {
			t.Fatal(err)
		}
		if ga.Status != Confirmed || gb.Status != Confirmed || gc.Status != Waitlisted || gd.Status != Waitlisted {
			t.Fatalf("got %s %s %s %s, want confirmed ×2 then waitlisted ×2", ga.Status, gb.Status, gc.Status, gd.Status)
		}
		_, err = f.s.BookByToken(f.public, aTok, h.ID)
		wantKey(t, err, "volunteer.already_booked")
		t.Run("a cancellation promotes the first on the waitlist", func(t *testing.T) {
			if _, err := f.s.CancelByToken(f.public, aTok, ga.ID); err != nil {
				t.Fatal(err)
			}
			r, err := f.s.Roster(f.viewer, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int64]string{}
			for _, g := range r {
				got[g.VolunteerID] = g.Status
			}
			if got[a] != Cancelled || got[b] != Confirmed || got[c] != Confirmed || got[dd] != Waitlisted {
				t.Fatalf("got %v", got)
			}
		})
		t.Run("a waitlisted cancellation promotes nobody", func(t *testing.T) {
			if _, err := f.s.Cancel(f.coord, gd.ID); err != nil {
				t.Fatal(err)
			}
			hh, _ := f.s.Shift(f.viewer, h.ID)
			if hh.Confirmed != 2 || hh.Waitlisted != 0 {
				t.Fatalf("got %d confirmed, %d waitlisted", hh.Confirmed, hh.Waitlisted)
			}
		})
		t.Run("a link cannot cancel another volunteer's place", func(t *testing.T) {
			_, err := f.s.CancelByToken(f.public, aTok, gb.ID)
			wantCode(t, err, errs.NotFound)
		})
		t.Run("a pending volunteer cannot book", func(t *testing.T) {
			r, err := f.s.SignUp(f.public, Profile{MemberID: f.jo, Name: "هبة", Phone: "0791000009", Consent: true, ChallengeToken: "tok", ChallengeAnswer: "7"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.s.BookByToken(f.public, r.Token, h.ID)
			wantKey(t, err, "volunteer.not_active")
		})
		t.Run("another member's coordinator cannot book", func(t *testing.T) {
			_, err := f.s.Book(f.egCoord, h.ID, b)
			wantCode(t, err, errs.NotFound)
		})
	})
}

func TestOverlapRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		morning := f.shift(t, 5, 9, 4)  // 09:00–13:00 Amman
		noon := f.shift(t, 5, 12, 3)    // 12:00–15:00: overlaps
		evening := f.shift(t, 5, 13, 2) // 13:00–15:00: touches only
		_, tok := f.volunteer(t, "أحمد", "0791000001")
		if _, err := f.s.BookByToken(f.public, tok, morning.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.BookByToken(f.public, tok, noon.ID)
		wantKey(t, err, "volunteer.overlap")
		e := errs.As(err)
		if e.Args["title"] != "يوم توزيع الطرود" || e.Args["at"] != "2027-03-04 09:00" {
			t.Fatalf("got args %v, want the other shift named", e.Args)
		}
		if msg := i18n.T(i18n.EN, e.Key, e.Args); !strings.Contains(msg, "يوم توزيع الطرود") {
			t.Fatalf("message %q does not name the other shift", msg)
		}
		if _, err := f.s.BookByToken(f.public, tok, evening.ID); err != nil {
			t.Fatalf("a shift that starts when the other ends: %v", err)
		}
	})
}

func TestAttendanceAndHours(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		h := f.shift(t, 2, 6, 4)
		a, _ := f.volunteer(t, "أحمد", "0791000001")
		b, _ := f.volunteer(t, "بشرى", "0791000002")
		c, _ := f.volunteer(t, "جمال", "0791000003")
		ga, _ := f.s.Book(f.coord, h.ID, a)
		gb, _ := f.s.Book(f.coord, h.ID, b)
		gc, _ := f.s.Book(f.coord, h.ID, c)
		_, err := f.s.RecordAttendance(f.coord, h.ID, []Mark{{SignupID: ga.ID, Present: true}})
		wantKey(t, err, "volunteer.attendance_early")
		f.clock.Advance(4 * 24 * time.Hour)
		t.Run("a waitlisted place cannot be marked, and nothing is written", func(t *testing.T) {
			_, err := f.s.RecordAttendance(f.coord, h.ID, []Mark{{SignupID: ga.ID, Present: true}, {SignupID: gc.ID, Present: true}})
			wantKey(t, err, "volunteer.mark_not_confirmed")
			if n := count(t, d, `SELECT COUNT(*) FROM volunteer_signups WHERE attendance <> ''`); n != 0 {
				t.Fatalf("got %d marks, want none", n)
			}
		})
		t.Run("refuses minutes out of bounds", func(t *testing.T) {
			_, err := f.s.RecordAttendance(f.coord, h.ID, []Mark{{SignupID: ga.ID, Present: true, Minutes: 24*60 + 1}})
			wantKey(t, err, "volunteer.minutes_invalid")
		})
		if _, err := f.s.RecordAttendance(f.coord, h.ID, []Mark{{SignupID: ga.ID, Present: true}, {SignupID: gb.ID, Present: true, Minutes: 150}}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			id   int64
			want int64
		}{{a, 240}, {b, 150}} {
			m, n, err := f.s.Hours(f.viewer, c.id)
			if err != nil {
				t.Fatal(err)
			}
			if m != c.want || n != 1 {
				t.Errorf("volunteer %d: got %d minutes in %d shifts, want %d in 1", c.id, m, n, c.want)
			}
		}
		t.Run("a correction replaces the mark", func(t *testing.T) {
			if _, err := f.s.RecordAttendance(f.coord, h.ID, []Mark{{SignupID: gb.ID, Present: false}}); err != nil {
				t.Fatal(err)
			}
			m, _, _ := f.s.Hours(f.viewer, b)
			if m != 0 {
				t.Fatalf("got %d minutes, want 0 once absent", m)
			}
		})
		t.Run("a marked place cannot be cancelled", func(t *testing.T) {
			_, err := f.s.Cancel(f.coord, ga.ID)
			wantKey(t, err, "volunteer.attendance_recorded")
		})
	})
}

func TestCertificate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		h := f.shift(t, 2, 6, 4)
		a, tok := f.volunteer(t, "سارة أحمد العلي", "0791000001")
		g, _ := f.s.Book(f.coord, h.ID, a)
		_, err := f.s.Issue(f.coord, a, "2027-03-01", "2027-03-31")
		wantKey(t, err, "volunteer.no_hours")
		f.clock.Advance(4 * 24 * time.Hour)
		if _, err := f.s.RecordAttendance(f.coord, h.ID, []Mark{{SignupID: g.ID, Present: true, Minutes: 210}}); err != nil {
			t.Fatal(err)
		}
		c, err := f.s.Issue(f.coord, a, "2027-03-01", "2027-03-31")
		if err != nil {
			t.Fatal(err)
		}
		if c.Minutes != 210 || len(c.Code) != codeLen || strings.ContainsAny(c.Code, "0O1IL2Z5S8B6GDQ") {
			t.Fatalf("got %+v", c)
		}
		t.Run("verifies by code, typed loosely", func(t *testing.T) {
			v, err := f.s.Verify(context.Background(), " "+strings.ToLower(GroupCode(c.Code))+" ")
			if err != nil {
				t.Fatal(err)
			}
			if !v.Valid || v.Minutes != 210 || v.Initials != "س. أ. ع." || v.Member != "JO" {
				t.Fatalf("got %+v", v)
			}
		})
		t.Run("a code that does not exist", func(t *testing.T) {
			for _, code := range []string{"ACEFH-JKMNP", "", "x", strings.Repeat("A", 200)} {
				_, err := f.s.Verify(context.Background(), code)
				wantKey(t, err, "volunteer.certificate_not_found")
			}
		})
		t.Run("prints in both languages", func(t *testing.T) {
			for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
				doc, err := f.s.PrintByToken(f.public, tok, c.ID, Style{Lang: l})
				if err != nil {
					t.Fatal(err)
				}
				html := string(doc.HTML)
				if !strings.Contains(html, "سارة أحمد العلي") || !strings.Contains(html, GroupCode(c.Code)) || strings.Contains(html, "volunteer.") {
					t.Fatalf("%s: certificate lacks the name or code, or shows a key", l)
				}
			}
		})
		t.Run("another member cannot revoke", func(t *testing.T) {
			_, err := f.s.Revoke(f.egCoord, c.ID, "خطأ")
			wantCode(t, err, errs.NotFound)
		})
		t.Run("revocation needs a reason and shows on verify", func(t *testing.T) {
			_, err := f.s.Revoke(f.coord, c.ID, " ")
			wantKey(t, err, "volunteer.reason_required")
			if _, err := f.s.Revoke(f.coord, c.ID, "ساعات مسجلة خطأ"); err != nil {
				t.Fatal(err)
			}
			_, err = f.s.Revoke(f.coord, c.ID, "مرة أخرى")
			wantKey(t, err, "volunteer.already_revoked")
			v, err := f.s.Verify(context.Background(), c.Code)
			if err != nil {
				t.Fatal(err)
			}
			if v.Valid || v.RevokedAt == nil {
				t.Fatalf("got %+v, want revoked", v)
			}
		})
	})
}

func TestSignUpRateLimit(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	f := newFixture(t, d)
	for i := range 6 {
		_, err := f.s.SignUp(f.public, Profile{MemberID: f.jo, Name: "متطوع", Phone: "079100000" + string(rune('0'+i)), Consent: true, IP: "203.0.113.9", ChallengeToken: "tok", ChallengeAnswer: "7"})
		if i < 5 && err != nil {
			t.Fatal(err)
		}
		if i == 5 {
			wantCode(t, err, errs.TooMany)
		}
	}
}

func TestUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a, _ := f.volunteer(t, "أحمد", "0791000001")
		f.volunteer(t, "بشرى", "0791000002")
		v, _ := f.s.Get(f.coord, a)
		p := Profile{Name: "أحمد سالم", Phone: "0791000001", Skills: []string{"it"}, Areas: []string{"IR"}}
		got, err := f.s.Update(f.coord, a, p, v.Version)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "أحمد سالم" || got.Skills[0] != "it" || got.Version != v.Version+1 {
			t.Fatalf("got %+v", got)
		}
		_, err = f.s.Update(f.coord, a, p, v.Version)
		wantKey(t, err, "volunteer.changed")
		p.Phone = "0791000002"
		_, err = f.s.Update(f.coord, a, p, got.Version)
		wantKey(t, err, "volunteer.duplicate_phone")
		_, err = f.s.Update(f.egCoord, a, p, got.Version)
		wantCode(t, err, errs.NotFound)
	})
}
