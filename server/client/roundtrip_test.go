package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/config"
	"hallq/server/hall/halltest"
	"hallq/server/wire"
)

// recorder keeps the body of the last answer a client received.
type recorder struct {
	mu   sync.Mutex
	last []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.last = body
	r.mu.Unlock()
	return resp, nil
}

// sameJSON fails unless what the client decoded encodes to the JSON the server
// sent, field for field: a field the server sends and the client's type lacks
// (or names differently) shows as a difference.
func (r *recorder) sameJSON(t *testing.T, what string, decoded any, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if v := reflect.ValueOf(decoded); v.Kind() == reflect.Pointer && v.IsNil() {
		t.Fatalf("%s: nothing decoded", what)
	}
	r.mu.Lock()
	sent := r.last
	r.mu.Unlock()
	again, err := json.Marshal(decoded)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal(sent, &want); err != nil {
		t.Fatalf("%s: the server sent %q: %v", what, sent, err)
	}
	json.Unmarshal(again, &got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: the client's value encodes as\n%s\nbut the server sent\n%s", what, again, sent)
	}
}

// must returns *v, failing the test on err.
func must[T any](t *testing.T, v *T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return *v
}

// TestRoundTrip checks every answer of the API the Go client reads: the
// server encodes it, the client decodes it, and the decoded value holds all
// the server sent.
func TestRoundTrip(t *testing.T) {
	cfg, secrets, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, cfg.Hall.Location)
	// The clock stands still, so that two reads of the board agree.
	h := halltest.Start(t, halltest.Options{Config: cfg, Clock: halltest.NewFixedClock(at)})
	rec := &recorder{}
	with := func(token string) *client.Client {
		c, err := client.New(h.URL, token, client.Options{HTTPClient: &http.Client{Transport: rec}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	kiosk, display, staff := with(secrets.KioskToken), with(secrets.DisplayToken), with("")
	ctx := context.Background()

	tk, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general", Priority: "elderly", IdempotencyKey: "k1"})
	rec.sameJSON(t, "issue", wire.TicketAnswer{Ticket: must(t, tk, err)}, nil)
	tk2, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "social", IDNumber: "11010519491231002X", IdempotencyKey: "k2"})
	rec.sameJSON(t, "issue real-name", wire.TicketAnswer{Ticket: must(t, tk2, err)}, nil)
	lease, err := kiosk.GrantLease(ctx, "general", 2)
	rec.sameJSON(t, "grant lease", wire.LeaseAnswer{Lease: must(t, lease, err)}, nil)
	leases, err := kiosk.Leases(ctx)
	rec.sameJSON(t, "leases", wire.LeasesAnswer{Leases: leases}, err)
	off, err := kiosk.SyncOffline(ctx, wire.OfflineTicket{Lease: lease.ID, Number: lease.Numbers[0].Number, IssuedAt: at})
	rec.sameJSON(t, "sync offline", wire.TicketAnswer{Ticket: must(t, off, err)}, nil)
	err = kiosk.ReportDevice(ctx, wire.PrinterPaperOut, "roll empty")
	rec.sameJSON(t, "report device", wire.DeviceStatus{Device: "kiosk-1", Printer: wire.PrinterPaperOut}, err)
	_, err = kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: "k3"})
	if err != nil {
		t.Fatal(err)
	}
	number, err := kiosk.WithdrawRequest(ctx, "k3")
	rec.sameJSON(t, "withdraw", wire.Withdrawn{Withdrawn: number}, err)

	login := secrets.Staff[0]
	sess, err := staff.Login(ctx, login.Username, login.Password, login.Windows[0])
	rec.sameJSON(t, "login", sess, err)
	for _, action := range []string{"open", "call-next"} {
		res, err := staff.Act(ctx, login.Windows[0], action, wire.ActRequest{})
		rec.sameJSON(t, action, res, err)
	}

	hallDesc, err := display.Hall(ctx)
	rec.sameJSON(t, "hall", hallDesc, err)
	board, err := display.Board(ctx)
	rec.sameJSON(t, "board", board, err)
	if len(board.Devices) != 1 || len(board.Current) != 1 {
		t.Fatalf("board: devices %v, current %v; want a device and a call, so that both are checked", board.Devices, board.Current)
	}
	win, err := display.Window(ctx, login.Windows[0])
	rec.sameJSON(t, "window", win, err)
	if win.Card == nil || win.Card.UnitEN == "" || win.CurrentService == "" {
		t.Fatalf("window: %+v; want a card with English text and a ticket being served, so that they are checked", win)
	}
	got, err := display.Ticket(ctx, tk.Token)
	rec.sameJSON(t, "ticket", wire.TicketAnswer{Ticket: must(t, got, err)}, nil)
	dev, err := kiosk.DeviceMe(ctx)
	rec.sameJSON(t, "device", dev, err)
	page, err := display.Events(ctx, 0, 100)
	rec.sameJSON(t, "events", page, err)
	health, err := display.Health(ctx)
	rec.sameJSON(t, "health", health, err)

	_, err = kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "nope", IdempotencyKey: "k4"})
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("issue for an unknown service: %v, want a *client.Error", err)
	}
	rec.sameJSON(t, "error", wire.ErrorBody{Error: wire.ErrorDetail{Code: e.Code, Message: e.Message, MessageZH: e.MessageZH}}, nil)
}
