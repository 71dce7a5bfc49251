package store

import (
	"encoding/binary"
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
)

// readVerified returns the verified head the closed store at path remembers.
func readVerified(t *testing.T, path string) (seq uint64, ok bool) {
	t.Helper()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		if v := tx.Bucket(BucketMeta).Get(metaVerified); len(v) == 8 {
			seq, ok = binary.BigEndian.Uint64(v), true
		}
		return nil
	})
	return seq, ok
}

// TestOpenVerifiesAfterTheVerifiedHead checks that Open recomputes only the
// chain the file does not remember as verified, that a full verification
// (VerifyAll, Verify) still finds what was changed behind it, and that a file
// without the mark (of an earlier version) is verified from its latest
// snapshot and then remembers its head.
func TestOpenVerifiesAfterTheVerifiedHead(t *testing.T) {
	path := t.TempDir() + "/hall.db"
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, s, 8)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if seq, ok := readVerified(t, path); !ok || seq != 8 {
		t.Fatalf("verified head: got %d (%v), want 8", seq, ok)
	}

	tamperEvent(t, path, 3, tamperings[0].f)
	s, err = Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open after a change behind the verified head: %v", err)
	}
	var ce *eventlog.ChainError
	if err := s.Verify(0, 0); !errors.As(err, &ce) || ce.Seq != 3 {
		t.Errorf("Verify: got %v, want a chain error at event 3", err)
	}
	s.Close()
	if s, err := Open(path, Options{NoSync: true, VerifyAll: true}); !errors.As(err, &ce) || ce.Seq != 3 {
		if err == nil {
			s.Close()
		}
		t.Errorf("Open with VerifyAll: got %v, want a chain error at event 3", err)
	}

	// A file of an earlier version: no mark. Open verifies it all and marks it.
	rawUpdate(t, path, func(tx *bolt.Tx) error { return tx.Bucket(BucketMeta).Delete(metaVerified) })
	if _, err := Open(path, Options{NoSync: true}); !errors.As(err, &ce) || ce.Seq != 3 {
		t.Fatalf("Open without a verified head: got %v, want a chain error at event 3", err)
	}

	good := t.TempDir() + "/good.db"
	if s, err = Open(good, Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, s, 5)
	s.Close()
	rawUpdate(t, good, func(tx *bolt.Tx) error { return tx.Bucket(BucketMeta).Delete(metaVerified) })
	if s, err = Open(good, Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if seq, ok := readVerified(t, good); !ok || seq != 5 {
		t.Errorf("verified head after Open of an unmarked file: got %d (%v), want 5", seq, ok)
	}
}
