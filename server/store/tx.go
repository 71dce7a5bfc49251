package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// errClosed is returned by a Tx used after its function returned.
var errClosed = errors.New("transaction is closed")

// errReadOnly is returned by writes on a View's Tx.
var errReadOnly = errors.New("read-only transaction")

// Tx is one transaction of the store, given to the function passed to
// Update or View and valid only until it returns. It is not safe for
// concurrent use.
type Tx struct {
	btx    *bolt.Tx
	events *bolt.Bucket // nil in a read-only Tx

	// The head as seen inside the transaction. In a read-only Tx it is read
	// from BucketMeta on first use (loaded).
	seq    uint64
	raw    [sha256.Size]byte
	hex    string
	loaded bool

	onCommit []func()
}

// close makes every later use of tx fail.
func (tx *Tx) close() { tx.btx, tx.events = nil, nil }

// writable returns an error unless tx can write.
func (tx *Tx) writable() error {
	switch {
	case tx.btx == nil:
		return errClosed
	case tx.events == nil:
		return errReadOnly
	}
	return nil
}

// Append adds the next event to the log: it validates the type (like
// ticket.issued), the time (kept in UTC to the millisecond) and the data (a
// JSON object, compacted), links it to the head as seen inside the
// transaction (including earlier appends) and stores its published bytes.
// The returned Record, including Raw, belongs to the caller. On error the
// transaction's log is unchanged.
func (tx *Tx) Append(typ string, at time.Time, data json.RawMessage) (Record, error) {
	if err := tx.writable(); err != nil {
		return Record{}, fmt.Errorf("store: append %s: %w", typ, err)
	}
	if err := checkType(typ); err != nil {
		return Record{}, err
	}
	at, err := checkTime(at)
	if err != nil {
		return Record{}, err
	}
	seq := tx.seq + 1
	// One allocation holds the hash input (previous raw hash and body, whose
	// published form bbolt keeps until commit) and the caller's copy.
	n := sha256.Size + overhead + len(typ) + len(data)
	mem := make([]byte, 2*n)
	pub, sum, dataAt, err := encode(mem[:0:n], seq, &tx.raw, tx.hex, typ, at, data, false)
	if err != nil {
		return Record{}, err
	}
	if err := tx.events.Put(seqKey(seq), pub); err != nil {
		return Record{}, fmt.Errorf("store: append event %d: %w", seq, err)
	}
	raw := mem[n : n+len(pub) : n+len(pub)]
	copy(raw, pub)
	dataEnd := len(raw) - tailLen
	r := Record{
		Seq:      seq,
		Time:     at,
		Type:     typ,
		Data:     json.RawMessage(raw[dataAt:dataEnd:dataEnd]),
		PrevHash: tx.hex,
		Raw:      raw,
	}
	tx.seq, tx.raw = seq, sum
	tx.hex = string(raw[len(raw)-len(keyEnd)-hexLen : len(raw)-len(keyEnd)])
	r.Hash = tx.hex
	return r, nil
}

// Head returns the last event as seen inside the transaction, including its
// own appends: (0, GenesisHash) when the log is empty.
func (tx *Tx) Head() (uint64, string) {
	if tx.events == nil && !tx.loaded && tx.btx != nil {
		h, err := readHead(tx.btx)
		if err != nil {
			h = genesis
		}
		tx.seq, tx.raw, tx.hex, tx.loaded = h.seq, h.raw, h.hex, true
	}
	if tx.hex == "" {
		return 0, GenesisHash
	}
	return tx.seq, tx.hex
}

// OnCommit registers f to run after the transaction has committed and the
// store's Head has advanced, in commit order and before the next Update
// starts. f must be quick and must not call Update. It is never run when the
// transaction does not commit, nor for a View.
func (tx *Tx) OnCommit(f func()) {
	tx.onCommit = append(tx.onCommit, f)
}

// bucket returns the bbolt bucket b.
func (tx *Tx) bucket(b Bucket) (*bolt.Bucket, error) {
	if tx.btx == nil {
		return nil, errClosed
	}
	bb := tx.btx.Bucket(b)
	if bb == nil {
		return nil, fmt.Errorf("bucket %q: %w", b, ErrNotFound)
	}
	return bb, nil
}

// Get returns a copy of the value of key in bucket b, nil if absent.
func (tx *Tx) Get(b Bucket, key []byte) []byte {
	bb, err := tx.bucket(b)
	if err != nil {
		return nil
	}
	v := bb.Get(key)
	if v == nil {
		return nil
	}
	return bytes.Clone(v)
}

// reserved returns an error if the caller may not write key in bucket b:
// events are written by Append, snapshots by PutSnapshot, and the head and
// the journal's position by the store.
func reserved(b Bucket, key []byte) error {
	switch {
	case bytes.Equal(b, BucketEvents):
		return errors.New("events are written only by Append, PutRecords and Commit")
	case bytes.Equal(b, BucketSnapshots):
		return errors.New("snapshots are written only by PutSnapshot")
	case bytes.Equal(b, BucketMeta) && bytes.Equal(key, metaHead):
		return errors.New("the head is written only by the store")
	case bytes.Equal(b, BucketMeta) && bytes.Equal(key, metaJournal):
		return errors.New("the journal's position is written only by the store")
	}
	return nil
}

// Put sets key to a copy of value in bucket b. It refuses BucketEvents,
// BucketSnapshots and the store's own keys in BucketMeta.
func (tx *Tx) Put(b Bucket, key, value []byte) error {
	if err := tx.writable(); err != nil {
		return fmt.Errorf("store: put into %s: %w", b, err)
	}
	if err := reserved(b, key); err != nil {
		return fmt.Errorf("store: put into %s: %w", b, err)
	}
	bb, err := tx.bucket(b)
	if err != nil {
		return fmt.Errorf("store: put into %s: %w", b, err)
	}
	if err := bb.Put(key, bytes.Clone(value)); err != nil {
		return fmt.Errorf("store: put into %s: %w", b, err)
	}
	return nil
}

// Delete removes key from bucket b; deleting an absent key is not an error.
// Like Put, it refuses the buckets and keys the store writes itself.
func (tx *Tx) Delete(b Bucket, key []byte) error {
	if err := tx.writable(); err != nil {
		return fmt.Errorf("store: delete from %s: %w", b, err)
	}
	if err := reserved(b, key); err != nil {
		return fmt.Errorf("store: delete from %s: %w", b, err)
	}
	bb, err := tx.bucket(b)
	if err != nil {
		return fmt.Errorf("store: delete from %s: %w", b, err)
	}
	if err := bb.Delete(key); err != nil {
		return fmt.Errorf("store: delete from %s: %w", b, err)
	}
	return nil
}

// ForEach calls fn for each key of bucket b that starts with prefix (all
// keys when prefix is empty), in key order, stopping at fn's first error,
// which it returns. k and v are valid only during fn; fn must not write to
// b.
func (tx *Tx) ForEach(b Bucket, prefix []byte, fn func(k, v []byte) error) error {
	bb, err := tx.bucket(b)
	if err != nil {
		return fmt.Errorf("store: scan %s: %w", b, err)
	}
	c := bb.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// PutSnapshot stores a projection snapshot taken at event seq (not after
// the transaction's head) and prunes all but the SnapshotsKept latest.
func (tx *Tx) PutSnapshot(seq uint64, state []byte) error {
	if err := tx.writable(); err != nil {
		return fmt.Errorf("store: snapshot at %d: %w", seq, err)
	}
	if seq == 0 || seq > tx.seq {
		return fmt.Errorf("store: snapshot at %d: want 1..%d (the head): %w", seq, tx.seq, ErrInvalid)
	}
	b := tx.btx.Bucket(BucketSnapshots)
	if err := b.Put(seqKey(seq), bytes.Clone(state)); err != nil {
		return fmt.Errorf("store: snapshot at %d: %w", seq, err)
	}
	var old [][]byte
	c := b.Cursor()
	kept := 0
	for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
		if kept++; kept > SnapshotsKept {
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
