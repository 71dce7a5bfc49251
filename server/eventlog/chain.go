package eventlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// Chain encodes events one after another: it holds a head (seq and hash) and
// turns each event into the Record that follows it. The hall server's writer
// encodes every event with one, outside any transaction, and the store keeps
// the records it makes. A Chain is not safe for concurrent use.
type Chain struct {
	seq uint64
	raw [sha256.Size]byte
	hex string
}

// NewChain returns a Chain whose next record follows the event (seq, hash); use
// (0, GenesisHash) for an empty log.
func NewChain(seq uint64, hash string) (*Chain, error) {
	c := &Chain{seq: seq, hex: hash}
	if err := decodeHash(&c.raw, hash); err != nil {
		return nil, fmt.Errorf("eventlog: chain head: %w", err)
	}
	return c, nil
}

// decodeHash decodes a hash of 64 lower-case hex digits into dst.
func decodeHash(dst *[sha256.Size]byte, hash string) error {
	if len(hash) != hexLen || !isLowerHex([]byte(hash)) {
		return fmt.Errorf("hash %q: want 64 lower-case hex digits: %w", hash, ErrInvalid)
	}
	if _, err := hex.Decode(dst[:], []byte(hash)); err != nil {
		return fmt.Errorf("hash %q: %w", hash, err)
	}
	return nil
}

// Head returns the last record encoded, or the head the Chain started from.
func (c *Chain) Head() (uint64, string) { return c.seq, c.hex }

// Sum returns the head's hash as its 32 raw bytes.
func (c *Chain) Sum() [sha256.Size]byte { return c.raw }

// Next encodes the event that follows the head and advances the head. It
// checks the type (like ticket.issued), keeps the time in UTC to the
// millisecond and compacts the data, which must be a JSON object; on error
// the head is unchanged. The Record's Raw is newly allocated and Data a
// sub-slice of it.
func (c *Chain) Next(typ string, at time.Time, data json.RawMessage) (Record, error) {
	return c.next(typ, at, data, false)
}

// NextEncoded is Next for data that an encoder made: compact, valid JSON such
// as encoding/json's output, which is not checked again beyond being an object.
// The hallq engine, which makes every event, uses it; whoever reads the log
// back still parses every record.
func (c *Chain) NextEncoded(typ string, at time.Time, data []byte) (Record, error) {
	return c.next(typ, at, data, true)
}

func (c *Chain) next(typ string, at time.Time, data []byte, encoded bool) (Record, error) {
	if err := CheckType(typ); err != nil {
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

// encode appends the published bytes of one event to dst and returns them
// with the raw hash and the offset of the data in them. dst must have room
// for overhead+len(typ)+len(data) bytes beyond the 32 it uses at its start to
// hash the previous hash and the body together; data is compacted into
// place. The type and time must already be valid. With compact, data is
// taken to be compact, valid JSON and is not checked beyond being an object.
func encode(dst []byte, seq uint64, prev *[sha256.Size]byte, prevHex string, typ string, at time.Time, data []byte, compact bool) (pub []byte, sum [sha256.Size]byte, dataAt int, err error) {
	buf := append(dst[:0], prev[:]...)
	buf = append(buf, keySeq...)
	buf = appendUint(buf, seq)
	buf = append(buf, keyTime...)
	buf = appendTime(buf, at)
	buf = append(buf, keyType...)
	buf = append(buf, typ...)
	buf = append(buf, keyData...)
	dataAt = len(buf)
	if compact {
		buf = append(buf, data...)
	} else if buf, err = appendData(buf, data); err != nil {
		return nil, sum, 0, err
	}
	if len(buf) == dataAt || buf[dataAt] != '{' {
		return nil, sum, 0, fmt.Errorf("eventlog: data %.20q: not a JSON object: %w", data, ErrInvalid)
	}
	buf = append(buf, keyPrevHash...)
	buf = append(buf, prevHex...)
	buf = append(buf, keyEnd...)
	sum = sha256.Sum256(buf)
	buf = append(buf[:len(buf)-1], keyHash[1:]...)
	buf = hex.AppendEncode(buf, sum[:])
	buf = append(buf, keyEnd...)
	return buf[sha256.Size:], sum, dataAt - sha256.Size, nil
}

// appendData appends data in compact form, rejecting invalid JSON and
// invalid UTF-8.
func appendData(dst, data []byte) ([]byte, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("eventlog: data is empty: %w", ErrInvalid)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("eventlog: data is not valid UTF-8: %w", ErrInvalid)
	}
	if isCompact(data) {
		if !json.Valid(data) {
			return nil, fmt.Errorf("eventlog: data %.20q: not valid JSON: %w", data, ErrInvalid)
		}
		return append(dst, data...), nil
	}
	b := bytes.NewBuffer(dst)
	if err := json.Compact(b, data); err != nil {
		return nil, fmt.Errorf("eventlog: data %.20q: %w: %w", data, err, ErrInvalid)
	}
	return b.Bytes(), nil
}

// appendTime appends at (UTC, year 1 to 9999) in TimeLayout, as
// at.AppendFormat(dst, TimeLayout) does but without parsing the layout.
func appendTime(dst []byte, at time.Time) []byte {
	y, mo, d := at.Date()
	h, mi, s := at.Clock()
	ms := at.Nanosecond() / int(time.Millisecond)
	return append(dst,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+mo/10), byte('0'+mo%10), '-',
		byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':',
		byte('0'+mi/10), byte('0'+mi%10), ':',
		byte('0'+s/10), byte('0'+s%10), '.',
		byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}

// appendUint appends n in decimal.
func appendUint(dst []byte, n uint64) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(dst, tmp[i:]...)
}

// checkTime returns at in UTC, truncated to the millisecond as published.
func checkTime(at time.Time) (time.Time, error) {
	if at.IsZero() {
		return time.Time{}, fmt.Errorf("eventlog: event time is zero: %w", ErrInvalid)
	}
	at = at.UTC().Truncate(time.Millisecond)
	if y := at.Year(); y < 1 || y > 9999 {
		return time.Time{}, fmt.Errorf("eventlog: event time %v: year out of range: %w", at, ErrInvalid)
	}
	return at, nil
}
