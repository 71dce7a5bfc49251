package client_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/wire"
)

// logEvents returns the events of the demo hall's public log, decoded, in order.
func logEvents(t *testing.T, c *client.Client) []struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
} {
	t.Helper()
	page, err := c.Events(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}, len(page.Events))
	for i, raw := range page.Events {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestLeasesAndOfflineSync(t *testing.T) {
	h := newTestHall(t, time.Second)
	ctx := context.Background()
	kiosk := newClient(t, h.URL, h.secrets.KioskToken)

	first, err := kiosk.GrantLease(ctx, "general", 4)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID == "" || first.Service != "general" || first.Day == "" || len(first.Numbers) != 4 {
		t.Fatalf("first lease: got %+v", first)
	}
	for i, n := range first.Numbers {
		want := []string{"A001", "A002", "A003", "A004"}[i]
		if n.Number != want || n.Ticket == "" || n.Token == "" || !strings.HasSuffix(n.StatusURL, "/t/"+n.Token) {
			t.Fatalf("first lease number %d: got %+v, want %s with its ticket, token and status URL", i, n, want)
		}
	}
	// Count 0 tops the holding up to the demo hall's lease size of 10.
	second, err := kiosk.GrantLease(ctx, "general", 0)
	if err != nil || len(second.Numbers) != 6 || second.Numbers[0].Number != "A005" {
		t.Fatalf("top-up lease: got %+v, %v; want A005 to A010", second, err)
	}
	if _, err := kiosk.GrantLease(ctx, "general", 0); client.ErrorCode(err) != "ECONFLICT" {
		t.Fatalf("lease beyond the lease size: got %v, want ECONFLICT", err)
	}
	held, err := kiosk.Leases(ctx)
	if err != nil || len(held) != 2 || len(held[0].Numbers)+len(held[1].Numbers) != 10 {
		t.Fatalf("leases: got %+v, %v; want both leases with 10 numbers", held, err)
	}

	// Three offline tickets, each synced five times: the same ticket every time.
	issuedAt := h.now().Add(-time.Minute)
	tickets := map[string]wire.Ticket{}
	for round := range 5 {
		for _, n := range first.Numbers[:3] {
			tk, err := kiosk.SyncOffline(ctx, wire.OfflineTicket{Lease: first.ID, Number: n.Number, IssuedAt: issuedAt})
			if err != nil {
				t.Fatalf("sync %s, round %d: %v", n.Number, round, err)
			}
			if tk.Number != n.Number || tk.ID != n.Ticket || tk.Token != n.Token || tk.Status != "waiting" {
				t.Fatalf("sync %s, round %d: got %+v, want the leased ticket", n.Number, round, tk)
			}
			if prev, ok := tickets[n.Number]; ok && (prev.ID != tk.ID || !prev.IssuedAt.Equal(tk.IssuedAt)) {
				t.Fatalf("sync %s, round %d: got %+v, first answer was %+v", n.Number, round, tk, prev)
			}
			tickets[n.Number] = *tk
		}
	}
	issued := map[string]int{}
	for _, ev := range logEvents(t, kiosk) {
		if ev.Type != "ticket.issued" {
			continue
		}
		var d struct{ Number, Lease string }
		json.Unmarshal(ev.Data, &d)
		if d.Lease != first.ID {
			t.Errorf("ticket %s: lease %q, want %q", d.Number, d.Lease, first.ID)
		}
		issued[d.Number]++
	}
	if len(issued) != 3 || issued["A001"] != 1 || issued["A002"] != 1 || issued["A003"] != 1 {
		t.Fatalf("tickets in the log: got %v, want A001 to A003 once each", issued)
	}
	held, err = kiosk.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	unused := 0
	for _, l := range held {
		unused += len(l.Numbers)
	}
	if unused != 7 {
		t.Fatalf("unused leased numbers after the sync: got %d, want 7", unused)
	}
	if third, err := kiosk.GrantLease(ctx, "general", 0); err != nil || len(third.Numbers) != 3 || third.Numbers[0].Number != "A011" {
		t.Fatalf("top-up after the sync: got %+v, %v; want A011 to A013", third, err)
	}

	display := newClient(t, h.URL, h.secrets.DisplayToken)
	tests := []struct {
		name string
		call func() error
		code wire.Code
	}{
		{"real-name service", func() error { _, err := kiosk.GrantLease(ctx, "social", 0); return err }, "EINVALID"},
		{"display asks for a lease", func() error { _, err := display.GrantLease(ctx, "general", 0); return err }, "EFORBIDDEN"},
		{"display lists leases", func() error { _, err := display.Leases(ctx); return err }, "EFORBIDDEN"},
		{"unknown lease", func() error {
			_, err := kiosk.SyncOffline(ctx, wire.OfflineTicket{Lease: "nope", Number: "A004", IssuedAt: issuedAt})
			return err
		}, "ENOTFOUND"},
		{"number outside the lease", func() error {
			_, err := kiosk.SyncOffline(ctx, wire.OfflineTicket{Lease: first.ID, Number: "A009", IssuedAt: issuedAt})
			return err
		}, "EINVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := client.ErrorCode(tt.call()); got != tt.code {
				t.Fatalf("got code %q, want %q", got, tt.code)
			}
		})
	}
	// A time in the future is not refused but clamped to the sync: the ticket
	// never goes ahead of anyone, and the log keeps the claim.
	future := h.now().Add(time.Hour)
	late, err := kiosk.SyncOffline(ctx, wire.OfflineTicket{Lease: first.ID, Number: "A004", IssuedAt: future})
	if err != nil {
		t.Fatalf("sync of a ticket claimed an hour ahead: %v", err)
	}
	if !late.IssuedAt.Before(future) {
		t.Fatalf("ticket claimed at %v placed at %v, want it clamped to the sync", future, late.IssuedAt)
	}
	if _, err := kiosk.SyncOffline(ctx, wire.OfflineTicket{Number: "A004"}); err == nil || client.ErrorCode(err) != "" {
		t.Fatalf("sync without a lease: got %v, want a local error", err)
	}
	if _, err := kiosk.GrantLease(ctx, "", 0); err == nil || client.ErrorCode(err) != "" {
		t.Fatalf("lease without a service: got %v, want a local error", err)
	}
}

// TestSyncOfflineReplaces sends an offline ticket in place of a request
// whose answer was lost, and of one the server never received.
func TestSyncOfflineReplaces(t *testing.T) {
	h := newTestHall(t, time.Second)
	ctx := context.Background()
	kiosk := newClient(t, h.URL, h.secrets.KioskToken)
	l, err := kiosk.GrantLease(ctx, "general", 2)
	if err != nil {
		t.Fatal(err)
	}
	lost, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: "lost"})
	if err != nil {
		t.Fatal(err)
	}
	issuedAt := h.now().Add(-time.Minute)
	tk, err := kiosk.SyncOffline(ctx, wire.OfflineTicket{Lease: l.ID, Number: "A001", IssuedAt: issuedAt, Replaces: "lost"})
	if err != nil || tk.Number != "A001" || tk.Status != "waiting" {
		t.Fatalf("sync A001 replacing lost: got %+v, %v", tk, err)
	}
	if got, err := kiosk.Ticket(ctx, lost.Token); err != nil || got.Status != "cancelled" {
		t.Fatalf("the replaced ticket %s: got %+v, %v; want it cancelled", lost.Number, got, err)
	}
	if _, err := kiosk.SyncOffline(ctx, wire.OfflineTicket{Lease: l.ID, Number: "A002", IssuedAt: issuedAt, Replaces: "never-arrived"}); err != nil {
		t.Fatal(err)
	}
	_, err = kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: "never-arrived"})
	if client.ErrorCode(err) != "ECONFLICT" {
		t.Fatalf("a replaced request arriving late: got %v, want ECONFLICT", err)
	}
}

// TestWithdrawRequest withdraws a request whose answer was lost and that the
// kiosk could print nothing in place of, and one the server never received.
func TestWithdrawRequest(t *testing.T) {
	h := newTestHall(t, time.Second)
	ctx := context.Background()
	kiosk := newClient(t, h.URL, h.secrets.KioskToken)
	lost, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "social", IDNumber: "11010519491231002X", IdempotencyKey: "lost"})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		want := map[bool]string{true: lost.Number, false: ""}[round == 0]
		if got, err := kiosk.WithdrawRequest(ctx, "lost"); err != nil || got != want {
			t.Fatalf("withdraw lost, round %d: got %q, %v; want %q", round, got, err, want)
		}
	}
	if got, err := kiosk.Ticket(ctx, lost.Token); err != nil || got.Status != "cancelled" {
		t.Fatalf("the withdrawn ticket %s: got %+v, %v; want it cancelled", lost.Number, got, err)
	}
	var cancels []string
	for _, ev := range logEvents(t, kiosk) {
		if ev.Type == "ticket.cancelled" {
			var d struct {
				Number     string `json:"number"`
				By         string `json:"by"`
				ReplacedBy string `json:"replaced_by"`
			}
			json.Unmarshal(ev.Data, &d)
			cancels = append(cancels, d.Number+" by "+d.By+" for "+d.ReplacedBy)
		}
	}
	if want := []string{lost.Number + " by kiosk for "}; !slices.Equal(cancels, want) {
		t.Fatalf("ticket.cancelled events: got %q, want %q", cancels, want)
	}
	if got, err := kiosk.WithdrawRequest(ctx, "never-arrived"); err != nil || got != "" {
		t.Fatalf("withdraw never-arrived: got %q, %v; want nothing withdrawn", got, err)
	}
	if _, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: "never-arrived"}); client.ErrorCode(err) != "ECONFLICT" {
		t.Fatalf("a withdrawn request arriving late: got %v, want ECONFLICT", err)
	}

	display := newClient(t, h.URL, h.secrets.DisplayToken)
	if _, err := display.WithdrawRequest(ctx, "lost"); client.ErrorCode(err) != "EFORBIDDEN" {
		t.Fatalf("a display withdraws: got %v, want EFORBIDDEN", err)
	}
	if _, err := kiosk.WithdrawRequest(ctx, strings.Repeat("k", 129)); client.ErrorCode(err) != "EINVALID" {
		t.Fatalf("a key of 129 bytes: got %v, want EINVALID", err)
	}
	if _, err := kiosk.WithdrawRequest(ctx, ""); err == nil || client.ErrorCode(err) != "" {
		t.Fatalf("withdraw without a key: got %v, want a local error", err)
	}
}

func TestReportDevice(t *testing.T) {
	h := newTestHall(t, time.Second)
	ctx := context.Background()
	kiosk := newClient(t, h.URL, h.secrets.KioskToken)
	reports := []struct {
		printer wire.PrinterState
		detail  string
		code    wire.Code // expected refusal
		event   bool      // a device.status event is expected
	}{
		{wire.PrinterOK, "", "", false}, // nothing to say about a device that was never in trouble
		{wire.PrinterPaperOut, "roll empty", "", true},
		{wire.PrinterPaperOut, "roll empty", "", false}, // unchanged
		{wire.PrinterCoverOpen, "", "", true},
		{"jammed", "", "EINVALID", false},
		{wire.PrinterOK, "", "", true},
	}
	events := 0
	for i, r := range reports {
		err := kiosk.ReportDevice(ctx, r.printer, r.detail)
		if got := client.ErrorCode(err); got != r.code || (r.code == "" && err != nil) {
			t.Fatalf("report %d (%s): got %v, want code %q", i, r.printer, err, r.code)
		}
		var statuses []wire.PrinterState
		for _, ev := range logEvents(t, kiosk) {
			if ev.Type == "device.status" {
				var d struct{ Device, Printer, Detail string }
				json.Unmarshal(ev.Data, &d)
				if d.Device != "kiosk-1" {
					t.Fatalf("device.status of %q, want kiosk-1", d.Device)
				}
				statuses = append(statuses, wire.PrinterState(d.Printer))
			}
		}
		if r.event {
			events++
		}
		if len(statuses) != events || (r.event && statuses[len(statuses)-1] != r.printer) {
			t.Fatalf("after report %d (%s): device.status events %v, want %d ending with it", i, r.printer, statuses, events)
		}
	}
}
