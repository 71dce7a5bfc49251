package halltest

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/hall"
	"hallq/server/keyfile"
)

// Options say which hall Start runs. The zero value is the demo hall on a
// clock that keeps to its service day, in a new data directory.
type Options struct {
	// Config is the hall's configuration (default: the demo hall, whose
	// credentials Hall.Secrets holds).
	Config *config.Config
	// Adjust, if not nil, changes the configuration before the hall opens.
	Adjust func(*config.Config)
	// Dir is the data directory (default: a new temporary one).
	Dir string
	// Clock is the hall's clock (default: NewClock at the machine's time,
	// keeping to the hall's service day).
	Clock *Clock
	// Heartbeat overrides the configured websocket heartbeat interval.
	Heartbeat time.Duration
	// SessionSweep is how often ended staff sessions are deleted (default:
	// the server's).
	SessionSweep time.Duration
	// Sync makes commits durable (fsync), as the server runs; tests that
	// only close the hall cleanly leave it off.
	Sync bool
	// NotifyBackoff is the notifier's first wait before a retry (default:
	// the server's).
	NotifyBackoff time.Duration
	// Serve serves the hall with Hall.Serve, as the server does: behind its
	// admission of connections and its timeouts, over HTTPS if the
	// configuration names a certificate (URL then starts with https://).
	// Such a hall is not taken Down and Up; Close shuts it down as the
	// server does, and Restart and Open serve it again.
	Serve bool
}

// Hall is a hall wired as the server wires it (hall.Open), served over HTTP
// on a loopback address that it keeps across Down, Up and Restart. Its
// fields are the running hall's; Restart replaces them.
type Hall struct {
	*hall.Hall

	// URL is the hall's base URL, "http://127.0.0.1:port".
	URL string
	// Config is the hall's configuration.
	Config *config.Config
	// Secrets are the demo hall's credentials (zero with Options.Config).
	Secrets config.DemoSecrets
	// Dir is the data directory.
	Dir string
	// Clock is the hall's clock.
	Clock *Clock
	// Logs holds everything the hall logged, at debug level.
	Logs *SyncBuffer
	// Options are those of Start; a change takes effect when the hall opens
	// again.
	Options Options

	t    testing.TB
	port *Port
	log  *slog.Logger

	mu    sync.Mutex
	srv   *http.Server // nil while down
	conns map[net.Conn]struct{}
	// served is Hall.Serve's answer, with Options.Serve; nil while down.
	served chan error
}

// Start opens a hall and serves it until the test ends.
func Start(t testing.TB, o Options) *Hall {
	t.Helper()
	// The hall's keys are in its data directory, never in the credentials
	// of the service running the tests.
	t.Setenv(keyfile.CredentialsEnv, "")
	h := &Hall{t: t, Options: o, Config: o.Config, Dir: o.Dir, Clock: o.Clock, Logs: &SyncBuffer{}, port: NewPort(t),
		conns: map[net.Conn]struct{}{}}
	if h.Config == nil {
		cfg, secrets, err := config.Demo()
		if err != nil {
			t.Fatal(err)
		}
		h.Config, h.Secrets = cfg, secrets
	}
	if o.Adjust != nil {
		o.Adjust(h.Config)
	}
	if h.Dir == "" {
		h.Dir = t.TempDir()
	}
	if h.Clock == nil {
		h.Clock = NewClock(h.Config.Hall, time.Time{})
	}
	h.URL = "http://" + h.port.Addr()
	if o.Serve && h.Config.Server.TLSCert != "" {
		h.URL = "https://" + h.port.Addr()
	}
	h.log = slog.New(slog.NewTextHandler(h.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.Open()
	t.Cleanup(h.Close)
	return h
}

// Open opens the hall again on Dir, after Close, and serves it at its
// address.
func (h *Hall) Open() {
	h.t.Helper()
	if h.Hall != nil {
		h.t.Fatal("halltest: Open of a hall that is open")
	}
	hl, err := hall.Open(h.Config, h.Dir, h.log, hall.Options{NoSync: !h.Options.Sync, Now: h.Clock.Now,
		Heartbeat: h.Options.Heartbeat, SessionSweep: h.Options.SessionSweep, NotifyBackoff: h.Options.NotifyBackoff})
	if err != nil {
		h.t.Fatalf("open the hall: %v", err)
	}
	h.Hall = hl
	h.Up()
}

// Up serves the hall (again) at its address.
func (h *Hall) Up() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.Options.Serve {
		if h.served == nil {
			h.served = make(chan error, 1)
			go func(hl *hall.Hall, ln net.Listener, served chan error) { served <- hl.Serve(ln) }(h.Hall, h.port.Listener(), h.served)
		}
		return
	}
	if h.srv != nil {
		return
	}
	h.srv = &http.Server{Handler: h.Handler, ConnState: func(c net.Conn, s http.ConnState) {
		h.mu.Lock()
		defer h.mu.Unlock()
		switch s {
		case http.StateNew:
			h.conns[c] = struct{}{}
		case http.StateClosed:
			delete(h.conns, c)
		}
	}}
	go h.srv.Serve(h.port.Listener())
}

// Down stops serving, as a server that went down: every connection,
// websockets included, is cut and new ones are dropped until Up. The hall
// itself keeps running.
func (h *Hall) Down() {
	if h.Options.Serve {
		h.t.Fatal("halltest: Down of a hall served with Hall.Serve; Close it")
	}
	h.mu.Lock()
	srv := h.srv
	h.srv = nil
	conns := h.conns
	h.conns = map[net.Conn]struct{}{}
	h.mu.Unlock()
	if srv == nil {
		return
	}
	srv.Close() // closes the listener and the connections it still tracks
	for c := range conns {
		c.Close() // hijacked ones (websockets) too
	}
}

// Restart stops the hall and opens it again on the same data directory and
// address, as a restarted server.
func (h *Hall) Restart() {
	h.t.Helper()
	h.Close()
	h.Open()
}

// Close stops serving and closes the hall, as a server that stops: live
// streams end, queued requests are answered, a snapshot is saved and the
// store is closed. Start arranges it at the end of the test; Open opens the
// hall again.
func (h *Hall) Close() {
	if h.Hall == nil {
		return
	}
	if h.Options.Serve {
		h.shutdown()
	} else {
		h.Hub.Close()
		h.Down()
	}
	if err := h.Hall.Close(); err != nil {
		h.t.Errorf("close the hall: %v", err)
	}
	h.Hall = nil
}

// shutdown stops a hall served with Hall.Serve as the server stops it: live
// streams end and the requests under way are answered.
func (h *Hall) shutdown() {
	h.mu.Lock()
	served := h.served
	h.served = nil
	h.mu.Unlock()
	if served == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.Hall.Shutdown(ctx); err != nil {
		h.t.Errorf("shut the hall down: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		h.t.Errorf("serve the hall: %v", err)
	}
}
