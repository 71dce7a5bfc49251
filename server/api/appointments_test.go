package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/hall/halltest"
	"hallq/server/queue"
)

// residentID returns the n-th valid resident ID number of a test series.
var residentID = halltest.ResidentID

type slotJSON struct {
	ID        string    `json:"id"`
	Start     time.Time `json:"start"`
	Capacity  int       `json:"capacity"`
	Booked    int       `json:"booked"`
	Remaining int       `json:"remaining"`
	Released  bool      `json:"released"`
}

type apptJSON struct {
	Appointment struct {
		Booking   string    `json:"booking"`
		Code      string    `json:"code"`
		Service   string    `json:"service"`
		Slot      string    `json:"slot"`
		Start     time.Time `json:"start"`
		Status    string    `json:"status"`
		Token     string    `json:"token"`
		StatusURL string    `json:"status_url"`
		Document  string    `json:"document"`
		Number    string    `json:"number"`
	} `json:"appointment"`
}

// startBookingHall is the demo hall whose exit-entry service has a slot of 3
// places every half hour of the day, so that a slot opens for check-in at any
// time of day, and whose service day is the calendar day.
func startBookingHall(t *testing.T, perAddress int) *probeHall {
	t.Helper()
	return startProbeHall(t, func(c *config.Config) {
		c.Limits.BookingsPerAddressPerMinute = perAddress
		c.Hall.DayStart = 0
		for i := range c.Hall.Services {
			if a := c.Hall.Services[i].Appointments; a != nil {
				a.Hours, a.Capacity, a.WalkInShare, a.CancelBefore = []queue.Hours{{Open: 0, Close: 24 * time.Hour}}, 3, 0, 0
			}
		}
	})
}

// slots waits until the day's slots are released and returns them.
func (p *probeHall) slots(date string) []slotJSON {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, _, body := p.do(nil, "GET", "/api/v1/appointments/slots?service=exit-entry&date="+date, nil, "")
		var out struct{ Slots []slotJSON }
		if code != http.StatusOK || json.Unmarshal(body, &out) != nil {
			p.t.Fatalf("slots: %d %s", code, body)
		}
		if len(out.Slots) > 0 && out.Slots[len(out.Slots)-1].Released || time.Now().After(deadline) {
			return out.Slots
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *probeHall) book(slot, id string) (int, apptJSON, []byte) {
	p.t.Helper()
	code, _, body := p.do(nil, "POST", "/api/v1/appointments", nil,
		fmt.Sprintf(`{"service":"exit-entry","slot":%q,"id_number":%q}`, slot, id))
	var a apptJSON
	_ = json.Unmarshal(body, &a)
	return code, a, body
}

func TestAppointmentAPI(t *testing.T) {
	p := startBookingHall(t, 1000)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	tomorrow := time.Now().In(loc).AddDate(0, 0, 1).Format(time.DateOnly)
	slots := p.slots(tomorrow)
	if len(slots) != 48 || !slots[20].Released || slots[20].Remaining != 3 {
		t.Fatalf("tomorrow's slots: %d, %+v", len(slots), slots[20])
	}
	slot := slots[20].ID
	alice := residentID(1)
	code, a, body := p.book(slot, alice)
	if code != http.StatusCreated || len(a.Appointment.Code) != 8 || !strings.Contains(a.Appointment.StatusURL, "/a/"+a.Appointment.Token) ||
		a.Appointment.Document != alice[:3]+strings.Repeat("*", 13)+alice[16:] || a.Appointment.Status != "booked" {
		t.Fatalf("book: %d %s", code, body)
	}
	if strings.Contains(string(body), alice) {
		t.Fatalf("the document number came back: %s", body)
	}
	if got := p.slots(tomorrow)[20]; got.Remaining != 2 || got.Booked != 1 {
		t.Fatalf("after booking: %+v", got)
	}
	code, _, body = p.do(nil, "GET", "/api/v1/appointments/"+a.Appointment.Token, nil, "")
	if code != http.StatusOK || strings.Contains(string(body), `"token"`) || !strings.Contains(string(body), a.Appointment.Code) {
		t.Fatalf("status: %d %s", code, body)
	}
	// Refusals, each with its own code.
	p.book(slot, residentID(2))
	p.book(slot, residentID(3))
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"full", fmt.Sprintf(`{"service":"exit-entry","slot":%q,"id_number":%q}`, slot, residentID(4)), 409, "EFULL"},
		{"limit", fmt.Sprintf(`{"service":"exit-entry","slot":%q,"id_number":%q}`, slots[21].ID, alice), 409, "ELIMIT"},
		{"not released", fmt.Sprintf(`{"service":"exit-entry","slot":%q,"id_number":%q}`,
			"exit-entry-"+time.Now().In(loc).AddDate(0, 0, 9).Format("20060102")+"-1000", alice), 409, "ENOTRELEASED"},
		{"no document", fmt.Sprintf(`{"service":"exit-entry","slot":%q}`, slot), 400, "EINVALID"},
		{"bad document", fmt.Sprintf(`{"service":"exit-entry","slot":%q,"id_number":"123"}`, slot), 400, "EINVALID"},
		{"no appointments", fmt.Sprintf(`{"service":"general","slot":%q,"id_number":%q}`, slot, alice), 400, "EINVALID"},
		{"unknown field", `{"service":"exit-entry","slot":"x","id_number":"1","vip":true}`, 400, "EINVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := p.do(nil, "POST", "/api/v1/appointments", nil, tt.body)
			if code != tt.status || errorCode(body) != tt.code || !strings.Contains(string(body), "message_zh") && tt.code != "EINVALID" {
				t.Fatalf("got %d %s, want %d %s", code, body, tt.status, tt.code)
			}
		})
	}
	// A stranger cannot cancel; the booker can, and the place is back.
	if code, _, body := p.do(nil, "POST", "/api/v1/appointments/not-a-token/cancel", nil, ""); code != 404 {
		t.Fatalf("cancel by a stranger: %d %s", code, body)
	}
	if code, _, body := p.do(nil, "POST", "/api/v1/appointments/"+a.Appointment.Token+"/cancel", nil, ""); code != 200 || !strings.Contains(string(body), `"cancelled"`) {
		t.Fatalf("cancel: %d %s", code, body)
	}
	if got := p.slots(tomorrow)[20]; got.Remaining != 1 {
		t.Fatalf("after cancel: %+v", got)
	}
	// The public log says who took which place, without anyone's document.
	_, _, events := p.do(nil, "GET", "/api/v1/events?after=0&limit=1000", nil, "")
	for _, want := range []string{`"appointment.released"`, `"appointment.booked"`, `"appointment.cancelled"`, a.Appointment.Booking} {
		if !strings.Contains(string(events), want) {
			t.Fatalf("the log lacks %s", want)
		}
	}
	if strings.Contains(string(events), alice) || strings.Contains(string(events), a.Appointment.Code) || strings.Contains(string(events), a.Appointment.Token) {
		t.Fatalf("the log holds a document number, a booking code or a token")
	}
	if strings.Contains(p.Logs.String(), alice) {
		t.Fatalf("the server log holds a document number")
	}
}

func TestAppointmentCheckInAPI(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	if now := time.Now().In(loc); now.Hour() == 23 && now.Minute() >= 20 {
		t.Skip("the next slot starts in another service day")
	}
	p := startBookingHall(t, 1000)
	now := time.Now().In(loc)
	today := now.Format(time.DateOnly)
	var next slotJSON
	for _, s := range p.slots(today) {
		if s.Start.After(now.Add(time.Minute)) {
			next = s
			break
		}
	}
	alice, bob := residentID(11), residentID(12)
	code, a, body := p.book(next.ID, alice)
	if code != http.StatusCreated {
		t.Fatalf("book %s: %d %s", next.ID, code, body)
	}
	kiosk := bearer(p.Secrets.KioskToken)
	checkIn := func(h http.Header, body string) (int, []byte) {
		code, _, data := p.do(nil, "POST", "/api/v1/appointments/check-in", h, body)
		return code, data
	}
	refusals := []struct {
		name   string
		h      http.Header
		body   string
		status int
		code   string
	}{
		{"no kiosk token", nil, fmt.Sprintf(`{"id_number":%q}`, alice), 401, "EUNAUTHORIZED"},
		{"display token", bearer(p.Secrets.DisplayToken), fmt.Sprintf(`{"id_number":%q}`, alice), 403, "EFORBIDDEN"},
		{"code alone", kiosk, fmt.Sprintf(`{"code":%q}`, a.Appointment.Code), 400, "EINVALID"},
		{"code with another document", kiosk, fmt.Sprintf(`{"id_number":%q,"code":%q}`, bob, a.Appointment.Code), 404, "ENOTFOUND"},
		{"another document", kiosk, fmt.Sprintf(`{"id_number":%q}`, bob), 404, "ENOTFOUND"},
	}
	for _, tt := range refusals {
		if code, body := checkIn(tt.h, tt.body); code != tt.status || errorCode(body) != tt.code {
			t.Errorf("%s: got %d %s, want %d %s", tt.name, code, body, tt.status, tt.code)
		}
	}
	code, body = checkIn(kiosk, fmt.Sprintf(`{"id_number":%q}`, alice))
	var tk struct {
		Ticket struct {
			Number      string `json:"number"`
			Appointment bool   `json:"appointment"`
			StatusURL   string `json:"status_url"`
		} `json:"ticket"`
	}
	if code != http.StatusCreated || json.Unmarshal(body, &tk) != nil || tk.Ticket.Number != "YD001" || !tk.Ticket.Appointment || tk.Ticket.StatusURL == "" {
		t.Fatalf("check-in: %d %s", code, body)
	}
	// Checked in again while the ticket waits (the first answer lost): the
	// same ticket, 200, marked a reprint.
	if code, body := checkIn(kiosk, fmt.Sprintf(`{"id_number":%q}`, alice)); code != http.StatusOK ||
		!strings.Contains(string(body), `"number":"YD001"`) || !strings.Contains(string(body), `"reprint":true`) {
		t.Fatalf("second check-in: %d %s", code, body)
	}
	// At window 4, staff check the document: match or mismatch, in the log
	// without the number.
	var staff config.DemoLogin
	for _, s := range p.Secrets.Staff {
		if slices.Contains(s.Windows, "4") {
			staff = s
		}
	}
	c, code, body := p.login(staff.Username, staff.Password, "4")
	if code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal(body, &me)
	h := http.Header{"X-CSRF-Token": {me.CSRF}, "Content-Type": {"application/json"}}
	if code, _, body := p.do(c, "POST", "/api/v1/windows/4/open", h, ""); code != 200 {
		t.Fatalf("open: %d %s", code, body)
	}
	if code, _, body := p.do(c, "POST", "/api/v1/windows/4/call", h, `{"number":"YD001","reason":"supervisor"}`); code != 200 {
		t.Logf("manual call: %d %s", code, body)
		if code, _, body := p.do(c, "POST", "/api/v1/windows/4/call-next", h, ""); code != 200 {
			t.Fatalf("call next: %d %s", code, body)
		}
	}
	// The counter sees the appointment marking.
	if code, _, body := p.do(nil, "GET", "/api/v1/windows/4", nil, ""); code != 200 || !strings.Contains(string(body), `"current_appointment":true`) {
		t.Fatalf("window 4: %d %s", code, body)
	}
	for _, tt := range []struct {
		id    string
		match bool
	}{{bob, false}, {alice, true}} {
		code, _, body := p.do(c, "POST", "/api/v1/windows/4/verify-document", h, fmt.Sprintf(`{"id_number":%q}`, tt.id))
		if code != 200 || string(body) != fmt.Sprintf("{\"match\":%v}\n", tt.match) {
			t.Fatalf("verify: %d %s, want match %v", code, body, tt.match)
		}
	}
	if code, _, body := p.do(nil, "GET", "/api/v1/windows/4", nil, ""); code != 200 || !strings.Contains(string(body), `"current_verified":"match"`) {
		t.Fatalf("window 4 after the check: %d %s", code, body)
	}
	if code, _, _ := p.do(nil, "POST", "/api/v1/windows/4/verify-document", nil, fmt.Sprintf(`{"id_number":%q}`, alice)); code != 401 {
		t.Fatalf("verify without a session: %d", code)
	}
	_, _, events := p.do(nil, "GET", "/api/v1/events?after=0&limit=1000", nil, "")
	if !strings.Contains(string(events), `"appointment.verified"`) || !strings.Contains(string(events), `"appointment.checked_in"`) ||
		strings.Contains(string(events), alice) || strings.Contains(string(events), bob) {
		t.Fatalf("log: %s", events)
	}
}

func TestBookingRateLimit(t *testing.T) {
	p := startBookingHall(t, 2)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	tomorrow := time.Now().In(loc).AddDate(0, 0, 1).Format(time.DateOnly)
	slot := p.slots(tomorrow)[30].ID
	codes := []string{}
	for i := range 4 {
		_, _, body := p.book(slot, residentID(100+i))
		codes = append(codes, errorCode(body))
	}
	if want := []string{"", "", "ERATE", "ERATE"}; !slices.Equal(codes, want) {
		t.Fatalf("codes %q, want %q", codes, want)
	}
	_, _, body := p.book(slot, residentID(200))
	if !strings.Contains(string(body), "预约请求过于频繁") {
		t.Fatalf("refusal: %s", body)
	}
}
