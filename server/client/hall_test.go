package client_test

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/hall/halltest"
)

// testHall is the demo hall, wired as the server wires it, served over
// loopback (halltest.Start).
type testHall struct {
	*halltest.Hall
	secrets config.DemoSecrets
	engine  *engine.Engine
	now     func() time.Time // the hall's clock
}

// newTestHall starts the demo hall; its stream sends a heartbeat every
// heartbeat.
func newTestHall(t *testing.T, heartbeat time.Duration) *testHall {
	t.Helper()
	return newTestHallWith(t, heartbeat, nil)
}

// newTestHallWith starts the demo hall as changed by tweak (nil: as it is),
// on a clock that runs from 10:00 of a fixed day, so that no test depends on
// the date or the time of day it runs at: the demo hall's service day turns
// at 04:00, and a ticket issued offline must be of the day its lease is.
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
	clock := halltest.NewClock(cfg.Hall, time.Date(2026, 11, 20, 10, 0, 0, 0, cfg.Hall.Location))
	h := halltest.Start(t, halltest.Options{Config: cfg, Clock: clock, Heartbeat: heartbeat})
	return &testHall{Hall: h, secrets: secrets, engine: h.Engine, now: clock.Now}
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
