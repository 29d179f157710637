package volunteer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// fakeChallenge accepts the answer "7" and refuses anything else, as the
// complaint form's challenger would refuse a wrong sum.
type fakeChallenge struct{}

func (fakeChallenge) Verify(token, answer string) error {
	if token == "tok" && answer == "7" {
		return nil
	}
	return errs.E(errs.Invalid, "grievance.challenge_failed").WithField("challenge", "grievance.challenge_failed")
}

// fixture is member JO (Amman) with areas AM > AM01 and IR, a volunteer
// coordinator and a viewer, and member EG with its coordinator.
type fixture struct {
	d              *db.DB
	s              *Service
	clock          *calendar.Manual
	jo, eg         int64
	coord, egCoord context.Context
	viewer, public context.Context
}

var start = time.Date(2027, 3, 1, 7, 0, 0, 0, time.UTC) // a Monday, 10:00 in Amman

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, clock: calendar.NewManual(start), public: context.Background()}
	f.jo = mustMember(t, d, "JO", "Asia/Amman", "962")
	f.eg = mustMember(t, d, "EG", "Africa/Cairo", "20")
	mustArea(t, d, f.jo, "", "governorate", "AM", "عمان", "Amman")
	mustArea(t, d, f.jo, "AM", "district", "AM01", "قصبة عمان", "Amman Qasabah")
	mustArea(t, d, f.jo, "", "governorate", "IR", "إربد", "Irbid")
	mustArea(t, d, f.eg, "", "governorate", "C", "القاهرة", "Cairo")
	f.coord = as(t, d, f.jo, "jo.vol", actor.VolunteerCoord)
	f.viewer = as(t, d, f.jo, "jo.auditor", actor.Auditor) // reads, changes nothing
	f.egCoord = as(t, d, f.eg, "eg.vol", actor.VolunteerCoord)
	f.s = New(d, Options{Challenges: fakeChallenge{}, Clock: f.clock.Clock()})
	return f
}

func mustMember(tb testing.TB, d *db.DB, code, tz, calling string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, calling_code, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', ?, ?, ?, ?) RETURNING id`, code, "عضو "+code, "Member "+code, tz, calling, start, start)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func mustArea(tb testing.TB, d *db.DB, member int64, parent, level, code, ar, en string) {
	tb.Helper()
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var pid any
		if parent != "" {
			var id int64
			if err := tx.QueryRow(ctx, `SELECT id FROM admin_areas WHERE member_id = ? AND code = ?`, member, parent).Scan(&id); err != nil {
				return err
			}
			pid = id
		}
		_, err := tx.Exec(ctx, `INSERT INTO admin_areas (member_id, parent_id, level, code, name_ar, name_en) VALUES (?, ?, ?, ?, ?, ?)`, member, pid, level, code, ar, en)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func as(tb testing.TB, d *db.DB, member int64, name string, roles ...actor.Role) context.Context {
	tb.Helper()
	ctx := context.Background()
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	var uid int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		uid, err = tx.InsertID(ctx, `INSERT INTO users (member_id, username, display_name, password_hash, roles, created_at, updated_at) VALUES (?, ?, ?, '-', ?, ?, ?) RETURNING id`,
			member, name, name, strings.Join(names, " "), start, start)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return actor.With(ctx, actor.Actor{UserID: uid, Username: name, Name: name, MemberID: member, Roles: roles, Lang: i18n.EN})
}

func count(tb testing.TB, d *db.DB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func wantCode(tb testing.TB, err error, code errs.Code) {
	tb.Helper()
	if got := errs.CodeOf(err); got != code {
		tb.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

func wantKey(tb testing.TB, err error, key string) {
	tb.Helper()
	e := errs.As(err)
	if e == nil {
		tb.Fatalf("got error %v, want %s", err, key)
	}
	if e.Key == key {
		return
	}
	for _, f := range e.Fields {
		if f.Key == key {
			return
		}
	}
	tb.Fatalf("got error %v (%s %v), want %s", err, e.Key, e.Fields, key)
}

// volunteer signs a JO volunteer up and approves them; it returns the id
// and the personal link's secret.
func (f *fixture) volunteer(tb testing.TB, name, phone string) (int64, string) {
	tb.Helper()
	r, err := f.s.SignUp(f.public, Profile{MemberID: f.jo, Name: name, Phone: phone, Skills: []string{"first_aid"}, Areas: []string{"AM"}, Consent: true, ChallengeToken: "tok", ChallengeAnswer: "7"})
	if err != nil {
		tb.Fatal(err)
	}
	v, err := f.s.Get(f.coord, r.ID)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := f.s.SetStatus(f.coord, r.ID, Active, v.Version); err != nil {
		tb.Fatal(err)
	}
	return r.ID, r.Token
}

// shift posts an opportunity with one shift of capacity places starting
// at hour (Amman time) on 2027-03-04 and lasting hours.
func (f *fixture) shift(tb testing.TB, capacity, hour, hours int) Shift {
	tb.Helper()
	o, err := f.s.CreateOpportunity(f.coord, OpportunityInput{MemberID: f.jo, Kind: "distribution", Title: "يوم توزيع الطرود", AreaCode: "AM", StartsOn: "2027-03-04", EndsOn: "2027-03-04"})
	if err != nil {
		tb.Fatal(err)
	}
	h, err := f.s.AddShift(f.coord, o.ID, ShiftInput{Start: time.Date(2027, 3, 4, hour, 0, 0, 0, time.UTC).Format("2006-01-02T15:04"),
		End: time.Date(2027, 3, 4, hour+hours, 0, 0, 0, time.UTC).Format("2006-01-02T15:04"), Place: "مستودع ماركا", Capacity: capacity})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}
