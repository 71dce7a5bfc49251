package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestBookingRetryIsIdempotent: a client that lost the answer to a booking
// sends it again with the same idempotency key and gets the same booking, even
// once its own booking filled the slot and reached its limit, and even after a
// restart; the key cannot move the booking to another slot.
func TestBookingRetryIsIdempotent(t *testing.T) {
	p := startBookingHall(t, 1000)
	tomorrow := time.Now().In(p.Config.Hall.Location).AddDate(0, 0, 1).Format(time.DateOnly)
	slots := p.slots(tomorrow)
	slot := slots[30].ID
	send := func(slot, doc, key string) (int, apptJSON, []byte) {
		t.Helper()
		code, _, body := p.do(nil, "POST", "/api/v1/appointments", nil,
			fmt.Sprintf(`{"service":"exit-entry","slot":%q,"id_number":%q,"idempotency_key":%q}`, slot, doc, key))
		var a apptJSON
		_ = json.Unmarshal(body, &a)
		return code, a, body
	}
	p.book(slot, residentID(41))
	p.book(slot, residentID(42))
	alice := residentID(43)
	code, first, body := send(slot, alice, "k-1")
	if code != http.StatusCreated {
		t.Fatalf("book: %d %s", code, body)
	}
	// The slot is now full and alice at her daily limit of 1: a retry still
	// gets her booking, with the same code and link.
	for _, restart := range []bool{false, true} {
		if restart {
			p.Restart()
		}
		code, again, body := send(slot, alice, "k-1")
		if code != http.StatusOK || again.Appointment.Booking != first.Appointment.Booking || again.Appointment.Code != first.Appointment.Code ||
			again.Appointment.Token != first.Appointment.Token || again.Appointment.Status != "booked" {
			t.Fatalf("retry (restart %v): %d %s; want 200 with booking %s", restart, code, body, first.Appointment.Booking)
		}
	}
	if got := p.slots(tomorrow)[30]; got.Booked != 3 {
		t.Fatalf("after retries: %d booked, want 3", got.Booked)
	}
	tests := []struct {
		name, slot, doc, key string
		status               int
		code                 string
	}{
		{"same key, another slot", slots[31].ID, alice, "k-1", 409, "ECONFLICT"},
		{"new key: a second booking, over the limit", slots[31].ID, alice, "k-2", 409, "ELIMIT"},
		{"same key, another person: another booking", slot, residentID(44), "k-1", 409, "EFULL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := send(tt.slot, tt.doc, tt.key)
			if code != tt.status || string(errorCode(body)) != tt.code {
				t.Fatalf("got %d %s, want %d %s", code, body, tt.status, tt.code)
			}
		})
	}
}
