package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/partner"
)

// The partners demo: three Jordanian partners — a bank, a telecom company
// and a food company — with an agreement, pledges of each kind and some
// deliveries, two of them listed on the portal; and one Egyptian partner.
// jo.partners keeps them.
func init() {
	AddStep(Step{Name: "partners", Run: loadPartners})
}

// demoLogo is a plain square logo of colour c with a band, as a PNG.
func demoLogo(c, band color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	draw.Draw(img, img.Bounds(), &image.Uniform{c}, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 40, 64, 52), &image.Uniform{band}, image.Point{}, draw.Src)
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// demoPDF is a small one-page PDF standing for a signed memorandum.
var demoPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n" +
	"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func loadPartners(ctx context.Context, d *db.DB, progress func(string)) error {
	ctx = actor.System(ctx)
	ms := member.New(d)
	jo, err := ms.Get(ctx, "JO")
	if err != nil {
		return err
	}
	eg, err := ms.Get(ctx, "EG")
	if err != nil {
		return err
	}
	s := partner.New(d, partner.Options{Members: ms})
	save := func(m int64, p partner.Partner) (partner.Partner, error) {
		out, err := s.Save(ctx, m, p)
		if err != nil {
			return out, fmt.Errorf("partner %s: %w", p.NameEN, err)
		}
		return out, nil
	}
	bank, err := save(jo.ID, partner.Partner{NameAR: "بنك الإسكان للتجارة والتمويل", NameEN: "Housing Bank for Trade and Finance", Sector: "bank", RegNo: "JO-BNK-1973",
		Governorate: "AM", District: "AM-QS", Locality: "AM-QS-02", Address: "شارع الملكة نور، الشميساني", Website: "https://www.hbtf.example",
		Contacts: []partner.Contact{{Name: "رنا الحديدي", Role: "مديرة المسؤولية المجتمعية", Phone: "+962 6 500 0001", Email: "csr@hbtf.example"}}})
	if err != nil {
		return err
	}
	tel, err := save(jo.ID, partner.Partner{NameAR: "شركة الاتصالات الأردنية", NameEN: "Jordan Telecom", Sector: "telecom", RegNo: "JO-TEL-1996",
		Governorate: "AM", Address: "عمّان، العبدلي", Website: "https://www.jotelecom.example",
		Contacts: []partner.Contact{{Name: "عمر الزعبي", Role: "مسؤول الشراكات", Phone: "+962 6 500 0002"}}})
	if err != nil {
		return err
	}
	food, err := save(jo.ID, partner.Partner{NameAR: "شركة المطاحن والصناعات الغذائية", NameEN: "Mills and Food Industries Co.", Sector: "food", RegNo: "JO-FD-2004",
		Governorate: "ZA", District: "ZA-RS", Address: "المنطقة الصناعية، الرصيفة",
		Contacts: []partner.Contact{{Name: "هالة العبادي", Role: "مديرة المبيعات", Email: "hala@mills.example"}}})
	if err != nil {
		return err
	}
	egp, err := save(eg.ID, partner.Partner{NameAR: "غرفة تجارة القاهرة", NameEN: "Cairo Chamber of Commerce", Sector: "chamber", RegNo: "EG-CC-1913",
		Governorate: "C", Address: "القاهرة، باب اللوق"})
	if err != nil {
		return err
	}
	for _, p := range []struct {
		id   int64
		c, b color.RGBA
	}{{bank.ID, color.RGBA{0, 84, 147, 255}, color.RGBA{242, 169, 0, 255}}, {tel.ID, color.RGBA{255, 121, 0, 255}, color.RGBA{255, 255, 255, 255}}} {
		if err := s.SetLogo(ctx, p.id, partner.File{Name: "logo.png", Body: bytes.NewReader(demoLogo(p.c, p.b))}); err != nil {
			return err
		}
	}
	for _, id := range []int64{bank.ID, tel.ID, egp.ID} {
		if _, err := s.SetConsent(ctx, id, true); err != nil {
			return err
		}
	}
	mou, err := s.SaveAgreement(ctx, partner.Agreement{PartnerID: bank.ID, Title: "مذكرة تفاهم لدعم الأسر الفقيرة والتشغيل", SignedOn: "2026-01-15", StartsOn: "2026-02-01",
		EndsOn: "2028-01-31", Status: partner.Signed, Scope: "يدعم البنك صندوق التضامن بمبلغ سنوي، ويوفّر وظائف لخريجي برامج التدريب من الأسر المستفيدة."})
	if err != nil {
		return err
	}
	if _, err := s.AddDocument(ctx, mou.ID, partner.File{Name: "مذكرة-التفاهم-الموقعة.pdf", Body: bytes.NewReader(demoPDF)}); err != nil {
		return err
	}
	old, err := s.SaveAgreement(ctx, partner.Agreement{PartnerID: tel.ID, Title: "اتفاقية تدريب الشباب على المهارات الرقمية", SignedOn: "2025-01-10", StartsOn: "2025-01-10",
		EndsOn: "2025-12-31", Status: partner.Signed, Scope: "مقاعد تدريب مجانية للشباب من الأسر المسجلة."})
	if err != nil {
		return err
	}
	telNew, err := s.SaveAgreement(ctx, partner.Agreement{PartnerID: tel.ID, Title: "مذكرة تفاهم للتشغيل والتدريب", SignedOn: "2026-02-20", StartsOn: "2026-03-01",
		Status: partner.Signed, Scope: "وظائف ومقاعد تدريب للشباب والأشخاص ذوي الإعاقة."})
	if err != nil {
		return err
	}
	_ = old
	pledge := func(p partner.Pledge) (partner.Pledge, error) {
		out, err := s.AddPledge(ctx, p)
		if err != nil {
			return out, fmt.Errorf("pledge %s: %w", p.Kind, err)
		}
		return out, nil
	}
	deliver := func(pl partner.Pledge, ref string, n int64, note string) error {
		_, _, err := s.Deliver(ctx, partner.DeliveryInput{PledgeID: pl.ID, Reference: ref, Quantity: n, Note: note})
		return err
	}
	cash, err := pledge(partner.Pledge{PartnerID: bank.ID, AgreementID: mou.ID, Kind: partner.Money, Currency: "JOD", Target: 50_000_000, DueOn: "2026-12-31"})
	if err != nil {
		return err
	}
	if err := deliver(cash, "HBTF-TRF-0001", 20_000_000, "حوالة إلى حساب صندوق التضامن"); err != nil {
		return err
	}
	bankJobs, err := pledge(partner.Pledge{PartnerID: bank.ID, AgreementID: mou.ID, Kind: partner.Jobs, Target: 12, Role: "موظف خدمة عملاء", AreaCode: "AM",
		Groups: []string{"youth", "poor_households"}, DueOn: "2026-09-30"})
	if err != nil {
		return err
	}
	if err := deliver(bankJobs, "HBTF-HR-0001", 5, "عقود عمل موقعة"); err != nil {
		return err
	}
	training, err := pledge(partner.Pledge{PartnerID: tel.ID, AgreementID: telNew.ID, Kind: partner.Training, Target: 40, Course: "مهارات البرمجة والدعم الفني", AreaCode: "IR",
		Groups: []string{"youth", "disability"}, DueOn: "2026-11-30"})
	if err != nil {
		return err
	}
	if err := deliver(training, "JT-TRN-0001", 25, "الدفعة الأولى من المتدربين"); err != nil {
		return err
	}
	if _, err := pledge(partner.Pledge{PartnerID: tel.ID, AgreementID: telNew.ID, Kind: partner.Jobs, Target: 8, Role: "فني صيانة شبكات", AreaCode: "AM",
		Groups: []string{"disability"}, DueOn: "2026-12-31"}); err != nil {
		return err
	}
	goods, err := pledge(partner.Pledge{PartnerID: food.ID, Kind: partner.Goods, Currency: "JOD", Target: 2000, Value: 30_000_000, Unit: "طرد",
		Description: "طرود غذائية لرمضان", DueOn: "2026-03-15"})
	if err != nil {
		return err
	}
	if err := deliver(goods, "MILLS-DN-0001", 1200, "تسليم إلى مستودع الزرقاء"); err != nil {
		return err
	}
	egCash, err := pledge(partner.Pledge{PartnerID: egp.ID, Kind: partner.Money, Currency: "EGP", Target: 25_000_000})
	if err != nil {
		return err
	}
	if err := deliver(egCash, "CCC-0001", 10_000_000, ""); err != nil {
		return err
	}
	progress("partners: 3 in JO with agreements, pledges and deliveries, 1 in EG")
	return nil
}
