package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"hallq/server/eventlog"
)

func TestPutRefusesStoreOwnedData(t *testing.T) {
	s := openTest(t, t.TempDir()+"/hall.db")
	appendEvents(t, s, 2)
	tests := []struct {
		name string
		b    Bucket
		key  []byte
	}{
		{"events", BucketEvents, seqKey(3)},
		{"existing event", BucketEvents, seqKey(1)},
		{"snapshots", BucketSnapshots, seqKey(1)},
		{"head", BucketMeta, metaHead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Update(func(tx *Tx) error {
				if err := tx.Put(tt.b, tt.key, []byte("x")); err == nil {
					t.Errorf("Put into %s: got no error", tt.b)
				}
				if err := tx.Delete(tt.b, tt.key); err == nil {
					t.Errorf("Delete from %s: got no error", tt.b)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
		})
	}
	if err := s.Verify(0, 0); err != nil {
		t.Errorf("Verify: %v", err)
	}
	// The store's other meta keys are free for the caller.
	err := s.Update(func(tx *Tx) error { return tx.Put(BucketMeta, []byte("hall"), []byte("demo")) })
	if err != nil {
		t.Errorf("Put into meta: %v", err)
	}
}

func TestWritesOutsideUpdate(t *testing.T) {
	s := openTest(t, t.TempDir()+"/hall.db")
	err := s.View(func(tx *Tx) error {
		if _, err := tx.Append("test.event", baseTime, json.RawMessage(`{}`)); err == nil {
			t.Errorf("Append in a View: got no error")
		}
		if err := tx.Put(BucketStaff, []byte("k"), []byte("v")); err == nil {
			t.Errorf("Put in a View: got no error")
		}
		if err := tx.Delete(BucketStaff, []byte("k")); err == nil {
			t.Errorf("Delete in a View: got no error")
		}
		if err := tx.PutSnapshot(1, []byte("s")); err == nil {
			t.Errorf("PutSnapshot in a View: got no error")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	var kept *Tx
	if err := s.Update(func(tx *Tx) error { kept = tx; return nil }); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if _, err := kept.Append("test.event", baseTime, json.RawMessage(`{}`)); err == nil {
		t.Errorf("Append after Update returned: got no error")
	}
	if err := kept.Put(BucketStaff, []byte("k"), []byte("v")); err == nil {
		t.Errorf("Put after Update returned: got no error")
	}
	if v := kept.Get(BucketStaff, []byte("k")); v != nil {
		t.Errorf("Get after Update returned: got %q, want nil", v)
	}
	err = s.Update(func(tx *Tx) error {
		if err := tx.Put(Bucket("nope"), []byte("k"), []byte("v")); !errors.Is(err, ErrNotFound) {
			t.Errorf("Put into an unknown bucket: got %v, want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func TestPrivateBuckets(t *testing.T) {
	path := t.TempDir() + "/hall.db"
	s := openTest(t, path)
	value := []byte("argon2id$hash")
	err := s.Update(func(tx *Tx) error {
		for _, b := range []Bucket{BucketIdentities, BucketIdempotency, BucketDevices, BucketStaff, BucketSessions, BucketSecrets, BucketOutbox, BucketBookings, BucketNoShows} {
			if err := tx.Put(b, []byte("key"), []byte(b.String())); err != nil {
				return err
			}
		}
		if err := tx.Put(BucketStaff, []byte("wang"), value); err != nil {
			return err
		}
		// Put keeps its own copy.
		value[0] = 'X'
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	err = s.View(func(tx *Tx) error {
		for _, b := range []Bucket{BucketIdentities, BucketIdempotency, BucketDevices, BucketStaff, BucketSessions, BucketSecrets, BucketOutbox, BucketBookings, BucketNoShows} {
			if got := string(tx.Get(b, []byte("key"))); got != b.String() {
				t.Errorf("Get from %s: got %q, want %q", b, got, b)
			}
		}
		got := tx.Get(BucketStaff, []byte("wang"))
		if string(got) != "argon2id$hash" {
			t.Errorf("Get: got %q, want %q", got, "argon2id$hash")
		}
		// Get returns a copy.
		got[0] = 'Y'
		if again := tx.Get(BucketStaff, []byte("wang")); string(again) != "argon2id$hash" {
			t.Errorf("Get after changing its result: got %q", again)
		}
		if v := tx.Get(BucketStaff, []byte("li")); v != nil {
			t.Errorf("Get of an absent key: got %q, want nil", v)
		}
		if v := tx.Get(Bucket("nope"), []byte("k")); v != nil {
			t.Errorf("Get from an unknown bucket: got %q, want nil", v)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	// A Get result stays valid after the transaction.
	var outside []byte
	_ = s.View(func(tx *Tx) error { outside = tx.Get(BucketStaff, []byte("wang")); return nil })
	appendEvents(t, s, 50)
	if string(outside) != "argon2id$hash" {
		t.Errorf("Get result after the View: got %q", outside)
	}
	err = s.Update(func(tx *Tx) error { return tx.Delete(BucketStaff, []byte("wang")) })
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_ = s.View(func(tx *Tx) error {
		if v := tx.Get(BucketStaff, []byte("wang")); v != nil {
			t.Errorf("Get after Delete: got %q, want nil", v)
		}
		return nil
	})
	// Private data never enters the public log.
	recs, err := s.EventsAfter(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if strings.Contains(string(r.Raw), "argon2id") {
			t.Errorf("event %d carries private data: %s", r.Seq, r.Raw)
		}
	}
}

func TestForEachPrefix(t *testing.T) {
	s := openTest(t, t.TempDir()+"/hall.db")
	keys := []string{"b/1", "a/2", "ab", "a/1", "a/10", "a", "c"}
	err := s.Update(func(tx *Tx) error {
		for _, k := range keys {
			if err := tx.Put(BucketSessions, []byte(k), []byte("v"+k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	errStop := errors.New("stop")
	tests := []struct {
		name    string
		prefix  string
		stopAt  string
		want    string
		wantErr error
	}{
		{"prefix", "a/", "", "a/1 a/10 a/2", nil},
		{"prefix that is a key", "a", "", "a a/1 a/10 a/2 ab", nil},
		{"all keys", "", "", "a a/1 a/10 a/2 ab b/1 c", nil},
		{"no match", "d", "", "", nil},
		{"no match between keys", "a/3", "", "", nil},
		{"fn stops", "", "a/10", "a a/1 a/10", errStop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := s.View(func(tx *Tx) error {
				return tx.ForEach(BucketSessions, []byte(tt.prefix), func(k, v []byte) error {
					if string(v) != "v"+string(k) {
						t.Errorf("value of %s: got %q", k, v)
					}
					got = append(got, string(k))
					if string(k) == tt.stopAt {
						return errStop
					}
					return nil
				})
			})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ForEach: got error %v, want %v", err, tt.wantErr)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("ForEach(%q): got %q, want %q", tt.prefix, g, tt.want)
			}
		})
	}
	err = s.View(func(tx *Tx) error {
		return tx.ForEach(Bucket("nope"), nil, func(k, v []byte) error { return nil })
	})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("ForEach of an unknown bucket: got %v, want ErrNotFound", err)
	}
}

func TestSnapshots(t *testing.T) {
	path := t.TempDir() + "/hall.db"
	s := openTest(t, path)
	if seq, state, err := s.LatestSnapshot(); seq != 0 || state != nil || err != nil {
		t.Errorf("LatestSnapshot of a new store: got (%d, %q, %v), want (0, nil, nil)", seq, state, err)
	}
	appendEvents(t, s, 3)
	err := s.Update(func(tx *Tx) error {
		for _, seq := range []uint64{0, 4} {
			if err := tx.PutSnapshot(seq, []byte("x")); !errors.Is(err, eventlog.ErrInvalid) {
				t.Errorf("PutSnapshot(%d) with head 3: got %v, want eventlog.ErrInvalid", seq, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// One snapshot per Update, each at the head after a few more events,
	// and the state buffer reused by the caller.
	state := make([]byte, 0, 32)
	for i := range 6 {
		appendEvents(t, s, 2)
		err := s.Update(func(tx *Tx) error {
			if _, err := tx.Append("test.event", baseTime, json.RawMessage(`{}`)); err != nil {
				return err
			}
			seq, _ := tx.Head()
			state = fmt.Appendf(state[:0], "state %d at %d", i, seq)
			return tx.PutSnapshot(seq, state)
		})
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	head, _ := s.Head()
	seq, got, err := s.LatestSnapshot()
	if want := fmt.Sprintf("state 5 at %d", head); err != nil || seq != head || string(got) != want {
		t.Errorf("LatestSnapshot: got (%d, %q, %v), want (%d, %q, nil)", seq, got, err, head, want)
	}
	var kept []uint64
	_ = s.View(func(tx *Tx) error {
		return tx.ForEach(BucketSnapshots, nil, func(k, v []byte) error {
			kept = append(kept, binary.BigEndian.Uint64(k))
			return nil
		})
	})
	if want := []uint64{head - 6, head - 3, head}; fmt.Sprint(kept) != fmt.Sprint(want) {
		t.Errorf("kept snapshots: got %v, want %v", kept, want)
	}
	// An older snapshot written late does not displace the latest.
	if err := s.Update(func(tx *Tx) error { return tx.PutSnapshot(1, []byte("old")) }); err != nil {
		t.Fatal(err)
	}
	if seq, _, _ := s.LatestSnapshot(); seq != head {
		t.Errorf("LatestSnapshot after an older one: got %d, want %d", seq, head)
	}
	_ = s.View(func(tx *Tx) error {
		n := 0
		_ = tx.ForEach(BucketSnapshots, nil, func(k, v []byte) error { n++; return nil })
		if n != SnapshotsKept {
			t.Errorf("snapshots kept: got %d, want %d", n, SnapshotsKept)
		}
		return nil
	})
}
