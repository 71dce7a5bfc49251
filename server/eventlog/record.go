package eventlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// GenesisHash is the prev_hash of event 1: 64 zeros.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeLayout is the layout of an event's time: UTC, RFC 3339 with exactly
// three fractional digits.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// ErrInvalid is returned, wrapped, when an event cannot be encoded (bad
// type, time or data) or published bytes do not follow the layout.
var ErrInvalid = errors.New("eventlog: invalid")

// ErrBrokenChain is returned, wrapped in a *ChainError, when the hash chain
// does not verify.
var ErrBrokenChain = errors.New("eventlog: broken chain")

// ChainError reports the first event at which a chain failed to verify.
type ChainError struct {
	// Seq is the number of the first bad event.
	Seq uint64
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *ChainError) Error() string {
	return fmt.Sprintf("eventlog: chain broken at event %d: %s", e.Seq, e.Reason)
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

// Clone returns r with its own copy of Raw (and Data within it).
func (r Record) Clone() Record {
	raw := bytes.Clone(r.Raw)
	if at := len(raw) - tailLen - len(r.Data); at >= 0 && bytes.Equal(raw[at:at+len(r.Data)], r.Data) {
		end := at + len(r.Data)
		r.Data, r.Raw = json.RawMessage(raw[at:end:end]), raw
		return r
	}
	c, err := Parse(raw)
	if err != nil {
		r.Raw = raw
		return r
	}
	return c
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
		return fields{}, fmt.Errorf("eventlog: published event %.40q: %s: %w", raw, what, ErrInvalid)
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
	if !validType(f.typ) {
		return bad(fmt.Sprintf("event type %q: want lower-case dotted words like ticket.issued", f.typ))
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

// Parse parses published bytes, checking their layout: keys, order, seq,
// time, type, compact object data and hex hashes. It cannot check the hash,
// which needs the previous event; a Verifier does. The Record's Raw is raw
// itself and Data a sub-slice of it.
func Parse(raw []byte) (Record, error) {
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

// isLowerHex reports whether b is lower-case hex.
func isLowerHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// validType reports whether typ matches ^[a-z][a-z_]*(\.[a-z_]+)+$.
func validType[T string | []byte](typ T) bool {
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
			return false
		}
	}
	return dots > 0 && seg > 0
}

// CheckType returns an error wrapping ErrInvalid unless typ is a valid
// event type: lower-case dotted words like ticket.issued.
func CheckType(typ string) error {
	if !validType(typ) {
		return fmt.Errorf("eventlog: event type %q: want lower-case dotted words like ticket.issued: %w", typ, ErrInvalid)
	}
	return nil
}
