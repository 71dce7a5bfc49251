package stream

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/eventlog"
	"hallq/server/hub"
	"hallq/server/store"
)

// benchSizes are the numbers of connected clients the broadcast benchmarks
// run with.
var benchSizes = []int{1000, 5000}

// dialParallel is how many clients dial at the same time.
const dialParallel = 64

// BenchmarkBroadcast measures hallq's stream end to end: each op appends one
// ticket.called event to a real store (fsync on), publishes it, and waits
// until every connected client has received it. The latency of an op runs
// from just before the append to the moment the last client got the event;
// append-* is the part spent in Update (mostly its fsync).
func BenchmarkBroadcast(b *testing.B) {
	dir := b.TempDir()
	for _, n := range benchSizes {
		var env *broadcastEnv
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			if env == nil {
				env = newBroadcastEnv(b, filepath.Join(dir, fmt.Sprintf("hall-%d.db", n)), n)
			}
			env.run(b)
		})
		if env != nil {
			env.close()
		}
	}
}

// BenchmarkBroadcastBaseline is the raw baseline of BenchmarkBroadcast: the
// same clients connected to a bare gorilla/websocket server that keeps the
// connections and writes each event to all of them in a plain loop, without
// store, hub or write pumps.
func BenchmarkBroadcastBaseline(b *testing.B) {
	for _, n := range benchSizes {
		var env *baselineEnv
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			if env == nil {
				env = newBaselineEnv(b, n)
			}
			env.run(b)
		})
		if env != nil {
			env.close()
		}
	}
}

// benchClients are n websocket clients, each with a lean reader goroutine
// that counts the awaited event by the seq at the start of its bytes.
type benchClients struct {
	conns   []*websocket.Conn
	readers sync.WaitGroup

	want      atomic.Uint64  // the awaited event's seq
	remaining atomic.Int64   // clients that have not received it yet
	done      chan time.Time // when the last client received it
}

// dialClients connects n clients to url, dialParallel at a time.
func dialClients(b *testing.B, url string, n int) *benchClients {
	b.Helper()
	c := &benchClients{conns: make([]*websocket.Conn, n), done: make(chan time.Time, 1)}
	d := websocket.Dialer{HandshakeTimeout: deadline}
	sem := make(chan struct{}, dialParallel)
	errs := make(chan error, n)
	var dials sync.WaitGroup
	for i := range n {
		dials.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; dials.Done() }()
			ws, _, err := d.Dial(url, nil)
			if err != nil {
				errs <- fmt.Errorf("dial client %d: %w", i, err)
				return
			}
			c.conns[i] = ws
		}()
	}
	dials.Wait()
	close(errs)
	if err := <-errs; err != nil {
		c.close()
		b.Fatal(err)
	}
	for _, ws := range c.conns {
		c.readers.Add(1)
		go c.read(ws)
	}
	return c
}

// read is a client's reader goroutine.
func (c *benchClients) read(ws *websocket.Conn) {
	defer c.readers.Done()
	buf := make([]byte, 1024)
	for {
		_, r, err := ws.NextReader()
		if err != nil {
			return
		}
		n := 0
		for {
			if n == len(buf) {
				buf = append(buf, make([]byte, len(buf))...)
			}
			m, err := r.Read(buf[n:])
			n += m
			if err == io.EOF {
				break
			}
			if err != nil {
				return
			}
		}
		if seq, ok := seqOf(buf[:n]); ok && seq == c.want.Load() {
			if c.remaining.Add(-1) == 0 {
				c.done <- time.Now()
			}
		}
	}
}

// seqOf returns the seq of an event message, which starts {"seq":N,
// (heartbeats start with {"type").
func seqOf(msg []byte) (uint64, bool) {
	const prefix = `{"seq":`
	if !bytes.HasPrefix(msg, []byte(prefix)) {
		return 0, false
	}
	var seq uint64
	for _, b := range msg[len(prefix):] {
		if b < '0' || b > '9' {
			return seq, b == ','
		}
		seq = seq*10 + uint64(b-'0')
	}
	return 0, false
}

// expect sets the seq the clients wait for next. It is called before the
// event can reach any client: a heartbeat may send an event from the log as
// soon as it is committed, before it is published.
func (c *benchClients) expect(seq uint64) {
	c.remaining.Store(int64(len(c.conns)))
	c.want.Store(seq)
}

// wait returns when the last client received the awaited event.
func (c *benchClients) wait(b *testing.B) time.Time {
	select {
	case at := <-c.done:
		return at
	case <-time.After(deadline):
		b.Fatalf("%d of %d clients still waiting for event %d after %v", c.remaining.Load(), len(c.conns), c.want.Load(), deadline)
	}
	return time.Time{}
}

func (c *benchClients) close() {
	for _, ws := range c.conns {
		if ws != nil {
			ws.Close()
		}
	}
	c.readers.Wait()
}

// latencies collects per-op durations and reports their percentiles.
type latencies []time.Duration

func (l latencies) report(b *testing.B, prefix string) {
	if len(l) == 0 {
		return
	}
	s := slices.Clone(l)
	slices.Sort(s)
	pct := func(p int) float64 {
		i := (len(s)*p + 99) / 100 // nearest rank
		return float64(s[max(i-1, 0)]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(50), prefix+"p50-ms")
	b.ReportMetric(pct(99), prefix+"p99-ms")
}

// broadcastEnv is hallq's stream over a real store with n clients.
type broadcastEnv struct {
	st       *store.Store
	hub      *hub.Hub
	srv      *Server
	ts       *httptest.Server
	handlers sync.WaitGroup
	clients  *benchClients
}

func newBroadcastEnv(b *testing.B, path string, n int) *broadcastEnv {
	b.Helper()
	// The store as the hall server runs it: fsync on, with its journal.
	st, err := store.Open(path, store.Options{Journal: true})
	if err != nil {
		b.Fatalf("store.Open: %v", err)
	}
	e := &broadcastEnv{st: st, hub: hub.New(hub.Options{})}
	e.srv, err = New(e.hub, storeSource{st}, nil, Options{})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	e.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.handlers.Add(1)
		defer e.handlers.Done()
		e.srv.ServeHTTP(w, r)
	}))
	e.clients = dialClients(b, "ws"+strings.TrimPrefix(e.ts.URL, "http"), n)
	// Every stream is live once it is subscribed.
	for end := time.Now().Add(deadline); e.srv.Subscribers() != n; {
		if time.Now().After(end) {
			b.Fatalf("got %d subscribers after %v, want %d", e.srv.Subscribers(), deadline, n)
		}
		time.Sleep(time.Millisecond)
	}
	return e
}

func (e *broadcastEnv) run(b *testing.B) {
	var total, appends latencies
	b.ResetTimer()
	for i := range b.N {
		data := ticketData(i)
		head, _ := e.st.Head()
		e.clients.expect(head + 1) // the benchmark is the only writer
		start := time.Now()
		// Appended as the engine appends: a record of the chain, committed.
		chain, err := eventlog.NewChain(e.st.Head())
		if err != nil {
			b.Fatal(err)
		}
		rec, err := chain.Next("ticket.called", start, data)
		if err == nil {
			err = e.st.Commit(&store.Batch{Records: []eventlog.Record{rec}})
		}
		appended := time.Now()
		if err != nil {
			b.Fatalf("append: %v", err)
		}
		if rec.Seq != head+1 {
			b.Fatalf("appended event %d, want %d", rec.Seq, head+1)
		}
		e.srv.Publish(hub.Event{Seq: rec.Seq, Data: rec.Raw})
		got := e.clients.wait(b)
		total = append(total, got.Sub(start))
		appends = append(appends, appended.Sub(start))
	}
	b.StopTimer()
	total.report(b, "")
	appends.report(b, "append-")
}

func (e *broadcastEnv) close() {
	e.clients.close()
	e.hub.Close()
	e.handlers.Wait()
	e.ts.Close()
	e.st.Close()
}

// baselineEnv is a bare gorilla/websocket server with n clients.
type baselineEnv struct {
	mu      sync.Mutex
	conns   []*websocket.Conn // server side
	ts      *httptest.Server
	clients *benchClients
}

func newBaselineEnv(b *testing.B, n int) *baselineEnv {
	b.Helper()
	e := &baselineEnv{}
	up := websocket.Upgrader{}
	e.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		e.mu.Lock()
		e.conns = append(e.conns, ws)
		e.mu.Unlock()
	}))
	e.clients = dialClients(b, "ws"+strings.TrimPrefix(e.ts.URL, "http"), n)
	for end := time.Now().Add(deadline); ; {
		e.mu.Lock()
		got := len(e.conns)
		e.mu.Unlock()
		if got == n {
			break
		}
		if time.Now().After(end) {
			b.Fatalf("got %d connections after %v, want %d", got, deadline, n)
		}
		time.Sleep(time.Millisecond)
	}
	return e
}

func (e *baselineEnv) run(b *testing.B) {
	var total latencies
	prev := strings.Repeat("0", 64)
	b.ResetTimer()
	for i := range b.N {
		// The same shape and size as a stored ticket.called event.
		hash := fmt.Sprintf("%064x", i+1)
		msg := fmt.Appendf(nil, `{"seq":%d,"time":"%s","type":"ticket.called","data":%s,"prev_hash":"%s","hash":"%s"}`,
			i+1, time.Now().UTC().Format(eventlog.TimeLayout), ticketData(i), prev, hash)
		prev = hash
		e.clients.expect(uint64(i + 1))
		start := time.Now()
		for _, ws := range e.conns {
			if err := ws.WriteMessage(websocket.TextMessage, msg); err != nil {
				b.Fatalf("write: %v", err)
			}
		}
		got := e.clients.wait(b)
		total = append(total, got.Sub(start))
	}
	b.StopTimer()
	total.report(b, "")
}

func (e *baselineEnv) close() {
	e.clients.close()
	for _, ws := range e.conns {
		ws.Close()
	}
	e.ts.Close()
}
