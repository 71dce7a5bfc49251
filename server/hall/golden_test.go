package hall_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/config"
	"hallq/server/hall"
	"hallq/server/hall/halltest"
	"hallq/server/keyfile"
	"hallq/server/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// The golden files hold the API's JSON and the published event bytes of one
// scripted morning of a small hall (testdata/golden/hall.toml) on a fixed clock:
// api.golden, every request and its answer (hall, board, tickets, window
// actions and details, leases, events, errors); events.golden.jsonl, every
// event as the websocket stream sends it.
//
// They are the contract of the wire: code that moves or reshapes the API's
// types must leave them byte for byte unchanged. A change that deliberately
// adds or changes a field updates them with
//
//	go test ./server/hall/ -run TestGolden -update
//
// and the diff of the golden files, reviewed with the change, shows exactly
// what the wire gained.
func TestGolden(t *testing.T) {
	cfg, err := config.Load(filepath.Join("testdata", "golden", "hall.toml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	seedSecrets(t, filepath.Join(dir, "hallq.db"))
	t.Setenv(keyfile.CredentialsEnv, "")
	cfg.Keys.Identity = filepath.Join(t.TempDir(), "identity.key")
	if err := keyfile.Write(cfg.Keys.Identity, bytes.Repeat([]byte("i"), 32)); err != nil {
		t.Fatal(err)
	}
	cfg.Keys.Checkpoint = filepath.Join(t.TempDir(), "checkpoint.key")
	if err := keyfile.Write(cfg.Keys.Checkpoint, bytes.Repeat([]byte("c"), 32)); err != nil {
		t.Fatal(err)
	}
	clock := halltest.NewFixedClock(time.Date(2026, 3, 2, 8, 20, 0, 0, cfg.Hall.Location)) // a Monday, before opening
	h, err := hall.Open(cfg, dir, nil, hall.Options{NoSync: true, Now: clock.Now, Heartbeat: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler)
	t.Cleanup(func() {
		srv.Close()
		h.Close()
	})
	s := &script{t: t, srv: srv, clock: clock}
	jar, _ := cookiejar.New(nil)
	s.staff = &http.Client{Jar: jar}
	const kiosk, display = "golden-kiosk-token-00000000", "golden-display-token-0000000"
	const resident = "11010519491231002X" // a valid GB 11643 number

	s.do("the hall", "GET", "/api/v1/hall", "", "")
	s.do("the board before opening", "GET", "/api/v1/board", "", "")
	s.do("a ticket before opening", "POST", "/api/v1/tickets", kiosk, `{"service":"general","idempotency_key":"k0"}`)
	clock.Set(time.Date(2026, 3, 2, 8, 31, 0, 0, cfg.Hall.Location))
	s.do("a ticket", "POST", "/api/v1/tickets", kiosk, `{"service":"general","idempotency_key":"k1"}`)
	s.do("the same request again", "POST", "/api/v1/tickets", kiosk, `{"service":"general","idempotency_key":"k1"}`)
	s.do("a priority ticket", "POST", "/api/v1/tickets", kiosk, `{"service":"general","priority":"elderly","idempotency_key":"k2"}`)
	s.do("a real-name ticket", "POST", "/api/v1/tickets", kiosk, `{"service":"social","id_number":"`+resident+`","idempotency_key":"k3"}`)
	s.do("the same person again", "POST", "/api/v1/tickets", kiosk, `{"service":"social","id_number":"`+resident+`","idempotency_key":"k4"}`)
	s.do("a wrong check digit", "POST", "/api/v1/tickets", kiosk, `{"service":"social","id_number":"110105194912310021","idempotency_key":"k5"}`)
	s.do("no document", "POST", "/api/v1/tickets", kiosk, `{"service":"social","idempotency_key":"k6"}`)
	s.do("the last number of a capped service", "POST", "/api/v1/tickets", kiosk, `{"service":"estate","idempotency_key":"k7"}`)
	s.do("a capped service", "POST", "/api/v1/tickets", kiosk, `{"service":"estate","idempotency_key":"k8"}`)
	s.do("an unknown service", "POST", "/api/v1/tickets", kiosk, `{"service":"nope","idempotency_key":"k9"}`)
	s.do("no token", "POST", "/api/v1/tickets", "", `{"service":"general","idempotency_key":"k10"}`)
	s.do("a display's token", "POST", "/api/v1/tickets", display, `{"service":"general","idempotency_key":"k11"}`)
	s.do("an unknown field", "POST", "/api/v1/tickets", kiosk, `{"service":"general","idempotency_key":"k12","x":1}`)
	s.do("a ticket to withdraw", "POST", "/api/v1/tickets", kiosk, `{"service":"general","idempotency_key":"k13"}`)
	s.do("withdraw it", "POST", "/api/v1/tickets/withdraw", kiosk, `{"idempotency_key":"k13"}`)
	s.do("a lease", "POST", "/api/v1/leases", kiosk, `{"service":"general","count":2}`)
	s.do("the kiosk's leases", "GET", "/api/v1/leases", kiosk, "")
	clock.Advance(time.Minute)
	s.do("an offline ticket", "POST", "/api/v1/tickets/offline", kiosk,
		`{"lease":"`+s.field("leases.0.id")+`","number":"`+s.field("leases.0.numbers.0.number")+`","issued_at":"2026-03-02T00:32:00Z"}`)
	s.do("a printer out of paper", "POST", "/api/v1/devices/me/status", kiosk, `{"printer":"paper_out","detail":"roll empty"}`)
	s.do("the kiosk", "GET", "/api/v1/devices/me", kiosk, "")
	s.do("the display", "GET", "/api/v1/devices/me", display, "")

	clock.Advance(time.Minute)
	s.do("a wrong password", "POST", "/api/v1/login", "", `{"username":"wang","password":"nope"}`)
	s.do("sign in", "POST", "/api/v1/login", "", `{"username":"wang","password":"golden-password"}`)
	s.do("who am I", "GET", "/api/v1/me", "", "")
	csrf := s.field("csrf_token")
	s.do("an action without CSRF", "POST", "/api/v1/windows/1/open", "", "")
	s.csrf = csrf
	s.do("another window", "POST", "/api/v1/windows/2/open", "", "")
	s.do("an unknown action", "POST", "/api/v1/windows/1/dance", "", "")
	s.do("open", "POST", "/api/v1/windows/1/open", "", "")
	clock.Advance(time.Minute)
	s.do("call next", "POST", "/api/v1/windows/1/call-next", "", "")
	s.do("the window", "GET", "/api/v1/windows/1", "", "")
	s.do("the board while serving", "GET", "/api/v1/board", "", "")
	clock.Advance(30 * time.Second)
	s.do("recall", "POST", "/api/v1/windows/1/recall", "", "")
	clock.Advance(3 * time.Minute)
	s.do("complete", "POST", "/api/v1/windows/1/complete", "", "")
	s.do("call a number without a reason", "POST", "/api/v1/windows/1/call", "", `{"number":"A001"}`)
	s.do("call a number", "POST", "/api/v1/windows/1/call", "", `{"number":"A001","reason":"appointment"}`)
	clock.Advance(2 * time.Minute)
	s.do("no-show", "POST", "/api/v1/windows/1/no-show", "", "")
	s.do("reinstate", "POST", "/api/v1/windows/1/reinstate", "", `{"number":"A001"}`)
	clock.Advance(time.Minute)
	s.do("call next again", "POST", "/api/v1/windows/1/call-next", "", "")
	s.do("transfer without a reason", "POST", "/api/v1/windows/1/transfer", "", `{"service":"social"}`)
	s.do("transfer", "POST", "/api/v1/windows/1/transfer", "", `{"service":"social","reason":"appointment"}`)
	s.do("call next once more", "POST", "/api/v1/windows/1/call-next", "", "")
	s.do("pause", "POST", "/api/v1/windows/1/pause", "", "")
	s.do("the window after", "GET", "/api/v1/windows/1", "", "")
	s.do("the other window", "GET", "/api/v1/windows/2", "", "")
	s.do("an unknown window", "GET", "/api/v1/windows/9", "", "")

	clock.Advance(time.Minute)
	s.do("the first ticket", "GET", "/api/v1/tickets/"+s.saved["a ticket"], "", "")
	s.do("cancel the priority ticket", "POST", "/api/v1/tickets/"+s.saved["a priority ticket"]+"/cancel", "", "")
	s.do("cancel it again", "POST", "/api/v1/tickets/"+s.saved["a priority ticket"]+"/cancel", "", "")
	s.do("an unknown ticket", "GET", "/api/v1/tickets/nope", "", "")
	s.do("the board", "GET", "/api/v1/board", "", "")
	s.do("the events", "GET", "/api/v1/events?after=0&limit=1000", "", "")
	s.do("a page of events", "GET", "/api/v1/events?after=2&limit=3", "", "")
	s.do("a bad limit", "GET", "/api/v1/events?limit=0", "", "")
	s.do("a bad after", "GET", "/api/v1/events?after=x", "", "")
	s.do("an unknown endpoint", "GET", "/api/v1/nope", "", "")
	s.do("a body too large", "POST", "/api/v1/tickets", kiosk, `{"service":"`+strings.Repeat("x", 70<<10)+`"}`)
	clock.Set(time.Date(2026, 3, 2, 12, 30, 0, 0, cfg.Hall.Location))
	s.do("the board at lunch", "GET", "/api/v1/board", "", "")
	s.do("a ticket at lunch", "POST", "/api/v1/tickets", kiosk, `{"service":"general","idempotency_key":"k14"}`)
	s.do("resume", "POST", "/api/v1/windows/1/resume", "", "")
	s.do("close", "POST", "/api/v1/windows/1/close", "", "")
	s.do("sign out", "POST", "/api/v1/logout", "", "")
	s.do("signed out", "GET", "/api/v1/me", "", "")

	golden(t, "api.golden", s.out.Bytes())
	golden(t, "events.golden.jsonl", streamed(t, srv.URL))
}

// seedSecrets writes fixed server secrets into a new store, so that status
// tokens and their links are the same at every run.
func seedSecrets(t *testing.T, path string) {
	t.Helper()
	st, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(func(tx *store.Tx) error {
		for _, name := range []string{"ticket-token-hmac"} { // the identity key is a file
			if err := tx.Put(store.BucketSecrets, []byte(name), bytes.Repeat([]byte(name[:1]), 32)); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// script runs requests against the hall and writes each with its answer.
type script struct {
	t     *testing.T
	srv   *httptest.Server
	clock *halltest.Clock
	staff *http.Client // with the staff session's cookie
	csrf  string
	out   bytes.Buffer
	last  []byte            // the last answer's body
	saved map[string]string // a new ticket's status token, by step name
}

// unstable are the fields made by the machine's clock or by chance rather than
// by the hall's clock and log: a session's CSRF token and expiry.
var unstable = regexp.MustCompile(`"(csrf_token|expires_at)":"[^"]*"`)

// do sends a request (with a kiosk or display token if given, else as the
// signed-in staff member) and writes it and its answer.
func (s *script) do(name, method, path, token, body string) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if s.csrf != "" {
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	resp, err := s.staff.Do(req)
	if err != nil {
		s.t.Fatalf("%s: %v", name, err)
	}
	defer resp.Body.Close()
	s.last, err = io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s: %v", name, err)
	}
	if len(body) > 200 {
		body = body[:200] + "…"
	}
	fmt.Fprintf(&s.out, "### %s\n%s %s\n", name, method, path)
	if body != "" {
		fmt.Fprintf(&s.out, "%s\n", body)
	}
	fmt.Fprintf(&s.out, "--> %d %s\n%s\n", resp.StatusCode, resp.Header.Get("Content-Type"),
		unstable.ReplaceAll(s.last, []byte(`"$1":"…"`)))
	var t struct {
		Ticket struct{ Token string } `json:"ticket"`
	}
	if json.Unmarshal(s.last, &t) == nil && t.Ticket.Token != "" {
		if s.saved == nil {
			s.saved = map[string]string{}
		}
		s.saved[name] = t.Ticket.Token
	}
}

// field returns a field of the last answer by its dotted path ("leases.0.numbers.0.number").
func (s *script) field(path string) string {
	s.t.Helper()
	var v any
	if err := json.Unmarshal(s.last, &v); err != nil {
		s.t.Fatal(err)
	}
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			var i int
			fmt.Sscan(k, &i)
			v = x[i]
		}
	}
	str, ok := v.(string)
	if !ok {
		s.t.Fatalf("no string at %s in %s", path, s.last)
	}
	return str
}

// streamed returns every event the websocket stream sends from the start of
// the log, one message a line, up to the head its first heartbeat names.
func streamed(t *testing.T, base string) []byte {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/api/v1/ws?after=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	var out bytes.Buffer
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		var m struct{ Type string }
		json.Unmarshal(msg, &m)
		if m.Type == "heartbeat" {
			return out.Bytes()
		}
		out.Write(msg)
		out.WriteByte('\n')
	}
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d:\ngot:  %s\nwant: %s\n(if the change is deliberate, run with -update and review the diff)", path, i+1, g, w)
			}
		}
	}
}
