package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// marketJS measures a storefront page as drawn: wider than the viewport,
// resources from another host, raw catalog keys, Latin words on an Arabic
// page (outside code and dir=ltr), images without lazy loading below the
// first, and the images' natural widths against their drawn widths.
const marketJS = `(() => { const out = {};
  out.overflow = document.documentElement.scrollWidth > window.innerWidth + 1;
  out.outside = performance.getEntriesByType('resource').map(e => e.name).filter(u => !u.startsWith(location.origin));
  out.keys = (document.body.innerText.match(/\bmarket\.[a-z_.]+/g) || []);
  out.dir = document.documentElement.dir;
  const main = document.querySelector('main').cloneNode(true); main.querySelectorAll('code, pre, [dir=ltr]').forEach(e => e.remove());
  out.latin = (main.textContent.match(/[A-Za-z][A-Za-z.]+/g) || []);
  const imgs = [...document.querySelectorAll('main img')];
  out.images = imgs.length;
  out.eager = imgs.slice(1).filter(i => i.loading !== 'lazy').length;
  out.nosrcset = imgs.filter(i => !i.srcset).length;
  out.bytes = performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation')).reduce((s, e) => s + (e.transferSize || 0), 0);
  return JSON.stringify(out); })()`

// TestBrowserMarket opens the public storefront — the home page, a search
// with a spelling variant ("حقيبه" finds "حقيبة"), a product page and a
// shop page — in Arabic and English at 390 and 1280 px, then the
// moderator's shops and product pages: nothing wider than the phone,
// nothing from another host, no raw key, no English on Arabic pages,
// photos lazy with a srcset. Screenshots go to TADAMUN_SCREENSHOTS.
func TestBrowserMarket(t *testing.T) {
	ctx := newBrowserContext(t)
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	base := ts.URL
	ce := watchConsole(ctx)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			failShot(t, ctx, what)
			t.Fatalf("%s: %v", what, err)
		}
		if errs := ce.take(); len(errs) > 0 {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
	}
	text := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		return stripBidi.Replace(s)
	}
	check := func(name, lang string, wantImages bool) {
		t.Helper()
		js, err := chromedp.Run(ctx, chromedp.Evaluate[string](marketJS))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var m struct {
			Overflow                bool
			Outside, Keys, Latin    []string
			Dir                     string
			Images, Eager, Nosrcset int
			Bytes                   int
		}
		if err := json.Unmarshal([]byte(js), &m); err != nil {
			t.Fatal(err)
		}
		if m.Overflow || len(m.Outside) > 0 || len(m.Keys) > 0 || m.Eager > 0 {
			t.Errorf("%s: %s", name, js)
		}
		if wantImages && (m.Images == 0 || m.Nosrcset > 0) {
			t.Errorf("%s: images %d, without srcset %d", name, m.Images, m.Nosrcset)
		}
		if lang == "ar" && len(m.Latin) > 0 {
			t.Errorf("%s: English on an Arabic page: %q", name, m.Latin)
		}
		if want := map[string]string{"ar": "rtl", "en": "ltr"}[lang]; m.Dir != want {
			t.Errorf("%s: dir %q", name, m.Dir)
		}
		t.Logf("%s: %d images, %d KiB transferred", name, m.Images, m.Bytes/1024)
	}
	bag := joValue(t, d, `SELECT MIN(id) FROM market_products WHERE name_ar = 'حقيبة مطرزة يدوياً'`)
	shop := joValue(t, d, `SELECT shop_id FROM market_products WHERE id = ?`, bag)
	search := "/market?q=" + "%D8%AD%D9%82%D9%8A%D8%A8%D9%87" // حقيبه
	for _, lang := range []string{"ar", "en"} {
		for _, w := range []int64{390, 1280} {
			for _, p := range []struct{ name, path, wait string }{
				{"home", "/market", ".market-grid"},
				{"search", search, ".market-grid"},
				{"product", "/market/products/" + bag, ".market-photos"},
				{"shop", "/market/shops/" + shop, ".market-grid"},
			} {
				name := fmt.Sprintf("market-%s-%s-%d", p.name, lang, w)
				do(name, chromedp.EmulateViewport(w, 844), chromedp.Navigate(base+"/lang?to="+lang+"&next="+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
				check(name, lang, true)
				if p.name == "search" {
					s := text()
					for _, want := range []string{"حقيبة مطرزة يدوياً", "حقيبه صغيره منسوجه", "الحقيبة الكبيرة للسوق"} {
						if lang == "ar" && !strings.Contains(s, want) {
							t.Errorf("%s: %q not found: %.500q", name, want, s)
						}
					}
				}
				if p.name == "product" {
					// the order capability's pages are linked once it serves them
					n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('a[href$="/order"], a[href$="/inquiry"]').length`))
					if err != nil || n > 2 {
						t.Errorf("%s: %d order links: %v", name, n, err)
					}
				}
				marketShot(t, ctx, name, w)
			}
		}
	}
	// The moderator's pages.
	do("sign in", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.market"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	for _, lang := range []string{"ar", "en"} {
		for _, p := range []struct{ name, path string }{
			{"staff-shops", "/crafts"}, {"staff-shop", "/crafts/shops/" + shop}, {"staff-product", "/crafts/products/" + bag},
			{"staff-new", "/crafts/shops/new"}, {"staff-moderation", "/crafts/moderation"},
		} {
			name := fmt.Sprintf("market-%s-%s-390", p.name, lang)
			do(name, chromedp.Navigate(base+"/lang?to="+lang+"&next="+p.path), chromedp.WaitVisible(chromedp.CSS("h1")))
			if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
				t.Errorf("%s: elements outside the page width: %v %v", name, out, err)
			}
			marketShot(t, ctx, name, 390)
		}
	}
	// A shop for a household without consent is refused, nothing written.
	ref := joValue(t, d, `SELECT household_ref FROM households WHERE member_id = (SELECT id FROM members WHERE code = 'JO') AND id NOT IN (SELECT household_id FROM market_shops) ORDER BY id LIMIT 1`)
	before := joValue(t, d, `SELECT COUNT(*) FROM market_shops`)
	do("no consent form", chromedp.Navigate(base+"/lang?to=ar&next=/crafts/shops/new"), chromedp.WaitVisible(chromedp.CSS("#f-household_ref")))
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err := chromedp.Do(sctx, chromedp.SetValue(chromedp.CSS("#f-household_ref"), ref), chromedp.SetValue(chromedp.CSS("#f-name_ar"), "متجر بلا موافقة"),
		chromedp.Submit(chromedp.CSS("#f-name_ar")), chromedp.WaitVisible(chromedp.CSS(".message.bad")))
	cancel()
	if err != nil {
		failShot(t, ctx, "no consent")
		t.Fatalf("no consent: %v", err)
	}
	ce.take() // the refusal's 422, which the browser logs
	if s := text(); !strings.Contains(s, "موافقة") {
		t.Errorf("no consent: %.400q", s)
	}
	if after := joValue(t, d, `SELECT COUNT(*) FROM market_shops`); after != before {
		t.Errorf("a shop without consent was written: %s → %s", before, after)
	}
	marketShot(t, ctx, "market-staff-noconsent-ar-390", 390)
}

// marketShot saves a full-page screenshot at width w (the viewport stays
// w wide) when TADAMUN_SCREENSHOTS names a directory.
func marketShot(t *testing.T, ctx context.Context, name string, w int64) {
	dir := os.Getenv("TADAMUN_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	_ = os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}
