package payment_test

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// contextT is short for the contexts the fixture's people act in.
type contextT = context.Context

// fakeSource is an in-memory program: its enrollments and a benefit per
// household id.
type fakeSource struct {
	program     payment.Program
	enrollments []payment.Enrollment
	benefit     map[int64]int64
}

func (f *fakeSource) Program(ctx context.Context, member, program, version int64) (payment.Program, error) {
	if program != f.program.ID {
		return payment.Program{}, errs.E(errs.NotFound, "program.not_found")
	}
	return f.program, nil
}

func (f *fakeSource) Enrollments(ctx context.Context, member int64, p payment.Program, from, to time.Time, fn func(payment.Enrollment) error) error {
	for _, e := range f.enrollments {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeSource) Benefit(ctx context.Context, member int64, p payment.Program, e payment.Enrollment) (int64, error) {
	return f.benefit[e.HouseholdID], nil
}

// foreignHousehold and foreignPerson are ids of another member's
// household and person, as testHouseholds answers for them.
const (
	foreignHousehold = 999_001
	foreignPerson    = 999_002
)

// testHouseholds stands for the registry: every household id the tests
// use is the member's (reference "HH-<id>"), except foreignHousehold, and
// every person is of their household, except foreignPerson.
type testHouseholds struct{}

func (testHouseholds) HouseholdRef(ctx context.Context, member, household int64) (string, error) {
	if household == foreignHousehold {
		return "", errs.E(errs.NotFound, "registry.household_not_found")
	}
	return fmt.Sprintf("HH-%d", household), nil
}

func (testHouseholds) CheckPerson(ctx context.Context, member, household, person int64) error {
	if person == foreignPerson {
		return errs.E(errs.NotFound, "registry.person_not_found")
	}
	return nil
}

func (h testHouseholds) PersonName(ctx context.Context, member, household, person int64) (string, error) {
	if err := h.CheckPerson(ctx, member, household, person); err != nil {
		return "", err
	}
	return fmt.Sprintf("صاحب الحساب %d", person), nil
}

// fixture is a member with its people and providers.
type fixture struct {
	d                  *db.DB
	s                  *payment.Service
	member             int64
	sys                context.Context
	fo1, fo2, ap1, ap2 context.Context // finance officers and approvers
	both               context.Context // one person holding both roles
}

func newFixture(tb testing.TB, d *db.DB) *fixture {
	tb.Helper()
	sys := actor.System(context.Background())
	m, err := member.New(d).Create(sys, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"})
	if err != nil {
		tb.Fatalf("member: %v", err)
	}
	f := &fixture{d: d, s: payment.New(d).WithHouseholds(testHouseholds{}), member: m.ID, sys: sys}
	as := auth.New(d)
	user := func(name string, roles ...actor.Role) context.Context {
		u, err := as.CreateUser(sys, auth.NewUser{MemberID: m.ID, Username: name, DisplayName: name, Password: "correct horse battery staple", Roles: roles})
		if err != nil {
			tb.Fatalf("user %s: %v", name, err)
		}
		return actor.With(context.Background(), u.Actor())
	}
	f.fo1 = user("fo1", actor.FinanceOfficer)
	f.fo2 = user("fo2", actor.FinanceOfficer)
	f.ap1 = user("ap1", actor.Approver)
	f.ap2 = user("ap2", actor.Approver)
	f.both = user("both", actor.FinanceOfficer, actor.Approver)
	for _, p := range []payment.Provider{
		{Code: "BANK9", Kind: payment.Bank, Name: "Bank nine", PainVersion: iso20022.Pain001V09, DebtorName: "وزارة التنمية الاجتماعية", DebtorIBAN: mkIBAN("JO", "CBJO0010000000000131000302"), DebtorBIC: "CBJOJOAX"},
		{Code: "BANK3", Kind: payment.Bank, Name: "Bank three", PainVersion: iso20022.Pain001V03, DebtorName: "Ministry", DebtorIBAN: mkIBAN("JO", "CBJO0010000000000131000303")},
		{Code: "ZAIN", Kind: payment.Wallet, Name: "Zain Cash"},
		{Code: "POST", Kind: payment.Cash, Name: "Jordan Post"},
	} {
		p.MemberID = m.ID
		if _, err := f.s.AddProvider(f.ap1, p); err != nil {
			tb.Fatalf("provider %s: %v", p.Code, err)
		}
	}
	return f
}

// instrument proposes and approves an instrument.
func (f *fixture) instrument(tb testing.TB, in payment.Instrument) payment.Instrument {
	tb.Helper()
	in.MemberID = f.member
	if in.RecipientName == "" {
		in.RecipientName = fmt.Sprintf("رب الأسرة %d", in.HouseholdID)
	}
	p, err := f.s.ProposeInstrument(f.fo1, in)
	if err != nil {
		tb.Fatalf("propose instrument: %v", err)
	}
	a, err := f.s.DecideInstrument(f.ap1, f.member, p.ID, true, "")
	if err != nil {
		tb.Fatalf("approve instrument: %v", err)
	}
	return a
}

// mkIBAN returns a valid IBAN of country with bban, computing the check digits.
func mkIBAN(country, bban string) string {
	s := bban + country + "00"
	var b strings.Builder
	for _, c := range s {
		if c >= 'A' && c <= 'Z' {
			fmt.Fprintf(&b, "%d", c-'A'+10)
		} else {
			b.WriteRune(c)
		}
	}
	n, _ := new(big.Int).SetString(b.String(), 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%s%02d%s", country, check, bban)
}

// joIBAN returns a valid Jordanian IBAN for account number n.
func joIBAN(n int64) string { return mkIBAN("JO", fmt.Sprintf("CBJO%022d", n)) }

func wantCode(tb testing.TB, err error, code errs.Code, key string) {
	tb.Helper()
	if got := errs.CodeOf(err); got != code {
		tb.Fatalf("got %q (%v), want %q %s", got, err, code, key)
	}
	if key != "" && errs.As(err).Key != key {
		tb.Fatalf("got key %s (%v), want %s", errs.As(err).Key, err, key)
	}
}

// mustTrialZero fails unless the member's trial balance is zero in every
// currency.
func mustTrialZero(tb testing.TB, f *fixture) {
	tb.Helper()
	tr, err := ledger.New(f.d).TrialBalance(f.sys, f.member, time.Time{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range tr {
		if t.Total != 0 {
			tb.Fatalf("trial balance %+v, want total 0", t)
		}
	}
}

// mustReconcile fails unless the cycle's figures add up and agree with the
// ledger.
func mustReconcile(tb testing.TB, f *fixture, cycle int64) payment.Reconciliation {
	tb.Helper()
	r, err := f.s.Reconcile(f.fo1, f.member, cycle)
	if err != nil {
		tb.Fatal(err)
	}
	if !r.AddsUp || !r.LedgerAgrees {
		tb.Fatalf("reconciliation does not add up: %+v", r)
	}
	mustTrialZero(tb, f)
	return r
}

// mustValidateXML runs xmllint on data against the official schema of v
// (copied into internal/payment/iso20022/testdata from
// ../shared/standards/iso20022). Without xmllint it skips, unless CI is set.
func mustValidateXML(tb testing.TB, data []byte, v iso20022.Version) {
	tb.Helper()
	lint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatal("xmllint is not installed (apt-get install -y libxml2-utils)")
		}
		tb.Skip("xmllint is not installed; set CI to make this a failure")
	}
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		dir = filepath.Dir(dir)
	}
	xsd := filepath.Join(dir, "internal", "payment", "iso20022", "testdata", string(v)+".xsd")
	file := filepath.Join(tb.TempDir(), "file.xml")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(lint, "--noout", "--schema", xsd, file).CombinedOutput()
	if err != nil {
		tb.Fatalf("xmllint rejects the file: %v\n%s", err, out)
	}
}

// pain002 writes a status report answering msgID with the statuses.
func pain002(tb testing.TB, msgID string, st ...iso20022.Status) []byte {
	tb.Helper()
	var b strings.Builder
	w, err := iso20022.NewStatusWriter(&b, iso20022.Report{MessageID: "ST-" + msgID, Created: time.Now(), OriginalMessageID: msgID, OriginalMessageName: string(iso20022.Pain001V09)})
	if err != nil {
		tb.Fatal(err)
	}
	for _, s := range st {
		if err := w.Write(s); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return []byte(b.String())
}
