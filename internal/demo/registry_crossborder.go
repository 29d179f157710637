package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/crossborder"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dedup/pprl"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// The cross-border duplicate demo (issue 19 item 2): a family registered
// in JO crossed to Egypt and was registered there again (EG-H9001), its
// names typed otherwise (without hamza, one person in Latin letters only).
// Both members' persons are encoded with the demo secret, compared as the
// hub would, and each member's answer imported into its queue, so that
// /dedup/crossborder shows JO's registrar a few pairs with EG.
//
// The file is named registry_* (not demo_*) because steps run in file
// order and this one needs the registry's persons.
func init() {
	AddStep(Step{Name: "crossborder", Run: loadCrossborder})
}

func loadCrossborder(ctx context.Context, d *db.DB, progress func(string)) error {
	sys := actor.System(ctx)
	ms := member.New(d)
	jo, err := ms.Get(sys, "JO")
	if err != nil {
		return err
	}
	eg, err := ms.Get(sys, "EG")
	if err != nil {
		return err
	}
	reg := registry.New(d)
	// Four adults of one JO household, the first with one of at least
	// four members.
	var fam []registry.Person
	var cur int64
	err = reg.EachPerson(sys, jo.ID, func(p registry.Person) error {
		if len(fam) >= 4 && fam[0].HouseholdID != p.HouseholdID {
			return io.EOF
		}
		if p.HouseholdID != cur {
			cur, fam = p.HouseholdID, fam[:0]
		}
		if len(p.BirthDate) == 10 {
			fam = append(fam, p)
		}
		return nil
	})
	if err != nil && err != io.EOF {
		return err
	}
	fam = fam[:min(4, len(fam))]
	areas, err := ms.Areas(sys, "EG")
	if err != nil {
		return err
	}
	parent := map[string]string{}
	var loc member.Area
	for _, a := range areas {
		parent[a.Code] = a.ParentCode
		if a.Level == member.Locality && loc.Code == "" {
			loc = a
		}
	}
	var hb, mb bytes.Buffer
	hw, mw := csv.NewWriter(&hb), csv.NewWriter(&mb)
	hw.Write([]string{"household_ref", "governorate", "district", "locality", "dwelling_type", "rooms", "water_source", "sanitation", "electricity", "assets", "monthly_income", "registration_date"})
	dist := parent[loc.Code]
	hw.Write([]string{"EG-H9001", parent[dist], dist, loc.Code, "room", "1", "tanker", "pit", "yes", "", "40", "2025-10-02"})
	mw.Write([]string{"household_ref", "member_ref", "relationship", "first_name", "father_name", "grandfather_name", "family_name", "name_latin", "sex", "birth_date", "national_id", "phone"})
	noHamza := strings.NewReplacer("أ", "ا", "إ", "ا", "آ", "ا", "ة", "ه")
	for i, p := range fam {
		rel := p.Relationship
		first, father, family, latin := noHamza.Replace(p.FirstName), noHamza.Replace(p.FatherName), noHamza.Replace(p.FamilyName), ""
		if i == len(fam)-1 {
			// Registered in Latin letters only, as read from a passport.
			first, father, family = arabic.Romanize(p.FirstName), arabic.Romanize(p.FatherName), arabic.Romanize(p.FamilyName)
			latin = first + " " + father + " " + family
		}
		mw.Write([]string{"EG-H9001", fmt.Sprintf("EG-P9%04d", i+1), rel, first, father, "", family, latin, p.Sex, p.BirthDate,
			demoNationalID("EG", p.BirthDate, 9000+i), ""})
	}
	hw.Flush()
	mw.Flush()
	if _, err := reg.ImportCSV(sys, eg.ID, "demo-crossborder-households.csv", bytes.NewReader(hb.Bytes()), "demo-crossborder-members.csv", bytes.NewReader(mb.Bytes()), registry.ImportOptions{}); err != nil {
		return fmt.Errorf("crossborder family in EG: %w", err)
	}
	// Encode both members with the demo secret, compare, import.
	sec := pprl.DemoSecret()
	svc := crossborder.New(d, crossborder.Options{Registry: reg, Members: ms, Secret: &sec})
	var fj, fe bytes.Buffer
	if _, err := svc.Encode(sys, jo.ID, &fj, nil); err != nil {
		return err
	}
	if _, err := svc.Encode(sys, eg.ID, &fe, nil); err != nil {
		return err
	}
	out := map[string]*bytes.Buffer{}
	if _, err := pprl.Compare(sys, pprl.CompareOptions{Now: d.Now().UTC().Format("2006-01-02T15:04:05Z")}, func(m string) (io.WriteCloser, error) {
		out[m] = &bytes.Buffer{}
		return nopWriteCloser{out[m]}, nil
	}, &fj, &fe); err != nil {
		return err
	}
	n := 0
	for _, m := range []member.Member{jo, eg} {
		res, err := svc.ImportPairs(sys, m.ID, bytes.NewReader(out[m.Code].Bytes()), m.Code+".pairs")
		if err != nil {
			return err
		}
		n += res.Added
	}
	progress(fmt.Sprintf("crossborder: %d pairs in the members' queues", n))
	return nil
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
