package main

import (
	"testing"
	"time"

	"hallq/server/queue"
	"hallq/server/wire"
)

var shanghai = mustLoc("Asia/Shanghai")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func testHallInfo() *wire.Hall {
	return &wire.Hall{ID: "demo", NameZH: "政务服务中心", NameEN: "Service Center", TimeZone: "Asia/Shanghai", DayStart: "04:00",
		Hours: "08:30-12:00, 13:30-17:30",
		Services: []wire.Service{
			{ID: "general", NameZH: "综合受理", NameEN: "General affairs", Prefix: "A", AvgServiceSecs: 300},
			{ID: "social", NameZH: "社保医保", NameEN: "Social insurance", Prefix: "B", RealName: true},
			{ID: "estate", NameZH: "不动产登记", NameEN: "Real estate", Prefix: "C"},
		}}
}

// testRule is the domain hall of testHallInfo.
func testRule(t *testing.T) *queue.Hall {
	t.Helper()
	p := testHallInfo().Public()
	h, err := p.Hall(shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestTilesFor(t *testing.T) {
	rule := testRule(t)
	hall := testHallInfo()
	board := &wire.Board{Board: queue.Board{Services: []queue.ServiceBoard{
		{ID: "general", Waiting: 5, ETASeconds: 1500, Available: true},
		{ID: "social", Waiting: 2, ETASeconds: 960, Available: true},
		{ID: "estate", Available: false, Unavailable: "all of today's numbers are taken", UnavailableZH: "今日号源已发完"},
	}}}
	open := time.Date(2026, 11, 22, 9, 0, 0, 0, shanghai)
	lunch := time.Date(2026, 11, 22, 12, 30, 0, 0, shanghai)
	type want struct {
		service   string
		available bool
		offline   bool
		reason    string // English reason, or "" for none
		waiting   int
	}
	tests := []struct {
		name string
		in   homeInput
		want []want
	}{
		{"online: the board decides", homeInput{Hall: hall, Board: board, Online: true, Now: open, Rule: rule}, []want{
			{"general", true, false, "", 5}, {"social", true, false, "", 2}, {"estate", false, false, "all of today's numbers are taken", 0},
		}},
		{"offline with leases", homeInput{Hall: hall, Board: board, Online: false, Leased: map[string]int{"general": 3}, Now: open, Rule: rule}, []want{
			{"general", true, true, "", 0}, {"social", false, false, txtRealNameOff.en, 0}, {"estate", false, true, txtLeaseSpent.en, 0},
		}},
		{"offline outside opening hours", homeInput{Hall: hall, Online: false, Leased: map[string]int{"general": 3}, Now: lunch, Rule: rule}, []want{
			{"general", false, false, "Outside the hours for taking numbers (08:30-12:00, 13:30-17:30)", 0},
			{"social", false, false, txtRealNameOff.en, 0},
			{"estate", false, false, "Outside the hours for taking numbers (08:30-12:00, 13:30-17:30)", 0},
		}},
		{"online without a board yet", homeInput{Hall: hall, Online: true, Leased: map[string]int{"estate": 1}, Now: open, Rule: rule}, []want{
			{"general", false, true, txtLeaseSpent.en, 0}, {"social", false, false, txtRealNameOff.en, 0}, {"estate", true, true, "", 0},
		}},
		{"a kiosk offering two services", homeInput{Hall: hall, Device: &wire.Device{Services: []string{"estate", "social"}}, Board: board, Online: true, Now: open, Rule: rule}, []want{
			{"social", true, false, "", 2}, {"estate", false, false, "all of today's numbers are taken", 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tilesFor(tt.in)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d tiles, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Key != i+1 || g.Service != w.service || g.Available != w.available || g.Offline != w.offline ||
					g.Reason.en != w.reason || g.Waiting != w.waiting {
					t.Errorf("tile %d: got %+v, want %+v", i, g, w)
				}
				if !g.Available && g.Reason.zh == "" {
					t.Errorf("tile %d: no Chinese reason", i)
				}
			}
		})
	}
	if tilesFor(homeInput{}) != nil {
		t.Error("tiles without a hall")
	}
}
