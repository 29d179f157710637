package source_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// decideFixture is member JO with two households that each registered the
// same woman (W1 in H1, the older record; W2 in H2, with her phone), her
// husband twice (the heads of H1 and H3), and a run that paired them.
type decideFixture struct {
	d         *db.DB
	jo        int64
	reg       *registry.Service
	checker   *source.Checker // the one real-time index the process shares
	p         map[string]registry.Person
	registrar context.Context
}

func decideSetup(t *testing.T, d *db.DB) *decideFixture {
	t.Helper()
	sys := actor.System(context.Background())
	clock := calendar.NewManual(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	d.SetClock(clock.Clock())
	m, err := member.New(d).Create(sys, member.Member{Code: "JO", NameAR: "JO", NameEN: "JO", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
	if err != nil {
		t.Fatal(err)
	}
	f := &decideFixture{d: d, jo: m.ID, reg: registry.New(d), checker: source.NewChecker(d), p: map[string]registry.Person{},
		registrar: actor.With(context.Background(), actor.Actor{UserID: 5, MemberID: m.ID, Roles: []actor.Role{actor.Registrar}})}
	add := func(ref string, ps ...registry.Person) {
		_, out, err := f.reg.CreateHousehold(sys, m.ID, registry.Household{Ref: ref}, ps)
		if err != nil {
			t.Fatalf("household %s: %v", ref, err)
		}
		for _, p := range out {
			f.p[p.Ref] = p
		}
	}
	husband := registry.Person{Relationship: "head", FirstName: "زكريا", FatherName: "يحيى", GrandfatherName: "موسى", FamilyName: "الحلبي",
		Sex: "male", BirthDate: "1980-05-11", NationalID: "9805111234"}
	wife := registry.Person{Relationship: "spouse", FirstName: "سلمى", FatherName: "كمال", GrandfatherName: "عيسى", FamilyName: "الفرا",
		Sex: "female", BirthDate: "1984-07-09", NationalID: "9845012345"}
	h1, w1 := husband, wife
	h1.Ref, w1.Ref = "M1", "W1"
	add("H1", h1, w1)
	w2 := wife
	w2.Ref, w2.Relationship, w2.FirstName, w2.Phone = "W2", "head", "سلمي", "0795551234"
	add("H2", w2)
	clock.Advance(time.Minute) // H3 registered later than H1
	h3 := husband
	h3.Ref, h3.FamilyName = "M3", "حلبي"
	add("H3", h3, registry.Person{Ref: "C3", Relationship: "son", FirstName: "كريم", FatherName: "زكريا", FamilyName: "الحلبي", Sex: "male", BirthDate: "2010-01-01"})
	recs, err := source.Registry(sys, d, m.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := dedup.Run(sys, recs, dedup.Options{CallingCode: "962"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dedup.New(d).SaveRun(sys, m.ID, res, clock.Now()); err != nil {
		t.Fatal(err)
	}
	return f
}

// pair returns the stored pair of persons x and y.
func (f *decideFixture) pair(t *testing.T, x, y string) dedup.StoredPair {
	t.Helper()
	ps, err := dedup.New(f.d).Pairs(f.registrar, f.jo, dedup.PairFilter{Status: "all"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := f.p[x].ID, f.p[y].ID
	for _, p := range ps {
		if p.PersonA == min(a, b) && p.PersonB == max(a, b) {
			return p
		}
	}
	t.Fatalf("no pair %s-%s among %d pairs", x, y, len(ps))
	return dedup.StoredPair{}
}

func (f *decideFixture) search(t *testing.T, text string) []string {
	t.Helper()
	page, err := f.reg.Search(f.registrar, registry.Query{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, p := range page.Persons {
		refs = append(refs, p.Ref)
	}
	return refs
}

func auditCount(t *testing.T, d *db.DB, action, entity string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = ? AND entity_id = ?`, action, entity).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDecideConfirmMerges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := decideSetup(t, d)
		pr := f.pair(t, "W1", "W2")
		if got := f.search(t, "سلمى الفرا"); len(got) != 2 {
			t.Fatalf("before: search finds %v, want both records", got)
		}
		// W2 heads H2, so the default keeps it although W1 is older.
		out, err := f.checker.Decide(f.registrar, f.jo, pr.ID, true, 0, "same woman")
		if err != nil {
			t.Fatalf("confirm: %v", err)
		}
		if out.Pair.Status != dedup.StatusConfirmed || out.Merge == nil || out.Merge.KeptRef != "W2" || out.Merge.DroppedRef != "W1" {
			t.Fatalf("decision = %+v, merge %+v; want confirmed, W1 merged into W2", out.Pair, out.Merge)
		}
		for q, want := range map[string]string{"سلمى الفرا": "W2", "9845012345": "W2", "W1": ""} {
			if got := strings.Join(f.search(t, q), ","); got != want {
				t.Errorf("after: search for %s finds %q, want %q", q, got, want)
			}
		}
		// The real-time check was rebuilt without the merged record.
		ds, err := source.Index(f.checker).Check(f.registrar, registry.Person{MemberID: f.jo, FirstName: "سلمى", FatherName: "كمال", FamilyName: "الفرا",
			Sex: "female", BirthDate: "1984-07-09", NationalID: "9845012345"})
		if err != nil || len(ds) != 1 || ds[0].Ref != "W2" {
			t.Errorf("check after the merge: %+v, %v; want W2 alone", ds, err)
		}
		for _, x := range []string{"W1", "W2"} {
			h, err := f.reg.History(f.registrar, f.p[x].HouseholdID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var created, merged bool
			for _, c := range h {
				created = created || c.PersonRef == x && c.Action == "create"
				merged = merged || c.PersonRef == x && c.Action == "merge"
			}
			if !created || !merged {
				t.Errorf("history of %s's household: creation %v, merge %v; want both readable", x, created, merged)
			}
		}
		if n := auditCount(t, d, "person.merge", strconv.FormatInt(f.p["W1"].ID, 10)); n != 1 {
			t.Errorf("audit records of the merge: %d, want 1", n)
		}
		if n := auditCount(t, d, "dedup.confirm", strconv.FormatInt(pr.ID, 10)); n != 1 {
			t.Errorf("audit records of the confirmation: %d, want 1", n)
		}
		if _, err := f.checker.Decide(f.registrar, f.jo, pr.ID, true, 0, ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("deciding the pair again: %v, want conflict", err)
		}
	})
}

func TestDecideChoices(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := decideSetup(t, d)
		men := f.pair(t, "M1", "M3")
		t.Run("a head cannot be merged away and the pair stays open", func(t *testing.T) {
			_, err := f.checker.Decide(f.registrar, f.jo, men.ID, true, f.p["M1"].ID, "")
			if e := errs.As(err); e == nil || e.Key != "registry.merge_head" || len(e.Fields) == 0 || e.Fields[0].Field != "keep" {
				t.Fatalf("got %v, want registry.merge_head on field keep", err)
			}
			if p := f.pair(t, "M1", "M3"); p.Status != dedup.StatusOpen {
				t.Errorf("pair status %s, want open: the decision must roll back with the merge", p.Status)
			}
			if n := auditCount(t, d, "dedup.confirm", strconv.FormatInt(men.ID, 10)); n != 0 {
				t.Errorf("%d confirmations audited, want none", n)
			}
		})
		t.Run("keep must be one of the pair", func(t *testing.T) {
			_, err := f.checker.Decide(f.registrar, f.jo, men.ID, true, f.p["C3"].ID, "")
			if e := errs.As(err); e == nil || e.Key != "dedup.bad_keep" {
				t.Fatalf("got %v, want dedup.bad_keep", err)
			}
		})
		t.Run("reject merges nothing", func(t *testing.T) {
			out, err := f.checker.Decide(f.registrar, f.jo, f.pair(t, "W1", "W2").ID, false, 0, "two sisters")
			if err != nil || out.Merge != nil || out.Pair.Status != dedup.StatusRejected {
				t.Fatalf("reject = %+v, %v", out, err)
			}
			if got := f.search(t, "سلمى الفرا"); len(got) != 2 {
				t.Errorf("search finds %v, want both records", got)
			}
		})
		t.Run("a pair whose person was merged elsewhere cannot be decided", func(t *testing.T) {
			// The registrar merges M3 away by hand after making the son head.
			if err := f.reg.ChangeHead(f.registrar, f.p["C3"].ID, "parent"); err != nil {
				t.Fatal(err)
			}
			if err := f.reg.MergePersons(f.registrar, f.p["M1"].ID, f.p["M3"].ID, ""); err != nil {
				t.Fatal(err)
			}
			for _, confirm := range []bool{true, false} {
				_, err := f.checker.Decide(f.registrar, f.jo, men.ID, confirm, 0, "")
				if e := errs.As(err); e == nil || e.Code != errs.Conflict || e.Key != "dedup.pair_merged" {
					t.Errorf("confirm=%v: got %v, want dedup.pair_merged", confirm, err)
				}
			}
		})
		t.Run("default keeps the older record", func(t *testing.T) {
			older := registry.Person{ID: 9, CreatedAt: time.Unix(100, 0), Relationship: "son"}
			newer := registry.Person{ID: 3, CreatedAt: time.Unix(200, 0), Relationship: "son"}
			if got := source.DefaultKeep(newer, older); got != 9 {
				t.Errorf("DefaultKeep = %d, want the older 9", got)
			}
			newer.Relationship = "head"
			if got := source.DefaultKeep(older, newer); got != 3 {
				t.Errorf("DefaultKeep = %d, want the newer head 3", got)
			}
		})
	})
}
