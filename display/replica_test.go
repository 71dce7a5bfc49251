package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
	"hallq/server/queue"
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
			r, _, moved, err := openReplica(dir)
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

			r, _, _, err = openReplica(dir)
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
	r, _, _, err := openReplica(t.TempDir())
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
	r, _, _, err := openReplica(dir)
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
		b := tx.Bucket(bucketEvents)
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

	r, _, moved, err := openReplica(dir)
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

// heldEvents returns the events the replica holds, parsed.
func heldEvents(t *testing.T, r *replica) []eventlog.Record {
	t.Helper()
	var recs []eventlog.Record
	err := r.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			rec, err := eventlog.Parse(bytes.Clone(v))
			recs = append(recs, rec)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestReplicaOfTheStoreFormatIsUpgraded opens a replica written by displays
// before this layout (testdata/replica-store-format.db.gz: the test day's 12
// events with a snapshot after the 6th, the hall, window vip and its card's
// 24×32 portrait, kept through the hall server's store). A display upgraded
// in place keeps all of it, moves its records into its own bucket, and goes
// on from there.
func TestReplicaOfTheStoreFormatIsUpgraded(t *testing.T) {
	dir := t.TempDir()
	gz, err := os.Open(filepath.Join("testdata", "replica-store-format.db.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, replicaFile), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, zr); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	s := day(t)
	recs := chained(t, s.events)
	check := func(r *replica, sv *saved) {
		t.Helper()
		if sv.seq != uint64(len(recs)) || sv.hash != recs[len(recs)-1].Hash {
			t.Fatalf("head %d %s, want %d %s", sv.seq, sv.hash, len(recs), recs[len(recs)-1].Hash)
		}
		if got, want := stateJSON(t, sv.state), stateJSON(t, s.state()); got != want {
			t.Fatalf("state differs from the fold of the log:\n got %s\nwant %s", got, want)
		}
		if sv.hall == nil || sv.hall.ID != "test" || sv.window != "vip" {
			t.Fatalf("hall %+v window %q", sv.hall, sv.window)
		}
		if sv.photo == nil || sv.photo.img.Bounds().Dx() != 24 || sv.photo.img.Bounds().Dy() != 32 {
			t.Fatalf("photo %+v", sv.photo)
		}
		held := heldEvents(t, r)
		if len(held) != len(recs) {
			t.Fatalf("holds %d events, want %d", len(held), len(recs))
		}
		for i := range held {
			if !bytes.Equal(held[i].Raw, recs[i].Raw) {
				t.Fatalf("event %d differs", i+1)
			}
		}
	}

	r, sv, moved, err := openReplica(dir)
	if err != nil || moved != "" {
		t.Fatalf("open: %v (moved %q)", err, moved)
	}
	check(r, sv)
	var buckets []string
	r.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			buckets = append(buckets, string(name))
			return nil
		})
	})
	if got := strings.Join(buckets, " "); got != "display events snapshots" {
		t.Fatalf("buckets after the upgrade: %s, want display events snapshots", got)
	}

	// It goes on from its head, and opens again as it was.
	ch, err := eventlog.NewChain(sv.seq, sv.hash)
	if err != nil {
		t.Fatal(err)
	}
	next, err := ch.Next("window.paused", t0.Add(time.Hour), []byte(`{"window":"vip"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.append([]eventlog.Record{next}); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r, sv, _, err = openReplica(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if sv.seq != next.Seq || sv.hash != next.Hash || sv.state.Seq != next.Seq {
		t.Fatalf("after reopening: head %d %s state at %d, want %d %s", sv.seq, sv.hash, sv.state.Seq, next.Seq, next.Hash)
	}
	if sv.hall == nil || sv.window != "vip" || sv.photo == nil {
		t.Fatalf("after reopening: hall %v window %q photo %v", sv.hall != nil, sv.window, sv.photo != nil)
	}
}
