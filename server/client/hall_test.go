package client_test

import (
	"io"
	"net"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/hall"
)

// testHall is the demo hall, wired as the server wires it, served over
// loopback.
type testHall struct {
	srv     *httptest.Server
	secrets config.DemoSecrets
	engine  *engine.Engine
	now     func() time.Time // the hall's clock
}

// hallClock returns a clock that runs as fast as the machine's from 10:00 of
// a fixed day in loc. A test hall keeps it, so that no test depends on the
// date or the time of day it runs at: the demo hall's service day turns at
// 04:00, and a ticket issued offline must be of the day its lease is.
func hallClock(loc *time.Location) func() time.Time {
	start, at := time.Now(), time.Date(2026, 11, 20, 10, 0, 0, 0, loc)
	return func() time.Time { return at.Add(time.Since(start)) }
}

// newTestHall starts the demo hall; its stream sends a heartbeat every
// heartbeat.
func newTestHall(t *testing.T, heartbeat time.Duration) *testHall {
	t.Helper()
	return newTestHallWith(t, heartbeat, nil)
}

// newTestHallWith starts the demo hall as changed by tweak (nil: as it is).
func newTestHallWith(t *testing.T, heartbeat time.Duration, tweak func(*config.Config)) *testHall {
	t.Helper()
	cfg, secrets, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(cfg)
	}
	// Every printer report is recorded at once: these tests check what the
	// client sends and the server records, not the server's coalescing (the
	// hall's own tests cover that).
	cfg.Limits.DeviceStatusInterval = time.Nanosecond
	now := hallClock(cfg.Hall.Location)
	h, err := hall.Open(cfg, t.TempDir(), nil, hall.Options{NoSync: true, Heartbeat: heartbeat, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler)
	t.Cleanup(func() {
		h.Hub.Close()
		srv.Close()
		if err := h.Close(); err != nil {
			t.Error(err)
		}
	})
	return &testHall{srv: srv, secrets: secrets, engine: h.Engine, now: now}
}

// proxy is a TCP relay on loopback whose connections can be cut, as a network
// failure would.
type proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
	})
	return p
}

func (p *proxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go func() { io.Copy(out, in); out.Close() }()
		go func() { io.Copy(in, out); in.Close() }()
	}
}

// cut closes every relayed connection.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
