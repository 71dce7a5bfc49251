package engine

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"hallq/server/queue"
)

// A snapshot is the projection at an event, so that a start replays only the
// events after it. Its bytes:
//
//	"hqs1"                       magic
//	kind                         'F' full, 'D' delta
//	base                         8 bytes BE: the snapshot a delta builds on, 0 for a full one
//	uvarint n, n bytes           the state without its tickets and numbers, as JSON
//	uvarint count, count tickets queue.Ticket.AppendBinary each
//	crc32 (Castagnoli)           4 bytes BE, of everything before
//
// A full snapshot holds every ticket of the day; a delta only those added or
// changed since the snapshot it builds on (tickets are never removed within
// a day, and a day roll makes the next snapshot full). The numbers of the day
// are derived from the tickets. Snapshots of the earlier format are the
// state's JSON, starting with '{'; they are still read.
const snapshotMagic = "hqs1"

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// snapshotFull and snapshotDelta are the kinds of a snapshot.
const (
	snapshotFull  = 'F'
	snapshotDelta = 'D'
)

// encodeSnapshot encodes s as a snapshot: full when touched is nil, else a
// delta on base holding the tickets named in touched.
func encodeSnapshot(s *queue.State, base uint64, touched map[string]struct{}) ([]byte, error) {
	rest := *s
	rest.Tickets, rest.Numbers = nil, nil
	js, err := json.Marshal(&rest)
	if err != nil {
		return nil, fmt.Errorf("engine: encode snapshot: %w", err)
	}
	kind, count := byte(snapshotFull), len(s.Tickets)
	if touched != nil {
		kind, count = snapshotDelta, len(touched)
	} else {
		base = 0
	}
	b := make([]byte, 0, len(js)+64+count*96)
	b = append(b, snapshotMagic...)
	b = append(b, kind)
	b = binary.BigEndian.AppendUint64(b, base)
	b = binary.AppendUvarint(b, uint64(len(js)))
	b = append(b, js...)
	if touched == nil {
		b = binary.AppendUvarint(b, uint64(len(s.Tickets)))
		for _, t := range s.Tickets {
			b, _ = t.AppendBinary(b)
		}
	} else {
		n := 0
		for id := range touched {
			if _, ok := s.Tickets[id]; ok {
				n++
			}
		}
		b = binary.AppendUvarint(b, uint64(n))
		for id := range touched {
			if t, ok := s.Tickets[id]; ok {
				b, _ = t.AppendBinary(b)
			}
		}
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crcTable)), nil
}

// snapshotPart is one decoded snapshot of a chain.
type snapshotPart struct {
	kind  byte
	base  uint64
	state []byte // the JSON of the state without tickets
	body  []byte // the count and the tickets
}

var errSnapshotCorrupt = errors.New("corrupt snapshot")

// parseSnapshot checks a snapshot's magic and checksum and splits it.
func parseSnapshot(data []byte) (snapshotPart, error) {
	var p snapshotPart
	if len(data) < len(snapshotMagic)+1+8+1+4 || string(data[:len(snapshotMagic)]) != snapshotMagic {
		return p, fmt.Errorf("%w: not a snapshot", errSnapshotCorrupt)
	}
	body, sum := data[:len(data)-4], binary.BigEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, crcTable) != sum {
		return p, fmt.Errorf("%w: checksum mismatch", errSnapshotCorrupt)
	}
	body = body[len(snapshotMagic):]
	p.kind, p.base = body[0], binary.BigEndian.Uint64(body[1:9])
	if p.kind != snapshotFull && p.kind != snapshotDelta {
		return p, fmt.Errorf("%w: kind %q", errSnapshotCorrupt, p.kind)
	}
	body = body[9:]
	n, k := binary.Uvarint(body)
	if k <= 0 || n > uint64(len(body)-k) {
		return p, fmt.Errorf("%w: state length", errSnapshotCorrupt)
	}
	p.state, p.body = body[k:k+int(n)], body[k+int(n):]
	return p, nil
}

// ticketCount is the number of tickets a part says it holds, bounded by its
// size (0 if it cannot be read: readTickets reports that).
func (p snapshotPart) ticketCount() int {
	n, k := binary.Uvarint(p.body)
	if k <= 0 || n > uint64(len(p.body)) {
		return 0
	}
	return int(n)
}

// readTickets decodes a part's tickets and puts them into a state, each
// replacing the ticket of the same ID put before.
func (p snapshotPart) readTickets(l *queue.TicketLoader) error {
	count, k := binary.Uvarint(p.body)
	if k <= 0 {
		return fmt.Errorf("%w: ticket count", errSnapshotCorrupt)
	}
	b := p.body[k:]
	if count > uint64(len(b)) {
		return fmt.Errorf("%w: %d tickets in %d bytes", errSnapshotCorrupt, count, len(b))
	}
	// A busy day's tickets in one allocation, their repeated strings shared.
	slab := make([]queue.Ticket, count)
	var dec queue.TicketDecoder
	for i := range slab {
		t := &slab[i]
		rest, err := dec.Decode(t, b)
		if err != nil {
			return fmt.Errorf("%w: %v", errSnapshotCorrupt, err)
		}
		l.Put(t)
		b = rest
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d bytes after the tickets", errSnapshotCorrupt, len(b))
	}
	return nil
}

// dayTickets estimates how many tickets the state decoded from chain will
// hold, to size its maps: a map grown to a busy day's size, table by table,
// costs more than the whole decoding (measured: 0.6 s of a 1.1 s start, after
// a kill under load, of 279,000 tickets whose full snapshot held 160,000).
// The full snapshot alone may be hours old; every part's count added up
// counts a ticket once per part it changed in. The day's number counters,
// read from the state before the tickets, bound the tickets issued (leased
// numbers not yet used count too): the estimate is the lower of the two
// bounds, and at least the full snapshot's count.
func dayTickets(s *queue.State, chain []snapshotPart) int {
	full, parts := chain[len(chain)-1].ticketCount(), 0
	for _, p := range chain {
		parts += p.ticketCount()
	}
	numbered := 0
	for _, c := range s.Counters {
		numbered += max(c, 0)
	}
	return max(full, min(parts, numbered))
}

// maxSnapshotChain bounds the deltas followed back to a full snapshot.
const maxSnapshotChain = 10000

// fromSnapshot rebuilds the state from the snapshot at seq and the
// snapshots it builds on. It returns nil, nil for a snapshot of an earlier
// state format, from which the whole log is replayed instead.
func (e *Engine) fromSnapshot(seq uint64) (*queue.State, error) {
	var s *queue.State
	// Decoded in place: a busy day's snapshots are tens of megabytes.
	err := e.store.ReadSnapshots(func(get func(uint64) ([]byte, error)) error {
		var err error
		s, err = decodeSnapshots(seq, get, e.readAhead)
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.Seq != seq {
		return nil, fmt.Errorf("snapshot at %d holds state of %d", seq, s.Seq)
	}
	if s.Format != queue.StateFormat {
		// Written by an earlier version: what it lacks is derived from the
		// whole log instead.
		e.log.Info("snapshot of an earlier format: replaying the whole log", "seq", seq, "format", s.Format)
		return nil, nil
	}
	return s, nil
}

// decodeSnapshots decodes the snapshot at seq and those it builds on, read
// with get; the state it returns holds none of their bytes. Once the day and
// its count of tickets are known, before the tickets are decoded, it calls
// dayKnown with them, if not nil.
func decodeSnapshots(seq uint64, get func(uint64) ([]byte, error), dayKnown func(day string, tickets int)) (*queue.State, error) {
	data, err := get(seq)
	if err != nil {
		return nil, err
	}
	s := queue.NewState()
	if len(data) > 0 && data[0] == '{' {
		// The earlier format: the state's JSON.
		s.Format = 0
		if err := json.Unmarshal(data, s); err != nil {
			return nil, fmt.Errorf("decode snapshot at %d: %w", seq, err)
		}
		s.Reindex()
	} else {
		latest, err := parseSnapshot(data)
		if err != nil {
			return nil, fmt.Errorf("snapshot at %d: %w", seq, err)
		}
		chain := []snapshotPart{latest}
		for p := latest; p.kind == snapshotDelta; {
			if p.base == 0 || len(chain) > maxSnapshotChain {
				return nil, fmt.Errorf("snapshot at %d: %w: delta chain", seq, errSnapshotCorrupt)
			}
			data, err := get(p.base)
			if err != nil {
				return nil, fmt.Errorf("snapshot at %d builds on %d: %w", seq, p.base, err)
			}
			if p, err = parseSnapshot(data); err != nil {
				return nil, fmt.Errorf("snapshot at %d builds on %d: %w", seq, chain[len(chain)-1].base, err)
			}
			chain = append(chain, p)
		}
		s.Format = 0
		if err := json.Unmarshal(latest.state, s); err != nil {
			return nil, fmt.Errorf("decode snapshot at %d: %w", seq, err)
		}
		// The decoded day, the writer's maps, the private records and the
		// status tokens take up to 15 times the bytes of the day's tickets
		// in the snapshots (measured at 270,000 tickets, all of them
		// waiting). Room the start does not fill costs only addresses:
		// the kernel backs what is touched.
		size := 0
		for _, p := range chain {
			size += len(p.body)
		}
		preferHugePages(24 * size)
		n := dayTickets(s, chain)
		if dayKnown != nil {
			dayKnown(s.Day, n)
		}
		l := s.LoadTickets(n)
		for i := len(chain) - 1; i >= 0; i-- {
			if err := chain[i].readTickets(l); err != nil {
				return nil, fmt.Errorf("snapshot at %d: %w", seq, err)
			}
		}
		l.Done()
	}
	return s, nil
}

// load rebuilds the projection: the latest usable snapshot, then every
// later event. A snapshot that cannot be read (corrupt, or building on one
// that is gone) is logged and an earlier one is tried; with none, the
// whole log is replayed. It returns how many events it replayed, and sets
// e.loadedFrom. Before replaying more events than a snapshot is ever
// behind the head, it calls resumeGC (see pauseGC).
func (e *Engine) load(resumeGC func()) (*queue.State, int, error) {
	seqs, err := e.store.Snapshots()
	if err != nil {
		return nil, 0, fmt.Errorf("engine: load snapshot: %w", err)
	}
	s := queue.NewState()
	for _, seq := range seqs {
		snap, err := e.fromSnapshot(seq)
		if err != nil {
			e.log.Warn("snapshot unusable: trying an earlier one", "seq", seq, "err", err)
			continue
		}
		if snap != nil {
			s, e.loadedFrom = snap, seq
		}
		break
	}
	if head, _ := e.store.Head(); head-s.Seq > uint64(2*e.opts.SnapshotEvery) {
		resumeGC()
	}
	replayed := 0
	for {
		recs, err := e.store.EventsAfter(s.Seq, 1000)
		if err != nil {
			return nil, 0, fmt.Errorf("engine: load events after %d: %w", s.Seq, err)
		}
		if len(recs) == 0 {
			return s, replayed, nil
		}
		for _, r := range recs {
			ev, err := queue.DecodeEvent(r.Seq, r.Time, r.Type, r.Data)
			if err != nil {
				return nil, 0, err
			}
			if err := s.Apply(ev); err != nil {
				return nil, 0, err
			}
		}
		replayed += len(recs)
	}
}

// snapshotDue reports whether the batch being opened should carry a
// snapshot: SnapshotEvery events since the last, or SnapshotInterval with
// any event since. The work of a start after the latest snapshot is thus
// bounded by both, whatever the size of the day.
func (e *Engine) snapshotDue(now time.Time) bool {
	if e.sinceSnapshot == 0 || e.working.Seq == 0 {
		return false
	}
	return e.sinceSnapshot >= e.opts.SnapshotEvery || now.Sub(e.lastSnapshotAt) >= e.opts.SnapshotInterval
}

// takeSnapshot encodes the working state for the batch being opened: a
// delta holding the tickets changed since the last snapshot, or a full one
// when the day changed, the working state does not track its tickets (it was
// just loaded or restarted), or the deltas since the last full one hold
// about as many tickets as a full one would.
func (e *Engine) takeSnapshot(b *batch, now time.Time) error {
	w := e.working
	touched := w.TouchedTickets()
	full := touched == nil || w.Day != e.fullDay || e.lastSnapshot == 0 || e.sinceFull+len(touched) >= max(e.opts.SnapshotEvery, len(w.Tickets))
	if full {
		touched = nil
	}
	data, err := encodeSnapshot(w, e.lastSnapshot, touched)
	if err != nil {
		return err
	}
	b.snapshot, b.snapshotSeq, b.snapshotKeepFrom = data, w.Seq, e.prevFull
	if full {
		// Keep the full snapshot before this one and what builds on it,
		// should this one be unreadable.
		b.snapshotKeepFrom = e.lastFull
		e.prevFull, e.lastFull, e.fullDay, e.sinceFull = e.lastFull, w.Seq, w.Day, 0
	} else {
		e.sinceFull += len(touched)
	}
	e.lastSnapshot, e.lastSnapshotAt, e.sinceSnapshot = w.Seq, now, 0
	w.TrackTickets()
	return nil
}
