package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/server/hall/halltest"
)

// feedbackHall is the demo hall on a clock at 10:00 on Wednesday 10 June
// 2026 in Shanghai: the tests do not depend on the time of day they run at.
type feedbackHall struct {
	*halltest.Hall
	t *testing.T
}

func startFeedbackHall(t *testing.T) *feedbackHall {
	t.Helper()
	return &feedbackHall{Hall: halltest.Start(t, halltest.Options{
		Clock: halltest.NewClock(nil, time.Date(2026, 6, 10, 2, 0, 0, 0, time.UTC))}), t: t}
}

// call sends a JSON request and decodes a 2xx answer into out.
func (h *feedbackHall) call(c *http.Client, method, path string, header http.Header, body string, out any) (int, []byte) {
	h.t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return resp.StatusCode, data
}

// signIn signs a demo account in (to window, if given) and returns its client
// and the CSRF header of its mutating requests.
func (h *feedbackHall) signIn(user, window string) (*http.Client, http.Header) {
	h.t.Helper()
	var pw string
	for _, s := range h.Secrets.Staff {
		if s.Username == user {
			pw = s.Password
		}
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	body, _ := json.Marshal(map[string]string{"username": user, "password": pw, "window": window})
	if code, data := h.call(c, "POST", "/api/v1/login", nil, string(body), &me); code != http.StatusOK {
		h.t.Fatalf("%s signs in: %d %s", user, code, data)
	}
	return c, http.Header{"X-CSRF-Token": {me.CSRF}}
}

// servedTicket issues a general ticket, has wang serve it at window 1 and
// returns the path of its page.
func (h *feedbackHall) servedTicket(key string) string {
	h.t.Helper()
	var a struct {
		Ticket struct {
			StatusURL string `json:"status_url"`
		} `json:"ticket"`
	}
	kiosk := http.Header{"Authorization": {"Bearer " + h.Secrets.KioskToken}}
	if code, data := h.call(nil, "POST", "/api/v1/tickets", kiosk, fmt.Sprintf(`{"service":"general","idempotency_key":%q}`, key), &a); code != http.StatusCreated {
		h.t.Fatalf("issue: %d %s", code, data)
	}
	wang, wh := h.signIn("wang", "1")
	for _, act := range []string{"open", "call-next", "complete"} {
		if code, data := h.call(wang, "POST", "/api/v1/windows/1/"+act, wh, "{}", nil); code != http.StatusOK && !(act == "open" && code == http.StatusConflict) {
			h.t.Fatalf("%s: %d %s", act, code, data)
		}
	}
	u, err := url.Parse(a.Ticket.StatusURL)
	if err != nil {
		h.t.Fatal(err)
	}
	return u.Path
}

// TestWebRatingOnce: the holder of a served ticket rates it on its page at
// 360 px, once: after the rating the form is gone, also after a reload, and
// a second rating through the API is refused.
func TestWebRatingOnce(t *testing.T) {
	h := startFeedbackHall(t)
	page := h.servedTicket("r1")

	br := newBrowser(t)
	tab := br.tab(360, 740)
	must(t, tab, chromedp.Navigate(h.URL+page))
	waitFor(t, tab, pageWait, `!document.getElementById('rate-form').hidden`, `document.body.innerText`)
	if got := eval[int](t, tab, `document.querySelectorAll('#rate-levels input[name=level]').length`); got != 5 {
		t.Fatalf("rating levels: got %d, want 5", got)
	}
	if got := eval[string](t, tab, `document.getElementById('rate-levels').innerText`); !strings.Contains(got, "非常满意") || !strings.Contains(got, "非常不满意") {
		t.Errorf("levels read %q", got)
	}
	if eval[bool](t, tab, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
		t.Error("the ticket page with the rating form is wider than 360 px")
	}
	screenshot(t, tab, "rating-360")
	must(t, tab,
		chromedp.Click(chromedp.CSS(`#rate-levels input[value=satisfied]`)),
		chromedp.SendKeys(chromedp.CSS("#rate-comment"), "办事很快"),
		chromedp.Click(chromedp.CSS("#rate-submit")))
	waitFor(t, tab, pageWait, `!document.getElementById('rate-done').hidden && document.getElementById('rate-form').hidden`, textOf("rate-error"))
	if got := eval[string](t, tab, textOf("rate-done")); !strings.Contains(got, "满意") {
		t.Errorf("after rating: %q", got)
	}
	// English, then a reload: still rated, no form.
	must(t, tab, chromedp.Reload())
	waitFor(t, tab, pageWait, `!document.getElementById('rate-done').hidden`, `document.body.innerText`)
	if !eval[bool](t, tab, `document.getElementById('rate-form').hidden`) {
		t.Error("the form shows again after a reload")
	}
	token := strings.TrimPrefix(page, "/t/")
	if code, data := h.call(nil, "POST", "/api/v1/tickets/"+token+"/rating", nil, `{"level":"very_satisfied"}`, nil); code != http.StatusConflict {
		t.Errorf("a second rating: %d %s, want 409", code, data)
	}
	var n int
	for _, raw := range fetchLog(t, h.URL) {
		if strings.Contains(string(raw), `"type":"rating.submitted"`) {
			n++
			if strings.Contains(string(raw), "办事很快") {
				t.Errorf("the comment is in the public log: %s", raw)
			}
		}
	}
	if n != 1 {
		t.Errorf("rating.submitted events: got %d, want 1", n)
	}
	br.check(tab)
}
