package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/eventlog"
	"hallq/server/hall/halltest"
	"hallq/server/store"
	"hallq/server/wire"
)

// testHall is the demo hall served over loopback by the real wiring.
type testHall struct {
	*halltest.Hall
	t *testing.T
}

// newTestHall starts the demo hall, its commits synced as the server's are.
func newTestHall(t *testing.T) *testHall {
	t.Helper()
	return &testHall{Hall: halltest.Start(t, halltest.Options{Sync: true}), t: t}
}

// The shapes of the answers, and the requests of the shared test hall.
type (
	apiError   = halltest.APIError
	ticketResp = wire.TicketAnswer
)

var (
	do       = halltest.Do
	fetchLog = halltest.FetchLog
)

func (h *testHall) issue(body string) (int, ticketResp, []byte) { return h.Issue(body) }

func (h *testHall) staff(i int, window string) (*http.Client, string) { return h.Staff(i, window) }

func (h *testHall) act(c *http.Client, csrf, window, action, body string) (int, []byte) {
	return h.Act(c, csrf, window, action, body)
}

func TestConcurrentIssueOverHTTP(t *testing.T) {
	h := newTestHall(t)
	const n = 300
	type result struct {
		code int
		tr   ticketResp
	}
	results := make([]result, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Go(func() {
			code, tr, _ := h.issue(fmt.Sprintf(`{"service":"general","idempotency_key":"k-%d"}`, i%n))
			results[i] = result{code, tr}
		})
	}
	wg.Wait()
	numbers := map[string]int{}
	for i, r := range results {
		if r.code != http.StatusCreated {
			t.Fatalf("request %d: status %d", i, r.code)
		}
		if j, ok := numbers[r.tr.Ticket.Number]; ok && j != i%n {
			t.Fatalf("number %s given to keys %d and %d", r.tr.Ticket.Number, j, i%n)
		}
		numbers[r.tr.Ticket.Number] = i % n
		if twin := results[(i+n)%(2*n)]; twin.tr.Ticket.ID != r.tr.Ticket.ID || twin.tr.Ticket.Hash != r.tr.Ticket.Hash {
			t.Fatalf("key %d: retry returned %s, first %s", i%n, twin.tr.Ticket.Number, r.tr.Ticket.Number)
		}
		if !strings.HasPrefix(r.tr.Ticket.StatusURL, h.URL+"/t/") || r.tr.Ticket.Token == "" {
			t.Fatalf("status url %q", r.tr.Ticket.StatusURL)
		}
	}
	if len(numbers) != n {
		t.Fatalf("got %d distinct numbers for %d keys", len(numbers), n)
	}
	// The public log holds exactly n tickets, chained.
	raws := fetchLog(t, h.URL)
	if _, err := eventlog.Verify(eventlog.GenesisHash, raws); err != nil {
		t.Fatal(err)
	}
	issued := 0
	for _, raw := range raws {
		if bytes.Contains(raw, []byte(`"type":"ticket.issued"`)) {
			issued++
		}
	}
	if issued != n {
		t.Fatalf("log has %d ticket.issued events, want %d", issued, n)
	}
}

func TestStaffWindowFlow(t *testing.T) {
	h := newTestHall(t)
	_, a, _ := h.issue(`{"service":"general","idempotency_key":"a"}`)
	_, b, _ := h.issue(`{"service":"general","idempotency_key":"b"}`)
	wang, csrf := h.staff(0, "1") // wang may sign in to windows 1 and 3
	li, liCSRF := h.staff(1, "2")

	steps := []struct {
		name   string
		c      *http.Client
		csrf   string
		window string
		action string
		body   string
		status int
		code   string
	}{
		{"open", wang, csrf, "1", "open", "", 200, ""},
		{"no csrf", wang, "", "1", "call-next", "", 403, "EFORBIDDEN"},
		{"wrong csrf", wang, "nope", "1", "call-next", "", 403, "EFORBIDDEN"},
		{"another's window", li, liCSRF, "1", "call-next", "", 403, "EFORBIDDEN"},
		{"own window not serving general", li, liCSRF, "2", "complete", "", 409, "ECONFLICT"},
		{"call next", wang, csrf, "1", "call-next", "", 200, ""},
		{"busy", wang, csrf, "1", "call-next", "", 409, "ECONFLICT"},
		{"recall", wang, csrf, "1", "recall", "", 200, ""},
		{"no-show", wang, csrf, "1", "no-show", "", 200, ""},
		{"reinstate", wang, csrf, "1", "reinstate", `{"number":"` + a.Ticket.Number + `"}`, 200, ""},
		{"call without reason", wang, csrf, "1", "call", `{"number":"` + a.Ticket.Number + `"}`, 400, "EINVALID"},
		{"manual call", wang, csrf, "1", "call", `{"number":"` + a.Ticket.Number + `","reason":"supervisor"}`, 200, ""},
		{"transfer to unknown", wang, csrf, "1", "transfer", `{"service":"nope"}`, 400, "EINVALID"},
		{"complete", wang, csrf, "1", "complete", "", 200, ""},
		{"unknown action", wang, csrf, "1", "dance", "", 404, "ENOTFOUND"},
		{"unknown field", wang, csrf, "1", "call-next", `{"numbr":"A001"}`, 400, "EINVALID"},
		{"pause", wang, csrf, "1", "pause", "", 200, ""},
		{"paused", wang, csrf, "1", "call-next", "", 409, "ECONFLICT"},
		{"resume", wang, csrf, "1", "resume", "", 200, ""},
		{"call b", wang, csrf, "1", "call-next", "", 200, ""},
		{"complete b", wang, csrf, "1", "complete", "", 200, ""},
		{"close", wang, csrf, "1", "close", "", 200, ""},
	}
	for _, s := range steps {
		code, raw := h.act(s.c, s.csrf, s.window, s.action, s.body)
		var e apiError
		json.Unmarshal(raw, &e)
		if code != s.status || e.Error.Code != s.code {
			t.Fatalf("%s: got %d %s, want %d %s", s.name, code, raw, s.status, s.code)
		}
	}
	// b's holder sees it completed at window 1.
	var tr ticketResp
	if code, raw := do(t, http.DefaultClient, "GET", h.URL+"/api/v1/tickets/"+b.Ticket.Token, nil, "", &tr); code != 200 || tr.Ticket.Status != "completed" || tr.Ticket.Token != "" {
		t.Fatalf("ticket status: %d %s", code, raw)
	}
	// Signing out ends the session.
	if code, raw := do(t, wang, "POST", h.URL+"/api/v1/logout", map[string]string{"X-CSRF-Token": csrf}, "", nil); code != 200 {
		t.Fatalf("logout: %d %s", code, raw)
	}
	if code, _ := h.act(wang, csrf, "1", "open", ""); code != 401 {
		t.Fatalf("after logout: got %d, want 401", code)
	}
}

func TestLoginRefusals(t *testing.T) {
	h := newTestHall(t)
	wang := h.Secrets.Staff[0]
	tests := []struct {
		name, body string
		status     int
	}{
		{"wrong password", fmt.Sprintf(`{"username":%q,"password":"x"}`, wang.Username), 401},
		{"unknown user", `{"username":"nobody","password":"x"}`, 401},
		{"window not allowed", fmt.Sprintf(`{"username":%q,"password":%q,"window":"2"}`, wang.Username, wang.Password), 403},
		{"window required", fmt.Sprintf(`{"username":%q,"password":%q}`, wang.Username, wang.Password), 400},
		{"not json", `username=wang`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, raw := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/login", nil, tt.body, nil)
			if code != tt.status || !bytes.Contains(raw, []byte(`"code"`)) {
				t.Fatalf("got %d %s, want %d with an error code", code, raw, tt.status)
			}
		})
	}
	// Cross-site sign-in is refused.
	code, _ := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/login", map[string]string{"Origin": "http://evil.example"},
		fmt.Sprintf(`{"username":%q,"password":%q,"window":"1"}`, wang.Username, wang.Password), nil)
	if code != 403 {
		t.Fatalf("cross-site login: got %d, want 403", code)
	}
}

func TestIssueRefusals(t *testing.T) {
	h := newTestHall(t)
	kiosk := map[string]string{"Authorization": "Bearer " + h.Secrets.KioskToken}
	tests := []struct {
		name    string
		headers map[string]string
		body    string
		status  int
		code    string
	}{
		{"no token", nil, `{"service":"general","idempotency_key":"1"}`, 401, "EUNAUTHORIZED"},
		{"bad token", map[string]string{"Authorization": "Bearer nope"}, `{"service":"general","idempotency_key":"1"}`, 401, "EUNAUTHORIZED"},
		{"display token", map[string]string{"Authorization": "Bearer " + h.Secrets.DisplayToken}, `{"service":"general","idempotency_key":"1"}`, 403, "EFORBIDDEN"},
		{"no body", kiosk, ``, 400, "EINVALID"},
		{"bad json", kiosk, `{"service":`, 400, "EINVALID"},
		{"unknown field", kiosk, `{"service":"general","idempotency_key":"1","vip":true}`, 400, "EINVALID"},
		{"no key", kiosk, `{"service":"general"}`, 400, "EINVALID"},
		{"unknown service", kiosk, `{"service":"nope","idempotency_key":"1"}`, 400, "EINVALID"},
		{"unknown priority", kiosk, `{"service":"general","priority":"vip","idempotency_key":"1"}`, 400, "EINVALID"},
		{"real name without id", kiosk, `{"service":"social","idempotency_key":"1"}`, 400, "EINVALID"},
		{"bad check digit", kiosk, `{"service":"social","id_number":"110105194912310021","idempotency_key":"1"}`, 400, "EINVALID"},
		{"huge body", kiosk, `{"service":"general","idempotency_key":"` + strings.Repeat("x", 70000) + `"}`, 413, "ETOOLARGE"},
	}
	before, _ := h.Engine.Head() // the rules the hall published at start
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			code, raw := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/tickets", tt.headers, tt.body, &e)
			if code != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Fatalf("got %d %s, want %d %s", code, raw, tt.status, tt.code)
			}
		})
	}
	if seq, _ := h.Engine.Head(); seq != before {
		t.Fatalf("refused requests changed the log: head %d, was %d", seq, before)
	}
	for _, path := range []string{"/api/v1/nope", "/api/v1/tickets/not-a-token", "/api/v1/events?after=x", "/api/v1/events?limit=5000"} {
		var e apiError
		code, raw := do(t, http.DefaultClient, "GET", h.URL+path, nil, "", &e)
		if code < 400 || code >= 500 || e.Error.Code == "" {
			t.Errorf("GET %s: got %d %s, want a 4xx JSON error", path, code, raw)
		}
	}
}

func TestNoIdentityInPublicData(t *testing.T) {
	h := newTestHall(t)
	const id = "11010519491231002X"
	code, tr, raw := h.issue(`{"service":"social","id_number":"` + id + `","idempotency_key":"p1"}`)
	if code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, raw)
	}
	if code, _, raw := h.issue(`{"service":"social","id_number":"110105 19491231 002x","idempotency_key":"p2"}`); code != http.StatusCreated {
		t.Fatalf("second ticket (limit 2): %d %s", code, raw)
	}
	if code, _, raw := h.issue(`{"service":"social","id_number":"` + id + `","idempotency_key":"p3"}`); code != http.StatusConflict || !bytes.Contains(raw, []byte("ELIMIT")) {
		t.Fatalf("third ticket: got %d %s, want 409 ELIMIT", code, raw)
	}
	var bodies [][]byte
	bodies = append(bodies, raw)
	for _, path := range []string{"/api/v1/board", "/api/v1/hall", "/api/v1/events?limit=1000", "/api/v1/tickets/" + tr.Ticket.Token, "/metrics", "/healthz", "/api/v1/windows/1"} {
		_, body := do(t, http.DefaultClient, "GET", h.URL+path, nil, "", nil)
		bodies = append(bodies, body)
	}
	bodies = append(bodies, []byte(h.Logs.String()))
	for _, b := range bodies {
		for _, bad := range []string{id, "19491231", "resident:", "110105"} {
			if bytes.Contains(b, []byte(bad)) {
				t.Fatalf("public output contains %q: %.300s", bad, b)
			}
		}
	}
	// Nor the identity hash: the private bucket's keys never leave the server.
	err := h.Store.View(func(tx *store.Tx) error {
		return tx.ForEach(store.BucketIdentities, nil, func(k, _ []byte) error {
			hash := k[bytes.LastIndexByte(k, '|')+1:]
			for _, b := range bodies {
				if bytes.Contains(b, hash) {
					t.Errorf("public output contains the identity hash")
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStreamResumeThroughServer(t *testing.T) {
	h := newTestHall(t)
	for i := range 20 {
		h.issue(fmt.Sprintf(`{"service":"general","idempotency_key":"%d"}`, i))
	}
	head, _ := h.Engine.Head()
	wsURL := "ws" + strings.TrimPrefix(h.URL, "http") + "/api/v1/ws?after="
	for _, after := range []uint64{0, 1, 7, head - 1, head} {
		t.Run(fmt.Sprint("after=", after), func(t *testing.T) {
			conn, _, err := websocket.DefaultDialer.Dial(fmt.Sprint(wsURL, after), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// More events arrive while the client catches up.
			issued := make(chan struct{})
			defer func() { <-issued }() // the last answers may come after their events
			go func() {
				defer close(issued)
				for i := range 5 {
					h.issue(fmt.Sprintf(`{"service":"estate","idempotency_key":"r%d-%d"}`, after, i))
				}
			}()
			want := after + 1
			deadline := time.Now().Add(60 * time.Second)
			for want <= head+5 {
				conn.SetReadDeadline(deadline)
				_, msg, err := conn.ReadMessage()
				if err != nil {
					t.Fatalf("waiting for seq %d: %v", want, err)
				}
				var m struct {
					Seq  uint64 `json:"seq"`
					Type string `json:"type"`
				}
				json.Unmarshal(msg, &m)
				if m.Type == "heartbeat" {
					continue
				}
				if m.Seq != want {
					t.Fatalf("got seq %d, want %d", m.Seq, want)
				}
				want++
			}
			head += 5
		})
	}
}

func TestHealthAndMetrics(t *testing.T) {
	h := newTestHall(t)
	h.issue(`{"service":"general","idempotency_key":"m"}`)
	// The engine answers a request as soon as its events are committed and
	// counts them when it publishes them, just after: the counter may lag
	// the answer a moment.
	var body []byte
	for deadline := time.Now().Add(60 * time.Second); ; {
		_, body = do(t, http.DefaultClient, "GET", h.URL+"/metrics", nil, "", nil)
		if bytes.Contains(body, []byte(`hallq_tickets_issued_total{service="general"} `)) &&
			!bytes.Contains(body, []byte(`hallq_tickets_issued_total{service="general"} 0`)) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, name := range []string{"hallq_tickets_issued_total", "hallq_waiting", "hallq_http_request_duration_seconds",
		"hallq_ws_subscribers", "hallq_commit_duration_seconds", "hallq_tickets_called_total"} {
		if !bytes.Contains(body, []byte(name)) {
			t.Errorf("metrics lack %s", name)
		}
	}
	if !bytes.Contains(body, []byte(`hallq_tickets_issued_total{service="general"} 1`)) {
		t.Errorf("issued counter not 1:\n%s", body)
	}
	var health struct {
		Status string `json:"status"`
		Seq    uint64 `json:"seq"`
	}
	code, _ := do(t, http.DefaultClient, "GET", h.URL+"/healthz", nil, "", &health)
	if head, _ := h.Engine.Head(); code != 200 || health.Status != "ok" || health.Seq != head {
		t.Fatalf("healthz: %+v", health)
	}
}

func TestOfflineLeaseAndSync(t *testing.T) {
	h := newTestHall(t)
	kiosk := map[string]string{"Authorization": "Bearer " + h.Secrets.KioskToken}
	var lease struct {
		Lease struct {
			ID      string `json:"id"`
			Numbers []struct {
				Number, Ticket, Token, StatusURL string
			} `json:"numbers"`
		} `json:"lease"`
	}
	code, raw := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/leases", kiosk, `{"service":"general","count":5}`, &lease)
	if code != http.StatusCreated || len(lease.Lease.Numbers) != 5 {
		t.Fatalf("lease: %d %s", code, raw)
	}
	if code, raw := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/leases", kiosk, `{"service":"social"}`, nil); code != 400 {
		t.Fatalf("lease of a real-name service: got %d %s, want 400", code, raw)
	}
	// An online ticket after the lease gets the next number.
	_, online, _ := h.issue(`{"service":"general","idempotency_key":"on"}`)
	if online.Ticket.Number != "A006" {
		t.Fatalf("online number: got %s, want A006", online.Ticket.Number)
	}
	// Three tickets issued offline, synced three times each.
	issuedAt := h.Clock.Before(2 * time.Minute).UTC().Format(time.RFC3339Nano)
	for round := range 3 {
		for _, n := range lease.Lease.Numbers[:3] {
			var tr ticketResp
			body := fmt.Sprintf(`{"lease":%q,"number":%q,"issued_at":%q}`, lease.Lease.ID, n.Number, issuedAt)
			code, raw := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/tickets/offline", kiosk, body, &tr)
			want := http.StatusCreated
			if round > 0 {
				want = http.StatusOK
			}
			if code != want || tr.Ticket.Number != n.Number || tr.Ticket.Token != n.Token {
				t.Fatalf("sync %s round %d: %d %s", n.Number, round, code, raw)
			}
		}
	}
	// Each is in the log exactly once, and ahead of the online ticket issued after them.
	count := map[string]int{}
	for _, raw := range fetchLog(t, h.URL) {
		var ev struct {
			Type string `json:"type"`
			Data struct {
				Number string `json:"number"`
				Lease  string `json:"lease"`
			} `json:"data"`
		}
		json.Unmarshal(raw, &ev)
		if ev.Type == "ticket.issued" {
			count[ev.Data.Number]++
		}
	}
	for _, n := range []string{"A001", "A002", "A003", "A006"} {
		if count[n] != 1 {
			t.Fatalf("number %s in the log %d times (%v)", n, count[n], count)
		}
	}
	// The kiosk issued A006 online before it synced: it was not offline
	// then, so its offline tickets are placed after A006, not by their
	// claimed time. A ticket taken now waits behind all four.
	var tr ticketResp
	do(t, http.DefaultClient, "GET", h.URL+"/api/v1/tickets/"+online.Ticket.Token, nil, "", &tr)
	if tr.Ticket.Ahead != 0 {
		t.Errorf("online ticket issued before the offline ones were synced: ahead %d, want 0", tr.Ticket.Ahead)
	}
	if _, later, _ := h.issue(`{"service":"general","idempotency_key":"later"}`); later.Ticket.Ahead != 4 {
		t.Errorf("online ticket after the sync: ahead %d, want 4", later.Ticket.Ahead)
	}
	var leases struct {
		Leases []struct {
			Numbers []struct{ Number string } `json:"numbers"`
		} `json:"leases"`
	}
	do(t, http.DefaultClient, "GET", h.URL+"/api/v1/leases", kiosk, "", &leases)
	if len(leases.Leases) != 1 || len(leases.Leases[0].Numbers) != 2 {
		t.Fatalf("unused leased numbers: %+v", leases)
	}
}
