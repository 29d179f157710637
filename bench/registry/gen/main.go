// Command gen writes a synthetic social registry for the registry
// benchmarks: households.csv and members.csv in the import template, with
// Arabic names as entered (hamza, ta marbuta, compound names, al- and not),
// Latin names for some, Jordanian-style national IDs and phones, Washington
// Group answers and incomes. Output is deterministic for a seed.
//
// Members are written in random order by default (-order random), as a
// real registry grows: persons registered years after their household, so
// that a household's persons are scattered over the members file and over
// the persons table an import fills in file order. -order household writes
// each household's persons together, the order of the first benchmarks.
//
// Usage: go run ./bench/registry/gen -persons 1000000 -out DIR [-order household]
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

var (
	male = []string{"محمد", "أحمد", "محمود", "مصطفى", "علي", "حسن", "حسين", "عبد الله", "عبد الرحمن", "عمر", "خالد", "يوسف",
		"إبراهيم", "إسماعيل", "سعيد", "سامي", "طارق", "زياد", "فادي", "رامي", "باسل", "ماجد", "نبيل", "وليد", "هشام", "عماد",
		"جمال", "كمال", "صلاح", "نور الدين", "عبد العزيز", "عبد الكريم", "أيمن", "أنس", "بلال", "حمزة", "سليمان", "داود",
		"يحيى", "زكريا", "موسى", "عيسى", "هاني", "مازن", "معاذ", "قاسم", "رائد", "شادي", "غسان", "منير", "ناصر", "فيصل",
		"سلطان", "تامر", "وائل", "أسامة", "عادل", "جابر", "سالم", "مراد"}
	female = []string{"فاطمة", "مريم", "عائشة", "خديجة", "زينب", "نور", "سارة", "هدى", "ليلى", "سلمى", "رنا", "دينا", "ريم",
		"آمنة", "أسماء", "إيمان", "هبة", "منى", "نادية", "سميرة", "وفاء", "رقية", "حنان", "سعاد", "جميلة", "لبنى", "رحمة",
		"ياسمين", "شيماء", "دعاء", "آية", "بشرى", "أمل", "سناء", "نجلاء", "رشا", "لمى", "جنى", "تسنيم", "بتول", "غدير",
		"صفاء", "مروة", "علا", "عبير", "هالة", "ميساء", "رهف", "روان", "لين"}
	family = []string{"الحسيني", "النجار", "الخطيب", "العلي", "السعيد", "المصري", "الشامي", "الحداد", "العمري", "الزعبي",
		"القاسم", "الطراونة", "المجالي", "العبادي", "الرفاعي", "الخالدي", "البدوي", "الحلبي", "الكردي", "الصالح", "حمدان",
		"عودة", "منصور", "يوسف", "جرادات", "خليل", "ناصر", "شحادة", "عبيدات", "بني هاني", "أبو زيد", "أبو غوش", "الفقيه",
		"الشريف", "الهاشمي", "التميمي", "الدباس", "القيسي", "السلمان", "الجبوري", "العزام", "الرواشدة", "الحوراني",
		"الصمادي", "المومني", "الشوابكة", "الخصاونة", "الزيود", "الربابعة", "الشرع", "البطاينة", "العتوم", "الغزاوي",
		"الحمايدة", "الدويري", "النعيمات", "الحياري", "المعايطة", "القضاة", "السرحان"}
	latin = map[string]string{"محمد": "Mohammed", "أحمد": "Ahmad", "محمود": "Mahmoud", "علي": "Ali", "حسن": "Hassan",
		"عمر": "Omar", "خالد": "Khaled", "يوسف": "Youssef", "فاطمة": "Fatima", "مريم": "Mariam", "زينب": "Zainab", "سارة": "Sarah",
		"الحسيني": "Al-Husseini", "النجار": "Al-Najjar", "الخطيب": "Al-Khatib", "الحداد": "Haddad", "منصور": "Mansour", "خليل": "Khalil"}
	governorates = []string{"AM", "IR", "ZA", "BA", "MA", "KA", "JA", "AJ", "MF", "TA", "MN", "AQ"}
	dwellings    = []string{"apartment", "house", "rural_house", "room", "tent", "informal"}
	waters       = []string{"piped", "piped", "piped", "well", "tanker", "spring"}
	sanitations  = []string{"sewer", "sewer", "septic", "pit", "none"}
	assetList    = []string{"tv", "fridge", "washing_machine", "car", "smartphone", "land", "livestock"}
	educations   = []string{"none", "primary", "preparatory", "secondary", "university"}
)

// families returns the family names: the common ones above, and about
// 1,500 more built the way Arab family names are (nisba al-…i, Abu …,
// Bani …, …at), so that, as in a real registry, most family names are
// shared by few households.
func families() []string {
	roots := []string{"نجار", "حداد", "خطيب", "صباغ", "عطار", "دباغ", "حلاق", "خياط", "نحاس", "فران", "قصاب", "طحان", "جزار",
		"سمان", "زيات", "بيطار", "حموي", "نابلس", "خليل", "قدس", "كرك", "طفيل", "سلط", "معان", "عقب", "رمث", "جرش", "عجلون",
		"مفرق", "زرق", "حصن", "بصر", "شوبك", "حسب", "طيب", "مزار", "صافي", "رابي", "عمر", "قيس", "تميم", "شمر", "عنز", "حويط",
		"سردي", "عدوان", "بلقا", "حجاز", "يمن", "مغرب", "شام", "عراق", "حلب", "حمص", "غز", "رمل", "جبل", "وادي", "سهل", "بحر",
		"نهر", "بير", "عين", "تل", "كفر", "دير", "قصر", "برج", "سوق", "باب", "درب", "حار", "ساح", "خان", "مرج", "روض", "نخل",
		"زيتون", "رمان", "تين", "عنب", "ورد", "ياسمين", "فل", "نرجس", "سوسن", "ريحان", "نعناع", "زعتر", "سدر", "طلح", "غاف"}
	out := append([]string(nil), family...)
	for _, r := range roots {
		out = append(out, "ال"+r+"ي", "أبو "+r, "بني "+r, r+"ات", "ال"+r+"ين")
	}
	for _, m := range male[:40] {
		out = append(out, "أبو "+m, "آل "+m, m+"ات")
	}
	return out
}

// variant spells a name the ways data entry does: hamza dropped, ta
// marbuta as ha, compound written joined.
func variant(r *rand.Rand, s string) string {
	if r.IntN(5) != 0 {
		return s
	}
	out := []rune(s)
	for i, c := range out {
		switch c {
		case 'أ', 'إ', 'آ':
			out[i] = 'ا'
		case 'ة':
			out[i] = 'ه'
		}
	}
	return string(out)
}

func main() {
	persons := flag.Int("persons", 1000000, "number of persons (about one household per five)")
	out := flag.String("out", ".", "directory for households.csv and members.csv")
	seed := flag.Uint64("seed", 1, "random seed")
	order := flag.String("order", "random", "order of the members file: random (persons scattered, as a registry grows) or household (each household's persons together)")
	flag.Parse()
	if *order != "random" && *order != "household" {
		log.Fatalf("gen: -order must be random or household, not %q", *order)
	}
	r := rand.New(rand.NewPCG(*seed, 7))
	hf, err := os.Create(filepath.Join(*out, "households.csv"))
	if err != nil {
		log.Fatal(err)
	}
	mf, err := os.Create(filepath.Join(*out, "members.csv"))
	if err != nil {
		log.Fatal(err)
	}
	hb, mb := bufio.NewWriterSize(hf, 1<<20), bufio.NewWriterSize(mf, 1<<20)
	hw, mw := csv.NewWriter(hb), csv.NewWriter(mb)
	// In random order the member rows go to a spool file first, each
	// row's place noted, and are copied to members.csv in a shuffled
	// order at the end (the spool, not memory, holds the rows).
	var sp *spool
	if *order == "random" {
		sp = newSpool(*out)
	}
	hw.Write([]string{"household_ref", "governorate", "district", "locality", "dwelling_type", "rooms", "water_source", "sanitation", "electricity", "assets", "monthly_income"})
	mw.Write([]string{"household_ref", "member_ref", "relationship", "first_name", "father_name", "grandfather_name", "family_name", "name_latin", "sex", "birth_date", "national_id", "phone",
		"disability_seeing", "disability_hearing", "disability_walking", "disability_remembering", "disability_selfcare", "disability_communicating",
		"marital_status", "education", "employment_status", "monthly_income", "orphan", "pregnant"})
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	fams := families()
	// Family names: a third from the common 60, the rest from all.
	pickFamily := func() string {
		if r.IntN(3) == 0 {
			return pick(family)
		}
		return pick(fams)
	}
	// First names: Mohammed is about one man in ten, as in the region.
	pickMale := func() string {
		if r.IntN(10) == 0 {
			return "محمد"
		}
		return pick(male)
	}
	n, hh := 0, 0
	nid := int64(9000000000)
	for n < *persons {
		hh++
		ref := fmt.Sprintf("H%07d", hh)
		gov := pick(governorates)
		var assets string
		for _, a := range assetList {
			if r.IntN(3) == 0 {
				if assets != "" {
					assets += ";"
				}
				assets += a
			}
		}
		elec := "yes"
		if r.IntN(10) == 0 {
			elec = "no"
		}
		hw.Write([]string{ref, gov, gov + "-0" + strconv.Itoa(1+r.IntN(4)), "", pick(dwellings), strconv.Itoa(1 + r.IntN(5)), pick(waters), pick(sanitations), elec, assets, strconv.Itoa(r.IntN(400))})
		size := min(1+r.IntN(9), *persons-n) // 1..9, mean 5
		fam := pickFamily()
		grand := pickMale()
		father := pickMale()
		headYear := 1950 + r.IntN(50)
		children := 0
		for i := range size {
			n++
			rel, sex, first, fatherName, year := "head", "male", father, grand, headYear
			switch {
			case i == 0 && r.IntN(6) == 0:
				sex, first = "female", pick(female) // a woman heads the household
			case i == 1:
				rel, sex, first, fatherName, year = "spouse", "female", pick(female), pickMale(), headYear+r.IntN(8)
			case i > 1:
				children++
				rel, sex, first = "son", "male", pickMale()
				if r.IntN(2) == 0 {
					rel, sex, first = "daughter", "female", pick(female)
				}
				fatherName, year = father, min(headYear+20+r.IntN(25), 2024)
			}
			famName := fam
			if rel == "spouse" {
				famName = pickFamily()
			}
			wg := make([]string, 6)
			for d := range wg {
				wg[d] = "1"
				if r.IntN(40) == 0 {
					wg[d] = strconv.Itoa(2 + r.IntN(3))
				}
			}
			lat := ""
			if l1, ok := latin[first]; ok && r.IntN(3) == 0 {
				if l2, ok := latin[famName]; ok {
					lat = l1 + " " + l2
				}
			}
			nid++
			id := ""
			if r.IntN(10) != 0 {
				id = strconv.FormatInt(nid, 10)
			}
			phone := ""
			if rel == "head" || r.IntN(4) == 0 {
				phone = fmt.Sprintf("07%d%07d", 7+r.IntN(3), r.IntN(10000000))
			}
			marital, emp, income, pregnant := "married", "employed", "", "no"
			if rel == "son" || rel == "daughter" {
				marital, emp = "single", "student"
			} else if r.IntN(3) == 0 {
				emp, income = "unemployed", ""
			} else {
				income = strconv.Itoa(150 + r.IntN(600))
			}
			if sex == "female" && rel == "spouse" && r.IntN(12) == 0 {
				pregnant = "yes"
			}
			orphan := "none"
			if (rel == "son" || rel == "daughter") && r.IntN(30) == 0 {
				orphan = "paternal"
			}
			row := []string{ref, fmt.Sprintf("P%08d", n), rel, variant(r, first), variant(r, fatherName), variant(r, grand), variant(r, famName), lat, sex,
				fmt.Sprintf("%d-%02d-%02d", year, 1+r.IntN(12), 1+r.IntN(28)), id, phone,
				wg[0], wg[1], wg[2], wg[3], wg[4], wg[5], marital, pick(educations), emp, income, orphan, pregnant}
			if sp != nil {
				sp.add(row)
			} else {
				mw.Write(row)
			}
		}
	}
	hw.Flush()
	mw.Flush()
	if sp != nil {
		sp.shuffleTo(r, mb)
	}
	for _, err := range []error{hw.Error(), mw.Error(), hb.Flush(), mb.Flush(), hf.Close(), mf.Close()} {
		if err != nil {
			log.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stderr, "%d households, %d persons in %s\n", hh, n, *out)
}

// spool keeps CSV rows in a temporary file for a shuffled copy.
type spool struct {
	f    *os.File
	w    *bufio.Writer
	buf  bytes.Buffer
	cw   *csv.Writer
	at   []int64 // row i is at[i]:at[i+1] of the file
	size int64
}

func newSpool(dir string) *spool {
	f, err := os.CreateTemp(dir, "members-*.spool")
	if err != nil {
		log.Fatal(err)
	}
	sp := &spool{f: f, w: bufio.NewWriterSize(f, 1<<20), at: []int64{0}}
	sp.cw = csv.NewWriter(&sp.buf)
	return sp
}

func (sp *spool) add(row []string) {
	sp.buf.Reset()
	sp.cw.Write(row)
	sp.cw.Flush()
	if _, err := sp.w.Write(sp.buf.Bytes()); err != nil {
		log.Fatal(err)
	}
	sp.size += int64(sp.buf.Len())
	sp.at = append(sp.at, sp.size)
}

// shuffleTo writes the rows to w in an order drawn from r, and removes
// the spool file.
func (sp *spool) shuffleTo(r *rand.Rand, w *bufio.Writer) {
	if err := sp.w.Flush(); err != nil {
		log.Fatal(err)
	}
	n := len(sp.at) - 1
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	r.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	var b []byte
	for _, i := range perm {
		lo, hi := sp.at[i], sp.at[i+1]
		b = append(b[:0], make([]byte, hi-lo)...)
		if _, err := sp.f.ReadAt(b, lo); err != nil {
			log.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	sp.f.Close()
	os.Remove(sp.f.Name())
}
