// Command gen writes the bank statement benchmark's data: donors.tsv (a
// header row, then reference, IBAN and Arabic name of each donor, as
// `tadamun fund donors import` reads it) and camt.053 statements of credit entries
// of the fund's account, split in files of consecutive weeks. Of the
// entries, 40% carry a donor's reference, 20% a donor's IBAN, 20% only a
// donor's name (exactly one donor has it), and 20% are strangers (an
// unknown name, IBAN and reference): 80% matchable, 20% for suspense.
//
// Usage: go run ./bench/fund/gen -out DIR [-donors 200000] [-entries 1000000] [-files 4]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

var (
	first  = []string{"محمد", "أحمد", "علي", "عمر", "خالد", "يوسف", "إبراهيم", "حسن", "حسين", "سامي", "فادي", "رامي", "زيد", "مالك", "ليث", "سلمى", "ليلى", "هدى", "مريم", "فاطمة", "نور", "رنا", "دانة", "سارة", "آمنة", "هبة", "ريم", "جود", "تالا", "لينا", "طارق", "باسل", "وائل", "ماهر", "نبيل", "جمال", "كريم", "هاني", "مازن", "أنس", "بشرى", "سعاد", "عبير", "وفاء", "منى", "إيمان", "رشا", "غادة", "لمى", "شهد"}
	father = []string{"عبد الله", "عبد الرحمن", "سليمان", "موسى", "عيسى", "داود", "صالح", "جابر", "ناصر", "منصور", "سعيد", "راشد", "حمدان", "عادل", "فيصل", "ماجد", "نايف", "سلطان", "بدر", "عوض", "محمود", "مصطفى", "إسماعيل", "يعقوب", "زكريا", "نعيم", "رياض", "شريف", "كمال", "أمين", "توفيق", "جميل", "حسام", "خليل", "رائد", "سامر", "عماد", "غسان", "لؤي", "معاذ", "هشام", "وليد", "ياسر", "أيمن", "بلال", "ثامر", "حاتم", "زياد", "شادي", "عصام"}
	family = []string{"الخطيب", "حداد", "النجار", "العلي", "الزعبي", "المصري", "الحسيني", "العمري", "الشريف", "القاسم", "الطراونة", "المجالي", "العبادي", "الرفاعي", "البدور", "الخوالدة", "الزيود", "العتوم", "الشوابكة", "الحياري", "الكيلاني", "النابلسي", "الدجاني", "الخالدي", "التميمي", "البرغوثي", "الشمري", "العنزي", "القحطاني", "الدوسري", "الغامدي", "الزهراني", "الحربي", "المطيري", "السبيعي", "العجمي", "الكعبي", "المنصوري", "الظاهري", "النعيمي", "السويدي", "الهاشمي", "الجبوري", "الدليمي", "العبيدي", "الساعدي", "الربيعي", "الموسوي", "الحلبي", "الحمصي", "الدمشقي", "البيروتي", "الصيداوي", "الطرابلسي", "الإسكندراني", "القاهري", "الأسيوطي", "المنياوي", "التونسي", "الصفاقسي", "القيرواني", "الجزائري", "الوهراني", "الفاسي", "المراكشي", "الرباطي", "الطنجاوي", "الليبي", "البنغازي", "السوداني", "الخرطومي", "اليمني", "الصنعاني", "العدني", "الحضرمي", "العماني", "المسقطي", "البحريني", "القطري", "الكويتي", "الموصلي", "البصري", "الكربلائي", "النجفي", "الأنصاري", "القرشي", "الهذلي", "الثقفي", "الأزدي", "الكندي", "الجهني", "الشهري", "العسيري", "البلوي", "العطوي", "الرشيدي", "الفايز", "الجازي", "الحمود", "السالم"}
)

func main() {
	out := flag.String("out", "", "directory to write into (required)")
	nd := flag.Int("donors", 200_000, "donors")
	ne := flag.Int("entries", 1_000_000, "credit entries")
	nf := flag.Int("files", 4, "statement files (consecutive weeks)")
	version := flag.String("version", string(iso20022.Camt053V08), "camt version")
	read := flag.Bool("read", false, "instead: read the statement files given (the baseline: parsing alone, no database) and print the seconds")
	flag.Parse()
	if *read {
		readOnly(flag.Args())
		return
	}
	if *out == "" || *nd > len(first)*len(father)*len(family) {
		flag.Usage()
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	r := rand.New(rand.NewPCG(17, 2026))
	// Donors: distinct names (a permutation of the combinations).
	combos := r.Perm(len(first) * len(father) * len(family))[:*nd]
	names := make([]string, *nd)
	ibans := make([]string, *nd)
	refs := make([]string, *nd)
	df, err := os.Create(filepath.Join(*out, "donors.tsv"))
	if err != nil {
		log.Fatal(err)
	}
	dw := bufio.NewWriter(df)
	fmt.Fprintf(dw, "refs\tibans\tname\n")
	for i, c := range combos {
		names[i] = first[c%len(first)] + " " + father[c/len(first)%len(father)] + " " + family[c/len(first)/len(father)]
		ibans[i] = withCheck("JO", fmt.Sprintf("ARAB%022d", 1_000_000+i))
		refs[i] = fmt.Sprintf("D%07d", i+1)
		fmt.Fprintf(dw, "%s\t%s\t%s\n", refs[i], ibans[i], names[i])
	}
	if err := dw.Flush(); err != nil {
		log.Fatal(err)
	}
	df.Close()
	start := time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC)
	per := (*ne + *nf - 1) / *nf
	n := 0
	for f := range *nf {
		from := start.AddDate(0, 0, 7*f)
		to := from.AddDate(0, 0, 7)
		name := filepath.Join(*out, fmt.Sprintf("statement-%02d.xml", f+1))
		fh, err := os.Create(name)
		if err != nil {
			log.Fatal(err)
		}
		w, err := iso20022.NewStatementWriter(fh, iso20022.Statement{Version: iso20022.Version(*version), MessageID: fmt.Sprintf("BENCH-%04d", f+1),
			Created: to, First: iso20022.AccountReport{Sequence: fmt.Sprint(f + 1), From: from, To: to}}, "JO94CBJO0010000000000131000302", "JOD")
		if err != nil {
			log.Fatal(err)
		}
		for k := 0; k < per && n < *ne; k++ {
			d := r.IntN(*nd)
			e := iso20022.Entry{Reference: fmt.Sprintf("B%08d", n+1), Amount: fmt.Sprintf("%d.%03d", 1+r.IntN(500), r.IntN(1000)),
				Booked: from.Add(time.Duration(r.IntN(7*24)) * time.Hour).Truncate(24 * time.Hour)}
			switch n % 10 {
			case 0, 1, 2, 3:
				e.DebtorName, e.Remittance = "TRANSFER", "donation "+refs[d]
			case 4, 5:
				e.DebtorName, e.DebtorIBAN = "TRANSFER", ibans[d]
			case 6, 7:
				e.DebtorName = names[d]
			default:
				e.DebtorName, e.DebtorIBAN, e.Remittance = fmt.Sprintf("Unknown Sender %d", n), fmt.Sprintf("DE%02d500105170%09d", 10+n%89, n), "gift"
			}
			if err := w.Write(e); err != nil {
				log.Fatal(err)
			}
			n++
		}
		if err := w.Close(); err != nil {
			log.Fatal(err)
		}
		fh.Close()
		fmt.Println(name)
	}
}

// readOnly parses the files as the import does (iso20022.ReadStatement)
// and does nothing else: the baseline the import's time is compared with.
func readOnly(files []string) {
	start := time.Now()
	n := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := iso20022.ReadStatement(bufio.NewReaderSize(f, 64<<10), 100_000, func(iso20022.Entry) error { n++; return nil }); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}
	fmt.Printf("parsed %d entries in %.1f s\n", n, time.Since(start).Seconds())
}

// withCheck returns country + check digits + bban, the check digits
// computed (ISO 13616, mod 97), so that the donors' IBANs are valid.
func withCheck(country, bban string) string {
	rem := 0
	for _, r := range bban + country + "00" {
		if r >= 'A' && r <= 'Z' {
			v := int(r-'A') + 10
			rem = (rem*100 + v) % 97
		} else {
			rem = (rem*10 + int(r-'0')) % 97
		}
	}
	return fmt.Sprintf("%s%02d%s", country, 98-rem, bban)
}
