package walletcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
)

func wantErr(tb testing.TB, err error, key string, row int, column string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want %s", key)
	}
	e := errs.As(err)
	if e.Code != errs.Invalid || e.Key != key {
		tb.Fatalf("got %v, want invalid %s", err, key)
	}
	if e.Args["row"] != row || e.Args["column"] != column {
		tb.Errorf("got row %v column %v, want row %d column %s", e.Args["row"], e.Args["column"], row, column)
	}
}

func readAll(tb testing.TB, s string) [][]string {
	tb.Helper()
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		tb.Fatalf("the batch is not valid CSV: %v", err)
	}
	return recs
}

func TestWalletWriter(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWalletWriter(&buf, "jod")
	if err != nil {
		t.Fatal(err)
	}
	payments := []WalletPayment{
		{EndToEndID: "TDM-1", Amount: 45000, Provider: "ZAINCASH", MSISDN: "+962 79 123 4567", RecipientName: "فاطمة أحمد", Reference: "دعم آذار"},
		{EndToEndID: "TDM-2", Amount: 7, Provider: "UWALLET", MSISDN: "٠٠٩٦٢٧٧٥٥٥١٢٣٤", RecipientName: "Ali, \"Abu Omar\"\nSaleh", Reference: ""},
	}
	for _, p := range payments {
		if err := w.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, buf.String())
	want := [][]string{
		WalletColumns,
		{"TDM-1", "45.000", "JOD", "ZAINCASH", "962791234567", "فاطمة أحمد", "دعم آذار"},
		{"TDM-2", "0.007", "JOD", "UWALLET", "962775551234", "Ali, \"Abu Omar\" Saleh", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if w.Count() != 2 || w.Sum() != 45007 {
		t.Errorf("got %d rows totalling %d, want 2 totalling 45007", w.Count(), w.Sum())
	}
}

func TestWalletWriterRejects(t *testing.T) {
	ok := WalletPayment{EndToEndID: "TDM-1", Amount: 100, Provider: "VODAFONE", MSISDN: "201001234567", RecipientName: "منى"}
	tests := []struct {
		name   string
		change func(p *WalletPayment)
		key    string
		column string
	}{
		{"no end-to-end id", func(p *WalletPayment) { p.EndToEndID = "" }, "payment.walletcsv.missing", "end_to_end_id"},
		{"end-to-end id too long", func(p *WalletPayment) { p.EndToEndID = strings.Repeat("9", 36) }, "payment.walletcsv.too_long", "end_to_end_id"},
		{"end-to-end id with a comma and space", func(p *WalletPayment) { p.EndToEndID = "A B" }, "payment.walletcsv.bad_code", "end_to_end_id"},
		{"zero amount", func(p *WalletPayment) { p.Amount = 0 }, "payment.walletcsv.bad_amount", "amount"},
		{"no name", func(p *WalletPayment) { p.RecipientName = " " }, "payment.walletcsv.missing", "recipient_name"},
		{"no provider", func(p *WalletPayment) { p.Provider = "" }, "payment.walletcsv.missing", "wallet_provider"},
		{"local number without country code", func(p *WalletPayment) { p.MSISDN = "01001234567" }, "payment.walletcsv.bad_msisdn", "msisdn"},
		{"letters in number", func(p *WalletPayment) { p.MSISDN = "+20100ABC4567" }, "payment.walletcsv.bad_msisdn", "msisdn"},
		{"number too long", func(p *WalletPayment) { p.MSISDN = "+2010012345678901" }, "payment.walletcsv.bad_msisdn", "msisdn"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := NewWalletWriter(io.Discard, "EGP")
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(ok); err != nil {
				t.Fatal(err)
			}
			p := ok
			tc.change(&p)
			wantErr(t, w.Write(p), tc.key, 3, tc.column)
		})
	}
	t.Run("unknown currency", func(t *testing.T) {
		_, err := NewWalletWriter(io.Discard, "XYZ")
		if e := errs.As(err); err == nil || e.Key != "payment.walletcsv.bad_currency" {
			t.Errorf("got %v, want payment.walletcsv.bad_currency", err)
		}
	})
}

func TestCashWriter(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewCashWriter(&buf, "KWD")
	if err != nil {
		t.Fatal(err)
	}
	p := CashPayment{EndToEndID: "TDM-9", Amount: 120500, Agent: "POST-KW-12", VoucherCode: "V-77QX",
		RecipientName: "=HYPERLINK(\"x\")", RecipientNationalID: "290010112345", Reference: "دعم"}
	if err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	bad := p
	bad.VoucherCode = "V/77"
	wantErr(t, w.Write(bad), "payment.walletcsv.bad_code", 3, "voucher_code")
	bad = p
	bad.Agent = "\t"
	wantErr(t, w.Write(bad), "payment.walletcsv.missing", 3, "agent")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, buf.String())
	want := [][]string{CashColumns, {"TDM-9", "120.500", "KWD", "POST-KW-12", "V-77QX", "'=HYPERLINK(\"x\")", "290010112345", "دعم"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := w.Write(p); err == nil {
		t.Error("write after close: got no error")
	}
}

func TestReadStatus(t *testing.T) {
	in := "\ufeffEnd_To_End_Id,status,reason,paid_at\n" +
		"TDM-1,ACSC,,2026-03-03T10:15:00+03:00\n" +
		"TDM-2,rjct,AC04 wallet closed,\n" +
		"TDM-3,PDNG,,\n" +
		"TDM-4,ACSC,,2026-03-04\n" +
		"TDM-5,ACSC,,\"2026-03-04 08:00:00\"\n"
	var got []Status
	if err := ReadStatus(strings.NewReader(in), func(s Status) error { got = append(got, s); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []Status{
		{Row: 2, EndToEndID: "TDM-1", Status: "ACSC", PaidAt: time.Date(2026, 3, 3, 10, 15, 0, 0, time.FixedZone("", 3*3600))},
		{Row: 3, EndToEndID: "TDM-2", Status: "RJCT", Reason: "AC04 wallet closed"},
		{Row: 4, EndToEndID: "TDM-3", Status: "PDNG"},
		{Row: 5, EndToEndID: "TDM-4", Status: "ACSC", PaidAt: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)},
		{Row: 6, EndToEndID: "TDM-5", Status: "ACSC", PaidAt: time.Date(2026, 3, 4, 8, 0, 0, 0, time.UTC)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d statuses, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Row != want[i].Row || got[i].EndToEndID != want[i].EndToEndID || got[i].Status != want[i].Status ||
			got[i].Reason != want[i].Reason || !got[i].PaidAt.Equal(want[i].PaidAt) {
			t.Errorf("row %d: got %+v, want %+v", i+2, got[i], want[i])
		}
	}
}

func TestReadStatusRejects(t *testing.T) {
	const head = "end_to_end_id,status,reason,paid_at\n"
	tests := []struct {
		name, in, key string
		row           int
		column        string
	}{
		{"empty file", "", "payment.walletcsv.bad_header", 1, "end_to_end_id"},
		{"wrong header", "id,status,reason,paid_at\n", "payment.walletcsv.bad_header", 1, "end_to_end_id"},
		{"columns swapped", "end_to_end_id,reason,status,paid_at\n", "payment.walletcsv.bad_header", 1, "status"},
		{"missing column", head + "TDM-1,ACSC,\n", "payment.walletcsv.malformed", 2, "end_to_end_id,status,reason,paid_at"},
		{"bare quote", head + "TDM-1,AC\"SC,,\n", "payment.walletcsv.malformed", 2, "byte 9"},
		{"unknown status", head + "TDM-1,ACSC,,2026-03-03\nTDM-2,PAID,,2026-03-03\n", "payment.walletcsv.bad_status", 3, "status"},
		{"rejection without reason", head + "TDM-1,RJCT, ,\n", "payment.walletcsv.reason_required", 2, "reason"},
		{"paid without date", head + "TDM-1,ACSC,,\n", "payment.walletcsv.paid_at_required", 2, "paid_at"},
		{"bad date", head + "TDM-1,ACSC,,03/03/2026\n", "payment.walletcsv.bad_time", 2, "paid_at"},
		{"bad end-to-end id", head + "TDM 1,ACSC,,2026-03-03\n", "payment.walletcsv.bad_code", 2, "end_to_end_id"},
		{"empty end-to-end id", head + ",ACSC,,2026-03-03\n", "payment.walletcsv.missing", 2, "end_to_end_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ReadStatus(strings.NewReader(tc.in), func(Status) error { return nil })
			wantErr(t, err, tc.key, tc.row, tc.column)
		})
	}
	t.Run("callback error stops reading", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := ReadStatus(strings.NewReader(head+"A,ACCP,,\nB,ACCP,,\n"), func(Status) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("got %v after %d rows, want stop after 1", err, n)
		}
	})
}

func TestNormalizeMSISDN(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plus and spaces", "+966 50 123 4567", "966501234567"},
		{"double zero", "0020-100-123-4567", "201001234567"},
		{"Eastern Arabic-Indic digits", "+۹۷۱۵۰۱۲۳۴۵۶۷", "971501234567"},
		{"parentheses", "+(965) 5001 2345", "96550012345"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeMSISDN(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
