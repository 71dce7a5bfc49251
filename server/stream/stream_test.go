package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/hub"
	"hallq/server/store"
	"hallq/server/wire"
)

// wantEvents reads events from ws, skipping heartbeats, and checks that they
// are exactly src's events from..to in order.
func wantEvents(t *testing.T, ws *websocket.Conn, src Source, from, to uint64) {
	t.Helper()
	for seq := from; seq <= to; seq++ {
		m := readEvent(t, ws)
		if m.Seq != seq {
			t.Fatalf("got event %d, want %d", m.Seq, seq)
		}
		evs, err := src.EventsAfter(seq-1, 1)
		if err != nil || len(evs) != 1 {
			t.Fatalf("EventsAfter(%d, 1) = %d events, %v", seq-1, len(evs), err)
		}
		if string(m.raw) != string(evs[0].Data) {
			t.Fatalf("event %d: got bytes\n%s\nwant\n%s", seq, m.raw, evs[0].Data)
		}
	}
}

func TestReplayThenLive(t *testing.T) {
	tests := []struct {
		name  string
		after uint64
	}{
		{name: "everything", after: 0},
		{name: "from the middle", after: 3},
		{name: "page boundary", after: 4},
		{name: "at the head", after: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &memLog{}
			log.commit(10)
			s := newTestServer(t, log, serverConfig{opts: Options{PageSize: 4}})
			ws := s.dial(t, tt.after)

			wantEvents(t, ws, log, tt.after+1, 10)
			if m := read(t, ws); !m.heartbeat() || m.Seq != 10 {
				t.Fatalf("after the catch-up got %s, want a heartbeat with seq 10", m.raw)
			}
			s.srv.Publish(log.commit(3)...)
			s.srv.Publish(log.commit(2)...)
			wantEvents(t, ws, log, 11, 15)
		})
	}
}

func TestGapFilledFromLog(t *testing.T) {
	log := &memLog{}
	log.commit(2)
	s := newTestServer(t, log, serverConfig{})
	ws := s.dial(t, 2)
	if m := read(t, ws); !m.heartbeat() {
		t.Fatalf("got %s, want the heartbeat after the catch-up", m.raw)
	}

	// Events 3 and 4 are committed but reach the hub late, after 5.
	evs := log.commit(3)
	s.srv.Publish(evs[2])
	wantEvents(t, ws, log, 3, 5)
	s.srv.Publish(evs[0], evs[1])
	s.srv.Publish(log.commit(1)...)
	wantEvents(t, ws, log, 6, 6)
}

// TestResumeWhilePublishing connects clients from arbitrary seqs while the
// writer commits and publishes; each must receive every later event exactly
// once, in order, as published.
func TestResumeWhilePublishing(t *testing.T) {
	type writer struct {
		src    Source
		commit func(n int) []hub.Event // commits n events, returns them
	}
	tests := []struct {
		name string
		open func(t *testing.T) writer
	}{
		{
			name: "memory log",
			open: func(t *testing.T) writer {
				log := &memLog{pad: 200}
				return writer{src: log, commit: log.commit}
			},
		},
		{
			name: "bbolt store",
			open: func(t *testing.T) writer {
				st, err := store.Open(filepath.Join(t.TempDir(), "hall.db"), store.Options{})
				if err != nil {
					t.Fatalf("store.Open: %v", err)
				}
				t.Cleanup(func() { st.Close() })
				return writer{src: storeSource{st}, commit: func(n int) []hub.Event {
					var evs []hub.Event
					err := st.Update(func(tx *store.Tx) error {
						for range n {
							r, err := tx.Append("ticket.called", time.Now(), ticketData(len(evs)))
							if err != nil {
								return err
							}
							evs = append(evs, hub.Event{Seq: r.Seq, Data: r.Raw})
						}
						return nil
					})
					if err != nil {
						t.Errorf("append: %v", err)
					}
					return evs
				}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.open(t)
			s := newTestServer(t, w.src, serverConfig{opts: Options{PageSize: 7}})
			const rounds = 40
			rng := rand.New(rand.NewPCG(1, 2))

			sizes := make([]int, rounds)
			var last uint64
			for i := range sizes {
				sizes[i] = 1 + rng.IntN(5)
				last += uint64(sizes[i])
			}

			var clients sync.WaitGroup
			errs := make(chan error, rounds)
			for _, n := range sizes {
				s.srv.Publish(w.commit(n)...)
				head, _ := w.src.Head()
				after := rng.Uint64N(head + 1)
				ws := s.dial(t, after)
				clients.Add(1)
				go func() {
					defer clients.Done()
					errs <- follow(ws, w.src, after, last)
				}()
			}
			clients.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// follow reads ws from after to last, checking that every event comes once,
// in order, with src's bytes.
func follow(ws *websocket.Conn, src Source, after, last uint64) error {
	for want := after + 1; want <= last; {
		m, err := tryRead(ws)
		if err != nil {
			return fmt.Errorf("after=%d: waiting for %d: %w", after, want, err)
		}
		if m.heartbeat() {
			continue
		}
		if m.Seq != want {
			return fmt.Errorf("after=%d: got event %d, want %d", after, m.Seq, want)
		}
		evs, err := src.EventsAfter(want-1, 1)
		if err != nil || len(evs) != 1 || string(evs[0].Data) != string(m.raw) {
			return fmt.Errorf("after=%d: event %d: got bytes %s, want %v (%v)", after, want, m.raw, evs, err)
		}
		want++
	}
	return nil
}

// ticketData returns a ticket.called-like payload of about 300 bytes.
func ticketData(n int) []byte {
	return fmt.Appendf(nil, `{"ticket":"A%03d","service":"A","service_name":"Household registration","window":"07",`+
		`"window_name":"Window 7","staff":"s-0017","reason":"fifo","priority":"none","issued_at":"2026-11-22T01:%02d:10.123Z",`+
		`"called_at":"2026-11-22T02:%02d:44.001Z","recall":0,"waiting":%d,"note":"please proceed to window 7 on the ground floor"}`,
		n%1000, n%60, n%60, n%50)
}

// TestSlowConsumerDroppedAndResumes stops one client reading: the hub drops
// it while a fast client receives every event, and it resumes from the seq
// named in the close frame without losing anything.
func TestSlowConsumerDroppedAndResumes(t *testing.T) {
	log := &memLog{pad: 4096}
	s := newTestServer(t, log, serverConfig{
		// The write pump stays blocked on the slow client until it reads.
		opts:    Options{WriteTimeout: time.Minute},
		hubOpts: hub.Options{QueueSize: 4},
		sndbuf:  4096,
	})
	slow, _, err := dialURL(t, s.url, nil, 4096)
	if err != nil {
		t.Fatalf("dial slow: %v", err)
	}
	fast := s.dial(t, 0)
	waitSubscribers(t, s.srv, 2)

	var seq uint64
	for s.srv.Subscribers() == 2 {
		if seq == 10000 {
			t.Fatalf("slow client not dropped after %d events", seq)
		}
		s.srv.Publish(log.commit(1)...)
		seq++
		wantEvents(t, fast, log, seq, seq)
	}
	// The fast client keeps streaming. Its queue is empty: a batch
	// smaller than the queue cannot drop it.
	s.srv.Publish(log.commit(3)...)
	wantEvents(t, fast, log, seq+1, seq+3)
	head, _ := log.Head()

	// Now the slow client reads: a run of events, then the close frame
	// naming the last of them.
	var last uint64
	for {
		m, err := tryRead(slow)
		if ce, ok := closeError(err); ok {
			if ce.Code != CloseSlowConsumer {
				t.Fatalf("got close code %d, want %d", ce.Code, CloseSlowConsumer)
			}
			if want := fmt.Sprintf("slow consumer: resume with ?after=%d", last); ce.Text != want {
				t.Fatalf("got close reason %q, want %q", ce.Text, want)
			}
			break
		}
		if err != nil {
			t.Fatalf("slow: %v", err)
		}
		if m.heartbeat() {
			continue
		}
		if m.Seq != last+1 {
			t.Fatalf("slow: got event %d after %d", m.Seq, last)
		}
		last = m.Seq
	}
	if last == 0 || last >= head {
		t.Fatalf("slow: dropped after event %d, want some but not all of %d", last, head)
	}

	resumed := s.dial(t, last)
	wantEvents(t, resumed, log, last+1, head)
	s.srv.Publish(log.commit(1)...)
	wantEvents(t, resumed, log, head+1, head+1)
	wantEvents(t, fast, log, head+1, head+1)
}

func TestHeartbeat(t *testing.T) {
	log := &memLog{}
	log.commit(3)
	// Taken before the server starts its ticker: a periodic heartbeat
	// carries its tick's time, which may come before the dial.
	before := time.Now().UTC().Truncate(time.Millisecond)
	s := newTestServer(t, log, serverConfig{opts: Options{HeartbeatInterval: 20 * time.Millisecond}})
	ws := s.dial(t, 3)

	check := func(wantSeq uint64) {
		t.Helper()
		ws.SetReadDeadline(time.Now().Add(deadline))
		_, raw, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range fields {
				if !yield(k) {
					return
				}
			}
		})
		if want := []string{"hash", "seq", "time", "type"}; !slices.Equal(keys, want) {
			t.Fatalf("got keys %v in %s, want %v", keys, raw, want)
		}
		var hb wire.Heartbeat
		if err := json.Unmarshal(raw, &hb); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		if hb.Type != "heartbeat" || hb.Seq != wantSeq || hb.Hash != hashOf(wantSeq) {
			t.Fatalf("got %s, want a heartbeat with seq %d and hash %s", raw, wantSeq, hashOf(wantSeq))
		}
		var text string
		json.Unmarshal(fields["time"], &text)
		at, err := time.Parse(time.RFC3339, text)
		if err != nil || !strings.HasSuffix(text, "Z") {
			t.Fatalf("got time %q, want RFC 3339 in UTC (%v)", text, err)
		}
		if now := time.Now(); at.Before(before) || at.After(now) {
			t.Fatalf("got time %v, want between %v and %v", at, before, now)
		}
	}

	check(3) // after the catch-up
	check(3) // periodic

	// A heartbeat follows every event up to the head it names, even one
	// committed but not published yet.
	log.commit(1)
	m := readEvent(t, ws)
	if m.Seq != 4 {
		t.Fatalf("got event %d, want 4", m.Seq)
	}
	check(4)
}

func TestOrigin(t *testing.T) {
	log := &memLog{}
	s := newTestServer(t, log, serverConfig{opts: Options{
		AllowedOrigins: []string{"https://Board.Example.org", "http://10.0.0.5:8080/"},
	}})
	host := strings.TrimPrefix(s.ts.URL, "http://")
	tests := []struct {
		name   string
		origin string // "" sends no Origin header
		ok     bool
	}{
		{name: "no origin", origin: "", ok: true},
		{name: "same host", origin: "http://" + host, ok: true},
		{name: "same host other scheme", origin: "https://" + host, ok: true},
		{name: "allowed", origin: "https://board.example.org", ok: true},
		{name: "allowed with port", origin: "http://10.0.0.5:8080", ok: true},
		{name: "allowed host other scheme", origin: "http://board.example.org", ok: false},
		{name: "other port", origin: "http://10.0.0.5:8081", ok: false},
		{name: "other site", origin: "https://evil.example", ok: false},
		{name: "null", origin: "null", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{}
			if tt.origin != "" {
				header.Set("Origin", tt.origin)
			}
			ws, resp, err := dialURL(t, s.url, header, 0)
			if tt.ok {
				if err != nil {
					t.Fatalf("got %v, want the stream", err)
				}
				if m := read(t, ws); !m.heartbeat() {
					t.Fatalf("got %s, want a heartbeat", m.raw)
				}
				return
			}
			if err == nil {
				t.Fatalf("got the stream, want 403")
			}
			wantError(t, resp, http.StatusForbidden, "EFORBIDDEN")
		})
	}
}

// wantError checks a refused request's status and JSON error code.
func wantError(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	if resp == nil {
		t.Fatalf("got no response, want %d", status)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("got status %d (%s), want %d", resp.StatusCode, body, status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("got Content-Type %q, want JSON", ct)
	}
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if e.Error.Code != code || e.Error.Message == "" {
		t.Fatalf("got error %+v, want code %s and a message", e.Error, code)
	}
}

func TestRefusedRequests(t *testing.T) {
	log := &memLog{}
	log.commit(3)
	s := newTestServer(t, log, serverConfig{})
	tests := []struct {
		name   string
		query  string
		status int
		code   string
	}{
		{name: "not a number", query: "?after=abc", status: http.StatusBadRequest, code: "EINVALID"},
		{name: "negative", query: "?after=-1", status: http.StatusBadRequest, code: "EINVALID"},
		{name: "fraction", query: "?after=1.5", status: http.StatusBadRequest, code: "EINVALID"},
		{name: "plus sign", query: "?after=+1", status: http.StatusBadRequest, code: "EINVALID"},
		{name: "overflow", query: "?after=18446744073709551616", status: http.StatusBadRequest, code: "EINVALID"},
		{name: "twice", query: "?after=1&after=2", status: http.StatusBadRequest, code: "EINVALID"},
		{name: "beyond the head", query: "?after=4", status: http.StatusConflict, code: "ECONFLICT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := dialURL(t, s.url+tt.query, nil, 0)
			if err == nil {
				t.Fatalf("got the stream, want %d", tt.status)
			}
			wantError(t, resp, tt.status, tt.code)
		})
	}

	t.Run("not a websocket", func(t *testing.T) {
		resp, err := http.Get(s.ts.URL + "/api/v1/ws")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		wantError(t, resp, http.StatusBadRequest, "EINVALID")
	})
	t.Run("not GET", func(t *testing.T) {
		resp, err := http.Post(s.ts.URL+"/api/v1/ws", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		wantError(t, resp, http.StatusMethodNotAllowed, "EINVALID")
	})
	t.Run("empty after is everything", func(t *testing.T) {
		ws, _, err := dialURL(t, s.url+"?after=", nil, 0)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		wantEvents(t, ws, log, 1, 3)
	})
}

func TestStreamEnds(t *testing.T) {
	t.Run("hub closed", func(t *testing.T) {
		log := &memLog{}
		log.commit(3)
		s := newTestServer(t, log, serverConfig{})
		ws := s.dial(t, 1)
		wantEvents(t, ws, log, 2, 3)
		read(t, ws) // heartbeat: the stream is live
		s.hub.Close()
		wantClose(t, ws, websocket.CloseGoingAway, "server shutting down: resume with ?after=3")
	})
	t.Run("log fails", func(t *testing.T) {
		log := &memLog{}
		log.commit(3)
		s := newTestServer(t, log, serverConfig{})
		ws := s.dial(t, 3)
		read(t, ws) // heartbeat: the stream is live
		log.mu.Lock()
		log.err = errors.New("disk on fire")
		log.mu.Unlock()
		evs := log.commit(2)
		s.srv.Publish(evs[1]) // 4 must come from the log, which fails
		wantClose(t, ws, websocket.CloseInternalServerErr, "log unavailable: resume with ?after=3")
	})
	t.Run("client leaves", func(t *testing.T) {
		log := &memLog{}
		s := newTestServer(t, log, serverConfig{})
		ws := s.dial(t, 0)
		other := s.dial(t, 0)
		waitSubscribers(t, s.srv, 2)
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(deadline))
		waitSubscribers(t, s.srv, 1)
		s.srv.Publish(log.commit(1)...)
		wantEvents(t, other, log, 1, 1)
	})
}

// wantClose reads ws, skipping heartbeats, until the close frame.
func wantClose(t *testing.T, ws *websocket.Conn, code int, text string) {
	t.Helper()
	for {
		m, err := tryRead(ws)
		if err == nil && m.heartbeat() {
			continue
		}
		ce, ok := closeError(err)
		if !ok {
			t.Fatalf("got message %s, error %v, want close %d", m.raw, err, code)
		}
		if ce.Code != code || ce.Text != text {
			t.Fatalf("got close %d %q, want %d %q", ce.Code, ce.Text, code, text)
		}
		return
	}
}

func TestPublishPreparesOnce(t *testing.T) {
	log := &memLog{}
	s := newTestServer(t, log, serverConfig{})
	a, b := s.hub.Subscribe(), s.hub.Subscribe()
	ev := log.commit(1)[0]
	s.srv.Publish(ev)
	got := []*hub.Event{<-a.C, <-b.C}
	pm, ok := got[0].Encoded.(*websocket.PreparedMessage)
	if !ok {
		t.Fatalf("got Encoded %T, want *websocket.PreparedMessage", got[0].Encoded)
	}
	if got[1].Encoded != any(pm) {
		t.Errorf("subscribers got different encodings, want one for all")
	}
	if string(got[0].Data) != string(ev.Data) || got[0].Seq != ev.Seq {
		t.Errorf("got event %d %s, want %d %s", got[0].Seq, got[0].Data, ev.Seq, ev.Data)
	}
}

func TestNewRejectsBadOrigins(t *testing.T) {
	tests := []struct {
		name   string
		origin string
	}{
		{name: "no scheme", origin: "board.example.org"},
		{name: "path", origin: "https://board.example.org/board"},
		{name: "query", origin: "https://board.example.org?x=1"},
		{name: "garbage", origin: "://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hub.New(hub.Options{})
			t.Cleanup(h.Close)
			if _, err := New(h, &memLog{}, nil, Options{AllowedOrigins: []string{tt.origin}}); err == nil {
				t.Errorf("New accepted origin %q, want an error", tt.origin)
			}
		})
	}
}

// TestHeartbeatAfterNewerEvent publishes a heartbeat naming a head older
// than the last event the stream sent: the stream names its own head
// instead, never a seq before an event the client has.
func TestHeartbeatAfterNewerEvent(t *testing.T) {
	log := &memLog{}
	log.commit(2)
	s := newTestServer(t, log, serverConfig{})
	ws := s.dial(t, 0)
	wantEvents(t, ws, log, 1, 2)
	if m := read(t, ws); !m.heartbeat() || m.Seq != 2 {
		t.Fatalf("got %s, want a heartbeat with seq 2", m.raw)
	}
	s.srv.Publish(log.commit(1)...)
	wantEvents(t, ws, log, 3, 3)
	s.hub.Publish(hub.Event{Encoded: &heartbeatSignal{seq: 2, msg: encodeHeartbeat(2, hashOf(2), time.Now())}})
	if m := read(t, ws); !m.heartbeat() || m.Seq != 3 || m.Hash != hashOf(3) {
		t.Fatalf("got %s, want a heartbeat with seq 3", m.raw)
	}
}

func TestPing(t *testing.T) {
	t.Run("answering client stays", func(t *testing.T) {
		// The server pings every 9/10 of the pong timeout, so each pong has
		// a tenth of it to come back: 300 ms, which a loaded machine
		// (race detector, other tests) still gives a loopback round trip.
		log := &memLog{}
		s := newTestServer(t, log, serverConfig{opts: Options{PongTimeout: 3 * time.Second}})
		ws := s.dial(t, 0)
		pings := make(chan struct{}, 100)
		ws.SetPingHandler(func(data string) error {
			select {
			case pings <- struct{}{}:
			default:
			}
			return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(deadline))
		})
		go func() {
			for {
				if _, _, err := ws.NextReader(); err != nil {
					return
				}
			}
		}()
		// Several pings, each answered, keep the stream open across
		// more than two pong timeouts.
		for range 3 {
			select {
			case <-pings:
			case <-time.After(deadline):
				t.Fatalf("no ping after %v", deadline)
			}
		}
		if got := s.srv.Subscribers(); got != 1 {
			t.Fatalf("got %d subscribers, want 1", got)
		}
	})
	t.Run("silent client is dropped", func(t *testing.T) {
		log := &memLog{}
		s := newTestServer(t, log, serverConfig{opts: Options{PongTimeout: 50 * time.Millisecond}})
		ws := s.dial(t, 0)
		ws.SetPingHandler(func(string) error { return nil }) // never answers
		waitSubscribers(t, s.srv, 1)
		ws.SetReadDeadline(time.Now().Add(deadline))
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				var ne interface{ Timeout() bool }
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("got %v, want the server to end the stream", err)
				}
				break
			}
		}
		waitSubscribers(t, s.srv, 0)
	})
}
