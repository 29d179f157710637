package demo

import (
	"context"
	"fmt"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// The deduplication demo (named to run after the registry step): a few
// persons of JO registered a second time by another office — with the
// spelling, ID and date slips field data has, one in Latin letters — next
// to twins that must not be merged; then a run over all of JO's persons,
// so that the review queue has pairs to look at.
func init() {
	AddStep(Step{Name: "duplicates", Run: loadDuplicates})
}

type demoPerson struct {
	rel, first, father, grand, family, latin, sex, birth, id, phone string
}

var demoDupHouseholds = []struct {
	ref     string
	persons []demoPerson
}{
	{"DUP-H1", []demoPerson{
		{"head", "عبد الله", "أحمد", "محمود", "العمري", "", "male", "1978-03-12", "9781234567", "0791234001"},
		{"spouse", "فاطمة", "سعيد", "علي", "الخطيب", "", "female", "1982-11-05", "9821234567", "0791234001"},
		{"son", "حسن", "عبد الله", "أحمد", "العمري", "", "male", "2010-04-04", "2010040411", "0791234001"},
		{"son", "حسين", "عبد الله", "أحمد", "العمري", "", "male", "2010-04-04", "2010040412", "0791234001"},
	}},
	// The same family registered again by another office.
	{"DUP-H2", []demoPerson{
		{"head", "عبدالله", "احمد", "محمود", "عمري", "", "male", "1978-12-03", "9781234567", "0795550002"},
		{"spouse", "فاطمه", "سعيد", "على", "الخطيب", "", "female", "1982-11-05", "9821243567", "0791234001"},
		{"son", "Hassan", "Abdullah", "Ahmed", "Al-Omari", "Hassan Abdullah Ahmed Al-Omari", "male", "2010-04-04", "2010040411", ""},
	}},
}

func loadDuplicates(ctx context.Context, d *db.DB, progress func(string)) error {
	sys := actor.System(ctx)
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		return err
	}
	reg := registry.New(d)
	for _, h := range demoDupHouseholds {
		var ps []registry.Person
		for i, p := range h.persons {
			ps = append(ps, registry.Person{Ref: fmt.Sprintf("%s-%d", h.ref, i+1), Relationship: p.rel,
				FirstName: p.first, FatherName: p.father, GrandfatherName: p.grand, FamilyName: p.family, NameLatin: p.latin,
				Sex: p.sex, BirthDate: p.birth, NationalID: p.id, Phone: p.phone})
		}
		if _, _, err := reg.CreateHousehold(sys, jo.ID, registry.Household{Ref: h.ref}, ps); err != nil {
			return fmt.Errorf("demo: household %s: %w", h.ref, err)
		}
	}
	started := d.Now()
	recs, err := source.Registry(sys, d, jo.ID, nil)
	if err != nil {
		return err
	}
	res, err := dedup.Run(sys, recs, dedup.Options{CallingCode: jo.CallingCode})
	if err != nil {
		return err
	}
	if _, err := dedup.New(d).SaveRun(sys, jo.ID, res, started); err != nil {
		return err
	}
	progress(fmt.Sprintf("duplicates: %d persons compared, %d likely and %d possible pairs", len(recs), res.Stats.Likely, res.Stats.Possible))
	return nil
}
