package halltest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"hallq/server/wire"
)

// Do sends a request and decodes the JSON answer into out (if not nil). It
// returns the status and the raw body. A body is sent as JSON.
func Do(t testing.TB, c *http.Client, method, url string, headers map[string]string, body string, out any) (int, []byte) {
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

// Issue asks for a ticket as the demo hall's kiosk, with the JSON body given.
// It returns the status, the answer (zero unless 201) and the raw body.
func (h *Hall) Issue(body string) (int, wire.TicketAnswer, []byte) {
	h.t.Helper()
	var tr wire.TicketAnswer
	code, raw := Do(h.t, http.DefaultClient, "POST", h.URL+"/api/v1/tickets",
		map[string]string{"Authorization": "Bearer " + h.Secrets.KioskToken}, body, nil)
	if code == http.StatusCreated {
		json.Unmarshal(raw, &tr)
	}
	return code, tr, raw
}

// Staff signs in the demo hall's i-th staff member at window and returns a
// client with the session cookie, and the CSRF token.
func (h *Hall) Staff(i int, window string) (*http.Client, string) {
	h.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	login := h.Secrets.Staff[i]
	var resp struct {
		CSRF   string `json:"csrf_token"`
		Window string `json:"window"`
	}
	code, raw := Do(h.t, c, "POST", h.URL+"/api/v1/login", nil,
		fmt.Sprintf(`{"username":%q,"password":%q,"window":%q}`, login.Username, login.Password, window), &resp)
	if code != http.StatusOK || resp.CSRF == "" || resp.Window != window {
		h.t.Fatalf("login: %d %s", code, raw)
	}
	return c, resp.CSRF
}

// Act posts a window action ("call", "complete" …) with a signed-in staff
// member's client and CSRF token.
func (h *Hall) Act(c *http.Client, csrf, window, action, body string) (int, []byte) {
	h.t.Helper()
	return Do(h.t, c, "POST", h.URL+"/api/v1/windows/"+window+"/"+action, map[string]string{"X-CSRF-Token": csrf}, body, nil)
}

// FetchLog pages through the hall's /api/v1/events at base and returns every
// event's bytes, in order.
func FetchLog(t testing.TB, base string) [][]byte {
	t.Helper()
	var raws [][]byte
	after := uint64(0)
	for {
		var page struct {
			Events []json.RawMessage `json:"events"`
			Next   uint64            `json:"next"`
			More   bool              `json:"more"`
		}
		code, raw := Do(t, http.DefaultClient, "GET", fmt.Sprintf("%s/api/v1/events?after=%d&limit=1000", base, after), nil, "", &page)
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

// APIError is a refusal's body as a test reads it: its code as a plain
// string, to compare with the codes a test expects.
type APIError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}
