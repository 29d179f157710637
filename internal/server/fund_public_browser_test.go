package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/db"
)

// fundJS measures the fund pages as drawn: whether the first bar chart's
// bars stand on the reading side of their labels, texts outside the
// chart's viewBox, the page wider than the phone, resources from another
// host, and raw catalog keys left in the text.
const fundJS = `(() => { const out = {};
  const s = document.querySelector('svg.chart rect.chart-bar') ? document.querySelector('rect.chart-bar').closest('svg') : null;
  if (s) { const g = s.querySelector('rect.chart-bar').closest('g'); const label = g.querySelectorAll('text')[0].getBBox(), bar = g.querySelector('rect').getBBox();
    out.barsRight = bar.x >= label.x + label.width - 1; out.barsLeft = bar.x + bar.width <= label.x + 1;
    const vb = s.viewBox.baseVal; out.clipped = []; s.querySelectorAll('text').forEach(t => { const b = t.getBBox(); if (b.x < -0.5 || b.x + b.width > vb.width + 0.5) out.clipped.push(t.textContent); }); }
  out.charts = document.querySelectorAll('svg.chart').length;
  out.overflow = document.documentElement.scrollWidth > window.innerWidth + 1;
  out.outside = performance.getEntriesByType('resource').map(e => e.name).filter(u => !u.startsWith(location.origin));
  out.keys = (document.body.innerText.match(/\bfund_public\.[a-z_.]+/g) || []);
  out.dir = document.documentElement.dir;
  const main = document.querySelector('main').cloneNode(true); main.querySelectorAll('code, pre, [dir=ltr]').forEach(e => e.remove());
  out.latin = (main.textContent.match(/[A-Za-z][A-Za-z.]+/g) || []).filter(w => !['Amal', 'Trading', 'Co.', 'curl', 'http', 'api', 'audit'].includes(w));
  return JSON.stringify(out); })()`

// TestBrowserFundPublic opens the public fund ledger and a campaign page
// in Chromium, in Arabic and English, on a phone: charts mirrored right to
// left, nothing clipped or wider than the phone, nothing loaded from
// another host, no raw key. TADAMUN_SCREENSHOTS keeps the screenshots.
func TestBrowserFundPublic(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts, svc := fundServer(t, d)
	ps, _, err := svc.FundPublic.Postings(context.Background(), "JO", 0, 5)
	if err != nil {
		t.Fatal(err)
	}
	proof := ""
	for _, p := range ps {
		if p.AuditSeq >= 0 {
			proof = "/portal/fund/postings/" + strconv.FormatInt(p.ID, 10)
		}
	}
	ctx := newBrowserContext(t)
	for _, lang := range []string{"ar", "en"} {
		for _, p := range []struct{ name, path, wait string }{
			{"fund", "/portal/fund?member=JO", "svg.chart"},
			{"campaign", "/portal/fund/campaigns/1", "progress"},
			{"receipt", "/portal/fund/receipt", "form"},
			{"campaigns", "/portal/fund/campaigns", ".cards"},
			{"proof", proof, "dl.facts"},
		} {
			name := fmt.Sprintf("fund-public-%s-%s", p.name, lang)
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := chromedp.Do(sctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next="+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
			if err != nil {
				cancel()
				t.Fatalf("%s: %v", name, err)
			}
			js, err := chromedp.Run(sctx, chromedp.Evaluate[string](fundJS))
			cancel()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			shot(t, ctx, name)
			var m struct {
				BarsRight, BarsLeft, Overflow bool
				Clipped, Outside, Keys, Latin []string
				Charts                        int
				Dir                           string
			}
			if err := json.Unmarshal([]byte(js), &m); err != nil {
				t.Fatal(err)
			}
			if p.name == "fund" && m.Charts < 4 {
				t.Errorf("%s: %d charts", name, m.Charts)
			}
			if m.Charts > 0 && (lang == "ar" && !m.BarsLeft || lang == "en" && !m.BarsRight) {
				t.Errorf("%s: bars not on the reading side of their labels (%s)", name, js)
			}
			if len(m.Clipped) > 0 || m.Overflow || len(m.Outside) > 0 || len(m.Keys) > 0 {
				t.Errorf("%s: %s", name, js)
			}
			if lang == "ar" && len(m.Latin) > 0 {
				t.Errorf("%s: English on an Arabic page: %q", name, m.Latin)
			}
			if want := map[string]string{"ar": "rtl", "en": "ltr"}[lang]; m.Dir != want {
				t.Errorf("%s: dir %q", name, m.Dir)
			}
		}
	}
}
