package fund

import "testing"

func TestAllows(t *testing.T) {
	zakat := []string{"poor", "needy"}
	orphans := Target{MemberID: 1, ProgramID: 7, Groups: []string{"orphans"}, ZakatCategory: "poor"}
	other := Target{MemberID: 1, ProgramID: 8}
	elsewhere := Target{MemberID: 2, ProgramID: 9, ZakatCategory: "poor"}
	camp := Restriction{Kind: RestrictCampaign, CampaignID: 3, Inner: &Restriction{Kind: RestrictGroup, Group: "orphans"}}
	for _, c := range []struct {
		name string
		r    Restriction
		t    Target
		want bool
	}{
		{"unrestricted pays any program of its member", Restriction{}, other, true},
		{"unrestricted never leaves its member", Restriction{}, elsewhere, false},
		{"program pays that program", Restriction{Kind: RestrictProgram, ProgramID: 7}, orphans, true},
		{"program pays no other", Restriction{Kind: RestrictProgram, ProgramID: 7}, other, false},
		{"member pays that member", Restriction{Kind: RestrictMember, MemberID: 2}, elsewhere, true},
		{"member pays no other member", Restriction{Kind: RestrictMember, MemberID: 2}, orphans, false},
		{"group pays a program serving it", Restriction{Kind: RestrictGroup, Group: "orphans"}, orphans, true},
		{"group pays no program not serving it", Restriction{Kind: RestrictGroup, Group: "orphans"}, other, false},
		{"zakat pays a zakat program", Restriction{Zakat: true}, orphans, true},
		{"zakat pays no program without a category", Restriction{Zakat: true}, other, false},
		{"campaign pays its campaign within its restriction", camp, Target{MemberID: 1, ProgramID: 7, Groups: []string{"orphans"}, CampaignID: 3}, true},
		{"campaign pays nothing outside the campaign", camp, orphans, false},
		{"campaign pays nothing outside its inner restriction", camp, Target{MemberID: 1, ProgramID: 8, CampaignID: 3}, false},
	} {
		if got := Allows(c.r, 1, c.t, zakat); got != c.want {
			t.Errorf("%s: Allows = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRestrictionKey(t *testing.T) {
	for r, want := range map[*Restriction]string{
		{}:                                      "general",
		{Kind: RestrictProgram, ProgramID: 7}:   "program:7",
		{Kind: RestrictGroup, Group: "orphans"}: "group:orphans",
		{Kind: RestrictCampaign, CampaignID: 3, Zakat: true}: "zakat/campaign:3",
	} {
		if got := r.Key(); got != want {
			t.Errorf("Key(%+v) = %q, want %q", *r, got, want)
		}
		if !r.Valid() {
			t.Errorf("Valid(%+v) = false", *r)
		}
	}
	if (Restriction{Kind: RestrictGroup, Group: "tribe"}).Valid() {
		t.Error("a group outside the list is valid")
	}
}
