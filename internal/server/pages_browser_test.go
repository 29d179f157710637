package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// cardsJS lists the summary cards whose label and number share a line or
// whose number spills out of the card.
const cardsJS = `(() => { const bad = [];
  document.querySelectorAll('.cards > .card').forEach(c => {
    const kids = c.children; if (kids.length < 2) return;
    const a = kids[0].getBoundingClientRect(), b = kids[1].getBoundingClientRect(), r = c.getBoundingClientRect();
    if (b.top < a.bottom - 1) bad.push('same line: ' + c.textContent.trim());
    if (c.scrollWidth > c.clientWidth + 1 || b.left < r.left - 1 || b.right > r.right + 1) bad.push('spills: ' + c.textContent.trim());
  });
  return bad; })()`

// TestSummaryCardsSeparateAndInside opens a targeting run, a what-if
// comparison and a payment cycle in Chromium, in Arabic and English, with a large amount, and fails
// when a card's label and number run together or the number leaves the card.
func TestSummaryCardsSeparateAndInside(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	bg := context.Background()
	var run, cycle, prog int64
	if err := d.QueryRow(bg, `SELECT MAX(id), MAX(program_id) FROM program_runs WHERE status = 'done'`).Scan(&run, &prog); err != nil || run == 0 {
		t.Fatalf("the demo has no run: %v", err)
	}
	if err := d.QueryRow(bg, `SELECT MAX(id) FROM payment_cycles`).Scan(&cycle); err != nil || cycle == 0 {
		t.Fatalf("the demo has no payment cycle: %v", err)
	}
	// Large amounts, as a national programme has.
	if err := d.Tx(bg, func(tx *db.Tx) error {
		if _, err := tx.Exec(bg, fmt.Sprintf(`UPDATE program_runs SET benefit_total_minor = 98765432109876 WHERE id = %d`, run)); err != nil {
			return err
		}
		_, err := tx.Exec(bg, fmt.Sprintf(`UPDATE payment_cycles SET total = 98765432109876 WHERE id = %d`, cycle))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	visit := func(user string, pages map[string]string) {
		ctx := newBrowserContext(t)
		do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := chromedp.Do(sctx, actions...); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		do("sign in", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
			chromedp.SetValue(chromedp.CSS("#f-username"), user), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
			chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
		for _, lang := range []string{"ar", "en"} {
			do("language "+lang, chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next=/"), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
			for name, page := range pages {
				do("open "+page, chromedp.Navigate(ts.URL+page), chromedp.WaitVisible(chromedp.CSS("main h1")))
				shot(t, ctx, "cards-"+name+"-"+lang)
				if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.cards > .card').length`)); err != nil || n == 0 {
					t.Fatalf("%s %s: no summary cards (%v)", lang, page, err)
				}
				if bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](cardsJS)); err != nil || len(bad) > 0 {
					t.Errorf("%s %s: %v %s", lang, page, err, strings.Join(bad, "; "))
				}
				if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
					t.Errorf("%s %s: elements outside the page width: %v %v", lang, page, out, err)
				}
			}
		}
	}
	visit("jo.admin", map[string]string{"run": fmt.Sprintf("/runs/%d", run), "cycle": fmt.Sprintf("/payments/cycles/%d", cycle)})
	visit("jo.programs", map[string]string{"compare": fmt.Sprintf("/programs/%d/compare?from=1&to=1", prog)})
}
