package web_test

import (
	"context"
	"testing"

	"hallq/server/hall/halltest"
	"hallq/server/web/webtest"
	"hallq/server/wire"
)

// The page tests run the real hall (halltest.Start) and headless Chromium
// (webtest), and call the shared helpers by these short names.

const pageWait = webtest.PageWait

// browser is the headless Chromium of one test.
type browser struct{ *webtest.Browser }

func newBrowser(t *testing.T) *browser { return &browser{webtest.NewBrowser(t)} }

func (b *browser) tab(width, height int64) context.Context { return b.Tab(width, height) }

func (b *browser) check(tabs ...context.Context) { b.Check(tabs...) }

var (
	must       = webtest.Must
	waitFor    = webtest.WaitFor
	textOf     = webtest.TextOf
	jsString   = webtest.JSString
	screenshot = webtest.Screenshot
	do         = halltest.Do
	residentID = halltest.ResidentID
)

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return webtest.Eval[T](t, ctx, expr)
}

type ticketResp = wire.TicketAnswer

// testHall is the demo hall served over loopback by the real wiring, its
// commits synced as the server's are.
type testHall struct {
	*halltest.Hall
	t *testing.T
}

func newTestHall(t *testing.T) *testHall {
	t.Helper()
	return &testHall{Hall: halltest.Start(t, halltest.Options{Sync: true}), t: t}
}
