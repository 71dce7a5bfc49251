package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/config"
	"hallq/server/hall/halltest"
)

// TestNoPhoneDocumentOrBirthDateInPublicBytes takes numbers the ways an
// applicant gives something personal — a kiosk ticket with an elderly
// resident ID (the age rule) and a phone number, a desk ticket with a
// passport and a phone number, a desk booking with a resident ID — calls
// them (the gateway gets its messages), and then reads every public byte:
// the websocket stream, the log (JSON Lines and API), the pages, the
// statistics, the metrics, the API's answers; and every server log line.
// None holds a phone number, a document number or a date of birth.
func TestNoPhoneDocumentOrBirthDateInPublicBytes(t *testing.T) {
	gw := startGateway(t)
	p, clock := notifyHall(t, config.Notify{Webhook: gw.URL, Timeout: 5 * time.Second, Attempts: 3, CloseAhead: 5})
	const (
		elderly  = "11010519491231002X" // born 31 December 1949
		passport = "E1234 5678"
		phone1   = "138 0013 8000"
		phone2   = "+86 139-0013-9000"
	)
	booker := halltest.ResidentID(7) // born 5 March 1992
	secret := []string{elderly, strings.ToLower(elderly), "19491231", "1949-12-31", "E12345678", passport,
		booker, "19920305", "1992-03-05", "13800138000", phone1, "13900139000", phone2, "139-0013-9000"}

	kiosk := bearer(p.Secrets.KioskToken)
	kiosk.Set("Content-Type", "application/json")
	code, _, body := p.do(nil, "POST", "/api/v1/tickets", kiosk, `{"service":"social","id_number":"`+elderly+`","idempotency_key":"e1"}`)
	var old issued
	if err := json.Unmarshal(body, &old); code != http.StatusCreated || err != nil {
		t.Fatalf("kiosk issue: %d %s", code, body)
	}
	if code, body := p.phone(p.Secrets.KioskToken, old.Ticket.Token, phone1); code != http.StatusOK {
		t.Fatalf("kiosk phone: %d %s", code, body)
	}
	c, h, code, body := p.signIn(fmt.Sprintf(`{"username":%q,"password":%q}`, receptionUser, receptionPassword))
	if code != http.StatusOK {
		t.Fatalf("reception sign-in: %d %s", code, body)
	}
	code, _, body = p.do(c, "POST", "/api/v1/desk/tickets", h,
		`{"service":"exit-entry","id_kind":"passport","id_number":"`+passport+`","idempotency_key":"d1","phone":"`+phone2+`"}`)
	var desk issued
	if err := json.Unmarshal(body, &desk); code != http.StatusCreated || err != nil || !strings.Contains(string(body), `"phone_registered":true`) {
		t.Fatalf("desk issue: %d %s", code, body)
	}
	// A booking for tomorrow, by the desk.
	tomorrow := clock.Now().In(p.Config.Hall.Location).AddDate(0, 0, 1).Format(time.DateOnly)
	var slots struct{ Slots []struct{ ID string } }
	_, _, body = p.do(nil, "GET", "/api/v1/appointments/slots?service=exit-entry&date="+tomorrow, nil, "")
	if err := json.Unmarshal(body, &slots); err != nil || len(slots.Slots) == 0 {
		t.Fatalf("slots of %s: %s", tomorrow, body)
	}
	code, _, body = p.do(c, "POST", "/api/v1/desk/appointments", h,
		`{"service":"exit-entry","slot":"`+slots.Slots[len(slots.Slots)-1].ID+`","id_number":"`+booker+`"}`)
	var booked struct {
		Appointment struct{ Token string } `json:"appointment"`
	}
	if err := json.Unmarshal(body, &booked); code != http.StatusCreated || err != nil {
		t.Fatalf("desk booking: %d %s", code, body)
	}
	ev, _ := p.ticketEvent(old.Ticket.ID)
	if ev["priority"] != "elderly" || ev["by_age"] != true {
		t.Fatalf("the age rule did not apply: %v", ev)
	}
	act := p.window()
	act("call-next")
	waitFor(t, "the called message", func() bool {
		for _, m := range gw.of(old.Ticket.ID) {
			if m.Kind == "called" {
				return true
			}
		}
		return false
	})

	public := map[string][]byte{"websocket stream": streamed(t, p.URL)}
	for _, path := range []string{"/", "/board", "/log", "/log.jsonl", "/rules", "/stats", "/stats.csv", "/book",
		"/t/" + old.Ticket.Token, "/t/" + desk.Ticket.Token, "/a/" + booked.Appointment.Token,
		"/api/v1/events?after=0&limit=1000", "/api/v1/board", "/api/v1/hall", "/api/v1/windows/1",
		"/api/v1/tickets/" + old.Ticket.Token, "/api/v1/tickets/" + desk.Ticket.Token, "/api/v1/appointments/" + booked.Appointment.Token,
		"/api/v1/appointments/slots?service=exit-entry&date=" + tomorrow, "/metrics", "/healthz"} {
		code, _, body := p.do(nil, "GET", path, nil, "")
		if code != http.StatusOK {
			t.Errorf("GET %s: %d", path, code)
		}
		public[path] = body
	}
	public["server log"] = []byte(p.Logs.String())
	for name, b := range public {
		for _, bad := range secret {
			if bytes.Contains(b, []byte(bad)) {
				t.Errorf("%s holds %q", name, bad)
			}
		}
	}
	if !bytes.Contains(public["websocket stream"], []byte(old.Ticket.Number)) {
		t.Errorf("the stream lacks %s: %.300s", old.Ticket.Number, public["websocket stream"])
	}
}

// streamed returns what the websocket stream sends from the start of the
// log, up to its first heartbeat.
func streamed(t *testing.T, base string) []byte {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/api/v1/ws?after=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(60 * time.Second))
	var out bytes.Buffer
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		var m struct{ Type string }
		json.Unmarshal(msg, &m)
		if m.Type == "heartbeat" {
			return out.Bytes()
		}
		out.Write(msg)
		out.WriteByte('\n')
	}
}
