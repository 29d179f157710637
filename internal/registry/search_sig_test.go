package registry

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/member"
)

// TestSearchIsBruteForce checks name search against the rule it keeps —
// every word of the query matches some token of the name (a Latin word its
// spelling or its skeleton) — over random names and queries, on both
// engines: with the signatures the import and registrations write, with
// rows written before there were signatures (0), and after names change.
// A signature test that dropped a match, or a Latin word's two tokens
// giving a person twice, fails it.
func TestSearchIsBruteForce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		m := jordan(t, d)
		s := New(d)
		r := rand.New(rand.NewPCG(5, 6))
		male := []string{"محمد", "أحمد", "محمود", "علي", "حسن", "حسين", "عبد الله", "عمر", "خالد", "يوسف"}
		family := []string{"الحسيني", "النجار", "الخطيب", "حسين", "السعيد", "أبو زيد", "يوسف"}
		latin := map[string]string{"محمد": "Mohammed", "أحمد": "Ahmad", "محمود": "Mahmoud", "علي": "Ali", "حسن": "Hassan", "الحسيني": "Al-Husseini", "النجار": "Al-Najjar", "يوسف": "Youssef"}
		pick := func(l []string) string { return l[r.IntN(len(l))] }
		var words []string
		words = append(words, male...)
		words = append(words, family...)
		for _, l := range latin {
			words = append(words, l)
		}
		words = append(words, "Husseini", "mohamad", "زينب")
		for h := range 40 {
			var ps []Person
			fam := pick(family)
			for i := range 1 + r.IntN(5) {
				p := Person{Ref: fmt.Sprintf("P%d-%d", h, i), Relationship: "son", FirstName: pick(male), FatherName: pick(male), GrandfatherName: pick(male), FamilyName: fam, Sex: "male"}
				if i == 0 {
					p.Relationship = "head"
				}
				if l1, ok := latin[p.FirstName]; ok && r.IntN(2) == 0 {
					p.NameLatin = l1
					if l2, ok := latin[fam]; ok {
						p.NameLatin += " " + l2
					}
				}
				ps = append(ps, p)
			}
			if _, _, err := s.CreateHousehold(ctx, m.ID, Household{Ref: fmt.Sprintf("H%d", h)}, ps); err != nil {
				t.Fatal(err)
			}
		}
		checkOnce := func(t *testing.T) {
			t.Helper()
			var all []Person
			page, err := s.Search(ctx, Query{MemberID: m.ID, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			all = page.Persons
			for range 150 {
				var q []string
				for range 1 + r.IntN(3) {
					q = append(q, pick(words))
				}
				text := strings.Join(q, " ")
				var want []int64
				for _, p := range all {
					toks := p.nameTokens(nil)
					if !slices.ContainsFunc(arabic.Tokens(text), func(w string) bool {
						return !slices.ContainsFunc(tokenCandidates(w), func(c string) bool { return slices.Contains(toks, c) })
					}) {
						want = append(want, p.ID)
					}
				}
				page, err := s.Search(ctx, Query{MemberID: m.ID, Text: text, Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, p := range page.Persons {
					got = append(got, p.ID)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("%q: got %v, want %v", text, got, want)
				}
				// A page of two stops the walk early and still gives the
				// first two.
				page, err = s.Search(ctx, Query{MemberID: m.ID, Text: text, Limit: 2})
				if err != nil {
					t.Fatal(err)
				}
				got = got[:0]
				for _, p := range page.Persons {
					got = append(got, p.ID)
				}
				if w := want[:min(2, len(want))]; !slices.Equal(got, w) || page.More != (len(want) > 2) {
					t.Fatalf("%q, page of 2: got %v more %v, want %v", text, got, page.More, w)
				}
			}
		}
		check := func(t *testing.T) {
			t.Helper()
			// On PostgreSQL, with budgets of one and three postings, a
			// search walks that far and asks GIN for the rest.
			for _, budget := range []int{searchBudget, 1, 3} {
				if budget != searchBudget && d.Dialect != db.Postgres {
					continue
				}
				was := searchBudget
				searchBudget = budget
				checkOnce(t)
				searchBudget = was
			}
		}
		t.Run("signatures", check)
		t.Run("rows without a signature", func(t *testing.T) {
			if err := d.Tx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE person_names SET sig = 0 WHERE person_id % 3 = 0`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			check(t)
		})
		t.Run("names changed", func(t *testing.T) {
			page, err := s.Search(ctx, Query{MemberID: m.ID, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.Persons[:20] {
				p.FirstName, p.NameLatin = pick(male), ""
				if r.IntN(2) == 0 {
					p.NameLatin = "Hassan Al-Husseini"
				}
				if _, err := s.UpdatePerson(ctx, p.ID, p); err != nil {
					t.Fatal(err)
				}
			}
			check(t)
		})
	})
}

// TestCountCache checks what the count cache answers: an exact count under
// any cap, a count that stopped at its cap only for a cap as low, nothing
// once old.
func TestCountCache(t *testing.T) {
	var c countCache
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	k := countKey{1, "محمد"}
	c.put(k, keptCount{5000, false, now})
	if _, ok := c.get(k, 50001, now); ok {
		t.Error("a count stopped at 5,000 answered a cap of 50,001")
	}
	if n, ok := c.get(k, 3000, now); !ok || n != 3000 {
		t.Errorf("cap 3,000: %d %v", n, ok)
	}
	c.put(k, keptCount{2500, false, now})
	if n, ok := c.get(k, 5000, now); !ok || n != 5000 {
		t.Errorf("a lower cap replaced what was kept: %d %v", n, ok)
	}
	c.put(k, keptCount{42000, true, now})
	if n, ok := c.get(k, 50001, now); !ok || n != 42000 {
		t.Errorf("exact: %d %v", n, ok)
	}
	if _, ok := c.get(k, 50001, now.Add(countFor+time.Second)); ok {
		t.Error("an old count answered")
	}
}

// TestEstimateFromStatistics checks that on PostgreSQL search reads the
// postings of a common word from the planner's statistics once ANALYZE has
// run, as many as there are.
func TestEstimateFromStatistics(t *testing.T) {
	if dbtest.PostgresURL() == "" {
		t.Skip("TADAMUN_TEST_POSTGRES is not set")
	}
	d := dbtest.Open(t, db.Postgres)
	ctx := actor.System(context.Background())
	m := jordan(t, d)
	s := New(d)
	for h := range 30 {
		ps := []Person{{Ref: fmt.Sprintf("P%d", h), Relationship: "head", FirstName: "محمد", FatherName: "علي", FamilyName: "النجار", Sex: "male"}}
		if h%3 == 0 {
			ps[0].FirstName = "يوسف"
		}
		if _, _, err := s.CreateHousehold(ctx, m.ID, Household{Ref: fmt.Sprintf("H%d", h)}, ps); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.AfterBulkWrite(ctx, "person_names"); err != nil {
		t.Fatal(err)
	}
	s = New(d) // its statistics are read again
	if n, y := s.estimate(ctx, []string{"محمد"}), s.estimate(ctx, []string{"يوسف"}); n != 20 || y != 10 {
		t.Errorf("after ANALYZE: محمد %d, يوسف %d; want 20 and 10", n, y)
	}
}

// jordan creates member JO on d, for a registry test of its own.
func jordan(t *testing.T, d *db.DB) member.Member {
	t.Helper()
	m, err := member.New(d).Create(actor.System(context.Background()), member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
