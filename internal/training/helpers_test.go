package training

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/partner"
	"github.com/tadamun/tadamun/internal/registry"
)

// fakeCertifier issues numbered certificates, checking that the
// enrollment it certifies is already completed in the caller's
// transaction; fail makes it refuse.
type fakeCertifier struct {
	mu     sync.Mutex
	issued []develop.Certificate
	fail   bool
}

func (f *fakeCertifier) IssueTx(ctx context.Context, tx *db.Tx, in develop.CertificateInput) (develop.Certificate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return develop.Certificate{}, errs.E(errs.Conflict, "certificate.refused")
	}
	var st string
	if err := tx.QueryRow(ctx, `SELECT status FROM training_enrollments WHERE id = ?`, in.EnrollmentID).Scan(&st); err != nil || st != Completed {
		return develop.Certificate{}, errs.E(errs.Internal, "certificate.not_in_transaction")
	}
	for _, c := range f.issued {
		if c.EnrollmentID == in.EnrollmentID {
			return c, nil
		}
	}
	c := develop.Certificate{CertificateInput: in, ID: int64(len(f.issued) + 1), Code: "TC-" + idStr(int64(len(f.issued)+1)), IssuedAt: start}
	f.issued = append(f.issued, c)
	return c, nil
}

func (f *fakeCertifier) Held(ctx context.Context, memberID, personID, userID int64) ([]develop.Certificate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []develop.Certificate
	for i := len(f.issued) - 1; i >= 0; i-- {
		c := f.issued[i]
		if c.MemberID == memberID && c.PersonID == personID && c.UserID == userID {
			out = append(out, c)
		}
	}
	return out, nil
}

// fixture is member JO (Amman) with a training officer, a case worker
// (reads only) and two staff users, and member EG with its officer.
type fixture struct {
	d         *db.DB
	s         *Service
	cert      *fakeCertifier
	partners  *partner.Service
	clock     *calendar.Manual
	jo, eg    int64
	officer   context.Context
	reader    context.Context
	egOfficer context.Context
	staff1    int64 // JO users
	staff2    int64
	egStaff   int64
	sys       context.Context
}

var start = time.Date(2027, 3, 1, 7, 0, 0, 0, time.UTC) // a Monday, 10:00 in Amman

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, clock: calendar.NewManual(start), cert: &fakeCertifier{}, sys: actor.System(context.Background())}
	f.jo = mustMember(t, d, "JO", "Asia/Amman")
	f.eg = mustMember(t, d, "EG", "Africa/Cairo")
	var u int64
	f.officer, _ = as(t, d, f.jo, "jo.training", actor.TrainingOfficer)
	f.reader, _ = as(t, d, f.jo, "jo.caseworker", actor.CaseWorker)
	f.egOfficer, _ = as(t, d, f.eg, "eg.training", actor.TrainingOfficer)
	_, f.staff1 = as(t, d, f.jo, "jo.sw1", actor.CaseWorker)
	_, f.staff2 = as(t, d, f.jo, "jo.sw2", actor.CaseWorker)
	_, f.egStaff = as(t, d, f.eg, "eg.sw", actor.CaseWorker)
	_ = u
	clock := f.clock.Clock()
	f.partners = partner.New(d, partner.Options{Clock: clock})
	f.s = New(d, Options{Registry: registry.NewWith(d, registry.Options{Clock: clock}), Auth: auth.NewWith(d, auth.Options{Clock: clock}),
		Partners: f.partners, Certifier: f.cert, Clock: clock})
	return f
}

func mustMember(tb testing.TB, d *db.DB, code, tz string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, calling_code, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', ?, '962', ?, ?) RETURNING id`, code, "عضو "+code, "Member "+code, tz, start, start)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func as(tb testing.TB, d *db.DB, member int64, name string, roles ...actor.Role) (context.Context, int64) {
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
	return actor.With(ctx, actor.Actor{UserID: uid, Username: name, Name: name, MemberID: member, Roles: roles, Lang: i18n.EN}), uid
}

// person writes a household of member with one person born on birth with
// education, and returns the person's id.
func person(tb testing.TB, d *db.DB, member int64, ref, sex, birth, education string) int64 {
	tb.Helper()
	ctx := context.Background()
	var p int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		hh, err := tx.InsertID(ctx, `INSERT INTO households (member_id, household_ref, registered_on, created_at, updated_at) VALUES (?, ?, '2026-01-01', ?, ?) RETURNING id`, member, ref, start, start)
		if err != nil {
			return err
		}
		p, err = tx.InsertID(ctx, `INSERT INTO persons (member_id, household_id, member_ref, relationship, first_name, family_name, sex, birth_date, education, created_at, updated_at)
			VALUES (?, ?, ?, 'head', 'سلمى', 'الخطيب', ?, ?, ?, ?, ?) RETURNING id`, member, hh, ref+"-1", sex, birth, education, start, start)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
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

// course adds an open JO course of capacity seats given by an office.
func (f *fixture) course(tb testing.TB, audience string, capacity int, mod func(*CourseInput)) Course {
	tb.Helper()
	in := CourseInput{MemberID: f.jo, Audience: audience, TitleAR: "مهارات الحاسوب", TitleEN: "Computer skills", ProviderKind: "office", Provider: "مديرية التنمية",
		Hours: 12, Capacity: capacity, Place: "مركز الشباب", MinAttendance: 75, Status: Open}
	if mod != nil {
		mod(&in)
	}
	c, err := f.s.CreateCourse(f.officer, in)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func (f *fixture) session(tb testing.TB, courseID int64, day int) Session {
	tb.Helper()
	t, err := f.s.AddSession(f.officer, courseID, SessionInput{Start: time.Date(2027, 3, day, 9, 0, 0, 0, time.UTC).Format("2006-01-02T15:04"),
		End: time.Date(2027, 3, day, 12, 0, 0, 0, time.UTC).Format("2006-01-02T15:04")})
	if err != nil {
		tb.Fatal(err)
	}
	return t
}
