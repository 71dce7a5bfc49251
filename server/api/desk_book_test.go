package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"hallq/server/config"
)

// TestDeskBookingIsForReceptionOnly: only reception staff signed in to a
// desk book on someone's behalf; a kiosk, the public and window staff are
// refused, and the desk keeps /book's rules (a document is required).
func TestDeskBookingIsForReceptionOnly(t *testing.T) {
	p := startClockedHall(t, withReception(""))
	const body = `{"service":"exit-entry","slot":"x","id_number":"110105194912310021","idempotency_key":"b1"}`
	kiosk := bearer(p.Secrets.KioskToken)
	kiosk.Set("Content-Type", "application/json")
	if code, _, b := p.do(nil, "POST", "/api/v1/desk/appointments", kiosk, body); code != http.StatusUnauthorized {
		t.Errorf("kiosk token: %d %s", code, b)
	}
	if code, _, b := p.do(nil, "POST", "/api/v1/desk/appointments", http.Header{"Content-Type": {"application/json"}}, body); code != http.StatusUnauthorized {
		t.Errorf("no session: %d %s", code, b)
	}
	var wang config.DemoLogin
	for _, s := range p.Secrets.Staff {
		if len(s.Windows) > 0 && s.Windows[0] == "1" {
			wang = s
		}
	}
	wc, wh, _, _ := p.signIn(fmt.Sprintf(`{"username":%q,"password":%q,"window":"1"}`, wang.Username, wang.Password))
	if code, _, b := p.do(wc, "POST", "/api/v1/desk/appointments", wh, body); code != http.StatusForbidden {
		t.Errorf("window staff: %d %s", code, b)
	}
	c, h, code, b := p.signIn(fmt.Sprintf(`{"username":%q,"password":%q}`, receptionUser, receptionPassword))
	if code != http.StatusOK {
		t.Fatalf("reception sign-in: %d %s", code, b)
	}
	if code, _, b := p.do(c, "POST", "/api/v1/desk/appointments", http.Header{"Content-Type": {"application/json"}}, body); code != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d %s", code, b)
	}
	if code, _, b := p.do(c, "POST", "/api/v1/desk/appointments", h, `{"service":"exit-entry","slot":"x"}`); code != http.StatusBadRequest || !strings.Contains(string(b), "id_number") {
		t.Errorf("without a document: %d %s", code, b)
	}
	if code, _, b := p.do(c, "POST", "/api/v1/desk/appointments", h, body); code != http.StatusNotFound && code != http.StatusBadRequest {
		t.Errorf("an unknown slot: %d %s", code, b)
	}
}
