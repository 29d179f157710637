package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestOverlappingCyclesRefused is issue 12's first finding, reproduced
// through the API: a cycle of a quarterly program for 2027-01-01–03-31 is
// approved; a cycle for February of the same program is refused with 409
// naming the first; a one-day cycle is refused unless it is explicitly
// partial, and then pays a day of the quarter, which the cycle page shows
// before approval. No household ends with two live entitlements for a day.
func TestOverlappingCyclesRefused(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) { overlappingCyclesRefused(t, demoDB(t, dl)) })
	}
}

func overlappingCyclesRefused(t *testing.T, d *db.DB) {
	ts := newServer(t, d)
	ctx := context.Background()
	sys := actor.System(ctx)
	as := func(name string) context.Context {
		u, err := auth.New(d).UserByUsername(sys, name)
		if err != nil {
			t.Fatal(err)
		}
		return actor.With(ctx, u.Actor())
	}
	token := func(name string) string {
		u, err := auth.New(d).UserByUsername(sys, name)
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := auth.New(d).CreateToken(sys, u.ID, "cycles test", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		t.Fatal(err)
	}

	// A quarterly program paying 90.000 JOD a quarter, with its households
	// enrolled.
	progs := program.New(d)
	ap, err := progs.Apply(as("jo.programs"), jo.ID, program.Spec{Code: "QUARTERLY-TEST", NameAR: "منحة فصلية", NameEN: "Quarterly grant", Kind: "cash_transfer",
		TargetGroups: []string{"poor_families"}, Frequency: "quarterly", StartDate: "2026-01-01", Status: program.Active,
		Eligibility: "household.size >= 1", Benefit: "90.0"})
	if err != nil {
		t.Fatal(err)
	}
	// Activation is an eligibility decision: a second person approves it.
	if _, err := progs.DecideChange(as("jo.approver"), ap.ApprovalID, true, ""); err != nil {
		t.Fatal(err)
	}
	run, err := progs.Run(as("jo.programs"), ap.Program.ID, registry.New(d).EachHousehold, program.RunOptions{AsOf: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	prop, err := progs.Propose(as("jo.programs"), run.ID, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := progs.Decide(as("jo.approver"), prop.ApprovalID, true, ""); err != nil {
		t.Fatal(err)
	}
	pid := ap.Program.ID

	finance, approver := token("jo.finance"), token("jo.approver")
	call := func(tok, method, path, body, lang string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, ts.URL+"/api/v1"+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", lang)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	prepare := func(from, to string, partial bool, lang string) (int, []byte) {
		t.Helper()
		body := fmt.Sprintf(`{"program_id":%d,"period_start":%q,"period_end":%q}`, pid, from, to)
		if partial {
			body = fmt.Sprintf(`{"program_id":%d,"period_start":%q,"period_end":%q,"partial":true}`, pid, from, to)
		}
		return call(finance, "POST", "/payment-cycles", body, lang)
	}
	cycleOf := func(b []byte) payment.Cycle {
		t.Helper()
		var c payment.Cycle
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return c
	}
	problem := func(b []byte) string {
		t.Helper()
		var e api.Error
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		msg := e.Error.Message
		for _, f := range e.Error.Fields {
			msg += " | " + f.Message
		}
		if strings.ContainsAny(msg, "{}") {
			t.Errorf("a placeholder is left in %q", msg)
		}
		return msg
	}

	status, body := prepare("2027-01-01", "2027-03-31", false, "en")
	if status != http.StatusCreated {
		t.Fatalf("the quarter: status %d, want 201: %s", status, body)
	}
	q1 := cycleOf(body)
	if q1.EntitledCount == 0 || q1.Total != q1.EntitledCount*90_000 || q1.Partial {
		t.Fatalf("the quarter: got %+v, want every household paid 90.000", q1)
	}
	if status, body := call(approver, "POST", fmt.Sprintf("/payment-programs/%d/budget", pid), fmt.Sprintf(`{"amount":%d}`, 2*q1.Total), "en"); status >= 300 {
		t.Fatalf("budget: status %d: %s", status, body)
	}
	if status, body := call(approver, "POST", fmt.Sprintf("/payment-cycles/%d/decision", q1.ID), `{"approve":true}`, "en"); status != http.StatusOK {
		t.Fatalf("approve the quarter: status %d: %s", status, body)
	}

	// February of the same program: 409 naming the quarter, in both
	// languages, whether or not it says it is partial.
	for _, partial := range []bool{false, true} {
		for _, lang := range []string{"ar", "en"} {
			status, body := prepare("2027-02-01", "2027-02-28", partial, lang)
			if status != http.StatusConflict {
				t.Fatalf("February (partial %v, %s): status %d, want 409: %s", partial, lang, status, body)
			}
			msg := problem(body)
			for _, want := range []string{fmt.Sprint(q1.ID), "2027-01-01", "2027-03-31", "QUARTERLY-TEST"} {
				if !strings.Contains(msg, want) {
					t.Errorf("February (%s): the refusal does not name %s: %s", lang, want, msg)
				}
			}
		}
	}

	// One day without explicit proration: refused, naming the quarter it
	// should be.
	status, body = prepare("2027-04-01", "2027-04-01", false, "en")
	if status != http.StatusUnprocessableEntity && status != http.StatusBadRequest {
		t.Fatalf("one day, not partial: status %d, want a refusal: %s", status, body)
	}
	if msg := problem(body); !strings.Contains(msg, "2027-04-01 — 2027-06-30") {
		t.Errorf("one day, not partial: the refusal does not say which quarter: %s", msg)
	}

	// With explicit proration: a day of a 91-day quarter, 90.000 × 1 ÷ 91
	// = 0.989 each, rounded down.
	status, body = prepare("2027-04-01", "2027-04-01", true, "en")
	if status != http.StatusCreated {
		t.Fatalf("one day, partial: status %d, want 201: %s", status, body)
	}
	day := cycleOf(body)
	if !day.Partial || day.Days != 1 || day.BasisDays != 91 || day.EntitledCount != q1.EntitledCount || day.Total != day.EntitledCount*989 || day.FullTotal != q1.Total {
		t.Fatalf("one day, partial: got %+v, want 1 of 91 days at 0.989 a household", day)
	}

	// The cycle page shows it is partial, with the fraction and the
	// amounts, before anyone approves it.
	b := newBrowser(t, ts.URL)
	b.login("jo.approver")
	b.do("GET", "/digits?to=latn&next=/", nil)
	for lang, want := range map[string][]string{
		"en": {"partial period", "1 of 91 days", "Approve"},
		"ar": {"فترة جزئية", "1 من أصل 91 يومًا"},
	} {
		b.do("GET", "/lang?to="+lang+"&next=/", nil)
		resp, page := b.do("GET", fmt.Sprintf("/payments/cycles/%d", day.ID), nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("cycle page: status %d", resp.StatusCode)
		}
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("the %s cycle page lacks %q", lang, w)
			}
		}
		if !strings.Contains(page, i18n.FormatNumber(money.Format(day.Total, 3), false)) || !strings.Contains(page, i18n.FormatNumber(money.Format(day.FullTotal, 3), false)) {
			t.Errorf("the %s cycle page lacks the prorated %d and full %d amounts", lang, day.Total, day.FullTotal)
		}
	}

	// The web form says the same as the API.
	b.login("jo.finance")
	b.do("GET", "/lang?to=en&next=/", nil)
	tok := b.csrf("/payments")
	resp, page := b.do("POST", "/payments/cycles", url.Values{"csrf": {tok}, "program_id": {fmt.Sprint(pid)}, "period_start": {"2027-03-01"}, "period_end": {"2027-03-31"}, "partial": {"1"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, fmt.Sprintf("payment cycle %d", q1.ID)) {
		t.Errorf("the form: status %d, want 409 naming cycle %d", resp.StatusCode, q1.ID)
	}

	var doubles int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM payment_entitlements a
		JOIN payment_cycles ca ON ca.id = a.cycle_id
		JOIN payment_entitlements b ON b.member_id = a.member_id AND b.household_id = a.household_id AND b.cycle_id > a.cycle_id
		JOIN payment_cycles cb ON cb.id = b.cycle_id AND cb.program_id = ca.program_id
		WHERE a.status = 'due' AND b.status = 'due' AND ca.status <> 'rejected' AND cb.status <> 'rejected'
		  AND ca.period_start <= cb.period_end AND cb.period_start <= ca.period_end`).Scan(&doubles); err != nil {
		t.Fatal(err)
	}
	if doubles != 0 {
		t.Errorf("%d households have two live entitlements for one day of one program", doubles)
	}
}
