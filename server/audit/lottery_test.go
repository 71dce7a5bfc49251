package audit_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"hallq/server/audit"
	"hallq/server/audit/audittest"
	"hallq/server/eventlog"
	"hallq/server/queue"
)

// lotteryLog is a log in which the social service draws its places: ten
// applications for a slot of two places, closed, then drawn with the hash of
// the closing event, as the server does it. drawAt is the index of the draw.
func lotteryLog(t *testing.T) (raws [][]byte, drawAt int, pub *queue.PublicHall) {
	t.Helper()
	pub = audittest.Hall(nil)
	pub.Services[2].Appointments = &queue.PublicAppointments{Prefix: "YC", SlotMinutes: 30, Capacity: 2, Hours: "09:00-12:00",
		DaysAhead: 2, ReleaseAt: "08:00", CheckInBeforeMinutes: 30, CheckInAfterMinutes: 15, LateUntilMinutes: 15,
		NoShowWindowDays: 30, SuspensionDays: 30, LotteryMinutes: 60}
	h, err := pub.Hall(time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := eventlog.NewChain(0, eventlog.GenesisHash)
	if err != nil {
		t.Fatal(err)
	}
	st := queue.NewState()
	now := time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)
	var last eventlog.Record
	add := func(evs []queue.Event, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			data, err := json.Marshal(ev.Data)
			if err != nil {
				t.Fatal(err)
			}
			if last, err = chain.Next(ev.Type, ev.Time, data); err != nil {
				t.Fatal(err)
			}
			ev.Seq = last.Seq
			if err := st.Check(h, ev); err != nil {
				t.Fatalf("event %d (%s) breaks the rules: %v", ev.Seq, ev.Type, err)
			}
			if err := st.Apply(ev); err != nil {
				t.Fatal(err)
			}
			raws = append(raws, last.Raw)
		}
	}
	draw := func() {
		for _, l := range st.LotteriesToDraw() {
			rec := last // the closing event is the last one appended
			add(st.Draw(now, l.Service, l.Day, rec.Hash))
		}
	}
	add([]queue.Event{{Time: now, Type: queue.TypeHallConfigured, Data: pub}}, nil)
	add(st.RollDay(h, now), nil)
	add(st.AppointmentsDue(h, now), nil)
	// Today and tomorrow were released after their windows: closed and drawn
	// at once, each after its own closing.
	for _, ev := range st.AppointmentsDue(h, now) {
		add([]queue.Event{ev}, nil)
		draw()
	}
	for i := range 10 {
		now = now.Add(time.Second)
		add(st.Book(h, now, queue.BookRequest{Service: "social", Slot: "social-20260304-0900", Booking: "app" + string(rune('a'+i))}))
	}
	now = now.Add(time.Hour)
	add(st.AppointmentsDue(h, now), nil)
	drawAt = len(raws)
	draw()
	return raws, drawAt, pub
}

func TestLotteryDrawVerifies(t *testing.T) {
	raws, drawAt, _ := lotteryLog(t)
	_, rep := run(t, raws, audit.Options{})
	for _, f := range rep.Findings {
		t.Errorf("finding: %+v", f)
	}
	if !rep.Consistent {
		t.Fatalf("an honest draw is reported inconsistent")
	}
	rec, _ := eventlog.Parse(raws[drawAt])
	if rec.Type != queue.TypeApptDrawn || !strings.Contains(string(rec.Data), `"applications":10`) {
		t.Fatalf("event %d is %s %s, want the draw of 10 applications", rec.Seq, rec.Type, rec.Data)
	}
}

func TestLotteryTamperedDraw(t *testing.T) {
	raws, drawAt, _ := lotteryLog(t)
	rec, _ := eventlog.Parse(raws[drawAt])
	var honest queue.ApptDrawnData
	if err := json.Unmarshal(rec.Data, &honest); err != nil {
		t.Fatal(err)
	}
	slot := slices.IndexFunc(honest.Slots, func(s queue.DrawnSlot) bool { return s.Slot == "social-20260304-0900" })
	var loser string
	for i := range 10 {
		if id := "app" + string(rune('a'+i)); !slices.Contains(honest.Slots[slot].Winners, id) {
			loser = id
		}
	}
	// A draw rewritten to hand a place to a friend; and a draw re-run with
	// a seed of the forger's choosing, its winners true to that seed.
	friend := func(_ int, typ string, data map[string]any) bool {
		if typ != queue.TypeApptDrawn || data["day"] != "2026-03-04" {
			return false
		}
		data["slots"].([]any)[slot].(map[string]any)["winners"].([]any)[0] = loser
		return true
	}
	chosen := strings.Repeat("ab", 32)
	ownSeed := func(_ int, typ string, data map[string]any) bool {
		if typ != queue.TypeApptDrawn || data["day"] != "2026-03-04" {
			return false
		}
		data["seed"] = chosen
		var apps []string
		for i := range 10 {
			apps = append(apps, "app"+string(rune('a'+i)))
		}
		w := queue.DrawWinners(chosen, 2, apps)
		data["slots"].([]any)[slot].(map[string]any)["winners"] = w
		return true
	}
	for _, tt := range []struct {
		name string
		edit func(int, string, map[string]any) bool
		want string // in the finding's message
	}{
		{"winner replaced", friend, "re-run from the log"},
		{"seed of the forger's choosing", ownSeed, "used seed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			forged, err := audittest.Rechain(raws, drawAt, nil, tt.edit)
			if err != nil {
				t.Fatal(err)
			}
			_, rep := run(t, forged, audit.Options{})
			if rep.Consistent {
				t.Fatalf("a tampered draw verifies")
			}
			found := false
			for _, f := range rep.Findings {
				if f.Kind == audit.KindDraw && f.Seq == rec.Seq && strings.Contains(f.Message, tt.want) && f.MessageZH != "" {
					found = true
				} else if f.Kind != audit.KindDraw {
					t.Errorf("other finding: %+v", f)
				}
			}
			if !found {
				t.Fatalf("no draw finding at event %d mentioning %q: %+v", rec.Seq, tt.want, rep.Findings)
			}
		})
	}
}
