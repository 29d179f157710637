package donor

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
)

// CreateMany writes a trusted file's donors in bulk: normalized as Create
// normalizes, keys the matcher reads, one audit record, all or nothing,
// fund.write of the member only, no duplicate check.
func TestCreateMany(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		before := w.create(t, Input{Name: "سلمى الخطيب", Refs: []string{"S-1"}})
		const n = 1200
		ins := make([]Input, n)
		for i := range ins {
			ins[i] = Input{MemberID: w.jo, Kind: fund.DonorIndividual, Name: fmt.Sprintf("  محمد   أحمد %s ", benchFamily[i%len(benchFamily)]),
				Refs: []string{fmt.Sprintf("d-%05d", i+1)}}
			if i%3 == 0 {
				ins[i].IBANs = []string{"jo94 cbjo 0010 0000 0000 0131 0003 02"}
				ins[i].Phones = []string{"٠٧٩١٢٣٤٥٦٧"}
			}
		}
		ins[5] = Input{MemberID: w.jo, Kind: fund.DonorIndividual, Name: "ليلى عبد الله حداد", Refs: []string{"LH-9"}}
		// The same donor as one recorded before: no duplicate check.
		ins[n-1] = Input{MemberID: w.jo, Kind: fund.DonorCompany, Name: "سلمى الخطيب", Refs: []string{"S-1"}, ConsentPublic: true}
		res, err := w.s.CreateMany(w.fund, ins)
		if err != nil {
			t.Fatal(err)
		}
		if res.Count != n || len(res.IDs) != n || res.IDs[0] <= before.ID {
			t.Fatalf("imported %d, ids %d, first %d after %d", res.Count, len(res.IDs), res.IDs[0], before.ID)
		}
		got, err := w.s.Get(w.reader, res.IDs[0])
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "محمد أحمد "+benchFamily[0] || got.NameKey == "" || len(got.IBANs) != 1 || got.IBANs[0] != "JO94CBJO0010000000000131000302" ||
			len(got.Refs) != 1 || len(got.Phones) != 1 || got.Language != "ar" || got.Version != 1 {
			t.Errorf("first imported donor = %+v", got)
		}
		last, _ := w.s.Get(w.reader, res.IDs[n-1])
		if last.PublicName != "سلمى الخطيب" || !last.ConsentAt.Equal(t0) {
			t.Errorf("consent: public name %q at %v", last.PublicName, last.ConsentAt)
		}
		// The matcher sees them all, with their keys.
		var keys, refs, ibans int
		if err := w.s.EachKeys(w.reader, w.jo, func(k fund.DonorKeys) error {
			keys++
			refs += len(k.Refs)
			ibans += len(k.IBANs)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if keys != n+1 || refs != n+1 || ibans != n/3 {
			t.Errorf("keys of %d donors, %d refs, %d ibans; want %d, %d, %d", keys, refs, ibans, n+1, n+1, n/3)
		}
		if got := count(t, d, `SELECT COUNT(*) FROM fund_donor_keys WHERE kind = 'name' AND donor_id = ?`, res.IDs[1]); got == 0 {
			t.Error("no name words: the duplicate check would not see imported donors")
		}
		if got := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'fund_donor.import'`); got != 1 {
			t.Errorf("%d import audit records, want 1", got)
		}
		// Imported donors meet the duplicate check of a donor typed later.
		r, err := w.s.Create(w.fund, Input{MemberID: w.jo, Kind: fund.DonorIndividual, Name: "ليلى عبدالله حداد", Refs: []string{"lh 9"}}, true)
		found := false
		for _, dup := range r.Duplicates {
			found = found || dup.DonorID == res.IDs[5]
		}
		if err != nil || !found {
			t.Errorf("typed duplicate of an imported donor: %v, duplicates %+v", err, r.Duplicates)
		}

		// A bad row refuses the whole file, naming the row.
		total := count(t, d, `SELECT COUNT(*) FROM fund_donors`)
		bad := []Input{{MemberID: w.jo, Kind: fund.DonorIndividual, Name: "ليلى"}, {MemberID: w.jo, Kind: fund.DonorIndividual, Name: "هدى", IBANs: []string{"JO00XXXX"}}}
		_, err = w.s.CreateMany(w.fund, bad)
		var e *errs.Error
		if !errors.As(err, &e) || e.Key != "fund_donor.import_row" || e.Args["row"] != 2 {
			t.Errorf("bad row: %v", err)
		}
		bad[1] = Input{MemberID: w.eg, Kind: fund.DonorIndividual, Name: "هدى"}
		if _, err := w.s.CreateMany(w.fund, bad); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("two members in one import: %v", err)
		}
		if got := count(t, d, `SELECT COUNT(*) FROM fund_donors`); got != total {
			t.Errorf("refused imports wrote %d donors", got-total)
		}
		// fund.write of the member.
		_, err = w.s.CreateMany(w.egFund, bad[:1])
		wantCode(t, err, errs.NotFound)
		_, err = w.s.CreateMany(w.reader, bad[:1])
		wantCode(t, err, errs.Forbidden)
		if res, err := w.s.CreateMany(w.fund, nil); err != nil || res.Count != 0 {
			t.Errorf("empty import: %+v %v", res, err)
		}
	})
}

// DonorRefs answers for many donors at once as Donor answers for one.
func TestDonorRefs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ins := make([]Input, 700)
		for i := range ins {
			ins[i] = Input{MemberID: w.jo, Kind: fund.DonorIndividual, Name: fmt.Sprintf("مانح %s", benchFamily[i%len(benchFamily)]), Refs: []string{fmt.Sprintf("R%d", i)}}
		}
		res, err := w.s.CreateMany(w.fund, ins)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Merge(w.fund, res.IDs[0], res.IDs[1], "نفس المانح"); err != nil {
			t.Fatal(err)
		}
		eg, err := w.s.Create(w.egFund, Input{MemberID: w.eg, Kind: fund.DonorIndividual, Name: "مصري"}, false)
		if err != nil {
			t.Fatal(err)
		}
		ids := append([]int64{eg.Donor.ID, 999_999}, res.IDs...)
		refs, err := w.s.DonorRefs(w.reader, w.jo, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) != len(res.IDs) {
			t.Errorf("%d refs, want %d (no other member's, no unknown)", len(refs), len(res.IDs))
		}
		for _, id := range res.IDs[:50] {
			one, err := w.s.Donor(w.reader, w.jo, id)
			if err != nil || refs[id] != one {
				t.Errorf("donor %d: many %+v, one %+v %v", id, refs[id], one, err)
			}
		}
		if refs[res.IDs[1]].MergedInto != res.IDs[0] {
			t.Errorf("merged donor's ref %+v", refs[res.IDs[1]])
		}
		_, err = w.s.DonorRefs(w.egFund, w.jo, ids)
		wantCode(t, err, errs.NotFound)
	})
}
