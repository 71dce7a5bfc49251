package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
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
	chain  *eventlog.Chain // encodes Append's events from the head, made on first use

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
func (tx *Tx) Append(typ string, at time.Time, data json.RawMessage) (eventlog.Record, error) {
	if err := tx.writable(); err != nil {
		return eventlog.Record{}, fmt.Errorf("store: append %s: %w", typ, err)
	}
	if tx.chain == nil {
		c, err := eventlog.NewChain(tx.seq, tx.hex)
		if err != nil {
			return eventlog.Record{}, fmt.Errorf("store: append %s: %w", typ, err)
		}
		tx.chain = c
	}
	r, err := tx.chain.Next(typ, at, data)
	if err != nil {
		return eventlog.Record{}, err
	}
	// bbolt keeps the value until the commit; the caller's copy is its own.
	if err := tx.events.Put(seqKey(r.Seq), bytes.Clone(r.Raw)); err != nil {
		tx.chain = nil
		return eventlog.Record{}, fmt.Errorf("store: append event %d: %w", r.Seq, err)
	}
	tx.seq, tx.raw, tx.hex = r.Seq, tx.chain.Sum(), r.Hash
	return r, nil
}

// Head returns the last event as seen inside the transaction, including its
// own appends: (0, eventlog.GenesisHash) when the log is empty.
func (tx *Tx) Head() (uint64, string) {
	if tx.events == nil && !tx.loaded && tx.btx != nil {
		h, err := readHead(tx.btx)
		if err != nil {
			h = genesis
		}
		tx.seq, tx.raw, tx.hex, tx.loaded = h.seq, h.raw, h.hex, true
	}
	if tx.hex == "" {
		return 0, eventlog.GenesisHash
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
	case bytes.Equal(b, BucketArchives):
		return errors.New("archives are listed only by the store")
	case bytes.Equal(b, BucketMeta) && (bytes.Equal(key, metaHead) || bytes.Equal(key, metaVerified)):
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
	return tx.PutSnapshotKeeping(seq, state, math.MaxUint64)
}

// PutRecords stores records made by an eventlog.Chain. The first must follow the head as
// seen inside the transaction and each the one before it (seq and prev_hash);
// otherwise nothing is stored and the error says which record does not link.
// The records' bytes are trusted to be an eventlog.Chain's output: their hashes are not
// recomputed here (Open and Verify do that).
func (tx *Tx) PutRecords(recs []eventlog.Record) error {
	if err := tx.writable(); err != nil {
		return fmt.Errorf("store: put records: %w", err)
	}
	seq, hexHash := tx.Head()
	for _, r := range recs {
		if r.Seq != seq+1 || r.PrevHash != hexHash || len(r.Hash) != len(eventlog.GenesisHash) {
			return fmt.Errorf("store: record %d does not follow %d (%.12s…): %w", r.Seq, seq, hexHash, eventlog.ErrBrokenChain)
		}
		seq, hexHash = r.Seq, r.Hash
	}
	for _, r := range recs {
		if err := tx.events.Put(seqKey(r.Seq), r.Raw); err != nil {
			return fmt.Errorf("store: put event %d: %w", r.Seq, err)
		}
	}
	if n := len(recs); n > 0 {
		last := recs[n-1]
		var raw [sha256.Size]byte
		if _, err := hex.Decode(raw[:], []byte(last.Hash)); err != nil {
			return fmt.Errorf("store: record %d hash: %w", last.Seq, err)
		}
		tx.seq, tx.raw, tx.hex, tx.chain = last.Seq, raw, last.Hash, nil
	}
	return nil
}
