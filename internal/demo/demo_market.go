package demo

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"slices"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/market"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// The crafts-market demo: five shops of JO demo households, opened with
// the families' recorded consent, in five categories, about thirty
// products with drawn photos (no external files), some out of stock, one
// hidden by the moderator; the Arabic names carry hamza, taa marbuta,
// shadda and tatweel so that the storefront's search shows its folding.
func init() {
	AddStep(Step{Name: "market", Run: loadMarket, Late: true})
}

var demoCategories = []market.Category{
	{Code: "embroidery", NameAR: "تطريز", NameEN: "Embroidery"},
	{Code: "pottery", NameAR: "فخار", NameEN: "Pottery"},
	{Code: "food", NameAR: "مؤونة بيتية", NameEN: "Home pantry"},
	{Code: "soap", NameAR: "صابون طبيعي", NameEN: "Natural soap"},
	{Code: "weaving", NameAR: "نسيج وسجاد", NameEN: "Weaving and rugs"},
}

type demoProduct struct {
	cat            int
	ar, en, descAR string
	price          int64 // fils
	stock          int
}

var demoShops = []struct {
	ar, en, storyAR, storyEN, crafts string
	pickup, delivery, shipping       bool
	products                         []demoProduct
}{
	{"مشغل أم أحمد للتطريز", "Umm Ahmad's embroidery", "بدأت أم أحمد التطريز الفلاحي مع بناتها في البيت، وتبيع اليوم ما تصنعه لتعين أسرتها.",
		"Umm Ahmad started traditional embroidery at home with her daughters; today what they make helps the family.", "تطريز فلاحي", true, true, false,
		[]demoProduct{
			{0, "حقيبة مطرزة يدوياً", "Hand-embroidered bag", "حقيبة قماشية بغرزة الصليب، ألوان أحمر وأسود.", 18000, 4},
			{0, "شالٌ مُطرَّز", "Embroidered shawl", "شال صوف خفيف بتطريز على الأطراف.", 25000, 2},
			{0, "وسادة مطرّزة", "Embroidered cushion", "غطاء وسادة بتطريز تقليدي.", 12000, 0},
			{0, "محفظة نقود مطرزة", "Embroidered purse", "محفظة صغيرة بسحّاب.", 6500, 9},
			{0, "الحقيبة الكبيرة للسوق", "Large market tote", "حقيبة متينة للتسوق بتطريز بسيط.", 22000, 1},
			{4, "مفرش طاولة مطرز", "Embroidered tablecloth", "مفرش قطني لطاولة من ستة مقاعد.", 40000, 1},
		}},
	{"بيت الفخّار", "The pottery house", "ورث أبو سليم صناعة الفخار عن أبيه، ويصنع الأباريق والأواني على الدولاب في فناء البيت.",
		"Abu Salim inherited pottery from his father and throws jugs and bowls on the wheel in the yard.", "فخار مشغول على الدولاب", true, false, true,
		[]demoProduct{
			{1, "إبريق فخار", "Clay jug", "إبريق لتبريد الماء.", 9000, 6},
			{1, "أكواب فخارية (طقم ستة)", "Clay cups (set of six)", "أكواب مزججة من الداخل.", 15000, 3},
			{1, "زبدية فخار كبيرة", "Large clay bowl", "زبدية للتقديم.", 7000, 0},
			{1, "مزهرية ملونة", "Painted vase", "مزهرية مرسومة باليد.", 11000, 5},
			{1, "قدر فخار للطبخ", "Clay cooking pot", "قدر يتحمل النار الهادئة.", 16000, 2},
			{1, "مبخرة فخّار", "Clay incense burner", "مبخرة صغيرة مزخرفة.", 4500, 8},
		}},
	{"مطبخ الخالة سعاد", "Aunt Suad's kitchen", "تعدّ الخالة سعاد المؤونة البيتية من خضار الموسم، وتطبخها بوصفات جدتها.",
		"Aunt Suad makes the home pantry from the season's vegetables with her grandmother's recipes.", "مؤونة بيتية", true, true, false,
		[]demoProduct{
			{2, "مربى التين", "Fig jam", "مرطبان نصف كيلو.", 3500, 20},
			{2, "مخلل الباذنجان المحشي", "Stuffed pickled aubergine", "مكدوس بالجوز وزيت الزيتون.", 6000, 12},
			{2, "زعتر بلدي مطحون", "Ground wild thyme", "كيس ربع كيلو مع السماق والسمسم.", 3000, 0},
			{2, "رُبّ البندورة", "Tomato paste", "معجون بندورة مجفف بالشمس.", 2500, 15},
			{2, "جميد كركي", "Karak jameed", "كرات لبن مجفف للمنسف.", 8000, 6},
			{2, "مربّى المشمش", "Apricot jam", "مرطبان نصف كيلو.", 3500, 0},
		}},
	{"صابون الزيتون من عجلون", "Ajloun olive soap", "تصنع الأسرة الصابون من زيت زيتون أرضها بطريقة التبريد البطيء.",
		"The family makes soap from its own olive oil by slow cold process.", "صابون طبيعي", false, true, true,
		[]demoProduct{
			{3, "صابون زيت الزيتون", "Olive oil soap", "قالب مئة وخمسين غرامًا.", 1500, 40},
			{3, "صابون بالعسل والشوفان", "Honey and oat soap", "للبشرة الجافة.", 2000, 25},
			{3, "صابون الغار", "Laurel soap", "بزيت الغار.", 2500, 0},
			{3, "علبة هدايا صابون", "Soap gift box", "أربعة قوالب مشكلة.", 7500, 5},
			{3, "صابون بالطين الأحمر", "Red clay soap", "قالب للتنظيف العميق.", 2000, 10},
			{3, "زيت الزيتون للعناية", "Olive care oil", "زجاجة مئة مل.", 4000, 7},
		}},
	{"نول أم خالد", "Umm Khalid's loom", "تنسج أم خالد السجاد والبسط من صوف الغنم على النول اليدوي كما تعلّمته في البادية.",
		"Umm Khalid weaves rugs from sheep's wool on a hand loom as she learned in the desert.", "نسيج يدوي", true, false, true,
		[]demoProduct{
			{4, "سجادة صوف", "Wool rug", "سجادة بطول مترين بألوان طبيعية.", 95000, 1},
			{4, "بساط بدوي مخطط", "Striped Bedouin rug", "بساط للأرض بخطوط حمراء.", 60000, 2},
			{4, "خُرج منسوج", "Woven saddlebag", "خرج مزدوج يصلح للزينة.", 30000, 0},
			{4, "حزام منسوج", "Woven belt", "حزام صوف ملون.", 5000, 10},
			{4, "وسادة أرضية منسوجة", "Woven floor cushion", "وسادة محشوة بالصوف.", 20000, 3},
			{0, "حقيبه صغيره منسوجه", "Small woven bag", "حقيبة كتف صغيرة.", 9000, 4},
		}},
}

// demoPhoto draws a product's photo: a coloured ground by category with
// shapes that vary by product, as a PNG.
func demoPhoto(cat, n int) []byte {
	grounds := []color.RGBA{{0xb8, 0x3b, 0x3b, 0xff}, {0xb5, 0x6a, 0x2e, 0xff}, {0x6f, 0x8f, 0x3a, 0xff}, {0xd9, 0xc9, 0x8c, 0xff}, {0x4f, 0x5d, 0x8a, 0xff}}
	g := grounds[cat%len(grounds)]
	img := image.NewRGBA(image.Rect(0, 0, 800, 800))
	draw.Draw(img, img.Rect, &image.Uniform{color.RGBA{0xf4, 0xee, 0xe2, 0xff}}, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(100, 100, 700, 700), &image.Uniform{g}, image.Point{}, draw.Src)
	light := color.RGBA{uint8(min(int(g.R)+70, 255)), uint8(min(int(g.G)+70, 255)), uint8(min(int(g.B)+70, 255)), 0xff}
	for i := range 3 + n%4 {
		step := 600 / (4 + n%4)
		x := 100 + step/2 + i*step
		draw.Draw(img, image.Rect(x, 160+(i%2)*40, x+step/2, 640-(i%2)*40), &image.Uniform{light}, image.Point{}, draw.Src)
	}
	// a circle, the product's mark
	cx, cy, r := 400, 400, 80+20*(n%3)
	for y := cy - r; y <= cy+r; y++ {
		for x := cx - r; x <= cx+r; x++ {
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r {
				img.Set(x, y, color.RGBA{0xfa, 0xf7, 0xf0, 0xff})
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// The orders' demo step orders from the market's own products: the first
// shop's in stock (one family with an account) and another shop's.
func init() { orderCatalog = OrderProducts }

// OrderProducts returns the market's catalog over d and the JO products the
// demo's orders are placed on: the first is the product of the family with
// a seller's account.
func OrderProducts(ctx context.Context, d *db.DB) (develop.Catalog, []develop.Product, error) {
	{
		s := market.New(d, market.Options{})
		jo, err := member.New(d).Get(ctx, "JO")
		if err != nil {
			return nil, nil, err
		}
		ps, err := s.Products(ctx, market.ProductFilter{MemberID: jo.ID, Limit: 200})
		if err != nil {
			return nil, nil, err
		}
		cat := s.Catalog()
		// The first product is ordered most (about ten pieces): the
		// best-stocked first.
		slices.SortStableFunc(ps, func(a, b market.Product) int { return cmp.Compare(b.Stock, a.Stock) })
		var out []develop.Product
		shops := map[int64]int{}
		for _, p := range ps {
			if len(out) == 3 {
				break
			}
			dp, err := cat.Product(ctx, p.ID)
			if err != nil || !dp.Active || dp.Stock < 5 || shops[dp.ShopID] >= 2 || len(shops) == 2 && shops[dp.ShopID] == 0 {
				continue // hidden, out of stock, or a third shop
			}
			shops[dp.ShopID]++
			out = append(out, dp)
		}
		return cat, out, nil
	}
}

func loadMarket(ctx context.Context, d *db.DB, progress func(string)) error {
	ctx = actor.System(ctx)
	jo, err := member.New(d).Get(ctx, "JO")
	if err != nil {
		return err
	}
	reg := registry.New(d)
	s := market.New(d, market.Options{Registry: reg})
	page, err := reg.ListHouseholds(ctx, registry.HouseholdQuery{MemberID: jo.ID, Limit: 200})
	if err != nil {
		return err
	}
	// one household per governorate first, so the shops spread
	var hhs []registry.Household
	seen := map[string]bool{}
	for _, h := range page.Households {
		if h.Governorate != "" && !seen[h.Governorate] {
			seen[h.Governorate] = true
			hhs = append(hhs, h)
		}
	}
	for _, h := range page.Households {
		if len(hhs) >= len(demoShops) {
			break
		}
		if !containsHH(hhs, h.ID) {
			hhs = append(hhs, h)
		}
	}
	if len(hhs) < len(demoShops) {
		return fmt.Errorf("market: %d JO households, want %d", len(hhs), len(demoShops))
	}
	cats := make([]market.Category, len(demoCategories))
	for i, c := range demoCategories {
		c.MemberID = jo.ID
		if cats[i], err = s.AddCategory(ctx, c); err != nil {
			return fmt.Errorf("market category %s: %w", c.Code, err)
		}
	}
	given := d.Now().In(jo.Location()).AddDate(0, 0, -20).Format(time.DateOnly)
	n := 0
	for i, sh := range demoShops {
		h, err := s.OpenShop(ctx, market.ShopInput{MemberID: jo.ID, HouseholdID: hhs[i].ID, NameAR: sh.ar, NameEN: sh.en, StoryAR: sh.storyAR, StoryEN: sh.storyEN,
			Crafts: sh.crafts, Pickup: sh.pickup, Delivery: sh.delivery, Shipping: sh.shipping,
			Consent: market.Consent{GivenBy: "ربة الأسرة", GivenOn: given, Scope: market.ConsentScope}})
		if err != nil {
			return fmt.Errorf("market shop %s: %w", sh.ar, err)
		}
		if h, err = s.SetStatus(ctx, h.ID, market.Open, h.Version); err != nil {
			return err
		}
		for _, p := range sh.products {
			pr, err := s.AddProduct(ctx, market.ProductInput{ShopID: h.ID, CategoryID: cats[p.cat].ID, NameAR: p.ar, NameEN: p.en, DescriptionAR: p.descAR,
				Price: p.price, Stock: p.stock, Active: true})
			if err != nil {
				return fmt.Errorf("market product %s: %w", p.ar, err)
			}
			if _, err := s.AddPhoto(ctx, pr.ID, market.File{Name: fmt.Sprintf("demo-%d.png", n), Body: bytes.NewReader(demoPhoto(p.cat, n))}); err != nil {
				return fmt.Errorf("market photo %s: %w", p.ar, err)
			}
			n++
		}
		progress(fmt.Sprintf("market: shop %s", sh.en))
	}
	// one product hidden by the moderator, for the moderation queue
	ps, err := s.Products(ctx, market.ProductFilter{MemberID: jo.ID, Limit: 10})
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.NameEN == "Woven belt" {
			_, err = s.Hide(ctx, p.ID, true, "الصورة لا تطابق المنتج؛ بانتظار صورة جديدة من الأسرة", p.Version)
		}
	}
	return err
}

func containsHH(hs []registry.Household, id int64) bool {
	for _, h := range hs {
		if h.ID == id {
			return true
		}
	}
	return false
}
