package main

import (
	"context"
	"net/http"
	"testing"

	"hallq/server/hall/halltest"
	"hallq/server/web/webtest"
	"hallq/server/wire"
)

// testHall is the demo hall served over loopback by the real wiring.
type testHall struct {
	*halltest.Hall
	t *testing.T
}

// newTestHall starts the demo hall, its commits synced as the server's are.
func newTestHall(t *testing.T) *testHall {
	t.Helper()
	return &testHall{Hall: halltest.Start(t, halltest.Options{Sync: true}), t: t}
}

// The shapes of the answers, and the requests of the shared test hall.
type (
	apiError   = halltest.APIError
	ticketResp = wire.TicketAnswer
)

var (
	do       = halltest.Do
	fetchLog = halltest.FetchLog
)

func (h *testHall) issue(body string) (int, ticketResp, []byte) { return h.Issue(body) }

func (h *testHall) staff(i int, window string) (*http.Client, string) { return h.Staff(i, window) }

func (h *testHall) act(c *http.Client, csrf, window, action, body string) (int, []byte) {
	return h.Act(c, csrf, window, action, body)
}

// The page tests still here call the browser helpers of server/web/webtest
// by the short names they were written with, until they move to server/web.

const pageWait = webtest.PageWait

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
)

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return webtest.Eval[T](t, ctx, expr)
}
