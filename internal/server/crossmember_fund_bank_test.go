package server

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/fund/bank"
	"github.com/tadamun/tadamun/internal/member"
)

// fundStatementCSV is a small CSV statement: two credits and a debit.
const fundStatementCSV = "date,amount,currency,debtor_name,debtor_iban,reference,bank_reference\n" +
	"2026-11-02,15,%s,سلمى الخطيب,,ZAKAT-1,%s-1\n" +
	"2026-11-02,7,%s,متبرع مجهول,,,%s-2\n" +
	"2026-11-03,-2,%s,رسوم,,,%s-3\n"

// importFundStatement imports a CSV statement of member code as user and
// returns the statement and its first waiting line.
func importFundStatement(t testing.TB, fx *fixture, code, user, prefix string) (bank.Statement, bank.Line) {
	t.Helper()
	m, err := member.New(fx.d).Get(actor.System(context.Background()), code)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Currency
	data := []byte(fmt.Sprintf(fundStatementCSV, c, prefix, c, prefix, c, prefix))
	svc := servicesOf(t, fx.d).Bank
	st, err := svc.Import(fx.as(user), bank.ImportInput{MemberID: m.ID, Name: prefix + ".csv", File: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	q, err := svc.Queue(fx.as(user), m.ID, bank.LineFilter{})
	if err != nil || len(q) == 0 {
		t.Fatalf("queue of %s: %v %v", code, q, err)
	}
	return st, q[0]
}

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		st, l := importFundStatement(t, fx, "EG", "eg.fund", "EG-CROSS")
		fx.vals["fund_statement"] = strconv.FormatInt(st.ID, 10)
		fx.vals["fund_line"] = strconv.FormatInt(l.ID, 10)
	})
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		_, l := importFundStatement(t, fx, "JO", "jo.fund", "JO-CROSS")
		fx.vals["jo_fund_line"] = strconv.FormatInt(l.ID, 10)
	})
	v1 := api.Prefix
	st := func(suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + "/fund/statements/" + v["fund_statement"] + suffix }
	}
	crossCases["GET /fund/statements"] = crossList(v1 + "/fund/statements")
	crossCases["GET /fund/suspense"] = crossList(v1 + "/fund/suspense")
	crossCases["GET /fund/statements/{id}"] = crossGet(st(""))
	crossCases["GET /fund/statements/{id}/lines"] = crossGet(st("/lines"))
	crossCases["POST /fund/statements"] = crossWrite("POST", func(map[string]string) (string, string) {
		return v1 + "/fund/statements?member=EG&name=intruder.csv", "date,amount\n2026-11-02,1\n"
	})
	crossCases["POST /fund/statement-lines/{id}/match"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/fund/statement-lines/" + v["fund_line"] + "/match", `{"donor_id":1}`
	})
	crossCases["POST /fund/statement-lines/{id}/dismiss"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/fund/statement-lines/" + v["fund_line"] + "/dismiss", `{"reason":"x"}`
	})
	crossRefs["POST /fund/statement-lines/{id}/match"] = crossRef{As: "jo.fund",
		Path: func(v map[string]string) string { return v1 + "/fund/statement-lines/" + v["jo_fund_line"] + "/match" },
		Body: func(v map[string]string, eg string) string {
			// The JO control is a credit to JO's donor against JO's pledge,
			// restricted to JO's program; each field in turn names EG's row
			// (the restriction's kind follows the field it tests).
			body := `{"donor_id":` + pick(v, eg, "donor_id", "gift_jo_donor", "gift_eg_donor") + `,"pledge_id":` + pick(v, eg, "pledge_id", "gift_jo_pledge", "gift_pledge")
			switch eg {
			case "restricted_member_id":
				body += `,"restriction":"member","restricted_member_id":` + v["gift_eg_member"]
			case "campaign_id":
				body += `,"restriction":"campaign","campaign_id":` + v["gift_campaign"]
			case "rate_id":
				body += `,"rate_id":` + v["gift_rate"]
			default:
				body += `,"restriction":"program","program_id":` + pick(v, eg, "program_id", "gift_jo_program", "gift_eg_program")
			}
			return body + `}`
		},
		IDs: []string{"donor_id", "pledge_id", "program_id", "restricted_member_id", "campaign_id", "rate_id"}}
}
