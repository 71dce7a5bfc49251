package wire_test

import (
	"reflect"
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

// described returns the domain hall a kiosk or display makes of a
// description with the given opening hours.
func described(t *testing.T, hours string) *queue.Hall {
	t.Helper()
	d := wire.Hall{ID: "h", TimeZone: "Asia/Shanghai", DayStart: "04:00", Hours: hours,
		Services: []wire.Service{{ID: "general", NameZH: "综合", NameEN: "General", Prefix: "A", Digits: 3}}}
	p := d.Public()
	h, err := p.Hall(shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestDescribedHall checks the service day and the opening hours as apps
// compute them from the published description, the way the server does.
func TestDescribedHall(t *testing.T) {
	days := []struct {
		name string
		at   time.Time
		want string
	}{
		{"morning", time.Date(2026, 11, 22, 9, 0, 0, 0, shanghai), "2026-11-22"},
		{"before the day starts", time.Date(2026, 11, 22, 3, 59, 0, 0, shanghai), "2026-11-21"},
		{"as it starts", time.Date(2026, 11, 22, 4, 0, 0, 0, shanghai), "2026-11-22"},
		{"given in UTC", time.Date(2026, 11, 21, 20, 30, 0, 0, time.UTC), "2026-11-22"}, // 04:30 in Shanghai
	}
	for _, tt := range days {
		if got := described(t, "").Day(tt.at); got != tt.want {
			t.Errorf("day %s: got %s, want %s", tt.name, got, tt.want)
		}
	}
	at := func(h, m int) time.Time { return time.Date(2026, 11, 22, h, m, 0, 0, shanghai) }
	hours := []struct {
		name, hours string
		at          time.Time
		want        bool
	}{
		{"always", "00:00-24:00", at(3, 0), true},
		{"no hours published", "", at(3, 0), true},
		{"morning", "08:30-12:00, 13:30-17:30", at(8, 30), true},
		{"lunch", "08:30-12:00, 13:30-17:30", at(12, 0), false},
		{"afternoon", "08:30-12:00, 13:30-17:30", at(17, 29), true},
		{"evening", "08:30-12:00, 13:30-17:30", at(18, 0), false},
		{"past midnight, late", "18:00-26:00", at(23, 0), true},
		{"past midnight, early", "18:00-26:00", at(1, 59), true},
		{"past midnight, after", "18:00-26:00", at(2, 0), false},
	}
	for _, tt := range hours {
		if got := described(t, tt.hours).IsOpen(tt.at); got != tt.want {
			t.Errorf("%s: open at %s under %q: got %v, want %v", tt.name, tt.at.Format("15:04"), tt.hours, got, tt.want)
		}
	}
	d := wire.Hall{ID: "h", Hours: "by appointment", Services: []wire.Service{{ID: "g", Prefix: "A", Digits: 3}}}
	p := d.Public()
	if _, err := p.Hall(time.UTC); err == nil {
		t.Error("hours that are not HH:MM-HH:MM: accepted")
	}
}

// TestHallRoundTrip checks that a hall's description, built from the
// domain's public form, gives that public form back.
func TestHallRoundTrip(t *testing.T) {
	p := queue.PublicHall{ID: "h", NameZH: "厅", NameEN: "Hall", TimeZone: "Asia/Shanghai", DayStart: "04:00",
		Hours: "08:30-12:00, 13:30-17:30",
		Services: []queue.PublicService{{ID: "general", NameZH: "综合", NameEN: "General", Prefix: "A", Digits: 3,
			DailyCap: 300, PerIdentityDaily: 2, RealName: true, AvgServiceSecs: 300}},
		Windows:         []queue.PublicWindow{{ID: "1", NameZH: "1号窗口", NameEN: "Window 1", Primary: []string{"general"}}},
		PriorityClasses: []queue.PriorityClass{{ID: "elderly", NameZH: "老年人", NameEN: "Elderly"}},
		ManualReasons:   []queue.Reason{{Code: "appointment", NameZH: "预约", NameEN: "Appointment"}},
		Rules:           queue.PublicRules{ReinstateWithinSecs: 1800, ReinstateAfter: 2, MinSamples: 3},
	}
	card := wire.Card{Name: "王芳", Unit: "综合科", UnitEN: "General Section", Services: []string{"general"}}
	d := wire.NewHall(p, "人民路 1 号", map[string]wire.Card{"1": card}, []wire.Notice{{ZH: "请排队", EN: "Please queue"}})
	if d.Windows[0].Card == nil || !reflect.DeepEqual(*d.Windows[0].Card, card) {
		t.Fatalf("window card: %+v", d.Windows[0].Card)
	}
	if got := d.Public(); !reflect.DeepEqual(got, p) {
		t.Fatalf("round trip:\ngot  %+v\nwant %+v", got, p)
	}
}
