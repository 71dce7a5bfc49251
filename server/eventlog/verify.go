package eventlog

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// Verifier checks a chain one event at a time: each event's layout, that its
// seq follows the one before, that its prev_hash is the hash before it, and
// its hash, recomputed. It holds only the head, so a log of any length is
// checked in constant memory. A Verifier is not safe for concurrent use.
type Verifier struct {
	next uint64 // expected seq, 0 when any is accepted
	prev [sha256.Size]byte
	hex  [hexLen]byte
	h    hash.Hash
	sum  [sha256.Size]byte // scratch
}

// NewVerifier returns a Verifier of the events that follow the event (seq,
// hash): (0, GenesisHash) for a log from its start, whose first event must
// then be seq 1. With seq 0 and another hash the first event's seq is taken
// as it comes, and only its link to hash is checked.
func NewVerifier(seq uint64, hash string) (*Verifier, error) {
	v := &Verifier{h: sha256.New()}
	if err := decodeHash(&v.prev, hash); err != nil {
		return nil, fmt.Errorf("eventlog: prev hash: %w", err)
	}
	copy(v.hex[:], hash)
	switch {
	case seq > 0:
		v.next = seq + 1
	case hash == GenesisHash:
		v.next = 1
	}
	return v, nil
}

// Head returns the last event verified, or the one the Verifier started
// after (its seq is 0 when unknown).
func (v *Verifier) Head() (seq uint64, hash string) {
	if v.next > 0 {
		seq = v.next - 1
	}
	return seq, string(v.hex[:])
}

// Sum returns the head's hash as its 32 raw bytes.
func (v *Verifier) Sum() [sha256.Size]byte { return v.prev }

// Next parses published bytes and verifies them as the next event, in one
// step, and advances the head. The Record's Raw is raw itself and Data a
// sub-slice of it. The error is a *ChainError naming the bad seq; on error
// the head is unchanged.
func (v *Verifier) Next(raw []byte) (Record, error) {
	f, err := parse(raw)
	if err != nil {
		return Record{}, &ChainError{Seq: v.next, Reason: err.Error()}
	}
	if err := v.link(f.seq, f.prevHash, f.hash, raw); err != nil {
		return Record{}, err
	}
	return f.record(raw), nil
}

// Add verifies a Record that Parse made as the next event and advances the
// head, without parsing it again. The error is a *ChainError naming the bad
// seq; on error the head is unchanged.
func (v *Verifier) Add(rec Record) error {
	if len(rec.Raw) < hashTailLen || len(rec.PrevHash) != hexLen || len(rec.Hash) != hexLen {
		return &ChainError{Seq: rec.Seq, Reason: "not a parsed record"}
	}
	return v.link(rec.Seq, []byte(rec.PrevHash), []byte(rec.Hash), rec.Raw)
}

// link checks that an event with the given seq, hashes and published bytes
// follows the head, and advances the head.
func (v *Verifier) link(seq uint64, prevHash, hash, raw []byte) error {
	if v.next != 0 && seq != v.next {
		return &ChainError{Seq: v.next, Reason: fmt.Sprintf("found seq %d", seq)}
	}
	if !bytes.Equal(prevHash, v.hex[:]) {
		return &ChainError{Seq: seq, Reason: fmt.Sprintf("prev_hash %s, want %s", prevHash, v.hex[:])}
	}
	h := v.h
	h.Reset()
	h.Write(v.prev[:])
	h.Write(raw[:len(raw)-hashTailLen])
	h.Write([]byte{'}'})
	sum := h.Sum(v.sum[:0])
	var want [hexLen]byte
	hex.Encode(want[:], sum)
	if !bytes.Equal(hash, want[:]) {
		return &ChainError{Seq: seq, Reason: fmt.Sprintf("hash %s, recomputed %s", hash, want[:])}
	}
	copy(v.prev[:], sum)
	v.hex, v.next = want, seq+1
	return nil
}

// Verify verifies published events that follow the event whose hash is
// prevHash (GenesisHash for a log from its start, whose first event must
// then be seq 1), as a Verifier does. It returns the hash of the last event
// (prevHash when raws is empty); the error is a *ChainError naming the first
// bad seq.
func Verify(prevHash string, raws [][]byte) (head string, err error) {
	v, err := NewVerifier(0, prevHash)
	if err != nil {
		return "", err
	}
	for _, raw := range raws {
		if _, err := v.Next(raw); err != nil {
			return "", err
		}
	}
	return string(v.hex[:]), nil
}

// MaxEventSize bounds the published bytes of one event that a Scanner reads.
const MaxEventSize = 1 << 20

// Scanner reads a log in JSON Lines, one event's published bytes per line as
// the server's /log.jsonl serves it, and verifies each event with a Verifier
// as it goes. It holds one line at a time, so a log of any length is read in
// constant memory. Use it like bufio.Scanner:
//
//	s := eventlog.NewScanner(r, v)
//	for s.Scan() {
//		rec := s.Record()
//		…
//	}
//	if err := s.Err(); err != nil { … }
type Scanner struct {
	sc   *bufio.Scanner
	v    *Verifier
	line int
	rec  Record
	err  error
}

// NewScanner returns a Scanner of the events in r, which follow the head v
// started from.
func NewScanner(r io.Reader, v *Verifier) *Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxEventSize+1)
	return &Scanner{sc: sc, v: v}
}

// Scan reads and verifies the next event. It returns false at the end of the
// input or at the first error, which Err then returns.
func (s *Scanner) Scan() bool {
	if s.err != nil {
		return false
	}
	if !s.sc.Scan() {
		s.err = s.sc.Err()
		if errors.Is(s.err, bufio.ErrTooLong) {
			s.err = fmt.Errorf("eventlog: line %d: longer than %d bytes: %w", s.line+1, MaxEventSize, ErrInvalid)
		}
		s.rec = Record{}
		return false
	}
	s.line++
	rec, err := s.v.Next(s.sc.Bytes())
	if err != nil {
		if rerr := s.sc.Err(); rerr != nil {
			err = rerr // the line was cut short by a read error
		}
		s.err = fmt.Errorf("eventlog: line %d: %w", s.line, err)
		s.rec = Record{}
		return false
	}
	s.rec = rec
	return true
}

// Record returns the event Scan read. Its Raw and Data are valid only until
// the next Scan; Record.Clone keeps them.
func (s *Scanner) Record() Record { return s.rec }

// Err returns the first error Scan met: an I/O error, a line too long, or a
// *ChainError (wrapped, naming the line) for an event that does not verify.
// It is nil at the end of a good input.
func (s *Scanner) Err() error { return s.err }

// Line returns the number of the line Scan read last, from 1.
func (s *Scanner) Line() int { return s.line }
