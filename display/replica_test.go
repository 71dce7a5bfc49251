package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
	"hallq/server/queue"
	"hallq/server/store"
)

// day is a day of the test hall: issues, calls, a recall and completions.
func day(t *testing.T) *script {
	s := newScript(t).issue("general", "A001").issue("general", "A002").issue("estate", "C001").issue("general", "A003").
		open("1").open("vip").call("1", "A001").call("vip", "C001").recall("1", "A001").done("1", "A001").call("1", "A002")
	return s
}

func stateJSON(t *testing.T, s *queue.State) string {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestReplicaKeepsTheLogAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	s := day(t)
	recs := chained(t, s.events)
	want := stateJSON(t, s.state())

	tests := []struct {
		name string
		// snapshotAt takes a snapshot after that many events (0: none).
		snapshotAt int
	}{
		{"fold everything", 0},
		{"from a snapshot", 5},
		{"snapshot at the head", len(recs)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			r, moved, err := openReplica(dir)
			if err != nil || moved != "" {
				t.Fatalf("open: %v (moved %q)", err, moved)
			}
			if err := r.saveHall(testHall()); err != nil {
				t.Fatal(err)
			}
			if err := r.saveWindow("vip"); err != nil {
				t.Fatal(err)
			}
			st := queue.NewState()
			for i, rec := range recs {
				if err := r.append([]eventlog.Record{rec}); err != nil {
					t.Fatal(err)
				}
				if _, err := fold(st, rec); err != nil {
					t.Fatal(err)
				}
				if i+1 == tt.snapshotAt {
					if err := r.snapshot(st); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}

			r, _, err = openReplica(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			sv, err := r.load()
			if err != nil {
				t.Fatal(err)
			}
			if sv.seq != uint64(len(recs)) || sv.hash != recs[len(recs)-1].Hash {
				t.Fatalf("head %d %s, want %d %s", sv.seq, sv.hash, len(recs), recs[len(recs)-1].Hash)
			}
			if got := stateJSON(t, sv.state); got != want {
				t.Fatalf("state after reopening differs from the fold of the log:\n got %s\nwant %s", got, want)
			}
			if sv.hall == nil || sv.hall.ID != "test" || sv.window != "vip" {
				t.Fatalf("hall %+v window %q", sv.hall, sv.window)
			}
		})
	}
}

func TestReplicaRefusesRecordsThatDoNotFollow(t *testing.T) {
	r, _, err := openReplica(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs := chained(t, day(t).events)
	if err := r.append(recs[:3]); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]eventlog.Record{recs[2:4], recs[4:5], recs[:1]} {
		if err := r.append(bad); err == nil {
			t.Fatalf("appending events %d.. after 3: no error", bad[0].Seq)
		}
	}
	if seq, _ := r.head(); seq != 3 {
		t.Fatalf("head %d after refused appends, want 3", seq)
	}
}

func TestBrokenReplicaIsMovedAside(t *testing.T) {
	dir := t.TempDir()
	r, _, err := openReplica(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs := chained(t, day(t).events)
	if err := r.append(recs); err != nil {
		t.Fatal(err)
	}
	r.Close()

	// Rewrite history in the file, as a tamperer would: event 5 says
	// another number.
	path := filepath.Join(dir, replicaFile)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(store.BucketEvents)
		key := []byte{0, 0, 0, 0, 0, 0, 0, 5}
		old := string(b.Get(key))
		if !strings.Contains(old, "A003") {
			t.Fatalf("event 5 is %s", old)
		}
		return b.Put(key, []byte(strings.Replace(old, "A003", "A009", 1)))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	r, moved, err := openReplica(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if moved == "" {
		t.Fatal("a replica whose chain is broken was opened as it was")
	}
	if _, err := os.Stat(moved); err != nil {
		t.Fatalf("the broken replica was not kept: %v", err)
	}
	if seq, _ := r.head(); seq != 0 {
		t.Fatalf("new replica starts at %d, want 0", seq)
	}
}

func TestFoldSkipsUnknownEventTypes(t *testing.T) {
	s := newScript(t).issue("general", "A001")
	recs := chained(t, s.events)
	ch, err := eventlog.NewChain(recs[len(recs)-1].Seq, recs[len(recs)-1].Hash)
	if err != nil {
		t.Fatal(err)
	}
	future, err := ch.Next("evaluation.submitted", t0, []byte(`{"window":"1"}`))
	if err != nil {
		t.Fatal(err)
	}
	st := queue.NewState()
	for _, rec := range append(recs, future) {
		if _, err := fold(st, rec); err != nil {
			t.Fatal(err)
		}
	}
	if st.Seq != recs[len(recs)-1].Seq || st.Waiting("general") != 1 {
		t.Fatalf("state at %d with %d waiting", st.Seq, st.Waiting("general"))
	}
}
