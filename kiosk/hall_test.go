package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/hall/halltest"
)

// testHall is the demo hall, wired as the server wires it, served over
// loopback on a fixed address (halltest.Start). Down cuts every connection
// and refuses new ones, as a server that went down; Up serves again on the
// same address.
type testHall struct {
	*halltest.Hall
	t       *testing.T
	secrets config.DemoSecrets
	engine  *engine.Engine
	// kioskLog, when set, is the logger of the kiosks started on the hall
	// (and of their screens).
	kioskLog *slog.Logger
}

// clockStart is where a test hall's clock starts: 10:00 of a day in the
// past, in the demo hall's time zone. The clock then runs as fast as the
// machine's, so that no test depends on the date or the time of day it runs
// at (the demo hall's service day turns at 04:00), and setClock can move it
// forward.
var clockStart = time.Date(2026, 11, 20, 10, 0, 0, 0, shanghai)

// now is the hall's clock (and the test kiosk's).
func (h *testHall) now() time.Time { return h.Clock.Now() }

// setClock moves the hall's clock forward to at.
func (h *testHall) setClock(at time.Time) {
	h.t.Helper()
	if at.Before(h.Clock.Now()) {
		h.t.Fatalf("the clock may only move forward")
	}
	h.Clock.Set(at)
}

func newTestHall(t *testing.T) *testHall {
	t.Helper()
	return newTestHallWith(t, nil)
}

// newTestHallWith is newTestHall with the demo hall's configuration changed
// by change first.
func newTestHallWith(t *testing.T, change func(*config.Config)) *testHall {
	t.Helper()
	cfg, secrets, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(cfg)
	}
	hl := halltest.Start(t, halltest.Options{Config: cfg, Clock: halltest.NewClock(cfg.Hall, clockStart), Heartbeat: 500 * time.Millisecond})
	return &testHall{Hall: hl, t: t, secrets: secrets, engine: hl.Engine}
}

// logEvent is an event of the public log, decoded.
type logEvent struct {
	Seq  uint64          `json:"seq"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// events returns the hall's public log.
func (h *testHall) events(t *testing.T) []logEvent {
	t.Helper()
	c, err := client.New(h.URL, "", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []logEvent
	for after := uint64(0); ; {
		page, err := c.Events(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range page.Events {
			var ev logEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			out = append(out, ev)
		}
		if !page.More {
			return out
		}
		after = page.Next
	}
}

// issuedNumbers counts the ticket.issued events of each number, and returns
// the lease of each.
func (h *testHall) issuedNumbers(t *testing.T) (count map[string]int, lease map[string]string) {
	t.Helper()
	count, lease = map[string]int{}, map[string]string{}
	for _, ev := range h.events(t) {
		if ev.Type != "ticket.issued" {
			continue
		}
		var d struct{ Number, Lease string }
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatal(err)
		}
		count[d.Number]++
		lease[d.Number] = d.Lease
	}
	return count, lease
}

// kioskClient returns an API client with the demo kiosk's token.
func (h *testHall) kioskClient(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(h.URL, h.secrets.KioskToken, client.Options{Timeout: 5 * time.Second, MaxBackoff: time.Second, Now: h.now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline (only there to end a hang).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
