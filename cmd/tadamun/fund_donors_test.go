package main

import (
	"strings"
	"testing"
)

func TestReadDonorTable(t *testing.T) {
	tsv := "\ufeffrefs\tIBAN\tname\tconsent_public\tphones\n" +
		"D0000001\tJO81ARAB0000000000000001000000\tدانة عبد الله الغامدي\tyes\t0791234567;0781234567\n" +
		"D0000002\t\tسامي الخطيب\t\t\n"
	ins, err := readDonorTable(strings.NewReader(tsv), '\t', 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || ins[0].MemberID != 7 || ins[0].Kind != "individual" || ins[0].Name != "دانة عبد الله الغامدي" || !ins[0].ConsentPublic ||
		len(ins[0].Phones) != 2 || len(ins[0].IBANs) != 1 || ins[0].Refs[0] != "D0000001" || ins[1].IBANs != nil || ins[1].ConsentPublic {
		t.Errorf("read %+v", ins)
	}
	csv := "name,kind,reg_no,email\n\"شركة الأمل, للتجارة\",company,200-1,info@amal.jo\n"
	ins, err = readDonorTable(strings.NewReader(csv), ',', 7)
	if err != nil || len(ins) != 1 || ins[0].Name != "شركة الأمل, للتجارة" || ins[0].Kind != "company" || ins[0].RegNo != "200-1" {
		t.Errorf("csv: %+v %v", ins, err)
	}
	for _, bad := range []string{"", "refs\tiban\n", "name\tcolour\nx\tred\n", "name\tname\nx\ty\n", "name\tconsent_public\nx\tmaybe\n"} {
		if _, err := readDonorTable(strings.NewReader(bad), '\t', 7); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
