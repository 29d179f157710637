package iban

import (
	"strings"

	"github.com/tadamun/tadamun/internal/errs"
)

// bankCode says where a country's IBAN carries the bank identifier (from
// the SWIFT IBAN Registry's BBAN structures): at characters [at, at+n) of
// the electronic form. alpha codes are the four letters a BIC begins with
// (the institution code); numeric ones are national bank numbers.
type bankCode struct {
	at, n int
	alpha bool
}

var bankCodes = map[string]bankCode{
	// Four letters, the BIC's institution code.
	"JO": {4, 4, true}, "KW": {4, 4, true}, "BH": {4, 4, true}, "QA": {4, 4, true},
	"PS": {4, 4, true}, "IQ": {4, 4, true},
	// National bank numbers.
	"EG": {4, 4, false}, "SA": {4, 2, false}, "AE": {4, 3, false}, "LB": {4, 4, false},
	"TN": {4, 2, false}, "MA": {4, 3, false}, "OM": {4, 3, false}, "LY": {4, 3, false},
	"DJ": {4, 5, false}, "MR": {4, 5, false}, "SD": {4, 2, false}, "SO": {4, 4, false},
}

// nationalBanks maps a numeric IBAN bank code to the institution code of
// the bank's BIC, for the countries and banks listed. A code not listed is
// not checked.
var nationalBanks = map[string]map[string]string{
	// Saudi Central Bank's two-digit bank codes.
	"SA": {"05": "INMA", "10": "NCBK", "15": "ALBI", "20": "RIBL", "30": "ARNB", "45": "SABB", "55": "BSFR", "60": "BJAZ", "65": "SIBC", "80": "RJHI"},
}

// BankCode returns the bank identifier the IBAN s carries and whether it is
// the institution code a BIC begins with; ok is false when s is not a
// valid IBAN or its country's structure is not known here.
func BankCode(s string) (code string, bicCode bool, ok bool) {
	e, err := Validate(s)
	if err != nil {
		return "", false, false
	}
	b, known := bankCodes[e[:2]]
	if !known || len(e) < b.at+b.n {
		return "", false, false
	}
	return e[b.at : b.at+b.n], b.alpha, true
}

// CheckBank reports whether the account s is at the bank bic names, where
// the country's IBAN structure tells: the IBAN's four-letter bank code must
// be the BIC's institution code (JO, KW, BH, QA, PS, IQ), and a national
// bank number must be the one listed for that BIC (Saudi Arabia's). An
// empty BIC, an IBAN of another structure or an unlisted national number is
// not checked. The error is errs.Invalid payment.iban.bank_mismatch with
// the code, the bank it names and the BIC.
func CheckBank(s, bic string) error {
	bic = strings.ToUpper(strings.TrimSpace(bic))
	if len(bic) < 4 {
		return nil
	}
	code, alpha, ok := BankCode(s)
	if !ok {
		return nil
	}
	want := code
	if !alpha {
		cc := strings.ToUpper(strings.TrimSpace(s))[:2]
		var listed bool
		if want, listed = nationalBanks[cc][code]; !listed {
			return nil
		}
	}
	if want != bic[:4] {
		return errs.E(errs.Invalid, "payment.iban.bank_mismatch", "code", code, "bank", want, "bic", bic)
	}
	return nil
}
