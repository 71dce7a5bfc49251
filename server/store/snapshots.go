package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
)

// Snapshots returns the seqs of the stored projection snapshots, latest
// first.
func (s *Store) Snapshots() ([]uint64, error) {
	if err := s.flush(); err != nil {
		return nil, err
	}
	var seqs []uint64
	err := s.db.View(func(btx *bolt.Tx) error {
		c := btx.Bucket(BucketSnapshots).Cursor()
		for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			seqs = append(seqs, binary.BigEndian.Uint64(k))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: snapshots: %w", err)
	}
	return seqs, nil
}

// Snapshot returns a copy of the snapshot taken at seq, or an error
// wrapping ErrNotFound.
func (s *Store) Snapshot(seq uint64) ([]byte, error) {
	var data []byte
	err := s.ReadSnapshots(func(get func(uint64) ([]byte, error)) error {
		v, err := get(seq)
		data = bytes.Clone(v)
		return err
	})
	return data, err
}

// ReadSnapshots runs fn with get, which returns the snapshot taken at a seq
// (or an error wrapping ErrNotFound) in place: its bytes are valid only
// until fn returns, so that a busy day's snapshots are decoded without a
// copy of them. fn runs in a read transaction; it must not write.
func (s *Store) ReadSnapshots(fn func(get func(seq uint64) ([]byte, error)) error) error {
	if err := s.flush(); err != nil {
		return err
	}
	return s.db.View(func(btx *bolt.Tx) error {
		b := btx.Bucket(BucketSnapshots)
		return fn(func(seq uint64) ([]byte, error) {
			if v := b.Get(seqKey(seq)); v != nil {
				return v, nil
			}
			return nil, fmt.Errorf("store: snapshot at %d: %w", seq, ErrNotFound)
		})
	})
}

// PutSnapshotKeeping stores a projection snapshot taken at event seq, as
// PutSnapshot does, and prunes the snapshots taken before keepFrom that are
// not among the SnapshotsKept latest: a snapshot that holds only what
// changed since an earlier one needs that one kept.
func (tx *Tx) PutSnapshotKeeping(seq uint64, state []byte, keepFrom uint64) error {
	if err := tx.writable(); err != nil {
		return fmt.Errorf("store: snapshot at %d: %w", seq, err)
	}
	if seq == 0 || seq > tx.seq {
		return fmt.Errorf("store: snapshot at %d: want 1..%d (the head): %w", seq, tx.seq, eventlog.ErrInvalid)
	}
	b := tx.btx.Bucket(BucketSnapshots)
	if err := b.Put(seqKey(seq), bytes.Clone(state)); err != nil {
		return fmt.Errorf("store: snapshot at %d: %w", seq, err)
	}
	var old [][]byte
	c := b.Cursor()
	kept := 0
	for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
		if kept++; kept > SnapshotsKept && binary.BigEndian.Uint64(k) < keepFrom {
			old = append(old, bytes.Clone(k))
		}
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("store: prune snapshot %d: %w", binary.BigEndian.Uint64(k), err)
		}
	}
	return nil
}
