package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
)

// Verify recomputes the chain of the committed events from..to (from 0 is
// 1, to 0 is the head) against their stored prev_hash and hash, taking the
// hash of event from-1 as given. The error is a *eventlog.ChainError naming the
// first bad event, or wraps ErrNotFound when to is after the head.
func (s *Store) Verify(from, to uint64) error {
	if err := s.flush(); err != nil {
		return err
	}
	err := s.db.View(func(btx *bolt.Tx) error {
		h, err := readHead(btx)
		if err != nil {
			return err
		}
		if from == 0 {
			from = 1
		}
		if to == 0 {
			to = h.seq
		}
		if to > h.seq {
			return fmt.Errorf("event %d is after the head %d: %w", to, h.seq, ErrNotFound)
		}
		if from > to {
			if from == 1 && to == 0 {
				return nil
			}
			return fmt.Errorf("range %d..%d is empty: %w", from, to, eventlog.ErrInvalid)
		}
		return s.verify(btx, from, to)
	})
	if err != nil {
		return fmt.Errorf("store: verify: %w", err)
	}
	return nil
}

// verify recomputes the chain of events from..to (1 <= from <= to), taking
// the stored hash of event from-1 as given, through the archives that hold
// some of them and then the file.
func (s *Store) verify(btx *bolt.Tx, from, to uint64) error {
	done, hash := archivedHead(s.archiveList())
	if from <= done {
		if err := s.verifyArchives(from); err != nil {
			return err
		}
		from = done + 1
	}
	if from > to {
		return nil
	}
	if from-1 == done {
		return verifyFrom(btx, from, to, hash)
	}
	return verifyFrom(btx, from, to, "")
}

// verifyFrom recomputes the chain of events from..to of the file, taking
// prev as the hash of event from-1, or its stored hash when prev is "".
func verifyFrom(btx *bolt.Tx, from, to uint64, prev string) error {
	b := btx.Bucket(BucketEvents)
	if prev == "" {
		prev = eventlog.GenesisHash
	}
	if from > 1 && prev == eventlog.GenesisHash {
		v := b.Get(seqKey(from - 1))
		if v == nil {
			return &eventlog.ChainError{Seq: from - 1, Reason: "missing"}
		}
		rec, err := eventlog.Parse(v)
		if err != nil {
			return &eventlog.ChainError{Seq: from - 1, Reason: err.Error()}
		}
		prev = rec.Hash
	}
	ch, err := eventlog.NewVerifier(from-1, prev)
	if err != nil {
		return err
	}
	c := b.Cursor()
	k, v := c.Seek(seqKey(from))
	for seq := from; seq <= to; seq++ {
		if k == nil || binary.BigEndian.Uint64(k) != seq {
			return &eventlog.ChainError{Seq: seq, Reason: "missing"}
		}
		if _, err := ch.Next(v); err != nil {
			return err
		}
		k, v = c.Next()
	}
	return nil
}
