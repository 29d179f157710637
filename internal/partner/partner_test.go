package partner

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

func TestPartnerCRUD(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, limits.Limits{})
		p := w.partner(t, "بنك الأمان", "12-345")
		if p.ID == 0 || p.Version != 1 || p.Status != Active || p.Consent {
			t.Fatalf("got %+v, want a new active partner, not listed", p)
		}
		t.Run("reads back", func(t *testing.T) {
			got, err := w.s.Get(w.reader, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.NameAR != "بنك الأمان" || len(got.Contacts) != 1 || got.Contacts[0].Phone != "0790000000" {
				t.Fatalf("got %+v", got)
			}
		})
		t.Run("duplicate name once normalized is refused", func(t *testing.T) {
			_, err := w.s.Save(w.mgr, w.jo, Partner{NameAR: "بنك  الامان", Sector: "bank"})
			wantKey(t, err, "partner.duplicate_name")
		})
		t.Run("duplicate registration number in other digits is refused", func(t *testing.T) {
			_, err := w.s.Save(w.mgr, w.jo, Partner{NameAR: "شركة أخرى", Sector: "company", RegNo: "١٢٣٤٥"})
			wantKey(t, err, "partner.duplicate_reg")
		})
		t.Run("another member may use the same name", func(t *testing.T) {
			if _, err := w.s.Save(w.egMgr, w.eg, Partner{NameAR: "بنك الأمان", Sector: "bank", RegNo: "12345"}); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("update from the version read", func(t *testing.T) {
			p2 := p
			p2.NameEN, p2.Status = "Al Aman Bank", Inactive
			got, err := w.s.Save(w.mgr, w.jo, p2)
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != 2 || got.NameEN != "Al Aman Bank" || got.Status != Inactive {
				t.Fatalf("got %+v", got)
			}
			_, err = w.s.Save(w.mgr, w.jo, p2) // version 1 again
			wantKey(t, err, "partner.changed_meanwhile")
		})
		t.Run("search by folded name and filters", func(t *testing.T) {
			w.partner(t, "شركة الاتصالات الأردنية", "")
			got, err := w.s.List(w.reader, w.jo, Filter{Query: "الاتصالات"})
			if err != nil || len(got) != 1 {
				t.Fatalf("got %d partners (%v), want 1", len(got), err)
			}
			got, _ = w.s.List(w.reader, w.jo, Filter{Query: "aman"})
			if len(got) != 1 || got[0].ID != p.ID {
				t.Fatalf("search by English name: got %d", len(got))
			}
			got, _ = w.s.List(w.reader, w.jo, Filter{Status: Inactive})
			if len(got) != 1 {
				t.Fatalf("inactive: got %d, want 1", len(got))
			}
		})
		t.Run("bad input names its fields", func(t *testing.T) {
			_, err := w.s.Save(w.mgr, w.jo, Partner{Sector: "casino", Website: "http://x y", Contacts: []Contact{{Email: "x@y"}}})
			e := errs.As(err)
			if e.Code != errs.Invalid || len(e.Fields) < 4 {
				t.Fatalf("got %v with %d fields", err, len(e.Fields))
			}
		})
		t.Run("other member cannot read or write", func(t *testing.T) {
			if _, err := w.s.Get(w.egMgr, p.ID); !errs.Is(err, errs.NotFound) {
				t.Fatalf("EG reads JO's partner: got %v", err)
			}
			p3, _ := w.s.Get(w.reader, p.ID)
			if _, err := w.s.Save(w.egMgr, w.jo, p3); !errs.Is(err, errs.NotFound) {
				t.Fatalf("EG writes JO's partner: got %v", err)
			}
			if _, err := w.s.Save(w.reader, w.jo, Partner{NameAR: "جديد", Sector: "bank"}); !errs.Is(err, errs.Forbidden) {
				t.Fatalf("an auditor writes: got %v", err)
			}
		})
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE entity_type = 'partner' AND entity_id = ?`, id(p.ID)); n != 2 {
			t.Fatalf("got %d audit records, want 2", n)
		}
	})
}

func TestConsentOnPortal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, limits.Limits{})
		a := w.partner(t, "بنك الأمان", "")
		b := w.partner(t, "مطاحن الشمال", "")
		pl := w.pledge(t, Pledge{PartnerID: a.ID, Kind: Money, Target: 5000})
		if _, _, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: pl.ID, Reference: "r1", Quantity: 2000}); err != nil {
			t.Fatal(err)
		}
		jobs := w.pledge(t, Pledge{PartnerID: a.ID, Kind: Jobs, Target: 10, Role: "أمين صندوق", Groups: []string{"youth", "disability"}})
		if _, _, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: jobs.ID, Reference: "r2", Quantity: 3}); err != nil {
			t.Fatal(err)
		}
		list, err := w.s.Public(t.Context(), 0)
		if err != nil || len(list) != 0 {
			t.Fatalf("before consent: got %d listed (%v), want 0", len(list), err)
		}
		got, err := w.s.SetConsent(w.mgr, a.ID, true)
		if err != nil || !got.Consent || got.ConsentAt == nil || !got.ConsentAt.Equal(t0) {
			t.Fatalf("consent: got %+v, %v", got, err)
		}
		list, _ = w.s.Public(t.Context(), w.jo)
		if len(list) != 1 || list[0].ID != a.ID || len(list[0].Money) != 1 || list[0].Money[0] != (Amount{"JOD", 2000}) || list[0].Jobs != 3 {
			t.Fatalf("got %+v, want bank with JOD 2000 and 3 jobs", list)
		}
		if list, _ := w.s.Public(t.Context(), w.eg); len(list) != 0 {
			t.Fatalf("EG's portal lists JO's partner")
		}
		w.clock.Advance(24 * time.Hour)
		if _, err := w.s.SetConsent(w.mgr, a.ID, false); err != nil {
			t.Fatal(err)
		}
		if list, _ = w.s.Public(t.Context(), 0); len(list) != 0 {
			t.Fatalf("after withdrawal: got %d listed", len(list))
		}
		_ = b
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action IN ('partner.consent_given', 'partner.consent_withdrawn')`); n != 2 {
			t.Fatalf("got %d consent records, want 2", n)
		}
	})
}

func TestAgreementExpiresByClock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, limits.Limits{})
		p := w.partner(t, "زين", "")
		a, err := w.s.SaveAgreement(w.mgr, Agreement{PartnerID: p.ID, Title: "مذكرة تفاهم للتشغيل", SignedOn: "2026-02-01", StartsOn: "2026-02-01", EndsOn: "٢٠٢٦-٠٣-١٠", Status: Signed})
		if err != nil {
			t.Fatal(err)
		}
		if a.State != Signed || a.EndsOn != "2026-03-10" {
			t.Fatalf("got %+v, want active until 2026-03-10", a)
		}
		w.pledge(t, Pledge{PartnerID: p.ID, AgreementID: a.ID, Kind: Training, Target: 20, Course: "البرمجة"})
		w.clock.Set(time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)) // 23:00 in Amman: still the last day
		if got, _ := w.s.Agreement(w.reader, a.ID); got.State != Signed {
			t.Fatalf("on its last day: got %s, want active", got.State)
		}
		w.clock.Set(time.Date(2026, 3, 10, 22, 0, 0, 0, time.UTC)) // past midnight in Amman
		got, _ := w.s.Agreement(w.reader, a.ID)
		if got.State != Expired || got.Status != Signed {
			t.Fatalf("the day after: got %s (%s), want expired", got.State, got.Status)
		}
		_, err = w.s.AddPledge(w.mgr, Pledge{PartnerID: p.ID, AgreementID: a.ID, Kind: Training, Target: 5, Course: "x"})
		wantKey(t, err, "partner.agreement_closed")
		t.Run("terminate with a reason", func(t *testing.T) {
			b, err := w.s.SaveAgreement(w.mgr, Agreement{PartnerID: p.ID, Title: "مذكرة ثانية", StartsOn: "2026-03-01"})
			if err != nil || b.State != Draft {
				t.Fatalf("got %+v, %v", b, err)
			}
			_, err = w.s.Terminate(w.mgr, b.ID, b.Version, " ")
			wantKey(t, err, "partner.reason_required")
			b, err = w.s.Terminate(w.mgr, b.ID, b.Version, "انسحاب الشريك")
			if err != nil || b.State != Terminated {
				t.Fatalf("got %+v, %v", b, err)
			}
			_, err = w.s.Terminate(w.mgr, b.ID, b.Version, "مرة أخرى")
			wantKey(t, err, "partner.agreement_terminated")
		})
		t.Run("ends before it starts", func(t *testing.T) {
			_, err := w.s.SaveAgreement(w.mgr, Agreement{PartnerID: p.ID, Title: "x", StartsOn: "2026-03-01", EndsOn: "2026-02-01"})
			wantKey(t, err, "error.invalid_input")
		})
	})
}

func TestPledgeDelivery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, limits.Limits{})
		p := w.partner(t, "البنك العربي", "")
		money := w.pledge(t, Pledge{PartnerID: p.ID, Kind: Money, Target: 1000_000, Currency: "JOD"})
		t.Run("deliveries add up to the pledge", func(t *testing.T) {
			d1, dup, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: money.ID, Reference: "TRX-1", Quantity: 400_000})
			if err != nil || dup || d1.Value != 400_000 {
				t.Fatalf("got %+v dup %v err %v", d1, dup, err)
			}
			got, _ := w.s.Pledge(w.reader, money.ID)
			if got.Status != Partial || got.Delivered != 400_000 || got.Remaining() != 600_000 || got.Percent() != 40 {
				t.Fatalf("got %+v", got)
			}
			_, _, err = w.s.Deliver(w.mgr, DeliveryInput{PledgeID: money.ID, Reference: "TRX-2", Quantity: 600_001})
			wantKey(t, err, "partner.over_delivery")
			if _, _, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: money.ID, Reference: "TRX-2", Quantity: 600_000}); err != nil {
				t.Fatal(err)
			}
			got, _ = w.s.Pledge(w.reader, money.ID)
			if got.Status != Delivered || got.Delivered != 1000_000 {
				t.Fatalf("got %+v, want delivered", got)
			}
		})
		t.Run("a delivery to a fully delivered pledge is refused", func(t *testing.T) {
			_, _, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: money.ID, Reference: "TRX-3", Quantity: 1})
			wantKey(t, err, "partner.pledge_fully_delivered")
		})
		t.Run("the same reference twice is the first delivery", func(t *testing.T) {
			d1, dup, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: money.ID, Reference: "TRX-1", Quantity: 400_000})
			if err != nil || !dup || d1.Quantity != 400_000 {
				t.Fatalf("got %+v dup %v err %v", d1, dup, err)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM partner_deliveries WHERE pledge_id = ?`, money.ID); n != 2 {
				t.Fatalf("got %d deliveries, want 2", n)
			}
		})
		t.Run("a reference is not reused for another pledge", func(t *testing.T) {
			other := w.pledge(t, Pledge{PartnerID: p.ID, Kind: Money, Target: 10})
			_, _, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: other.ID, Reference: "TRX-1", Quantity: 1})
			wantKey(t, err, "partner.reference_reused")
		})
		t.Run("goods are valued in proportion, exactly in full", func(t *testing.T) {
			g := w.pledge(t, Pledge{PartnerID: p.ID, Kind: Goods, Target: 3, Value: 1000, Unit: "طرد", Description: "طرود غذائية"})
			d1, _, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: g.ID, Reference: "G-1", Quantity: 1})
			if err != nil || d1.Value != 333 {
				t.Fatalf("got %+v, %v; want value 333", d1, err)
			}
			d2, _, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: g.ID, Reference: "G-2", Quantity: 2})
			if err != nil || d2.Value != 667 {
				t.Fatalf("got %+v, %v; want value 667", d2, err)
			}
		})
		t.Run("a cancelled pledge takes no delivery", func(t *testing.T) {
			c := w.pledge(t, Pledge{PartnerID: p.ID, Kind: Training, Target: 5, Course: "المحاسبة"})
			c, err := w.s.CancelPledge(w.mgr, c.ID, c.Version, "أُلغيت الدورة")
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = w.s.Deliver(w.mgr, DeliveryInput{PledgeID: c.ID, Reference: "C-1", Quantity: 1})
			wantKey(t, err, "partner.pledge_cancelled")
		})
		t.Run("a stale version is a conflict", func(t *testing.T) {
			j := w.pledge(t, Pledge{PartnerID: p.ID, Kind: Jobs, Target: 5, Role: "فني"})
			if _, _, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: j.ID, Reference: "J-1", Quantity: 1, Version: j.Version}); err != nil {
				t.Fatal(err)
			}
			_, _, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: j.ID, Reference: "J-2", Quantity: 1, Version: j.Version})
			wantKey(t, err, "partner.changed_meanwhile")
		})
		t.Run("not in the future", func(t *testing.T) {
			j := w.pledge(t, Pledge{PartnerID: p.ID, Kind: Jobs, Target: 5, Role: "فني"})
			_, _, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: j.ID, Reference: "F-1", Quantity: 1, DeliveredOn: "2026-04-01"})
			wantKey(t, err, "error.invalid_input")
		})
		t.Run("open jobs and training places", func(t *testing.T) {
			open, err := w.s.OpenPledges(w.reader, w.jo, Jobs)
			if err != nil {
				t.Fatal(err)
			}
			if len(open) != 2 {
				t.Fatalf("got %d open job pledges, want 2", len(open))
			}
			if open, _ := w.s.OpenPledges(w.reader, w.jo, Training); len(open) != 0 {
				t.Fatalf("got %d open training pledges, want 0 (one cancelled)", len(open))
			}
			if _, err := w.s.OpenPledges(w.egMgr, w.jo, Jobs); !errs.Is(err, errs.NotFound) {
				t.Fatalf("EG reads JO's pledges: got %v", err)
			}
		})
		t.Run("bad pledges", func(t *testing.T) {
			for name, in := range map[string]Pledge{
				"unknown kind":      {PartnerID: p.ID, Kind: "shares", Target: 1},
				"zero":              {PartnerID: p.ID, Kind: Money, Target: 0},
				"unknown currency":  {PartnerID: p.ID, Kind: Money, Target: 1, Currency: "XXX"},
				"jobs without role": {PartnerID: p.ID, Kind: Jobs, Target: 1},
				"unknown group":     {PartnerID: p.ID, Kind: Jobs, Target: 1, Role: "x", Groups: []string{"vip"}},
				"goods undescribed": {PartnerID: p.ID, Kind: Goods, Target: 1},
			} {
				if _, err := w.s.AddPledge(w.mgr, in); !errs.Is(err, errs.Invalid) {
					t.Errorf("%s: got %v, want invalid", name, err)
				}
			}
		})
	})
}

func TestUploads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, limits.Limits{Upload: 4096})
		p := w.partner(t, "مؤسسة الخير", "")
		a, err := w.s.SaveAgreement(w.mgr, Agreement{PartnerID: p.ID, Title: "مذكرة", StartsOn: "2026-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("a PDF is stored with its hash and read back audited", func(t *testing.T) {
			doc, err := w.s.AddDocument(w.mgr, a.ID, File{Name: "mou.pdf", Body: bytes.NewReader(pdf)})
			if err != nil {
				t.Fatal(err)
			}
			if doc.ContentType != "application/pdf" || len(doc.SHA256) != 64 || doc.Size != int64(len(pdf)) {
				t.Fatalf("got %+v", doc)
			}
			got, data, err := w.s.DocumentContent(w.reader, doc.ID)
			if err != nil || !bytes.Equal(data, pdf) || got.Name != "mou.pdf" {
				t.Fatalf("got %+v, %d bytes, %v", got, len(data), err)
			}
			if _, _, err := w.s.DocumentContent(w.egMgr, doc.ID); !errs.Is(err, errs.NotFound) {
				t.Fatalf("EG reads JO's document: got %v", err)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'partner.document_read'`); n != 1 {
				t.Fatalf("got %d reads audited, want 1", n)
			}
			ag, _ := w.s.Agreement(w.reader, a.ID)
			if len(ag.Documents) != 1 {
				t.Fatalf("got %d documents, want 1", len(ag.Documents))
			}
		})
		for name, f := range map[string]struct {
			file File
			key  string
		}{
			"too large":           {File{Name: "big.pdf", Body: bytes.NewReader(append(append([]byte{}, pdf...), bytes.Repeat([]byte{' '}, 5000)...))}, "limits.too_large"},
			"not what it says":    {File{Name: "fake.pdf", Body: strings.NewReader("MZ this is a program")}, "partner.file_mismatch"},
			"not a PDF or image":  {File{Name: "run.exe", Body: strings.NewReader("MZ")}, "partner.file_type"},
			"an image that fails": {File{Name: "x.png", Body: bytes.NewReader(append([]byte("\x89PNG\r\n\x1a\n"), 0, 0, 0))}, "partner.file_mismatch"},
			"empty":               {File{Name: "e.pdf", Body: strings.NewReader("")}, "partner.file_empty"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := w.s.AddDocument(w.mgr, a.ID, f.file)
				wantKey(t, err, f.key)
			})
		}
		t.Run("a delivery's evidence", func(t *testing.T) {
			pl := w.pledge(t, Pledge{PartnerID: p.ID, Kind: Goods, Target: 10, Value: 100, Description: "بطانيات"})
			dl, _, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: pl.ID, Reference: "E-1", Quantity: 2, Evidence: &File{Name: "receipt.png", Body: bytes.NewReader(pngOf(8, 8))}})
			if err != nil || dl.DocumentID == 0 {
				t.Fatalf("got %+v, %v", dl, err)
			}
			_, _, err = w.s.Deliver(w.mgr, DeliveryInput{PledgeID: pl.ID, Reference: "E-2", Quantity: 2, Evidence: &File{Name: "r.pdf", Body: strings.NewReader("<html>")}})
			wantKey(t, err, "partner.file_mismatch")
			if n := count(t, d, `SELECT COUNT(*) FROM partner_deliveries WHERE pledge_id = ?`, pl.ID); n != 1 {
				t.Fatalf("a refused evidence wrote a delivery: %d", n)
			}
		})
		t.Run("logo", func(t *testing.T) {
			if err := w.s.SetLogo(w.mgr, p.ID, File{Name: "logo.png", Body: bytes.NewReader(pngOf(16, 16))}); err != nil {
				t.Fatal(err)
			}
			ct, data, err := w.s.Logo(w.reader, p.ID, false)
			if err != nil || ct != "image/png" || len(data) == 0 {
				t.Fatalf("got %s %d %v", ct, len(data), err)
			}
			if _, _, err := w.s.Logo(t.Context(), p.ID, true); !errs.Is(err, errs.NotFound) {
				t.Fatalf("public logo without consent: got %v", err)
			}
			err = w.s.SetLogo(w.mgr, p.ID, File{Name: "logo.png", Body: strings.NewReader("not an image")})
			wantKey(t, err, "partner.logo_invalid")
		})
	})
}

// TestDeliveriesRaceForTheRemainder forces two deliveries of the whole
// remainder of one pledge to interleave on PostgreSQL: exactly one is
// recorded, the other is refused and writes nothing.
func TestDeliveriesRaceForTheRemainder(t *testing.T) {
	if dbtest.PostgresURL() == "" {
		t.Skip("needs PostgreSQL (TADAMUN_TEST_POSTGRES)")
	}
	d := dbtest.Open(t, db.Postgres)
	w := newWorld(t, d, limits.Limits{})
	p := w.partner(t, "أورانج", "")
	pl := w.pledge(t, Pledge{PartnerID: p.ID, Kind: Jobs, Target: 10, Role: "مندوب مبيعات"})
	if _, _, err := w.s.Deliver(w.mgr, DeliveryInput{PledgeID: pl.ID, Reference: "A-0", Quantity: 4}); err != nil {
		t.Fatal(err)
	}
	before := count(t, d, `SELECT COUNT(*) FROM audit_records`)
	var wg sync.WaitGroup
	var finished atomic.Int32
	results := make([]error, 2)
	dbtest.HoldUntilWaiting(t, d, 2, `UPDATE partner_pledges SET updated_at = updated_at WHERE id = ?`, []any{pl.ID}, func() {
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer finished.Add(1)
				_, _, results[i] = w.s.Deliver(w.mgr, DeliveryInput{PledgeID: pl.ID, Reference: "A-" + id(int64(i+1)), Quantity: 6})
			}()
		}
	}, func() bool { return finished.Load() > 0 })
	wg.Wait()
	won, lost := 0, 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case errs.As(err).Key == "partner.pledge_fully_delivered" || errs.As(err).Key == "partner.changed_meanwhile":
			lost++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("got %d won, %d lost; want 1 and 1", won, lost)
	}
	got, _ := w.s.Pledge(w.reader, pl.ID)
	if got.Delivered != 10 || got.Status != Delivered {
		t.Fatalf("got %+v, want 10 delivered", got)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM partner_deliveries WHERE pledge_id = ?`, pl.ID); n != 2 {
		t.Fatalf("got %d deliveries, want 2", n)
	}
	if after := count(t, d, `SELECT COUNT(*) FROM audit_records`); after != before+1 {
		t.Fatalf("audit grew by %d, want 1", after-before)
	}
}
