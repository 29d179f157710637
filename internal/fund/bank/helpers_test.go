package bank

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

var t0 = time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)

// fakeDonors is fund.Donors over a slice.
type fakeDonors struct{ keys []fund.DonorKeys }

func (f *fakeDonors) Donor(_ context.Context, member, id int64) (fund.DonorRef, error) {
	for _, k := range f.keys {
		if k.DonorID == id {
			return fund.DonorRef{ID: id, MemberID: member, Kind: fund.DonorIndividual, Name: "donor " + idStr(id)}, nil
		}
	}
	return fund.DonorRef{}, errs.E(errs.NotFound, "error.not_found")
}

func (f *fakeDonors) EachKeys(_ context.Context, _ int64, fn func(fund.DonorKeys) error) error {
	for _, k := range f.keys {
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

// fakeGifts is fund.Gifts that posts each donation in the ledger as the
// gift package does (income or suspense −X, pool +X) and counts them.
type fakeGifts struct {
	mu      sync.Mutex
	next    int64
	pledges []fund.PledgeKeys
	got     []fund.DonationInput
}

func (f *fakeGifts) RecordTx(ctx context.Context, tx *db.Tx, in fund.DonationInput) (fund.DonationRef, error) {
	refs, err := f.RecordManyTx(ctx, tx, []fund.DonationInput{in})
	if err != nil {
		return fund.DonationRef{}, err
	}
	return refs[0], nil
}

func (f *fakeGifts) RecordManyTx(ctx context.Context, tx *db.Tx, ins []fund.DonationInput) ([]fund.DonationRef, error) {
	byPool := map[string]int64{}
	var from string
	var total int64
	for _, in := range ins {
		byPool[fund.PoolAccount(in.Restriction)] += in.Amount
		total += in.Amount
		from = fund.IncomeAccount(in.Kind)
		if in.FromSuspense {
			from = fund.AccountSuspense
		}
	}
	src, err := ledger.EnsureAccountTx(ctx, tx, ins[0].MemberID, from, "fund", ins[0].Currency, from)
	if err != nil {
		return nil, err
	}
	lines := []ledger.Line{{AccountID: src.ID, Amount: -total}}
	for code, amt := range byPool {
		a, err := ledger.EnsureAccountTx(ctx, tx, ins[0].MemberID, code, fund.KindPool, ins[0].Currency, code)
		if err != nil {
			return nil, err
		}
		lines = append(lines, ledger.Line{AccountID: a.ID, Amount: amt})
	}
	if _, err := ledger.PostTx(ctx, tx, ledger.Entry{MemberID: ins[0].MemberID, Kind: "fund.donation", Lines: lines}); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]fund.DonationRef, len(ins))
	for i, in := range ins {
		f.next++
		out[i] = fund.DonationRef{ID: f.next, MemberID: in.MemberID, DonorID: in.DonorID, Amount: in.Amount, Currency: in.Currency,
			Receipt: "JO-2026-" + idStr(f.next), Restriction: in.Restriction}
		f.got = append(f.got, in)
	}
	return out, nil
}

func (f *fakeGifts) EachPledgeKeys(_ context.Context, _ int64, fn func(fund.PledgeKeys) error) error {
	for _, p := range f.pledges {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeGifts) ByReceipt(context.Context, string) (fund.DonationRef, error) {
	return fund.DonationRef{}, errs.E(errs.NotFound, "error.not_found")
}

// fakeCampaigns has one public campaign, code RAMADAN.
type fakeCampaigns struct{}

func (fakeCampaigns) Campaign(context.Context, int64) (fund.CampaignRef, error) {
	return fund.CampaignRef{}, nil
}
func (fakeCampaigns) PublicCampaigns(_ context.Context, member int64) ([]fund.CampaignRef, error) {
	return []fund.CampaignRef{{ID: 9, MemberID: member, Code: "RAMADAN", Status: "open", Restriction: fund.Restriction{Kind: fund.RestrictGroup, Group: "orphans"}}}, nil
}
func (fakeCampaigns) NamedDonors(context.Context, int64, int) ([]string, int64, error) {
	return nil, 0, nil
}

// world is a member JO with a fund manager, donors, a pledge, and EG.
type world struct {
	d       *db.DB
	s       *Service
	gifts   *fakeGifts
	donors  *fakeDonors
	clock   *calendar.Manual
	jo, eg  int64
	manager context.Context
	other   context.Context // a second JO fund manager
	egMgr   context.Context
	viewer  context.Context // JO, fund.read only
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	w := &world{d: d, clock: calendar.NewManual(t0), gifts: &fakeGifts{}, donors: &fakeDonors{}}
	d.SetClock(w.clock.Now)
	w.jo = mustMember(t, d, "JO")
	w.eg = mustMember(t, d, "EG")
	w.donors.keys = []fund.DonorKeys{
		{DonorID: 1, IBANs: []string{"JO71CBJO0000000000001234567890"}, Refs: []string{"D-0001"}, NameKey: arabic.NameKey("سلمى الخطيب")},
		{DonorID: 2, IBANs: []string{"JO15ARAB1234000000001234500002"}, NameKey: arabic.NameKey("محمد عبد الله")},
		{DonorID: 3, NameKey: arabic.NameKey("ليلى حداد")},
		{DonorID: 4, NameKey: arabic.NameKey("أحمد سعيد")},
		{DonorID: 5, NameKey: arabic.NameKey("احمد سعيد")}, // the same key as 4: ambiguous
	}
	w.gifts.pledges = []fund.PledgeKeys{{PledgeID: 70, DonorID: 3, Reference: "PL-70", Currency: "JOD", Amount: 25_000}}
	w.s = New(d, Options{Donors: w.donors, Gifts: w.gifts, Campaigns: fakeCampaigns{}, Clock: w.clock.Now, Batch: 3})
	w.manager = as(t, d, w.jo, "jo.fund", actor.FundManager)
	w.other = as(t, d, w.jo, "jo.fund2", actor.FundManager)
	w.egMgr = as(t, d, w.eg, "eg.fund", actor.FundManager)
	w.viewer = as(t, d, w.jo, "jo.viewer", actor.Auditor)
	return w
}

func mustMember(tb testing.TB, d *db.DB, code string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := t0
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', 'Asia/Amman', ?, ?) RETURNING id`, code, code, code, now, now)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func as(tb testing.TB, d *db.DB, member int64, name string, roles ...actor.Role) context.Context {
	tb.Helper()
	ctx := context.Background()
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	var uid int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		uid, err = tx.InsertID(ctx, `INSERT INTO users (member_id, username, display_name, password_hash, roles, created_at, updated_at) VALUES (?, ?, ?, '-', ?, ?, ?) RETURNING id`,
			member, name, name, strings.Join(names, " "), t0, t0)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return actor.With(ctx, actor.Actor{UserID: uid, Username: name, MemberID: member, Roles: roles, Lang: i18n.EN})
}

func count(tb testing.TB, d *db.DB, q string, args ...any) int64 {
	tb.Helper()
	var n int64
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

// camtFile writes a camt file of version v with entries e.
func camtFile(tb testing.TB, v iso20022.Version, msg string, rep iso20022.AccountReport, entries []iso20022.Entry) []byte {
	tb.Helper()
	var b bytes.Buffer
	w, err := iso20022.NewStatementWriter(&b, iso20022.Statement{Version: v, MessageID: msg, Created: t0, First: rep}, "JO94CBJO0010000000000131000302", "JOD")
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		if err := w.Write(e); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// validate runs xmllint on the file against the official schema of v in
// testdata. Without xmllint it skips, unless CI is set.
func validate(tb testing.TB, data []byte, v iso20022.Version) {
	tb.Helper()
	lint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatal("xmllint is not installed (apt-get install -y libxml2-utils)")
		}
		tb.Skip("xmllint is not installed")
	}
	f := filepath.Join(tb.TempDir(), "f.xml")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	if out, err := exec.Command(lint, "--noout", "--schema", filepath.Join("testdata", string(v)+".xsd"), f).CombinedOutput(); err != nil {
		tb.Fatalf("xmllint rejects the %s fixture: %v\n%s", v, err, out)
	}
}

// sample is a file's entries: by reference, IBAN, name, a pledge, a
// campaign code with a name, an ambiguous name, a stranger, a debit and a
// pending credit.
func sample(prefix string) []iso20022.Entry {
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	return []iso20022.Entry{
		{ServicerRef: prefix + "1", Reference: prefix + "1", Amount: "10.000", Booked: day, DebtorName: "Someone", RemittanceRef: "D-0001"},
		{Reference: prefix + "2", Amount: "20.500", Booked: day, DebtorName: "M ABDULLAH", DebtorIBAN: "JO15ARAB1234000000001234500002"},
		{Reference: prefix + "3", Amount: "5", Booked: day, DebtorName: "سلمى  الخطيب"},
		{Reference: prefix + "4", Amount: "25.000", Booked: day, DebtorName: "L HADDAD", Remittance: "pledge PL-70 november"},
		{Reference: prefix + "5", Amount: "7.250", Booked: day, DebtorName: "ليلى حداد", Remittance: "RAMADAN"},
		{Reference: prefix + "6", Amount: "3.000", Booked: day, DebtorName: "أحمد سعيد"},
		{Reference: prefix + "7", Amount: "1.125", Booked: day, DebtorName: "Unknown Person", Remittance: "gift"},
		{Reference: prefix + "8", Amount: "50.000", Booked: day, Debit: true, DebtorName: "Bank fee"},
		{Reference: prefix + "9", Amount: "4.000", Booked: day, Status: "PDNG", DebtorName: "سلمى الخطيب"},
	}
}

func (w *world) importBytes(tb testing.TB, ctx context.Context, name string, data []byte) (Statement, error) {
	tb.Helper()
	return w.s.Import(ctx, ImportInput{MemberID: w.jo, Name: name, File: bytes.NewReader(data)})
}

func wantKey(tb testing.TB, err error, key string) *errs.Error {
	tb.Helper()
	e := errs.As(err)
	if e == nil || e.Key != key {
		tb.Fatalf("got %v, want %s", err, key)
	}
	return e
}
