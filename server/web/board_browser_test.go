package web_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/server/hall/halltest"
)

func TestWebBoard(t *testing.T) {
	// The hall is stopped and opened again on its address, as a restart would.
	l := halltest.Start(t, halltest.Options{Sync: true})
	secrets := l.Secrets
	kiosk := map[string]string{"Authorization": "Bearer " + secrets.KioskToken}
	issue := func(key string) string {
		t.Helper()
		var tr ticketResp
		if code, raw := do(t, http.DefaultClient, "POST", l.URL+"/api/v1/tickets", kiosk, `{"service":"general","idempotency_key":"`+key+`"}`, &tr); code != 201 {
			t.Fatalf("issue: %d %s", code, raw)
		}
		return tr.Ticket.Number
	}
	jar, _ := cookiejar.New(nil)
	staff := &http.Client{Jar: jar}
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	wang := secrets.Staff[0]
	if code, raw := do(t, staff, "POST", l.URL+"/api/v1/login", nil,
		fmt.Sprintf(`{"username":%q,"password":%q,"window":"1"}`, wang.Username, wang.Password), &login); code != 200 {
		t.Fatalf("login: %d %s", code, raw)
	}
	act := func(action string) {
		t.Helper()
		if code, raw := do(t, staff, "POST", l.URL+"/api/v1/windows/1/"+action, map[string]string{"X-CSRF-Token": login.CSRF}, "", nil); code != 200 {
			t.Fatalf("%s: %d %s", action, code, raw)
		}
	}
	act("open")
	first := issue("a")

	br := newBrowser(t)
	tv := br.tab(1920, 1080)
	must(t, tv, chromedp.Navigate(l.URL+"/board"))
	waitFor(t, tv, pageWait, `document.querySelectorAll('#b-services li').length === 4 && document.getElementById('b-live').dataset.state === 'live'`,
		`document.getElementById('board').innerText`)
	if got := eval[string](t, tv, `document.querySelector('#b-services li').innerText.replace(/\s+/g, ' ')`); got != "A综合受理 1 预计 约 5 分钟" {
		t.Errorf("general affairs on the board: got %q", got)
	}

	// A call shows on the board, without a reload. How soon is logged, for
	// people to look at; a slow machine may take longer than a hall would.
	shown := func(number string) string {
		return `!!document.querySelector('#b-current li[data-number="` + number + `"][data-window="1"]')`
	}
	start := time.Now()
	act("call-next")
	waitFor(t, tv, pageWait, shown(first), `document.getElementById('b-current').innerText`)
	t.Logf("the board showed the call %v after it was made", time.Since(start).Round(time.Millisecond))
	waitFor(t, tv, pageWait, `document.querySelector('#b-recent li .num') && document.querySelector('#b-recent li .num').textContent === `+jsString(first)+
		` && document.querySelector('#b-services li .waiting').textContent === '0'`, `document.getElementById('board').innerText`)
	head, hash := l.Engine.Head()
	waitFor(t, tv, pageWait, textOf("b-head")+` === `+jsString(fmt.Sprintf("公开日志 第 %d 条 · %s", head, hash[:12])), textOf("b-head"))
	screenshot(t, tv, "board-call")

	// The server restarts: the board says it lost the connection, comes back
	// by itself and shows the calls made after the restart.
	l.Close()
	waitFor(t, tv, pageWait, `document.getElementById('b-live').dataset.state === 'offline'`, textOf("b-live"))
	l.Open()
	act("complete")
	second := issue("b")
	act("call-next")
	waitFor(t, tv, pageWait, shown(second)+` && !document.querySelector('#b-current li[data-number="`+first+`"]')`,
		`document.getElementById('b-current').innerText`)
	waitFor(t, tv, pageWait, `document.getElementById('b-live').dataset.state === 'live'`, textOf("b-live"))

	// The hall starts again on an empty data directory (a new log, shorter
	// than the one the board followed): the board follows the new log.
	l.Close()
	waitFor(t, tv, pageWait, `document.getElementById('b-live').dataset.state === 'offline'`, textOf("b-live"))
	l.Dir = t.TempDir()
	l.Open()
	if code, raw := do(t, staff, "POST", l.URL+"/api/v1/login", nil,
		fmt.Sprintf(`{"username":%q,"password":%q,"window":"1"}`, wang.Username, wang.Password), &login); code != 200 {
		t.Fatalf("login: %d %s", code, raw)
	}
	act("open")
	third := issue("c")
	act("call-next")
	if third != first {
		t.Fatalf("the new log's first number is %s, want %s", third, first)
	}
	waitFor(t, tv, pageWait, shown(third)+` && !document.querySelector('#b-current li[data-number="`+second+`"]')`,
		`document.getElementById('b-current').innerText`)
	head, hash = l.Engine.Head()
	waitFor(t, tv, pageWait, textOf("b-head")+` === `+jsString(fmt.Sprintf("公开日志 第 %d 条 · %s", head, hash[:12])), textOf("b-head"))
	br.check(tv)
}
