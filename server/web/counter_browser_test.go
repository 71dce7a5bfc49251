package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// signIn signs a staff member in on the counter page of a tab.
func signIn(t *testing.T, tab context.Context, base, user, password, window string) {
	t.Helper()
	must(t, tab, chromedp.Navigate(base+"/counter"))
	waitFor(t, tab, pageWait, `!document.getElementById('login').hidden`, `document.body.innerText`)
	must(t, tab,
		chromedp.SendKeys(chromedp.CSS("#login-username"), user),
		chromedp.SendKeys(chromedp.CSS("#login-password"), password),
		chromedp.SetValue(chromedp.CSS("#login-window"), window),
		chromedp.Click(chromedp.CSS("#login-submit")),
	)
	waitFor(t, tab, pageWait, `!document.getElementById('desk').hidden && document.getElementById('d-window').textContent !== ''`,
		textOf("login-msg"))
}

// clickLive clicks the visible element selector finds, in one step in the
// page. The counter page renders some elements (the no-show list) afresh
// whenever the hall changes; a node chromedp had found might be gone by the
// time it clicked it.
func clickLive(t *testing.T, tab context.Context, selector string) {
	t.Helper()
	el := `document.querySelector(` + jsString(selector) + `)`
	waitFor(t, tab, pageWait, el+` && `+el+`.offsetParent !== null`, `document.body.innerText`)
	must(t, tab, chromedp.Evaluate[chromedp.Void](el+`.click()`))
}

// deskMessage waits for the counter page's message to contain want, of the
// kind "ok" or "error".
func deskMessage(t *testing.T, tab context.Context, kind, want string) {
	t.Helper()
	waitFor(t, tab, pageWait,
		`(function () { var m = document.getElementById('d-msg');
		  return !m.hidden && m.classList.contains(`+jsString(kind)+`) && m.textContent.indexOf(`+jsString(want)+`) >= 0; })()`,
		`document.getElementById('d-msg').className + ': ' + document.getElementById('d-msg').textContent`)
}

func TestWebCounterLifecycle(t *testing.T) {
	h := newTestHall(t)
	_, a, _ := h.Issue(`{"service":"general","idempotency_key":"a"}`)
	_, b, _ := h.Issue(`{"service":"general","idempotency_key":"b"}`)
	br := newBrowser(t)

	// The applicant follows ticket a on a phone; the page is never reloaded.
	phone := br.tab(360, 740)
	must(t, phone, chromedp.Navigate(a.Ticket.StatusURL))
	waitFor(t, phone, pageWait, `document.getElementById('t-state').dataset.status === 'waiting'`, textOf("ticket"))
	if got := eval[string](t, phone, textOf("t-number")); got != a.Ticket.Number {
		t.Fatalf("ticket page shows number %q, want %q", got, a.Ticket.Number)
	}
	if got := eval[string](t, phone, textOf("t-ahead")); got != "0 人" {
		t.Fatalf("people ahead: got %q want 0 人", got)
	}
	must(t, phone, chromedp.Evaluate[chromedp.Void](`window.__sameDocument = true`))
	phoneShows := func(status, text string) {
		t.Helper()
		waitFor(t, phone, pageWait,
			`document.getElementById('t-state').dataset.status === `+jsString(status)+
				` && document.getElementById('ticket').textContent.indexOf(`+jsString(text)+`) >= 0`,
			`document.getElementById('t-state').dataset.status + ': ' + `+textOf("ticket"))
		if !eval[bool](t, phone, `window.__sameDocument === true`) {
			t.Fatal("the ticket page was reloaded")
		}
	}

	staff := br.tab(1366, 900)
	wang := h.Secrets.Staff[0] // may sign in to windows 1 and 3
	signIn(t, staff, h.URL, wang.Username, wang.Password, "1")
	if got := eval[string](t, staff, textOf("d-window")); got != "1号窗口" {
		t.Fatalf("counter is bound to %q, want 1号窗口", got)
	}
	if got := eval[string](t, staff, `document.getElementById('d-status').dataset.status`); got != "closed" {
		t.Fatalf("window status %q, want closed", got)
	}
	waitFor(t, staff, pageWait, textOf("d-waiting")+` === '2'`, textOf("d-waiting"))
	if got := eval[string](t, staff, `document.getElementById('d-next').innerText`); !strings.Contains(got, a.Ticket.Number) || !strings.Contains(got, b.Ticket.Number) {
		t.Fatalf("next numbers: got %q", got)
	}

	// A refusal is explained: a closed window cannot call.
	must(t, staff, chromedp.Click(chromedp.CSS(`#desk [data-action="call-next"]`)))
	deskMessage(t, staff, "error", "窗口尚未开启")

	// Open with the keyboard shortcut O, call the next number with N.
	must(t, staff, chromedp.KeyEvent("o"))
	deskMessage(t, staff, "ok", "窗口已开启")
	must(t, staff, chromedp.KeyEvent("n"))
	deskMessage(t, staff, "ok", "已呼叫 "+a.Ticket.Number)
	waitFor(t, staff, pageWait, textOf("d-current")+` === `+jsString(a.Ticket.Number), textOf("d-current"))
	phoneShows("called", "请到1号窗口办理")
	waitFor(t, staff, pageWait, `/^\d+:\d\d$/.test(`+textOf("d-elapsed")+`) && `+textOf("d-current-service")+` === '综合受理'`,
		textOf("d-elapsed")+` + ' ' + `+textOf("d-current-service"))

	// Recall, then no-show: the phone says it was missed.
	must(t, staff, chromedp.Click(chromedp.CSS(`#desk [data-action="recall"]`)))
	deskMessage(t, staff, "ok", "已重呼 "+a.Ticket.Number)
	must(t, staff, chromedp.KeyEvent("x"))
	deskMessage(t, staff, "ok", a.Ticket.Number+" 已标记过号")
	phoneShows("no_show", "已过号")

	// The no-show is listed for reinstatement; it rejoins behind b.
	clickLive(t, staff, `#d-noshows button[data-reinstate="`+a.Ticket.Number+`"]`)
	deskMessage(t, staff, "ok", a.Ticket.Number+" 已恢复排队")
	phoneShows("waiting", "排队中")
	waitFor(t, phone, pageWait, textOf("t-ahead")+` === '1 人'`, textOf("t-ahead"))

	// b is called next, and completed with C.
	must(t, staff, chromedp.KeyEvent("n"))
	deskMessage(t, staff, "ok", "已呼叫 "+b.Ticket.Number)
	must(t, staff, chromedp.KeyEvent("c"))
	deskMessage(t, staff, "ok", b.Ticket.Number+" 已办结")
	phoneShows("waiting", "您是下一位")

	// Calling a specific number: an unknown number is refused with a reason,
	// then a is called out of order with a published reason.
	must(t, staff,
		chromedp.SendKeys(chromedp.CSS("#f-call-number"), "A999"),
		chromedp.SetValue(chromedp.CSS("#f-call-reason"), "supervisor"),
		chromedp.Click(chromedp.CSS(`#f-call button[type="submit"]`)),
	)
	deskMessage(t, staff, "error", "今日没有A999号")
	must(t, staff, chromedp.Evaluate[chromedp.Void](`document.getElementById('f-call-number').value = ''`))
	must(t, staff,
		chromedp.SendKeys(chromedp.CSS("#f-call-number"), strings.ToLower(a.Ticket.Number)),
		chromedp.SetValue(chromedp.CSS("#f-call-reason"), "supervisor"),
		chromedp.Click(chromedp.CSS(`#f-call button[type="submit"]`)),
	)
	deskMessage(t, staff, "ok", "已指定呼叫 "+a.Ticket.Number)
	phoneShows("called", "请到1号窗口办理")

	// Transfer a to social insurance: the phone shows the new service, waiting.
	must(t, staff,
		chromedp.SetValue(chromedp.CSS("#f-transfer-service"), "social"),
		chromedp.SetValue(chromedp.CSS("#f-transfer-reason"), "supervisor"),
		chromedp.Click(chromedp.CSS(`#f-transfer button[type="submit"]`)),
	)
	deskMessage(t, staff, "ok", a.Ticket.Number+" 已转办：社保医保")
	phoneShows("waiting", "社保医保")

	// Window 1 serves social insurance second: a is called again and completed.
	must(t, staff, chromedp.KeyEvent("n"))
	deskMessage(t, staff, "ok", "已呼叫 "+a.Ticket.Number)
	phoneShows("called", "1号窗口")
	must(t, staff, chromedp.Click(chromedp.CSS(`#desk [data-action="complete"]`)))
	phoneShows("completed", "已办结")

	// Today's figures of the window.
	waitFor(t, staff, pageWait, textOf("d-served")+` === '2' && `+textOf("d-noshow-count")+` === '1' && /^\d+:\d\d$/.test(`+textOf("d-avg")+`)`,
		`document.querySelector('.figures').innerText`)

	// Pause with P: calling is refused while paused; P resumes.
	must(t, staff, chromedp.KeyEvent("p"))
	deskMessage(t, staff, "ok", "窗口已暂停")
	must(t, staff, chromedp.KeyEvent("n"))
	deskMessage(t, staff, "error", "1号窗口已暂停")
	must(t, staff, chromedp.KeyEvent("p"))
	deskMessage(t, staff, "ok", "窗口已恢复")
	must(t, staff, chromedp.KeyEvent("n"))
	deskMessage(t, staff, "error", "1号窗口的业务暂无人等候")

	// Shortcuts do nothing while typing in a field. A shortcut sends its
	// request from the key's handler, which has run when the key event
	// returns: the page's requests are counted from before the key.
	head, _ := h.Engine.Head()
	must(t, staff, chromedp.Evaluate[chromedp.Void](`(function () {
		var send = window.fetch;
		window.__hallqPosts = [];
		window.fetch = function (path, opts) {
			if (opts && opts.method === 'POST') window.__hallqPosts.push(String(path));
			return send.apply(this, arguments);
		};
	})()`))
	must(t, staff, chromedp.Click(chromedp.CSS("#f-reinstate-number")), chromedp.KeyEvent("p"))
	if posts := eval[[]string](t, staff, `window.__hallqPosts`); len(posts) != 0 {
		t.Fatalf("typing P in a field acted on the window: the page sent %q", posts)
	}
	if now, _ := h.Engine.Head(); now != head {
		t.Fatalf("typing P in a field acted on the window: log head %d -> %d", head, now)
	}
	if got := eval[string](t, staff, `document.getElementById('f-reinstate-number').value`); got != "p" {
		t.Fatalf("field value: got %q want p", got)
	}
	must(t, staff, chromedp.KeyEvent("\x1b"), chromedp.Evaluate[chromedp.Void](`document.getElementById('f-reinstate-number').value = ''`))

	br.check(phone, staff)
}

// TestWebCounterOtherWindow checks that a counter page cannot act on a window
// other than the one its staff member is signed in to: when the session moves
// to another window in another tab, the page refuses, says so and follows.
func TestWebCounterOtherWindow(t *testing.T) {
	h := newTestHall(t)
	h.Issue(`{"service":"general","idempotency_key":"a"}`)
	br := newBrowser(t)
	wang := h.Secrets.Staff[0]

	first := br.tab(1366, 900)
	signIn(t, first, h.URL, wang.Username, wang.Password, "1")
	must(t, first, chromedp.KeyEvent("o"))
	deskMessage(t, first, "ok", "窗口已开启")

	// The same browser signs in again, to window 3, from another tab: the
	// session cookie the first tab relied on is replaced.
	second := br.tab(1366, 900)
	must(t, second, chromedp.Navigate(h.URL+"/rules"))
	login := `fetch('/api/v1/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({username: ` + jsString(wang.Username) + `, password: ` + jsString(wang.Password) + `, window: '3'})})
		.then(function (r) { return r.status; })`
	if status := eval[int](t, second, login); status != 200 {
		t.Fatalf("sign-in from the second tab: status %d", status)
	}

	head, _ := h.Engine.Head()
	must(t, first, chromedp.KeyEvent("n"))
	deskMessage(t, first, "error", "本页的登录已被替换：您现在登录的是3号窗口，操作未执行")
	if now, _ := h.Engine.Head(); now != head {
		t.Fatalf("a refused action changed the log: head %d -> %d", head, now)
	}
	waitFor(t, first, pageWait, textOf("d-window")+` === '3号窗口'`, textOf("d-window"))

	// A staff member may not sign in to a window that is not theirs.
	third := br.tab(1366, 900)
	must(t, third, chromedp.Navigate(h.URL+"/counter"))
	waitFor(t, third, pageWait, textOf("d-window")+` === '3号窗口'`, `document.body.innerText`)
	must(t, third, chromedp.Click(chromedp.CSS("#d-logout")))
	waitFor(t, third, pageWait, `!document.getElementById('login').hidden && `+textOf("login-msg")+`.indexOf('已退出登录') >= 0`, textOf("login-msg"))
	must(t, third,
		chromedp.SendKeys(chromedp.CSS("#login-username"), wang.Username),
		chromedp.SendKeys(chromedp.CSS("#login-password"), wang.Password),
		chromedp.SetValue(chromedp.CSS("#login-window"), "2"),
		chromedp.Click(chromedp.CSS("#login-submit")),
	)
	waitFor(t, third, pageWait, textOf("login-msg")+`.indexOf('您不能登录这个窗口。您可以登录：1号窗口、3号窗口。') >= 0`, textOf("login-msg"))
	must(t, third,
		chromedp.Clear(chromedp.CSS("#login-password")),
		chromedp.SendKeys(chromedp.CSS("#login-password"), "wrong password"),
		chromedp.SetValue(chromedp.CSS("#login-window"), "1"),
		chromedp.Click(chromedp.CSS("#login-submit")),
	)
	waitFor(t, third, pageWait, textOf("login-msg")+`.indexOf('用户名或密码错误') >= 0`, textOf("login-msg"))

	// The signed-out session no longer acts: the first tab is sent to sign in.
	must(t, first, chromedp.KeyEvent("n"))
	waitFor(t, first, pageWait, `!document.getElementById('login').hidden && `+textOf("login-msg")+`.indexOf('登录已失效') >= 0`, textOf("login-msg"))
	br.check(first, second, third)
}
