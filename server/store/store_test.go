package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
)

// openTest opens the store at path, closed when the test ends.
func openTest(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// baseTime is the time of event 0 in appendEvents: event seq is at
// baseTime plus seq milliseconds.
var baseTime = time.Date(2026, 11, 22, 1, 44, 10, 0, time.UTC)

// appendEvents appends n events to s in one Update, each with data
// {"n":seq}, and returns them.
func appendEvents(t testing.TB, s *Store, n int) []eventlog.Record {
	t.Helper()
	var recs []eventlog.Record
	err := s.Update(func(tx *Tx) error {
		for range n {
			seq, _ := tx.Head()
			seq++
			r, err := tx.Append("test.event", baseTime.Add(time.Duration(seq)*time.Millisecond),
				json.RawMessage(fmt.Sprintf(`{"n":%d}`, seq)))
			if err != nil {
				return err
			}
			recs = append(recs, r)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	return recs
}

// rawUpdate changes the closed store file at path with plain bbolt, the way
// someone tampering with it would.
func rawUpdate(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatalf("raw update: %v", err)
	}
}

// tamperEvent replaces event seq in the store file at path with f of it.
func tamperEvent(t *testing.T, path string, seq uint64, f func(raw string) string) {
	t.Helper()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket(BucketEvents)
		v := b.Get(seqKey(seq))
		if v == nil {
			return fmt.Errorf("no event %d", seq)
		}
		changed := f(string(v))
		if changed == string(v) {
			return fmt.Errorf("tampering left event %d unchanged", seq)
		}
		return b.Put(seqKey(seq), []byte(changed))
	})
}

func TestChainLinksWithinAndAcrossUpdates(t *testing.T) {
	s := openTest(t, t.TempDir()+"/hall.db")
	var recs []eventlog.Record
	for _, n := range []int{1, 3, 1, 5} {
		recs = append(recs, appendEvents(t, s, n)...)
	}
	prev := eventlog.GenesisHash
	for i, r := range recs {
		if got, want := r.Seq, uint64(i+1); got != want {
			t.Errorf("record %d seq: got %d, want %d", i, got, want)
		}
		if r.PrevHash != prev {
			t.Errorf("event %d prev hash: got %s, want %s", r.Seq, r.PrevHash, prev)
		}
		if got, want := r.Hash, recomputeHash(t, prev, string(r.Raw)); got != want {
			t.Errorf("event %d hash: got %s, want %s", r.Seq, got, want)
		}
		prev = r.Hash
	}
	if seq, hash := s.Head(); seq != 10 || hash != prev {
		t.Errorf("Head: got (%d, %s), want (10, %s)", seq, hash, prev)
	}
	if err := s.Verify(0, 0); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

func TestHeadMovesOnlyAfterCommit(t *testing.T) {
	s := openTest(t, t.TempDir()+"/hall.db")
	first := appendEvents(t, s, 2)
	var inside eventlog.Record
	err := s.Update(func(tx *Tx) error {
		var err error
		inside, err = tx.Append("test.event", baseTime, json.RawMessage(`{}`))
		if err != nil {
			return err
		}
		if seq, hash := tx.Head(); seq != 3 || hash != inside.Hash {
			t.Errorf("tx.Head inside: got (%d, %s), want (3, %s)", seq, hash, inside.Hash)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if seq, hash := s.Head(); seq != 2 || hash != first[1].Hash {
				t.Errorf("Head from another goroutine before commit: got (%d, %s), want (2, %s)", seq, hash, first[1].Hash)
			}
			if recs, err := s.EventsAfter(0, 0); err != nil || len(recs) != 2 {
				t.Errorf("EventsAfter before commit: got %d events (%v), want 2", len(recs), err)
			}
		}()
		<-done
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if seq, hash := s.Head(); seq != 3 || hash != inside.Hash {
		t.Errorf("Head after commit: got (%d, %s), want (3, %s)", seq, hash, inside.Hash)
	}
}

func TestFailedUpdateLeavesNothing(t *testing.T) {
	errDomain := errors.New("window is paused")
	tests := []struct {
		name string
		end  func() error
	}{
		{"fn returns an error", func() error { return fmt.Errorf("call next: %w", errDomain) }},
		{"fn panics", func() error { panic(errDomain) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, t.TempDir()+"/hall.db")
			before := appendEvents(t, s, 2)
			committed := false
			err := func() (err error) {
				defer func() {
					if p := recover(); p != nil {
						err = p.(error)
					}
				}()
				return s.Update(func(tx *Tx) error {
					tx.OnCommit(func() { committed = true })
					for range 3 {
						if _, err := tx.Append("test.event", baseTime, json.RawMessage(`{}`)); err != nil {
							return err
						}
					}
					if err := tx.Put(BucketIdempotency, []byte("k"), []byte("v")); err != nil {
						return err
					}
					if err := tx.PutSnapshot(5, []byte("state")); err != nil {
						return err
					}
					return tt.end()
				})
			}()
			if !errors.Is(err, errDomain) {
				t.Fatalf("Update: got error %v, want the fn's error", err)
			}
			if committed {
				t.Errorf("OnCommit ran for a failed Update")
			}
			if seq, hash := s.Head(); seq != 2 || hash != before[1].Hash {
				t.Errorf("Head: got (%d, %s), want (2, %s)", seq, hash, before[1].Hash)
			}
			if recs, err := s.EventsAfter(0, 0); err != nil || len(recs) != 2 {
				t.Errorf("EventsAfter: got %d events (%v), want 2", len(recs), err)
			}
			if seq, _, err := s.LatestSnapshot(); err != nil || seq != 0 {
				t.Errorf("LatestSnapshot: got %d (%v), want 0", seq, err)
			}
			err = s.View(func(tx *Tx) error {
				if v := tx.Get(BucketIdempotency, []byte("k")); v != nil {
					t.Errorf("private Put of a failed Update: got %q, want nothing", v)
				}
				if seq, _ := tx.Head(); seq != 2 {
					t.Errorf("View's Head: got %d, want 2", seq)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("View: %v", err)
			}
			// The next Update links to the last committed event.
			next := appendEvents(t, s, 1)
			if next[0].Seq != 3 || next[0].PrevHash != before[1].Hash {
				t.Errorf("next event: got seq %d prev %s, want 3 and %s", next[0].Seq, next[0].PrevHash, before[1].Hash)
			}
		})
	}
}

func TestReopenRestoresHead(t *testing.T) {
	path := t.TempDir() + "/hall.db"
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if seq, hash := s.Head(); seq != 0 || hash != eventlog.GenesisHash {
		t.Errorf("Head of a new store: got (%d, %s), want (0, genesis)", seq, hash)
	}
	recs := appendEvents(t, s, 4)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode: got %v, want 0600", got)
	}

	s = openTest(t, path)
	if seq, hash := s.Head(); seq != 4 || hash != recs[3].Hash {
		t.Errorf("Head after reopen: got (%d, %s), want (4, %s)", seq, hash, recs[3].Hash)
	}
	more := appendEvents(t, s, 1)
	if more[0].Seq != 5 || more[0].PrevHash != recs[3].Hash {
		t.Errorf("event after reopen: got seq %d prev %s, want 5 and %s", more[0].Seq, more[0].PrevHash, recs[3].Hash)
	}
}

func TestOpenLockedFile(t *testing.T) {
	path := t.TempDir() + "/hall.db"
	openTest(t, path)
	_, err := Open(path, Options{Timeout: 10 * time.Millisecond})
	if !errors.Is(err, bolt.ErrTimeout) || !strings.Contains(err.Error(), path) {
		t.Errorf("second Open: got %v, want a timeout naming the file", err)
	}
}

// Tamperings of an event that keep its layout, so only the chain can tell.
var tamperings = []struct {
	name string
	f    func(raw string) string
}{
	{"data digit", func(r string) string { return strings.Replace(r, `{"n":`, `{"n":1`, 1) }},
	{"time", func(r string) string { return strings.Replace(r, `T01:44:`, `T02:44:`, 1) }},
	{"type", func(r string) string { return strings.Replace(r, `test.event`, `test.evend`, 1) }},
	{"hash", func(r string) string { return r[:len(r)-3] + flipHex(r[len(r)-3]) + r[len(r)-2:] }},
	{"prev_hash", func(r string) string {
		i := strings.Index(r, `"prev_hash":"`) + len(`"prev_hash":"`)
		return r[:i] + flipHex(r[i]) + r[i+1:]
	}},
}

func TestVerifyDetectsTampering(t *testing.T) {
	for _, tt := range tamperings {
		t.Run(tt.name, func(t *testing.T) {
			path := t.TempDir() + "/hall.db"
			s := openTest(t, path)
			appendEvents(t, s, 8)
			if err := s.Update(func(tx *Tx) error { return tx.PutSnapshot(5, []byte("state")) }); err != nil {
				t.Fatalf("PutSnapshot: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// Event 3 is before the snapshot: Open checks only the tail.
			tamperEvent(t, path, 3, tt.f)
			s, err := Open(path, Options{NoSync: true})
			if err != nil {
				t.Fatalf("Open with a tampered event before the snapshot: %v", err)
			}
			defer s.Close()

			for _, r := range []struct{ from, to uint64 }{{0, 0}, {1, 8}, {3, 3}, {2, 4}} {
				err := s.Verify(r.from, r.to)
				var ce *eventlog.ChainError
				if !errors.As(err, &ce) || ce.Seq != 3 {
					t.Errorf("Verify(%d, %d): got %v, want a chain error at event 3", r.from, r.to, err)
				}
			}
			for _, r := range []struct{ from, to uint64 }{{1, 2}, {5, 0}, {6, 8}} {
				if err := s.Verify(r.from, r.to); err != nil {
					t.Errorf("Verify(%d, %d) of untouched events: %v", r.from, r.to, err)
				}
			}
			// A verifier holding the public log sees it too.
			recs, err := s.EventsAfter(0, 0)
			if err != nil {
				t.Fatalf("EventsAfter: %v", err)
			}
			raws := make([][]byte, len(recs))
			for i, r := range recs {
				raws[i] = r.Raw
			}
			_, err = eventlog.Verify(eventlog.GenesisHash, raws)
			var ce *eventlog.ChainError
			if !errors.As(err, &ce) || ce.Seq != 3 {
				t.Errorf("VerifyRecords: got %v, want a chain error at event 3", err)
			}
		})
	}
}

func TestVerifyRange(t *testing.T) {
	s := openTest(t, t.TempDir()+"/hall.db")
	if err := s.Verify(0, 0); err != nil {
		t.Errorf("Verify of an empty log: %v", err)
	}
	appendEvents(t, s, 3)
	if err := s.Verify(0, 4); !errors.Is(err, ErrNotFound) {
		t.Errorf("Verify past the head: got %v, want ErrNotFound", err)
	}
	if err := s.Verify(3, 2); !errors.Is(err, eventlog.ErrInvalid) {
		t.Errorf("Verify(3, 2): got %v, want eventlog.ErrInvalid", err)
	}
}

// TestOpenRefusesBrokenTail tampers with a closed store and opens it with
// VerifyAll, which recomputes the whole chain.
func TestOpenRefusesBrokenTail(t *testing.T) {
	type setup struct {
		name     string
		snapshot uint64 // 0 for none
		tamper   func(t *testing.T, path string)
		wantSeq  uint64 // chain error at this event, 0 for another error
		wantText string
	}
	var cases []setup
	for _, tt := range tamperings {
		cases = append(cases,
			setup{"no snapshot, " + tt.name, 0, func(t *testing.T, p string) { tamperEvent(t, p, 2, tt.f) }, 2, ""},
			setup{"after snapshot, " + tt.name, 4, func(t *testing.T, p string) { tamperEvent(t, p, 6, tt.f) }, 6, ""},
		)
	}
	cases = append(cases,
		setup{"event deleted", 0, func(t *testing.T, p string) {
			rawUpdate(t, p, func(tx *bolt.Tx) error { return tx.Bucket(BucketEvents).Delete(seqKey(4)) })
		}, 4, ""},
		setup{"last event deleted", 0, func(t *testing.T, p string) {
			rawUpdate(t, p, func(tx *bolt.Tx) error { return tx.Bucket(BucketEvents).Delete(seqKey(8)) })
		}, 0, "head names event 8 but the last stored event is 7"},
		setup{"head deleted", 0, func(t *testing.T, p string) {
			rawUpdate(t, p, func(tx *bolt.Tx) error { return tx.Bucket(BucketMeta).Delete(metaHead) })
		}, 0, "head names event 0 but the last stored event is 8"},
		setup{"head hash changed", 0, func(t *testing.T, p string) {
			rawUpdate(t, p, func(tx *bolt.Tx) error {
				v := append([]byte(nil), tx.Bucket(BucketMeta).Get(metaHead)...)
				v[20] ^= 1
				return tx.Bucket(BucketMeta).Put(metaHead, v)
			})
		}, 0, "differs from the hash"},
		setup{"snapshot after head", 0, func(t *testing.T, p string) {
			rawUpdate(t, p, func(tx *bolt.Tx) error { return tx.Bucket(BucketSnapshots).Put(seqKey(9), []byte("x")) })
		}, 0, "snapshot at event 9 is after the head 8"},
	)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			path := t.TempDir() + "/hall.db"
			s, err := Open(path, Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			appendEvents(t, s, 8)
			if tt.snapshot > 0 {
				if err := s.Update(func(tx *Tx) error { return tx.PutSnapshot(tt.snapshot, []byte("state")) }); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			tt.tamper(t, path)
			s, err = Open(path, Options{NoSync: true, VerifyAll: true})
			if err == nil {
				s.Close()
				t.Fatalf("Open of a broken store: got no error")
			}
			var ce *eventlog.ChainError
			if tt.wantSeq > 0 && (!errors.As(err, &ce) || ce.Seq != tt.wantSeq) {
				t.Errorf("Open: got %v, want a chain error at event %d", err, tt.wantSeq)
			}
			if tt.wantText != "" && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Open: got %v, want it to say %q", err, tt.wantText)
			}
			// Open released the file after failing.
			rawUpdate(t, path, func(*bolt.Tx) error { return nil })
		})
	}
}

func TestEventsAfter(t *testing.T) {
	s := openTest(t, t.TempDir()+"/hall.db")
	if recs, err := s.EventsAfter(0, 0); err != nil || len(recs) != 0 {
		t.Errorf("EventsAfter of an empty log: got %d events (%v), want none", len(recs), err)
	}
	appendEvents(t, s, 10)
	appendEvents(t, s, DefaultEventsLimit+5)
	head, _ := s.Head()
	tests := []struct {
		name      string
		after     uint64
		limit     int
		wantFirst uint64
		wantN     int
	}{
		{"first page", 0, 10, 1, 10},
		{"middle page", 7, 5, 8, 5},
		{"last page is short", head - 3, 10, head - 2, 3},
		{"at head", head, 10, 0, 0},
		{"after head", head + 10, 10, 0, 0},
		{"largest after", ^uint64(0), 10, 0, 0},
		{"default limit", 0, 0, 1, DefaultEventsLimit},
		{"negative limit", 3, -1, 4, DefaultEventsLimit},
		{"limit above default", 0, 2000, 1, int(head)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := s.EventsAfter(tt.after, tt.limit)
			if err != nil {
				t.Fatalf("EventsAfter: %v", err)
			}
			if len(recs) != tt.wantN {
				t.Fatalf("EventsAfter(%d, %d): got %d events, want %d", tt.after, tt.limit, len(recs), tt.wantN)
			}
			for i, r := range recs {
				if want := tt.wantFirst + uint64(i); r.Seq != want {
					t.Fatalf("event %d: got seq %d, want %d", i, r.Seq, want)
				}
				if want := fmt.Sprintf(`{"n":%d}`, r.Seq); string(r.Data) != want {
					t.Fatalf("event %d data: got %s, want %s", r.Seq, r.Data, want)
				}
			}
		})
	}
	// Records belong to the caller.
	recs, _ := s.EventsAfter(0, 1)
	recs[0].Raw[0] = 'X'
	if again, _ := s.Event(1); again.Raw[0] != '{' {
		t.Errorf("changing a returned Raw changed the store: got %q", again.Raw[:10])
	}
}

func TestEvent(t *testing.T) {
	s := openTest(t, t.TempDir()+"/hall.db")
	recs := appendEvents(t, s, 3)
	got, err := s.Event(2)
	if err != nil {
		t.Fatalf("Event(2): %v", err)
	}
	if string(got.Raw) != string(recs[1].Raw) || got.Hash != recs[1].Hash || got.PrevHash != recs[0].Hash {
		t.Errorf("Event(2): got %s, want %s", got.Raw, recs[1].Raw)
	}
	for _, seq := range []uint64{0, 4} {
		if _, err := s.Event(seq); !errors.Is(err, ErrNotFound) {
			t.Errorf("Event(%d): got %v, want ErrNotFound", seq, err)
		}
	}
}

func TestOnCommit(t *testing.T) {
	s := openTest(t, t.TempDir()+"/hall.db")
	var seen []uint64
	err := s.Update(func(tx *Tx) error {
		if _, err := tx.Append("test.event", baseTime, json.RawMessage(`{}`)); err != nil {
			return err
		}
		tx.OnCommit(func() {
			seq, _ := s.Head()
			seen = append(seen, seq)
		})
		if len(seen) != 0 {
			t.Errorf("OnCommit ran before the commit")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if len(seen) != 1 || seen[0] != 1 {
		t.Errorf("OnCommit saw heads %v, want [1]", seen)
	}
}

// TestConcurrentReadersAndWriter checks, under -race, that readers running
// while Updates commit only ever see committed, contiguous, verifiable
// events and a Head that they can read back.
func TestConcurrentReadersAndWriters(t *testing.T) {
	s := openTest(t, t.TempDir()+"/hall.db")
	const writers, updates, perUpdate = 3, 30, 4
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			for u := range updates {
				err := s.Update(func(tx *Tx) error {
					for range perUpdate {
						if _, err := tx.Append("test.event", baseTime, json.RawMessage(fmt.Sprintf(`{"writer":%d,"update":%d}`, w, u))); err != nil {
							return err
						}
					}
					return tx.Put(BucketIdempotency, fmt.Appendf(nil, "w%d/u%03d", w, u), []byte("done"))
				})
				if err != nil {
					t.Errorf("Update: %v", err)
					return
				}
			}
		})
	}
	var readers sync.WaitGroup
	for range 3 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				seq, hash := s.Head()
				recs, err := s.EventsAfter(0, 0)
				if err != nil {
					t.Errorf("EventsAfter: %v", err)
					return
				}
				if uint64(len(recs)) < seq {
					t.Errorf("Head %d but only %d events readable", seq, len(recs))
					return
				}
				if seq > 0 && recs[seq-1].Hash != hash {
					t.Errorf("Head hash %s differs from event %d's %s", hash, seq, recs[seq-1].Hash)
					return
				}
				if len(recs)%perUpdate != 0 {
					t.Errorf("read %d events: part of an Update is visible", len(recs))
					return
				}
				raws := make([][]byte, len(recs))
				for i, r := range recs {
					raws[i] = r.Raw
				}
				if _, err := eventlog.Verify(eventlog.GenesisHash, raws); err != nil {
					t.Errorf("VerifyRecords: %v", err)
					return
				}
				err = s.View(func(tx *Tx) error {
					n := 0
					if err := tx.ForEach(BucketIdempotency, []byte("w"), func(k, v []byte) error { n++; return nil }); err != nil {
						return err
					}
					if seq, _ := tx.Head(); seq != uint64(n*perUpdate) {
						t.Errorf("View sees head %d and %d updates of %d events", seq, n, perUpdate)
					}
					return nil
				})
				if err != nil {
					t.Errorf("View: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	if seq, _ := s.Head(); seq != writers*updates*perUpdate {
		t.Errorf("Head: got %d, want %d", seq, writers*updates*perUpdate)
	}
	if err := s.Verify(0, 0); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// TestEventKeys checks the bbolt layout outside programs rely on: 8-byte
// big-endian seqs mapping to the published bytes.
func TestEventKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hall.db")
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	recs := appendEvents(t, s, 300)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		i := 0
		return tx.Bucket(BucketEvents).ForEach(func(k, v []byte) error {
			if len(k) != 8 || binary.BigEndian.Uint64(k) != recs[i].Seq || string(v) != string(recs[i].Raw) {
				t.Errorf("entry %d: got key %x value %.30s, want seq %d", i, k, v, recs[i].Seq)
			}
			i++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}
