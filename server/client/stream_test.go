package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/client"
	"hallq/server/eventlog"
	"hallq/server/wire"
)

// collector is a StreamHandler that records what it receives and lets the
// test wait for it.
type collector struct {
	mu       sync.Mutex
	raws     [][]byte
	seqs     []uint64
	beats    []wire.Heartbeat
	statuses []client.StreamStatus
	changed  chan struct{}
}

func newCollector() *collector { return &collector{changed: make(chan struct{}, 1)} }

func (c *collector) handler() client.StreamHandler {
	note := func() {
		select {
		case c.changed <- struct{}{}:
		default:
		}
	}
	return client.StreamHandler{
		Event: func(rec eventlog.Record) error {
			c.mu.Lock()
			c.seqs, c.raws = append(c.seqs, rec.Seq), append(c.raws, rec.Raw)
			c.mu.Unlock()
			note()
			return nil
		},
		Heartbeat: func(hb wire.Heartbeat) error {
			c.mu.Lock()
			c.beats = append(c.beats, hb)
			c.mu.Unlock()
			note()
			return nil
		},
		Status: func(st client.StreamStatus) {
			c.mu.Lock()
			c.statuses = append(c.statuses, st)
			c.mu.Unlock()
			note()
		},
	}
}

// waitFor waits until cond holds on the collector, failing after a generous
// deadline.
func (c *collector) waitFor(t *testing.T, what string, cond func(c *collector) bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		c.mu.Lock()
		ok := cond(c)
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-c.changed:
		case <-deadline:
			c.mu.Lock()
			defer c.mu.Unlock()
			t.Fatalf("timed out waiting for %s; have seqs %v, statuses %v", what, c.seqs, c.statuses)
		}
	}
}

// live reports whether the stream is live with a heartbeat naming seq.
func (c *collector) live(seq uint64) bool {
	n := len(c.beats)
	return n > 0 && c.beats[n-1].Seq == seq && c.statuses[len(c.statuses)-1].State == client.StreamLive
}

func runStream(t *testing.T, c *client.Client, after uint64, h client.StreamHandler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Stream(ctx, after, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			err = <-done
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

func TestStreamSurvivesNetworkLoss(t *testing.T) {
	h := newTestHall(t, 50*time.Millisecond)
	p := newProxy(t, strings.TrimPrefix(h.URL, "http://"))
	ctx := context.Background()
	kiosk := newClient(t, h.URL, h.secrets.KioskToken)
	c, err := client.New(p.URL(), h.secrets.DisplayToken, client.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	issue := func(n int) uint64 {
		var seq uint64
		for range n {
			tk, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: client.NewIdempotencyKey()})
			if err != nil {
				t.Fatal(err)
			}
			seq = tk.Seq
		}
		return seq
	}
	head := issue(5)
	col := newCollector()
	stop := runStream(t, c, 0, col.handler())
	col.waitFor(t, "catch-up to the head", func(c *collector) bool { return c.live(head) })

	for round := range 3 {
		p.cut()
		head = issue(3)
		col.waitFor(t, fmt.Sprintf("catch-up after cut %d", round), func(c *collector) bool { return c.live(head) })
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stream returned %v, want context.Canceled", err)
	}

	col.mu.Lock()
	defer col.mu.Unlock()
	for i, seq := range col.seqs {
		if seq != uint64(i+1) {
			t.Fatalf("event %d delivered with seq %d: want every seq once, in order (%v)", i, seq, col.seqs)
		}
	}
	last, err := eventlog.Verify(eventlog.GenesisHash, col.raws)
	if err != nil {
		t.Fatal(err)
	}
	if hb := col.beats[len(col.beats)-1]; hb.Hash != last {
		t.Fatalf("last heartbeat names hash %s, the events chain to %s", hb.Hash, last)
	}
	downs := 0
	for _, st := range col.statuses {
		if st.State == client.StreamDown {
			downs++
			if st.Err == nil {
				t.Fatalf("down status without a cause: %+v", st)
			}
		}
	}
	if downs < 3 {
		t.Fatalf("got %d down statuses for 3 cuts", downs)
	}
}

func TestStreamResumesAfterTheGivenSeq(t *testing.T) {
	h := newTestHall(t, 50*time.Millisecond)
	ctx := context.Background()
	kiosk := newClient(t, h.URL, h.secrets.KioskToken)
	var head uint64
	for range 6 {
		tk, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "estate", IdempotencyKey: client.NewIdempotencyKey()})
		if err != nil {
			t.Fatal(err)
		}
		head = tk.Seq
	}
	col := newCollector()
	runStream(t, newClient(t, h.URL, ""), 4, col.handler())
	col.waitFor(t, "the head", func(c *collector) bool { return c.live(head) })
	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.seqs) != int(head-4) || col.seqs[0] != 5 {
		t.Fatalf("got seqs %v after 4, want 5..%d", col.seqs, head)
	}
}

// fakeStream is a websocket server whose every connection is scripted by the
// test; it records the after of each connection.
type fakeStream struct {
	srv *httptest.Server

	mu     sync.Mutex
	afters []uint64
}

// newFakeStream serves script(conn, n, after) for the n-th connection.
func newFakeStream(t *testing.T, script func(ws *websocket.Conn, n int, after uint64)) *fakeStream {
	t.Helper()
	f := &fakeStream{}
	up := websocket.Upgrader{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
		f.mu.Lock()
		n := len(f.afters)
		f.afters = append(f.afters, after)
		f.mu.Unlock()
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		script(ws, n, after)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeStream) connections() []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]uint64(nil), f.afters...)
}

// chain returns n chained published events.
func chain(t *testing.T, n int) [][]byte {
	t.Helper()
	ch, err := eventlog.NewChain(0, eventlog.GenesisHash)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	var raws [][]byte
	for i := range n {
		r, err := ch.Next("day.opened", at.Add(time.Duration(i)*time.Second), []byte(`{"day":"2026-11-22"}`))
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, r.Raw)
	}
	return raws
}

func heartbeat(raws [][]byte, seq uint64) []byte {
	hash := eventlog.GenesisHash
	if seq > 0 {
		r, _ := eventlog.Parse(raws[seq-1])
		hash = r.Hash
	}
	return fmt.Appendf(nil, `{"type":"heartbeat","seq":%d,"hash":%q,"time":"2026-11-22T01:00:00Z"}`, seq, hash)
}

// send writes events from..to (1-based, inclusive).
func send(ws *websocket.Conn, raws [][]byte, from, to uint64) {
	for seq := from; seq <= to; seq++ {
		ws.WriteMessage(websocket.TextMessage, raws[seq-1])
	}
}

// liveAt sends heartbeats naming event seq until the client closes the
// connection.
func liveAt(ws *websocket.Conn, raws [][]byte, seq uint64) {
	done := make(chan struct{})
	go func() {
		hold(ws)
		close(done)
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := ws.WriteMessage(websocket.TextMessage, heartbeat(raws, seq)); err != nil {
			<-done
			return
		}
		select {
		case <-done:
			return
		case <-tick.C:
		}
	}
}

// hold keeps a connection open until the client closes it.
func hold(ws *websocket.Conn) {
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
	}
}

func TestStreamProtocol(t *testing.T) {
	raws := chain(t, 6)
	tests := []struct {
		name string
		// script serves the n-th connection; the last connection must end at
		// event 6 with a heartbeat.
		script func(ws *websocket.Conn, n int, after uint64)
		// afters are the after of each connection the client must make.
		afters []uint64
		// slow is whether the client must have been told it was dropped as
		// a slow consumer, and retry at once.
		slow bool
	}{
		{
			name: "duplicates are skipped",
			script: func(ws *websocket.Conn, n int, after uint64) {
				send(ws, raws, 1, 3)
				send(ws, raws, 2, 6)
				liveAt(ws, raws, 6)
			},
			afters: []uint64{0},
		},
		{
			name: "a gap makes the client resume after its last event",
			script: func(ws *websocket.Conn, n int, after uint64) {
				if n == 0 {
					send(ws, raws, 1, 2)
					send(ws, raws, 4, 6)
					hold(ws)
					return
				}
				send(ws, raws, after+1, 6)
				liveAt(ws, raws, 6)
			},
			afters: []uint64{0, 2},
		},
		{
			name: "a slow consumer resumes at once",
			script: func(ws *websocket.Conn, n int, after uint64) {
				if n == 0 {
					send(ws, raws, 1, 4)
					ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "slow consumer: resume with ?after=4"))
					hold(ws)
					return
				}
				send(ws, raws, after+1, 6)
				liveAt(ws, raws, 6)
			},
			afters: []uint64{0, 4},
			slow:   true,
		},
		{
			name: "a heartbeat beyond the events received",
			script: func(ws *websocket.Conn, n int, after uint64) {
				if n == 0 {
					send(ws, raws, 1, 3)
					ws.WriteMessage(websocket.TextMessage, heartbeat(raws, 5))
					hold(ws)
					return
				}
				send(ws, raws, after+1, 6)
				liveAt(ws, raws, 6)
			},
			afters: []uint64{0, 3},
		},
		{
			name: "a silent server is left",
			script: func(ws *websocket.Conn, n int, after uint64) {
				if n == 0 {
					send(ws, raws, 1, 1)
					hold(ws) // says nothing more: the client's liveness ends it
					return
				}
				send(ws, raws, after+1, 6)
				liveAt(ws, raws, 6)
			},
			afters: []uint64{0, 1},
		},
		{
			name: "unknown messages are ignored",
			script: func(ws *websocket.Conn, n int, after uint64) {
				send(ws, raws, 1, 3)
				ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"notice","text":"hello"}`))
				send(ws, raws, 4, 6)
				liveAt(ws, raws, 6)
			},
			afters: []uint64{0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStream(t, tt.script)
			// The fake server's heartbeats come every 20 ms: only the silent
			// one lets Liveness run out, unless the machine stalls the
			// client that long (which would make an extra connection).
			c, err := client.New(f.srv.URL, "", client.Options{
				MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Liveness: 3 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			col := newCollector()
			stop := runStream(t, c, 0, col.handler())
			col.waitFor(t, "event 6 and its heartbeat", func(c *collector) bool { return c.live(6) })
			stop()
			if got := f.connections(); fmt.Sprint(got) != fmt.Sprint(tt.afters) {
				t.Fatalf("connections after %v, want %v", got, tt.afters)
			}
			col.mu.Lock()
			defer col.mu.Unlock()
			if fmt.Sprint(col.seqs) != "[1 2 3 4 5 6]" {
				t.Fatalf("delivered %v, want 1..6 once each", col.seqs)
			}
			slow := false
			for _, st := range col.statuses {
				if st.State == client.StreamDown && isSlow(st.Err) {
					slow = true
					if st.Retry != 0 || st.Last != 4 {
						t.Fatalf("slow consumer: retry in %v after %d, want at once after 4", st.Retry, st.Last)
					}
				}
			}
			if slow != tt.slow {
				t.Fatalf("dropped as slow consumer: %v, want %v (%v)", slow, tt.slow, col.statuses)
			}
		})
	}
}

func isSlow(err error) bool {
	ce, ok := errors.AsType[*websocket.CloseError](err)
	return ok && ce.Code == client.CloseSlowConsumer
}

func TestStreamRefusedByServer(t *testing.T) {
	h := newTestHall(t, time.Second)
	c, err := client.New(h.URL, "", client.Options{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	col := newCollector()
	runStream(t, c, 99, col.handler()) // the demo log is empty
	col.waitFor(t, "a refusal", func(c *collector) bool {
		for _, st := range c.statuses {
			if st.State == client.StreamDown && client.ErrorCode(st.Err) == "ECONFLICT" && st.Last == 99 {
				return true
			}
		}
		return false
	})
}

func TestStreamEndsOnHandlerError(t *testing.T) {
	raws := chain(t, 3)
	f := newFakeStream(t, func(ws *websocket.Conn, n int, after uint64) {
		send(ws, raws, after+1, 3)
		hold(ws)
	})
	c := newClient(t, f.srv.URL, "")
	refuse := errors.New("chain broken")
	var got []uint64
	err := c.Stream(context.Background(), 0, client.StreamHandler{Event: func(rec eventlog.Record) error {
		if rec.Seq == 2 {
			return refuse
		}
		got = append(got, rec.Seq)
		return nil
	}})
	if !errors.Is(err, refuse) {
		t.Fatalf("Stream returned %v, want the handler's error", err)
	}
	if fmt.Sprint(got) != "[1]" {
		t.Fatalf("delivered %v, want [1]", got)
	}
}

// TestStreamEndsOnEventNotInTheLayout: an event the server sends that does
// not parse ends Stream with eventlog.ErrInvalid instead of being retried,
// whatever is wrong with it, and is not delivered.
func TestStreamEndsOnEventNotInTheLayout(t *testing.T) {
	raws := chain(t, 3)
	tests := []struct {
		name string
		bad  string
	}{
		{"seq zero", strings.Replace(string(raws[1]), `{"seq":2`, `{"seq":0`, 1)},
		{"seq not a number", strings.Replace(string(raws[1]), `{"seq":2`, `{"seq":"2"`, 1)},
		{"seq overflows", strings.Replace(string(raws[1]), `{"seq":2`, `{"seq":18446744073709551616`, 1)},
		{"truncated", string(raws[1][:20])},
		{"space in the data", strings.Replace(string(raws[1]), `":`, `": `, 1)},
		{"upper-case hash", string(raws[1][:len(raws[1])-66]) + strings.ToUpper(string(raws[1][len(raws[1])-66:]))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStream(t, func(ws *websocket.Conn, n int, after uint64) {
				send(ws, raws, 1, 1)
				ws.WriteMessage(websocket.TextMessage, []byte(tt.bad))
				hold(ws)
			})
			c := newClient(t, f.srv.URL, "")
			var got []uint64
			err := c.Stream(context.Background(), 0, client.StreamHandler{Event: func(rec eventlog.Record) error {
				got = append(got, rec.Seq)
				return nil
			}})
			if !errors.Is(err, eventlog.ErrInvalid) {
				t.Fatalf("Stream returned %v, want eventlog.ErrInvalid", err)
			}
			if fmt.Sprint(got) != "[1]" || fmt.Sprint(f.connections()) != "[0]" {
				t.Fatalf("delivered %v over connections after %v, want [1] over [0]", got, f.connections())
			}
		})
	}
}
