package employment

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/partner"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// fakeMatcher ranks every seeker who consented (EachSeeker) for a vacancy
// and every open vacancy for a seeker, with a score by id, and counts
// Changed calls per member.
type fakeMatcher struct {
	src     develop.Seekers
	mu      sync.Mutex
	changed map[int64]int
}

func (m *fakeMatcher) ForVacancy(ctx context.Context, vacancyID int64, limit int) ([]develop.Match, error) {
	v, err := m.src.MatchVacancy(ctx, vacancyID)
	if err != nil {
		return nil, err
	}
	var out []develop.Match
	err = m.src.EachSeeker(ctx, v.MemberID, func(k develop.Seeker) error {
		if len(out) < limit {
			out = append(out, develop.Match{SeekerID: k.ID, VacancyID: vacancyID, Score: 90 - len(out), Reasons: []develop.MatchReason{{Key: "match.reason_skills", Args: map[string]any{"n": 1}, Points: 40}}})
		}
		return nil
	})
	return out, err
}

// ForSeeker also ranks seekers who did not consent (MatchSeeker reads any
// seeker), as a matcher asked by an officer may.
func (m *fakeMatcher) ForSeeker(ctx context.Context, seekerID int64, limit int) ([]develop.Match, error) {
	k, err := m.src.MatchSeeker(ctx, seekerID)
	if err != nil {
		return nil, err
	}
	var out []develop.Match
	err = m.src.EachVacancy(ctx, k.MemberID, func(v develop.Vacancy) error {
		if len(out) < limit {
			out = append(out, develop.Match{SeekerID: seekerID, VacancyID: v.ID, Score: 80, Reasons: []develop.MatchReason{{Key: "match.reason_area", Points: 20}}})
		}
		return nil
	})
	return out, err
}

func (m *fakeMatcher) Changed(memberID int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.changed[memberID]++
}

func (m *fakeMatcher) changes(memberID int64) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changed[memberID]
}

// fakeChanges records the person changes proposed, or fails when fail is
// set.
type fakeChanges struct {
	mu    sync.Mutex
	calls []proposed
	fail  bool
}

type proposed struct {
	personID int64
	values   map[string]string
	reason   string
}

func (c *fakeChanges) ProposeChange(ctx context.Context, householdID int64, values map[string]string, reason string) (registry.ChangeRequest, error) {
	return registry.ChangeRequest{}, errors.New("not used")
}

func (c *fakeChanges) ProposePersonChange(ctx context.Context, personID int64, values map[string]string, reason string) (registry.ChangeRequest, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return registry.ChangeRequest{}, errs.E(errs.Invalid, "registry_change.field_invalid", "field", "monthly_income")
	}
	c.calls = append(c.calls, proposed{personID, values, reason})
	return registry.ChangeRequest{ID: int64(100 + len(c.calls))}, nil
}

var start = time.Date(2027, 3, 1, 7, 0, 0, 0, time.UTC) // a Monday, 10:00 in Amman

// fixture is member JO with areas AM > AM01 > AM0101 and IR, an
// employment officer, a case worker, an auditor and a partner manager;
// member EG with its officer; JO persons (a head unemployed with a walking
// difficulty, a young daughter) and an EG person.
type fixture struct {
	d                          *db.DB
	s                          *Service
	reg                        *registry.Service
	partners                   *partner.Service
	clock                      *calendar.Manual
	match                      *fakeMatcher
	changes                    *fakeChanges
	jo, eg                     int64
	officer, worker, auditor   context.Context
	partnerMgr, egOfficer, sys context.Context
	head, daughter, egPerson   registry.Person
	joHousehold                int64
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, clock: calendar.NewManual(start), sys: actor.System(context.Background())}
	ms := member.NewWith(d, member.Options{Clock: f.clock.Clock()})
	jo, err := ms.Create(f.sys, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"})
	if err != nil {
		t.Fatal(err)
	}
	eg, err := ms.Create(f.sys, member.Member{Code: "EG", NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Africa/Cairo"})
	if err != nil {
		t.Fatal(err)
	}
	f.jo, f.eg = jo.ID, eg.ID
	mustArea(t, d, f.jo, "", "governorate", "AM", "عمان", "Amman")
	mustArea(t, d, f.jo, "AM", "district", "AM01", "قصبة عمان", "Amman Qasabah")
	mustArea(t, d, f.jo, "", "governorate", "IR", "إربد", "Irbid")
	mustArea(t, d, f.eg, "", "governorate", "C", "القاهرة", "Cairo")
	f.officer = as(t, d, f.jo, "jo.jobs", actor.EmploymentOfficer)
	f.worker = as(t, d, f.jo, "jo.caseworker", actor.CaseWorker)
	f.auditor = as(t, d, f.jo, "jo.auditor", actor.Auditor)
	f.partnerMgr = as(t, d, f.jo, "jo.partners", actor.PartnerManager)
	f.egOfficer = as(t, d, f.eg, "eg.jobs", actor.EmploymentOfficer)
	f.reg = registry.NewWith(d, registry.Options{Clock: f.clock.Clock(), Members: ms})
	h, ps, err := f.reg.CreateHousehold(f.sys, f.jo, registry.Household{Ref: "H-1", RegisteredOn: "2026-01-10", Governorate: "AM"}, []registry.Person{
		{Ref: "P-1", Relationship: "head", FirstName: "سالم", FatherName: "أحمد", FamilyName: "العلي", Sex: "male", BirthDate: "1980-05-01",
			Education: "secondary", EmploymentStatus: "unemployed", Disability: [6]int8{1, 1, 3, 1, 1, 1}},
		{Ref: "P-2", Relationship: "daughter", FirstName: "هدى", FatherName: "سالم", FamilyName: "العلي", Sex: "female", BirthDate: "2004-02-10", Education: "university"},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.joHousehold, f.head, f.daughter = h.ID, ps[0], ps[1]
	_, eps, err := f.reg.CreateHousehold(f.sys, f.eg, registry.Household{Ref: "E-1", RegisteredOn: "2026-01-10"}, []registry.Person{
		{Ref: "P-1", Relationship: "head", FirstName: "محمود", FamilyName: "حسن", Sex: "male", BirthDate: "1990-01-01"}})
	if err != nil {
		t.Fatal(err)
	}
	f.egPerson = eps[0]
	f.partners = partner.New(d, partner.Options{Members: ms, Clock: f.clock.Clock()})
	f.changes = &fakeChanges{}
	f.match = &fakeMatcher{changed: map[int64]int{}}
	progs := program.NewWith(d, program.Options{Clock: f.clock.Clock(), Members: ms})
	f.s = New(d, Options{Members: ms, Registry: f.reg, Programs: progs, Partners: f.partners, Matcher: f.match, Changes: f.changes, Clock: f.clock.Clock()})
	f.match.src = f.s
	return f
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

// skills gives JO a small skills list.
func (f *fixture) skills(tb testing.TB) {
	tb.Helper()
	for _, k := range []Skill{{Code: "cashier", NameAR: "أمين صندوق", NameEN: "Cashier", Group: "retail"}, {Code: "sewing", NameAR: "خياطة", NameEN: "Sewing", Group: "crafts"},
		{Code: "driving", NameAR: "قيادة", NameEN: "Driving", Group: "transport"}} {
		if _, err := f.s.SaveSkill(f.officer, f.jo, k); err != nil {
			tb.Fatal(err)
		}
	}
}

// employer records a verified direct employer of JO.
func (f *fixture) employer(tb testing.TB, name string) Employer {
	tb.Helper()
	m, err := f.s.CreateEmployer(f.officer, f.jo, EmployerInput{Name: name, RegNo: "R-" + name, Sector: "retail", AreaCode: "AM", Headcount: 150, DisabledEmployees: 3})
	if err != nil {
		tb.Fatal(err)
	}
	if m, err = f.s.VerifyEmployer(f.officer, m.ID, true, ""); err != nil {
		tb.Fatal(err)
	}
	return m
}

func (f *fixture) vacancy(tb testing.TB, employerID int64) Vacancy {
	tb.Helper()
	v, err := f.s.CreateVacancy(f.officer, f.jo, VacancyInput{EmployerID: employerID, Title: "أمين صندوق", Skills: []string{"cashier"}, Education: "secondary", AreaCode: "AM01",
		Hours: "full", Pay: 350000, PayPeriod: "month", Positions: 2, Accommodations: []string{"step_free"}})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func (f *fixture) seeker(tb testing.TB, p registry.Person, consent bool) Seeker {
	tb.Helper()
	k, err := f.s.CreateSeeker(f.worker, f.jo, SeekerInput{PersonID: p.ID, Skills: []string{"cashier"}, Areas: []string{"AM01"}, Hours: "full", Languages: []string{"ar"}, Consent: consent})
	if err != nil {
		tb.Fatal(err)
	}
	return k
}
