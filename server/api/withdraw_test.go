package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestWithdrawUnansweredRequest is a kiosk whose ticket request got no answer
// and that could print nothing in its place (a real-name service while
// offline): once back, it withdraws the request. The ticket the server issued
// for it stops waiting, publicly; a key the server never saw is spent.
func TestWithdrawUnansweredRequest(t *testing.T) {
	h := newTestHall(t)
	kiosk := map[string]string{"Authorization": "Bearer " + h.Secrets.KioskToken}
	withdraw := func(body string) (int, string, []byte) {
		t.Helper()
		var out struct {
			Withdrawn *string `json:"withdrawn"`
		}
		code, raw := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/tickets/withdraw", kiosk, body, nil)
		if code == http.StatusOK {
			if err := json.Unmarshal(raw, &out); err != nil || out.Withdrawn == nil {
				t.Fatalf("withdraw %s: 200 %s, want {\"withdrawn\": …}", body, raw)
			}
			return code, *out.Withdrawn, raw
		}
		return code, "", raw
	}
	status := func(token string) string {
		t.Helper()
		var st ticketResp
		if code, raw := do(t, http.DefaultClient, "GET", h.URL+"/api/v1/tickets/"+token, nil, "", &st); code != http.StatusOK {
			t.Fatalf("ticket status: %d %s", code, raw)
		}
		return st.Ticket.Status
	}

	// The server issued B001 for key lost-1; the kiosk never got the answer
	// and, offline, could not print a real-name number instead.
	code, lost, raw := h.issue(`{"service":"social","id_number":"11010519491231002X","idempotency_key":"lost-1"}`)
	if code != http.StatusCreated || lost.Ticket.Number != "B001" {
		t.Fatalf("online ticket: %d %s", code, raw)
	}
	for round := range 3 {
		want := map[bool]string{true: "B001", false: ""}[round == 0]
		if code, got, raw := withdraw(`{"idempotency_key":"lost-1"}`); code != http.StatusOK || got != want {
			t.Fatalf("withdraw lost-1, round %d: got %d %s, want 200 withdrawn %q", round, code, raw, want)
		}
		if got := status(lost.Ticket.Token); got != "cancelled" {
			t.Fatalf("round %d: B001 is %s, want cancelled", round, got)
		}
		if got := cancellations(t, h.URL); len(got) != 1 || got[0] != (cancelled{Number: "B001", By: "kiosk"}) {
			t.Fatalf("round %d: ticket.cancelled events: got %+v, want one of B001 by kiosk, replaced by nothing", round, got)
		}
	}

	// The request of key lost-2 never reached the server: its key is spent,
	// so it issues nothing when it arrives late.
	if code, got, raw := withdraw(`{"idempotency_key":"lost-2"}`); code != http.StatusOK || got != "" {
		t.Fatalf("withdraw lost-2: got %d %s, want 200 withdrawn nothing", code, raw)
	}
	var refusal apiError
	code, raw = do(t, http.DefaultClient, "POST", h.URL+"/api/v1/tickets", kiosk, `{"service":"general","idempotency_key":"lost-2"}`, &refusal)
	if code != http.StatusConflict || refusal.Error.Code != "ECONFLICT" {
		t.Fatalf("late request of a withdrawn key: got %d %s, want 409 ECONFLICT", code, raw)
	}

	// A ticket already called is the applicant's after all: it stays.
	code, served, raw := h.issue(`{"service":"general","idempotency_key":"served"}`)
	if code != http.StatusCreated {
		t.Fatalf("online ticket: %d %s", code, raw)
	}
	staff, csrf := h.staff(0, "1")
	for _, action := range []string{"open", "call-next"} {
		if code, raw := h.act(staff, csrf, "1", action, ""); code != http.StatusOK {
			t.Fatalf("%s: %d %s", action, code, raw)
		}
	}
	if code, got, raw := withdraw(`{"idempotency_key":"served"}`); code != http.StatusOK || got != "" {
		t.Fatalf("withdraw a called ticket: got %d %s, want 200 withdrawn nothing", code, raw)
	}
	if got := status(served.Ticket.Token); got != "called" {
		t.Fatalf("%s after the withdrawal: %s, want called", served.Ticket.Number, got)
	}

	before := len(fetchLog(t, h.URL))
	tests := []struct {
		name    string
		headers map[string]string
		body    string
		status  int
		code    string
	}{
		{"no token", nil, `{"idempotency_key":"x"}`, 401, "EUNAUTHORIZED"},
		{"display token", map[string]string{"Authorization": "Bearer " + h.Secrets.DisplayToken}, `{"idempotency_key":"x"}`, 403, "EFORBIDDEN"},
		{"no body", kiosk, ``, 400, "EINVALID"},
		{"unknown field", kiosk, `{"idempotency_key":"x","number":"A001"}`, 400, "EINVALID"},
		{"no key", kiosk, `{}`, 400, "EINVALID"},
		{"key too long", kiosk, `{"idempotency_key":"` + strings.Repeat("k", 129) + `"}`, 400, "EINVALID"},
		{"huge body", kiosk, `{"idempotency_key":"` + strings.Repeat("k", 70000) + `"}`, 413, "ETOOLARGE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			code, raw := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/tickets/withdraw", tt.headers, tt.body, &e)
			if code != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Fatalf("got %d %s, want %d %s", code, raw, tt.status, tt.code)
			}
		})
	}
	if after := len(fetchLog(t, h.URL)); after != before {
		t.Fatalf("refused withdrawals changed the log: %d events, want %d", after, before)
	}
	// A refused withdrawal spends nothing: a request with that key issues.
	if code, _, raw := h.issue(`{"service":"general","idempotency_key":"x"}`); code != http.StatusCreated {
		t.Fatalf("request after refused withdrawals of its key: %d %s", code, raw)
	}
}

// cancelled is the data of a ticket.cancelled event.
type cancelled struct {
	Number     string `json:"number"`
	By         string `json:"by"`
	ReplacedBy string `json:"replaced_by"`
}

// cancellations returns the ticket.cancelled events of the log at url.
func cancellations(t *testing.T, url string) []cancelled {
	t.Helper()
	var out []cancelled
	for _, raw := range fetchLog(t, url) {
		var ev struct {
			Type string    `json:"type"`
			Data cancelled `json:"data"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type == "ticket.cancelled" {
			out = append(out, ev.Data)
		}
	}
	return out
}
