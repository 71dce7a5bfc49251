package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestZeroTail: with fsync on, the file past bbolt's last page is written with
// zeros ahead of the commits, and neither the tail nor its writer disturbs the
// log: it reopens with its chain intact and takes more events.
func TestZeroTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hall.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 22, 1, 44, 10, 0, time.UTC)
	appendSome := func(s *Store, n int) {
		t.Helper()
		for range n {
			err := s.Update(func(tx *Tx) error {
				for range 40 {
					if _, err := tx.Append("ticket.issued", at, ticketData); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	appendSome(s, 50)
	// The writer works in the background; wait (a liveness bound, not a
	// speed target) until the tail reaches zeroAhead past the last page.
	var end int64
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := s.db.View(func(btx *bolt.Tx) error { end = btx.Size(); return nil }); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() >= end+zeroAhead {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("file is %d bytes, last page ends at %d: the tail was not written", fi.Size(), end)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if tail := raw[end:]; len(tail) < zeroAhead || !bytes.Equal(tail, make([]byte, len(tail))) {
		t.Fatalf("tail of %d bytes past %d is not all zeros", len(tail), end)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	appendSome(s, 5)
	if err := s.Verify(1, 0); err != nil {
		t.Fatal(err)
	}
	if seq, _ := s.Head(); seq != 55*40 {
		t.Fatalf("head %d, want %d", seq, 55*40)
	}
}
