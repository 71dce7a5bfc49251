package web_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"hallq/server/config"
	"hallq/server/hall"
	"hallq/server/hall/halltest"
)

// TestWebReceptionBooksAndTakesPhone: on /reception a desk books an
// appointment for someone (the rules and limits of /book: a second booking
// that day is refused in the server's words), and takes a number for
// someone who leaves a mobile number; a mistyped number issues nothing. The
// log names the desk, never the staff member, the document or the phone.
func TestWebReceptionBooksAndTakesPhone(t *testing.T) {
	var mu sync.Mutex
	var texts []string
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct{ Phone, Kind string }
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		texts = append(texts, m.Kind+" "+m.Phone)
		mu.Unlock()
	}))
	t.Cleanup(gateway.Close)

	cfg, _, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte("desk-pw"), bcrypt.MinCost)
	cfg.Desks = append(cfg.Desks, config.Desk{ID: "R1", Name: config.Text{ZH: "一楼导服台", EN: "Ground-floor reception"}})
	cfg.Staff = append(cfg.Staff, config.Staff{Username: "zhao", Name: config.Text{ZH: "赵敏"}, PasswordHash: string(hash),
		Desks: []string{"R1"}, Role: config.RoleReception})
	cfg.Notify = config.Notify{Webhook: gateway.URL, Timeout: 5 * time.Second, Attempts: 3, CloseAhead: 3}
	logs := &halltest.SyncBuffer{}
	// The machine's clock: the page lists slots that start after now.
	h, err := hall.Open(cfg, t.TempDir(), slog.New(slog.NewTextHandler(logs, nil)), hall.Options{NoSync: true, Now: halltest.NewClock(cfg.Hall, time.Time{}).Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler)
	t.Cleanup(func() { srv.Close(); h.Close() })

	// The published rules say what the desk does and how numbers are texted.
	resp, err := http.Get(srv.URL + "/rules")
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"代办取号、预约或预约签到", "留下手机号码", "人及以内时发一条提醒", "当日封存后即删除"} {
		if !strings.Contains(string(rules), want) {
			t.Errorf("/rules does not say %q", want)
		}
	}

	// A day of the coming week with released places for exit and entry.
	var date string
	for d := 1; d <= 7 && date == ""; d++ {
		day := time.Now().In(cfg.Hall.Location).AddDate(0, 0, d).Format(time.DateOnly)
		resp, err := http.Get(srv.URL + "/api/v1/appointments/slots?service=exit-entry&date=" + day)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Slots []struct {
				Released  bool `json:"released"`
				Remaining int  `json:"remaining"`
			} `json:"slots"`
		}
		json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		for _, s := range v.Slots {
			if s.Released && s.Remaining > 0 {
				date = day
				break
			}
		}
	}
	if date == "" {
		t.Fatal("no released slot in the coming week")
	}

	br := newBrowser(t)
	tab := br.tab(1366, 1000)
	must(t, tab, chromedp.Navigate(srv.URL+"/reception"))
	waitFor(t, tab, pageWait, `!document.getElementById('r-login').hidden`, `document.body.innerText`)
	must(t, tab,
		chromedp.SendKeys(chromedp.CSS("#r-username"), "zhao"),
		chromedp.SendKeys(chromedp.CSS("#r-password"), "desk-pw"),
		chromedp.Click(chromedp.CSS("#r-login-submit")))
	waitFor(t, tab, pageWait, `!document.getElementById('r-work').hidden`, textOf("r-login-msg"))

	// Book for someone: service, day, the first slot with places.
	id := residentID(40)
	book := func() {
		must(t, tab,
			chromedp.SetValue(chromedp.CSS("#r-bk-service"), "exit-entry"),
			chromedp.SetValue(chromedp.CSS("#r-bk-date"), date),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('r-bk-date').dispatchEvent(new Event('change'))`))
		waitFor(t, tab, pageWait, `document.getElementById('r-bk-slot').options.length > 1`, `document.getElementById('r-msg').textContent`)
		must(t, tab,
			chromedp.Evaluate[chromedp.Void](`document.getElementById('r-bk-slot').selectedIndex = 1`),
			chromedp.SendKeys(chromedp.CSS("#r-bk-number"), id),
			chromedp.Click(chromedp.CSS("#r-bk-submit")))
	}
	book()
	waitFor(t, tab, pageWait, `!document.getElementById('r-booked').hidden && document.getElementById('r-bk-code').textContent.length === 8`,
		textOf("r-msg"))
	if got := eval[string](t, tab, textOf("r-bk-result-time")); !strings.Contains(got, date[5:]) && !strings.Contains(got, date) {
		t.Errorf("booking time shown %q, want the date %s", got, date)
	}
	if eval[string](t, tab, `document.getElementById('r-bk-number').value`) != "" {
		t.Error("the document number stays on the screen after booking")
	}
	screenshot(t, tab, "reception-booked")
	// The same person once more that day: refused by /book's limit.
	book()
	waitFor(t, tab, pageWait, `document.getElementById('r-msg').classList.contains('error')`, textOf("r-msg"))
	if got := eval[string](t, tab, textOf("r-msg")); !strings.Contains(got, "预约") {
		t.Errorf("second booking refused with %q", got)
	}
	must(t, tab, chromedp.Evaluate[chromedp.Void](`document.getElementById('r-bk-number').value = ''`))

	// A number with a phone: a mistyped phone issues nothing, a good one is kept.
	must(t, tab,
		chromedp.SetValue(chromedp.CSS("#r-service"), "general"),
		chromedp.SendKeys(chromedp.CSS("#r-phone"), "1380013800"),
		chromedp.Click(chromedp.CSS("#r-issue-submit")))
	waitFor(t, tab, pageWait, `document.getElementById('r-msg').classList.contains('error') && document.getElementById('r-msg').textContent.indexOf('手机') >= 0`, textOf("r-msg"))
	must(t, tab,
		chromedp.Evaluate[chromedp.Void](`document.getElementById('r-phone').value = ''`),
		chromedp.SendKeys(chromedp.CSS("#r-phone"), "138 0013 8000"),
		chromedp.Click(chromedp.CSS("#r-issue-submit")))
	waitFor(t, tab, pageWait, `!document.getElementById('r-result').hidden && document.getElementById('r-number').textContent === 'A001'`, textOf("r-msg"))
	if got := eval[string](t, tab, textOf("r-result-print")); !strings.Contains(got, "已登记手机号码") {
		t.Errorf("result %q does not say the phone is kept", got)
	}
	if eval[string](t, tab, `document.getElementById('r-phone').value`) != "" {
		t.Error("the phone number stays on the screen")
	}
	screenshot(t, tab, "reception-phone")
	// Nobody ahead: the gateway gets "close" at once.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		got := strings.Join(texts, ",")
		mu.Unlock()
		if got == "close 13800138000" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway got %q", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	br.check(tab)

	recs, err := h.Store.EventsAfter(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var booked bool
	for _, r := range recs {
		raw := string(r.Raw)
		for _, bad := range []string{id, id[6:14], "zhao", "赵敏", "13800138000"} {
			if strings.Contains(raw, bad) {
				t.Fatalf("the log holds %q: %s", bad, raw)
			}
		}
		var e struct {
			Type string                `json:"type"`
			Data struct{ Desk string } `json:"data"`
		}
		if json.Unmarshal(r.Raw, &e) == nil && e.Type == "appointment.booked" {
			booked = e.Data.Desk == "R1"
		}
	}
	if !booked {
		t.Error("no appointment.booked by desk R1 in the log")
	}
	for _, bad := range []string{id, "13800138000"} {
		if strings.Contains(logs.String(), bad) {
			t.Errorf("the server log holds %q", bad)
		}
	}
}
