package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"hallq/server/audit"
	"hallq/server/config"
	"hallq/server/eventlog"
	"hallq/server/hall/halltest"
	"hallq/server/queue"
	"hallq/server/wire"
)

type lotteryDay struct {
	Lottery    string    `json:"lottery"`
	ApplyUntil time.Time `json:"apply_until"`
	Slots      []struct {
		ID           string `json:"id"`
		Capacity     int    `json:"capacity"`
		Booked       int    `json:"booked"`
		Remaining    int    `json:"remaining"`
		Applications int    `json:"applications"`
	} `json:"slots"`
}

// lotteryHall is the demo hall whose exit-entry service draws its places:
// applications for day D+7 from 08:00 to 09:00 on day D, 2 places a slot, on
// the test's clock, which starts at 07:00 on Monday 2026-11-23 in Shanghai.
func lotteryHall(t *testing.T) (*probeHall, *halltest.Clock) {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	clock := halltest.NewFixedClock(time.Date(2026, 11, 23, 7, 0, 0, 0, loc))
	h := halltest.Start(t, halltest.Options{Clock: clock, Adjust: func(cfg *config.Config) {
		for i := range cfg.Hall.Services {
			if a := cfg.Hall.Services[i].Appointments; a != nil {
				a.Capacity, a.LotteryWindow = 2, time.Hour
			}
		}
	}})
	return &probeHall{Hall: h, t: t}, clock
}

// lotteryDay waits until the day's lottery is in state want and returns it.
func (p *probeHall) lotteryDay(date, want string) lotteryDay {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, _, body := p.do(nil, "GET", "/api/v1/appointments/slots?service=exit-entry&date="+date, nil, "")
		var d lotteryDay
		if code != http.StatusOK || json.Unmarshal(body, &d) != nil {
			p.t.Fatalf("slots: %d %s", code, body)
		}
		if d.Lottery == want {
			return d
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("lottery of %s is %q, want %q", date, d.Lottery, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// publicLog reads the whole public log through the API.
func (p *probeHall) publicLog() [][]byte {
	p.t.Helper()
	var raws [][]byte
	after := uint64(0)
	for {
		code, _, body := p.do(nil, "GET", fmt.Sprintf("/api/v1/events?after=%d&limit=%d", after, wire.MaxEventsLimit), nil, "")
		var page wire.EventsPage
		if code != http.StatusOK || json.Unmarshal(body, &page) != nil {
			p.t.Fatalf("events: %d %s", code, body)
		}
		for _, r := range page.Events {
			raws = append(raws, r)
		}
		if !page.More {
			return raws
		}
		after = page.Next
	}
}

func TestLotteryAPI(t *testing.T) {
	p, clock := lotteryHall(t)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	// Days released after their windows closed are drawn at once, among no
	// applications; the day released at 08:00 today is not released yet.
	p.lotteryDay("2026-11-29", queue.LotteryDrawn)
	pending := p.lotteryDay("2026-11-30", "pending")
	if want := time.Date(2026, 11, 23, 9, 0, 0, 0, loc); !pending.ApplyUntil.Equal(want) {
		t.Fatalf("applications until %s, want %s", pending.ApplyUntil, want)
	}
	slot := "exit-entry-20261130-0830"
	if code, _, body := p.book(slot, residentID(1)); code != http.StatusConflict || errorCode(body) != "ENOTRELEASED" {
		t.Fatalf("application before the release: %d %s", code, body)
	}

	clock.Set(time.Date(2026, 11, 23, 8, 0, 30, 0, loc))
	p.lotteryDay("2026-11-30", queue.LotteryOpen)
	var apps []apptJSON
	for i := range 5 {
		code, a, body := p.book(slot, residentID(i+1))
		if code != http.StatusCreated || a.Appointment.Status != queue.BookingApplied {
			t.Fatalf("application %d: %d %s", i, code, body)
		}
		apps = append(apps, a)
	}
	// One place asked for per identity and day, as the service's limits say.
	if code, _, body := p.book("exit-entry-20261130-0900", residentID(1)); code != http.StatusConflict || errorCode(body) != "ELIMIT" {
		t.Fatalf("a second application of one identity: %d %s", code, body)
	}
	// The fifth applicant withdraws.
	if code, _, body := p.do(nil, "POST", "/api/v1/appointments/"+apps[4].Appointment.Token+"/cancel", nil, ""); code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", code, body)
	}
	open := p.lotteryDay("2026-11-30", queue.LotteryOpen)
	if s := open.Slots[0]; s.ID != slot || s.Applications != 4 || s.Booked != 0 || s.Remaining != 2 {
		t.Fatalf("slot while applications are taken: %+v", s)
	}

	clock.Set(time.Date(2026, 11, 23, 9, 0, 30, 0, loc))
	// Until the draw is written, ELOTTERY; once drawn, the slot is full.
	if code, _, body := p.book(slot, residentID(9)); code != http.StatusConflict || errorCode(body) != "ELOTTERY" && errorCode(body) != "EFULL" {
		t.Fatalf("application after the window: %d %s", code, body)
	}
	drawn := p.lotteryDay("2026-11-30", queue.LotteryDrawn)
	if s := drawn.Slots[0]; s.Booked != 2 || s.Remaining != 0 {
		t.Fatalf("slot after the draw: %+v", s)
	}
	status := map[string]int{}
	for _, a := range apps {
		code, _, body := p.do(nil, "GET", "/api/v1/appointments/"+a.Appointment.Token, nil, "")
		var got apptJSON
		if code != http.StatusOK || json.Unmarshal(body, &got) != nil {
			t.Fatalf("status: %d %s", code, body)
		}
		status[got.Appointment.Status]++
	}
	if status[queue.BookingBooked] != 2 || status[queue.BookingNotDrawn] != 2 || status[queue.BookingCancelled] != 1 {
		t.Fatalf("outcomes %v, want 2 booked, 2 not drawn, 1 withdrawn", status)
	}

	// Anyone can re-run the draw from the public log alone: the verifier
	// does, and so does this test, by the published recipe.
	raws := p.publicLog()
	a, err := audit.New(audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		if err := a.Add(raw); err != nil {
			t.Fatal(err)
		}
	}
	if rep := a.Finish(); !rep.Consistent {
		t.Fatalf("the verifier finds the log inconsistent: %+v", rep.Findings)
	}
	var seed string
	var applied []string
	var draw queue.ApptDrawnData
	for _, raw := range raws {
		rec, err := eventlog.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		json.Unmarshal(rec.Data, &d)
		switch {
		case rec.Type == queue.TypeApptApplied && d["slot"] == slot:
			applied = append(applied, d["booking"].(string))
		case rec.Type == queue.TypeApptCancelled && d["slot"] == slot:
			applied = slices.DeleteFunc(applied, func(id string) bool { return id == d["booking"] })
		case rec.Type == queue.TypeApptDrawClosed && d["day"] == "2026-11-30":
			seed = rec.Hash
		case rec.Type == queue.TypeApptDrawn && d["day"] == "2026-11-30":
			json.Unmarshal(rec.Data, &draw)
		}
	}
	if len(applied) != 4 || draw.Seed != seed || seed == "" {
		t.Fatalf("from the log: %d applications, seed %q, draw seeded with %q", len(applied), seed, draw.Seed)
	}
	if want := queue.DrawWinners(seed, 2, applied); !slices.Equal(draw.Slots[0].Winners, want) {
		t.Fatalf("the log's draw gave %v; re-run: %v", draw.Slots[0].Winners, want)
	}
	for _, raw := range raws {
		for i := range 5 {
			if id := residentID(i + 1); strings.Contains(string(raw), id) {
				t.Fatalf("an identity number in the public log: %s", raw)
			}
		}
	}
}
