package audit_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"hallq/server/audit"
	"hallq/server/audit/audittest"
	"hallq/server/eventlog"
	"hallq/server/queue"
)

// TestRulesInForceEachDay: each day is replayed under the rules its last
// hall.configured event put in force. Two days with the same manual call,
// for the reason "appointment": the reason is published only from the
// second day's configuration on (then only until it), so the call of the day
// without it is the one reported.
func TestRulesInForceEachDay(t *testing.T) {
	without := audittest.Hall(nil)
	with := audittest.Hall(nil)
	with.ManualReasons = append(slices.Clone(with.ManualReasons), queue.Reason{Code: "appointment", NameZH: "预约", NameEN: "Appointment"})
	for _, tc := range []struct {
		name          string
		first, second *queue.PublicHall
		wantDay       int // the day (0 or 1) whose call breaks its rules
	}{
		{"a reason added", without, with, 0},
		{"a reason withdrawn", with, without, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := with.Hall(time.UTC) // makes every event; the log says which rules were in force
			if err != nil {
				t.Fatal(err)
			}
			chain, err := eventlog.NewChain(0, eventlog.GenesisHash)
			if err != nil {
				t.Fatal(err)
			}
			st := queue.NewState()
			var raws [][]byte
			add := func(evs []queue.Event, err error) uint64 {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				var seq uint64
				for _, ev := range evs {
					data, err := json.Marshal(ev.Data)
					if err != nil {
						t.Fatal(err)
					}
					rec, err := chain.Next(ev.Type, ev.Time, data)
					if err != nil {
						t.Fatal(err)
					}
					ev.Seq, seq = rec.Seq, rec.Seq
					if err := st.Apply(ev); err != nil {
						t.Fatal(err)
					}
					raws = append(raws, rec.Raw)
				}
				return seq
			}
			var calls [2]uint64
			now := time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)
			for day, pub := range []*queue.PublicHall{tc.first, tc.second} {
				add([]queue.Event{{Time: now, Type: queue.TypeHallConfigured, Data: pub}}, nil)
				add(st.RollDay(h, now), nil)
				var second string
				for range 2 {
					evs, is, err := st.Issue(h, now, queue.IssueRequest{Service: "general"})
					add(evs, err)
					second = is.Number
				}
				add(st.OpenWindow(h, now, "1", "wang"))
				calls[day] = add(st.CallNumber(h, now.Add(time.Minute), "1", "wang", second, "appointment"))
				now = now.Add(24 * time.Hour)
			}

			_, rep := run(t, raws, audit.Options{})
			if len(rep.Rules) != 2 {
				t.Errorf("%d rule changes reported, want 2", len(rep.Rules))
			}
			var got []uint64
			for _, f := range rep.Findings {
				if f.Kind == audit.KindRule {
					got = append(got, f.Seq)
				}
			}
			if want := []uint64{calls[tc.wantDay]}; !slices.Equal(got, want) || rep.Consistent {
				t.Fatalf("rule findings at %v (consistent %v), want exactly %v: the call of day %d (calls at %v)", got, rep.Consistent, want, tc.wantDay, calls)
			}
		})
	}
}
