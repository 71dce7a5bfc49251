package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOfflineTicketReplacesUnansweredRequest is a kiosk whose online request
// got no answer in time, so that it printed a leased number instead: the
// sync names the request's key, and the server withdraws the ticket it had
// issued for it, or spends the key if the request never arrived.
func TestOfflineTicketReplacesUnansweredRequest(t *testing.T) {
	h := newTestHall(t)
	kiosk := map[string]string{"Authorization": "Bearer " + h.Secrets.KioskToken}
	var lease struct {
		Lease struct {
			ID      string `json:"id"`
			Numbers []struct {
				Number string `json:"number"`
				Token  string `json:"token"`
			} `json:"numbers"`
		} `json:"lease"`
	}
	code, raw := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/leases", kiosk, `{"service":"general","count":3}`, &lease)
	if code != http.StatusCreated || len(lease.Lease.Numbers) != 3 {
		t.Fatalf("lease: %d %s", code, raw)
	}
	issuedAt := h.Clock.Before(time.Minute).UTC().Format(time.RFC3339Nano)
	syncOffline := func(number, replaces string) (int, ticketResp, []byte) {
		t.Helper()
		var tr ticketResp
		body := fmt.Sprintf(`{"lease":%q,"number":%q,"issued_at":%q,"replaces":%q}`, lease.Lease.ID, number, issuedAt, replaces)
		code, raw := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/tickets/offline", kiosk, body, nil)
		json.Unmarshal(raw, &tr)
		return code, tr, raw
	}

	// The server issued A004 for key lost-1, but the kiosk never got the
	// answer and printed A001 instead.
	code, lost, raw := h.issue(`{"service":"general","idempotency_key":"lost-1"}`)
	if code != http.StatusCreated || lost.Ticket.Number != "A004" {
		t.Fatalf("online ticket: %d %s", code, raw)
	}
	for round := range 2 {
		want := http.StatusCreated
		if round > 0 {
			want = http.StatusOK
		}
		code, tr, raw := syncOffline("A001", "lost-1")
		if code != want || tr.Ticket.Number != "A001" || tr.Ticket.Status != "waiting" {
			t.Fatalf("sync A001 replacing lost-1, round %d: got %d %s, want %d", round, code, raw, want)
		}
		var st ticketResp
		do(t, http.DefaultClient, "GET", h.URL+"/api/v1/tickets/"+lost.Ticket.Token, nil, "", &st)
		if st.Ticket.Number != "A004" || st.Ticket.Status != "cancelled" {
			t.Fatalf("round %d: the replaced ticket: got %+v, want A004 cancelled", round, st.Ticket)
		}
		got := cancellations(t, h.URL)
		if len(got) != 1 || got[0] != (cancelled{Number: "A004", By: "kiosk", ReplacedBy: "A001"}) {
			t.Fatalf("round %d: ticket.cancelled events: got %+v, want one of A004 by kiosk, replaced by A001", round, got)
		}
	}

	// The request of key lost-2 never reached the server: its key is spent,
	// so it issues nothing when it arrives late.
	if code, tr, raw := syncOffline("A002", "lost-2"); code != http.StatusCreated || tr.Ticket.Number != "A002" {
		t.Fatalf("sync A002 replacing lost-2: %d %s", code, raw)
	}
	var refusal apiError
	code, raw = do(t, http.DefaultClient, "POST", h.URL+"/api/v1/tickets", kiosk, `{"service":"general","idempotency_key":"lost-2"}`, &refusal)
	if code != http.StatusConflict || refusal.Error.Code != "ECONFLICT" {
		t.Fatalf("late request of a replaced key: got %d %s, want 409 ECONFLICT", code, raw)
	}
	if got := cancellations(t, h.URL); len(got) != 1 {
		t.Fatalf("ticket.cancelled events after a spent key: got %+v, want still one", got)
	}

	// A key longer than any idempotency key is refused, and the number not
	// recorded.
	code, raw = do(t, http.DefaultClient, "POST", h.URL+"/api/v1/tickets/offline", kiosk,
		fmt.Sprintf(`{"lease":%q,"number":"A003","issued_at":%q,"replaces":%q}`, lease.Lease.ID, issuedAt, strings.Repeat("k", 129)), &refusal)
	if code != http.StatusBadRequest || refusal.Error.Code != "EINVALID" || !strings.Contains(refusal.Error.Message, "replaces") {
		t.Fatalf("sync with a 129-character replaces: got %d %s, want 400 EINVALID naming replaces", code, raw)
	}

	// The log holds each ticket once; A001 and A002 wait, A004 does not.
	issued := map[string]int{}
	for _, raw := range fetchLog(t, h.URL) {
		var ev struct {
			Type string `json:"type"`
			Data struct {
				Number string `json:"number"`
			} `json:"data"`
		}
		json.Unmarshal(raw, &ev)
		if ev.Type == "ticket.issued" {
			issued[ev.Data.Number]++
		}
	}
	if len(issued) != 3 || issued["A001"] != 1 || issued["A002"] != 1 || issued["A004"] != 1 {
		t.Fatalf("tickets in the log: got %v, want A001, A002 and A004 once each", issued)
	}
	var board struct {
		Services []struct {
			ID      string `json:"id"`
			Waiting int    `json:"waiting"`
		} `json:"services"`
	}
	do(t, http.DefaultClient, "GET", h.URL+"/api/v1/board", nil, "", &board)
	waiting := -1
	for _, s := range board.Services {
		if s.ID == "general" {
			waiting = s.Waiting
		}
	}
	if waiting != 2 {
		t.Fatalf("general waiting on the board: got %d, want 2", waiting)
	}
}
