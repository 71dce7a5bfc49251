package web_test

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

// supervise has the supervisor zhou find complaints complaints and one open
// case, close the case with its visit and rectification, and answer the
// first complaint.
func (h *feedbackHall) supervise(complaints int, visit, rectification, answer string) {
	h.t.Helper()
	sup, sh := h.signIn("zhou", "")
	var cases struct{ Cases []struct{ ID string } }
	var open struct{ Complaints []struct{ ID string } }
	h.call(sup, "GET", "/api/v1/supervise/cases", nil, "", &cases)
	h.call(sup, "GET", "/api/v1/supervise/complaints", nil, "", &open)
	if len(cases.Cases) != 1 || len(open.Complaints) != complaints {
		h.t.Fatalf("open: %d cases, %d complaints", len(cases.Cases), len(open.Complaints))
	}
	if code, data := h.call(sup, "POST", "/api/v1/supervise/cases/"+cases.Cases[0].ID+"/close", sh, `{"visit":"`+visit+`","rectification":"`+rectification+`"}`, nil); code != http.StatusOK {
		h.t.Fatalf("close: %d %s", code, data)
	}
	if code, data := h.call(sup, "POST", "/api/v1/supervise/complaints/"+open.Complaints[0].ID+"/answer", sh, `{"answer":"`+answer+`"}`, nil); code != http.StatusOK {
		h.t.Fatalf("answer: %d %s", code, data)
	}
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
	for _, raw := range halltest.FetchLog(t, h.URL) {
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

// TestWebBadRatingCaseClosed: a very dissatisfied rating with a comment opens
// a case; the supervisor signs in at /supervise, reads the comment, records
// the return visit and the rectification and closes it. Window staff are sent
// away from the page, and the comment is in no public byte.
func TestWebBadRatingCaseClosed(t *testing.T) {
	h := startFeedbackHall(t)
	page := h.servedTicket("b1")
	token := strings.TrimPrefix(page, "/t/")
	const comment = "等了很久没有人解释 PRIVATE-4412"
	if code, data := h.call(nil, "POST", "/api/v1/tickets/"+token+"/rating", nil,
		fmt.Sprintf(`{"level":"very_dissatisfied","comment":%q}`, comment), nil); code != http.StatusOK {
		t.Fatalf("rating: %d %s", code, data)
	}

	br := newBrowser(t)
	tab := br.tab(1366, 900)
	must(t, tab, chromedp.Navigate(h.URL+"/supervise"))
	waitFor(t, tab, pageWait, `!document.getElementById('s-login').hidden`, `document.body.innerText`)
	pw := map[string]string{}
	for _, s := range h.Secrets.Staff {
		pw[s.Username] = s.Password
	}
	// Window staff are no supervisors.
	must(t, tab,
		chromedp.SendKeys(chromedp.CSS("#s-username"), "wang"),
		chromedp.SendKeys(chromedp.CSS("#s-password"), pw["wang"]),
		chromedp.Click(chromedp.CSS("#s-login-submit")))
	waitFor(t, tab, pageWait, `!document.getElementById('s-login-msg').hidden && document.getElementById('s-work').hidden`, textOf("s-login-msg"))
	if strings.Contains(eval[string](t, tab, `document.body.innerText`), "PRIVATE-4412") {
		t.Fatal("window staff see the comment")
	}
	must(t, tab,
		chromedp.Evaluate[chromedp.Void](`document.getElementById('s-username').value = document.getElementById('s-password').value = ''`),
		chromedp.SendKeys(chromedp.CSS("#s-username"), "zhou"),
		chromedp.SendKeys(chromedp.CSS("#s-password"), pw["zhou"]),
		chromedp.Click(chromedp.CSS("#s-login-submit")))
	waitFor(t, tab, pageWait, `document.querySelectorAll('#s-cases .case').length === 1`, `document.body.innerText`)
	got := eval[string](t, tab, `document.querySelector('#s-cases .case').innerText`)
	for _, want := range []string{"PRIVATE-4412", "非常不满意", "2026-07-01"} {
		if !strings.Contains(got, want) {
			t.Errorf("the case reads %q, want %q in it", got, want)
		}
	}
	screenshot(t, tab, "supervise-case")
	caseID := eval[string](t, tab, `document.querySelector('#s-cases .case').getAttribute('data-case')`)
	must(t, tab,
		chromedp.SendKeys(chromedp.CSS("#v-"+caseID), "电话回访，已致歉并说明原因"),
		chromedp.SendKeys(chromedp.CSS("#r-"+caseID), "增加高峰时段引导员"),
		chromedp.Click(chromedp.CSS(`#s-cases .case button[type=submit]`)))
	waitFor(t, tab, pageWait, `document.querySelectorAll('#s-cases .case').length === 0 && !document.getElementById('s-msg').hidden`, textOf("s-msg"))

	var opened, closed bool
	for _, raw := range halltest.FetchLog(t, h.URL) {
		s := string(raw)
		if strings.Contains(s, "PRIVATE-4412") || strings.Contains(s, "引导员") {
			t.Errorf("private text in the public log: %s", s)
		}
		opened = opened || strings.Contains(s, `"type":"case.opened"`)
		closed = closed || strings.Contains(s, `"type":"case.closed"`) && strings.Contains(s, `"on_time":true`)
	}
	if !opened || !closed {
		t.Errorf("log: case opened %v, closed on time %v", opened, closed)
	}
	br.check(tab)
}

// TestWebComplaintTracking: a complaint about a window, filed on /complaint
// at 360 px, gets a tracking code; its page says it is being handled; the
// supervisor answers it at /supervise; the tracking page then shows the
// answer, never the contact. A flood from one address is refused.
func TestWebComplaintTracking(t *testing.T) {
	h := startFeedbackHall(t)
	br := newBrowser(t)
	tab := br.tab(360, 740)
	must(t, tab, chromedp.Navigate(h.URL+"/complaint?about=window&target=2"))
	waitFor(t, tab, pageWait, `document.getElementById('q-about-window').checked && document.getElementById('q-window').value === '2'`, `document.body.innerText`)
	must(t, tab,
		chromedp.SendKeys(chromedp.CSS("#q-text"), "窗口人员离岗二十分钟"),
		chromedp.SendKeys(chromedp.CSS("#q-contact"), "13800000000"),
		chromedp.Click(chromedp.CSS("#q-submit")))
	waitFor(t, tab, pageWait, `!document.getElementById('q-done').hidden && document.getElementById('q-code').textContent.length === 10`, textOf("q-error"))
	if eval[bool](t, tab, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
		t.Error("the complaint page is wider than 360 px")
	}
	code := eval[string](t, tab, textOf("q-code"))
	must(t, tab, chromedp.Click(chromedp.CSS("#q-track")))
	waitFor(t, tab, pageWait, `document.getElementById('k-state') && document.getElementById('k-state').innerText.includes('处理中')`, `document.body.innerText`)
	screenshot(t, tab, "complaint-tracking")

	sup, sh := h.signIn("zhou", "")
	var list struct {
		Complaints []struct {
			ID      string `json:"id"`
			Contact string `json:"contact"`
			Text    string `json:"text"`
		} `json:"complaints"`
	}
	if c, data := h.call(sup, "GET", "/api/v1/supervise/complaints", nil, "", &list); c != http.StatusOK || len(list.Complaints) != 1 ||
		list.Complaints[0].Contact != "13800000000" {
		t.Fatalf("supervisor's complaints: %d %s", c, data)
	}
	tab2 := br.tab(1366, 900)
	// The supervisor's browser signs in on the page itself.
	must(t, tab2, chromedp.Navigate(h.URL+"/supervise"))
	waitFor(t, tab2, pageWait, `!document.getElementById('s-login').hidden`, `document.body.innerText`)
	for _, s := range h.Secrets.Staff {
		if s.Username == "zhou" {
			must(t, tab2, chromedp.SendKeys(chromedp.CSS("#s-username"), "zhou"),
				chromedp.SendKeys(chromedp.CSS("#s-password"), s.Password), chromedp.Click(chromedp.CSS("#s-login-submit")))
		}
	}
	waitFor(t, tab2, pageWait, `document.querySelectorAll('#s-complaints .complaint-item').length === 1`, `document.body.innerText`)
	id := list.Complaints[0].ID
	must(t, tab2,
		chromedp.SendKeys(chromedp.CSS("#a-"+id), "已核实，对该窗口人员批评教育，并调整午间轮岗。"),
		chromedp.Click(chromedp.CSS(`#s-complaints .complaint-item button[type=submit]`)))
	waitFor(t, tab2, pageWait, `document.querySelectorAll('#s-complaints .complaint-item').length === 0`, textOf("s-msg"))
	_ = sh

	must(t, tab, chromedp.Reload())
	waitFor(t, tab, pageWait, `document.getElementById('k-answer') && document.getElementById('k-answer').innerText.includes('午间轮岗')`, `document.body.innerText`)
	if got := eval[string](t, tab, `document.body.innerText`); strings.Contains(got, "13800000000") || strings.Contains(got, "离岗二十分钟") {
		t.Errorf("the tracking page shows the contact or the text: %s", got)
	}
	// A wrong code finds nothing.
	if c, _ := h.call(nil, "GET", "/complaint/ZZZZZZZZZZ", nil, "", nil); c != http.StatusNotFound {
		t.Errorf("a wrong tracking code: %d, want 404", c)
	}
	for _, raw := range halltest.FetchLog(t, h.URL) {
		if s := string(raw); strings.Contains(s, "13800000000") || strings.Contains(s, "离岗") || strings.Contains(s, code) {
			t.Errorf("private text in the public log: %s", s)
		}
	}
	// One address files a limited number of complaints.
	limit := h.Config.Feedback.ComplaintsPerAddressPerHour
	refused := 0
	for i := 0; i < limit+2; i++ {
		c, _ := h.call(nil, "POST", "/api/v1/complaints", nil, `{"about":"hall","text":"spam"}`, nil)
		if c == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused < 2 {
		t.Errorf("a flood of complaints: %d refused, want at least 2 (limit %d per hour, one filed before)", refused, limit)
	}
	br.check(tab, tab2)
}
