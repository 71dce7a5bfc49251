package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"hallq/server/config"
	"hallq/server/hall/halltest"
)

// TestWebReception: a reception staff member signs in on /reception, takes a
// priority number for someone (a real-name service, with a passport), reads
// it out (the desk has no printer), switches to English, and checks in a
// booking that does not exist; window staff are sent away.
func TestWebReception(t *testing.T) {
	cfg, secrets, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte("desk-pw"), bcrypt.MinCost)
	cfg.Desks = append(cfg.Desks, config.Desk{ID: "R1", Name: config.Text{ZH: "一楼导服台", EN: "Ground-floor reception"}})
	cfg.Staff = append(cfg.Staff, config.Staff{Username: "zhao", Name: config.Text{ZH: "赵敏"}, PasswordHash: string(hash),
		Desks: []string{"R1"}, Role: config.RoleReception})
	for i := range cfg.Hall.PriorityClasses {
		if cfg.Hall.PriorityClasses[i].ID == "elderly" {
			cfg.Hall.PriorityClasses[i].MinAge = 70
		}
	}
	h := halltest.Start(t, halltest.Options{Config: cfg, Sync: true})
	logs := h.Logs

	// The published rules name the desk and the age rule.
	resp, err := http.Get(h.URL + "/rules")
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"可到导服台（", ">一楼导服台<", "服务日当天年满 70 周岁者自动获得此类别"} {
		if !strings.Contains(string(rules), want) {
			t.Errorf("/rules does not say %q", want)
		}
	}

	br := newBrowser(t)
	tab := br.tab(1366, 900)
	must(t, tab, chromedp.Navigate(h.URL+"/reception"))
	waitFor(t, tab, pageWait, `!document.getElementById('r-login').hidden`, `document.body.innerText`)

	// Window staff are not reception staff.
	wang := secrets.Staff[0]
	must(t, tab,
		chromedp.SendKeys(chromedp.CSS("#r-username"), wang.Username),
		chromedp.SendKeys(chromedp.CSS("#r-password"), wang.Password),
		chromedp.Click(chromedp.CSS("#r-login-submit")))
	waitFor(t, tab, pageWait, `!document.getElementById('r-login-msg').hidden && document.getElementById('r-work').hidden`, textOf("r-login-msg"))

	must(t, tab,
		chromedp.Evaluate[chromedp.Void](`document.getElementById('r-username').value = document.getElementById('r-password').value = ''`),
		chromedp.SendKeys(chromedp.CSS("#r-username"), "zhao"),
		chromedp.SendKeys(chromedp.CSS("#r-password"), "desk-pw"),
		chromedp.Click(chromedp.CSS("#r-login-submit")))
	waitFor(t, tab, pageWait, `!document.getElementById('r-work').hidden && document.getElementById('r-desk-name').textContent === '一楼导服台'`,
		textOf("r-login-msg"))
	if eval[bool](t, tab, `document.getElementById('r-print').disabled`) != true {
		t.Error("the print box is enabled at a desk without a printer")
	}

	// Social insurance is a real-name service: the document fields appear.
	must(t, tab, chromedp.SetValue(chromedp.CSS("#r-service"), "social"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('r-service').dispatchEvent(new Event('change'))`))
	waitFor(t, tab, pageWait, `!document.getElementById('r-doc').hidden`, `document.body.innerText`)
	must(t, tab,
		chromedp.SetValue(chromedp.CSS("#r-priority"), "disabled"),
		chromedp.SetValue(chromedp.CSS("#r-doc-kind"), "passport"),
		chromedp.SendKeys(chromedp.CSS("#r-doc-number"), "e 1234 5678"),
		chromedp.Click(chromedp.CSS("#r-issue-submit")))
	waitFor(t, tab, pageWait, `!document.getElementById('r-result').hidden && document.getElementById('r-number').textContent === 'B001'`,
		`document.getElementById('r-msg').textContent`)
	if got := eval[string](t, tab, textOf("r-result-priority")); got != "优先：残疾人" {
		t.Errorf("priority shown %q", got)
	}
	if got := eval[string](t, tab, textOf("r-result-print")); !strings.Contains(got, "口头告知") {
		t.Errorf("print note %q", got)
	}
	if eval[string](t, tab, `document.getElementById('r-doc-number').value`) != "" {
		t.Error("the document number stays on the screen after the number was issued")
	}
	screenshot(t, tab, "reception-zh")

	// English.
	must(t, tab, chromedp.Evaluate[chromedp.Void](`hallq.setLang('en')`))
	waitFor(t, tab, pageWait, `document.getElementById('r-result-priority').textContent === 'Priority: People with disabilities'`, textOf("r-result-priority"))
	if got := eval[string](t, tab, textOf("r-desk-name")); got != "Ground-floor reception" {
		t.Errorf("desk name in English %q", got)
	}
	screenshot(t, tab, "reception-en")

	// A check-in without a booking is refused with the server's words.
	must(t, tab,
		chromedp.SendKeys(chromedp.CSS("#r-ci-number"), "E99999999"),
		chromedp.SetValue(chromedp.CSS("#r-ci-kind"), "passport"),
		chromedp.Click(chromedp.CSS("#r-ci-submit")))
	waitFor(t, tab, pageWait, `document.getElementById('r-msg').classList.contains('error')`, textOf("r-msg"))
	br.check(tab)

	// The log says the desk issued B001 as a priority ticket, and nothing of
	// the person.
	recs, err := h.Store.EventsAfter(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range recs {
		raw := string(r.Raw)
		if strings.Contains(raw, "E12345678") || strings.Contains(raw, "zhao") {
			t.Fatalf("the log names the person or the staff member: %s", raw)
		}
		var e struct {
			Type string `json:"type"`
			Data struct {
				Number, Desk, Priority string
			} `json:"data"`
		}
		if json.Unmarshal(r.Raw, &e) == nil && e.Type == "ticket.issued" && e.Data.Number == "B001" {
			found = e.Data.Desk == "R1" && e.Data.Priority == "disabled"
		}
	}
	if !found {
		t.Error("no ticket.issued of B001 by desk R1 with class disabled")
	}
	if strings.Contains(logs.String(), "E12345678") {
		t.Error("the server log holds the passport number")
	}
}
