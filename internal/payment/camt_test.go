package payment_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// sentPayment is a payment exported to its provider, as a bank sees it.
type sentPayment struct {
	e2e    string
	amount int64
}

// exported prepares, approves and exports the scenario's cycle and returns
// its sent payments in EndToEndId order (amounts 45.000, 22.500, 30.000,
// 20.000 JOD).
func exported(t *testing.T, f *fixture) []sentPayment {
	t.Helper()
	c := f.prepare(t, scenario(t, f))
	if err := f.s.AllocateBudget(f.ap1, f.member, 7, 1_000_000, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Approve(f.ap1, f.member, c.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	res, err := f.s.CreateBatches(f.fo1, f.member, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range res.Batches {
		if _, err := f.s.Export(f.fo1, f.member, b.ID, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := f.d.Query(context.Background(), `SELECT end_to_end_id, amount FROM payments WHERE member_id = ? AND status = 'sent' ORDER BY end_to_end_id`, f.member)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ps []sentPayment
	for rows.Next() {
		var p sentPayment
		if err := rows.Scan(&p.e2e, &p.amount); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if len(ps) != 4 {
		t.Fatalf("got %d sent payments, want 4", len(ps))
	}
	return ps
}

// jod writes minor units of JOD as a statement does.
func jod(minor int64) string { return money.Format(minor, 3) }

// camtFile writes a statement or notification of version v with entries,
// and checks it against the official schema.
func camtFile(t *testing.T, v iso20022.Version, msgID string, entries ...iso20022.Entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := iso20022.NewStatementWriter(&b, iso20022.Statement{Version: v, MessageID: msgID, Created: time.Date(2026, 4, 3, 18, 0, 0, 0, time.UTC)}, mkIBAN("JO", "CBJO0010000000000131000302"), "JOD")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Currency == "" {
			e.Currency = "JOD"
		}
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	mustValidateXML(t, b.Bytes(), v)
	return b.Bytes()
}

func debit(p sentPayment) iso20022.Entry {
	return iso20022.Entry{EndToEndID: p.e2e, Amount: jod(p.amount), Debit: true, Booked: time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)}
}

func returned(p sentPayment, reason, info string) iso20022.Entry {
	return iso20022.Entry{EndToEndID: p.e2e, Amount: jod(p.amount), Returned: true, Reason: reason, AdditionalInfo: info}
}

// paymentState reads a payment's status and reason.
func paymentState(t *testing.T, f *fixture, e2e string) (status, reason string) {
	t.Helper()
	if err := f.d.QueryRow(context.Background(), `SELECT status, reason FROM payments WHERE end_to_end_id = ?`, e2e).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	return status, reason
}

func stagedRows(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM payment_status_rows`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCamtConfirmsAndReturns imports, in every supported version, a
// statement that books three of our payments as debits among the
// account's other entries, the same file again, and a later notification
// that returns one of them with its reason.
func TestCamtConfirmsAndReturns(t *testing.T) {
	for _, v := range []iso20022.Version{iso20022.Camt053V02, iso20022.Camt053V08, iso20022.Camt054V02, iso20022.Camt054V08} {
		t.Run(string(v), func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				f := newFixture(t, d)
				ps := exported(t, f)
				file := camtFile(t, v, "STMT-1",
					debit(ps[0]), debit(ps[1]),
					iso20022.Entry{Reference: "SALARY", Amount: "1200.000", Debit: true},                          // a debit that is not ours
					iso20022.Entry{EndToEndID: "SUPPLIER-77", Amount: "99.000", Debit: false},                     // a credit of someone else
					iso20022.Entry{EndToEndID: ps[3].e2e, Amount: jod(ps[3].amount), Debit: true, Status: "PDNG"}, // not booked yet
					debit(ps[2]))
				// No format: the namespace tells it.
				imp, err := f.s.ImportStatus(f.fo1, f.member, "", bytes.NewReader(file))
				if err != nil {
					t.Fatalf("import: %v", err)
				}
				kind := string(v)[:8]
				if imp.Format != kind || imp.Rows != 3 || imp.Paid != 3 || imp.Ignored != 3 || imp.Returned != 0 || imp.Unchanged != 0 {
					t.Fatalf("got %+v, want %s with 3 paid and 3 ignored", imp, kind)
				}
				for i, p := range ps {
					want := "paid"
					if i == 3 {
						want = "sent"
					}
					if st, _ := paymentState(t, f, p.e2e); st != want {
						t.Errorf("payment %s is %s, want %s", p.e2e, st, want)
					}
				}
				var paidAt time.Time
				if err := d.QueryRow(context.Background(), `SELECT paid_at FROM payments WHERE end_to_end_id = ?`, ps[0].e2e).Scan(&paidAt); err != nil || !paidAt.Equal(time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("paid_at = %v (%v), want the booking date", paidAt, err)
				}
				mustReconcile(t, f, 1)

				// The same file again changes nothing.
				_, err = f.s.ImportStatus(f.fo2, f.member, payment.FormatCamt053, bytes.NewReader(file))
				if !strings.HasPrefix(string(v), "camt.053") {
					wantCode(t, err, errs.Invalid, "payment.camt.wrong_kind")
				} else {
					wantCode(t, err, errs.Conflict, "payment.status.already_imported")
				}
				_, err = f.s.ImportStatus(f.fo2, f.member, "", bytes.NewReader(file))
				wantCode(t, err, errs.Conflict, "payment.status.already_imported")
				// Another file that repeats the same bookings changes nothing either.
				imp, err = f.s.ImportStatus(f.fo1, f.member, "", bytes.NewReader(camtFile(t, v, "STMT-2", debit(ps[0]))))
				if err != nil || imp.Unchanged != 1 || imp.Paid != 0 {
					t.Fatalf("repeating a booking: got %+v, %v; want 1 unchanged", imp, err)
				}

				// The bank returns the second payment: returned, with the reason.
				imp, err = f.s.ImportStatus(f.fo1, f.member, "", bytes.NewReader(camtFile(t, v, "NTFCTN-3",
					returned(ps[1], "AC04", "الحساب مغلق"), iso20022.Entry{Amount: "5.000", Debit: true})))
				if err != nil || imp.Returned != 1 || imp.Ignored != 1 {
					t.Fatalf("return: got %+v, %v; want 1 returned and 1 ignored", imp, err)
				}
				if st, reason := paymentState(t, f, ps[1].e2e); st != "returned" || reason != "AC04 الحساب مغلق" {
					t.Errorf("returned payment: %s %q, want returned \"AC04 الحساب مغلق\"", st, reason)
				}
				r := mustReconcile(t, f, 1)
				if r.Returned.Amount != ps[1].amount {
					t.Errorf("reconciliation returned %+v, want %d", r.Returned, ps[1].amount)
				}
			})
		})
	}
}

// TestCamtReversalAndReturnInOneStatement: a reversal (RvslInd) returns a
// payment; a statement that books a payment and its return ends with the
// return.
func TestCamtReversalAndReturnInOneStatement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ps := exported(t, f)
		rev := debit(ps[1])
		rev.Debit, rev.Reversal = false, true
		imp, err := f.s.ImportStatus(f.fo1, f.member, payment.FormatCamt053, bytes.NewReader(camtFile(t, iso20022.Camt053V08, "STMT-1",
			debit(ps[0]), returned(ps[0], "AM04", ""), rev)))
		if err != nil {
			t.Fatal(err)
		}
		if imp.Rows != 2 || imp.Failed != 2 || imp.Paid != 0 {
			t.Fatalf("got %+v, want 2 rows both failed", imp)
		}
		if st, reason := paymentState(t, f, ps[0].e2e); st != "failed" || reason != "AM04" {
			t.Errorf("booked and returned: %s %q, want failed AM04", st, reason)
		}
		if st, _ := paymentState(t, f, ps[1].e2e); st != "failed" {
			t.Errorf("reversed: %s, want failed", st)
		}
		mustReconcile(t, f, 1)
	})
}

// TestCamtOneBadEntryLandsNothing: a file with a wrong amount, a wrong
// currency or an unknown EndToEndId of ours is refused whole, naming the
// entry, and nothing changes.
func TestCamtOneBadEntryLandsNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ps := exported(t, f)
		short := debit(ps[1])
		short.Amount = jod(ps[1].amount - 1)
		egp := debit(ps[1])
		egp.Currency, egp.Amount = "EGP", "22.50"
		cases := []struct {
			name  string
			bad   iso20022.Entry
			key   string
			names string
		}{
			{"an amount that differs", short, "payment.camt.amount_mismatch", "22.499 JOD"},
			{"another currency", egp, "payment.camt.amount_mismatch", "22.50 EGP"},
			{"an unknown payment of ours", iso20022.Entry{EndToEndID: "TDM-999999999999-1", Amount: "1.000", Debit: true}, "payment.status.unknown", "TDM-999999999999-1"},
			{"an amount with too many decimals", iso20022.Entry{EndToEndID: ps[1].e2e, Amount: "22.5001", Debit: true}, "payment.camt.bad_amount", "22.5001"},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				file := camtFile(t, iso20022.Camt054V02, fmt.Sprintf("BAD-%d", i), debit(ps[0]), iso20022.Entry{Amount: "7.000"}, c.bad)
				_, err := f.s.ImportStatus(f.fo1, f.member, "", bytes.NewReader(file))
				wantRefusal(t, err, c.key)
				e := errs.As(err)
				if row := fmt.Sprint(e.Args["row"]); row != "3" {
					t.Errorf("the refusal names entry %s, want 3", row)
				}
				if !strings.Contains(fmt.Sprint(e.Args), c.names) {
					t.Errorf("the refusal %v does not name %s", e.Args, c.names)
				}
				if st, _ := paymentState(t, f, ps[0].e2e); st != "sent" {
					t.Errorf("the good entry's payment is %s, want sent", st)
				}
				if n := stagedRows(t, d); n != 0 {
					t.Errorf("%d staged rows kept", n)
				}
			})
		}
		_, err := f.s.ImportStatus(f.fo1, f.member, "", bytes.NewReader(camtFile(t, iso20022.Camt053V02, "NONE", iso20022.Entry{Amount: "7.000"})))
		wantRefusal(t, err, "payment.camt.none_ours")
		mustReconcile(t, f, 1)
	})
}

// TestCamtCrossMember: an officer of one member cannot confirm another
// member's payments, neither by naming the member nor through a file of
// his own member that names them.
func TestCamtCrossMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ps := exported(t, f)
		eg, err := member.New(d).Create(f.sys, member.Member{Code: "EG", NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Africa/Cairo"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := auth.New(d).CreateUser(f.sys, auth.NewUser{MemberID: eg.ID, Username: "egfo", DisplayName: "egfo", Password: "correct horse battery staple", Roles: []actor.Role{actor.FinanceOfficer}})
		if err != nil {
			t.Fatal(err)
		}
		egOfficer := actor.With(context.Background(), u.Actor())
		file := camtFile(t, iso20022.Camt053V08, "STMT-X", debit(ps[0]))
		_, err = f.s.ImportStatus(egOfficer, f.member, "", bytes.NewReader(file))
		wantCode(t, err, errs.NotFound, "") // another member's data is not there for him
		_, err = f.s.ImportStatus(egOfficer, eg.ID, "", bytes.NewReader(file))
		wantRefusal(t, err, "payment.status.unknown")
		if st, _ := paymentState(t, f, ps[0].e2e); st != "sent" {
			t.Errorf("the other member's payment is %s, want sent", st)
		}
	})
}

func TestCamtLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var many []iso20022.Entry
		for i := range 10 {
			many = append(many, iso20022.Entry{EndToEndID: fmt.Sprintf("OTHER-%d", i), Amount: "1.000", Debit: true})
		}
		file := camtFile(t, iso20022.Camt053V08, "MANY", many...)
		for _, c := range []struct {
			lim  limits.Limits
			want string
		}{{limits.Limits{Rows: 5}, "limits.rows"}, {limits.Limits{Uncompressed: 2_000}, "limits.too_large"}} {
			f.s.Limits = c.lim
			_, err := f.s.ImportStatus(f.fo1, f.member, "", bytes.NewReader(file))
			wantRefusal(t, err, c.want)
		}
		f.s.Limits = limits.Limits{}
		_, err := f.s.ImportStatus(f.fo1, f.member, "xml", bytes.NewReader(file))
		wantRefusal(t, err, "payment.status.bad_format")
	})
}
