package client_test

import (
	"io"
	"net"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hallq/server/api"
	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/hub"
	"hallq/server/store"
	"hallq/server/stream"
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
	st, err := store.Open(filepath.Join(t.TempDir(), "hallq.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	h := hub.New(hub.Options{QueueSize: cfg.Limits.WSQueue})
	streams, err := stream.New(h, logSource{st}, nil, stream.Options{HeartbeatInterval: heartbeat})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(st, cfg.Hall, engine.Options{
		Publish: func(recs []store.Record) {
			evs := make([]hub.Event, len(recs))
			for i, r := range recs {
				evs[i] = hub.Event{Seq: r.Seq, Data: r.Raw}
			}
			streams.Publish(evs...)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	o := api.Options{Engine: eng, Store: st, Stream: streams, Cards: map[string]api.Card{}}
	for _, s := range cfg.Staff {
		o.Staff = append(o.Staff, api.Staff{Username: s.Username, Name: s.Name.ZH, PasswordHash: []byte(s.PasswordHash), Windows: s.Windows})
	}
	for _, d := range cfg.Devices {
		o.Devices = append(o.Devices, api.Device{ID: d.ID, Kind: string(d.Kind), Name: d.Name, TokenSHA256: d.TokenSHA256,
			Services: d.Services, Window: d.Window})
	}
	for _, n := range cfg.Notices {
		o.Notices = append(o.Notices, api.Notice{ZH: n.ZH, EN: n.EN})
	}
	for id, c := range cfg.Cards {
		o.Cards[id] = api.Card{Name: c.Name.ZH, NameEN: c.Name.EN, Title: c.Title.ZH, Unit: c.Unit.ZH, Duties: c.Duties.ZH}
	}
	srv := httptest.NewServer(api.New(o))
	t.Cleanup(func() {
		h.Close()
		srv.Close()
		if err := eng.Close(); err != nil {
			t.Error(err)
		}
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return &testHall{srv: srv, secrets: secrets, engine: eng}
}

// logSource serves the stream's catch-up from the store.
type logSource struct{ st *store.Store }

func (s logSource) Head() (uint64, string) { return s.st.Head() }

func (s logSource) EventsAfter(after uint64, limit int) ([]hub.Event, error) {
	recs, err := s.st.EventsAfter(after, limit)
	if err != nil {
		return nil, err
	}
	evs := make([]hub.Event, len(recs))
	for i, r := range recs {
		evs[i] = hub.Event{Seq: r.Seq, Data: r.Raw}
	}
	return evs, nil
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
