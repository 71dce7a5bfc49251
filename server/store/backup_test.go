package store

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hallq/server/eventlog"
)

var backupTime = time.Date(2026, 11, 22, 1, 44, 10, 0, time.UTC)

// TestBackupWhileCommitting takes backups while batches are journaled and
// committed, restores each into a fresh directory and checks that the copy
// opens, verifies in full and holds every event committed before the backup
// began.
func TestBackupWhileCommitting(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "hallq.db"), Options{NoSync: true, Journal: true, JournalSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 400 {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			seq, hash := s.Head()
			ch, err := eventlog.NewChain(seq, hash)
			if err != nil {
				t.Error(err)
				return
			}
			var recs []eventlog.Record
			for range 20 {
				r, err := ch.Next("test.event", backupTime, ticketData)
				if err != nil {
					t.Error(err)
					return
				}
				recs = append(recs, r)
			}
			if err := s.Commit(&Batch{Records: recs, Writes: []Write{{Bucket: BucketIdempotency, Key: []byte(recs[0].Hash), Value: []byte("v")}}}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for i := range 3 {
		before, _ := s.Head()
		bdir := filepath.Join(t.TempDir(), "backup")
		got, err := s.Backup(bdir)
		if err != nil {
			t.Fatal(err)
		}
		if got < before {
			t.Fatalf("backup %d holds events up to %d, want at least %d (committed before it began)", i, got, before)
		}
		// Restore: the copy alone, no journal, in a new data directory.
		restored := filepath.Join(t.TempDir(), "hallq.db")
		if err := os.Rename(filepath.Join(bdir, BackupName), restored); err != nil {
			t.Fatal(err)
		}
		r, err := Open(restored, Options{NoSync: true, Journal: true, VerifyAll: true})
		if err != nil {
			t.Fatalf("open restored backup %d: %v", i, err)
		}
		if seq, _ := r.Head(); seq != got {
			t.Errorf("restored backup %d: head %d, want %d", i, seq, got)
		}
		for seq := uint64(1); seq <= got; seq += 97 {
			want, err := s.Event(seq)
			if err != nil {
				t.Fatal(err)
			}
			have, err := r.Event(seq)
			if err != nil || string(have.Raw) != string(want.Raw) {
				t.Fatalf("restored backup %d: event %d is %q (%v), want %q", i, seq, have.Raw, err, want.Raw)
			}
		}
		// The restored store takes commits after what it holds.
		seq, hash := r.Head()
		ch, _ := eventlog.NewChain(seq, hash)
		rec, err := ch.Next("test.event", backupTime, ticketData)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Commit(&Batch{Records: []eventlog.Record{rec}}); err != nil {
			t.Fatalf("commit to restored backup %d: %v", i, err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}
