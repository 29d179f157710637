package source

import (
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/errs"
)

func TestCSV(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		n       int
		wantErr string // field of the first field error
		row     int
	}{
		{"header only", "member_ref,first_name\n", 0, "", 0},
		{"empty file", "", 0, "", 0},
		{"byte-order mark and Arabic digits", "\ufeffmember_ref,first_name,birth_date,national_id\nP1,أحمد,١٩٩٠-٠٥-١١,٢٩٠\n", 1, "", 0},
		{"year only", "member_ref,first_name,birth_date\nP1,أحمد,1990\n", 1, "", 0},
		{"bad date names row and column", "member_ref,first_name,birth_date\nP1,أحمد,1990-01-01\nP2,علي,yesterday\n", 0, "birth_date", 3},
		{"missing ref", "member_ref,first_name\n,أحمد\n", 0, "member_ref", 2},
		{"no member_ref column", "first_name\nأحمد\n", 0, "member_ref", 0},
		{"duplicate id", "id,member_ref,first_name\n5,P1,أحمد\n5,P2,علي\n", 0, "id", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := CSV("persons.csv", strings.NewReader(tt.in))
			if tt.wantErr == "" {
				if err != nil || len(recs) != tt.n {
					t.Fatalf("got %d records, %v; want %d", len(recs), err, tt.n)
				}
				return
			}
			e := errs.As(err)
			if e == nil || e.Code != errs.Invalid || len(e.Fields) == 0 {
				t.Fatalf("got %v, want an invalid error with fields", err)
			}
			if e.Fields[0].Field != tt.wantErr || e.Fields[0].Row != tt.row {
				t.Errorf("first problem at row %d column %q, want row %d column %q", e.Fields[0].Row, e.Fields[0].Field, tt.row, tt.wantErr)
			}
		})
	}
}

func TestBirthAndSex(t *testing.T) {
	recs, err := CSV("p.csv", strings.NewReader("member_ref,first_name,birth_date,sex\nP1,a,11/05/1990,ذكر\nP2,b,1990-05,F\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := recs[0]; r.BirthYear != 1990 || r.BirthMonth != 5 || r.BirthDay != 11 || r.Sex != dedup.Male {
		t.Errorf("first row: %+v", r)
	}
	if r := recs[1]; r.BirthYear != 1990 || r.BirthMonth != 0 || r.Sex != dedup.Female {
		t.Errorf("second row: %+v", r)
	}
}
