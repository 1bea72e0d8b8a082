package browsertest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Guard records, for a tab, what a page must never do: open a JavaScript
// dialog (an injected alert ran) or break its Content-Security-Policy (an
// inline script or style the page meant to use was refused).
type Guard struct {
	mu      sync.Mutex
	dialogs []string
}

// violations is run in every document before the page's own content; it
// collects the page's CSP violations. Scripts added through DevTools run
// whatever the policy says.
const violations = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));`

// NewGuard starts guarding the tab of ctx; call it before navigating.
func NewGuard(t testing.TB, ctx context.Context) *Guard {
	t.Helper()
	g := &Guard{}
	err := chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			g.mu.Lock()
			g.dialogs = append(g.dialogs, string(d.Type)+": "+d.Message)
			g.mu.Unlock()
			// Close it from outside the event loop, or the page stays blocked.
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	if err != nil {
		t.Fatalf("listen to the tab: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: violations}); err != nil {
		t.Fatalf("install the CSP recorder: %v", err)
	}
	return g
}

// Check fails t if the page in the tab opened a dialog or broke its CSP.
func (g *Guard) Check(t testing.TB, ctx context.Context) {
	t.Helper()
	g.mu.Lock()
	dialogs := append([]string(nil), g.dialogs...)
	g.mu.Unlock()
	if len(dialogs) > 0 {
		t.Errorf("the page opened JavaScript dialogs: %q", dialogs)
	}
	if v := Eval[[]string](t, ctx, `window.__cspViolations || []`); len(v) > 0 {
		t.Errorf("the page broke its Content-Security-Policy: %q", v)
	}
}

// StepTimeout bounds one step (a load, a click and what it waits for):
// a page that never shows what a test waits for fails the test quickly.
const StepTimeout = 30 * time.Second

// Go loads url in the tab of ctx and waits for it to load.
func Go(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("load %s: %v", url, err)
	}
}

// Eval evaluates a JavaScript expression in the page and returns its
// value as T.
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// Texts returns the text a reader sees in each element matching the CSS
// selector, in document order.
func Texts(t testing.TB, ctx context.Context, selector string) []string {
	t.Helper()
	return Eval[[]string](t, ctx, `[...document.querySelectorAll(`+jsString(selector)+`)].map(e => e.innerText.trim())`)
}

// Do runs actions in the tab of ctx, failing t on an error.
func Do(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Screenshot returns a PNG of what a viewport of width × height shows of
// the page at url, shrunk for the docs (Shrink).
func Screenshot(t testing.TB, ctx context.Context, url string, width, height int64) []byte {
	t.Helper()
	Do(t, ctx, "set the viewport", chromedp.EmulateViewport(width, height))
	Go(t, ctx, url)
	ctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot of %s: %v", url, err)
	}
	small, err := Shrink(shot)
	if err != nil {
		t.Fatalf("screenshot of %s: %v", url, err)
	}
	return small
}

// jsString quotes s as a JavaScript string literal (JSON's escapes,
// U+2028 and U+2029 included, are JavaScript's).
func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
