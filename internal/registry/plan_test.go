package registry

import (
	"context"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// TestSearchPlans checks on SQLite that every kind of search is driven by
// an index — a name token, a key, a reference — and never walks the
// persons of the member, which at a million persons is the difference
// between milliseconds and seconds.
func TestSearchPlans(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := actor.System(context.Background())
	m := jordan(t, d)
	s := New(d)
	if _, _, err := s.CreateHousehold(ctx, m.ID, Household{Ref: "H1"}, []Person{{Ref: "P1", Relationship: "head", FirstName: "أحمد", FamilyName: "الحسيني", Sex: "male"}}); err != nil {
		t.Fatal(err)
	}
	var plans []string
	searchHook = func(sql string, args []any) {
		rows, err := d.Query(context.Background(), "EXPLAIN QUERY PLAN "+sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var a, b, c any
			var detail string
			if err := rows.Scan(&a, &b, &c, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		plans = append(plans, strings.Join(plan, "\n"))
	}
	defer func() { searchHook = nil }()
	for _, text := range []string{"أحمد", "أحمد الحسيني", "احمد محمد الحسيني", "Ahmad Husseini", "9801234567", "0791234567", "H1", "P1"} {
		t.Run(text, func(t *testing.T) {
			plans = nil
			if _, err := s.Search(ctx, Query{MemberID: m.ID, Text: text}); err != nil {
				t.Fatal(err)
			}
			if len(plans) != 1 {
				t.Fatalf("%d statements, want 1", len(plans))
			}
			for _, step := range strings.Split(plans[0], "\n") {
				if walks(step) {
					t.Errorf("plan walks the registry at %q:\n%s", step, plans[0])
				}
			}
		})
	}
}

// walks reports whether a query plan step reads a whole table, or all of
// a member's persons through the member index.
func walks(step string) bool {
	for _, table := range []string{"p", "h", "n", "persons", "households", "person_names"} {
		if step == "SCAN "+table || strings.HasPrefix(step, "SCAN "+table+" ") {
			return true
		}
	}
	return strings.HasSuffix(step, "(member_id=?)") && !strings.Contains(step, "token")
}
