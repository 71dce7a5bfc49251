package queue

import (
	"encoding/binary"
	"errors"
	"time"
)

// errShortTicket is returned when encoded ticket bytes end early.
var errShortTicket = errors.New("queue: encoded ticket is truncated")

// AppendBinary appends the ticket in a compact binary form, field by field,
// without reflection: a snapshot of a busy day holds hundreds of thousands
// of tickets, and a start decodes them all. DecodeTicket reads it back.
// Times keep their instant, not their location (they are UTC in a state).
func (t *Ticket) AppendBinary(b []byte) ([]byte, error) {
	for _, s := range [...]string{t.ID, t.Number, t.Service, t.Day, t.Priority, t.Kiosk, t.Desk, t.Status,
		t.Window, t.LastWindow, t.Appointment, t.Verified, t.Rating} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, at := range [...]time.Time{t.IssuedAt, t.OrderAt, t.CalledAt, t.NoShowAt, t.DoneAt, t.SlotStart} {
		b = appendTime(b, at)
	}
	b = binary.AppendUvarint(b, t.IssueSeq)
	b = binary.AppendUvarint(b, t.OrderSeq)
	b = binary.AppendUvarint(b, t.OrderSub)
	b = binary.AppendVarint(b, int64(t.Calls))
	var flags byte
	if t.Transferred {
		flags |= 1
	}
	if t.Late {
		flags |= 2
	}
	return append(b, flags), nil
}

// DecodeTicket reads a ticket written by AppendBinary from the start of b
// and returns it with the bytes after it.
func DecodeTicket(b []byte) (*Ticket, []byte, error) {
	t := &Ticket{}
	rest, err := decodeTicket(t, b, nil)
	if err != nil {
		return nil, nil, err
	}
	return t, rest, nil
}

// A TicketDecoder reads many tickets written by AppendBinary, such as a busy
// day's in a snapshot, sharing the strings they repeat (service, day,
// status, kiosk, window, ...) rather than allocating each again.
type TicketDecoder struct {
	intern map[string]string
}

// maxInterned bounds the strings a TicketDecoder shares.
const maxInterned = 4096

// Decode reads into t a ticket from the start of b and returns the bytes
// after it.
func (d *TicketDecoder) Decode(t *Ticket, b []byte) ([]byte, error) {
	if d.intern == nil {
		d.intern = map[string]string{}
	}
	return decodeTicket(t, b, d.intern)
}

func decodeTicket(t *Ticket, b []byte, intern map[string]string) ([]byte, error) {
	r := ticketReader{b: b, intern: intern}
	t.ID, t.Number = r.string(false), r.string(false)
	for _, s := range [...]*string{&t.Service, &t.Day, &t.Priority, &t.Kiosk, &t.Desk, &t.Status, &t.Window, &t.LastWindow} {
		*s = r.string(true)
	}
	t.Appointment, t.Verified, t.Rating = r.string(false), r.string(true), r.string(true)
	for _, at := range [...]*time.Time{&t.IssuedAt, &t.OrderAt, &t.CalledAt, &t.NoShowAt, &t.DoneAt, &t.SlotStart} {
		*at = r.time()
	}
	t.IssueSeq, t.OrderSeq, t.OrderSub = r.uvarint(), r.uvarint(), r.uvarint()
	t.Calls = int(r.varint())
	flags := r.byte()
	t.Transferred, t.Late = flags&1 != 0, flags&2 != 0
	if r.err != nil {
		return nil, r.err
	}
	return r.b, nil
}

// appendTime appends a time as 0 when zero, else as 1 + its Unix
// nanoseconds, zig-zag encoded.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	return binary.AppendVarint(b, t.UnixNano())
}

// ticketReader reads the fields of an encoded ticket; the first error sticks.
type ticketReader struct {
	b      []byte
	err    error
	intern map[string]string // strings shared between tickets, or nil
}

func (r *ticketReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShortTicket
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *ticketReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errShortTicket
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *ticketReader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = errShortTicket
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// string reads a string; shared: one of the values many tickets repeat.
func (r *ticketReader) string(shared bool) string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.err = errShortTicket
		return ""
	}
	b := r.b[:n]
	r.b = r.b[n:]
	if !shared || r.intern == nil {
		return string(b)
	}
	if s, ok := r.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(r.intern) < maxInterned {
		r.intern[s] = s
	}
	return s
}

func (r *ticketReader) time() time.Time {
	switch r.byte() {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(0, r.varint()).UTC()
	default:
		if r.err == nil {
			r.err = errors.New("queue: encoded ticket has a bad time")
		}
		return time.Time{}
	}
}

// TrackTickets starts recording which tickets Apply adds or changes, from
// now on, forgetting those recorded before; TouchedTickets returns them. A
// clone does not track.
func (s *State) TrackTickets() { s.touched = map[string]struct{}{} }

// TouchedTickets returns the tickets added or changed since TrackTickets,
// nil when not tracking. A day roll drops the day's tickets; it is not
// recorded here, Day tells.
func (s *State) TouchedTickets() map[string]struct{} { return s.touched }

// A TicketLoader puts a day's tickets into a state as a snapshot is
// decoded, indexing each waiting ticket as it comes, while the ticket is
// fresh in the cache: a pass over a busy day's tickets afterwards (Reindex)
// would fetch every one of them from memory again.
type TicketLoader struct{ s *State }

// LoadTickets replaces the state's tickets, their numbers and the indexes
// of waiting tickets with empty ones, sized for about n tickets, to be
// filled through the loader. The rest of the state (its JSON part) is to be
// set before the loader's Done.
func (s *State) LoadTickets(n int) *TicketLoader {
	s.Tickets = make(map[string]*Ticket, n)
	s.Numbers = make(map[string]string, n)
	s.owned = nil
	s.waiting = map[string]map[string]*Ticket{}
	s.counts = map[string]map[string]int{}
	s.appts = map[string]map[string]*Ticket{}
	return &TicketLoader{s: s}
}

// Put adds t to the state, replacing the ticket of the same ID put before
// (an earlier snapshot's): a ticket keeps its number all day.
func (l *TicketLoader) Put(t *Ticket) {
	s := l.s
	if old := s.Tickets[t.ID]; old != nil && old.Status == StatusWaiting {
		s.removeWaiting(old)
	}
	s.Tickets[t.ID], s.Numbers[t.Number] = t, t.ID
	if t.Status == StatusWaiting {
		s.addWaiting(t)
	}
}

// Done completes the state once its tickets are put: the maps a decoded
// state may lack.
func (l *TicketLoader) Done() {
	l.s.initAppointments()
	l.s.initFeedback()
	l.s.defaults()
}
