package admit

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"
)

// wait polls cond until it holds, failing the test after a generous time:
// a loaded machine is slow, never wrong.
func wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hall is an http.Server on a real loopback listener, admitted by a Listener
// as the hall's server is.
type hall struct {
	t   *testing.T
	l   *Listener
	srv *http.Server
	url string
}

func startHall(t *testing.T, opts Options, h http.Handler) *hall {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := NewListener(ln, opts)
	srv := &http.Server{Handler: h, ConnState: l.ConnState, ConnContext: l.ConnContext, ReadHeaderTimeout: time.Minute}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return &hall{t: t, l: l, srv: srv, url: "http://" + ln.Addr().String()}
}

func (h *hall) open() int {
	n, _, _ := h.l.Stats()
	return n
}

// dial connects from a loopback address of its own (127.0.0.N), as a client
// machine of the hall's LAN would, and waits until the listener has taken the
// connection (admitted or refused), so that connections are taken in order.
func (h *hall) dial(from string) net.Conn {
	h.t.Helper()
	_, refused0, replaced0 := h.l.Stats()
	open0 := h.open()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Close() })
	wait(h.t, "the connection from "+from+" to be taken", func() bool {
		open, refused, replaced := h.l.Stats()
		return open > open0 || refused > refused0 || replaced > replaced0
	})
	return c
}

// client returns an HTTP client whose connections come from address from.
func client(from string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// get asks for path and returns the status and whether the connection was
// one used before.
func get(t *testing.T, c *http.Client, url string) (status int, reused bool) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused },
	}))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, reused
}

// closedByServer reports whether the server closed c: a read ends without a
// byte (EOF or reset).
func closedByServer(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return err != nil
}

// refusedAnswer reads the 503 a refused connection gets.
func refusedAnswer(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("refused connection: no answer: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Error struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			MessageZH string `json:"message_zh"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("refused connection: body %q: %v", raw, err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "7" ||
		!resp.Close || body.Error.Code != "EUNAVAILABLE" || body.Error.MessageZH == "" {
		t.Errorf("refused connection: %d Retry-After %q close %v %s; want 503, Retry-After 7, close, EUNAVAILABLE in both languages",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Close, raw)
	}
	if !closedByServer(t, c) {
		t.Error("a refused connection stays open")
	}
}

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

// TestPerAddressCap: an address holding its bound of connections that send
// nothing gets a 503 with Retry-After for the next, while another address is
// served; a connection closed frees its place.
func TestPerAddressCap(t *testing.T) {
	h := startHall(t, Options{MaxConns: 100, MaxConnsPerAddr: 3, RetryAfter: 7 * time.Second}, ok)
	var slow []net.Conn
	for range 3 {
		slow = append(slow, h.dial("127.0.0.2"))
	}
	refusedAnswer(t, h.dial("127.0.0.2"))
	if open, refused, replaced := h.l.Stats(); open != 3 || refused != 1 || replaced != 0 {
		t.Fatalf("stats: open %d refused %d replaced %d; want 3 1 0", open, refused, replaced)
	}
	if status, _ := get(t, client("127.0.0.3"), h.url+"/"); status != http.StatusOK {
		t.Fatalf("another address: %d, want 200", status)
	}
	// The slow clients are still connected: none was replaced.
	for i, c := range slow {
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		var ne net.Error
		if _, err := c.Read(make([]byte, 1)); !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("slow connection %d: %v, want still open", i, err)
		}
	}
	before := h.open()
	slow[0].Close()
	wait(t, "the closed connection's place to be freed", func() bool { return h.open() == before-1 })
	if status, _ := get(t, client("127.0.0.2"), h.url+"/"); status != http.StatusOK {
		t.Fatalf("the address after one of its connections closed: %d, want 200", status)
	}
}

// TestFullServerReplacesSilentConnections: with every place taken by
// connections that never sent a request, a client of another address gets in
// in place of the oldest of them; the flooding address cannot churn through
// its own connections, and is refused.
func TestFullServerReplacesSilentConnections(t *testing.T) {
	h := startHall(t, Options{MaxConns: 4, MaxConnsPerAddr: 4, RetryAfter: 7 * time.Second}, ok)
	var flood []net.Conn
	for range 4 {
		flood = append(flood, h.dial("127.0.0.2"))
	}
	refusedAnswer(t, h.dial("127.0.0.2"))
	if status, _ := get(t, client("127.0.0.3"), h.url+"/"); status != http.StatusOK {
		t.Fatalf("a kiosk's request while the server is full: %d, want 200", status)
	}
	if !closedByServer(t, flood[0]) {
		t.Fatal("the oldest silent connection was not closed to make room")
	}
	if open, refused, replaced := h.l.Stats(); open != 4 || refused != 1 || replaced != 1 {
		t.Fatalf("stats: open %d refused %d replaced %d; want 4 1 1", open, refused, replaced)
	}
}

// TestTrustedAndStreamsStay: a connection that proved an enrolled device
// (Trust) and one that became a stream (hijacked) are never replaced; with
// only those left, a newcomer is refused.
func TestTrustedAndStreamsStay(t *testing.T) {
	hijacked := make(chan net.Conn, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/device", func(w http.ResponseWriter, r *http.Request) {
		Trust(r.Context())
		io.WriteString(w, "device")
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\n\r\n")
		hijacked <- c
	})
	mux.Handle("/", ok)
	h := startHall(t, Options{MaxConns: 3, MaxConnsPerAddr: 3, RetryAfter: 7 * time.Second}, mux)

	// A kiosk, kept alive between its requests.
	kiosk := client("127.0.0.2")
	if status, _ := get(t, kiosk, h.url+"/device"); status != http.StatusOK {
		t.Fatalf("device: %d", status)
	}
	// A display's stream.
	st := h.dial("127.0.0.3")
	io.WriteString(st, "GET /stream HTTP/1.1\r\nHost: hall\r\n\r\n")
	server := <-hijacked
	defer server.Close()
	// A visitor's browser, idle after its page.
	visitor := client("127.0.0.4")
	if status, _ := get(t, visitor, h.url+"/"); status != http.StatusOK {
		t.Fatalf("visitor: %d", status)
	}
	// The server is full: a newcomer replaces the idle visitor, not the
	// kiosk or the stream.
	if status, _ := get(t, client("127.0.0.5"), h.url+"/"); status != http.StatusOK {
		t.Fatalf("newcomer: %d", status)
	}
	if _, _, replaced := h.l.Stats(); replaced != 1 {
		t.Fatalf("replaced %d, want 1", replaced)
	}
	if status, reused := get(t, kiosk, h.url+"/device"); status != http.StatusOK || !reused {
		t.Fatalf("kiosk's next request: %d on its connection kept %v; want 200 on the same connection", status, reused)
	}
	io.WriteString(server, "event")
	buf := make([]byte, 64)
	st.SetReadDeadline(time.Now().Add(30 * time.Second))
	if n, err := io.ReadAtLeast(st, buf, len("HTTP/1.1 101 Switching Protocols\r\n\r\nevent")); err != nil || !strings.HasSuffix(string(buf[:n]), "event") {
		t.Fatalf("stream after the newcomer: %q %v", buf[:n], err)
	}
}

// TestOnlyTrustedLeftRefuses: when every place is a trusted connection or a
// stream, a newcomer is refused rather than one of them dropped.
func TestOnlyTrustedLeftRefuses(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/device", func(w http.ResponseWriter, r *http.Request) {
		Trust(r.Context())
		io.WriteString(w, "device")
	})
	h := startHall(t, Options{MaxConns: 1, MaxConnsPerAddr: 1, RetryAfter: 7 * time.Second}, mux)
	kiosk := client("127.0.0.2")
	if status, _ := get(t, kiosk, h.url+"/device"); status != http.StatusOK {
		t.Fatalf("device: %d", status)
	}
	refusedAnswer(t, h.dial("127.0.0.3"))
	if status, reused := get(t, kiosk, h.url+"/device"); status != http.StatusOK || !reused {
		t.Fatalf("kiosk after the refusal: %d, same connection %v", status, reused)
	}
}

// TestDefaultsAndFileLimit: zero options take the documented defaults, never
// above what the open-file limit allows.
func TestDefaultsAndFileLimit(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	l := NewListener(ln, Options{})
	want := 10000
	if files := openFileLimit(); files > 0 && files-64 < want {
		want = max(files-64, 16)
	}
	if l.MaxConns() != want || l.opts.MaxConnsPerAddr != min(256, want) || l.opts.RetryAfter != 5*time.Second {
		t.Errorf("defaults: %d conns, %d per address, retry %v; want %d, %d, 5s", l.MaxConns(), l.opts.MaxConnsPerAddr, l.opts.RetryAfter, want, min(256, want))
	}
}
