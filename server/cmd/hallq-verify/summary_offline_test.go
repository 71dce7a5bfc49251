package main

import (
	"strings"
	"testing"
	"time"

	"hallq/server/audit"
)

// TestSummaryShowsMovedOfflineTickets: an offline ticket the placement rule
// moved is listed with the time its kiosk claimed, the place it got, the
// bound that moved it and, when a request the log shows nowhere else bound
// it, that last contact; a ticket whose claim stood is only counted.
func TestSummaryShowsMovedOfflineTickets(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	rep := &audit.Report{Hall: "demo", Days: []*audit.Day{{Day: "2026-11-20", Offline: []audit.Offline{
		{Seq: 7, Number: "A002", Kiosk: "kiosk-2", Claimed: at("2026-11-20T00:00:01Z"), Placed: at("2026-11-20T02:40:00.5Z"),
			Synced: at("2026-11-20T02:50:00Z"), Clamped: "last_contact", Seen: at("2026-11-20T02:40:00.5Z")},
		{Seq: 8, Number: "A003", Kiosk: "kiosk-2", Claimed: at("2026-11-20T02:45:00Z"), Placed: at("2026-11-20T02:45:00Z"),
			Synced: at("2026-11-20T02:50:00Z")},
	}}}}
	var b strings.Builder
	writeSummary(&b, rep, "")
	out := b.String()
	want := "#7 A002 取号机 kiosk kiosk-2 申报 claimed 2026-11-20T00:00:01Z → 排队 placed 2026-11-20T02:40:00.5Z (last_contact) 最后联系 seen_at 2026-11-20T02:40:00.5Z"
	if !strings.Contains(out, want) {
		t.Errorf("summary lacks the moved ticket:\n%s", out)
	}
	if strings.Contains(out, "#8 A003") {
		t.Errorf("summary lists a ticket whose claim stood:\n%s", out)
	}
	if !strings.Contains(out, "offline tickets: 2") {
		t.Errorf("summary does not count both offline tickets:\n%s", out)
	}
}
