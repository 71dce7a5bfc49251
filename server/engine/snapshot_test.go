package engine

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"hallq/server/queue"
	"hallq/server/store"
)

// stateJSON returns the state of the snapshot at seq in st as JSON, as
// snapshots were written before they had a format of their own.
func stateJSON(t testing.TB, st *store.Store, seq uint64) []byte {
	t.Helper()
	e := &Engine{store: st, log: slog.New(slog.DiscardHandler)}
	s, err := e.fromSnapshot(seq)
	if err != nil || s == nil {
		t.Fatalf("snapshot at %d: %v", seq, err)
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// replayed rebuilds the state from the whole log in st, as hallq-verify and
// anyone reading the public log can.
func replayed(t testing.TB, st *store.Store) *queue.State {
	t.Helper()
	s := queue.NewState()
	for {
		recs, err := st.EventsAfter(s.Seq, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			return s
		}
		for _, r := range recs {
			ev, err := queue.DecodeEvent(r.Seq, r.Time, r.Type, r.Data)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Apply(ev); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// checkAsReplayed checks that the engine's state after a start is the state
// of a full replay of its log, and that both give the same next ticket and
// the same next call.
func checkAsReplayed(t *testing.T, f *fixture, when string) {
	t.Helper()
	seqs, err := f.st.Snapshots()
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) > 0 && f.e.loadedFrom != seqs[0] {
		t.Fatalf("%s: started from the snapshot at %d, not from the latest, at %d", when, f.e.loadedFrom, seqs[0])
	}
	checkState(t, f, when)
	checkPrivate(t, f, when)
}

// checkPrivate checks that the sequencer's private records after a start
// are those of the day its state is at, as read afresh from the store: the
// records read ahead, beside the snapshot's decoding, are of the snapshot's
// day, which the events after it may have closed.
func checkPrivate(t *testing.T, f *fixture, when string) {
	t.Helper()
	var day string
	f.e.Read(func(s *queue.State, _ uint64, _ string) { day = s.Day })
	want, err := f.e.readPrivate(day, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := &dayPrivate{idem: f.e.idem, identities: f.e.identities, spent: f.e.spent, idemSeq: f.e.idemSeq, appt: f.e.appt}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: private records of %s after start: got %d keys, last %d; want %d keys, last %d",
			when, day, len(got.idem), got.idemSeq, len(want.idem), want.idemSeq)
	}
}

// checkState checks that the engine's state is the state of a full replay
// of its log, and that both give the same next ticket and the same next call.
func checkState(t *testing.T, f *fixture, when string) {
	t.Helper()
	want := replayed(t, f.st)
	var got *queue.State
	f.e.Read(func(s *queue.State, _ uint64, _ string) { got = s.Clone() })
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Fatalf("%s: state after start differs from a full replay:\ngot  %s\nwant %s", when, gj, wj)
	}
	h, now := f.e.Hall(), f.now()
	next := func(s *queue.State) string {
		s = s.Clone()
		evs, iss, err := s.Issue(h, now, queue.IssueRequest{Service: "general", Kiosk: "k1"})
		if err != nil {
			return "error: " + err.Error()
		}
		d, _ := json.Marshal(evs[0].Data)
		for _, ev := range evs {
			ev.Seq = s.Seq + 1
			if err := s.Apply(ev); err != nil {
				return "error: " + err.Error()
			}
		}
		calls, err := s.CallNext(h, now, "1", "s1")
		c, _ := json.Marshal(calls)
		return fmt.Sprintf("%s %+v call %s %v", d, iss, c, err)
	}
	if g, w := next(got), next(want); g != w {
		t.Fatalf("%s: next ticket and call after start\ngot  %s\nwant %s", when, g, w)
	}
}

// TestStartEqualsFullReplay runs random days of a hall, snapshots spaced at
// random, and restarts it at random moments, after a clean stop and as a
// SIGKILL leaves it: each start must give the state of a full replay of the
// log, and the same next ticket.
func TestStartEqualsFullReplay(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 3
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 16))
			f := &fixture{t: t, path: filepath.Join(t.TempDir(), "hall.db"), clock: time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)}
			every, interval := 1+rng.IntN(40), time.Duration(1+rng.IntN(20))*time.Minute
			f.opts = func(o *Options) { o.SnapshotEvery, o.SnapshotInterval = every, interval }
			f.open()
			t.Cleanup(f.close)
			ctx := context.Background()
			number := func() string {
				var n string
				f.e.Read(func(s *queue.State, _ uint64, _ string) {
					for num := range s.Numbers {
						if n == "" || rng.IntN(3) == 0 {
							n = num
						}
					}
				})
				return n
			}
			restarts := 0
			for i := range 400 {
				w := fmt.Sprint(1 + rng.IntN(2))
				switch r := rng.IntN(100); {
				case r < 40:
					if _, err := f.e.Issue(ctx, IssueInput{Kiosk: fmt.Sprint("k", rng.IntN(3)), Service: "general", IdempotencyKey: fmt.Sprint(seed, "-", i)}); err != nil {
						t.Fatal(err)
					}
				case r < 44:
					f.e.Act(ctx, ActInput{Window: w, Staff: "s" + w, Action: ActOpen})
				case r < 58:
					f.e.Act(ctx, ActInput{Window: w, Staff: "s" + w, Action: ActCallNext})
				case r < 66:
					f.e.Act(ctx, ActInput{Window: w, Staff: "s" + w, Action: ActComplete})
				case r < 71:
					f.e.Act(ctx, ActInput{Window: w, Staff: "s" + w, Action: ActNoShow})
				case r < 74:
					f.e.Act(ctx, ActInput{Window: w, Staff: "s" + w, Action: ActReinstate, Number: number()})
				case r < 77:
					f.e.Act(ctx, ActInput{Window: w, Staff: "s" + w, Action: ActTransfer, Service: "tax", Reason: "supervisor"})
				case r < 79:
					f.e.Act(ctx, ActInput{Window: w, Staff: "s" + w, Action: ActCancel, Number: number(), Reason: "supervisor"})
				case r < 80:
					f.e.Act(ctx, ActInput{Window: w, Staff: "s" + w, Action: ActRecall})
				case r < 83:
					f.advance(time.Duration(1+rng.IntN(12)) * time.Hour) // now and then into the next day
				case r < 90:
					f.advance(time.Duration(rng.IntN(300)) * time.Second)
				case r < 95:
					f.close()
					f.open()
					restarts++
					checkAsReplayed(t, f, fmt.Sprintf("op %d, start after a clean stop", i))
				default:
					// As a SIGKILL: no snapshot at the stop; the journal
					// is copied into the file by the store's Close or, on
					// a real kill, by the next Open.
					f.e.halt()
					f.e = nil
					f.close()
					f.open()
					restarts++
					checkAsReplayed(t, f, fmt.Sprintf("op %d, start after a kill", i))
				}
			}
			if restarts == 0 {
				t.Fatal("no restart")
			}
			f.close()
			f.open()
			checkAsReplayed(t, f, "the end")
		})
	}
}

// TestCorruptSnapshotFallsBack spoils stored snapshots, as a torn or
// damaged file would: the start falls back to an earlier snapshot, or to a
// full replay, and gives the same state.
func TestCorruptSnapshotFallsBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		// spoil returns the snapshots spoiled, latest first.
		spoil func(seqs []uint64, kinds []byte) []uint64
		none  bool // no snapshot is left to start from
	}{
		{"latest torn", func(seqs []uint64, _ []byte) []uint64 { return seqs[:1] }, false},
		{"base of the latest delta spoiled", func(seqs []uint64, kinds []byte) []uint64 {
			for i, k := range kinds {
				if k == snapshotFull && i > 0 {
					return seqs[i : i+1]
				}
			}
			t.Fatal("no full snapshot behind a delta")
			return nil
		}, false},
		{"every snapshot spoiled", func(seqs []uint64, _ []byte) []uint64 { return seqs }, true},
	} {
		for _, how := range []string{"truncated", "bit flipped"} {
			t.Run(tc.name+"/"+how, func(t *testing.T) {
				f := &fixture{t: t, path: filepath.Join(t.TempDir(), "hall.db"), clock: time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)}
				f.opts = func(o *Options) { o.SnapshotEvery = 7 }
				f.open()
				t.Cleanup(f.close)
				ctx := context.Background()
				f.act(ActInput{Window: "1", Staff: "s1", Action: ActOpen})
				for i := range 80 {
					f.issue("general", fmt.Sprint(i))
					if i%3 == 0 {
						f.act(ActInput{Window: "1", Staff: "s1", Action: ActCallNext})
						f.e.Act(ctx, ActInput{Window: "1", Staff: "s1", Action: ActComplete})
					}
				}
				f.e.halt() // no snapshot at the stop
				f.e = nil
				f.close()
				st, err := store.Open(f.path, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				seqs, err := st.Snapshots()
				if err != nil {
					t.Fatal(err)
				}
				var kinds []byte
				for _, seq := range seqs {
					data, err := st.Snapshot(seq)
					if err != nil {
						t.Fatal(err)
					}
					kinds = append(kinds, data[len(snapshotMagic)])
				}
				if len(seqs) < 3 || kinds[0] != snapshotDelta {
					t.Fatalf("snapshots %v of kinds %q: want a delta latest, and more", seqs, kinds)
				}
				spoiled := tc.spoil(seqs, kinds)
				for _, seq := range spoiled {
					data, _ := st.Snapshot(seq)
					if how == "truncated" {
						data = data[:len(data)/2]
					} else {
						data[len(data)/2] ^= 0x10
					}
					if err := st.Update(func(tx *store.Tx) error { return tx.PutSnapshotKeeping(seq, data, 1) }); err != nil {
						t.Fatal(err)
					}
				}
				st.Close()
				f.open()
				switch {
				case tc.none && f.e.loadedFrom != 0:
					t.Errorf("started from the snapshot at %d, all spoiled", f.e.loadedFrom)
				case !tc.none && (f.e.loadedFrom == 0 || f.e.loadedFrom >= spoiled[len(spoiled)-1]):
					t.Errorf("started from the snapshot at %d; want one before %d", f.e.loadedFrom, spoiled[len(spoiled)-1])
				}
				checkState(t, f, "start after a spoiled snapshot")
			})
		}
	}
}

// TestDayTicketsBounded: a snapshot's number counters, however large (a
// damaged or forged file), size the day's maps no larger than the tickets
// its parts hold.
func TestDayTicketsBounded(t *testing.T) {
	s := queue.NewState()
	s.Counters = map[string]int{"general": 1 << 40, "tax": -5}
	part := func(n int) snapshotPart {
		return snapshotPart{body: append(binary.AppendUvarint(nil, uint64(n)), make([]byte, n)...)}
	}
	chain := []snapshotPart{part(30), part(20), part(100)} // latest first, the full one last
	if got := dayTickets(s, chain); got != 150 {
		t.Fatalf("counters of 2^40: %d, want the parts' 150", got)
	}
	s.Counters = map[string]int{"general": 120, "tax#appointment": 5}
	if got := dayTickets(s, chain); got != 125 {
		t.Fatalf("counters of 125: %d, want 125", got)
	}
	s.Counters = map[string]int{"general": 10}
	if got := dayTickets(s, chain); got != 100 {
		t.Fatalf("counters below the full snapshot: %d, want its 100", got)
	}
}
