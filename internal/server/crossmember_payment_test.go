package server

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// egPayHousehold is the household EG pays in these tests; it comes from an
// in-memory source, not the registry.
const egPayHousehold = 876543

// egPaySource is EG's program as payments see it: one household due 100.00.
type egPaySource struct{}

func (egPaySource) Program(ctx context.Context, member, id, version int64) (payment.Program, error) {
	return payment.Program{ID: id, Version: 1, Ref: "EG-PAY", Proration: payment.ProrateDaily}, nil
}

func (egPaySource) Enrollments(ctx context.Context, member int64, p payment.Program, from, to time.Time, fn func(payment.Enrollment) error) error {
	return fn(payment.Enrollment{HouseholdID: egPayHousehold, HouseholdRef: "EG-P1", Status: payment.EnrollmentActive, Start: from})
}

func (egPaySource) Benefit(ctx context.Context, member int64, p payment.Program, e payment.Enrollment) (int64, error) {
	return 10_000, nil
}

// egPayHouseholds answers for egPayHousehold as the registry would.
type egPayHouseholds struct{}

func (egPayHouseholds) HouseholdRef(ctx context.Context, member, household int64) (string, error) {
	if household != egPayHousehold {
		return "", errs.E(errs.NotFound, "registry.household_not_found")
	}
	return "EG-P1", nil
}

func (egPayHouseholds) CheckPerson(ctx context.Context, member, household, person int64) error {
	return errs.E(errs.NotFound, "registry.person_not_found")
}

func (egPayHouseholds) PersonName(ctx context.Context, member, household, person int64) (string, error) {
	return "", errs.E(errs.NotFound, "registry.person_not_found")
}

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		eg, err := member.New(fx.d).Get(actor.System(context.Background()), "EG")
		if err != nil {
			t.Fatal(err)
		}
		egID := eg.ID
		// EG's finance officer and approver: two EG users acting with those roles.
		role := func(username string, r actor.Role) context.Context {
			a := actor.From(fx.as(username))
			a.Roles = []actor.Role{r}
			return actor.With(context.Background(), a)
		}
		finance, approver := role("eg.admin", actor.FinanceOfficer), role("eg.registrar", actor.Approver)
		s := payment.New(fx.d).WithHouseholds(egPayHouseholds{})
		if _, err := s.AddProvider(approver, payment.Provider{MemberID: egID, Code: "EGPOST", Kind: payment.Cash, Name: "Egypt Post"}); err != nil {
			t.Fatal(err)
		}
		in, err := s.ProposeInstrument(finance, payment.Instrument{MemberID: egID, HouseholdID: egPayHousehold, RecipientName: "منى", Kind: payment.Cash, Provider: "EGPOST"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DecideInstrument(approver, egID, in.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		pending, err := s.ProposeInstrument(finance, payment.Instrument{MemberID: egID, HouseholdID: egPayHousehold, RecipientName: "منى", Kind: payment.Cash, Provider: "EGPOST"})
		if err != nil {
			t.Fatal(err)
		}
		const program = 424242
		if err := s.AllocateBudget(approver, egID, program, 1_000_000, ""); err != nil {
			t.Fatal(err)
		}
		c, err := s.Prepare(finance, egPaySource{}, payment.CycleRequest{MemberID: egID, ProgramID: program, ProgramVersion: 1, PeriodStart: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		// A second cycle waits for approval, for the decision case.
		c2, err := s.Prepare(finance, egPaySource{}, payment.CycleRequest{MemberID: egID, ProgramID: program, ProgramVersion: 1, PeriodStart: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Approve(approver, egID, c.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		res, err := s.CreateBatches(finance, egID, c.ID)
		if err != nil || len(res.Batches) != 1 {
			t.Fatalf("EG batches: %+v, %v", res, err)
		}
		exported := res.Batches[0]
		if _, err := s.Export(finance, egID, exported.ID, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		var ent int64
		if err := fx.d.QueryRow(context.Background(), `SELECT id FROM payment_entitlements WHERE cycle_id = ?`, c2.ID).Scan(&ent); err != nil {
			t.Fatal(err)
		}
		fx.vals["pay_cycle"] = strconv.FormatInt(c.ID, 10)
		fx.vals["pay_cycle_pending"] = strconv.FormatInt(c2.ID, 10)
		fx.vals["pay_batch"] = strconv.FormatInt(exported.ID, 10)
		fx.vals["pay_instrument"] = strconv.FormatInt(pending.ID, 10)
		fx.vals["pay_entitlement"] = strconv.FormatInt(ent, 10)
		fx.vals["pay_program"] = strconv.Itoa(program)
		// A bank's debit notification (camt.054) that books EG's payment.
		var e2e string
		if err := fx.d.QueryRow(context.Background(), `SELECT end_to_end_id FROM payments WHERE member_id = ?`, egID).Scan(&e2e); err != nil {
			t.Fatal(err)
		}
		var camt bytes.Buffer
		w, err := iso20022.NewStatementWriter(&camt, iso20022.Statement{Version: iso20022.Camt054V08, MessageID: "EG-NTFCTN-1", Created: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}, "EG380019000500000000263180002", "EGP")
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(iso20022.Entry{EndToEndID: e2e, Amount: "100.00", Currency: "EGP", Debit: true}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		fx.vals["pay_camt"] = camt.String()
	})
	v1 := api.Prefix
	path := func(parts ...string) func(v map[string]string) string {
		return func(v map[string]string) string {
			p := v1
			for i, s := range parts {
				if i%2 == 0 {
					p += s
				} else {
					p += v[s]
				}
			}
			return p
		}
	}
	write := func(method, body string, parts ...string) crossCase {
		return crossWrite(method, func(v map[string]string) (string, string) { return path(parts...)(v), body })
	}
	hh := strconv.Itoa(egPayHousehold)
	crossCases["GET /payment-cycles"] = crossList(v1 + "/payment-cycles")
	crossCases["POST /payment-cycles"] = write("POST", `{"program_id":424242,"period_start":"2026-05-01","period_end":"2026-05-31"}`, "/payment-cycles")
	crossCases["GET /payment-cycles/{id}"] = crossGet(path("/payment-cycles/", "pay_cycle"))
	crossCases["POST /payment-cycles/{id}/decision"] = write("POST", `{"approve":true}`, "/payment-cycles/", "pay_cycle_pending", "/decision")
	crossCases["GET /payment-cycles/{id}/batches"] = crossGet(path("/payment-cycles/", "pay_cycle", "/batches"))
	crossCases["POST /payment-cycles/{id}/batches"] = write("POST", ``, "/payment-cycles/", "pay_cycle", "/batches")
	crossCases["GET /payment-cycles/{id}/reconciliation"] = crossGet(path("/payment-cycles/", "pay_cycle", "/reconciliation"))
	crossCases["POST /payment-batches/{id}/export"] = write("POST", ``, "/payment-batches/", "pay_batch", "/export")
	crossCases["GET /payment-batches/{id}/file"] = crossGet(path("/payment-batches/", "pay_batch", "/file"))
	// No format: the camt.054 namespace tells it.
	crossCases["POST /payment-status"] = crossWrite("POST", func(v map[string]string) (string, string) { return v1 + "/payment-status?member=EG", v["pay_camt"] })
	crossCases["POST /payment-entitlements/{id}/cancel"] = write("POST", `{"reason":"x"}`, "/payment-entitlements/", "pay_entitlement", "/cancel")
	crossCases["POST /payment-programs/{id}/budget"] = write("POST", `{"amount":1000}`, "/payment-programs/", "pay_program", "/budget")
	crossCases["GET /payment-history/{household}"] = crossList(v1 + "/payment-history/" + hh)
	crossCases["GET /payment-instruments"] = crossList(v1 + "/payment-instruments?household=" + hh)
	crossCases["POST /payment-instruments"] = write("POST", `{"household_id":`+hh+`,"recipient_name":"x","kind":"cash","provider":"EGPOST"}`, "/payment-instruments")
	crossCases["POST /payment-instruments/{id}/decision"] = write("POST", `{"approve":true}`, "/payment-instruments/", "pay_instrument", "/decision")
	crossCases["GET /payment-providers"] = crossList(v1 + "/payment-providers")
	crossCases["POST /payment-providers"] = write("POST", `{"code":"X","kind":"cash","name":"x"}`, "/payment-providers")
	crossCases["GET /ledger/balances"] = crossList(v1 + "/ledger/balances")
}

// TestCamtThroughTheAPI sends a bank's debit notification without a
// format: the API reads it as camt.054, and a JO finance officer's import
// of a file that books EG's payment is refused as naming an unknown
// payment — JO's payments are the only ones a JO import can match.
func TestCamtThroughTheAPI(t *testing.T) {
	d := demoDB(t, db.SQLite)
	fx := newFixture(t, d)
	status, body := fx.callAs("jo.finance", "POST", api.Prefix+"/payment-status", fx.vals["pay_camt"])
	if status != http.StatusUnprocessableEntity || !bytes.Contains(body, []byte(`"row":1`)) || !bytes.Contains(body, []byte("غير الموجودة")) {
		t.Fatalf("status %d, want 422 naming entry 1 as an unknown payment: %s", status, body)
	}
	var st string
	if err := d.QueryRow(context.Background(), `SELECT p.status FROM payments p JOIN members m ON m.id = p.member_id WHERE m.code = 'EG'`).Scan(&st); err != nil || st != "sent" {
		t.Errorf("EG's payment is %q (%v), want sent", st, err)
	}
}
