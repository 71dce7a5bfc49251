package queue

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestAppendJSONMatchesEncodingJSON: the hand-written encoding of ticket.issued
// data is byte for byte encoding/json's, for every kind of string and time.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	pieces := []string{"", "A001", "综合窗口", "k\"1", `back\slash`, "<b>&amp;</b>", "\x00\x01\x1f\x7f",
		"\b\f\n\r\t", "\u2028\u2029", "\xff\xfe", "a\xc3", "😀", "é", "\u00a0", "\ufffd"}
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("odd", -(3*3600 + 30*60))}
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		s := ""
		for range rng.IntN(4) {
			s += pieces[rng.IntN(len(pieces))]
		}
		return s
	}
	for i := range 5000 {
		at := time.Date(2000+rng.IntN(100), time.Month(1+rng.IntN(12)), 1+rng.IntN(28),
			rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(3)*rng.IntN(1e9), zones[rng.IntN(len(zones))])
		d := &TicketIssuedData{Ticket: str(), Number: str(), Service: str(), Day: str(),
			Priority: str(), Kiosk: str(), Desk: str(), ByAge: len(str())%2 == 0, IssuedAt: at, Lease: str(), Appointment: str(), Clamped: str()}
		if rng.IntN(2) == 0 {
			d.ClaimedAt = at.Add(-time.Duration(rng.IntN(1e6)) * time.Millisecond)
		}
		if rng.IntN(2) == 0 {
			d.SeenAt = at.Add(-time.Duration(rng.IntN(1e6)) * time.Millisecond)
		}
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func TestFormatNumberMatchesPrintf(t *testing.T) {
	for _, svc := range []Service{{Prefix: "A", Digits: 3}, {Prefix: "VIP", Digits: 6}, {Prefix: "", Digits: 1}, {Prefix: "税", Digits: 4}} {
		for _, n := range []int{0, 1, 7, 42, 999, 1000, 123456, 9999999} {
			if got, want := FormatNumber(&svc, n), fmt.Sprintf("%s%0*d", svc.Prefix, svc.Digits, n); got != want {
				t.Errorf("FormatNumber(%q, %d digits, %d) = %q, want %q", svc.Prefix, svc.Digits, n, got, want)
			}
		}
	}
}
