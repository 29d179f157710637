package registry

import (
	"context"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// TestHouseholdListPlans checks on SQLite that every order of the whole
// household list reads its page from an index in order — no scan of the
// member's households, no sort of them all — and that a list filtered by
// locality is read from the area index.
func TestHouseholdListPlans(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := actor.System(context.Background())
	m := jordan(t, d)
	s := New(d)
	plan := func(t *testing.T, q HouseholdQuery) string {
		t.Helper()
		l, err := s.householdList(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := d.Query(ctx, `EXPLAIN QUERY PLAN SELECT h.id FROM `+l.from+` WHERE `+l.where+` ORDER BY `+l.order+` LIMIT 51`, l.args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var steps []string
		for rows.Next() {
			var a, b, c any
			var detail string
			if err := rows.Scan(&a, &b, &c, &detail); err != nil {
				t.Fatal(err)
			}
			steps = append(steps, detail)
		}
		return strings.Join(steps, "\n")
	}
	for _, sort := range []string{"-id", "id", "household_ref", "-household_ref", "registered_on", "-registered_on", "area", "-area", "head_name", "-head_name"} {
		t.Run(sort, func(t *testing.T) {
			p := plan(t, HouseholdQuery{MemberID: m.ID, Sort: sort})
			if strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("the page is sorted, not read in order:\n%s", p)
			}
			for _, step := range strings.Split(p, "\n") {
				if step == "SCAN h" || step == "SCAN hp" {
					t.Errorf("plan scans a table:\n%s", p)
				}
			}
		})
	}
	t.Run("locality by head", func(t *testing.T) {
		p := plan(t, HouseholdQuery{MemberID: m.ID, Sort: "head_name", Governorate: "G", District: "D", Locality: "L"})
		if !strings.Contains(p, "households_area") {
			t.Errorf("a locality's list is not read from the area index:\n%s", p)
		}
	})
}
