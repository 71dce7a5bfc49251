package main

import (
	"net/http"
	"testing"

	"hallq/server/hall/halltest"
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
