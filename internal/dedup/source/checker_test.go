package source_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

func TestChecker(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sys := actor.System(context.Background())
		var ids [2]int64
		for i, code := range []string{"JO", "EG"} {
			m, err := member.New(d).Create(sys, member.Member{Code: code, NameAR: code, NameEN: code, Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = m.ID
		}
		jo, eg := ids[0], ids[1]
		_, ps, err := registry.New(d).CreateHousehold(sys, jo, registry.Household{Ref: "H1"}, []registry.Person{
			{Ref: "P1", Relationship: "head", FirstName: "زكريا", FatherName: "يحيى", GrandfatherName: "موسى", FamilyName: "الحلبي",
				Sex: "male", BirthDate: "1990-05-11", NationalID: "9905111234", Phone: "0791112222"},
			{Ref: "P2", Relationship: "spouse", FirstName: "سلمى", FatherName: "كمال", FamilyName: "الفرا", Sex: "female", BirthDate: "1992-01-02"},
		})
		if err != nil {
			t.Fatal(err)
		}
		c := source.NewChecker(d)
		registrar := actor.With(context.Background(), actor.Actor{UserID: 5, MemberID: jo, Roles: []actor.Role{actor.Registrar}})
		tests := []struct {
			name string
			p    dedup.Record
			want string // member_ref of the first match, "" for none
		}{
			{"same person typed again", dedup.Record{First: "زكريا", Father: "يحيي", Family: "حلبي", BirthYear: 1990, BirthMonth: 11, BirthDay: 5, Phone: "+962 79 111 2222"}, "P1"},
			{"the same record edited is not its own duplicate", dedup.Record{ID: ps[0].ID, First: "زكريا", Father: "يحيى", Family: "الحلبي", BirthYear: 1990, BirthMonth: 5, BirthDay: 11, NationalID: "9905111234"}, ""},
			{"a stranger", dedup.Record{First: "نزار", Father: "قيس", Family: "الزين", BirthYear: 1970, BirthMonth: 1, BirthDay: 1}, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ms, err := c.Check(registrar, jo, tt.p)
				if err != nil {
					t.Fatal(err)
				}
				got := ""
				if len(ms) > 0 {
					got = ms[0].Record.Ref
				}
				if got != tt.want {
					t.Errorf("first match %q (%d matches), want %q", got, len(ms), tt.want)
				}
			})
		}
		t.Run("another member's registry is not searched", func(t *testing.T) {
			egRegistrar := actor.With(context.Background(), actor.Actor{UserID: 6, MemberID: eg, Roles: []actor.Role{actor.Registrar}})
			if _, err := c.Check(egRegistrar, jo, tests[0].p); !errs.Is(err, errs.NotFound) {
				t.Errorf("EG registrar checking against JO: got %v, want not found", err)
			}
			if ms, err := c.Check(egRegistrar, eg, tests[0].p); err != nil || len(ms) != 0 {
				t.Errorf("EG's own (empty) registry: %d matches, %v", len(ms), err)
			}
		})
	})
}

// TestCheckerConcurrent: checks and saves from many goroutines while the
// index expires and is rebuilt (run under -race: the build's time was once
// written without the lock that guarded its reads).
func TestCheckerConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := decideSetup(t, d)
		c := source.NewChecker(d)
		c.MaxAge = time.Nanosecond // every check finds the index expired
		idx := source.Index(c)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 5 {
					if _, err := idx.Check(f.registrar, f.p["W1"]); err != nil {
						t.Error(err)
						return
					}
					idx.Saved(f.jo, []registry.Person{f.p["M"+string(rune('1'+2*(i%2)))]})
				}
			}()
		}
		wg.Wait()
	})
}
