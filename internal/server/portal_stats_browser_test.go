package server

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/db"
)

// chartJS measures the portal's chart as drawn: texts outside the viewBox
// (a clipped "222"), the font size in CSS pixels, whether the bars stand
// on the right of the labels or on their left, and whether a column header
// of the coverage table lines up with its numbers.
const chartJS = `(() => { const s = document.querySelector('svg.chart'); const vb = s.viewBox.baseVal; const out = [];
  s.querySelectorAll('text').forEach(t => { const b = t.getBBox(); if (b.x < -0.5 || b.x + b.width > vb.width + 0.5) out.push(t.textContent); });
  const g = s.querySelector('g'); const label = g.querySelectorAll('text')[0].getBBox(), bar = g.querySelector('rect').getBBox();
  const th = document.querySelector('#sdg + p + .table-wrap thead th:nth-child(2)').getBoundingClientRect();
  const td = document.querySelector('#sdg + p + .table-wrap tbody td').getBoundingClientRect();
  const cell = document.querySelector('#sdg + p + .table-wrap tbody td');
  const r = document.createRange(); r.selectNodeContents(cell); const num = r.getBoundingClientRect();
  const thr = document.createRange(); thr.selectNodeContents(document.querySelector('#sdg + p + .table-wrap thead th:nth-child(2)')); const head = thr.getBoundingClientRect();
  return JSON.stringify({clipped: out, px: 16 * s.getBoundingClientRect().width / vb.width,
    barsRight: bar.x >= label.x + label.width - 1, barsLeft: bar.x + bar.width <= label.x + 1,
    endGap: document.dir === 'rtl' ? Math.abs(num.left - head.left) : Math.abs(num.right - head.right),
    overflow: document.documentElement.scrollWidth > window.innerWidth + 1}); })()`

// TestPortalStatisticsChartReadable opens the portal's statistics in
// Chromium in Arabic and English, on a desktop (1280 px) and a phone
// (390 px), and checks that no value label of the chart is clipped, that
// the chart is mirrored right to left in Arabic (labels on the right, bars
// growing leftwards), that its text is at least 11 CSS pixels on the
// phone, that the page is no wider than the phone, and that the coverage
// table's numbers end where their header ends. Before, "222" was cut to
// "22", Arabic bars grew from the left, the phone drew 6-pixel text, and
// headers stood at the start of their columns while numbers stood at the
// end.
func TestPortalStatisticsChartReadable(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	statisticsReady(t, d)
	ctx := newBrowserContext(t)
	for _, lang := range []string{"ar", "en"} {
		for _, w := range []int64{1280, 390} {
			name := fmt.Sprintf("portal-stats-%s-%d", lang, w)
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := chromedp.Do(sctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next=/portal/statistics"), chromedp.WaitVisible(chromedp.CSS("svg.chart")))
			if err != nil {
				cancel()
				t.Fatalf("%s: %v", name, err)
			}
			js, err := chromedp.Run(sctx, chromedp.Evaluate[string](chartJS))
			cancel()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			shot(t, ctx, name)
			var m struct {
				Clipped             []string
				Px, EndGap          float64
				BarsRight, BarsLeft bool
				Overflow            bool
			}
			if err := json.Unmarshal([]byte(js), &m); err != nil {
				t.Fatal(err)
			}
			if len(m.Clipped) > 0 {
				t.Errorf("%s: chart texts clipped: %q", name, m.Clipped)
			}
			if lang == "ar" && !m.BarsLeft || lang == "en" && !m.BarsRight {
				t.Errorf("%s: bars not on the reading side of their labels (%s)", name, js)
			}
			if m.Px < 11 {
				t.Errorf("%s: chart text %.1f px, want at least 11", name, m.Px)
			}
			if m.Overflow {
				t.Errorf("%s: page wider than the screen", name)
			}
			if m.EndGap > 2 {
				t.Errorf("%s: coverage numbers end %.1f px from their header's end", name, m.EndGap)
			}
		}
	}
}
