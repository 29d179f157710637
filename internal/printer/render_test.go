package printer

import (
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/printer/card"
)

var jordan = member.Member{ID: 1, Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"}

func sampleLetter() Letter {
	return Letter{HouseholdID: 7, HouseholdRef: "JO-H-0007", HeadName: "سلمى كمال الفرا", Date: "2026-12-02",
		Decisions: []LetterDecision{{Program: "الدعم النقدي", Outcome: "مسجلة — مؤهلة ومختارة (الترتيب 3).", Benefit: "120.000 دينار أردني",
			Why: []string{"دخل الأسرة الشهري 90 وهو أقل من 150."}, RunID: 4, HouseholdID: 7, AppealRef: "R4-H7", AppealUntil: "2027-01-01"}}}
}

// TestLetterHTML renders a letter in both languages, as print view and
// embedded for the PDF.
func TestLetterHTML(t *testing.T) {
	s := New(nil, Options{})
	for _, c := range []struct {
		name  string
		st    Style
		wants []string
	}{
		{"Arabic print view", Style{Lang: i18n.AR, CSSURL: "/print/print.css", ScriptURL: "/static/print.js", Back: "/households/7"},
			[]string{`dir="rtl"`, "قرار بشأن طلب أسرتكم", "سلمى كمال الفرا", "R4-H7", "حتى 2027-01-01 (خلال 30 يومًا", `href="/print/print.css"`, "الطباعة إلى PDF غير متاحة"}},
		{"English embedded", Style{Lang: i18n.EN, Embed: true},
			[]string{`dir="ltr"`, "Decision on your household", "until 2027-01-01 (30 days", "data:font/ttf;base64,", "@page { size: A4"}},
		{"Arabic digits", Style{Lang: i18n.AR, ArabicDigits: true, Embed: true}, []string{"٣٠ يومًا"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := s.renderLetters(jordan, c.st, []Letter{sampleLetter(), sampleLetter()})
			if err != nil {
				t.Fatal(err)
			}
			html := string(d.HTML)
			for _, w := range c.wants {
				if !strings.Contains(html, w) {
					t.Errorf("lacks %q", w)
				}
			}
			if n := strings.Count(html, `<article class="sheet letter">`); n != 2 {
				t.Errorf("%d letters, want 2", n)
			}
			if strings.Contains(html, "{days}") || strings.Contains(html, "print.letter") {
				t.Error("a raw key or placeholder shows")
			}
			if c.st.Embed && (strings.Contains(html, "<script") || strings.Contains(html, "print-now")) {
				t.Error("the PDF's document carries the print view's toolbar")
			}
		})
	}
}

// TestReceiptPages splits receipts into pages of their distribution
// point, with page and overall totals.
func TestReceiptPages(t *testing.T) {
	var rows []payment.CashReceipt
	for i := range 20 {
		p := "POST-A"
		if i >= 16 {
			p = "POST-B"
		}
		rows = append(rows, payment.CashReceipt{HouseholdRef: "H", Recipient: "نادية", NationalID: "9861234567", Provider: p, Amount: 50000, ReceiptNumber: i + 1})
	}
	d := paginate(rows)
	if len(d.Pages) != 3 || d.Pages[0].Count != receiptsPerPage || d.Pages[1].Count != 16-receiptsPerPage || d.Pages[2].Count != 4 {
		t.Fatalf("pages: %+v", d.Pages)
	}
	if d.Total != 20*50000 || d.Pages[2].Total != 4*50000 || !d.Pages[2].Last || d.Pages[0].Last {
		t.Errorf("totals: overall %d, last page %d", d.Total, d.Pages[2].Total)
	}
	b, err := render("receipts", Style{Lang: i18n.AR, Embed: true}, "JOD", "x", func(f frame) any { d.frame = f; return d })
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, w := range []string{"صفحة 1 من 3", "صفحة 3 من 3", "المجموع الكلي (20 إيصال)", "1,000.000 دينار أردني", "التوقيع أو البصمة"} {
		if !strings.Contains(html, w) {
			t.Errorf("receipt list lacks %q", w)
		}
	}
}

// TestCardHTML draws a card with its QR code and token.
func TestCardHTML(t *testing.T) {
	k, _ := card.NewKeys([]byte(strings.Repeat("s", 32)))
	s := New(nil, Options{Cards: k})
	c := card.Card{Member: "JO", Household: "JO-H-0007", Name: "سلمى كمال الفرا", Programs: []string{"الدعم النقدي"}, Issued: "2026-12-02", Expires: "2027-12-02"}
	pc, err := s.signCard(c, "https://tadamun.example.jo")
	if err != nil {
		t.Fatal(err)
	}
	b, err := render("card", Style{Lang: i18n.AR, Embed: true}, "JOD", "x", func(f frame) any {
		return cardDoc{frame: f, MemberName: "الأردن", PublicKey: k.Public("JO").String(), Cards: []printedCard{pc}}
	})
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, w := range []string{"<svg", "بطاقة مستفيد", pc.Token, "tadamun-card:JO:", "الدعم النقدي"} {
		if !strings.Contains(html, w) {
			t.Errorf("card lacks %q", w)
		}
	}
	if _, err := card.Verify(pc.Token, k.Public("JO"), mustDay(t, "2027-06-01")); err != nil {
		t.Errorf("the card's token does not verify: %v", err)
	}
	// A card without a key is refused, not signed with nothing.
	if _, err := New(nil, Options{}).signCard(c, ""); err == nil {
		t.Error("a card was signed without a key")
	}
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
