package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/eventlog"
	"hallq/server/wire"
)

func newClient(t *testing.T, base, token string) *client.Client {
	t.Helper()
	c, err := client.New(base, token, client.Options{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewChecksTheURL(t *testing.T) {
	tests := []struct {
		name, url string
		ok        bool
	}{
		{"http", "http://127.0.0.1:8080", true},
		{"https with path and slash", "https://hall.example.org/hallq/", true},
		{"no scheme", "127.0.0.1:8080", false},
		{"websocket scheme", "ws://127.0.0.1:8080", false},
		{"query", "http://127.0.0.1:8080/?x=1", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.New(tt.url, "", client.Options{})
			if (err == nil) != tt.ok {
				t.Fatalf("New(%q): got error %v, want ok=%v", tt.url, err, tt.ok)
			}
		})
	}
}

func TestAPIOfTheDemoHall(t *testing.T) {
	h := newTestHall(t, time.Second)
	ctx := context.Background()
	kiosk := newClient(t, h.URL, h.secrets.KioskToken)
	display := newClient(t, h.URL, h.secrets.DisplayToken)

	hall, err := display.Hall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hall.ID != "demo" || len(hall.Services) != 4 || len(hall.Windows) != 4 || hall.TimeZone != "Asia/Shanghai" {
		t.Fatalf("hall: got %+v", hall)
	}
	if w, ok := hall.Window("1"); !ok || w.Card == nil || w.Card.Name != "王芳" || w.NameZH != "1号窗口" {
		t.Fatalf("window 1: got %+v", w)
	}
	if s, ok := hall.Service("general"); !ok || s.Prefix != "A" || s.AvgServiceSecs != 300 {
		t.Fatalf("service general: got %+v", s)
	}
	if len(hall.ManualReasons) == 0 || hall.ManualReasons[0].Code == "" {
		t.Fatalf("manual reasons: got %+v", hall.ManualReasons)
	}

	dev, err := display.DeviceMe(ctx)
	if err != nil || dev.Kind != "display" {
		t.Fatalf("display device: got %+v, %v", dev, err)
	}

	req := wire.IssueRequest{Service: "general", IdempotencyKey: client.NewIdempotencyKey()}
	tk, err := kiosk.IssueTicket(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Number != "A001" || tk.Status != "waiting" || tk.Token == "" || tk.ServiceNameZH != "综合受理" || tk.Seq == 0 {
		t.Fatalf("issued: got %+v", tk)
	}
	again, err := kiosk.IssueTicket(ctx, req)
	if err != nil || again.ID != tk.ID || again.Number != tk.Number {
		t.Fatalf("retry with the same key: got %+v, %v; want ticket %s", again, err, tk.Number)
	}

	staff := newClient(t, h.URL, "")
	login := h.secrets.Staff[0] // wang: windows 1 and 3
	sess, err := staff.Login(ctx, login.Username, login.Password, "1")
	if err != nil || sess.Window != "1" || sess.CSRFToken == "" {
		t.Fatalf("login: got %+v, %v", sess, err)
	}
	for _, action := range []string{"open", "call-next"} {
		if _, err := staff.Act(ctx, "1", action, wire.ActRequest{}); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	called, err := kiosk.Ticket(ctx, tk.Token)
	if err != nil || called.Status != "called" || called.Window != "1" || called.Token != "" {
		t.Fatalf("ticket after call: got %+v, %v", called, err)
	}
	win, err := display.Window(ctx, "1")
	if err != nil || win.Current != "A001" || win.Card == nil || win.Status != "open" {
		t.Fatalf("window 1: got %+v, %v", win, err)
	}
	board, err := display.Board(ctx)
	if err != nil || len(board.Current) != 1 || board.Current[0].Number != "A001" || board.Hall.ID != "demo" {
		t.Fatalf("board: got %+v, %v", board, err)
	}
	page, err := display.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	raws := make([][]byte, len(page.Events))
	for i, e := range page.Events {
		raws[i] = e
	}
	head, err := eventlog.Verify(eventlog.GenesisHash, raws)
	if err != nil || head != page.Head.Hash || page.More || page.Head.Seq != board.Seq {
		t.Fatalf("events: head %s, %v; page head %+v, board seq %d", head, err, page.Head, board.Seq)
	}
	health, err := display.Health(ctx)
	if err != nil || health.Hall != "demo" || health.Seq != board.Seq {
		t.Fatalf("health: got %+v, %v", health, err)
	}
	if err := staff.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := staff.Act(ctx, "1", "complete", wire.ActRequest{}); client.ErrorCode(err) != "EUNAUTHORIZED" {
		t.Fatalf("act after logout: got %v, want EUNAUTHORIZED", err)
	}
}

func TestRefusalsAreErrors(t *testing.T) {
	h := newTestHall(t, time.Second)
	ctx := context.Background()
	kiosk := newClient(t, h.URL, h.secrets.KioskToken)
	display := newClient(t, h.URL, h.secrets.DisplayToken)
	anonymous := newClient(t, h.URL, "")
	tests := []struct {
		name   string
		call   func() error
		status int
		code   wire.Code
	}{
		{"display issues a ticket", func() error {
			_, err := display.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: "k1"})
			return err
		}, 403, "EFORBIDDEN"},
		{"no token", func() error {
			_, err := anonymous.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: "k2"})
			return err
		}, 401, "EUNAUTHORIZED"},
		{"unknown service", func() error {
			_, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "nope", IdempotencyKey: "k3"})
			return err
		}, 400, "EINVALID"},
		{"unknown window", func() error {
			_, err := display.Window(ctx, "nope")
			return err
		}, 404, "ENOTFOUND"},
		{"unknown ticket", func() error {
			_, err := display.Ticket(ctx, "no-such-token")
			return err
		}, 404, "ENOTFOUND"},
		{"act without signing in", func() error {
			_, err := anonymous.Act(ctx, "1", "open", wire.ActRequest{})
			return err
		}, 401, "EUNAUTHORIZED"},
		{"wrong password", func() error {
			_, err := anonymous.Login(ctx, "wang", "wrong", "1")
			return err
		}, 401, "EUNAUTHORIZED"},
		{"events limit", func() error {
			_, err := display.Events(ctx, 0, 5000)
			return err
		}, 400, "EINVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want a *client.Error", err)
			}
			if e.Status != tt.status || e.Code != tt.code || e.Message == "" {
				t.Fatalf("got %+v, want %d %s with a message", e, tt.status, tt.code)
			}
		})
	}
	if _, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general"}); err == nil || client.ErrorCode(err) != "" {
		t.Fatalf("issue without an idempotency key: got %v, want a local error", err)
	}
}

func TestUnreachableServerIsNotARefusal(t *testing.T) {
	h := newTestHall(t, time.Second)
	base := h.URL
	h.Close()
	c := newClient(t, base, "")
	_, err := c.Board(context.Background())
	if err == nil || client.ErrorCode(err) != "" {
		t.Fatalf("got %v, want a transport error without an API code", err)
	}
	var e *client.Error
	if errors.As(err, &e) {
		t.Fatalf("got *client.Error %+v for an unreachable server", e)
	}
}
