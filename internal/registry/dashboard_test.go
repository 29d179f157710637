package registry

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
	"github.com/tadamun/tadamun/internal/member"
)

// TestRegistrationWeeks registers households on chosen days and checks
// each seven-day week counts its own, the current week ending today, on
// both engines; another member's households and those older than the
// weeks asked are not counted, and a registrar of another member is
// refused. On SQLite the count reads only its index.
func TestRegistrationWeeks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		ms := member.New(d)
		jo, err := ms.Create(ctx, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
		if err != nil {
			t.Fatal(err)
		}
		eg, err := ms.Create(ctx, member.Member{Code: "EG", NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Africa/Cairo", CallingCode: "20"})
		if err != nil {
			t.Fatal(err)
		}
		s := NewWith(d, Options{Clock: calendar.Fixed(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))})
		n := 0
		add := func(m int64, day string) {
			n++
			ref := "H" + strconv.Itoa(n)
			if _, _, err := s.CreateHousehold(ctx, m, Household{Ref: ref, RegisteredOn: day}, []Person{{Ref: "P" + strconv.Itoa(n), Relationship: "head", FirstName: "أحمد", FamilyName: "الحسيني", Sex: "male"}}); err != nil {
				t.Fatal(err)
			}
		}
		for _, day := range []string{"2026-12-02", "2026-11-26", "2026-11-26", "2026-11-25", "2026-10-14", "2026-10-07"} {
			add(jo.ID, day)
		}
		add(eg.ID, "2026-12-01")
		weeks, err := s.RegistrationWeeks(ctx, jo.ID, 8)
		if err != nil {
			t.Fatal(err)
		}
		want := []Week{{"2026-10-08", "2026-10-14", 1}, {"2026-10-15", "2026-10-21", 0}, {"2026-10-22", "2026-10-28", 0}, {"2026-10-29", "2026-11-04", 0},
			{"2026-11-05", "2026-11-11", 0}, {"2026-11-12", "2026-11-18", 0}, {"2026-11-19", "2026-11-25", 1}, {"2026-11-26", "2026-12-02", 3}}
		if len(weeks) != len(want) {
			t.Fatalf("got %d weeks, want %d", len(weeks), len(want))
		}
		for i := range want {
			if weeks[i] != want[i] {
				t.Errorf("week %d: got %+v, want %+v", i, weeks[i], want[i])
			}
		}
		// A registration dated in a past week drops the kept counts.
		add(jo.ID, "2026-10-20")
		if weeks, err = s.RegistrationWeeks(ctx, jo.ID, 8); err != nil {
			t.Fatal(err)
		}
		if weeks[1].Count != 1 {
			t.Errorf("after a registration dated 2026-10-20: %+v", weeks[1])
		}
		egReg := actor.With(context.Background(), actor.Actor{UserID: 99, MemberID: eg.ID, Roles: []actor.Role{actor.Registrar}})
		if _, err := s.RegistrationWeeks(egReg, jo.ID, 8); err == nil {
			t.Error("another member's registrar counted JO's registrations")
		}
		if d.Dialect == db.SQLite {
			rows, err := d.Query(context.Background(), `EXPLAIN QUERY PLAN SELECT COUNT(*) FROM households WHERE member_id = ? AND registered_on >= ? AND registered_on <= ?`, jo.ID, "2026-10-08", "2026-12-02")
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
			if p := strings.Join(plan, "\n"); !strings.Contains(p, "COVERING INDEX households_registered") {
				t.Errorf("registrations by week do not read their index alone:\n%s", p)
			}
		}
	})
}
