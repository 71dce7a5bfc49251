package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/server/eventlog"
	"hallq/server/store"
)

var hex64 = regexp.MustCompile(`[0-9a-fA-F]{64}`)

// TestWebNoPersonalData takes real-name numbers with identity documents and
// checks that no public page, as a browser shows it after the pages have loaded
// their live data, holds an identity document number or an identity hash: the
// only 64-digit hex strings on them are hashes of the public log.
func TestWebNoPersonalData(t *testing.T) {
	h := newTestHall(t)
	const id = "11010519491231002X"
	code, social, raw := h.Issue(`{"service":"social","id_number":"` + id + `","idempotency_key":"p1"}`)
	if code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, raw)
	}
	if code, _, raw := h.Issue(`{"service":"exit-entry","id_kind":"passport","id_number":"E1234 5678","idempotency_key":"p2"}`); code != http.StatusCreated {
		t.Fatalf("issue with a passport: %d %s", code, raw)
	}
	h.Issue(`{"service":"general","idempotency_key":"p3"}`)
	// A booking by the same document, and one by the passport.
	tomorrow := h.Clock.Now().In(h.Config.Hall.Location).AddDate(0, 0, 1).Format(time.DateOnly)
	var slots struct{ Slots []struct{ ID string } }
	waitUntil(t, func() bool {
		code, _ := do(t, http.DefaultClient, "GET", h.URL+"/api/v1/appointments/slots?service=exit-entry&date="+tomorrow, nil, "", &slots)
		return code == 200 && len(slots.Slots) > 0
	})
	var booked struct {
		Appointment struct{ Token string } `json:"appointment"`
	}
	for _, body := range []string{`"id_number":"` + id + `"`, `"id_kind":"passport","id_number":"E1234 5678"`} {
		waitUntil(t, func() bool {
			code, _ := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/appointments", nil,
				`{"service":"exit-entry","slot":"`+slots.Slots[len(slots.Slots)-1].ID+`",`+body+`}`, &booked)
			return code == http.StatusCreated
		})
	}
	li, csrf := h.Staff(1, "2")
	for _, a := range []string{"open", "call-next"} {
		if code, raw := h.Act(li, csrf, "2", a, ""); code != 200 {
			t.Fatalf("%s: %d %s", a, code, raw)
		}
	}

	// What may look like a hash: the log's own hashes, read again when a page
	// shows one the last reading lacked (the hall goes on writing its log on
	// its own: checkpoints, releases of places).
	chain := map[string]bool{eventlog.GenesisHash: true}
	inChain := func(hash string) bool {
		if !chain[hash] {
			recs, err := h.Store.EventsAfter(0, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				chain[r.Hash], chain[r.PrevHash] = true, true
			}
		}
		return chain[hash]
	}
	var identities [][]byte
	err := h.Store.View(func(tx *store.Tx) error {
		err := tx.ForEach(store.BucketIdentities, nil, func(k, _ []byte) error {
			identities = append(identities, bytes.Clone(k[bytes.LastIndexByte(k, '|')+1:]))
			return nil
		})
		if err != nil {
			return err
		}
		return tx.ForEach(store.BucketBookings, nil, func(_, v []byte) error {
			var rec struct{ Identity string }
			if err := json.Unmarshal(v, &rec); err != nil || rec.Identity == "" {
				return fmt.Errorf("booking record %s: %v", v, err)
			}
			identities = append(identities, []byte(rec.Identity))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(identities) != 4 {
		t.Fatalf("the private store holds %d identity records, want 2 tickets and 2 bookings", len(identities))
	}

	check := func(name, content string) {
		t.Helper()
		for _, m := range hex64.FindAllString(content, -1) {
			if !inChain(strings.ToLower(m)) {
				t.Errorf("%s shows %s, which is not a hash of the public log", name, m)
			}
		}
		for _, idh := range identities {
			if strings.Contains(content, string(idh)) {
				t.Errorf("%s shows an identity hash", name)
			}
		}
		plain := hex64.ReplaceAllString(content, "")
		for _, bad := range []string{id, strings.ToLower(id), "19491231", "110105", "E12345678", "E1234 5678", "resident:", "passport:"} {
			if strings.Contains(plain, bad) {
				t.Errorf("%s shows %q", name, bad)
			}
		}
	}

	br := newBrowser(t)
	pages := []struct {
		name, path, ready string
	}{
		{"landing page", "/", `true`},
		{"board", "/board", `document.querySelectorAll('#b-current li').length === 1 && document.getElementById('b-live').dataset.state === 'live'`},
		{"log", "/log", `document.querySelectorAll('#l-rows tr').length > 0`},
		{"rules", "/rules", `true`},
		{"ticket page", "/t/" + social.Ticket.Token, `document.getElementById('t-state').dataset.status === 'called'`},
		{"counter sign-in", "/counter", `!document.getElementById('login').hidden`},
		{"booking page", "/book", `document.querySelectorAll('#b-slots .slot').length > 0`},
		{"a booking's page", "/a/" + booked.Appointment.Token, `document.getElementById('a-doc').textContent.indexOf('*') > 0`},
	}
	for _, size := range []struct{ w, h int64 }{{360, 740}, {1366, 768}} {
		tab := br.tab(size.w, size.h)
		for _, lang := range []string{"zh", "en"} {
			for _, p := range pages {
				must(t, tab, chromedp.Navigate(h.URL+p.path))
				if lang == "en" {
					must(t, tab, chromedp.Evaluate[chromedp.Void](`hallq.setLang('en')`))
				}
				waitFor(t, tab, pageWait, p.ready, `document.body.innerText`)
				if p.name == "log" {
					must(t, tab, chromedp.Click(chromedp.CSS("#l-verify")))
					waitFor(t, tab, pageWait, `document.getElementById('l-result').dataset.ok === 'true'`, textOf("l-result"))
				}
				content := eval[string](t, tab, `document.documentElement.outerHTML + '\n' + document.body.innerText`)
				check(p.name, content)
				if p.name == "ticket page" && !strings.Contains(content, social.Ticket.Number) {
					t.Errorf("ticket page lacks the number %s", social.Ticket.Number)
				}
			}
			must(t, tab, chromedp.Evaluate[chromedp.Void](`hallq.setLang('zh')`))
		}
		br.check(tab)
	}

	// The JSON Lines download, and the API the pages read.
	for _, path := range []string{"/log.jsonl", "/api/v1/board", "/api/v1/hall", "/api/v1/windows/2", "/api/v1/tickets/" + social.Ticket.Token,
		"/api/v1/appointments/" + booked.Appointment.Token, "/api/v1/appointments/slots?service=exit-entry&date=" + tomorrow, "/metrics"} {
		resp, err := http.Get(h.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		check(path, string(body))
	}
}

// waitUntil polls cond until it holds, for what the hall does on its own (the
// release of slots at start).
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(pageWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("waited too long")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
