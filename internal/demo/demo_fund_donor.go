package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/donor"
	"github.com/tadamun/tadamun/internal/member"
)

// The donor demo: a dozen donors of the Jordanian fund (people, a
// company with its registration number and IBAN, a bank, a charity, the
// Ministry of Social Development) and two of Egypt's. Each carries a
// reference "DEMO-<member>-NN" that other demo steps (donations,
// statements) find it by with DemoDonor.
func init() {
	AddStep(Step{Name: "fund donors", Run: loadDonors})
}

type demoDonor struct {
	member string
	in     donor.Input
}

var demoDonors = []demoDonor{
	{"JO", donor.Input{Kind: fund.DonorIndividual, Name: "عبد الله محمد الخطيب", Phones: []string{"0795551201"}, Email: "a.khatib@example.jo",
		Address: "عمّان، جبل الحسين", ConsentPublic: true, IBANs: []string{"JO18ARAB1180000000118250020500"}, Refs: []string{"DEMO-JO-01"}}},
	{"JO", donor.Input{Kind: fund.DonorIndividual, Name: "فاطمة أحمد النابلسي", Phones: []string{"0786623310"}, Address: "إربد، الحصن",
		ConsentPublic: true, PublicName: "أم أحمد", Refs: []string{"DEMO-JO-02"}}},
	{"JO", donor.Input{Kind: fund.DonorIndividual, Name: "خالد يوسف العمري", Phones: []string{"0777814402"}, Refs: []string{"DEMO-JO-03"},
		Notes: "يفضّل ألا يُذكر اسمه"}},
	{"JO", donor.Input{Kind: fund.DonorIndividual, Name: "سلمى إبراهيم حداد", Phones: []string{"0799902215"}, Email: "salma.haddad@example.jo", Language: "en",
		Refs: []string{"DEMO-JO-04"}}},
	{"JO", donor.Input{Kind: fund.DonorIndividual, Name: "محمود سعيد الزعبي", Phones: []string{"0791238870"}, Address: "الزرقاء، الرصيفة",
		Refs: []string{"DEMO-JO-05"}}},
	{"JO", donor.Input{Kind: fund.DonorIndividual, Name: "رنا طارق الحسيني", Email: "rana.h@example.jo", ConsentPublic: true, Refs: []string{"DEMO-JO-06"}}},
	{"JO", donor.Input{Kind: fund.DonorIndividual, Name: "عمر نور الدين القاسم", Phones: []string{"0785519034"}, IBANs: []string{"JO67HBHO0320000012345678901234"},
		Refs: []string{"DEMO-JO-07"}}},
	{"JO", donor.Input{Kind: fund.DonorCompany, Name: "شركة الأمل للتجارة والاستثمار", RegNo: "200-118-734", Phones: []string{"065512300"},
		Email: "csr@amal-trading.example.jo", Address: "عمّان، الشميساني، شارع عبد الحميد شرف", ConsentPublic: true,
		IBANs: []string{"JO94CBJO0010000000000131000302"}, Refs: []string{"DEMO-JO-08", "AMAL-CSR"}, Notes: "تبرع سنوي ضمن المسؤولية الاجتماعية"}},
	{"JO", donor.Input{Kind: fund.DonorCompany, Name: "بنك الإسكان للتجارة والتمويل", RegNo: "1974-07", Email: "community@example-bank.jo",
		ConsentPublic: true, IBANs: []string{"JO69JKBA0110000000000245871300"}, Refs: []string{"DEMO-JO-09"}}},
	{"JO", donor.Input{Kind: fund.DonorOrganization, Name: "جمعية الإحسان الخيرية", RegNo: "JO-NGO-4471", Phones: []string{"053981122"},
		Address: "الزرقاء، حي معصوم", ConsentPublic: true, Refs: []string{"DEMO-JO-10"}}},
	{"JO", donor.Input{Kind: fund.DonorGovernment, Name: "وزارة التنمية الاجتماعية", Email: "fund@mosd.example.jo", Address: "عمّان، العبدلي",
		ConsentPublic: true, Refs: []string{"DEMO-JO-11"}, Notes: "مساهمة حكومة الدولة العضو في صندوق التضامن"}},
	{"JO", donor.Input{Kind: fund.DonorIndividual, Name: "هالة عبد الرحمن الشريف", Phones: []string{"0796647781"}, Refs: []string{"DEMO-JO-12"}}},
	{"EG", donor.Input{Kind: fund.DonorIndividual, Name: "مصطفى محمود عبد العزيز", Phones: []string{"01001234567"}, Address: "القاهرة، مدينة نصر",
		ConsentPublic: true, Refs: []string{"DEMO-EG-01"}}},
	{"EG", donor.Input{Kind: fund.DonorCompany, Name: "شركة النيل للصناعات الغذائية", RegNo: "45871", IBANs: []string{"EG380019000500000000263180002"},
		Email: "csr@nile-foods.example.eg", Refs: []string{"DEMO-EG-02"}}},
}

func loadDonors(ctx context.Context, d *db.DB, progress func(string)) error {
	ctx = actor.System(ctx)
	ms := member.New(d)
	s := donor.New(d, donor.Options{Members: ms})
	n := map[string]int{}
	for i, dd := range demoDonors {
		m, err := ms.Get(ctx, dd.member)
		if err != nil {
			return err
		}
		in := dd.in
		in.MemberID = m.ID
		if in.ConsentPublic {
			// Consent given some weeks before the demo starts, as on a paper form.
			in.ConsentAt = d.Now().Add(-time.Duration(30+i*5) * 24 * time.Hour)
		}
		if _, err := s.Create(ctx, in, false); err != nil {
			return fmt.Errorf("demo: donor %s: %w", dd.in.Name, err)
		}
		n[dd.member]++
	}
	progress(fmt.Sprintf("fund donors: %d in JO, %d in EG", n["JO"], n["EG"]))
	return nil
}

// DemoDonor returns the id of the demo donor of member code whose
// reference is ref ("DEMO-JO-08": the company with an IBAN), for the demo
// steps of the fund's other packages.
func DemoDonor(ctx context.Context, d *db.DB, code, ref string) (int64, error) {
	ctx = actor.System(ctx)
	ms := member.New(d)
	m, err := ms.Get(ctx, code)
	if err != nil {
		return 0, err
	}
	p, err := donor.New(d, donor.Options{Members: ms}).List(ctx, m.ID, donor.Filter{Query: ref, Limit: 2})
	if err != nil {
		return 0, err
	}
	if len(p.Donors) != 1 {
		return 0, errs.E(errs.NotFound, "fund_donor.not_found")
	}
	return p.Donors[0].ID, nil
}
