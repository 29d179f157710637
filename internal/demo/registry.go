package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// The registry demo: 300 households of JO and 30 of EG, imported through
// the same path as a member's files, with names as field staff type them.
func init() {
	AddStep(Step{Name: "registry", Run: loadRegistry})
}

var (
	demoMale   = []string{"محمد", "أحمد", "محمود", "علي", "حسن", "خالد", "عمر", "يوسف", "إبراهيم", "عبد الله", "عبد الرحمن", "سامي", "طارق", "زياد", "فادي", "بلال", "حمزة", "سليمان", "يحيى", "ناصر"}
	demoFemale = []string{"فاطمة", "مريم", "عائشة", "خديجة", "زينب", "نور", "سارة", "هدى", "ليلى", "سلمى", "رنا", "آمنة", "أسماء", "إيمان", "هبة", "منى", "سعاد", "رحمة", "ياسمين", "آية"}
	demoFamily = map[string][]string{
		"JO": {"الحسيني", "النجار", "الخطيب", "العلي", "السعيد", "الزعبي", "الطراونة", "المجالي", "العبادي", "الخالدي", "حمدان", "عودة", "منصور", "جرادات", "عبيدات", "بني هاني", "أبو زيد", "الربابعة", "المومني", "الخصاونة"},
		"EG": {"عبد العزيز", "السيد", "مصطفى", "حسانين", "الشربيني", "عبد الحميد", "النجار", "سليم"},
	}
	demoLatin = map[string]string{"محمد": "Mohammed", "أحمد": "Ahmad", "علي": "Ali", "فاطمة": "Fatima", "مريم": "Mariam", "خالد": "Khaled"}
)

func loadRegistry(ctx context.Context, d *db.DB, progress func(string)) error {
	sys := actor.System(ctx)
	for _, c := range []struct {
		code       string
		households int
	}{{"JO", 300}, {"EG", 30}} {
		m, err := member.New(d).Get(sys, c.code)
		if err != nil {
			return err
		}
		areas, err := member.New(d).Areas(sys, c.code)
		if err != nil {
			return err
		}
		var localities []member.Area
		parent := map[string]string{}
		for _, a := range areas {
			parent[a.Code] = a.ParentCode
			if a.Level == member.Locality {
				localities = append(localities, a)
			}
		}
		hh, ms := demoRegistryCSV(c.code, c.households, localities, parent)
		b, err := registry.New(d).ImportCSV(sys, m.ID, "demo-households.csv", bytes.NewReader(hh), "demo-members.csv", bytes.NewReader(ms), registry.ImportOptions{})
		if err != nil {
			return fmt.Errorf("registry of %s: %w", c.code, err)
		}
		progress(fmt.Sprintf("registry %s: %d households, %d persons", c.code, b.HouseholdsNew, b.PersonsNew))
	}
	return nil
}

// demoRegistryCSV writes n households of member code and their members
// in the import template.
func demoRegistryCSV(code string, n int, localities []member.Area, parent map[string]string) (households, members []byte) {
	r := rand.New(rand.NewPCG(42, uint64(len(code))))
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	var hb, mb bytes.Buffer
	hw, mw := csv.NewWriter(&hb), csv.NewWriter(&mb)
	hw.Write([]string{"household_ref", "governorate", "district", "locality", "dwelling_type", "rooms", "water_source", "sanitation", "electricity", "assets", "monthly_income", "registration_date"})
	mw.Write([]string{"household_ref", "member_ref", "relationship", "first_name", "father_name", "grandfather_name", "family_name", "name_latin", "sex", "birth_date", "national_id", "phone",
		"disability_seeing", "disability_hearing", "disability_walking", "disability_remembering", "disability_selfcare", "disability_communicating",
		"marital_status", "education", "employment_status", "monthly_income", "orphan", "pregnant"})
	serial := 0
	for h := 1; h <= n; h++ {
		ref := fmt.Sprintf("%s-H%04d", code, h)
		loc := localities[r.IntN(len(localities))]
		dist := parent[loc.Code]
		assets := ""
		for _, a := range []string{"tv", "fridge", "washing_machine", "car", "smartphone"} {
			if r.IntN(3) == 0 {
				if assets != "" {
					assets += ";"
				}
				assets += a
			}
		}
		elec := "yes"
		if r.IntN(12) == 0 {
			elec = "no"
		}
		reg := fmt.Sprintf("2025-%02d-%02d", 1+r.IntN(9), 1+r.IntN(28))
		hw.Write([]string{ref, parent[dist], dist, loc.Code, pick([]string{"apartment", "house", "rural_house", "room", "tent", "informal"}),
			strconv.Itoa(1 + r.IntN(5)), pick([]string{"piped", "piped", "well", "tanker"}), pick([]string{"sewer", "septic", "pit", "none"}), elec, assets,
			strconv.Itoa(r.IntN(300)), reg})
		family := pick(demoFamily[code])
		father, grand := pick(demoMale), pick(demoMale)
		headYear := 1950 + r.IntN(50)
		femaleHead := r.IntN(5) == 0 // widows and divorced women head many poor households
		size := 1 + r.IntN(7)
		for i := range size {
			serial++
			rel, sex, first, fatherName, year, marital, emp, income := "head", "male", father, grand, headYear, "married", "employed", strconv.Itoa(150+r.IntN(400))
			switch {
			case i == 0 && femaleHead:
				sex, first, fatherName, marital = "female", pick(demoFemale), pick(demoMale), pick([]string{"widowed", "divorced"})
				emp, income = pick([]string{"unemployed", "homemaker", "self_employed"}), ""
			case i == 1 && !femaleHead:
				rel, sex, first, fatherName, year, emp, income = "spouse", "female", pick(demoFemale), pick(demoMale), headYear+r.IntN(8), "homemaker", ""
			case i >= 1:
				rel, sex, first, fatherName, marital, emp, income = "son", "male", pick(demoMale), father, "single", "student", ""
				if r.IntN(2) == 0 {
					rel, sex, first = "daughter", "female", pick(demoFemale)
				}
				year = min(headYear+20+r.IntN(25), 2024)
			}
			fam := family
			if rel == "spouse" {
				fam = pick(demoFamily[code])
			}
			birth := fmt.Sprintf("%d-%02d-%02d", year, 1+r.IntN(12), 1+r.IntN(28))
			wg := []string{"1", "1", "1", "1", "1", "1"}
			if r.IntN(12) == 0 {
				wg[r.IntN(6)] = strconv.Itoa(3 + r.IntN(2))
			}
			latin := ""
			if l, ok := demoLatin[first]; ok && r.IntN(2) == 0 {
				latin = l
			}
			orphan := "none"
			if (rel == "son" || rel == "daughter") && femaleHead && r.IntN(2) == 0 {
				orphan = "paternal"
			}
			pregnant := "no"
			if rel == "spouse" && year > 1985 && r.IntN(8) == 0 {
				pregnant = "yes"
			}
			phone := ""
			if i == 0 {
				phone = fmt.Sprintf("07%d%07d", 7+r.IntN(3), r.IntN(10000000))
				if code == "EG" {
					phone = fmt.Sprintf("01%d%08d", r.IntN(3), r.IntN(100000000))
				}
			}
			mw.Write([]string{ref, fmt.Sprintf("%s-P%05d", code, serial), rel, first, fatherName, grand, fam, latin, sex, birth,
				demoNationalID(code, birth, serial), phone, wg[0], wg[1], wg[2], wg[3], wg[4], wg[5],
				marital, pick([]string{"none", "primary", "secondary", "university"}), emp, income, orphan, pregnant})
		}
	}
	hw.Flush()
	mw.Flush()
	return hb.Bytes(), mb.Bytes()
}

// demoNationalID makes an ID of the member's format: JO ten digits, EG
// fourteen with the century and birth date in front.
func demoNationalID(code, birth string, serial int) string {
	if code == "EG" {
		century := "2"
		if birth >= "2000" {
			century = "3"
		}
		return fmt.Sprintf("%s%s%s%s01%04d1", century, birth[2:4], birth[5:7], birth[8:10], serial%10000)
	}
	return fmt.Sprintf("9%09d", 100000000+serial)
}
