package market

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

// TestShopConsent: a shop is refused without the family's recorded
// consent, for another member's household and twice for one household;
// its area is the household's governorate and district, never its address.
func TestShopConsent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := ShopInput{MemberID: f.jo, HouseholdID: f.joHH, NameAR: "بيت التطريز", Pickup: true}
		before := count(t, d, `SELECT COUNT(*) FROM audit_records`)
		_, err := f.s.OpenShop(f.mod, in)
		wantKey(t, err, "market.consent_given_by")
		wantKey(t, err, "market.consent_scope")
		in.Consent = Consent{GivenBy: "أم محمد", GivenOn: "2027-02-20", Scope: "something_else"}
		_, err = f.s.OpenShop(f.mod, in)
		wantKey(t, err, "market.consent_scope")
		if n := count(t, d, `SELECT COUNT(*) FROM market_shops`); n != 0 {
			t.Fatalf("%d shops written without consent", n)
		}
		if after := count(t, d, `SELECT COUNT(*) FROM audit_records`); after != before {
			t.Fatal("a refused shop was audited")
		}
		in.Consent = consent()
		other := in
		other.HouseholdID = f.egHH
		_, err = f.s.OpenShop(f.mod, other)
		wantCode(t, err, errs.NotFound)
		_, err = f.s.OpenShop(f.view, in)
		wantCode(t, err, errs.Forbidden)
		h, err := f.s.OpenShop(f.mod, in)
		if err != nil {
			t.Fatal(err)
		}
		if h.Status != Draft || h.Governorate != "AM" || h.District != "AM01" || h.Consent.RecordedBy == 0 {
			t.Fatalf("shop %+v", h)
		}
		_, err = f.s.OpenShop(f.mod, in)
		wantCode(t, err, errs.Conflict)
		if _, err := f.s.Shop(f.egMod, h.ID); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("EG read JO's shop: %v", err)
		}
		if _, err := f.s.PublicShop(f.public, h.ID); errs.CodeOf(err) != errs.NotFound {
			t.Fatal("a draft shop is public")
		}
		h, err = f.s.SetStatus(f.mod, h.ID, Open, h.Version)
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.s.PublicShop(f.public, h.ID)
		if err != nil || p.HouseholdID != 0 || p.Consent.GivenBy != "" {
			t.Fatalf("public shop %+v %v", p, err)
		}
		if _, err := f.s.SetStatus(f.mod, h.ID, Draft, h.Version); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("open → draft: %v", err)
		}
		if _, err := f.s.SetStatus(f.mod, h.ID, Paused, h.Version-1); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("stale version: %v", err)
		}
	})
}

// TestSearchArabic: the storefront's search folds ة/ه, hamza and alef
// forms, tatweel, diacritics and the article; filters and sorts; never
// shows a hidden product or one of a paused shop.
func TestSearchArabic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		h := f.shop(t, f.joHH, "مشغل أم أحمد")
		hh2 := mustHousehold(t, d, f.jo, "H-2", "IR", "")
		h2 := f.shop(t, hh2, "بيت الفخار")
		bag := f.product(t, h.ID, "حقيبة مطرزة يدوياً", 2500, 3)
		f.product(t, h.ID, "الحقيبة الكبيرة", 9000, 1)
		pot := f.product(t, h2.ID, "إبريق فخّار", 4000, 0)
		f.product(t, h2.ID, "سجادة صوف", 30000, 2)
		ids := func(q Query) []int64 {
			t.Helper()
			r, err := f.s.Search(f.public, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, l := range r.Items {
				out = append(out, l.ID)
			}
			if r.Total != len(out) {
				t.Fatalf("total %d, items %d", r.Total, len(out))
			}
			return out
		}
		for _, q := range []string{"حقيبه", "حقيبة", "حـقـيـبـة", "حَقِيبَة", "الحقيبه", "حقي"} {
			if got := ids(Query{Text: q}); len(got) != 2 {
				t.Errorf("%q found %v, want both bags", q, got)
			}
		}
		for _, q := range []string{"ابريق", "أبريق", "فخار", "بيت الفخار"} {
			if got := ids(Query{Text: q}); len(got) == 0 || got[0] != pot.ID {
				t.Errorf("%q found %v, want the jug first", q, got)
			}
		}
		if got := ids(Query{Text: "حقيبة", MaxPrice: 3000}); len(got) != 1 || got[0] != bag.ID {
			t.Errorf("price filter: %v", got)
		}
		if got := ids(Query{Governorate: "IR"}); len(got) != 2 {
			t.Errorf("area filter: %v", got)
		}
		if got := ids(Query{Sort: SortPriceLow}); len(got) != 4 || got[0] != bag.ID {
			t.Errorf("price sort: %v", got)
		}
		// a renamed product leaves its old words behind
		renamed, err := f.s.UpdateProduct(f.mod, pot.ID, ProductInput{NameAR: "صحن نحاس", Price: 4000, Active: true}, pot.Version)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(Query{Text: "ابريق"}); len(got) != 0 {
			t.Errorf("the old name still finds it: %v", got)
		}
		if got := ids(Query{Text: "نحاس"}); len(got) != 1 || got[0] != renamed.ID {
			t.Errorf("the new name: %v", got)
		}
		if _, err := f.s.Hide(f.mod, bag.ID, true, "", bag.Version); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("hide without a reason: %v", err)
		}
		if _, err := f.s.Hide(f.mod, bag.ID, true, "صورة غير لائقة", bag.Version); err != nil {
			t.Fatal(err)
		}
		if got := ids(Query{Text: "حقيبه"}); len(got) != 1 {
			t.Errorf("a hidden product was found: %v", got)
		}
		if _, _, err := f.s.PublicProduct(f.public, bag.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("a hidden product is public: %v", err)
		}
		if _, err := f.s.SetStatus(f.mod, h2.ID, Paused, h2.Version); err != nil {
			t.Fatal(err)
		}
		if got := ids(Query{Text: "فخار"}); len(got) != 0 {
			t.Errorf("a paused shop's product was found: %v", got)
		}
		// a fresh service (another server) builds the same index
		if r, err := New(d, Options{}).Search(f.public, Query{}); err != nil || r.Total != 1 {
			t.Errorf("fresh index: %d %v", r.Total, err)
		}
	})
}

// exifJPEG is a JPEG with an APP1 EXIF segment holding a GPS IFD.
func exifJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	// TIFF: big endian, IFD0 with one entry GPSInfo → GPS IFD with
	// GPSLatitudeRef "N".
	var tiff bytes.Buffer
	be := binary.BigEndian
	tiff.WriteString("MM\x00\x2a")
	binary.Write(&tiff, be, uint32(8))
	binary.Write(&tiff, be, uint16(1))
	binary.Write(&tiff, be, [2]uint16{0x8825, 4})
	binary.Write(&tiff, be, [2]uint32{1, 26})
	binary.Write(&tiff, be, uint32(0))
	binary.Write(&tiff, be, uint16(1))
	binary.Write(&tiff, be, [2]uint16{0x0001, 2})
	binary.Write(&tiff, be, uint32(2))
	tiff.WriteString("N\x00\x00\x00")
	binary.Write(&tiff, be, uint32(0))
	tiff.WriteString("GPS 31.95N 35.91E")
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, buf.Bytes()[2:]...)
}

// TestPhotos: an upload that is not an image, too many bytes or too many
// pixels is refused and nothing is stored; a JPEG with GPS EXIF is stored
// at the standard sizes without any metadata; a PNG is accepted.
func TestPhotos(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		h := f.shop(t, f.joHH, "مشغل")
		p := f.product(t, h.ID, "حقيبة", 2500, 3)
		src := exifJPEG(t, 1600, 900)
		if _, _, err := image.Decode(bytes.NewReader(src)); err != nil || !bytes.Contains(src, []byte("Exif")) {
			t.Fatalf("the test JPEG: %v", err)
		}
		_, err := f.s.AddPhoto(f.mod, p.ID, File{Name: "x.jpg", Body: strings.NewReader("<html>not an image</html>")})
		wantKey(t, err, "market.photo_invalid")
		_, err = f.s.AddPhoto(f.mod, p.ID, File{Name: "big.jpg", Body: bytes.NewReader(make([]byte, MaxPhotoBytes+1))})
		wantKey(t, err, "market.photo_too_large")
		// a PNG header claiming 20000×20000 pixels: refused before decoding
		var bomb bytes.Buffer
		png.Encode(&bomb, image.NewGray(image.Rect(0, 0, 1, 1)))
		b := bomb.Bytes()
		binary.BigEndian.PutUint32(b[16:], 20000)
		binary.BigEndian.PutUint32(b[20:], 20000)
		_, err = f.s.AddPhoto(f.mod, p.ID, File{Name: "bomb.png", Body: bytes.NewReader(b)})
		wantKey(t, err, "market.photo_invalid")
		if n := count(t, d, `SELECT COUNT(*) FROM market_photos`); n != 0 {
			t.Fatalf("%d photos stored from refused uploads", n)
		}
		_, err = f.s.AddPhoto(f.egMod, p.ID, File{Name: "a.jpg", Body: bytes.NewReader(src)})
		wantCode(t, err, errs.NotFound)
		ph, err := f.s.AddPhoto(f.mod, p.ID, File{Name: "a.jpg", Body: bytes.NewReader(src)})
		if err != nil {
			t.Fatal(err)
		}
		if ph.Width != 1200 || ph.Height != 675 {
			t.Fatalf("stored %dx%d, want 1200x675", ph.Width, ph.Height)
		}
		for _, size := range Sizes {
			pf, err := f.s.PhotoFile(f.public, ph.ID, size, true)
			if err != nil {
				t.Fatal(err)
			}
			if max(pf.Width, pf.Height) != size || pf.ETag == "" {
				t.Errorf("size %d: %dx%d", size, pf.Width, pf.Height)
			}
			if bytes.Contains(pf.Content, []byte("Exif")) || bytes.Contains(pf.Content, []byte("GPS")) || bytes.Contains(pf.Content, []byte{0xFF, 0xE1}) {
				t.Errorf("size %d kept the EXIF", size)
			}
			if _, err := jpeg.Decode(bytes.NewReader(pf.Content)); err != nil {
				t.Errorf("size %d: %v", size, err)
			}
		}
		var small bytes.Buffer
		png.Encode(&small, image.NewNRGBA(image.Rect(0, 0, 300, 200)))
		ph2, err := f.s.AddPhoto(f.mod, p.ID, File{Name: "s.png", Body: &small})
		if err != nil || ph2.Width != 300 {
			t.Fatalf("small PNG: %+v %v", ph2, err)
		}
		if _, err := f.s.Hide(f.mod, p.ID, true, "سبب", p.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.PhotoFile(f.public, ph.ID, 600, true); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("a hidden product's photo is public: %v", err)
		}
		if _, err := f.s.PhotoFile(f.mod, ph.ID, 600, false); err != nil {
			t.Errorf("staff read: %v", err)
		}
	})
}

// TestReserve: the catalog takes and puts back stock; more than the stock
// is refused with market.out_of_stock and nothing changes.
func TestReserve(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		h := f.shop(t, f.joHH, "مشغل")
		p := f.product(t, h.ID, "حقيبة", 2500, 2)
		c := f.s.Catalog()
		ctx := context.Background()
		got, err := c.Product(ctx, p.ID)
		if err != nil || !got.Active || got.HouseholdID != f.joHH || got.Currency != "JOD" || got.Stock != 2 {
			t.Fatalf("%+v %v", got, err)
		}
		err = d.Tx(ctx, func(tx *db.Tx) error {
			_, err := c.ReserveTx(ctx, tx, p.ID, 3)
			return err
		})
		wantKey(t, err, "market.out_of_stock")
		err = d.Tx(ctx, func(tx *db.Tx) error {
			got, err = c.ReserveTx(ctx, tx, p.ID, 2)
			return err
		})
		if err != nil || got.Stock != 0 {
			t.Fatalf("%+v %v", got, err)
		}
		if err := d.Tx(ctx, func(tx *db.Tx) error { return c.ReleaseTx(ctx, tx, p.ID, 1) }); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT stock FROM market_products WHERE id = ?`, p.ID); n != 1 {
			t.Fatalf("stock %d, want 1", n)
		}
		// the database refuses a negative stock too
		err = d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE market_products SET stock = -1 WHERE id = ?`, p.ID)
			return err
		})
		if err == nil {
			t.Fatal("a negative stock was written")
		}
	})
}

// TestLastItemRace: two buyers reserve the last item at once on
// PostgreSQL; exactly one wins and the stock ends at zero.
func TestLastItemRace(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		if dl != db.Postgres {
			continue
		}
		t.Run(string(dl), func(t *testing.T) {
			d := dbtest.Open(t, dl)
			f := newFixture(t, d)
			h := f.shop(t, f.joHH, "مشغل")
			p := f.product(t, h.ID, "حقيبة", 2500, 1)
			c := f.s.Catalog()
			ctx := context.Background()
			var wg sync.WaitGroup
			var finished atomic.Int32
			out := make([]error, 2)
			dbtest.HoldUntilWaiting(t, d, 2, `SELECT id FROM market_products WHERE id = ? FOR UPDATE`, []any{p.ID}, func() {
				for i := range out {
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer finished.Add(1)
						out[i] = d.TxOnce(ctx, func(tx *db.Tx) error {
							_, err := c.ReserveTx(ctx, tx, p.ID, 1)
							return err
						})
					}()
				}
			}, func() bool { return finished.Load() > 0 })
			wg.Wait()
			won := 0
			for _, err := range out {
				switch {
				case err == nil:
					won++
				case errs.As(err) == nil || errs.As(err).Key != "market.out_of_stock":
					t.Fatalf("loser: %v", err)
				}
			}
			if won != 1 {
				t.Fatalf("%d buyers won the last item", won)
			}
			if n := count(t, d, `SELECT stock FROM market_products WHERE id = ?`, p.ID); n != 0 {
				t.Fatalf("stock %d", n)
			}
		})
	}
}

// TestImport: a products file is taken whole or not at all, and every bad
// cell is named by row and column; Arabic headers and digits are read.
func TestImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		h := f.shop(t, f.joHH, "مشغل")
		if _, err := f.s.AddCategory(f.mod, Category{MemberID: f.jo, Code: "bags", NameAR: "حقائب", NameEN: "Bags"}); err != nil {
			t.Fatal(err)
		}
		bad := "name_ar,price,stock,category,active\nحقيبة,12.5,3,bags,yes\n,abc,-1,shoes,maybe\nشال,7,2,,\n"
		_, err := f.s.ImportProducts(f.mod, f.jo, h.ID, "p.csv", strings.NewReader(bad), nil)
		e := errs.As(err)
		if e == nil || e.Key != "market.import_invalid" {
			t.Fatalf("bad file: %v", err)
		}
		got := map[string]bool{}
		for _, fe := range e.Fields {
			got[fe.Field+"@"+strconv.Itoa(fe.Row)] = true
		}
		for _, w := range []string{"name_ar@3", "price@3", "stock@3", "category@3", "active@3"} {
			if !got[w] {
				t.Errorf("no error for %s in %v", w, e.Fields)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM market_products`); n != 0 {
			t.Fatalf("%d products written from a bad file", n)
		}
		good := "الاسم بالعربية,السعر,الكمية,الفئة\nحقيبة,١٢٫٥,٣,bags\nشال,7,2,\n"
		res, err := f.s.ImportProducts(f.mod, f.jo, h.ID, "p.csv", strings.NewReader(good), nil)
		if err != nil || res.Products != 2 {
			t.Fatalf("%+v %v", res, err)
		}
		if n := count(t, d, `SELECT price FROM market_products WHERE name_ar = 'حقيبة'`); n != 12500 {
			t.Fatalf("price %d, want 12500 fils", n)
		}
		if _, err = f.s.ImportProducts(f.egMod, f.jo, h.ID, "p.csv", strings.NewReader(good), nil); err == nil {
			t.Fatal("EG's moderator imported into JO's shop")
		}
	})
}

// TestTopK: the bounded heap gives the same first k as a full sort.
func TestTopK(t *testing.T) {
	var hits []hit
	for i := range 5000 {
		hits = append(hits, hit{i: int32((i * 7919) % 5000)})
	}
	before := func(a, b hit) bool { return a.i%97 < b.i%97 || a.i%97 == b.i%97 && a.i < b.i }
	want := slices.Clone(hits)
	slices.SortFunc(want, func(a, b hit) int {
		if before(a, b) {
			return -1
		}
		return 1
	})
	got := topK(slices.Clone(hits), 30, before)
	if len(got) != len(hits) || !slices.Equal(got[:30], want[:30]) {
		t.Fatalf("got %v, want %v", got[:30], want[:30])
	}
}
