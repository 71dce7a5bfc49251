package hall_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/hall"
	"hallq/server/hall/halltest"
)

// served is a demo hall served over loopback by Hall.Serve (halltest.Start
// with Serve), on a real bbolt file in dir.
type served struct {
	t       *testing.T
	h       *hall.Hall
	url     string
	cfg     *config.Config
	secrets config.DemoSecrets
	stop    func() // stops the hall before the test ends
}

// serveHall starts the demo hall with its limits changed by edit; restart a
// hall with the same dir and secrets by passing them (nil cfg makes a new demo
// hall).
func serveHall(t *testing.T, dir string, cfg *config.Config, secrets config.DemoSecrets, edit func(*config.Limits)) *served {
	t.Helper()
	o := halltest.Options{Config: cfg, Dir: dir, Serve: true}
	if edit != nil {
		o.Adjust = func(c *config.Config) { edit(&c.Limits) }
	}
	h := halltest.Start(t, o)
	if cfg == nil {
		secrets = h.Secrets
	}
	return &served{t: t, h: h.Hall, cfg: h.Config, url: h.URL, secrets: secrets, stop: h.Close}
}

// call sends a JSON request with a device token (or none) and decodes the
// answer into out, returning the status and the error code of a refusal.
func (s *served) call(token, method, path string, body, out any) (int, string, http.Header) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.Unmarshal(data, &e)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return resp.StatusCode, e.Error.Code, resp.Header
}

type ticketAnswer struct {
	Ticket struct {
		ID     string `json:"id"`
		Number string `json:"number"`
	} `json:"ticket"`
}

type leaseAnswer struct {
	Lease struct {
		ID      string `json:"id"`
		Numbers []struct {
			Number string `json:"number"`
		} `json:"numbers"`
	} `json:"lease"`
}

func (s *served) issue(key string) (int, string, ticketAnswer) {
	var out ticketAnswer
	st, code, _ := s.call(s.secrets.KioskToken, "POST", "/api/v1/tickets", map[string]string{"service": "general", "idempotency_key": key}, &out)
	return st, code, out
}

// A kiosk over its rate that retries a request which got its ticket gets that
// ticket, not 429.
func TestRateLimitedKioskGetsItsTicketOnRetry(t *testing.T) {
	s := serveHall(t, t.TempDir(), nil, config.DemoSecrets{}, func(l *config.Limits) { l.TicketsPerKioskPerMinute = 2 })
	_, _, first := s.issue("k1")
	if st, _, _ := s.issue("k2"); st != http.StatusCreated {
		t.Fatalf("second ticket: status %d", st)
	}
	st, code, hdr := s.call(s.secrets.KioskToken, "POST", "/api/v1/tickets", map[string]string{"service": "general", "idempotency_key": "k3"}, nil)
	if st != http.StatusTooManyRequests || code != "ERATE" || hdr.Get("Retry-After") == "" {
		t.Fatalf("third ticket within the minute: status %d code %q Retry-After %q, want 429 ERATE with Retry-After", st, code, hdr.Get("Retry-After"))
	}
	for range 3 {
		st, code, again := s.issue("k1")
		if st != http.StatusCreated || again.Ticket.Number != first.Ticket.Number {
			t.Fatalf("retry of k1 over the rate: status %d code %q number %q, want 201 and %s", st, code, again.Ticket.Number, first.Ticket.Number)
		}
	}
}

// Leases draw on the kiosk's allowance: granting and syncing leased numbers
// in a loop cannot issue faster than tickets_per_kiosk_per_minute, while the
// sync of numbers granted is never refused for speed.
func TestLeasesCannotOutrunTheKioskRate(t *testing.T) {
	s := serveHall(t, t.TempDir(), nil, config.DemoSecrets{}, func(l *config.Limits) { l.TicketsPerKioskPerMinute = 4 })
	tok := s.secrets.KioskToken
	var l leaseAnswer
	if st, code, _ := s.call(tok, "POST", "/api/v1/leases", map[string]any{"service": "general"}, &l); st != http.StatusCreated {
		t.Fatalf("lease: status %d %s", st, code)
	}
	if n := len(l.Lease.Numbers); n != 4 {
		t.Fatalf("lease of a kiosk allowed 4 a minute holds %d numbers, want 4", n)
	}
	// The allowance is spent: no more online tickets, no new lease.
	if st, code, _ := s.issue("online-1"); st != http.StatusTooManyRequests {
		t.Fatalf("online ticket after leasing the allowance: status %d %s, want 429", st, code)
	}
	for _, n := range l.Lease.Numbers {
		body := map[string]any{"lease": l.Lease.ID, "number": n.Number, "issued_at": time.Now().Add(-time.Second)}
		if st, code, _ := s.call(tok, "POST", "/api/v1/tickets/offline", body, nil); st != http.StatusCreated {
			t.Fatalf("sync of leased %s over the rate: status %d %s, want 201 (a backlog is never refused)", n.Number, st, code)
		}
	}
	st, code, _ := s.call(tok, "POST", "/api/v1/leases", map[string]any{"service": "general"}, nil)
	if st != http.StatusTooManyRequests || code != "ERATE" {
		t.Fatalf("second lease within the minute: status %d %s, want 429 ERATE", st, code)
	}
}

// Keys a kiosk withdraws that the server never saw are bounded per day, also
// across a restart; keys of tickets issued are always withdrawn.
func TestWithdrawOfUnseenKeysIsBounded(t *testing.T) {
	dir := t.TempDir()
	limit := func(l *config.Limits) { l.WithdrawalsPerKioskPerDay = 3 }
	s := serveHall(t, dir, nil, config.DemoSecrets{}, limit)
	tok := s.secrets.KioskToken
	withdraw := func(s *served, key string) (int, string) {
		var out map[string]string
		st, code, _ := s.call(tok, "POST", "/api/v1/tickets/withdraw", map[string]string{"idempotency_key": key}, &out)
		return st, code
	}
	if st, _, _ := s.issue("seen"); st != http.StatusCreated {
		t.Fatal("issue")
	}
	for i := range 3 {
		if st, code := withdraw(s, "never-seen-"+string(rune('a'+i))); st != http.StatusOK {
			t.Fatalf("unseen key %d: status %d %s", i, st, code)
		}
	}
	if st, code := withdraw(s, "never-seen-x"); st != http.StatusConflict || code != "ELIMIT" {
		t.Fatalf("fourth unseen key: status %d %s, want 409 ELIMIT", st, code)
	}
	if st, code := withdraw(s, "never-seen-a"); st != http.StatusOK {
		t.Fatalf("a key already spent, again: status %d %s, want 200", st, code)
	}
	s.stop()
	s2 := serveHall(t, dir, s.cfg, s.secrets, limit)
	if st, code := withdraw(s2, "never-seen-y"); st != http.StatusConflict || code != "ELIMIT" {
		t.Fatalf("unseen key after a restart: status %d %s, want 409 ELIMIT", st, code)
	}
	if st, code := withdraw(s2, "seen"); st != http.StatusOK {
		t.Fatalf("key of an issued ticket over the bound: status %d %s, want 200", st, code)
	}
}

// A retried offline sync that names another key to replace stores nothing:
// fresh keys cannot be spent through the sync of one leased number.
func TestRetriedSyncSpendsNoNewKey(t *testing.T) {
	s := serveHall(t, t.TempDir(), nil, config.DemoSecrets{}, nil)
	tok := s.secrets.KioskToken
	var l leaseAnswer
	if st, code, _ := s.call(tok, "POST", "/api/v1/leases", map[string]any{"service": "general", "count": 1}, &l); st != http.StatusCreated {
		t.Fatalf("lease: %d %s", st, code)
	}
	sync := func(replaces string) int {
		body := map[string]any{"lease": l.Lease.ID, "number": l.Lease.Numbers[0].Number,
			"issued_at": time.Now().Add(-time.Second), "replaces": replaces}
		st, _, _ := s.call(tok, "POST", "/api/v1/tickets/offline", body, nil)
		return st
	}
	if st := sync("r1"); st != http.StatusCreated {
		t.Fatalf("sync: %d", st)
	}
	if st := sync("r2"); st != http.StatusOK {
		t.Fatalf("retried sync: %d, want 200", st)
	}
	if st, code, _ := s.issue("r1"); st != http.StatusConflict {
		t.Fatalf("key replaced by the first sync: status %d %s, want 409 (spent)", st, code)
	}
	if st, code, _ := s.issue("r2"); st != http.StatusCreated {
		t.Fatalf("key named only by a retried sync: status %d %s, want 201 (not spent)", st, code)
	}
}

// deviceStatusEvents returns the printer states of the log's device.status
// events, in order.
func deviceStatusEvents(t *testing.T, s *served) []string {
	t.Helper()
	recs, err := s.h.Store.EventsAfter(0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		var ev struct {
			Type string `json:"type"`
			Data struct {
				Printer string `json:"printer"`
			} `json:"data"`
		}
		if err := json.Unmarshal(r.Raw, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type == "device.status" {
			out = append(out, ev.Data.Printer)
		}
	}
	return out
}

// A flood of printer reports writes at most one event per kiosk and interval,
// the latest state written when the interval ends; displays have no printer
// to report on.
func TestDeviceStatusFloodIsCoalesced(t *testing.T) {
	dir := t.TempDir()
	s := serveHall(t, dir, nil, config.DemoSecrets{}, func(l *config.Limits) { l.DeviceStatusInterval = time.Second })
	report := func(token, printer string) (int, string) {
		st, code, _ := s.call(token, "POST", "/api/v1/devices/me/status", map[string]string{"printer": printer}, nil)
		return st, code
	}
	if st, code := report(s.secrets.DisplayToken, "paper_out"); st != http.StatusForbidden || code != "EFORBIDDEN" {
		t.Fatalf("display's report: status %d %s, want 403 EFORBIDDEN", st, code)
	}
	states := []string{"paper_out", "ok", "cover_open", "ok", "paper_near_end"}
	start := time.Now()
	for i := range 200 {
		if st, code := report(s.secrets.KioskToken, states[i%len(states)]); st != http.StatusOK {
			t.Fatalf("report %d: status %d %s", i, st, code)
		}
	}
	last := states[199%len(states)]
	elapsed := time.Since(start)
	if elapsed < time.Second {
		// Read while still within the interval (checked after reading).
		if got := deviceStatusEvents(t, s); time.Since(start) < time.Second && (len(got) != 1 || got[0] != "paper_out") {
			t.Fatalf("within the interval the log has %v, want [paper_out]", got)
		}
	}
	// At most one event per interval: the first report at once, then the
	// latest waiting state once per interval while the reports went on (a
	// loaded machine may take several intervals to send 200), and the last.
	most := 2 + int(elapsed/time.Second)
	deadline := time.Now().Add(30 * time.Second)
	var got []string
	for {
		got = deviceStatusEvents(t, s)
		if len(got) >= 2 && got[len(got)-1] == last {
			break
		}
		if len(got) > most || time.Now().After(deadline) {
			t.Fatalf("after the interval the log has %v, want [paper_out … %s] with at most %d events", got, last, most)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got[0] != "paper_out" || len(got) > most {
		t.Fatalf("the 200 reports in %v left %v in the log, want [paper_out … %s] with at most %d events", elapsed, got, last, most)
	}
	written := len(got)
	// A report waiting when the server stops is written as it stops.
	if st, _ := report(s.secrets.KioskToken, "fault"); st != http.StatusOK {
		t.Fatal("report")
	}
	s.stop()
	s = serveHall(t, dir, s.cfg, s.secrets, nil)
	if got := deviceStatusEvents(t, s); len(got) != written+1 || got[written] != "fault" {
		t.Fatalf("after a stop with a report waiting the log has %v, want one more event, fault", got)
	}
}
