package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/config"
	"hallq/server/wire"
)

// TestLeavePhone leaves a mobile number for a ticket the kiosk issued: the
// same number again is kept already; a second, different number, a number
// that is not a mainland mobile number and a ticket that does not exist
// are refused with their codes; a hall that sends no messages refuses any.
func TestLeavePhone(t *testing.T) {
	gw := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(gw.Close)
	h := newTestHallWith(t, time.Second, func(c *config.Config) {
		c.Notify = config.Notify{Webhook: gw.URL, Timeout: 5 * time.Second, Attempts: 3, CloseAhead: 3}
	})
	ctx := context.Background()
	kiosk := newClient(t, h.URL, h.secrets.KioskToken)
	if hall, err := kiosk.Hall(ctx); err != nil || !hall.Notify {
		t.Fatalf("the hall does not say it sends messages: %v", err)
	}
	tk, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: client.NewIdempotencyKey()})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"138 0013 8000", "+86 13800138000"} {
		if err := kiosk.LeavePhone(ctx, tk.Token, p); err != nil {
			t.Fatalf("leave %q: %v", p, err)
		}
	}
	for _, c := range []struct {
		name, token, phone string
		code               wire.Code
	}{
		{"another number", tk.Token, "13900139000", wire.ECONFLICT},
		{"a landline", tk.Token, "057112345678", wire.EINVALID},
		{"no such ticket", "no-such-token", "13800138000", wire.ENOTFOUND},
	} {
		var e *client.Error
		if err := kiosk.LeavePhone(ctx, c.token, c.phone); !errors.As(err, &e) || e.Code != c.code || e.MessageZH == "" {
			t.Errorf("%s: %v, want %s with a Chinese message", c.name, err, c.code)
		}
	}
	if err := kiosk.LeavePhone(ctx, "", "13800138000"); err == nil {
		t.Error("a number without a ticket was sent")
	}

	quiet := newTestHall(t, time.Second)
	kiosk = newClient(t, quiet.URL, quiet.secrets.KioskToken)
	tk, err = kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: client.NewIdempotencyKey()})
	if err != nil {
		t.Fatal(err)
	}
	var e *client.Error
	if err := kiosk.LeavePhone(ctx, tk.Token, "13800138000"); !errors.As(err, &e) || e.Code != wire.ECONFLICT {
		t.Errorf("a hall without messages: %v, want ECONFLICT", err)
	}
}
