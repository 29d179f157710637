package iso20022

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	created = time.Date(2026, 3, 1, 9, 30, 15, 0, time.UTC)
	execDay = time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
)

func header(v Version, currency string, exp int, payments []Payment) Header {
	var sum int64
	for _, p := range payments {
		sum += p.Amount
	}
	return Header{
		Version: v, MsgID: "TDM-2026-03-0001", Created: created, NbOfTxs: len(payments), CtrlSum: sum,
		Currency: currency, Exponent: exp,
		Initiator:     Party{Name: "وزارة التنمية الاجتماعية", ID: "MOSD-JO"},
		Debtor:        Party{Name: "صندوق المعونة الوطنية & Co <Cash>", IBAN: "JO94CBJO0010000000000131000302", BIC: "CBJOJOAX"},
		PmtInfID:      "CYCLE-2026-03",
		ExecutionDate: execDay,
	}
}

func samplePayments() []Payment {
	return []Payment{
		{EndToEndID: "TDM-000000000001", Amount: 12500, Remittance: "دعم نقدي آذار ٢٠٢٦",
			Creditor: Party{Name: "فاطمة بنت أحمد الحسيني", IBAN: "EG38 0019 0005 0000 0000 2631 8000 2", ID: "29001011234567"}},
		{EndToEndID: "TDM-000000000002", Amount: 7, Remittance: "A&B <support> > 0",
			Creditor: Party{Name: "Ali & Sons <Trading> \"Ltd\" 'x'", IBAN: "kw81cbku0000000000001234560101", BIC: "cbkukwkw"}},
		{EndToEndID: "TDM-000000000003", Amount: 100000000,
			Creditor: Party{Name: strings.Repeat("محمد ", 40), IBAN: "SA0380000000608010167519", BIC: "RJHISARIXXX"}},
		{EndToEndID: "A/B-(1).2,3'4+5?:6", Amount: 1,
			Creditor: Party{Name: "Name\twith\nbreaks\x00and control", IBAN: "AE070331234567890123456"}},
	}
}

func writeFile(tb testing.TB, path string, h Header, payments []Payment) error {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, h)
	if err != nil {
		tb.Fatalf("NewWriter: %v", err)
	}
	for _, p := range payments {
		if err := w.Write(p); err != nil {
			tb.Fatalf("Write %s: %v", p.EndToEndID, err)
		}
	}
	return w.Close()
}

// parsed is what a test reads back from a pain.001 file.
type parsed struct {
	GrpNbOfTxs string   `xml:"CstmrCdtTrfInitn>GrpHdr>NbOfTxs"`
	GrpCtrlSum string   `xml:"CstmrCdtTrfInitn>GrpHdr>CtrlSum"`
	PmtNbOfTxs string   `xml:"CstmrCdtTrfInitn>PmtInf>NbOfTxs"`
	PmtCtrlSum string   `xml:"CstmrCdtTrfInitn>PmtInf>CtrlSum"`
	IDs        []string `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf>PmtId>EndToEndId"`
	Amounts    []string `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf>Amt>InstdAmt"`
	Names      []string `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf>Cdtr>Nm"`
	IBANs      []string `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf>CdtrAcct>Id>IBAN"`
	DebtorName string   `xml:"CstmrCdtTrfInitn>PmtInf>Dbtr>Nm"`
}

func TestWriterProducesSchemaValidFiles(t *testing.T) {
	currencies := []struct {
		code    string
		exp     int
		amounts []string
		total   string
	}{
		{"EGP", 2, []string{"125.00", "0.07", "1000000.00", "0.01"}, "1000125.08"},
		{"JOD", 3, []string{"12.500", "0.007", "100000.000", "0.001"}, "100012.508"},
		{"KWD", 3, []string{"12.500", "0.007", "100000.000", "0.001"}, "100012.508"},
	}
	for _, v := range []Version{Pain001V03, Pain001V09} {
		for _, c := range currencies {
			t.Run(string(v)+" "+c.code, func(t *testing.T) {
				payments := samplePayments()
				file := filepath.Join(t.TempDir(), "pain001.xml")
				if err := writeFile(t, file, header(v, c.code, c.exp, payments), payments); err != nil {
					t.Fatalf("Close: %v", err)
				}
				mustValidateXML(t, file, v)

				raw, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				var got parsed
				if err := xml.Unmarshal(raw, &got); err != nil {
					t.Fatalf("the file does not parse: %v", err)
				}
				n := fmt.Sprint(len(payments))
				if got.GrpNbOfTxs != n || got.PmtNbOfTxs != n || len(got.IDs) != len(payments) {
					t.Errorf("NbOfTxs: got %s/%s with %d transactions, want %s", got.GrpNbOfTxs, got.PmtNbOfTxs, len(got.IDs), n)
				}
				if got.GrpCtrlSum != c.total || got.PmtCtrlSum != c.total {
					t.Errorf("CtrlSum: got %s/%s, want %s", got.GrpCtrlSum, got.PmtCtrlSum, c.total)
				}
				if strings.Join(got.Amounts, " ") != strings.Join(c.amounts, " ") {
					t.Errorf("amounts: got %v, want %v", got.Amounts, c.amounts)
				}
				if got.Names[0] != "فاطمة بنت أحمد الحسيني" {
					t.Errorf("Arabic name: got %q", got.Names[0])
				}
				if want := `Ali & Sons <Trading> "Ltd" 'x'`; got.Names[1] != want {
					t.Errorf("name with markup: got %q, want %q", got.Names[1], want)
				}
				if n := len([]rune(got.Names[2])); n != 140 {
					t.Errorf("long name: got %d characters, want 140", n)
				}
				if want := "Name with breaksand control"; got.Names[3] != want {
					t.Errorf("name with control characters: got %q, want %q", got.Names[3], want)
				}
				if got.IBANs[0] != "EG380019000500000000263180002" || got.IBANs[1] != "KW81CBKU0000000000001234560101" {
					t.Errorf("IBANs not in electronic form: got %v", got.IBANs)
				}
				if got.DebtorName != "صندوق المعونة الوطنية & Co <Cash>" {
					t.Errorf("debtor name: got %q", got.DebtorName)
				}
				wantBIC := "<BIC>CBKUKWKW</BIC>"
				if v == Pain001V09 {
					wantBIC = "<BICFI>CBKUKWKW</BICFI>"
				}
				if !bytes.Contains(raw, []byte(wantBIC)) {
					t.Errorf("creditor agent: want %s in the file", wantBIC)
				}
			})
		}
	}
}

func TestWriterCloseChecksTotals(t *testing.T) {
	payments := samplePayments()
	tests := []struct {
		name   string
		header func(h *Header)
		write  int
	}{
		{"one payment missing", func(h *Header) {}, len(payments) - 1},
		{"count too high", func(h *Header) { h.NbOfTxs++ }, len(payments)},
		{"sum off by one minor unit", func(h *Header) { h.CtrlSum-- }, len(payments)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := header(Pain001V09, "JOD", 3, payments)
			tc.header(&h)
			var buf bytes.Buffer
			w, err := NewWriter(&buf, h)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range payments[:tc.write] {
				if err := w.Write(p); err != nil {
					t.Fatal(err)
				}
			}
			e := wantErr(t, w.Close(), "payment.pain001.totals_mismatch")
			if e.Args["header_count"] != h.NbOfTxs || e.Args["count"] != tc.write {
				t.Errorf("got counts %v/%v, want %d/%d", e.Args["header_count"], e.Args["count"], h.NbOfTxs, tc.write)
			}
			if !strings.HasSuffix(buf.String(), "</Document>\n") {
				t.Error("the document was not closed")
			}
		})
	}
}

func TestWriterRejects(t *testing.T) {
	ok := samplePayments()[0]
	headerTests := []struct {
		name   string
		change func(h *Header)
		key    string
	}{
		{"unknown version", func(h *Header) { h.Version = "pain.001.001.12" }, "payment.pain001.bad_version"},
		{"empty message id", func(h *Header) { h.MsgID = "" }, "payment.iso20022.id_missing"},
		{"message id of 36 characters", func(h *Header) { h.MsgID = strings.Repeat("M", 36) }, "payment.iso20022.id_too_long"},
		{"payment information id with a space", func(h *Header) { h.PmtInfID = "CYCLE 1" }, "payment.iso20022.id_bad_character"},
		{"no payments", func(h *Header) { h.NbOfTxs = 0 }, "payment.pain001.no_payments"},
		{"zero control sum", func(h *Header) { h.CtrlSum = 0 }, "payment.pain001.bad_ctrl_sum"},
		{"JOD with 2 decimals", func(h *Header) { h.Exponent = 2 }, "payment.pain001.bad_exponent"},
		{"bad currency", func(h *Header) { h.Currency = "J0D" }, "payment.pain001.bad_currency"},
		{"debtor IBAN with bad check digits", func(h *Header) { h.Debtor.IBAN = "JO95CBJO0010000000000131000302" }, "payment.pain001.bad_iban"},
		{"v03 BIC with digit in country", func(h *Header) { h.Version = Pain001V03; h.Debtor.BIC = "CBJO1OAX" }, "payment.pain001.bad_bic"},
		{"no execution date", func(h *Header) { h.ExecutionDate = time.Time{} }, "payment.pain001.missing"},
		{"unknown charge bearer", func(h *Header) { h.ChargeBearer = "FREE" }, "payment.pain001.bad_charge_bearer"},
	}
	for _, tc := range headerTests {
		t.Run(tc.name, func(t *testing.T) {
			h := header(Pain001V09, "JOD", 3, []Payment{ok})
			tc.change(&h)
			_, err := NewWriter(io.Discard, h)
			wantErr(t, err, tc.key)
		})
	}
	paymentTests := []struct {
		name   string
		change func(p *Payment)
		key    string
	}{
		{"end-to-end id of 36 characters", func(p *Payment) { p.EndToEndID = strings.Repeat("1", 36) }, "payment.iso20022.id_too_long"},
		{"end-to-end id in Arabic", func(p *Payment) { p.EndToEndID = "دفعة-1" }, "payment.iso20022.id_bad_character"},
		{"end-to-end id with markup", func(p *Payment) { p.EndToEndID = "<x>" }, "payment.iso20022.id_bad_character"},
		{"zero amount", func(p *Payment) { p.Amount = 0 }, "payment.pain001.bad_amount"},
		{"negative amount", func(p *Payment) { p.Amount = -5 }, "payment.pain001.bad_amount"},
		{"creditor IBAN too short", func(p *Payment) { p.Creditor.IBAN = "EG38001900050000000026318000" }, "payment.pain001.bad_iban"},
		{"creditor BIC too short", func(p *Payment) { p.Creditor.BIC = "NBEGEGC" }, "payment.pain001.bad_bic"},
		{"creditor without name", func(p *Payment) { p.Creditor.Name = " \t" }, "payment.pain001.creditor_name_missing"},
	}
	for _, tc := range paymentTests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, header(Pain001V09, "JOD", 3, []Payment{ok}))
			if err != nil {
				t.Fatal(err)
			}
			p := ok
			tc.change(&p)
			wantErr(t, w.Write(p), tc.key)
			if w.Count() != 0 || w.Sum() != 0 {
				t.Errorf("got %d payments written, want 0", w.Count())
			}
			// The rejected payment leaves the writer usable.
			if err := w.Write(ok); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("bad IBAN names the reason", func(t *testing.T) {
		w, err := NewWriter(io.Discard, header(Pain001V09, "JOD", 3, []Payment{ok}))
		if err != nil {
			t.Fatal(err)
		}
		p := ok
		p.Creditor.IBAN = "EG3800190005000000002631800"
		e := wantErr(t, w.Write(p), "payment.pain001.bad_iban")
		if len(e.Fields) != 1 || e.Fields[0].Key != "payment.iban.bad_length" || e.Args["end_to_end_id"] != p.EndToEndID {
			t.Errorf("got %v, want the IBAN length problem of %s", e, p.EndToEndID)
		}
	})
	t.Run("write after close", func(t *testing.T) {
		w, err := NewWriter(io.Discard, header(Pain001V09, "JOD", 3, []Payment{ok}))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(ok); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		wantErr(t, w.Write(ok), "payment.iso20022.closed")
	})
}

func TestWriteText(t *testing.T) {
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"markup escaped", `a&b<c>d"e'`, 140, `a&amp;b&lt;c&gt;d"e'`},
		{"limit counts characters not bytes", "أحمد علي", 4, "أحمد"},
		{"escape counts as one character", "&&&&", 2, "&amp;&amp;"},
		{"trims spaces", "  x  ", 140, "x"},
		{"line breaks become spaces", "a\r\nb", 140, "a  b"},
		{"controls dropped", "a\x01\x7fb\u0085c", 140, "abc"},
		{"invalid UTF-8 dropped", "a\xffb", 140, "ab"},
		{"non-characters dropped", "a\ufffeb", 140, "ab"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			bw := bufio.NewWriter(&buf)
			writeText(bw, tc.in, tc.limit)
			bw.Flush()
			if got := buf.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLatinFileOnlyLatinCharacters is issue 15, item 5: a file for a bank
// that takes only the ISO 20022 Latin character set carries nothing else —
// Arabic names romanized — and its remittance keeps the Arabic name only
// when the bank accepts UTF-8 there.
func TestLatinFileOnlyLatinCharacters(t *testing.T) {
	for _, utf8Rmt := range []bool{false, true} {
		var buf bytes.Buffer
		h := Header{Version: Pain001V09, MsgID: "M1", Created: time.Date(2027, 1, 2, 10, 0, 0, 0, time.UTC), NbOfTxs: 1, CtrlSum: 45000,
			Currency: "JOD", Exponent: 3, Initiator: Party{Name: "الأردن & شركاه"}, Debtor: Party{Name: "صندوق المعونة الوطنية", IBAN: "JO94CBJO0010000000000131000302", BIC: "CBJOJOAX"},
			PmtInfID: "M1", ExecutionDate: time.Date(2027, 1, 3, 0, 0, 0, 0, time.UTC), Latin: true, UTF8Remittance: utf8Rmt}
		x, err := NewWriter(&buf, h)
		if err != nil {
			t.Fatal(err)
		}
		if err := x.Write(Payment{EndToEndID: "TDM-1-1", Amount: 45000, Creditor: Party{Name: "فاطمة بنت عبد الله الخطيب", IBAN: "JO94CBJO0010000000000131000302", ID: "٩٨٥١٢٣٤٥٦٧"},
			Remittance: "P-CASH 2027-01 فاطمة"}); err != nil {
			t.Fatal(err)
		}
		if err := x.Close(); err != nil {
			t.Fatal(err)
		}
		doc := buf.String()
		for _, tag := range []string{"Nm", "Id"} {
			for _, part := range strings.Split(doc, "<"+tag+">")[1:] {
				v := part[:strings.Index(part, "<")]
				for _, r := range v {
					if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-?:().,'+ ", r)) {
						t.Errorf("<%s>%s</%s>: %q is outside the Latin character set", tag, v, tag, r)
					}
				}
			}
		}
		if !strings.Contains(doc, "<Cdtr><Nm>Fatima Bint Abdullah Al-Khateeb</Nm>") || !strings.Contains(doc, "<Id>9851234567</Id>") {
			t.Errorf("creditor not romanized as expected:\n%s", doc)
		}
		if got := strings.Contains(doc, "<Ustrd>P-CASH 2027-01 فاطمة</Ustrd>"); got != utf8Rmt {
			t.Errorf("UTF-8 remittance %v: Arabic kept %v:\n%s", utf8Rmt, got, doc)
		}
		if !utf8Rmt && !strings.Contains(doc, "<Ustrd>P-CASH 2027-01 Fatima</Ustrd>") {
			t.Errorf("Latin remittance:\n%s", doc)
		}
		f := filepath.Join(t.TempDir(), "latin.xml")
		if err := os.WriteFile(f, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		mustValidateXML(t, f, Pain001V09)
	}
}
