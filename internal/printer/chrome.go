package printer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	cdpio "github.com/chromedp/cdproto/io"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/errs"
)

// ErrUnavailable is returned by PDF when no Chromium is configured or it
// cannot start: the HTML print view still works.
var ErrUnavailable = errs.E(errs.Conflict, "print.unavailable")

// DefaultConcurrent is how many documents Chrome prints at once by default.
const DefaultConcurrent = 2

// MaxPDF is the largest PDF Chrome returns; a bigger one is refused.
const MaxPDF = 256 << 20

// Chrome prints HTML to PDF with one headless Chromium, started on the
// first print and reused; each print runs in its own tab. The zero value
// and a nil *Chrome are unavailable. It is safe for concurrent use.
type Chrome struct {
	path string
	sem  chan struct{}

	mu      sync.Mutex
	browser context.Context // nil until started
	stop    func()
	dir     string // the browser's fresh profile directory
	idle    []tab  // tabs kept open between prints: opening one costs more than a short print
}

type tab struct {
	ctx   context.Context
	close func()
}

// NewChrome returns a printer that runs the Chromium at path, printing at
// most concurrent documents at once (DefaultConcurrent if 0). An empty
// path gives an unavailable printer.
func NewChrome(path string, concurrent int) *Chrome {
	if concurrent <= 0 {
		concurrent = DefaultConcurrent
	}
	return &Chrome{path: path, sem: make(chan struct{}, concurrent)}
}

// Available reports whether a Chromium is configured.
func (c *Chrome) Available() bool { return c != nil && c.path != "" }

// start returns the browser's context, starting it if it is not running.
func (c *Chrome) start() (context.Context, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.browser != nil && c.browser.Err() == nil {
		return c.browser, nil
	}
	c.shutdown()
	dir, err := os.MkdirTemp("", "tadamun-chromium-")
	if err != nil {
		return nil, fmt.Errorf("printer: profile directory: %w", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(c.path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(dir),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	// The browser lives as long as bctx: start it on a context without a
	// deadline.
	if err := chromedp.Do(bctx); err != nil {
		cancelB()
		cancelA()
		os.RemoveAll(dir)
		return nil, errors.Join(ErrUnavailable, err)
	}
	c.browser, c.dir = bctx, dir
	c.stop = func() { cancelB(); cancelA() }
	return bctx, nil
}

func (c *Chrome) shutdown() {
	for _, t := range c.idle {
		t.close()
	}
	c.idle = nil
	if c.stop != nil {
		c.stop()
		c.stop = nil
	}
	if c.dir != "" {
		os.RemoveAll(c.dir)
		c.dir = ""
	}
	c.browser = nil
}

// Close stops the browser, if it started, and removes its profile.
func (c *Chrome) Close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shutdown()
}

// A4 in inches, as Page.printToPDF measures paper.
const (
	a4Width  = 8.27
	a4Height = 11.69
)

// PDF prints the HTML document html to an A4 PDF. The document must be
// self-contained (styles and fonts inline): the tab loads nothing else. It
// waits for a place among the concurrent prints, and stops when ctx ends.
func (c *Chrome) PDF(ctx context.Context, html []byte) ([]byte, error) {
	if !c.Available() {
		return nil, ErrUnavailable
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	tb, err := c.take()
	if err != nil {
		return nil, err
	}
	// The tab ends with the request (or job) that asked for it; a tab
	// that printed is kept for the next print.
	stop := context.AfterFunc(ctx, tb.close)
	out, err := chromedp.Run(tb.ctx, func(tctx context.Context, t *chromedp.Target) ([]byte, error) {
		if _, err := cdp.Call(tctx, t, page.Navigate, page.NavigateParams{URL: "about:blank"}); err != nil {
			return nil, err
		}
		tree, err := cdp.Call(tctx, t, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		if _, err := cdp.Call(tctx, t, page.SetDocumentContent, page.SetDocumentContentParams{FrameID: tree.FrameTree.Frame.ID, HTML: string(html)}); err != nil {
			return nil, err
		}
		// Wait until the embedded fonts are loaded, or Chromium prints
		// with a fallback font.
		if _, err := chromedp.Evaluate[bool](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise)(tctx, t); err != nil {
			return nil, err
		}
		yes, zero := true, 0.0
		res, err := cdp.Call(tctx, t, page.PrintToPDF, page.PrintToPDFParams{
			PrintBackground: &yes, PreferCSSPageSize: &yes,
			PaperWidth: a4Width, PaperHeight: a4Height,
			MarginTop: &zero, MarginBottom: &zero, MarginLeft: &zero, MarginRight: &zero,
			TransferMode: page.PrintToPDFTransferModeReturnAsStream,
		})
		if err != nil {
			return nil, err
		}
		defer cdp.Call(context.WithoutCancel(tctx), t, cdpio.Close, cdpio.CloseParams{Handle: res.Stream})
		var buf []byte
		for {
			r, err := cdp.Call(tctx, t, cdpio.Read, cdpio.ReadParams{Handle: res.Stream, Size: 1 << 20})
			if err != nil {
				return nil, err
			}
			buf = append(buf, r.Data...)
			if len(buf) > MaxPDF {
				return nil, errs.E(errs.Invalid, "print.too_large")
			}
			if r.EOF {
				return buf, nil
			}
		}
	})
	if stop() && err == nil {
		c.put(tb)
	} else {
		tb.close()
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("printer: print to PDF: %w", err)
	}
	return out, nil
}

// take returns an idle tab, or opens one, starting the browser if needed.
func (c *Chrome) take() (tab, error) {
	bctx, err := c.start()
	if err != nil {
		return tab{}, err
	}
	c.mu.Lock()
	if n := len(c.idle); n > 0 {
		t := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return t, nil
	}
	c.mu.Unlock()
	ctx, cancel := chromedp.NewContext(bctx)
	return tab{ctx: ctx, close: cancel}, nil
}

// put keeps t for the next print, unless the browser it belongs to has
// stopped meanwhile.
func (c *Chrome) put(t tab) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.browser == nil || c.browser.Err() != nil || t.ctx.Err() != nil || len(c.idle) >= cap(c.sem) {
		t.close()
		return
	}
	c.idle = append(c.idle, t)
}
