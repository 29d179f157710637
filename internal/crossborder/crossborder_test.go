package crossborder

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dedup/pprl"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/registry"
)

var start = time.Date(2027, 3, 1, 7, 0, 0, 0, time.UTC)

// fakePersons is the registry as this service sees it.
type fakePersons map[int64][]registry.Person

func (f fakePersons) EachPerson(ctx context.Context, memberID int64, fn func(registry.Person) error) error {
	for _, p := range f[memberID] {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (f fakePersons) Person(ctx context.Context, id int64) (registry.Person, error) {
	for _, ps := range f {
		for _, p := range ps {
			if p.ID == id {
				return p, nil
			}
		}
	}
	return registry.Person{}, errs.E(errs.NotFound, "registry.person_not_found")
}

func mustMember(tb testing.TB, d *db.DB, code string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, calling_code, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', 'Asia/Amman', '962', ?, ?) RETURNING id`, code, "عضو "+code, "Member "+code, start, start)
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

func count(tb testing.TB, d *db.DB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func denied(err error) bool { return errs.Is(err, errs.Forbidden) || errs.Is(err, errs.NotFound) }

func wantKey(tb testing.TB, err error, key string) {
	tb.Helper()
	if e := errs.As(err); e == nil || e.Key != key {
		tb.Fatalf("got %v, want %s", err, key)
	}
}

func person(id, member int64, first, father, grand, family, birth, sex, nid string) registry.Person {
	return registry.Person{ID: id, MemberID: member, HouseholdID: id, Ref: "R" + strconv.FormatInt(id*7, 10), FirstName: first, FatherName: father, GrandfatherName: grand, FamilyName: family,
		BirthDate: birth, Sex: sex, NationalID: nid}
}

type fixture struct {
	d              *db.DB
	jo, eg         int64
	joReg, egReg   context.Context
	joView         context.Context
	joSvc, egSvc   *Service
	persons        fakePersons
	secret         pprl.Secret
	joFile, egFile []byte
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{d: d, secret: pprl.DemoSecret()}
	f.jo, f.eg = mustMember(t, d, "JO"), mustMember(t, d, "EG")
	f.joReg = as(t, d, f.jo, "jo.reg", actor.Registrar)
	f.joView = as(t, d, f.jo, "jo.aud", actor.Auditor)
	f.egReg = as(t, d, f.eg, "eg.reg", actor.Registrar)
	f.persons = fakePersons{
		f.jo: {
			person(1, f.jo, "أحمد", "محمود", "علي", "الخطيب", "1984-03-12", "male", "9841234567"),
			person(2, f.jo, "مريم", "يوسف", "حسن", "حداد", "1990-07-01", "female", "9901234567"),
			person(3, f.jo, "خالد", "سعيد", "عمر", "النجار", "1975-11-20", "male", "9751234567"),
		},
		f.eg: {
			// Ahmad again, with a typo and another id; Mariam again in
			// Latin script only; and a person of EG's own.
			person(11, f.eg, "احمد", "محمود", "", "الخطيب", "1984-03-12", "male", "28403120101234"),
			{ID: 12, MemberID: f.eg, HouseholdID: 12, Ref: "E12", NameLatin: "Mariam Yousef Haddad", BirthDate: "1990-07-01", Sex: "female", NationalID: "29007010105678"},
			person(13, f.eg, "فاطمة", "إبراهيم", "سالم", "الشناوي", "1988-02-02", "female", "28802020109999"),
		},
	}
	clock := calendar.NewManual(start).Clock()
	f.joSvc = New(d, Options{Registry: f.persons, Secret: &f.secret, Clock: clock})
	f.egSvc = New(d, Options{Registry: f.persons, Secret: &f.secret, Clock: clock})
	return f
}

func (f *fixture) encode(t *testing.T) {
	t.Helper()
	var a, b bytes.Buffer
	if _, err := f.joSvc.Encode(f.joReg, f.jo, &a, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.egSvc.Encode(f.egReg, f.eg, &b, nil); err != nil {
		t.Fatal(err)
	}
	f.joFile, f.egFile = a.Bytes(), b.Bytes()
}

type bufs map[string]*bytes.Buffer

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (f *fixture) compare(t *testing.T) bufs {
	t.Helper()
	out := bufs{}
	_, err := pprl.Compare(context.Background(), pprl.CompareOptions{Threshold: 0.7}, func(m string) (io.WriteCloser, error) {
		out[m] = &bytes.Buffer{}
		return nopCloser{out[m]}, nil
	}, bytes.NewReader(f.joFile), bytes.NewReader(f.egFile))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEncodeCompareImportDecide(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.encode(t)
		// No name, no national id, no person id leaves.
		for _, ps := range f.persons {
			for _, p := range ps {
				for _, s := range []string{p.FirstName, p.FatherName, p.FamilyName, p.NationalID, "Mariam", "Haddad", p.BirthDate} {
					if s == "" {
						continue
					}
					if bytes.Contains(f.joFile, []byte(s)) || bytes.Contains(f.egFile, []byte(s)) {
						t.Errorf("an encoding file holds %q", s)
					}
				}
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM crossborder_tokens WHERE member_id = ?`, f.jo); n != 3 {
			t.Fatalf("%d tokens for JO", n)
		}
		out := f.compare(t)
		joAnswer, egAnswer := out["JO"].Bytes(), out["EG"].Bytes()

		// Another member's answer, another secret, a forged token: refused whole.
		_, err := f.joSvc.ImportPairs(f.joReg, f.jo, bytes.NewReader(egAnswer), "eg.pairs")
		wantKey(t, err, "crossborder.answer_other_member")
		other := pprl.Secret{1}
		_, err = New(d, Options{Registry: f.persons, Secret: &other}).ImportPairs(f.joReg, f.jo, bytes.NewReader(joAnswer), "jo.pairs")
		wantKey(t, err, "crossborder.answer_other_secret")
		var h pprl.PairsHeader
		_, pairs, err := pprl.ReadPairs(bytes.NewReader(joAnswer), "jo.pairs", 100)
		if err != nil || len(pairs) < 2 {
			t.Fatalf("%d pairs in JO's answer (%v): %s", len(pairs), err, joAnswer)
		}
		forged := bytes.Replace(joAnswer, []byte(pairs[len(pairs)-1].Token), []byte(strings.Repeat("ab", 16)), 1)
		_, err = f.joSvc.ImportPairs(f.joReg, f.jo, bytes.NewReader(forged), "jo.pairs")
		wantKey(t, err, "crossborder.unknown_token")
		_, err = f.joSvc.ImportPairs(f.joView, f.jo, bytes.NewReader(joAnswer), "jo.pairs")
		if !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an auditor imported: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM crossborder_pairs`); n != 0 {
			t.Fatalf("%d pairs stored by refused imports", n)
		}
		_ = h

		res, err := f.joSvc.ImportPairs(f.joReg, f.jo, bytes.NewReader(joAnswer), "jo.pairs")
		if err != nil || res.Added != len(pairs) {
			t.Fatalf("import: %+v %v", res, err)
		}
		again, err := f.joSvc.ImportPairs(f.joReg, f.jo, bytes.NewReader(joAnswer), "jo.pairs")
		if err != nil || again.Added != 0 || again.Existing != len(pairs) {
			t.Fatalf("import twice: %+v %v", again, err)
		}
		if _, err := f.egSvc.ImportPairs(f.egReg, f.eg, bytes.NewReader(egAnswer), "eg.pairs"); err != nil {
			t.Fatal(err)
		}

		// JO's queue: JO's persons, EG's code, nothing of EG's persons.
		ps, err := f.joSvc.Pairs(f.joView, Filter{MemberID: f.jo})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]bool{}
		for _, p := range ps {
			got[p.PersonID] = true
			if p.OtherMember != "EG" || p.PersonName == "" {
				t.Errorf("pair %+v", p)
			}
		}
		if !got[1] || !got[2] || got[3] {
			t.Errorf("JO's queue holds persons %v, want 1 and 2", got)
		}
		js, _ := json.Marshal(ps)
		for _, p := range f.persons[f.eg] {
			for _, s := range []string{p.FirstName, p.NationalID, "Mariam", p.Ref, "\"person_id\":11", "\"person_id\":12"} {
				if s != "" && bytes.Contains(js, []byte(s)) {
					t.Errorf("JO's queue shows EG's %q", s)
				}
			}
		}

		// EG's user sees nothing of JO's queue and cannot decide in it.
		if _, err := f.egSvc.Pairs(f.egReg, Filter{MemberID: f.jo}); !denied(err) {
			t.Errorf("EG listed JO's queue: %v", err)
		}
		if _, err := f.egSvc.Pair(f.egReg, ps[0].ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("EG read JO's pair: %v", err)
		}
		if _, err := f.egSvc.Decide(f.egReg, ps[0].ID, Same, "", ps[0].Version); !errs.Is(err, errs.NotFound) {
			t.Errorf("EG decided JO's pair: %v", err)
		}
		// The auditor reads but does not decide.
		if _, err := f.joSvc.Decide(f.joView, ps[0].ID, Same, "", ps[0].Version); !errs.Is(err, errs.Forbidden) {
			t.Errorf("auditor decided: %v", err)
		}
		_, err = f.joSvc.Decide(f.joReg, ps[0].ID, "merge", "", ps[0].Version)
		if e := errs.As(err); e == nil || e.Code != errs.Invalid {
			t.Errorf("unknown decision: %v", err)
		}
		before := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'crossborder.decide'`)
		p, err := f.joSvc.Decide(f.joReg, ps[0].ID, FollowUp, "ask EG", ps[0].Version)
		if err != nil || p.Status != FollowUp || p.Version != ps[0].Version+1 {
			t.Fatalf("decide: %+v %v", p, err)
		}
		_, err = f.joSvc.Decide(f.joReg, ps[0].ID, Same, "", ps[0].Version)
		wantKey(t, err, "crossborder.changed")
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'crossborder.decide'`); n != before+1 {
			t.Errorf("%d decisions audited, want %d", n, before+1)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action IN ('crossborder.encode', 'crossborder.pair_import')`); n < 2+len(pairs) {
			t.Errorf("%d encodes and imports audited", n)
		}
		c, err := f.joSvc.Counts(f.joView, f.jo)
		if err != nil || c[FollowUp] != 1 || c[Open] != len(pairs)-1 {
			t.Errorf("counts %v %v", c, err)
		}
	})
}

func TestEncodeWithoutSecret(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		s := New(d, Options{Registry: f.persons, KeyFile: t.TempDir() + "/none.key"})
		_, err := s.Encode(f.joReg, f.jo, io.Discard, nil)
		wantKey(t, err, "crossborder.no_secret")
		if _, err := f.joSvc.Encode(f.egReg, f.jo, io.Discard, nil); !denied(err) {
			t.Errorf("EG encoded JO's persons: %v", err)
		}
	})
}
