package hall_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/config"
	"hallq/server/hall/halltest"
)

// TestReplaysDoNotStarveTheWriter: while 500 websocket clients replay a long
// log from its start, a kiosk keeps issuing tickets: its 20 tickets are
// issued before the replays are over, and every client, replays done, has
// every event, the new tickets too, in order (a client whose stream is cut
// for reading too slowly resumes from its last event).
func TestReplaysDoNotStarveTheWriter(t *testing.T) {
	const clients, events, tickets = 500, 1000, 20
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < 2*clients+256 {
		t.Skipf("the open-file limit %d is too low for %d streams and their clients (ulimit -n)", lim.Cur, clients)
	}
	h := halltest.Start(t, halltest.Options{Serve: true, Heartbeat: 100 * time.Millisecond, Adjust: func(c *config.Config) {
		c.Limits.WSMaxPerAddress = clients
		c.Limits.WSMaxSubscribers = clients
		c.Limits.MaxConnectionsPerAddress = clients + 16
		c.Limits.TicketsPerKioskPerMinute = 1000
	}})
	// A long log: a window paused and resumed.
	window := h.Secrets.Staff[0].Windows[0]
	staff, csrf := h.Staff(0, window)
	if code, body := h.Act(staff, csrf, window, "open", "{}"); code != http.StatusOK {
		t.Fatalf("open the window: %d %s", code, body)
	}
	for i := range events / 2 {
		for _, a := range []string{"pause", "resume"} {
			if code, body := h.Act(staff, csrf, window, a, "{}"); code != http.StatusOK {
				t.Fatalf("%s %d: %d %s", a, i, code, body)
			}
		}
	}
	head, _ := h.Engine.Head()
	t0 := time.Now()

	// The replaying clients, from an address of their own.
	wsURL := "ws" + strings.TrimPrefix(h.URL, "http") + "/api/v1/ws"
	d := websocket.Dialer{NetDialContext: from(7).DialContext, HandshakeTimeout: time.Minute}
	var caughtUp, started, redials atomic.Int64
	last := make([]uint64, clients)
	var until atomic.Uint64 // once the kiosk is done: the head every client reads up to
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Go(func() {
			// A stream that falls behind a page's write deadline is cut;
			// the client comes back from its last event, as displays do.
			var ws *websocket.Conn
			defer func() {
				if ws != nil {
					ws.Close()
				}
			}()
			for dials := 0; ; {
				if ws == nil {
					if dials++; dials > 50 {
						errs <- fmt.Errorf("client %d: cut %d times, last after event %d", i, dials-1, last[i])
						return
					}
					var err error
					if ws, _, err = d.Dial(fmt.Sprintf("%s?after=%d", wsURL, last[i]), nil); err != nil {
						errs <- fmt.Errorf("client %d: %w", i, err)
						return
					}
					if dials > 1 {
						redials.Add(1)
					}
				}
				_, msg, err := ws.ReadMessage()
				if err != nil {
					ws.Close()
					ws = nil
					continue
				}
				var m struct {
					Type string `json:"type"`
					Seq  uint64 `json:"seq"`
				}
				if err := json.Unmarshal(msg, &m); err != nil {
					errs <- fmt.Errorf("client %d: %s: %w", i, msg, err)
					return
				}
				if m.Type != "heartbeat" {
					if m.Seq != last[i]+1 {
						errs <- fmt.Errorf("client %d: event %d after %d", i, m.Seq, last[i])
						return
					}
					last[i] = m.Seq
					if m.Seq == 1 {
						started.Add(1)
					}
					if m.Seq == head {
						caughtUp.Add(1)
					}
				}
				if u := until.Load(); u != 0 && last[i] >= u {
					return
				}
			}
		})
	}
	// Issue once the replays are under way.
	for started.Load() == 0 && len(errs) < clients {
		time.Sleep(time.Millisecond)
	}
	kiosk := &http.Client{Transport: &http.Transport{DialContext: from(3).DialContext}}
	var slowest time.Duration
	for i := range tickets {
		t1 := time.Now()
		code, _ := halltest.Do(t, kiosk, "POST", h.URL+"/api/v1/tickets", map[string]string{"Authorization": "Bearer " + h.Secrets.KioskToken},
			fmt.Sprintf(`{"service":"general","idempotency_key":"during-replay-%d"}`, i), nil)
		if code != http.StatusCreated {
			t.Fatalf("ticket %d during the replays: %d", i, code)
		}
		slowest = max(slowest, time.Since(t1))
	}
	done := caughtUp.Load()
	t.Logf("%d tickets issued (the slowest in %s) by %s, when %d of %d clients had caught up with the log of %d events",
		tickets, slowest.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond), done, clients, head)
	if done == clients {
		t.Errorf("the kiosk's %d tickets were issued only after all %d replays had ended", tickets, clients)
	}
	end, _ := h.Engine.Head()
	until.Store(end)
	wg.Wait()
	t.Logf("every client had every event after %s (%d streams cut and resumed)", time.Since(t0).Round(time.Millisecond), redials.Load())
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, l := range last {
		if l != end {
			t.Fatalf("client %d ended at event %d, want %d", i, l, end)
		}
	}
}
