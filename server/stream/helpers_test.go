package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/hub"
)

// deadline bounds every wait so that a broken stream fails a test instead
// of hanging it; it is never a performance threshold.
const deadline = 60 * time.Second

// memLog is an in-memory Source: a committed log the test appends to as the
// writer would, publishing (or not) separately.
type memLog struct {
	mu     sync.Mutex
	events []hub.Event // events[i].Seq == i+1
	pad    int         // bytes of padding in each event's data
	err    error       // returned by EventsAfter when set
}

var _ Source = (*memLog)(nil)

func hashOf(seq uint64) string { return fmt.Sprintf("%064x", seq) }

func (l *memLog) Head() (uint64, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := uint64(len(l.events))
	return n, hashOf(n)
}

func (l *memLog) EventsAfter(after uint64, limit int) ([]hub.Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, l.err
	}
	if after >= uint64(len(l.events)) {
		return nil, nil
	}
	evs := l.events[after:]
	if len(evs) > limit {
		evs = evs[:limit]
	}
	return append([]hub.Event(nil), evs...), nil
}

// commit appends n events to the log and returns them, unpublished.
func (l *memLog) commit(n int) []hub.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []hub.Event
	for range n {
		seq := uint64(len(l.events) + 1)
		data := fmt.Appendf(nil, `{"seq":%d,"type":"ticket.called","data":{"number":"A%03d","pad":"%s"},"hash":"%s"}`,
			seq, seq, strings.Repeat("x", l.pad), hashOf(seq))
		ev := hub.Event{Seq: seq, Data: data}
		l.events = append(l.events, ev)
		out = append(out, ev)
	}
	return out
}

// event returns committed event seq.
func (l *memLog) event(seq uint64) hub.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.events[seq-1]
}

// testServer is a stream Server behind a real loopback HTTP server.
type testServer struct {
	srv *Server
	hub *hub.Hub
	ts  *httptest.Server
	url string // ws://…/api/v1/ws
}

// serverConfig tunes newTestServer.
type serverConfig struct {
	opts    Options
	hubOpts hub.Options
	// sndbuf, when set, is the socket send buffer of accepted connections,
	// so that a client that stops reading blocks the server soon.
	sndbuf int
}

// newTestServer starts a Server over src. Cleanup closes the hub, waits for
// every stream handler to return, then stops the HTTP server.
func newTestServer(tb testing.TB, src Source, cfg serverConfig) *testServer {
	tb.Helper()
	h := hub.New(cfg.hubOpts)
	srv, err := New(h, src, nil, cfg.opts)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	var handlers sync.WaitGroup
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/ws", func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1)
		defer handlers.Done()
		srv.ServeHTTP(w, r)
	})
	ts := httptest.NewUnstartedServer(mux)
	if cfg.sndbuf > 0 {
		ts.Listener = sndbufListener{Listener: ts.Listener, size: cfg.sndbuf}
	}
	ts.Start()
	tb.Cleanup(ts.Close)
	tb.Cleanup(func() {
		h.Close()
		waitGroup(tb, &handlers)
	})
	return &testServer{
		srv: srv,
		hub: h,
		ts:  ts,
		url: "ws" + strings.TrimPrefix(ts.URL, "http") + "/api/v1/ws",
	}
}

func waitGroup(tb testing.TB, wg *sync.WaitGroup) {
	tb.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(deadline):
		tb.Errorf("stream handlers still running %v after the hub closed", deadline)
	}
}

// sndbufListener sets the send buffer of accepted connections.
type sndbufListener struct {
	net.Listener
	size int
}

func (l sndbufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		if err := tc.SetWriteBuffer(l.size); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// dialURL connects to url and closes the connection at cleanup. rcvbuf, when
// set, is the client's socket receive buffer.
func dialURL(tb testing.TB, url string, header http.Header, rcvbuf int) (*websocket.Conn, *http.Response, error) {
	tb.Helper()
	d := websocket.Dialer{HandshakeTimeout: deadline}
	if rcvbuf > 0 {
		d.NetDial = func(network, addr string) (net.Conn, error) {
			c, err := net.Dial(network, addr)
			if err != nil {
				return nil, err
			}
			if err := c.(*net.TCPConn).SetReadBuffer(rcvbuf); err != nil {
				c.Close()
				return nil, err
			}
			return c, nil
		}
	}
	ws, resp, err := d.Dial(url, header)
	if err == nil {
		tb.Cleanup(func() { ws.Close() })
	}
	return ws, resp, err
}

// dial connects with ?after=after, failing the test on error.
func (s *testServer) dial(tb testing.TB, after uint64) *websocket.Conn {
	tb.Helper()
	ws, _, err := dialURL(tb, fmt.Sprintf("%s?after=%d", s.url, after), nil, 0)
	if err != nil {
		tb.Fatalf("dial after=%d: %v", after, err)
	}
	return ws
}

// message is what a test needs of a stream message.
type message struct {
	Type string `json:"type"`
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
	Time string `json:"time"`
	raw  []byte
}

func (m message) heartbeat() bool { return m.Type == "heartbeat" }

// read returns the next message, failing the test if none arrives.
func read(tb testing.TB, ws *websocket.Conn) message {
	tb.Helper()
	m, err := tryRead(ws)
	if err != nil {
		tb.Fatalf("read: %v", err)
	}
	return m
}

func tryRead(ws *websocket.Conn) (message, error) {
	ws.SetReadDeadline(time.Now().Add(deadline))
	typ, raw, err := ws.ReadMessage()
	if err != nil {
		return message{}, err
	}
	if typ != websocket.TextMessage {
		return message{}, fmt.Errorf("got message type %d, want text", typ)
	}
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		return message{}, fmt.Errorf("decode %s: %w", raw, err)
	}
	m.raw = raw
	return m, nil
}

// readEvent returns the next event, skipping heartbeats.
func readEvent(tb testing.TB, ws *websocket.Conn) message {
	tb.Helper()
	end := time.Now().Add(deadline)
	for time.Now().Before(end) {
		if m := read(tb, ws); !m.heartbeat() {
			return m
		}
	}
	tb.Fatalf("only heartbeats for %v, want an event", deadline)
	return message{}
}

// closeError returns the close frame err reports, if any.
func closeError(err error) (*websocket.CloseError, bool) {
	var ce *websocket.CloseError
	ok := errors.As(err, &ce)
	return ce, ok
}

// waitSubscribers waits until srv has n live subscribers.
func waitSubscribers(tb testing.TB, srv *Server, n int) {
	tb.Helper()
	end := time.Now().Add(deadline)
	for srv.Subscribers() != n {
		if time.Now().After(end) {
			tb.Fatalf("got %d subscribers after %v, want %d", srv.Subscribers(), deadline, n)
		}
		time.Sleep(time.Millisecond)
	}
}
