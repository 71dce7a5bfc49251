package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Chain encodes events ahead of the log, outside any transaction: it holds a head
// (seq and hash) and turns each event into the Record that follows it, exactly as
// Tx.Append would. A writer that prepares the next batch while the previous one
// is being committed encodes with a Chain and stores the records with
// Tx.PutRecords. A Chain is not safe for concurrent use.
type Chain struct {
	seq uint64
	raw [sha256.Size]byte
	hex string
}

// NewChain returns a Chain whose next record follows the event (seq, hash); use
// (0, GenesisHash) for an empty log.
func NewChain(seq uint64, hash string) (*Chain, error) {
	c := &Chain{seq: seq, hex: hash}
	if len(hash) != hexLen || !isLowerHex([]byte(hash)) {
		return nil, fmt.Errorf("store: chain head %q: want 64 lower-case hex digits: %w", hash, ErrInvalid)
	}
	if _, err := hex.Decode(c.raw[:], []byte(hash)); err != nil {
		return nil, fmt.Errorf("store: chain head %q: %w", hash, err)
	}
	return c, nil
}

// Head returns the last record encoded, or the head the Chain started from.
func (c *Chain) Head() (uint64, string) { return c.seq, c.hex }

// Next encodes the event that follows the head and advances the head. It
// validates like Tx.Append; on error the head is unchanged.
func (c *Chain) Next(typ string, at time.Time, data json.RawMessage) (Record, error) {
	return c.next(typ, at, data, false)
}

// NextEncoded is Next for data that an encoder made: compact, valid JSON such
// as encoding/json's output, which is not checked again beyond being an object.
// The hallq engine, which makes every event, uses it; Open and Verify still
// parse every stored record.
func (c *Chain) NextEncoded(typ string, at time.Time, data []byte) (Record, error) {
	return c.next(typ, at, data, true)
}

func (c *Chain) next(typ string, at time.Time, data []byte, encoded bool) (Record, error) {
	if err := checkType(typ); err != nil {
		return Record{}, err
	}
	at, err := checkTime(at)
	if err != nil {
		return Record{}, err
	}
	seq := c.seq + 1
	n := sha256.Size + overhead + len(typ) + len(data)
	pub, sum, dataAt, err := encode(make([]byte, 0, n), seq, &c.raw, c.hex, typ, at, data, encoded)
	if err != nil {
		return Record{}, err
	}
	dataEnd := len(pub) - tailLen
	h := string(pub[len(pub)-len(keyEnd)-hexLen : len(pub)-len(keyEnd)])
	r := Record{
		Seq: seq, Time: at, Type: typ,
		Data:     json.RawMessage(pub[dataAt:dataEnd:dataEnd]),
		PrevHash: c.hex, Hash: h, Raw: pub,
	}
	c.seq, c.raw, c.hex = seq, sum, h
	return r, nil
}

// PutRecords stores records made by a Chain. The first must follow the head as
// seen inside the transaction and each the one before it (seq and prev_hash);
// otherwise nothing is stored and the error says which record does not link.
// The records' bytes are trusted to be a Chain's output: their hashes are not
// recomputed here (Open and Verify do that).
func (tx *Tx) PutRecords(recs []Record) error {
	if err := tx.writable(); err != nil {
		return fmt.Errorf("store: put records: %w", err)
	}
	seq, hexHash := tx.Head()
	for _, r := range recs {
		if r.Seq != seq+1 || r.PrevHash != hexHash || len(r.Hash) != hexLen {
			return fmt.Errorf("store: record %d does not follow %d (%.12s…): %w", r.Seq, seq, hexHash, ErrBrokenChain)
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
		tx.seq, tx.raw, tx.hex = last.Seq, raw, last.Hash
	}
	return nil
}
