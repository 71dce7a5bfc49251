package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"time"
	"unicode/utf8"
)

// GenesisHash is the prev_hash of event 1: 64 zeros.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeLayout is the layout of an event's time: UTC, RFC 3339 with exactly
// three fractional digits.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// ErrNotFound is returned, wrapped, when an event or another record does not
// exist.
var ErrNotFound = errors.New("store: not found")

// ErrInvalid is returned, wrapped, when an event cannot be appended (bad
// type, time or data) or published bytes do not follow the layout.
var ErrInvalid = errors.New("store: invalid")

// ErrBrokenChain is returned, wrapped in a *ChainError, when the hash chain
// does not verify.
var ErrBrokenChain = errors.New("store: broken chain")

// ChainError reports the first event at which a chain failed to verify.
type ChainError struct {
	// Seq is the number of the first bad event.
	Seq uint64
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *ChainError) Error() string {
	return fmt.Sprintf("store: chain broken at event %d: %s", e.Seq, e.Reason)
}

// Unwrap makes errors.Is(err, ErrBrokenChain) true.
func (e *ChainError) Unwrap() error { return ErrBrokenChain }

// Record is one event of the public log: its exact published bytes and the
// fields parsed from them.
type Record struct {
	// Seq is the event's number, from 1 without gaps.
	Seq uint64
	// Time is when the event happened, in UTC to the millisecond.
	Time time.Time
	// Type is the event type, like ticket.issued.
	Type string
	// Data is the event's data, a compact JSON object and a sub-slice of Raw.
	Data json.RawMessage
	// PrevHash is the hash of event Seq-1 (GenesisHash for event 1).
	PrevHash string
	// Hash is the event's hash, which the next event links to.
	Hash string
	// Raw is the exact published bytes.
	Raw []byte
}

// Fixed pieces of the layout.
const (
	keySeq      = `{"seq":`
	keyTime     = `,"time":"`
	keyType     = `","type":"`
	keyData     = `","data":`
	keyPrevHash = `,"prev_hash":"`
	keyHash     = `","hash":"`
	keyEnd      = `"}`

	hexLen  = 2 * sha256.Size
	timeLen = len(TimeLayout)

	// tailLen is the length of everything after the data.
	tailLen = len(keyPrevHash) + hexLen + len(keyHash) + hexLen + len(keyEnd)
	// hashTailLen is the length of `,"hash":"<64 hex>"}`, which published
	// bytes have in place of the body's final "}".
	hashTailLen = len(keyHash) - 1 + hexLen + len(keyEnd)
	// overhead bounds the length of published bytes minus type and data.
	overhead = len(keySeq) + 20 + len(keyTime) + timeLen + len(keyType) +
		len(keyData) + tailLen
)

// encode appends the published bytes of one event to dst and returns them
// with the raw hash and the offset of the data in them. dst must have room for overhead+len(typ)+len(data)
// bytes beyond the 32 it uses at its start to hash the previous hash and the
// body together; data is compacted into place. The type and time must
// already be valid. With compact, data is taken to be compact, valid JSON
// and is not checked beyond being an object.
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
		return nil, sum, 0, fmt.Errorf("store: data %.20q: not a JSON object: %w", data, ErrInvalid)
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
		return nil, fmt.Errorf("store: data is empty: %w", ErrInvalid)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("store: data is not valid UTF-8: %w", ErrInvalid)
	}
	if isCompact(data) {
		if !json.Valid(data) {
			return nil, fmt.Errorf("store: data %.20q: not valid JSON: %w", data, ErrInvalid)
		}
		return append(dst, data...), nil
	}
	b := bytes.NewBuffer(dst)
	if err := json.Compact(b, data); err != nil {
		return nil, fmt.Errorf("store: data %.20q: %w: %w", data, err, ErrInvalid)
	}
	return b.Bytes(), nil
}

// isCompact reports whether data has no white space outside strings. It
// assumes nothing of validity.
func isCompact(data []byte) bool {
	in := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case in && c == '\\':
			i++
		case c == '"':
			in = !in
		case !in && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return true
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

// checkType reports whether typ matches ^[a-z][a-z_]*(\.[a-z_]+)+$.
func checkType(typ string) error {
	dots, seg := 0, 0
	for i := 0; i < len(typ); i++ {
		c := typ[i]
		switch {
		case c >= 'a' && c <= 'z':
			seg++
		case c == '_' && i > 0:
			seg++
		case c == '.' && seg > 0:
			dots++
			seg = 0
		default:
			return fmt.Errorf("store: event type %q: want lower-case dotted words like ticket.issued: %w", typ, ErrInvalid)
		}
	}
	if dots == 0 || seg == 0 {
		return fmt.Errorf("store: event type %q: want lower-case dotted words like ticket.issued: %w", typ, ErrInvalid)
	}
	return nil
}

// checkTime returns at in UTC, truncated to the millisecond as published.
func checkTime(at time.Time) (time.Time, error) {
	if at.IsZero() {
		return time.Time{}, fmt.Errorf("store: event time is zero: %w", ErrInvalid)
	}
	at = at.UTC().Truncate(time.Millisecond)
	if y := at.Year(); y < 1 || y > 9999 {
		return time.Time{}, fmt.Errorf("store: event time %v: year out of range: %w", at, ErrInvalid)
	}
	return at, nil
}

// fields are the parts of published bytes, as sub-slices of them.
type fields struct {
	seq      uint64
	time     time.Time
	typ      []byte
	data     []byte
	prevHash []byte // 64 hex
	hash     []byte // 64 hex
}

// parse checks the layout of published bytes and splits them into fields. It
// does not check the hash.
func parse(raw []byte) (fields, error) {
	var f fields
	bad := func(what string) (fields, error) {
		return fields{}, fmt.Errorf("store: published event %.40q: %s: %w", raw, what, ErrInvalid)
	}
	p, ok := bytes.CutPrefix(raw, []byte(keySeq))
	if !ok {
		return bad(`want it to start with {"seq":`)
	}
	n := 0
	for n < len(p) && p[n] >= '0' && p[n] <= '9' {
		if n == 20 || f.seq > (1<<64-1-uint64(p[n]-'0'))/10 {
			return bad("seq overflows")
		}
		f.seq = f.seq*10 + uint64(p[n]-'0')
		n++
	}
	if n == 0 || f.seq == 0 || p[0] == '0' {
		return bad("seq is not a positive decimal without leading zeros")
	}
	if p, ok = bytes.CutPrefix(p[n:], []byte(keyTime)); !ok || len(p) < timeLen {
		return bad("want time after seq")
	}
	t, err := time.Parse(TimeLayout, string(p[:timeLen]))
	if err != nil {
		return bad(fmt.Sprintf("time: %v", err))
	}
	f.time = t
	if p, ok = bytes.CutPrefix(p[timeLen:], []byte(keyType)); !ok {
		return bad("want type after time")
	}
	end := bytes.IndexByte(p, '"')
	if end < 0 {
		return bad("type is not terminated")
	}
	f.typ = p[:end]
	if err := checkType(string(f.typ)); err != nil {
		return bad(err.Error())
	}
	if p, ok = bytes.CutPrefix(p[end:], []byte(keyData)); !ok {
		return bad("want data after type")
	}
	if len(p) < tailLen+2 {
		return bad("too short")
	}
	f.data, p = p[:len(p)-tailLen], p[len(p)-tailLen:]
	if f.data[0] != '{' || !isCompact(f.data) || !utf8.Valid(f.data) || !json.Valid(f.data) {
		return bad("data is not a compact JSON object")
	}
	if p, ok = bytes.CutPrefix(p, []byte(keyPrevHash)); !ok {
		return bad("want prev_hash after data")
	}
	f.prevHash, p = p[:hexLen], p[hexLen:]
	if p, ok = bytes.CutPrefix(p, []byte(keyHash)); !ok {
		return bad("want hash after prev_hash")
	}
	f.hash, p = p[:hexLen], p[hexLen:]
	if !bytes.Equal(p, []byte(keyEnd)) || !isLowerHex(f.prevHash) || !isLowerHex(f.hash) {
		return bad("hashes are not 64 lower-case hex digits")
	}
	return f, nil
}

// isLowerHex reports whether b is lower-case hex.
func isLowerHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ParseRecord parses published bytes, checking their layout: keys, order,
// seq, time, type, compact object data and hex hashes. It cannot check the
// hash, which needs the previous event; VerifyRecords does. The Record's Raw
// is raw itself and Data a sub-slice of it.
func ParseRecord(raw []byte) (Record, error) {
	f, err := parse(raw)
	if err != nil {
		return Record{}, err
	}
	return f.record(raw), nil
}

// record builds the Record of raw from its fields.
func (f *fields) record(raw []byte) Record {
	return Record{
		Seq:      f.seq,
		Time:     f.time,
		Type:     string(f.typ),
		Data:     json.RawMessage(f.data[:len(f.data):len(f.data)]),
		PrevHash: string(f.prevHash),
		Hash:     string(f.hash),
		Raw:      raw,
	}
}

// chainer recomputes a chain one event at a time.
type chainer struct {
	next uint64 // expected seq, 0 when any is accepted
	prev [sha256.Size]byte
	hex  [hexLen]byte
	h    hash.Hash
}

// newChainer starts a chain after the event with hash prevHash, or at event
// 1 when prevHash is GenesisHash.
func newChainer(prevHash string) (*chainer, error) {
	c := &chainer{h: sha256.New()}
	if len(prevHash) != hexLen || !isLowerHex([]byte(prevHash)) {
		return nil, fmt.Errorf("store: prev hash %q: want 64 lower-case hex digits: %w", prevHash, ErrInvalid)
	}
	if _, err := hex.Decode(c.prev[:], []byte(prevHash)); err != nil {
		return nil, fmt.Errorf("store: prev hash %q: %w", prevHash, err)
	}
	copy(c.hex[:], prevHash)
	if prevHash == GenesisHash {
		c.next = 1
	}
	return c, nil
}

// add verifies the next published event and advances the chain. It returns
// the parsed fields.
func (c *chainer) add(raw []byte) (fields, error) {
	f, err := parse(raw)
	if err != nil {
		return f, &ChainError{Seq: c.next, Reason: err.Error()}
	}
	if c.next != 0 && f.seq != c.next {
		return f, &ChainError{Seq: c.next, Reason: fmt.Sprintf("found seq %d", f.seq)}
	}
	if !bytes.Equal(f.prevHash, c.hex[:]) {
		return f, &ChainError{Seq: f.seq, Reason: fmt.Sprintf("prev_hash %s, want %s", f.prevHash, c.hex[:])}
	}
	h := c.h
	h.Reset()
	h.Write(c.prev[:])
	h.Write(raw[:len(raw)-hashTailLen])
	h.Write([]byte{'}'})
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	var want [hexLen]byte
	hex.Encode(want[:], sum[:])
	if !bytes.Equal(f.hash, want[:]) {
		return f, &ChainError{Seq: f.seq, Reason: fmt.Sprintf("hash %s, recomputed %s", f.hash, want[:])}
	}
	c.prev, c.hex, c.next = sum, want, f.seq+1
	return f, nil
}

// VerifyRecords verifies published events that follow the event whose hash
// is prevHash (GenesisHash for a log from its start, whose first event must
// then be seq 1). It checks each event's layout, that seqs follow one
// another, that each prev_hash is the hash before it, and recomputes each
// hash. It returns the hash of the last event (prevHash when raws is
// empty); the error is a *ChainError naming the first bad seq.
func VerifyRecords(prevHash string, raws [][]byte) (head string, err error) {
	c, err := newChainer(prevHash)
	if err != nil {
		return "", err
	}
	for _, raw := range raws {
		if _, err := c.add(raw); err != nil {
			return "", err
		}
	}
	return string(c.hex[:]), nil
}

// copy returns r with its own copy of Raw (and Data within it).
func (r Record) copy() Record {
	raw := bytes.Clone(r.Raw)
	if at := len(raw) - tailLen - len(r.Data); at >= 0 && bytes.Equal(raw[at:at+len(r.Data)], r.Data) {
		end := at + len(r.Data)
		r.Data, r.Raw = json.RawMessage(raw[at:end:end]), raw
		return r
	}
	c, err := ParseRecord(raw)
	if err != nil {
		r.Raw = raw
		return r
	}
	return c
}
