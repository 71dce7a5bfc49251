package client_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"hallq/server/client"
	"hallq/server/wire"
)

type connKey struct{}

// staleServer answers the first request of each connection and drops the
// second unanswered, as a server that closed a kept-alive connection the
// client sends on: the request goes out and the answer is EOF. It counts
// the requests it saw by path.
func staleServer(t *testing.T) (base string, seen func(path string) int) {
	t.Helper()
	var mu sync.Mutex
	counts := map[string]int{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		counts[r.URL.Path]++
		mu.Unlock()
		if r.Context().Value(connKey{}).(*atomic.Int32).Add(1) == 2 {
			c, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			c.Close()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/hall":
			json.NewEncoder(w).Encode(wire.Hall{ID: "demo"})
		case "/api/v1/tickets/offline", "/api/v1/tickets":
			json.NewEncoder(w).Encode(wire.TicketAnswer{Ticket: wire.Ticket{Number: "A001"}})
		case "/api/v1/tickets/withdraw":
			w.Write([]byte(`{"withdrawn":""}`))
		default:
			w.Write([]byte(`{}`))
		}
	}))
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, new(atomic.Int32))
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, func(path string) int {
		mu.Lock()
		defer mu.Unlock()
		return counts[path]
	}
}

// TestIdempotentRequestOutlivesStaleConnection: a request the server takes
// once however often it is sent goes out again on a new connection when the
// kept-alive one turns out closed, as after a server's restart; a request
// that is not (a lease, a window's act) is not sent twice, and fails.
func TestIdempotentRequestOutlivesStaleConnection(t *testing.T) {
	ctx := context.Background()
	sends := []struct {
		name, path string
		send       func(c *client.Client) error
	}{
		{"issue", "/api/v1/tickets", func(c *client.Client) error {
			_, err := c.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: client.NewIdempotencyKey()})
			return err
		}},
		{"offline sync", "/api/v1/tickets/offline", func(c *client.Client) error {
			_, err := c.SyncOffline(ctx, wire.OfflineTicket{Lease: "L1", Number: "A001"})
			return err
		}},
		{"withdrawal", "/api/v1/tickets/withdraw", func(c *client.Client) error {
			_, err := c.WithdrawRequest(ctx, "k1")
			return err
		}},
		{"device status", "/api/v1/devices/me/status", func(c *client.Client) error {
			return c.ReportDevice(ctx, wire.PrinterOK, "")
		}},
	}
	for _, s := range sends {
		t.Run(s.name, func(t *testing.T) {
			base, seen := staleServer(t)
			c := newClient(t, base, "token")
			if _, err := c.Hall(ctx); err != nil { // opens the connection kept alive
				t.Fatal(err)
			}
			if err := s.send(c); err != nil {
				t.Fatalf("sent on a connection the server closed: %v", err)
			}
			if n := seen(s.path); n != 2 {
				t.Fatalf("the server saw the request %d times, want 2 (dropped, then answered)", n)
			}
		})
	}
	t.Run("lease", func(t *testing.T) {
		base, seen := staleServer(t)
		c := newClient(t, base, "token")
		if _, err := c.Hall(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GrantLease(ctx, "general", 10); err == nil {
			t.Fatal("a lease request dropped by the server: no error")
		}
		if n := seen("/api/v1/leases"); n != 1 {
			t.Fatalf("the server saw the lease request %d times, want 1", n)
		}
	})
}
