package member_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

func TestCreateMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := member.New(d)
		ctx := actor.System(context.Background())
		tests := []struct {
			name  string
			in    member.Member
			code  errs.Code
			field string
		}{
			{"jordan", member.Member{Code: "jo", NameAR: "الأردن", NameEN: "Jordan", Currency: "jod", Timezone: "Asia/Amman"}, "", ""},
			{"duplicate code", member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"}, errs.Conflict, "code"},
			{"unknown currency", member.Member{Code: "EG", NameAR: "مصر", NameEN: "Egypt", Currency: "XYZ", Timezone: "Africa/Cairo"}, errs.Invalid, "currency"},
			{"bad time zone", member.Member{Code: "EG", NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Mars/Olympus"}, errs.Invalid, "timezone"},
			{"three-letter state code", member.Member{Code: "EGY", NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Africa/Cairo"}, errs.Invalid, "code"},
			{"organization", member.Member{Code: "RED-CRESCENT", Kind: member.Organization, NameAR: "الهلال الأحمر", NameEN: "Red Crescent", Currency: "USD", Timezone: "UTC"}, "", ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.Create(ctx, tc.in)
				if got := errs.CodeOf(err); got != tc.code {
					t.Fatalf("got %q (%v), want %q", got, err, tc.code)
				}
				if tc.field != "" {
					e := errs.As(err)
					if len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
						t.Errorf("got fields %+v, want %s", e.Fields, tc.field)
					}
				}
			})
		}
		m, err := s.Get(ctx, "jo")
		if err != nil || m.Exponent() != 3 {
			t.Errorf("got %+v, %v; want JOD with 3 decimals", m, err)
		}
		t.Run("member-scoped user sees only its member", func(t *testing.T) {
			other, _ := s.Get(ctx, "RED-CRESCENT")
			uctx := actor.With(context.Background(), actor.Actor{UserID: 5, MemberID: other.ID, Roles: []actor.Role{actor.Viewer}})
			list, err := s.List(uctx)
			if err != nil || len(list) != 1 || list[0].Code != "RED-CRESCENT" {
				t.Errorf("got %v, %v", list, err)
			}
			if _, err := s.Get(uctx, "JO"); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("got %v, want not found", err)
			}
			if _, err := s.Create(uctx, member.Member{Code: "SA", NameAR: "س", NameEN: "S", Currency: "SAR"}); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("got %v, want forbidden", err)
			}
		})
	})
}

func TestImportAreasCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := member.New(d)
		ctx := actor.System(context.Background())
		if _, err := s.Create(ctx, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"}); err != nil {
			t.Fatal(err)
		}
		good := "\ufeffالمستوى,الرمز,رمز الأعلى,الاسم بالعربية,الاسم بالإنجليزية\n" +
			"محافظة,AM,,عمّان,Amman\n" +
			"district,AM-01,AM,قصبة عمان,Amman Qasabah\n" +
			"locality,AM-01-001,AM-01,جبل عمان,Jabal Amman\n"
		areas, err := s.ImportAreasCSV(ctx, "JO", "areas.csv", strings.NewReader(good))
		if err != nil || len(areas) != 3 {
			t.Fatalf("got %d areas, %v; want 3", len(areas), err)
		}
		bad := "level,code,parent_code,name_ar,name_en\n" +
			"governorate,IR,,إربد,Irbid\n" +
			"district,IR-01,XX,قصبة إربد,Irbid Qasabah\n" +
			"planet,IR-02,IR,,\n" +
			"governorate,IR,,إربد,Irbid\n"
		_, err = s.ImportAreasCSV(ctx, "JO", "bad.csv", strings.NewReader(bad))
		e := errs.As(err)
		if e.Code != errs.Invalid {
			t.Fatalf("got %v, want invalid", err)
		}
		want := map[string]int{"parent_code": 3, "level": 4, "name_ar": 4, "code": 5}
		for field, row := range want {
			found := false
			for _, f := range e.Fields {
				if f.Field == field && f.Row == row {
					found = true
				}
			}
			if !found {
				t.Errorf("no error for %s at row %d in %+v", field, row, e.Fields)
			}
		}
		all, _ := s.Areas(ctx, "JO")
		if len(all) != 3 {
			t.Errorf("got %d areas after a failed import, want 3: nothing half-written", len(all))
		}
	})
}
