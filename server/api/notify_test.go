package api_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/hall/halltest"
)

// The second kiosk of the notifier tests.
const kiosk2Token = "kiosk-two-token-for-tests-0123456789"

// gateway is a hall's SMS gateway as a local HTTP receiver: it records the
// messages it accepted and refuses those of the tickets in refuse.
type gateway struct {
	*httptest.Server
	mu       sync.Mutex
	accepted []notifyMessage
	refused  map[string]int // ticket -> attempts refused
	refuse   map[string]bool
	slow     time.Duration // how long an accepted message waits for its answer
}

type notifyMessage struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Phone    string `json:"phone"`
	Ticket   string `json:"ticket"`
	Number   string `json:"number"`
	Ahead    int    `json:"ahead"`
	Window   string `json:"window"`
	WindowZH string `json:"window_zh"`
	Text     string `json:"text"`
}

func startGateway(t *testing.T) *gateway {
	g := &gateway{refused: map[string]int{}, refuse: map[string]bool{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m notifyMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil || r.Method != http.MethodPost || r.Header.Get("Idempotency-Key") != m.ID {
			t.Errorf("gateway: %s %v, key %q", r.Method, err, r.Header.Get("Idempotency-Key"))
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.refuse[m.Ticket] {
			g.refused[m.Ticket]++
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		g.accepted = append(g.accepted, m)
		if g.slow > 0 {
			g.mu.Unlock()
			time.Sleep(g.slow)
			g.mu.Lock()
		}
	}))
	t.Cleanup(g.Close)
	return g
}

// of returns the accepted messages of a ticket.
func (g *gateway) of(ticket string) []notifyMessage {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []notifyMessage
	for _, m := range g.accepted {
		if m.Ticket == ticket {
			out = append(out, m)
		}
	}
	return out
}

// waitFor waits until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// withNotifier adds the reception desk, a second kiosk and the notifier.
func withNotifier(n config.Notify) func(*config.Config) {
	return func(c *config.Config) {
		withReception("")(c)
		c.Devices = append(c.Devices, config.Device{ID: "kiosk-2", Kind: config.KindKiosk, Name: "二号取号机",
			TokenSHA256: sha256.Sum256([]byte(kiosk2Token))})
		c.Notify = n
	}
}

// notifyHall starts a hall on a clock at 10:00 on 10 June 2026 in Shanghai.
func notifyHall(t *testing.T, n config.Notify) (*probeHall, *halltest.Clock) {
	clock := halltest.NewClock(nil, time.Date(2026, 6, 10, 2, 0, 0, 0, time.UTC))
	h := halltest.Start(t, halltest.Options{Adjust: withNotifier(n), Clock: clock, NotifyBackoff: 50 * time.Millisecond})
	return &probeHall{Hall: h, t: t}, clock
}

type issued struct {
	Ticket struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		Token  string `json:"token"`
	} `json:"ticket"`
}

// kioskIssue issues a general affairs ticket at kiosk-1.
func (p *probeHall) kioskIssue(key string) issued {
	p.t.Helper()
	h := bearer(p.Secrets.KioskToken)
	h.Set("Content-Type", "application/json")
	code, _, body := p.do(nil, "POST", "/api/v1/tickets", h, fmt.Sprintf(`{"service":"general","idempotency_key":%q}`, key))
	var out issued
	if err := json.Unmarshal(body, &out); code != http.StatusCreated || err != nil {
		p.t.Fatalf("kiosk issue: %d %s", code, body)
	}
	return out
}

// phone leaves a number for a ticket, as the kiosk with token does.
func (p *probeHall) phone(token, ticketToken, phone string) (int, []byte) {
	p.t.Helper()
	var h http.Header
	if token != "" {
		h = bearer(token)
	} else {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json")
	code, _, body := p.do(nil, "POST", "/api/v1/tickets/"+ticketToken+"/phone", h, fmt.Sprintf(`{"phone":%q}`, phone))
	return code, body
}

// window signs the staff of window 1 in and opens it; act acts there.
func (p *probeHall) window() func(action string) []byte {
	p.t.Helper()
	var wang config.DemoLogin
	for _, s := range p.Secrets.Staff {
		if len(s.Windows) > 0 && s.Windows[0] == "1" {
			wang = s
		}
	}
	wc, wh, code, body := p.signIn(fmt.Sprintf(`{"username":%q,"password":%q,"window":"1"}`, wang.Username, wang.Password))
	if code != http.StatusOK {
		p.t.Fatalf("window sign-in: %d %s", code, body)
	}
	act := func(action string) []byte {
		code, _, body := p.do(wc, "POST", "/api/v1/windows/1/"+action, wh, "")
		if code != http.StatusOK {
			p.t.Fatalf("%s: %d %s", action, code, body)
		}
		return body
	}
	act("open")
	return act
}

func TestWebhookGetsOneCloseAndOneCalledAndNothingAfterTheSeal(t *testing.T) {
	gw := startGateway(t)
	p, clock := notifyHall(t, config.Notify{Webhook: gw.URL, Timeout: 5 * time.Second, Attempts: 10, CloseAhead: 1})
	t1, t2, t3 := p.kioskIssue("a1"), p.kioskIssue("a2"), p.kioskIssue("a3")

	// Who may leave a number for t3: only kiosk-1, which issued it.
	for _, c := range []struct {
		name, token, ticket, phone string
		want                       int
	}{
		{"no device token", "", t3.Ticket.Token, "13800138000", http.StatusUnauthorized},
		{"the display's token", p.Secrets.DisplayToken, t3.Ticket.Token, "13800138000", http.StatusForbidden},
		{"another kiosk", kiosk2Token, t3.Ticket.Token, "13800138000", http.StatusForbidden},
		{"a ticket ID instead of its token", p.Secrets.KioskToken, t3.Ticket.ID, "13800138000", http.StatusNotFound},
		{"not a mobile number", p.Secrets.KioskToken, t3.Ticket.Token, "010-12345678", http.StatusBadRequest},
		{"a command line", p.Secrets.KioskToken, t3.Ticket.Token, "13800138000; reboot", http.StatusBadRequest},
		{"a huge number", p.Secrets.KioskToken, t3.Ticket.Token, strings.Repeat("1", 5000), http.StatusBadRequest},
		{"kiosk-1", p.Secrets.KioskToken, t3.Ticket.Token, "+86 138-0013-8000", http.StatusOK},
		{"the same again (a retry)", p.Secrets.KioskToken, t3.Ticket.Token, "13800138000", http.StatusOK},
		{"another number", p.Secrets.KioskToken, t3.Ticket.Token, "13900139000", http.StatusConflict},
	} {
		if code, body := p.phone(c.token, c.ticket, c.phone); code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, body, c.want)
		}
	}
	// Two people are ahead of t3: nothing yet.
	act := p.window()
	if b := act("call-next"); !strings.Contains(string(b), t1.Ticket.Number) {
		t.Fatalf("call-next called %s, want %s", b, t1.Ticket.Number)
	}
	waitFor(t, "the close message", func() bool { return len(gw.of(t3.Ticket.ID)) == 1 })
	m := gw.of(t3.Ticket.ID)[0]
	if m.Kind != "close" || m.Phone != "13800138000" || m.Number != t3.Ticket.Number || m.Ahead != 1 || m.ID != t3.Ticket.ID+"/close" ||
		!strings.Contains(m.Text, t3.Ticket.Number) {
		t.Fatalf("close message: %+v", m)
	}
	act("complete")
	act("call-next") // t2; t3 is next, still "close"
	act("complete")
	if b := act("call-next"); !strings.Contains(string(b), t3.Ticket.Number) {
		t.Fatalf("call-next called %s, want %s", b, t3.Ticket.Number)
	}
	waitFor(t, "the called message", func() bool { return len(gw.of(t3.Ticket.ID)) == 2 })
	m = gw.of(t3.Ticket.ID)[1]
	if m.Kind != "called" || m.Window != "1" || m.WindowZH == "" || !strings.Contains(m.Text, m.WindowZH) || m.Phone != "13800138000" {
		t.Fatalf("called message: %+v", m)
	}
	act("recall")
	_ = t2

	// A restart sends nothing again: a ticket whose number is left after
	// it marks when the restarted notifier has looked at every ticket.
	p.Restart()
	t4 := p.kioskIssue("a4")
	if code, body := p.phone(p.Secrets.KioskToken, t4.Ticket.Token, "13700137000"); code != http.StatusOK {
		t.Fatalf("phone of t4: %d %s", code, body)
	}
	waitFor(t, "t4's close message", func() bool { return len(gw.of(t4.Ticket.ID)) == 1 })
	if got := gw.of(t3.Ticket.ID); len(got) != 2 {
		t.Fatalf("t3 got %d messages after the restart, want 2: %+v", len(got), got)
	}

	// t5's gateway refuses until the day is sealed: then nothing more.
	act("complete")
	t5 := p.kioskIssue("a5")
	gw.mu.Lock()
	gw.refuse[t5.Ticket.ID] = true
	gw.mu.Unlock()
	if code, body := p.phone(p.Secrets.KioskToken, t5.Ticket.Token, "13600136000"); code != http.StatusOK {
		t.Fatalf("phone of t5: %d %s", code, body)
	}
	waitFor(t, "a refused attempt for t5", func() bool {
		gw.mu.Lock()
		defer gw.mu.Unlock()
		return gw.refused[t5.Ticket.ID] > 0
	})
	// The next service day: the first request seals the day.
	clock.Set(time.Date(2026, 6, 11, 1, 0, 0, 0, time.UTC))
	p.kioskIssue("b1")
	waitFor(t, "the sealed day's numbers deleted", func() bool {
		return strings.Contains(p.Logs.String(), "phone numbers of a sealed day deleted")
	})
	gw.mu.Lock()
	gw.refuse[t5.Ticket.ID] = false
	gw.mu.Unlock()
	// A retry would come within a few backoffs (50 ms, doubling); none may.
	time.Sleep(2 * time.Second)
	if got := gw.of(t5.Ticket.ID); len(got) != 0 {
		t.Fatalf("a message after the day's seal: %+v", got)
	}
	// Yesterday's numbers cannot be left for any more.
	if code, body := p.phone(p.Secrets.KioskToken, t5.Ticket.Token, "13600136000"); code != http.StatusNotFound {
		t.Errorf("phone for yesterday's ticket: %d %s", code, body)
	}
	// Nor are they in the notifier's file, not even in its free pages.
	raw, err := os.ReadFile(filepath.Join(p.Dir, "notify.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, phone := range []string{"13800138000", "13700137000", "13600136000"} {
		if strings.Contains(string(raw), phone) {
			t.Errorf("notify.db still holds %s after the seal", phone)
		}
	}
	p.Restart()
	if got := gw.of(t5.Ticket.ID); len(got) != 0 {
		t.Fatalf("a message after the seal and a restart: %+v", got)
	}
}

func TestCommandNotifierAndDeskNumbers(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sent")
	script := filepath.Join(dir, "send-sms")
	// The message is standard input (JSON) and the environment.
	if err := os.WriteFile(script, []byte("#!/bin/sh\n{ printf '%s %s ' \"$HALLQ_KIND\" \"$HALLQ_PHONE\"; cat; echo; } >> \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p, _ := notifyHall(t, config.Notify{Command: []string{script, out}, Timeout: 10 * time.Second, Attempts: 3, CloseAhead: 1})
	first := p.kioskIssue("c1")
	c, h, code, body := p.signIn(fmt.Sprintf(`{"username":%q,"password":%q}`, receptionUser, receptionPassword))
	if code != http.StatusOK {
		t.Fatalf("reception sign-in: %d %s", code, body)
	}
	// A mistyped number issues nothing.
	if code, _, body := p.do(c, "POST", "/api/v1/desk/tickets", h, `{"service":"general","idempotency_key":"d0","phone":"1380013800"}`); code != http.StatusBadRequest {
		t.Fatalf("desk issue with a bad number: %d %s", code, body)
	}
	code, _, body = p.do(c, "POST", "/api/v1/desk/tickets", h, `{"service":"general","idempotency_key":"d1","phone":"139 0013 9000"}`)
	var a struct {
		Ticket struct {
			ID, Number, Token string
		}
		PhoneRegistered bool `json:"phone_registered"`
	}
	if err := json.Unmarshal(body, &a); code != http.StatusCreated || err != nil || !a.PhoneRegistered {
		t.Fatalf("desk issue with a phone: %d %s", code, body)
	}
	// The kiosk cannot leave a number for the desk's ticket.
	if code, body := p.phone(p.Secrets.KioskToken, a.Ticket.Token, "13800138000"); code != http.StatusForbidden {
		t.Errorf("kiosk phone for the desk's ticket: %d %s", code, body)
	}
	read := func() []string {
		b, _ := os.ReadFile(out)
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	// sent counts the messages the command wrote whole.
	sent := func() int { b, _ := os.ReadFile(out); return strings.Count(string(b), "}\n") }
	// One person is ahead: "close" goes at once.
	waitFor(t, "the close message", func() bool { return sent() >= 1 })
	act := p.window()
	act("call-next") // first
	act("complete")
	act("call-next") // the desk's ticket
	waitFor(t, "the called message", func() bool { return sent() >= 2 })
	lines := read()
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "close 13900139000 {") || !strings.HasPrefix(lines[1], "called 13900139000 {") ||
		!strings.Contains(lines[1], `"number":"`+a.Ticket.Number+`"`) || !strings.Contains(lines[1], `"window":"1"`) {
		t.Fatalf("the command got:\n%s", strings.Join(lines, "\n"))
	}
	_ = first
}

// TestHungGatewayBlocksNothing: while the gateway holds every request open,
// numbers are still issued and called, and the board still answers.
func TestHungGatewayBlocksNothing(t *testing.T) {
	got := make(chan struct{}, 100)
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- struct{}{}
		<-release
	}))
	t.Cleanup(func() { close(release); hung.Close() })
	p, _ := notifyHall(t, config.Notify{Webhook: hung.URL, Timeout: time.Minute, Attempts: 10, CloseAhead: 50})
	first := p.kioskIssue("h1")
	if code, body := p.phone(p.Secrets.KioskToken, first.Ticket.Token, "13800138000"); code != http.StatusOK {
		t.Fatalf("phone: %d %s", code, body)
	}
	select {
	case <-got: // the "close" message hangs in the gateway
	case <-time.After(60 * time.Second):
		t.Fatal("the gateway never got the close message")
	}
	act := p.window()
	for i := range 20 {
		p.kioskIssue(fmt.Sprintf("h%d", i+2))
	}
	act("call-next")
	act("complete")
	act("call-next")
	if code, _, body := p.do(nil, "GET", "/api/v1/board", nil, ""); code != http.StatusOK {
		t.Fatalf("board: %d %s", code, body)
	}
}

// TestRestartBeforeSendingLosesNothing: a message the gateway has not yet
// accepted when the server stops goes out after it starts again, once.
func TestRestartBeforeSendingLosesNothing(t *testing.T) {
	gw := startGateway(t)
	p, _ := notifyHall(t, config.Notify{Webhook: gw.URL, Timeout: 5 * time.Second, Attempts: 10, CloseAhead: 3})
	tk := p.kioskIssue("r1")
	gw.mu.Lock()
	gw.refuse[tk.Ticket.ID] = true
	gw.mu.Unlock()
	if code, body := p.phone(p.Secrets.KioskToken, tk.Ticket.Token, "13800138000"); code != http.StatusOK {
		t.Fatalf("phone: %d %s", code, body)
	}
	waitFor(t, "a refused attempt", func() bool {
		gw.mu.Lock()
		defer gw.mu.Unlock()
		return gw.refused[tk.Ticket.ID] > 0
	})
	p.Close()
	gw.mu.Lock()
	gw.refuse[tk.Ticket.ID] = false
	gw.mu.Unlock()
	p.Open()
	waitFor(t, "the close message after the restart", func() bool { return len(gw.of(tk.Ticket.ID)) == 1 })
	// The ticket is called: "called" follows, and nothing is sent twice.
	act := p.window()
	act("call-next")
	waitFor(t, "the called message", func() bool { return len(gw.of(tk.Ticket.ID)) == 2 })
	p.Restart()
	marker := p.kioskIssue("r2")
	if code, body := p.phone(p.Secrets.KioskToken, marker.Ticket.Token, "13900139000"); code != http.StatusOK {
		t.Fatalf("phone: %d %s", code, body)
	}
	waitFor(t, "the marker's close message", func() bool { return len(gw.of(marker.Ticket.ID)) == 1 })
	if got := gw.of(tk.Ticket.ID); len(got) != 2 || got[0].Kind != "close" || got[1].Kind != "called" {
		t.Fatalf("messages: %+v", got)
	}
}

// TestStopWhileGatewayAnswersSendsOnce: the server stops while the gateway
// has taken a message but not yet answered; the stop waits for the answer,
// so the message is marked sent and not sent again after the start.
func TestStopWhileGatewayAnswersSendsOnce(t *testing.T) {
	gw := startGateway(t)
	gw.mu.Lock()
	gw.slow = 700 * time.Millisecond
	gw.mu.Unlock()
	p, _ := notifyHall(t, config.Notify{Webhook: gw.URL, Timeout: 5 * time.Second, Attempts: 10, CloseAhead: 3})
	tk := p.kioskIssue("s1")
	if code, body := p.phone(p.Secrets.KioskToken, tk.Ticket.Token, "13800138000"); code != http.StatusOK {
		t.Fatalf("phone: %d %s", code, body)
	}
	waitFor(t, "the gateway takes the close message", func() bool { return len(gw.of(tk.Ticket.ID)) == 1 })
	p.Restart() // while the gateway is still answering
	gw.mu.Lock()
	gw.slow = 0
	gw.mu.Unlock()
	marker := p.kioskIssue("s2")
	if code, body := p.phone(p.Secrets.KioskToken, marker.Ticket.Token, "13900139000"); code != http.StatusOK {
		t.Fatalf("phone: %d %s", code, body)
	}
	waitFor(t, "the marker's close message", func() bool { return len(gw.of(marker.Ticket.ID)) == 1 })
	if got := gw.of(tk.Ticket.ID); len(got) != 1 {
		t.Fatalf("the close message was sent %d times: %+v", len(got), got)
	}
}
