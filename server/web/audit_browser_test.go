package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestWebAudit(t *testing.T) {
	h := newTestHall(t)
	for i := range 6 {
		h.Issue(fmt.Sprintf(`{"service":"general","idempotency_key":"k%d"}`, i))
	}
	wang, csrf := h.Staff(0, "1")
	user := h.Secrets.Staff[0].Username
	for _, step := range []struct{ action, body string }{
		{"open", ""}, {"call-next", ""}, {"complete", ""},
		{"call", `{"number":"A004","reason":"returned"}`}, {"complete", ""},
		{"call-next", ""}, {"transfer", `{"service":"estate","reason":"supervisor"}`},
		{"cancel", `{"number":"A006","reason":"accessibility"}`},
	} {
		if code, raw := h.Act(wang, csrf, "1", step.action, step.body); code != 200 {
			t.Fatalf("%s: %d %s", step.action, code, raw)
		}
	}
	// Acts that change a place without a reason are refused.
	for _, step := range []struct{ action, body string }{
		{"cancel", `{"number":"A005"}`}, {"call-next", ""}, {"transfer", `{"service":"estate"}`},
	} {
		code, raw := h.Act(wang, csrf, "1", step.action, step.body)
		if step.action == "call-next" {
			continue
		}
		if code != http.StatusBadRequest || !strings.Contains(string(raw), "EINVALID") {
			t.Errorf("%s without a reason: %d %s", step.action, code, raw)
		}
	}

	br := newBrowser(t)
	tab := br.tab(1366, 900)
	// Linked from the home page and the log page.
	must(t, tab, chromedp.Navigate(h.URL+"/"))
	waitFor(t, tab, pageWait, `document.querySelector('a[href="/audit"]') !== null`, "the home page's link")
	must(t, tab, chromedp.Navigate(h.URL+"/log"))
	waitFor(t, tab, pageWait, `document.querySelector('#l-audit') !== null`, "the log page's link")
	must(t, tab, chromedp.Click(chromedp.CSS("#l-audit")))
	waitFor(t, tab, pageWait, `document.querySelector('#a-status') !== null`, "the audit page")

	text := func(sel string) string {
		return eval[string](t, tab, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ''}).innerText`, sel))
	}
	if s := text("#a-status"); !strings.Contains(s, "符合公布的规则") {
		t.Fatalf("status: %q\nfindings: %s", s, text("#a-findings"))
	}
	if s := text("#a-manual tbody"); !strings.Contains(s, "A004") || !strings.Contains(s, user) || !strings.Contains(s, "补办材料返回") || !strings.Contains(s, "A002") {
		t.Errorf("manual calls: %q", s)
	}
	if s := text("#a-transfers tbody"); !strings.Contains(s, "general → estate") || !strings.Contains(s, "值班长指示") {
		t.Errorf("transfers: %q", s)
	}
	if s := text("#a-cancels tbody"); !strings.Contains(s, "A006") || !strings.Contains(s, "staff") || !strings.Contains(s, "无障碍协助") {
		t.Errorf("cancels: %q", s)
	}
	if s := text("#a-calls"); !strings.Contains(s, "fifo: 3") || !strings.Contains(s, "manual: 1") {
		t.Errorf("calls by reason: %q", s)
	}
	if s := text("#a-p90"); !strings.Contains(s, "min") && !strings.Contains(s, "分钟") {
		t.Errorf("p90: %q", s)
	}
	if s := text("#a-violations"); s != "0" {
		t.Errorf("violations: %q", s)
	}
	if s := text("#a-windows"); !strings.Contains(s, user) {
		t.Errorf("per staff: %q", s)
	}
	// Any day by its date; a day without a record is a 404.
	day := eval[string](t, tab, `document.querySelector('#a-day').value`)
	resp, err := http.Get(h.URL + "/audit?day=" + day)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the day %s: %v %v", day, err, resp)
	}
	resp.Body.Close()
	for q, want := range map[string]int{"?day=1999-01-01": 404, "?day=yesterday": 400} {
		resp, err := http.Get(h.URL + "/audit" + q)
		if err != nil || resp.StatusCode != want {
			t.Errorf("%s: got %v %v, want %d", q, resp.StatusCode, err, want)
		}
		resp.Body.Close()
	}
}
