package donor

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/i18n"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type world struct {
	d                    *db.DB
	s                    *Service
	clock                *calendar.Manual
	jo, eg               int64
	fund, reader, egFund context.Context
	other                context.Context
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	w := &world{d: d, clock: calendar.NewManual(t0)}
	w.s = New(d, Options{Clock: w.clock.Now})
	w.jo = mustMember(t, d, "JO", "962")
	w.eg = mustMember(t, d, "EG", "20")
	w.fund = as(t, d, w.jo, "jo.fund", actor.FundManager)
	w.reader = as(t, d, w.jo, "jo.approver", actor.FundApprover)
	w.egFund = as(t, d, w.eg, "eg.fund", actor.FundManager)
	w.other = as(t, d, w.jo, "jo.caseworker", actor.CaseWorker)
	return w
}

func mustMember(tb testing.TB, d *db.DB, code, cc string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		now := time.Now().UTC()
		id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, calling_code, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', 'Asia/Amman', ?, ?, ?) RETURNING id`, code, code, code, cc, now, now)
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
		now := time.Now().UTC()
		uid, err = tx.InsertID(ctx, `INSERT INTO users (member_id, username, display_name, password_hash, roles, created_at, updated_at) VALUES (?, ?, ?, '-', ?, ?, ?) RETURNING id`,
			member, name, name, strings.Join(names, " "), now, now)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return actor.With(ctx, actor.Actor{UserID: uid, Username: name, MemberID: member, Roles: roles, Lang: i18n.EN})
}

func count(t testing.TB, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("got error %v (code %s), want code %s", err, errs.CodeOf(err), code)
	}
}

func (w *world) create(t *testing.T, in Input) Donor {
	t.Helper()
	if in.MemberID == 0 {
		in.MemberID = w.jo
	}
	if in.Kind == "" {
		in.Kind = fund.DonorIndividual
	}
	r, err := w.s.Create(w.fund, in, false)
	if err != nil {
		t.Fatalf("create %s: %v", in.Name, err)
	}
	return r.Donor
}

func TestCreateNormalizes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		dn := w.create(t, Input{Kind: fund.DonorCompany, Name: "  شركة   الأمل للتجارة ", Phones: []string{"٠٧٩١٢٣٤٥٦٧"}, Email: "Info@Amal.JO",
			RegNo: "200-123-45", IBANs: []string{"jo94 cbjo 0010 0000 0000 0131 0003 02"}, Refs: []string{"AML-1"}, ConsentPublic: true})
		if dn.Name != "شركة الأمل للتجارة" || dn.NameKey != "شركه امل للتجاره" && dn.NameKey == "" {
			t.Errorf("name %q key %q", dn.Name, dn.NameKey)
		}
		if len(dn.IBANs) != 1 || dn.IBANs[0] != "JO94CBJO0010000000000131000302" {
			t.Errorf("ibans %v, want the electronic form", dn.IBANs)
		}
		if dn.PublicName != dn.Name || !dn.ConsentAt.Equal(t0) {
			t.Errorf("public name %q consent at %v, want the name and %v", dn.PublicName, dn.ConsentAt, t0)
		}
		if got := count(t, d, `SELECT COUNT(*) FROM fund_donor_keys WHERE donor_id = ? AND kind = 'phone' AND norm = '962791234567'`, dn.ID); got != 1 {
			t.Errorf("phone keys %d, want 1", got)
		}
		ref, err := w.s.Donor(w.reader, w.jo, dn.ID)
		if err != nil || ref.PublicName != dn.Name || ref.Kind != fund.DonorCompany {
			t.Errorf("Donor: %+v %v", ref, err)
		}
	})
}

func TestCreateRefusesBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		cases := []struct {
			name  string
			in    Input
			field string
		}{
			{"no name", Input{Kind: fund.DonorIndividual}, "name"},
			{"bad kind", Input{Kind: "alien", Name: "س"}, "kind"},
			{"bad iban check digits", Input{Kind: fund.DonorIndividual, Name: "سالم", IBANs: []string{"JO95CBJO0010000000000131000302"}}, "ibans"},
			{"bad phone", Input{Kind: fund.DonorIndividual, Name: "سالم", Phones: []string{"abc"}}, "phones"},
			{"bad email", Input{Kind: fund.DonorIndividual, Name: "سالم", Email: "not-an-email"}, "email"},
			{"reg no of a person", Input{Kind: fund.DonorIndividual, Name: "سالم", RegNo: "123"}, "reg_no"},
			{"consent in the future", Input{Kind: fund.DonorIndividual, Name: "سالم", ConsentPublic: true, ConsentAt: t0.Add(48 * time.Hour)}, "consent_at"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				c.in.MemberID = w.jo
				_, err := w.s.Create(w.fund, c.in, false)
				e := errs.As(err)
				if e == nil || e.Code != errs.Invalid {
					t.Fatalf("got %v, want invalid", err)
				}
				found := false
				for _, f := range e.Fields {
					found = found || f.Field == c.field
				}
				if !found {
					t.Errorf("fields %+v, want one on %s", e.Fields, c.field)
				}
			})
		}
		if n := count(t, d, `SELECT COUNT(*) FROM fund_donors`); n != 0 {
			t.Errorf("%d donors written, want none", n)
		}
	})
}

func TestDuplicates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.create(t, Input{Name: "عبد الله محمد الخطيب", Phones: []string{"0791234567"}, Address: "عمّان، جبل الحسين"})
		co := w.create(t, Input{Kind: fund.DonorCompany, Name: "شركة الأمل للتجارة", RegNo: "200-123", IBANs: []string{"JO94CBJO0010000000000131000302"}, Email: "info@amal.jo"})

		t.Run("same phone written another way is likely and refused", func(t *testing.T) {
			r, err := w.s.Create(w.fund, Input{MemberID: w.jo, Kind: fund.DonorIndividual, Name: "سامي يوسف", Phones: []string{"+962 79 123 4567"}}, false)
			wantCode(t, err, errs.Conflict)
			if len(r.Duplicates) != 1 || r.Duplicates[0].DonorID != a.ID || r.Duplicates[0].Class != Likely || r.Duplicates[0].Why[0] != WhyPhone {
				t.Errorf("duplicates %+v, want %d likely by phone", r.Duplicates, a.ID)
			}
		})
		for name, in := range map[string]Input{
			"same iban":       {Kind: fund.DonorOrganization, Name: "جمعية النور", IBANs: []string{"JO94 CBJO 0010 0000 0000 0131 0003 02"}},
			"same reg number": {Kind: fund.DonorCompany, Name: "مؤسسة أخرى", RegNo: "200 123"},
			"same email":      {Kind: fund.DonorIndividual, Name: "ليلى", Email: "INFO@amal.jo"},
		} {
			t.Run(name+" is likely", func(t *testing.T) {
				in.MemberID = w.jo
				r, err := w.s.Create(w.fund, in, false)
				wantCode(t, err, errs.Conflict)
				if len(r.Duplicates) == 0 || r.Duplicates[0].DonorID != co.ID || r.Duplicates[0].Class != Likely {
					t.Errorf("duplicates %+v, want %d likely", r.Duplicates, co.ID)
				}
			})
		}
		t.Run("very close name and same address is likely", func(t *testing.T) {
			_, err := w.s.Create(w.fund, Input{MemberID: w.jo, Kind: fund.DonorIndividual, Name: "عبدالله محمد الخطيب", Address: "عمان، جبل الحسين"}, false)
			wantCode(t, err, errs.Conflict)
		})
		t.Run("close name only is possible and saved", func(t *testing.T) {
			r, err := w.s.Create(w.fund, Input{MemberID: w.jo, Kind: fund.DonorIndividual, Name: "عبدالله محمد الخطيب"}, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Duplicates) != 1 || r.Duplicates[0].DonorID != a.ID || r.Duplicates[0].Class != Possible {
				t.Errorf("duplicates %+v, want %d possible", r.Duplicates, a.ID)
			}
		})
		t.Run("a different name is no duplicate", func(t *testing.T) {
			r, err := w.s.Create(w.fund, Input{MemberID: w.jo, Kind: fund.DonorIndividual, Name: "مريم سعيد العلي"}, false)
			if err != nil || len(r.Duplicates) != 0 {
				t.Errorf("got %+v %v, want no duplicate", r.Duplicates, err)
			}
		})
		t.Run("confirmed likely is saved and audited", func(t *testing.T) {
			before := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'fund_donor.duplicate_confirmed'`)
			r, err := w.s.Create(w.fund, Input{MemberID: w.jo, Kind: fund.DonorIndividual, Name: "سامي يوسف", Phones: []string{"0791234567"}}, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Duplicates) != 1 || r.Duplicates[0].Class != Likely {
				t.Errorf("duplicates %+v", r.Duplicates)
			}
			if after := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'fund_donor.duplicate_confirmed'`); after != before+1 {
				t.Errorf("confirmations audited %d, want %d", after, before+1)
			}
		})
		t.Run("another member's donor is never a duplicate", func(t *testing.T) {
			r, err := w.s.Create(w.egFund, Input{MemberID: w.eg, Kind: fund.DonorCompany, Name: "شركة الأمل للتجارة", RegNo: "200-123"}, false)
			if err != nil || len(r.Duplicates) != 0 {
				t.Errorf("got %+v %v, want no duplicate across members", r.Duplicates, err)
			}
		})
		t.Run("edit checks against the others, not itself", func(t *testing.T) {
			cur, _ := w.s.Get(w.fund, co.ID)
			in := Input{Kind: cur.Kind, Name: cur.Name, RegNo: cur.RegNo, IBANs: cur.IBANs, Email: cur.Email, Notes: "تبرع سنوي", Version: cur.Version}
			r, err := w.s.Update(w.fund, co.ID, in, false)
			if err != nil || len(r.Duplicates) != 0 || r.Donor.Notes != "تبرع سنوي" || r.Donor.Version != cur.Version+1 {
				t.Fatalf("update: %+v %v", r, err)
			}
			_, err = w.s.Update(w.fund, co.ID, in, false)
			wantCode(t, err, errs.Conflict) // stale version
			in.Version = r.Donor.Version
			in.Phones = []string{"0791234567"} // a's phone
			_, err = w.s.Update(w.fund, co.ID, in, false)
			wantCode(t, err, errs.Conflict)
		})
	})
}

func TestConsent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		dn := w.create(t, Input{Name: "هالة", ConsentPublic: true, PublicName: "فاعلة خير"})
		w.clock.Advance(24 * time.Hour)
		r, err := w.s.Update(w.fund, dn.ID, Input{Kind: dn.Kind, Name: dn.Name, PublicName: dn.PublicName, Version: dn.Version}, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.Donor.ConsentPublic || !r.Donor.ConsentWithdrawnAt.Equal(t0.Add(24*time.Hour)) || !r.Donor.ConsentAt.Equal(t0) {
			t.Errorf("consent %v at %v withdrawn %v", r.Donor.ConsentPublic, r.Donor.ConsentAt, r.Donor.ConsentWithdrawnAt)
		}
		ref, _ := w.s.Donor(w.fund, w.jo, dn.ID)
		if ref.PublicName != "" {
			t.Errorf("public name %q after withdrawal, want none", ref.PublicName)
		}
	})
}

func TestMerge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.create(t, Input{Name: "خالد العمري", Phones: []string{"0791111111"}, Refs: []string{"K-1"}})
		b, err := w.s.Create(w.fund, Input{MemberID: w.jo, Kind: fund.DonorIndividual, Name: "خالد عمري", Phones: []string{"0792222222"}, Email: "khaled@example.jo",
			IBANs: []string{"JO94CBJO0010000000000131000302"}, Refs: []string{"K-1", "K-2"}}, false)
		if err != nil {
			t.Fatal(err)
		}
		c := w.create(t, Input{Name: "سلوى حداد"})

		t.Run("refusals", func(t *testing.T) {
			_, err := w.s.Merge(w.fund, a.ID, b.Donor.ID, "")
			wantCode(t, err, errs.Invalid)
			_, err = w.s.Merge(w.fund, a.ID, a.ID, "نفس المانح")
			wantCode(t, err, errs.Invalid)
			_, err = w.s.Merge(w.reader, a.ID, b.Donor.ID, "نفس المانح")
			wantCode(t, err, errs.Forbidden)
			_, err = w.s.Merge(w.egFund, a.ID, b.Donor.ID, "نفس المانح")
			wantCode(t, err, errs.NotFound)
		})
		before := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action LIKE 'fund_donor.merge%'`)
		got, err := w.s.Merge(w.fund, a.ID, b.Donor.ID, "نفس المانح سُجّل مرتين")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Phones) != 2 || len(got.IBANs) != 1 || len(got.Refs) != 2 || got.Email != "khaled@example.jo" {
			t.Errorf("merged donor %+v, want b's phone, IBAN, new ref and e-mail", got)
		}
		if after := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action LIKE 'fund_donor.merge%'`); after != before+2 {
			t.Errorf("merge audit records %d, want 2", after-before)
		}
		t.Run("reading b gives a with a note", func(t *testing.T) {
			r, err := w.s.Get(w.reader, b.Donor.ID)
			if err != nil || r.ID != a.ID || r.Merged == nil || r.Merged.From != b.Donor.ID || r.Merged.Reason == "" {
				t.Errorf("got %+v %v", r, err)
			}
			ref, err := w.s.Donor(w.reader, w.jo, b.Donor.ID)
			if err != nil || ref.ID != b.Donor.ID || ref.MergedInto != a.ID {
				t.Errorf("ref %+v %v, want merged into %d", ref, err, a.ID)
			}
		})
		t.Run("b is hidden from lists and search", func(t *testing.T) {
			p, err := w.s.List(w.reader, w.jo, Filter{Query: "خالد"})
			if err != nil || p.Total != 1 || p.Donors[0].ID != a.ID {
				t.Errorf("list %+v %v, want a only", p, err)
			}
			p, err = w.s.List(w.reader, w.jo, Filter{Query: "0792222222"})
			if err != nil || p.Total != 1 || p.Donors[0].ID != a.ID {
				t.Errorf("search by b's phone %+v %v, want a", p, err)
			}
		})
		t.Run("a merged donor cannot be merged again or edited", func(t *testing.T) {
			_, err := w.s.Merge(w.fund, c.ID, b.Donor.ID, "مرة أخرى")
			wantCode(t, err, errs.Conflict)
			_, err = w.s.Merge(w.fund, b.Donor.ID, c.ID, "إلى مدموج")
			wantCode(t, err, errs.Conflict)
			_, err = w.s.Update(w.fund, b.Donor.ID, Input{Kind: fund.DonorIndividual, Name: "خالد", Version: b.Donor.Version + 1}, false)
			wantCode(t, err, errs.Conflict)
		})
		t.Run("EachKeys after merge", func(t *testing.T) {
			var got []fund.DonorKeys
			if err := w.s.EachKeys(w.reader, w.jo, func(k fund.DonorKeys) error { got = append(got, k); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].DonorID != a.ID || got[1].DonorID != c.ID {
				t.Fatalf("keys %+v, want a and c", got)
			}
			if len(got[0].IBANs) != 1 || got[0].IBANs[0] != "JO94CBJO0010000000000131000302" || len(got[0].Refs) != 2 || got[0].NameKey == "" {
				t.Errorf("a's keys %+v", got[0])
			}
			if err := w.s.EachKeys(w.egFund, w.jo, func(fund.DonorKeys) error { return nil }); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("EG reading JO's keys: %v, want not found", err)
			}
		})
	})
}

func TestPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		dn := w.create(t, Input{Name: "نادية"})
		_, err := w.s.Create(w.reader, Input{MemberID: w.jo, Kind: fund.DonorIndividual, Name: "س"}, false)
		wantCode(t, err, errs.Forbidden)
		_, err = w.s.Create(w.egFund, Input{MemberID: w.jo, Kind: fund.DonorIndividual, Name: "س"}, false)
		wantCode(t, err, errs.NotFound)
		_, err = w.s.List(w.other, w.jo, Filter{})
		wantCode(t, err, errs.Forbidden)
		_, err = w.s.Get(w.egFund, dn.ID)
		wantCode(t, err, errs.NotFound)
		_, err = w.s.Donor(w.egFund, w.jo, dn.ID)
		wantCode(t, err, errs.NotFound)
		_, err = w.s.Donor(w.egFund, w.eg, dn.ID)
		wantCode(t, err, errs.NotFound)
		_, err = w.s.Update(w.egFund, dn.ID, Input{Kind: fund.DonorIndividual, Name: "س", Version: dn.Version}, false)
		wantCode(t, err, errs.NotFound)
		p, err := w.s.List(w.egFund, w.eg, Filter{})
		if err != nil || p.Total != 0 {
			t.Errorf("EG list %+v %v, want empty", p, err)
		}
	})
}

func TestListFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.create(t, Input{Name: "أحمد إبراهيم", Email: "ahmad@example.jo"})
		w.create(t, Input{Kind: fund.DonorGovernment, Name: "وزارة التنمية الاجتماعية", Refs: []string{"GOV-7"}})
		w.create(t, Input{Kind: fund.DonorCompany, Name: "شركة البركة", IBANs: []string{"JO94CBJO0010000000000131000302"}})
		for q, want := range map[string]int{"احمد ابراهيم": 1, "AHMAD@example.jo": 1, "gov-7": 1, "jo94 cbjo 0010 0000 0000 0131 0003 02": 1, "التنميه": 1, "زيد": 0} {
			p, err := w.s.List(w.reader, w.jo, Filter{Query: q})
			if err != nil || p.Total != want {
				t.Errorf("search %q: %d %v, want %d", q, p.Total, err, want)
			}
		}
		p, err := w.s.List(w.reader, w.jo, Filter{Kind: fund.DonorGovernment})
		if err != nil || p.Total != 1 || p.Donors[0].Refs[0] != "GOV-7" {
			t.Errorf("kind filter %+v %v", p, err)
		}
		p, err = w.s.List(w.reader, w.jo, Filter{Limit: 2, Offset: 2})
		if err != nil || p.Total != 3 || len(p.Donors) != 1 {
			t.Errorf("paging %d of %d %v", len(p.Donors), p.Total, err)
		}
	})
}
