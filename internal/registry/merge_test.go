package registry_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/registry"
)

// mergeFixture registers, for member JO, household H1 (head P1 and P2, a
// less complete second record of the head's wife) and household H2 (head
// Q1 and Q2, the wife's fuller record, registered by another office), and a
// household of member EG.
type mergeFixture struct {
	ctx       context.Context
	d         *db.DB
	s         *registry.Service
	jo, eg    int64
	p         map[string]registry.Person
	registrar context.Context
}

func mergeSetup(t *testing.T, d *db.DB) *mergeFixture {
	t.Helper()
	sys := actor.System(context.Background())
	f := &mergeFixture{ctx: sys, d: d, s: registry.New(d), p: map[string]registry.Person{}}
	for i, code := range []string{"JO", "EG"} {
		m, err := member.New(d).Create(sys, member.Member{Code: code, NameAR: code, NameEN: code, Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.jo = m.ID
		} else {
			f.eg = m.ID
		}
	}
	income := int64(150000)
	add := func(member int64, ref string, ps ...registry.Person) {
		_, out, err := f.s.CreateHousehold(sys, member, registry.Household{Ref: ref}, ps)
		if err != nil {
			t.Fatalf("household %s: %v", ref, err)
		}
		for _, p := range out {
			f.p[p.Ref] = p
		}
	}
	add(f.jo, "H1",
		registry.Person{Ref: "P1", Relationship: "head", FirstName: "زكريا", FatherName: "يحيى", FamilyName: "الحلبي", Sex: "male", BirthDate: "1980-03-04"},
		registry.Person{Ref: "P2", Relationship: "spouse", FirstName: "سلمى", FatherName: "كمال", FamilyName: "الفرا", Sex: "female", BirthDate: "1984-07-09"})
	add(f.jo, "H2",
		registry.Person{Ref: "Q1", Relationship: "head", FirstName: "نزار", FatherName: "قيس", FamilyName: "الزين", Sex: "male"},
		registry.Person{Ref: "Q2", Relationship: "other_relative", FirstName: "سلمى", FatherName: "كمال", GrandfatherName: "عيسى", FamilyName: "الفرا",
			Sex: "female", BirthDate: "1984-07-09", NationalID: "9845012345", Phone: "0795551234", MonthlyIncome: &income,
			Disability: [6]int8{1, 3, 0, 0, 0, 0}, Attrs: map[string]string{"camp": "yes"}},
		registry.Person{Ref: "Q3", Relationship: "other", FirstName: "سلمى", FamilyName: "فرا", Sex: "female"})
	add(f.eg, "E1", registry.Person{Ref: "E1", Relationship: "head", FirstName: "سلمى", FamilyName: "الفرا", Sex: "female"})
	f.registrar = actor.With(context.Background(), actor.Actor{UserID: 7, MemberID: f.jo, Roles: []actor.Role{actor.Registrar}})
	return f
}

func TestMergePersons(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mergeSetup(t, d)
		keep, drop := f.p["P2"], f.p["Q2"]
		if err := f.s.MergePersons(f.registrar, keep.ID, drop.ID, "same wife, registered by two offices"); err != nil {
			t.Fatalf("merge: %v", err)
		}
		t.Run("kept record takes the fields it lacked and keeps its own", func(t *testing.T) {
			k, err := f.s.Person(f.registrar, keep.ID)
			if err != nil {
				t.Fatal(err)
			}
			if k.GrandfatherName != "عيسى" || k.NationalID != "9845012345" || k.Phone != "0795551234" || k.MonthlyIncome == nil || *k.MonthlyIncome != 150000 ||
				k.Disability != [6]int8{1, 3, 0, 0, 0, 0} || k.Attrs["camp"] != "yes" {
				t.Errorf("kept = %+v, want grandfather, ID, phone, income, disability and attrs from the dropped record", k)
			}
			if k.Relationship != "spouse" || k.HouseholdID != keep.HouseholdID || k.FirstName != keep.FirstName || k.Version != keep.Version+1 {
				t.Errorf("kept relationship %q household %d version %d, want its own (spouse, %d, %d)", k.Relationship, k.HouseholdID, k.Version, keep.HouseholdID, keep.Version+1)
			}
		})
		t.Run("dropped record stays readable, marked, with its history", func(t *testing.T) {
			p, err := f.s.Person(f.registrar, drop.ID)
			if err != nil || p.Ref != "Q2" {
				t.Fatalf("dropped = %v, %v; want it kept", p.Ref, err)
			}
			into, err := f.s.MergedInto(f.registrar, drop.ID, keep.ID)
			if err != nil || into[drop.ID] != keep.ID || len(into) != 1 {
				t.Errorf("MergedInto = %v, %v; want only Q2 → P2", into, err)
			}
			h2, err := f.s.History(f.registrar, drop.HouseholdID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var created, merged bool
			for _, c := range h2 {
				created = created || c.PersonID == drop.ID && c.Action == "create"
				merged = merged || c.PersonID == drop.ID && c.Action == "merge" && c.Field == "merged_into" && c.New == "P2"
			}
			if !created || !merged {
				t.Errorf("H2 history keeps creation %v, shows the merge %v; want both", created, merged)
			}
		})
		t.Run("kept household's history names the merge and each filled field", func(t *testing.T) {
			h1, err := f.s.History(f.registrar, keep.HouseholdID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, c := range h1 {
				if c.Action == "merge" && c.PersonID == keep.ID {
					got[c.Field] = c.New
				}
			}
			for field, want := range map[string]string{"merged_from": "Q2", "national_id": "9845012345", "grandfather_name": "عيسى", "phone": "0795551234"} {
				if got[field] != want {
					t.Errorf("history %s = %q, want %q (all: %v)", field, got[field], want, got)
				}
			}
		})
		t.Run("merge is listed with reason and filled fields", func(t *testing.T) {
			for _, id := range []int64{keep.ID, drop.ID} {
				ms, err := f.s.Merges(f.registrar, id)
				if err != nil || len(ms) != 1 {
					t.Fatalf("merges of %d = %v, %v; want one", id, ms, err)
				}
				m := ms[0]
				if m.KeptRef != "P2" || m.DroppedRef != "Q2" || m.Reason != "same wife, registered by two offices" || m.ActorID != 7 ||
					!slices.Contains(m.Filled, "national_id") || !slices.Contains(m.Filled, "attrs.camp") || slices.Contains(m.Filled, "birth_date") {
					t.Errorf("merge = %+v", m)
				}
			}
		})
		t.Run("name search finds the kept record only", func(t *testing.T) {
			page, err := f.s.Search(f.registrar, registry.Query{Text: "عيسى"})
			if err != nil {
				t.Fatal(err)
			}
			var refs []string
			for _, p := range page.Persons {
				refs = append(refs, p.Ref)
			}
			if strings.Join(refs, ",") != "P2" {
				t.Errorf("search for the grandfather's name found %v, want P2 alone", refs)
			}
		})
		t.Run("audited in the same transaction", func(t *testing.T) {
			var n int
			if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = 'person.merge' AND entity_id = ?`, strconv.FormatInt(drop.ID, 10)).Scan(&n); err != nil || n != 1 {
				t.Errorf("audit records of the merge: %d, %v; want 1", n, err)
			}
		})
	})
}

func TestMergePersonsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mergeSetup(t, d)
		if err := f.s.MergePersons(f.registrar, f.p["P2"].ID, f.p["Q3"].ID, ""); err != nil {
			t.Fatalf("first merge: %v", err)
		}
		viewer := actor.With(context.Background(), actor.Actor{UserID: 8, MemberID: f.jo, Roles: []actor.Role{actor.Viewer}})
		egRegistrar := actor.With(context.Background(), actor.Actor{UserID: 9, MemberID: f.eg, Roles: []actor.Role{actor.Registrar}})
		tests := []struct {
			name       string
			ctx        context.Context
			keep, drop string
			code       errs.Code
			key        string
		}{
			{"the head cannot be dropped", f.registrar, "Q2", "Q1", errs.Invalid, "registry.merge_head"},
			{"a record is not merged into itself", f.registrar, "Q2", "Q2", errs.Invalid, "registry.merge_same"},
			{"a merged record is not merged again", f.registrar, "Q2", "Q3", errs.Conflict, "registry.merge_already"},
			{"nothing is merged into a merged record", f.registrar, "Q3", "Q2", errs.Conflict, "registry.merge_already"},
			{"persons of two members", f.ctx, "P2", "E1", errs.NotFound, "registry.person_not_found"},
			{"another member's registrar", egRegistrar, "P2", "Q2", errs.NotFound, "registry.person_not_found"},
			{"a viewer may not merge", viewer, "P2", "Q2", errs.Forbidden, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := f.s.MergePersons(tt.ctx, f.p[tt.keep].ID, f.p[tt.drop].ID, "")
				e := errs.As(err)
				if e == nil || e.Code != tt.code || tt.key != "" && e.Key != tt.key {
					t.Fatalf("got %v, want %v %s", err, tt.code, tt.key)
				}
			})
		}
		t.Run("refusals changed nothing", func(t *testing.T) {
			into, err := f.s.MergedInto(f.ctx, f.p["Q1"].ID, f.p["Q2"].ID, f.p["Q3"].ID, f.p["E1"].ID)
			if err != nil || len(into) != 1 || into[f.p["Q3"].ID] != f.p["P2"].ID {
				t.Errorf("merged = %v, %v; want only Q3 → P2", into, err)
			}
		})
	})
}

func TestMergeChain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mergeSetup(t, d)
		// Q3 into Q2, then Q2 into P2: Q3 must point at P2, a live record.
		if err := f.s.MergePersons(f.registrar, f.p["Q2"].ID, f.p["Q3"].ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.s.MergePersons(f.registrar, f.p["P2"].ID, f.p["Q2"].ID, ""); err != nil {
			t.Fatal(err)
		}
		into, err := f.s.MergedInto(f.ctx, f.p["Q2"].ID, f.p["Q3"].ID)
		if err != nil || into[f.p["Q2"].ID] != f.p["P2"].ID || into[f.p["Q3"].ID] != f.p["P2"].ID {
			t.Errorf("merged = %v, %v; want Q2 and Q3 both → P2", into, err)
		}
		h, err := f.s.History(f.ctx, f.p["Q3"].HouseholdID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range h {
			found = found || c.PersonID == f.p["Q3"].ID && c.Field == "merged_into" && c.Old == "Q2" && c.New == "P2"
		}
		if !found {
			t.Error("Q3's history does not show it now points at P2")
		}
	})
}

// TestMergedRecordsLeaveReaders checks that every reader of the registry
// leaves a merged record out, and that the record is read only.
func TestMergedRecordsLeaveReaders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mergeSetup(t, d)
		keep, drop := f.p["P2"], f.p["Q2"]
		if err := f.s.MergePersons(f.registrar, keep.ID, drop.ID, ""); err != nil {
			t.Fatal(err)
		}
		search := func(q registry.Query) []string {
			t.Helper()
			page, err := f.s.Search(f.registrar, q)
			if err != nil {
				t.Fatal(err)
			}
			var refs []string
			for _, p := range page.Persons {
				refs = append(refs, p.Ref)
			}
			return refs
		}
		tests := []struct {
			name string
			q    registry.Query
			want string
		}{
			{"national ID finds the kept record, which took it", registry.Query{Text: "9845012345"}, "P2"},
			{"phone", registry.Query{Text: "0795551234"}, "P2"},
			{"the dropped reference", registry.Query{Text: "Q2"}, ""},
			{"the dropped record's household", registry.Query{HouseholdRef: "H2"}, "Q1,Q3"},
			{"household reference typed", registry.Query{Text: "H2"}, "Q1,Q3"},
			{"name", registry.Query{Text: "سلمى الفرا"}, "P2,Q3"},
			{"filter only", registry.Query{Sex: "female"}, "P2,Q3"},
		}
		for _, tt := range tests {
			t.Run("search by "+tt.name, func(t *testing.T) {
				if got := strings.Join(search(tt.q), ","); got != tt.want {
					t.Errorf("found %q, want %q", got, tt.want)
				}
			})
		}
		t.Run("household members and size", func(t *testing.T) {
			h, err := f.s.Household(f.registrar, drop.HouseholdID)
			if err != nil {
				t.Fatal(err)
			}
			ps, err := f.s.Persons(f.registrar, drop.HouseholdID)
			if err != nil {
				t.Fatal(err)
			}
			if h.Size != 2 || len(ps) != 2 {
				t.Errorf("H2 size %d with %d persons listed, want 2 and 2", h.Size, len(ps))
			}
			page, err := f.s.ListHouseholds(f.registrar, registry.HouseholdQuery{Ref: "H2"})
			if err != nil || len(page.Households) != 1 || page.Households[0].Size != 2 {
				t.Errorf("list households H2: %+v, %v; want size 2", page.Households, err)
			}
		})
		t.Run("streams", func(t *testing.T) {
			var refs []string
			if err := f.s.EachPerson(f.registrar, f.jo, func(p registry.Person) error { refs = append(refs, p.Ref); return nil }); err != nil {
				t.Fatal(err)
			}
			if slices.Contains(refs, "Q2") || len(refs) != 4 {
				t.Errorf("EachPerson gave %v, want the four live records", refs)
			}
			sizes := map[string]int{}
			if err := f.s.EachHousehold(f.registrar, f.jo, func(_ int64, h profile.Household) error { sizes[h.Ref] = len(h.Members); return nil }); err != nil {
				t.Fatal(err)
			}
			if sizes["H1"] != 2 || sizes["H2"] != 2 {
				t.Errorf("EachHousehold sizes %v, want H1 2 and H2 2", sizes)
			}
		})
		t.Run("the merged record is read only", func(t *testing.T) {
			p, err := f.s.Person(f.registrar, drop.ID)
			if err != nil || p.MergedInto != keep.ID {
				t.Fatalf("dropped = merged into %d, %v; want %d", p.MergedInto, err, keep.ID)
			}
			p.Phone = "0790000000"
			_, uerr := f.s.UpdatePerson(f.registrar, drop.ID, p)
			_, merr := f.s.MovePerson(f.registrar, drop.ID, keep.HouseholdID, "other", 0)
			herr := f.s.ChangeHead(f.registrar, drop.ID, "other")
			for name, err := range map[string]error{"update": uerr, "move": merr, "change head": herr} {
				if e := errs.As(err); e == nil || e.Code != errs.Conflict || e.Key != "registry.merged_record" {
					t.Errorf("%s: %v, want registry.merged_record", name, err)
				}
			}
		})
		t.Run("an import naming the merged record is refused", func(t *testing.T) {
			_, err := f.s.ImportCSV(f.registrar, f.jo, "households.csv", strings.NewReader("household_ref\nH2\n"),
				"members.csv", strings.NewReader("household_ref,member_ref,relationship,first_name,sex\nH2,Q1,head,نزار,male\nH2,Q2,other_relative,سلمى,female\n"), registry.ImportOptions{})
			e := errs.As(err)
			if e == nil || len(e.Fields) != 1 || e.Fields[0].Key != "registry.merged_ref" || e.Fields[0].Row != 3 || e.Fields[0].Args["into"] != "P2" {
				t.Fatalf("got %v (%+v), want registry.merged_ref on row 3 naming P2", err, e)
			}
		})
	})
}
