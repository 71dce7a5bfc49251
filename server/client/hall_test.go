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
}

// newTestHall starts the demo hall; its stream sends a heartbeat every
// heartbeat.
func newTestHall(t *testing.T, heartbeat time.Duration) *testHall {
	t.Helper()
	cfg, secrets, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	h, err := hall.Open(cfg, t.TempDir(), nil, hall.Options{NoSync: true, Heartbeat: heartbeat})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.API)
	t.Cleanup(func() {
		h.Hub.Close()
		srv.Close()
		if err := h.Close(); err != nil {
			t.Error(err)
		}
	})
	return &testHall{srv: srv, secrets: secrets, engine: h.Engine}
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
