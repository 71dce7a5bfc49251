package hall_test

import (
	"encoding/json"
	"net"
	"net/http"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/wire"
)

// TestHealthListener: the health listener answers /healthz and nothing else,
// and answers it while the public port is full and refuses newcomers from the
// flooding address.
func TestHealthListener(t *testing.T) {
	s := serveHall(t, t.TempDir(), nil, config.DemoSecrets{}, func(l *config.Limits) {
		l.MaxConnections, l.MaxConnectionsPerAddress = 4, 4
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.h.ServeHealth(ln)
	health := "http://" + ln.Addr().String()

	// Fill the public port from one address; its next connection is refused.
	for range 4 {
		slowPost(t, s, 2)
	}
	if status, closed := answer(slowPost(t, s, 2), 30*time.Second); !closed || status != http.StatusServiceUnavailable {
		t.Fatalf("the flood's fifth connection: %d (closed %v), want 503", status, closed)
	}
	c := kioskClient(2) // the flooding address itself
	for range 3 {
		resp, err := c.Get(health + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		var h wire.Health
		err = json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || h.Status != "ok" || h.Hall != s.cfg.Hall.ID {
			t.Fatalf("health listener during the flood: %d %+v %v", resp.StatusCode, h, err)
		}
	}
	for _, path := range []string{"/api/v1/board", "/", "/metrics", "/api/v1/ws"} {
		resp, err := c.Get(health + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("health listener %s: %d, want 404", path, resp.StatusCode)
		}
	}
}
