package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"hallq/server/hall/halltest"
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

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// do sends a request and decodes the JSON answer into out (if not nil). It
// returns the status and the raw body.
func do(t *testing.T, c *http.Client, method, url string, headers map[string]string, body string, out any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && strings.HasPrefix(url, "/api") {
		t.Errorf("%s %s: content type %q", method, url, ct)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode, raw
}

type ticketResp struct {
	Ticket struct {
		ID         string `json:"id"`
		Number     string `json:"number"`
		Service    string `json:"service"`
		Status     string `json:"status"`
		Ahead      int    `json:"ahead"`
		ETASeconds int    `json:"eta_seconds"`
		Token      string `json:"token"`
		StatusURL  string `json:"status_url"`
		Window     string `json:"window"`
		Seq        uint64 `json:"seq"`
		Hash       string `json:"hash"`
	} `json:"ticket"`
}

func (h *testHall) issue(body string) (int, ticketResp, []byte) {
	h.t.Helper()
	var tr ticketResp
	code, raw := do(h.t, http.DefaultClient, "POST", h.URL+"/api/v1/tickets",
		map[string]string{"Authorization": "Bearer " + h.Secrets.KioskToken}, body, nil)
	if code == http.StatusCreated {
		json.Unmarshal(raw, &tr)
	}
	return code, tr, raw
}

// staff signs in and returns a client with the session cookie and the CSRF token.
func (h *testHall) staff(i int, window string) (*http.Client, string) {
	h.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	login := h.Secrets.Staff[i]
	var resp struct {
		CSRF   string `json:"csrf_token"`
		Window string `json:"window"`
	}
	code, raw := do(h.t, c, "POST", h.URL+"/api/v1/login", nil,
		fmt.Sprintf(`{"username":%q,"password":%q,"window":%q}`, login.Username, login.Password, window), &resp)
	if code != http.StatusOK || resp.CSRF == "" || resp.Window != window {
		h.t.Fatalf("login: %d %s", code, raw)
	}
	return c, resp.CSRF
}

func (h *testHall) act(c *http.Client, csrf, window, action, body string) (int, []byte) {
	h.t.Helper()
	return do(h.t, c, "POST", h.URL+"/api/v1/windows/"+window+"/"+action, map[string]string{"X-CSRF-Token": csrf}, body, nil)
}

// fetchLog pages through /api/v1/events.
func fetchLog(t *testing.T, base string) [][]byte {
	t.Helper()
	var raws [][]byte
	after := uint64(0)
	for {
		var page struct {
			Events []json.RawMessage `json:"events"`
			Next   uint64            `json:"next"`
			More   bool              `json:"more"`
		}
		code, raw := do(t, http.DefaultClient, "GET", fmt.Sprintf("%s/api/v1/events?after=%d&limit=1000", base, after), nil, "", &page)
		if code != http.StatusOK {
			t.Fatalf("events: %d %s", code, raw)
		}
		for _, e := range page.Events {
			raws = append(raws, []byte(e))
		}
		if !page.More {
			return raws
		}
		after = page.Next
	}
}
