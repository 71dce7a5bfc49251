package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebLanguage switches a page to English and checks that the choice holds
// on the other pages, for the texts of the templates and for those the scripts
// write, and that switching back gives Chinese again.
func TestWebLanguage(t *testing.T) {
	h := newTestHall(t)
	_, tk, _ := h.Issue(`{"service":"estate","idempotency_key":"l"}`)
	br := newBrowser(t)
	tab := br.tab(360, 740)
	visible := func() string { return eval[string](t, tab, `document.body.innerText`) }

	must(t, tab, chromedp.Navigate(h.URL+"/"))
	if got := eval[string](t, tab, `document.documentElement.lang`); got != "zh-CN" {
		t.Fatalf("first visit: lang %q, want zh-CN", got)
	}
	must(t, tab, chromedp.Click(chromedp.CSS("header.site [data-lang-toggle]")))
	if text := visible(); !strings.Contains(text, "Published rules") || strings.Contains(text, "公开规则") {
		t.Fatalf("after the switch the page shows %q", text)
	}

	steps := []struct {
		path, ready, want, notWant string
	}{
		{"/rules", `true`, "How personal information is handled", "个人信息处理规则"},
		{"/t/" + tk.Ticket.Token, `document.getElementById('t-state').dataset.status === 'waiting'`, "Waiting", "排队中"},
		{"/counter", `!document.getElementById('login').hidden`, "Window staff sign-in", "窗口工作人员登录"},
		{"/board", `document.querySelectorAll('#b-services li').length === 4`, "Real estate registration", "不动产登记"},
	}
	for _, s := range steps {
		must(t, tab, chromedp.Navigate(h.URL+s.path))
		waitFor(t, tab, pageWait, s.ready, `document.body.innerText`)
		if got := eval[string](t, tab, `document.documentElement.lang`); got != "en" {
			t.Errorf("%s: lang %q, want en", s.path, got)
		}
		if text := visible(); !strings.Contains(text, s.want) || strings.Contains(text, s.notWant) {
			t.Errorf("%s in English shows %q", s.path, text)
		}
	}
	// Options of selects follow the language too.
	must(t, tab, chromedp.Navigate(h.URL+"/counter"))
	waitFor(t, tab, pageWait, `!document.getElementById('login').hidden`, `document.body.innerText`)
	if got := eval[string](t, tab, `document.querySelector('#login-window option[value="2"]').textContent`); got != "Window 2" {
		t.Errorf("window option in English: %q", got)
	}
	must(t, tab, chromedp.Click(chromedp.CSS("header.site [data-lang-toggle]")))
	if got := eval[string](t, tab, `document.querySelector('#login-window option[value="2"]').textContent`); got != "2号窗口" {
		t.Errorf("window option back in Chinese: %q", got)
	}
	must(t, tab, chromedp.Navigate(h.URL+"/t/"+tk.Ticket.Token))
	waitFor(t, tab, pageWait, `document.getElementById('t-state').dataset.status === 'waiting'`, `document.body.innerText`)
	if text := visible(); !strings.Contains(text, "排队中") || !strings.Contains(text, "不动产登记") {
		t.Errorf("back in Chinese the ticket page shows %q", text)
	}
	br.check(tab)
}
