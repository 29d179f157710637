package registry

import "strings"

// checkNationalID checks a national ID key (ASCII digits and letters) against
// the format rules of the member where they are known, and returns the
// message key of the problem, or "" when it passes. birth is the person's
// birth date ("" unknown), which some IDs encode.
//
// Known rules:
//   - EG: 14 digits; the first is the century (2 for 1900-1999, 3 for
//     2000-2099), then YYMMDD of birth, a governorate code (01-35, 88 abroad),
//     four serial digits and a check digit. When the birth date is known it
//     must match the one in the ID.
//   - JO: 10 digits (Jordanian national number).
//   - SA: 10 digits starting with 1 (citizen) or 2 (resident), Luhn check digit.
//   - AE: 15 digits starting 784 (Emirates ID), Luhn check digit.
//   - Others: 5 to 20 letters or digits.
func checkNationalID(memberCode, key, birth string) string {
	allDigits := key != "" && strings.IndexFunc(key, func(r rune) bool { return r < '0' || r > '9' }) < 0
	switch memberCode {
	case "EG":
		if len(key) != 14 || !allDigits {
			return "registry.national_id_eg"
		}
		century := map[byte]string{'2': "19", '3': "20"}[key[0]]
		if century == "" {
			return "registry.national_id_eg"
		}
		date := century + key[1:3] + "-" + key[3:5] + "-" + key[5:7]
		if !validDate(date) {
			return "registry.national_id_eg"
		}
		if birth != "" && birth != date {
			return "registry.national_id_birth"
		}
	case "JO":
		if len(key) != 10 || !allDigits {
			return "registry.national_id_jo"
		}
	case "SA":
		if len(key) != 10 || !allDigits || (key[0] != '1' && key[0] != '2') || !luhn(key) {
			return "registry.national_id_sa"
		}
	case "AE":
		if len(key) != 15 || !allDigits || !strings.HasPrefix(key, "784") || !luhn(key) {
			return "registry.national_id_ae"
		}
	default:
		if len(key) < 5 || len(key) > 20 {
			return "registry.national_id_format"
		}
	}
	return ""
}

func validDate(s string) bool {
	var p problems
	checkDate(&p, "", &s, "9999-12-31")
	return len(p.fields) == 0
}

// luhn reports whether the digits pass the Luhn (mod 10) check.
func luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}
