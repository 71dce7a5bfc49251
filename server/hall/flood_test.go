package hall_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/config"
)

// from dials the hall from a loopback address of its own (127.0.0.N), as a
// client of another machine would.
func from(n int) *net.Dialer {
	return &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(n))}, Timeout: 10 * time.Second}
}

// slowPost opens a connection from 127.0.0.n that sends a sign-in's headers
// and one byte of its body, and then nothing.
func slowPost(t *testing.T, s *served, n int) net.Conn {
	t.Helper()
	c, err := from(n).Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /api/v1/login HTTP/1.1\r\nHost: hall\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{")
	return c
}

// answer reads what the server sends on c until it closes it, or until
// wait has passed; ok is false when the connection is still open.
func answer(c net.Conn, wait time.Duration) (status int, closed bool) {
	c.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err == nil {
		resp.Body.Close()
		return resp.StatusCode, true
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return 0, false
	}
	return 0, true
}

func kioskClient(n int) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: from(n).DialContext}}
}

// A flood of slow request bodies fills the connections it may, and no more:
// beyond an address's bound it is refused, and at the total bound a kiosk's
// or anyone's new connection replaces one that never finished a request.
// Bodies trickled in are cut at read_timeout.
func TestSlowBodyFloodLeavesRoomForKiosks(t *testing.T) {
	s := serveHall(t, t.TempDir(), nil, config.DemoSecrets{}, func(l *config.Limits) {
		l.MaxConnections, l.MaxConnectionsPerAddress = 40, 20
		l.ReadTimeout = 3 * time.Second
	})
	var flood []net.Conn
	for i := range 40 {
		flood = append(flood, slowPost(t, s, 2+i/20))
	}
	time.Sleep(200 * time.Millisecond) // the server has accepted them all
	if st, _ := answer(slowPost(t, s, 2), 5*time.Second); st != http.StatusServiceUnavailable {
		t.Fatalf("21st slow connection of one address: status %d, want 503", st)
	}
	kiosk := kioskClient(1)
	for i := range 5 {
		req, _ := http.NewRequest("POST", s.url+"/api/v1/tickets",
			strings.NewReader(fmt.Sprintf(`{"service":"general","idempotency_key":"flood-%d"}`, i)))
		req.Header.Set("Authorization", "Bearer "+s.secrets.KioskToken)
		resp, err := kiosk.Do(req)
		if err != nil {
			t.Fatalf("kiosk during the flood: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("kiosk during the flood: status %d", resp.StatusCode)
		}
		if resp, err := kioskClient(10 + i).Get(s.url + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("/healthz during the flood: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
	}
	// The trickled bodies are cut once read_timeout has passed.
	cut := 0
	for _, c := range flood {
		if _, closed := answer(c, 10*time.Second); closed {
			cut++
		}
	}
	if cut != len(flood) {
		t.Fatalf("%d of %d slow bodies cut after read_timeout", cut, len(flood))
	}
}

// Event streams are bounded per address and in total, with 503 and
// Retry-After beyond; an enrolled display still gets its stream, and open
// streams are not cut by the request deadlines.
func TestStreamsAreBounded(t *testing.T) {
	s := serveHall(t, t.TempDir(), nil, config.DemoSecrets{}, func(l *config.Limits) {
		l.WSMaxPerAddress, l.WSMaxSubscribers = 2, 3
		l.ReadTimeout, l.WriteTimeout = time.Second, time.Second
	})
	wsURL := "ws" + strings.TrimPrefix(s.url, "http") + "/api/v1/ws"
	dial := func(n int, token string) (*websocket.Conn, int, string) {
		d := websocket.Dialer{NetDialContext: from(n).DialContext, HandshakeTimeout: 10 * time.Second}
		h := http.Header{}
		if token != "" {
			h.Set("Authorization", "Bearer "+token)
		}
		ws, resp, err := d.Dial(wsURL, h)
		if err != nil {
			if resp == nil {
				t.Fatalf("dial: %v", err)
			}
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			json.NewDecoder(resp.Body).Decode(&e)
			if resp.Header.Get("Retry-After") == "" {
				t.Errorf("refused stream without Retry-After")
			}
			return nil, resp.StatusCode, e.Error.Code
		}
		t.Cleanup(func() { ws.Close() })
		return ws, http.StatusSwitchingProtocols, ""
	}
	first, _, _ := dial(1, "")
	dial(1, "")
	if _, st, code := dial(1, ""); st != http.StatusServiceUnavailable || code != "EUNAVAILABLE" {
		t.Fatalf("third stream of one address: %d %s, want 503 EUNAVAILABLE", st, code)
	}
	if ws, st, _ := dial(2, ""); ws == nil {
		t.Fatalf("stream of another address: %d", st)
	}
	if _, st, code := dial(3, ""); st != http.StatusServiceUnavailable || code != "EUNAVAILABLE" {
		t.Fatalf("fourth stream in all: %d %s, want 503 EUNAVAILABLE", st, code)
	}
	if ws, st, _ := dial(3, s.secrets.DisplayToken); ws == nil {
		t.Fatalf("the hall board's stream with all public streams taken: %d", st)
	}
	// Past both deadlines, the first stream still carries new events.
	time.Sleep(2500 * time.Millisecond)
	if st, code, _ := s.issue("after-deadlines"); st != http.StatusCreated {
		t.Fatalf("issue: %d %s", st, code)
	}
	first.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, msg, err := first.ReadMessage()
		if err != nil {
			t.Fatalf("stream after the request deadlines: %v", err)
		}
		if strings.Contains(string(msg), `"ticket.issued"`) {
			break
		}
	}
}
