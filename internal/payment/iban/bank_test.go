package iban

import (
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/errs"
)

// withCheck returns country+check digits+bban with correct check digits.
func withCheck(country, bban string) string {
	digits := ""
	for _, r := range bban + country + "00" {
		if r >= 'A' && r <= 'Z' {
			digits += strconv.Itoa(int(r-'A') + 10)
		} else {
			digits += string(r)
		}
	}
	rem := 0
	for _, r := range digits {
		rem = (rem*10 + int(r-'0')) % 97
	}
	cd := 98 - rem
	return country + string(rune('0'+cd/10)) + string(rune('0'+cd%10)) + bban
}

// TestCheckBank is issue 15, item 8: a debtor account whose IBAN names
// another bank than the provider's BIC is refused where the IBAN's
// structure says where the bank code is.
func TestCheckBank(t *testing.T) {
	jo := withCheck("JO", "ARAB"+"0010000000000131000302")
	sa := withCheck("SA", "80"+"000000608010167519")
	eg := withCheck("EG", "0019"+"000500000000263180002")
	if _, err := Validate(jo); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, iban, bic string
		refused         bool
	}{
		{"Jordan, the bank's own BIC", jo, "ARABJOAX", false},
		{"Jordan, another bank's BIC", jo, "HBHOJOAX", true},
		{"Jordan, no BIC", jo, "", false},
		{"Saudi Arabia, listed number, its BIC", sa, "RJHISARI", false},
		{"Saudi Arabia, listed number, another BIC", sa, "NCBKSAJE", true},
		{"Egypt, unlisted national number", eg, "NBEGEGCX", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckBank(tt.iban, tt.bic)
			if tt.refused != (err != nil) {
				t.Fatalf("CheckBank(%s, %s) = %v, want refused %v", tt.iban, tt.bic, err, tt.refused)
			}
			if err != nil && errs.As(err).Key != "payment.iban.bank_mismatch" {
				t.Errorf("key %s", errs.As(err).Key)
			}
		})
	}
	for cc := range bankCodes {
		if _, ok := lengths[cc]; !ok {
			t.Errorf("%s has a bank code position but no registered length", cc)
		}
	}
}
