package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/transparency"
	"github.com/tadamun/tadamun/internal/ledger"
)

// fakeFundGifts, fakeFundTrace and fakeFundCampaigns stand for the fund's
// gift and allocation services in these tests.
type fakeFundGifts struct {
	fund.Gifts
	refs map[string]fund.DonationRef
}

func (g fakeFundGifts) ByReceipt(_ context.Context, r string) (fund.DonationRef, error) {
	if d, ok := g.refs[r]; ok {
		return d, nil
	}
	return fund.DonationRef{}, errs.E(errs.NotFound, "fund_public.receipt_not_found")
}

type fakeFundTrace map[int64][]fund.Use

func (t fakeFundTrace) Uses(_ context.Context, id int64) ([]fund.Use, error) { return t[id], nil }

type fakeFundCampaigns struct{ cs []fund.CampaignRef }

func (c fakeFundCampaigns) Campaign(_ context.Context, id int64) (fund.CampaignRef, error) {
	for _, x := range c.cs {
		if x.ID == id {
			return x, nil
		}
	}
	return fund.CampaignRef{}, errs.E(errs.NotFound, "fund_public.campaign_not_found")
}

func (c fakeFundCampaigns) PublicCampaigns(_ context.Context, m int64) ([]fund.CampaignRef, error) {
	return c.cs, nil
}

func (c fakeFundCampaigns) NamedDonors(_ context.Context, id int64, limit int) ([]string, int64, error) {
	return []string{"شركة الأمل للتجارة", "عائلة الخطيب", "Amal Trading Co."}, 34, nil
}

// fundServer is newServer with the fund's public ledger over fakes of the
// gift and allocation services, and a year of postings of JO through real
// ledger entries (so that each has its audit record), covered by a signed
// checkpoint.
func fundServer(t *testing.T, d *db.DB) (*httptest.Server, *app.Services) {
	t.Helper()
	ctx := context.Background()
	if err := demo.Load(ctx, d, nil); err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, audit.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.New(d, skey, vkey)
	if err != nil {
		t.Fatal(err)
	}
	svc := newServices(t, d, l, app.Options{})
	sys := actor.System(ctx)
	jo, err := svc.Members.Get(sys, "JO")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := svc.Programs.List(sys, jo.ID)
	if err != nil || len(ps) == 0 {
		t.Fatalf("programs of JO: %v", err)
	}
	winter := fund.CampaignRef{ID: 1, MemberID: jo.ID, Code: "WINTER", Name: "حملة الشتاء الدافئ", NameEn: "Warm winter campaign",
		Story: "بطانيات ومدافئ للأسر الأشد فقرًا في المفرق والطفيلة قبل موجة البرد.", StoryEn: "Blankets and heaters for the poorest households in Mafraq and Tafilah before the cold wave.",
		Goal: 25_000_000, Currency: "JOD", Starts: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Ends: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC),
		Public: true, Status: "open"}
	gifts := fakeFundGifts{refs: map[string]fund.DonationRef{"JO-2026-000042": {ID: 42, MemberID: jo.ID, Currency: "JOD", Amount: 250_000, Receipt: "JO-2026-000042",
		ReceivedOn: time.Date(2026, 9, 3, 0, 0, 0, 0, time.UTC), Restriction: fund.Restriction{Kind: fund.RestrictGroup, Group: "orphans"}}}}
	trace := fakeFundTrace{42: {{ProgramID: ps[0].ID, ProgramName: ps[0].NameAR, CycleID: 7, Period: "2026-10", Amount: 180_000, Households: 312},
		{ProgramID: ps[0].ID, ProgramName: ps[0].NameAR, CycleID: 8, Period: "2026-11", Amount: 40_000, Households: 6}}}
	svc.FundPublic = transparency.New(d, transparency.Options{Gifts: gifts, Campaigns: fakeFundCampaigns{[]fund.CampaignRef{winter}}, Trace: trace,
		Programs: svc.Programs, Members: svc.Members, Audit: l, Clock: svc.Clock})
	// A year of postings: each a real ledger entry, then its movement.
	now := svc.Clock.Now().UTC()
	err = d.Tx(sys, func(tx *db.Tx) error {
		acct := func(code, kind string) int64 {
			a, err := ledger.EnsureAccountTx(sys, tx, jo.ID, code, kind, "JOD", code)
			if err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		income := acct(fund.IncomeAccount(fund.KindTransfer), fund.KindIncome)
		kinds := []string{fund.DonorIndividual, fund.DonorIndividual, fund.DonorIndividual, fund.DonorCompany, fund.DonorIndividual}
		rs := []fund.Restriction{{}, {Kind: fund.RestrictGroup, Group: "orphans"}, {Kind: fund.RestrictCampaign, CampaignID: 1}, {Zakat: true}}
		var ms []fund.Movement
		for i := range 1200 {
			r := rs[i%len(rs)]
			at := now.AddDate(0, 0, -i/4)
			amount := int64(5_000 + (i*7919)%200_000)
			e, err := ledger.PostTx(sys, tx, ledger.Entry{MemberID: jo.ID, At: at, Kind: "fund.donation", Lines: []ledger.Line{{AccountID: income, Amount: -amount}, {AccountID: acct(fund.PoolAccount(r), fund.KindPool), Amount: amount}}})
			if err != nil {
				return err
			}
			ms = append(ms, fund.Movement{MemberID: jo.ID, EntryID: e.ID, At: at, Direction: "in", SourceKind: fund.DonationKinds[i%3], DonorKind: kinds[i%len(kinds)],
				Restriction: r, Currency: "JOD", Amount: amount})
		}
		// One government gift: a small cell.
		ms = append(ms, fund.Movement{MemberID: jo.ID, At: now.AddDate(0, -1, 0), Direction: "in", SourceKind: fund.KindTransfer, DonorKind: fund.DonorGovernment, Currency: "JOD", Amount: 9_000_000})
		for i := range 8 {
			r := rs[i%3]
			p := ps[i%len(ps)]
			amount := int64(400_000 + i*50_000)
			e, err := ledger.PostTx(sys, tx, ledger.Entry{MemberID: jo.ID, At: now.AddDate(0, -i, 0), Kind: "fund.allocation", Lines: []ledger.Line{{AccountID: acct(fund.PoolAccount(r), fund.KindPool), Amount: -amount}, {AccountID: acct("program:"+strconv.FormatInt(p.ID, 10)+":budget", "program_budget"), Amount: amount}}})
			if err != nil {
				return err
			}
			ms = append(ms, fund.Movement{MemberID: jo.ID, EntryID: e.ID, At: now.AddDate(0, -i, 0), Direction: "out", ProgramID: p.ID, CampaignID: r.CampaignID, Restriction: r, Currency: "JOD", Amount: amount})
		}
		ms = append(ms, fund.Movement{MemberID: jo.ID, At: now.AddDate(0, 0, -2), Direction: "suspense", SourceKind: "bank", Currency: "JOD", Amount: 75_000})
		return svc.FundPublic.RecordTx(sys, tx, ms...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Sign(ctx); err != nil {
		t.Fatal(err)
	}
	logs[d] = l
	skeys[d] = skey
	services[d] = svc
	s, err := New(Config{Services: svc})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, svc
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestFundPublicPages: the public ledger's page, a posting's proof (its
// audit record found by its ledger entry, included in the checkpoint), the
// JSON figures with the small cell merged, the donor's view needing the
// amount, and the campaign pages.
func TestFundPublicPages(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts, _ := fundServer(t, d)
	code, body := getBody(t, ts.URL+"/portal/fund?member=JO")
	if code != 200 || !strings.Contains(body, `svg class="chart"`) || !strings.Contains(body, "/portal/fund/postings/") {
		t.Fatalf("/portal/fund: %d\n%s", code, body)
	}
	if code, body = getBody(t, ts.URL+"/portal"); !strings.Contains(body, `href="/portal/fund"`) {
		t.Fatalf("the portal does not link the fund ledger: %d", code)
	}
	code, body = getBody(t, ts.URL+"/api/v1/public/fund/postings?member=JO&limit=5")
	var page struct {
		Items []transparency.Posting
		Next  int64
	}
	if err := json.Unmarshal([]byte(body), &page); code != 200 || err != nil || len(page.Items) != 5 || page.Next == 0 {
		t.Fatalf("postings: %d %v %s", code, err, body)
	}
	var proofOf int64
	for _, p := range page.Items {
		if p.AuditSeq >= 0 {
			proofOf = p.ID
		}
	}
	code, body = getBody(t, ts.URL+"/api/v1/public/fund/postings/"+strconv.FormatInt(proofOf, 10)+"/proof")
	var pr transparency.Proof
	if err := json.Unmarshal([]byte(body), &pr); code != 200 || err != nil || !pr.Included || pr.Record.Action != "ledger.post" || len(pr.Hashes) == 0 || pr.Root == pr.LeafHash || pr.Root == "" {
		t.Fatalf("proof of %d: %d %v %s", proofOf, code, err, body)
	}
	if code, body = getBody(t, ts.URL+"/portal/fund/postings/"+strconv.FormatInt(proofOf, 10)); code != 200 || !strings.Contains(html.UnescapeString(body), pr.LeafHash) {
		t.Fatalf("proof page: %d %s\n%s", code, pr.LeafHash, body)
	}
	code, body = getBody(t, ts.URL+"/api/v1/public/fund?member=JO")
	var f transparency.Figures
	if err := json.Unmarshal([]byte(body), &f); code != 200 || err != nil {
		t.Fatalf("figures: %d %v %s", code, err, body)
	}
	for _, m := range f.In {
		if c := m.Sources[fund.DonorGovernment]; c.Amount != 0 || c.N != 0 {
			t.Fatalf("the one government gift is shown in %d: %+v", m.Month, c)
		}
	}
	// The donor's view.
	post := func(amount string) (int, string) {
		resp, err := http.Post(ts.URL+"/api/v1/public/fund/receipt", "application/json", strings.NewReader(`{"receipt":"JO-2026-000042","amount":"`+amount+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("25"); code != 404 {
		t.Fatalf("wrong amount: %d %s", code, body)
	}
	code, body = post("250")
	var v transparency.DonorView
	if err := json.Unmarshal([]byte(body), &v); code != 200 || err != nil || len(v.Uses) != 2 || v.Uses[0].Households != 312 || !v.Uses[1].Hidden {
		t.Fatalf("donor view: %d %v %s", code, err, body)
	}
	code, body = getBody(t, ts.URL+"/api/v1/public/fund/campaigns/1")
	var cv transparency.CampaignView
	if err := json.Unmarshal([]byte(body), &cv); code != 200 || err != nil || cv.Raised.Hidden || cv.Raised.Amount == 0 || cv.Spent == 0 || cv.Donors != 34 {
		t.Fatalf("campaign: %d %v %s", code, err, body)
	}
	for _, p := range []string{"/portal/fund/campaigns", "/portal/fund/campaigns/1", "/portal/fund/receipt", "/portal/fund?member=JO&year=2026", "/portal/fund?member=JO&months=24"} {
		if code, _ := getBody(t, ts.URL+p); code != 200 {
			t.Errorf("%s: %d", p, code)
		}
	}
	if code, _ := getBody(t, ts.URL+"/portal/fund/campaigns/2"); code != 404 {
		t.Errorf("an unknown campaign: %d", code)
	}
}
