package certificate

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/training/certificate/token"
)

// fixture is member JO (Amman) with a training officer, a viewer (an
// auditor) and a user who holds certificates, and member EG with its
// training officer.
type fixture struct {
	d                 *db.DB
	s                 *Service
	keys              token.Keys
	clock             *calendar.Manual
	jo, eg            int64
	officer, viewer   context.Context
	holder, egOfficer context.Context
	holderID          int64
	publicCtx         context.Context
	nextEnrollment    int64
}

var start = time.Date(2027, 3, 1, 7, 0, 0, 0, time.UTC)

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	k, err := token.NewKeys(bytes.Repeat([]byte{42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{d: d, keys: k, clock: calendar.NewManual(start), publicCtx: context.Background(), nextEnrollment: 100}
	f.jo = mustMember(t, d, "JO", "Asia/Amman")
	f.eg = mustMember(t, d, "EG", "Africa/Cairo")
	f.officer = as(t, d, f.jo, "jo.training", actor.TrainingOfficer)
	f.viewer = as(t, d, f.jo, "jo.auditor", actor.Auditor)
	f.holder = as(t, d, f.jo, "jo.worker", actor.Registrar)
	f.holderID = actor.From(f.holder).UserID
	f.egOfficer = as(t, d, f.eg, "eg.training", actor.TrainingOfficer)
	f.s = New(d, Options{Keys: k, Clock: f.clock.Clock()})
	return f
}

func mustMember(tb testing.TB, d *db.DB, code, tz string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, calling_code, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', ?, '962', ?, ?) RETURNING id`,
			code, "عضو "+code, "Member "+code, tz, start, start)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
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

// input is a certificate of a JO registry person for a new enrollment.
func (f *fixture) input(person int64, holder string) develop.CertificateInput {
	f.nextEnrollment++
	return develop.CertificateInput{MemberID: f.jo, EnrollmentID: f.nextEnrollment, PersonID: person, Holder: holder, HolderLatin: "Sara Ahmad Al-Ali",
		CourseAR: "مهارات الخياطة والتطريز", CourseEN: "Sewing and embroidery", Provider: "مركز التدريب المهني", Hours: 40, Completed: "2027-02-25", Result: "ناجح"}
}

func (f *fixture) issue(tb testing.TB, in develop.CertificateInput) Certificate {
	tb.Helper()
	c, err := f.s.Issue(f.officer, in)
	if err != nil {
		tb.Fatal(err)
	}
	return c
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
