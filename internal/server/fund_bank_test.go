package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/fund/bank"
)

// TestFundStatementAPI imports a CSV statement through the API as the
// Jordanian fund manager, imports it again (the earlier import, nothing
// written), lists it, reads its lines, and marks a waiting credit "not a
// donation"; a second decision on the line is a conflict.
func TestFundStatementAPI(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			fx := newFixture(t, demoDB(t, dl))
			v1 := api.Prefix
			csv := "date,amount,currency,debtor_name,debtor_iban,reference,bank_reference\n" +
				"2026-11-09,١٢٫٥٠٠,JOD,هدى النجار,,,API-1\n2026-11-09,-1,JOD,رسوم,,,API-2\n"
			var st bank.Statement
			for i := range 2 {
				status, out := fx.callAs("jo.fund", "POST", v1+"/fund/statements?name=api.csv", csv)
				if status != http.StatusCreated {
					t.Fatalf("import %d: status %d: %s", i, status, out)
				}
				var got bank.Statement
				if err := json.Unmarshal(out, &got); err != nil {
					t.Fatal(err)
				}
				if got.Credits != 1 || got.Unmatched != 1 || got.UnmatchedTotal != 12_500 || got.Debits != 1 || got.Again != (i == 1) {
					t.Fatalf("import %d: %+v", i, got)
				}
				if i == 1 && got.ID != st.ID {
					t.Fatalf("again: statement %d, want %d", got.ID, st.ID)
				}
				st = got
			}
			status, out := fx.callAs("jo.fund", "GET", v1+"/fund/statements", "")
			var list api.StatementList
			if status != http.StatusOK || json.Unmarshal(out, &list) != nil || len(list.Statements) < 2 || list.Summary.Suspense["JOD"] < 12_500 {
				t.Fatalf("list: %d %s", status, out)
			}
			status, out = fx.callAs("jo.fund", "GET", v1+"/fund/statements/"+strconv.FormatInt(st.ID, 10)+"/lines?status=unmatched", "")
			var lines api.StatementLines
			if status != http.StatusOK || json.Unmarshal(out, &lines) != nil || len(lines.Lines) != 1 || lines.Lines[0].DebtorName != "هدى النجار" {
				t.Fatalf("lines: %d %s", status, out)
			}
			path := v1 + "/fund/statement-lines/" + strconv.FormatInt(lines.Lines[0].ID, 10) + "/dismiss"
			if status, out := fx.callAs("jo.fund", "POST", path, `{"reason":"استرداد للمحوِّل"}`); status != http.StatusOK {
				t.Fatalf("dismiss: %d %s", status, out)
			}
			if status, out := fx.callAs("jo.fund", "POST", path, `{"reason":"مرة أخرى"}`); status != http.StatusConflict {
				t.Fatalf("second dismiss: %d %s", status, out)
			}
			if status, out := fx.callAs("jo.fund", "POST", v1+"/fund/statements?name=bad.csv", "date,amount\n2026-02-30,1\n"); status != http.StatusUnprocessableEntity {
				t.Fatalf("bad file: %d %s", status, out)
			}
		})
	}
}
