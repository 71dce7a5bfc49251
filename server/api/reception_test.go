package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hallq/printer"
	"hallq/printer/virtual"
	"hallq/server/config"
	"hallq/server/hall/halltest"
	"hallq/server/queue"
)

// Reception desk accounts of the tests.
const (
	receptionUser     = "zhao"
	receptionPassword = "reception-desk-pw"
)

// deskPrinter is a virtual receipt printer on a TCP port, the desk's
// network printer. Jobs are the texts of the receipts it printed.
type deskPrinter struct {
	addr string
	mu   sync.Mutex
	jobs [][]string
}

func startDeskPrinter(t *testing.T) *deskPrinter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dp := &deskPrinter{addr: ln.Addr().String()}
	vp, err := virtual.New(virtual.Options{Dots: 576, OnJob: func(j virtual.Job) {
		dp.mu.Lock()
		dp.jobs = append(dp.jobs, j.Page.Text())
		dp.mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				go func() { <-ctx.Done(); c.Close() }()
				_ = vp.Serve(ctx, c)
			})
		}
	})
	return dp
}

// printed waits for the n-th receipt and returns its text.
func (dp *deskPrinter) printed(t *testing.T, n int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		dp.mu.Lock()
		if len(dp.jobs) >= n {
			s := strings.Join(dp.jobs[n-1], "\n")
			dp.mu.Unlock()
			return s
		}
		dp.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("receipt %d never printed", n)
	return ""
}

// withReception adds reception desk R1 (its printer at printerTCP, none when
// empty), a reception account for it and the age rule: elderly from 70.
func withReception(printerTCP string) func(*config.Config) {
	return func(c *config.Config) {
		hash, err := bcrypt.GenerateFromPassword([]byte(receptionPassword), bcrypt.MinCost)
		if err != nil {
			panic(err)
		}
		prof, err := printer.LookupProfile(config.DefaultDeskProfile)
		if err != nil {
			panic(err)
		}
		c.Desks = append(c.Desks, config.Desk{ID: "R1", Name: config.Text{ZH: "一楼导服台", EN: "Reception"},
			PrinterTCP: printerTCP, Profile: prof})
		c.Staff = append(c.Staff, config.Staff{Username: receptionUser, Name: config.Text{ZH: "赵敏"},
			PasswordHash: string(hash), Desks: []string{"R1"}, Role: config.RoleReception})
		for i := range c.Hall.PriorityClasses {
			if c.Hall.PriorityClasses[i].ID == "elderly" {
				c.Hall.PriorityClasses[i].MinAge = 70
			}
		}
	}
}

// startClockedHall is startProbeHall on a clock that starts at 10:00 on
// 10 June 2026 in Shanghai, a Wednesday, and runs from there: the tests do
// not depend on the time of day they run at, and the service day is known.
func startClockedHall(t *testing.T, adjust func(*config.Config)) *probeHall {
	t.Helper()
	return &probeHall{Hall: halltest.Start(t, halltest.Options{Adjust: adjust,
		Clock: halltest.NewClock(nil, time.Date(2026, 6, 10, 2, 0, 0, 0, time.UTC))}), t: t}
}

// signIn signs in and returns the client and the headers of a mutating request.
func (p *probeHall) signIn(body string) (*http.Client, http.Header, int, []byte) {
	p.t.Helper()
	c, _, _ := p.login("", "", "")
	code, _, data := p.do(c, "POST", "/api/v1/login", nil, body)
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal(data, &me)
	return c, http.Header{"X-CSRF-Token": {me.CSRF}, "Content-Type": {"application/json"}}, code, data
}

// ticketEvent returns the ticket.issued event of a ticket from the public log.
func (p *probeHall) ticketEvent(ticket string) (map[string]any, string) {
	p.t.Helper()
	_, _, body := p.do(nil, "GET", "/api/v1/events?after=0&limit=1000", nil, "")
	var page struct {
		Events []struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		} `json:"events"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		p.t.Fatal(err)
	}
	for _, e := range page.Events {
		if e.Type == queue.TypeTicketIssued && e.Data["ticket"] == ticket {
			return e.Data, string(body)
		}
	}
	p.t.Fatalf("no ticket.issued of %s in the log", ticket)
	return nil, ""
}

type deskAnswer struct {
	Ticket struct {
		ID        string `json:"id"`
		Number    string `json:"number"`
		Priority  string `json:"priority"`
		StatusURL string `json:"status_url"`
	} `json:"ticket"`
	Printed    bool   `json:"printed"`
	PrintError string `json:"print_error"`
}

func TestReceptionIssuesPriorityTicketCalledFirst(t *testing.T) {
	prn := startDeskPrinter(t)
	p := startClockedHall(t, withReception(prn.addr))
	kiosk := bearer(p.Secrets.KioskToken)
	kiosk.Set("Content-Type", "application/json")
	// Two ordinary numbers wait for general affairs.
	for i := range 2 {
		if code, _, body := p.do(nil, "POST", "/api/v1/tickets", kiosk, fmt.Sprintf(`{"service":"general","idempotency_key":"k%d"}`, i)); code != http.StatusCreated {
			t.Fatalf("kiosk issue: %d %s", code, body)
		}
	}
	// A kiosk may not give a class staff assign.
	if code, _, body := p.do(nil, "POST", "/api/v1/tickets", kiosk, `{"service":"general","priority":"disabled","idempotency_key":"k9"}`); code != http.StatusForbidden {
		t.Fatalf("kiosk with a staff class: %d %s", code, body)
	}

	c, h, code, body := p.signIn(fmt.Sprintf(`{"username":%q,"password":%q}`, receptionUser, receptionPassword))
	if code != http.StatusOK || !strings.Contains(string(body), `"desk":"R1"`) || !strings.Contains(string(body), `"role":"reception"`) {
		t.Fatalf("reception sign-in: %d %s", code, body)
	}
	code, _, body = p.do(c, "POST", "/api/v1/desk/tickets", h, `{"service":"general","priority":"disabled","idempotency_key":"d1","print":true}`)
	var a deskAnswer
	if err := json.Unmarshal(body, &a); code != http.StatusCreated || err != nil || a.Ticket.Priority != "disabled" || !a.Printed {
		t.Fatalf("desk issue: %d %s", code, body)
	}
	if got := prn.printed(t, 1); !strings.Contains(got, a.Ticket.Number) {
		t.Errorf("the desk's receipt does not show %s:\n%s", a.Ticket.Number, got)
	}
	// A retry with the same key gets the same ticket, not a second one.
	_, _, body = p.do(c, "POST", "/api/v1/desk/tickets", h, `{"service":"general","priority":"disabled","idempotency_key":"d1"}`)
	var again deskAnswer
	if json.Unmarshal(body, &again); again.Ticket.ID != a.Ticket.ID || again.Printed {
		t.Fatalf("retry: %s, want %s without printing", body, a.Ticket.ID)
	}
	ev, _ := p.ticketEvent(a.Ticket.ID)
	if ev["desk"] != "R1" || ev["priority"] != "disabled" || ev["kiosk"] != nil {
		t.Fatalf("the event does not say reception desk R1 issued it with its class: %v", ev)
	}
	for _, v := range ev {
		if s, _ := v.(string); strings.Contains(s, receptionUser) {
			t.Fatalf("the event names the staff member: %v", ev)
		}
	}

	// Window 1 calls: the desk's priority ticket first, by the rule.
	var wang config.DemoLogin
	for _, s := range p.Secrets.Staff {
		if len(s.Windows) > 0 && s.Windows[0] == "1" {
			wang = s
		}
	}
	wc, wh, code, body := p.signIn(fmt.Sprintf(`{"username":%q,"password":%q,"window":"1"}`, wang.Username, wang.Password))
	if code != http.StatusOK {
		t.Fatalf("window sign-in: %d %s", code, body)
	}
	p.do(wc, "POST", "/api/v1/windows/1/open", wh, "")
	code, _, body = p.do(wc, "POST", "/api/v1/windows/1/call-next", wh, "")
	if code != http.StatusOK || !strings.Contains(string(body), `"number":"`+a.Ticket.Number+`"`) {
		t.Fatalf("call next: %d %s, want %s first", code, body, a.Ticket.Number)
	}
	_, _, log := p.do(nil, "GET", "/api/v1/events?after=0&limit=1000", nil, "")
	if !strings.Contains(string(log), `"number":"`+a.Ticket.Number+`","service":"general","window":"1","reason":"priority"`) {
		t.Errorf("the call's reason is not priority: %s", log)
	}

	// The window's staff may not use the desk, nor the desk the window.
	if code, _, body := p.do(wc, "POST", "/api/v1/desk/tickets", wh, `{"service":"general","idempotency_key":"w1"}`); code != http.StatusForbidden {
		t.Errorf("window staff at the desk: %d %s", code, body)
	}
	if code, _, body := p.do(c, "POST", "/api/v1/windows/1/call-next", h, ""); code != http.StatusForbidden {
		t.Errorf("reception at a window: %d %s", code, body)
	}
}

func TestReceptionRefusals(t *testing.T) {
	p := startClockedHall(t, withReception(""))
	issue := `{"service":"general","priority":"disabled","idempotency_key":"x"}`
	c, h, code, body := p.signIn(fmt.Sprintf(`{"username":%q,"password":%q}`, receptionUser, receptionPassword))
	if code != http.StatusOK {
		t.Fatalf("sign-in: %d %s", code, body)
	}
	var wang config.DemoLogin
	for _, s := range p.Secrets.Staff {
		if len(s.Windows) > 0 && s.Windows[0] == "1" {
			wang = s
		}
	}
	wc, wh, _, _ := p.signIn(fmt.Sprintf(`{"username":%q,"password":%q,"window":"1"}`, wang.Username, wang.Password))
	plain := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name   string
		client *http.Client
		header http.Header
		want   int
	}{
		{"nobody", nil, plain, http.StatusUnauthorized},
		{"the kiosk's token", nil, bearer(p.Secrets.KioskToken), http.StatusUnauthorized},
		{"the display's token", nil, bearer(p.Secrets.DisplayToken), http.StatusUnauthorized},
		{"window staff", wc, wh, http.StatusForbidden},
		{"reception without the CSRF token", c, plain, http.StatusForbidden},
		{"reception with a wrong CSRF token", c, http.Header{"X-CSRF-Token": {"nope"}}, http.StatusForbidden},
		{"reception from another site", c, http.Header{"X-CSRF-Token": h["X-Csrf-Token"], "Origin": {"https://evil.example"}}, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/desk/tickets", "/api/v1/desk/check-in"} {
				if code, _, body := p.do(tc.client, "POST", path, tc.header, issue); code != tc.want {
					t.Errorf("%s: %d %s, want %d", path, code, body, tc.want)
				}
			}
		})
	}
	// The desk's description is for reception staff too.
	for _, tc := range tests[:4] {
		if code, _, body := p.do(tc.client, "GET", "/api/v1/desk", tc.header, ""); code != tc.want {
			t.Errorf("GET /api/v1/desk as %s: %d %s, want %d", tc.name, code, body, tc.want)
		}
	}
	// Reception staff call no number at a window, not even with a valid
	// session and CSRF token.
	for _, action := range []string{"call", "recall", "verify-document"} {
		if code, _, body := p.do(c, "POST", "/api/v1/windows/1/"+action, h, `{}`); code != http.StatusForbidden {
			t.Errorf("reception POST /api/v1/windows/1/%s: %d %s, want 403", action, code, body)
		}
	}
	// Reception signs in to no window, and window staff to no desk.
	if _, _, code, body := p.signIn(fmt.Sprintf(`{"username":%q,"password":%q,"window":"1"}`, receptionUser, receptionPassword)); code != http.StatusForbidden {
		t.Errorf("reception at window 1: %d %s", code, body)
	}
	if _, _, code, body := p.signIn(fmt.Sprintf(`{"username":%q,"password":%q,"desk":"R1"}`, wang.Username, wang.Password)); code != http.StatusForbidden {
		t.Errorf("window staff at desk R1: %d %s", code, body)
	}
	// The desk has no printer: the number is shown to read out.
	code, _, body = p.do(c, "POST", "/api/v1/desk/tickets", h, `{"service":"general","idempotency_key":"p","print":true}`)
	var a deskAnswer
	if json.Unmarshal(body, &a); code != http.StatusCreated || a.Printed || a.PrintError == "" || a.Ticket.Number == "" {
		t.Errorf("print without a printer: %d %s", code, body)
	}
	// A real-name service needs the document, checked as at a kiosk.
	if code, _, body := p.do(c, "POST", "/api/v1/desk/tickets", h, `{"service":"social","idempotency_key":"s1"}`); code != http.StatusBadRequest {
		t.Errorf("real-name without a document: %d %s", code, body)
	}
	for i, doc := range []string{`"id_kind":"passport","id_number":"E12345678"`, `"id_kind":"hk_macao","id_number":"H1234567890"`,
		`"id_kind":"taiwan","id_number":"12345678"`, `"id_kind":"foreign_pr","id_number":"USA123456789012"`, `"id_number":"` + residentID(7) + `"`} {
		if code, _, body := p.do(c, "POST", "/api/v1/desk/tickets", h, fmt.Sprintf(`{"service":"social","idempotency_key":"doc%d",%s}`, i, doc)); code != http.StatusCreated {
			t.Errorf("document %s: %d %s", doc, code, body)
		}
	}
	if code, _, body := p.do(c, "POST", "/api/v1/desk/tickets", h, `{"service":"social","idempotency_key":"bad","id_number":"110101195611231230"}`); code != http.StatusBadRequest {
		t.Errorf("a wrong check digit: %d %s", code, body)
	}
	// The same per-person limit as at a kiosk: two a day for social.
	for i, want := range []int{http.StatusCreated, http.StatusConflict} {
		code, _, body := p.do(c, "POST", "/api/v1/desk/tickets", h, fmt.Sprintf(`{"service":"social","idempotency_key":"lim%d","id_number":%q}`, i, residentID(7)))
		if code != want || i == 1 && errorCode(body) != "ELIMIT" {
			t.Errorf("limit %d: %d %s", i, code, body)
		}
	}
	_, _, log := p.do(nil, "GET", "/api/v1/events?after=0&limit=1000", nil, "")
	if strings.Contains(string(log), residentID(7)) || strings.Contains(string(log), "E12345678") || strings.Contains(p.Logs.String(), residentID(7)) {
		t.Error("a document number reached the public log or the server log")
	}
}

// bornOn returns a resident ID number of someone born on birth ("YYYYMMDD").
func bornOn(birth string) string {
	first := "440301" + birth + "123"
	c, _ := queue.ResidentCheckChar(first)
	return first + string(c)
}

func TestAgeRuleAtKioskAndDesk(t *testing.T) {
	p := startClockedHall(t, withReception("")) // service day 2026-06-10; elderly from 70
	kiosk := bearer(p.Secrets.KioskToken)
	kiosk.Set("Content-Type", "application/json")
	c, h, code, body := p.signIn(fmt.Sprintf(`{"username":%q,"password":%q}`, receptionUser, receptionPassword))
	if code != http.StatusOK {
		t.Fatalf("sign-in: %d %s", code, body)
	}
	tests := []struct {
		name, birth, asked, want string
		desk                     bool
	}{
		{"elderly", "19400102", "", "elderly", false},
		{"70 on the service day", "19560610", "", "elderly", false},
		{"70 the day after", "19560611", "", "", false},
		{"younger", "19900315", "", "", false},
		{"younger, a self-declared class kept", "19900316", "pregnant", "pregnant", false},
		{"elderly at the desk", "19400103", "", "elderly", true},
		{"elderly at the desk, a later class asked for", "19400104", "disabled", "elderly", true},
	}
	var ids []string
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := bornOn(tc.birth)
			ids = append(ids, id)
			req := fmt.Sprintf(`{"service":"social","priority":%q,"id_number":%q,"idempotency_key":"age%d"}`, tc.asked, id, i)
			var code int
			var body []byte
			if tc.desk {
				code, _, body = p.do(c, "POST", "/api/v1/desk/tickets", h, req)
			} else {
				code, _, body = p.do(nil, "POST", "/api/v1/tickets", kiosk, req)
			}
			var a deskAnswer
			if json.Unmarshal(body, &a); code != http.StatusCreated || a.Ticket.Priority != tc.want {
				t.Fatalf("issue: %d %s, want class %q", code, body, tc.want)
			}
			ev, _ := p.ticketEvent(a.Ticket.ID)
			if got, _ := ev["priority"].(string); got != tc.want {
				t.Errorf("the event's class %q, want %q", got, tc.want)
			}
		})
	}
	// Only the class is kept: no number and no date of birth anywhere public
	// or in the server's log.
	_, _, log := p.do(nil, "GET", "/api/v1/events?after=0&limit=1000", nil, "")
	_, _, board := p.do(nil, "GET", "/api/v1/board", nil, "")
	for i, tc := range tests {
		for where, text := range map[string]string{"public log": string(log), "board": string(board), "server log": p.Logs.String()} {
			if strings.Contains(text, ids[i]) || strings.Contains(text, tc.birth) {
				t.Errorf("%s shows the document number or date of birth of %q", where, tc.name)
			}
		}
	}
}
