package member_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

// pickerAreas is a small tree with the spellings people type differently:
// shadda, hamza, taa marbuta, a level word in the name, and one district
// name in two governorates.
var pickerAreas = []member.Area{
	{Level: member.Governorate, Code: "AM", NameAR: "عمّان", NameEN: "Amman"},
	{Level: member.Governorate, Code: "IR", NameAR: "إربد", NameEN: "Irbid"},
	{Level: member.Governorate, Code: "ZA", NameAR: "الزرقاء", NameEN: "Zarqa"},
	{Level: member.District, Code: "AM-QS", ParentCode: "AM", NameAR: "لواء قصبة عمان", NameEN: "Qasabat Amman"},
	{Level: member.District, Code: "AM-MR", ParentCode: "AM", NameAR: "لواء ماركا", NameEN: "Marka"},
	{Level: member.District, Code: "IR-WS", ParentCode: "IR", NameAR: "الوسطية", NameEN: "Al-Wastiyya"},
	{Level: member.District, Code: "ZA-WS", ParentCode: "ZA", NameAR: "الوسطية", NameEN: "Al-Wastiyya"},
	{Level: member.Locality, Code: "AM-MR-01", ParentCode: "AM-MR", NameAR: "حي نزال", NameEN: "Hay Nazzal"},
	{Level: member.Locality, Code: "AM-QS-01", ParentCode: "AM-QS", NameAR: "جبل النزهة", NameEN: "Jabal al-Nuzha"},
}

func TestResolveAreas(t *testing.T) {
	tests := []struct {
		name            string
		gov, dist, loc  string
		want            [3]string
		field, errKey   string // the first field error expected, if any
		wantErrorFields int
	}{
		{name: "codes from the picker", gov: "AM", dist: "AM-MR", loc: "AM-MR-01", want: [3]string{"AM", "AM-MR", "AM-MR-01"}},
		{name: "code in small letters", gov: "am", want: [3]string{"AM"}},
		{name: "Arabic name without shadda", gov: "عمان", want: [3]string{"AM"}},
		{name: "English name in any case", gov: " AMMAN ", want: [3]string{"AM"}},
		{name: "hamza and alef forms", gov: "اربد", want: [3]string{"IR"}},
		{name: "taa marbuta written as haa", gov: "عمان", dist: "لواء قصبه عمان", want: [3]string{"AM", "AM-QS"}},
		{name: "level word left out", gov: "عمان", dist: "ماركا", loc: "نزال", want: [3]string{"AM", "AM-MR", "AM-MR-01"}},
		{name: "level word added", gov: "محافظة عمان", want: [3]string{"AM"}},
		{name: "district found within its governorate", gov: "IR", dist: "الوسطيه", want: [3]string{"IR", "IR-WS"}},
		{name: "unknown governorate names its field", gov: "عمانن", field: "governorate", errKey: "areas.unknown_governorate", wantErrorFields: 1},
		{name: "district of another governorate is unknown", gov: "IR", dist: "ماركا", field: "district", errKey: "areas.unknown_district", wantErrorFields: 1},
		{name: "same district name in two governorates is ambiguous without one", dist: "Al-Wastiyya", field: "district", errKey: "areas.ambiguous_district", wantErrorFields: 1},
		{name: "every bad level is listed", gov: "Atlantis", loc: "Nowhere", field: "governorate", errKey: "areas.unknown_governorate", wantErrorFields: 2},
		{name: "empty stays empty", want: [3]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, d, l, err := member.ResolveAreas(pickerAreas, tc.gov, tc.dist, tc.loc)
			if tc.errKey == "" {
				if err != nil {
					t.Fatalf("got %v", err)
				}
				if got := [3]string{g, d, l}; got != tc.want {
					t.Errorf("got %q, want %q", got, tc.want)
				}
				return
			}
			e := errs.As(err)
			if e == nil || e.Code != errs.Invalid || len(e.Fields) != tc.wantErrorFields {
				t.Fatalf("got %v, want %d field errors", err, tc.wantErrorFields)
			}
			if f := e.Fields[0]; f.Field != tc.field || f.Key != tc.errKey || f.Args["name"] == "" {
				t.Errorf("got field error %+v, want %s on %s with the name", f, tc.errKey, tc.field)
			}
		})
	}
	t.Run("a member without areas keeps what was typed", func(t *testing.T) {
		g, d, l, err := member.ResolveAreas(nil, "X1", "X2", "")
		if err != nil || g != "X1" || d != "X2" || l != "" {
			t.Errorf("got %q %q %q %v", g, d, l, err)
		}
	})
}

func TestFindAreas(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := member.New(d)
		ctx := actor.System(context.Background())
		for _, m := range []member.Member{
			{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"},
			{Code: "EG", NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Africa/Cairo"},
		} {
			if _, err := s.Create(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.SaveAreas(ctx, "JO", slices.Clone(pickerAreas)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveAreas(ctx, "EG", []member.Area{{Level: member.Governorate, Code: "C", NameAR: "القاهرة", NameEN: "Cairo"}}); err != nil {
			t.Fatal(err)
		}
		codes := func(as []member.Area) string {
			var c []string
			for _, a := range as {
				c = append(c, a.Code)
			}
			return strings.Join(c, ",")
		}
		tests := []struct {
			name string
			f    member.AreaFilter
			want string
		}{
			{"governorates", member.AreaFilter{Level: "governorate"}, "AM,IR,ZA"},
			{"children of a governorate", member.AreaFilter{Parent: "AM"}, "AM-MR,AM-QS"},
			{"children of a district", member.AreaFilter{Parent: "AM-MR"}, "AM-MR-01"},
			{"part of an Arabic name, normalized", member.AreaFilter{Level: "governorate", Q: "ارب"}, "IR"},
			{"part of an English name", member.AreaFilter{Q: "wast"}, "IR-WS,ZA-WS"},
			{"within a parent", member.AreaFilter{Parent: "ZA", Q: "الوسطية"}, "ZA-WS"},
			{"start of a code", member.AreaFilter{Q: "am-m"}, "AM-MR,AM-MR-01"},
			{"Arabic level name", member.AreaFilter{Level: "محافظة", Q: "zar"}, "ZA"},
			{"limit", member.AreaFilter{Limit: 2}, "AM,IR"},
			{"nothing matches", member.AreaFilter{Q: "القاهرة"}, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.FindAreas(ctx, "JO", tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if codes(got) != tc.want {
					t.Errorf("got %s, want %s", codes(got), tc.want)
				}
			})
		}
		t.Run("bad filters are refused", func(t *testing.T) {
			for _, f := range []member.AreaFilter{{Level: "planet"}, {Q: strings.Repeat("ع", 60)}} {
				if _, err := s.FindAreas(ctx, "JO", f); errs.CodeOf(err) != errs.Invalid {
					t.Errorf("FindAreas(%+v): got %v, want invalid", f, err)
				}
			}
		})
		t.Run("a member-scoped user cannot read another member's areas; anyone can read the public names", func(t *testing.T) {
			jo, _ := s.Get(ctx, "JO")
			uctx := actor.With(context.Background(), actor.Actor{UserID: 5, MemberID: jo.ID, Roles: []actor.Role{actor.Viewer}})
			if _, err := s.FindAreas(uctx, "EG", member.AreaFilter{}); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("got %v, want not found", err)
			}
			got, err := s.PublicAreas(context.Background(), "EG", member.AreaFilter{Q: "cai"})
			if err != nil || codes(got) != "C" {
				t.Errorf("public: got %s, %v; want C", codes(got), err)
			}
			eg, _ := s.Get(ctx, "EG")
			if as, err := s.AreasOf(context.Background(), eg.ID); err != nil || len(as) != 1 {
				t.Errorf("AreasOf: got %d areas, %v", len(as), err)
			}
		})
	})
}
