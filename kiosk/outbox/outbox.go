package outbox

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/wire"
)

// Buckets of the file.
var (
	// bucketLeases holds the leases the kiosk may issue from: lease ID → JSON
	// wire.Lease, the numbers as the server granted or last listed them.
	bucketLeases = []byte("leases")
	// bucketTickets holds every ticket issued offline: key(kiosk, seq) → JSON
	// Ticket.
	bucketTickets = []byte("tickets")
	// bucketPending indexes the tickets not yet settled with the server:
	// key(kiosk, seq) → nothing.
	bucketPending = []byte("pending")
	// bucketUsed marks the leased numbers already issued: lease ID, 0, number
	// → key(kiosk, seq). The server lists a number as unused until its ticket
	// is synced, so the lease alone cannot say.
	bucketUsed = []byte("used")
	// bucketMeta holds small JSON values by name (see Put).
	bucketMeta = []byte("meta")
	// bucketWithdraw holds the ticket requests to withdraw from the server:
	// kiosk, 0, idempotency key → JSON Withdrawal. Files written before it
	// existed get it, empty, when opened.
	bucketWithdraw = []byte("withdraw")
)

// ErrSpent is returned, wrapped, by Take when no leased number of the
// service and day is left: the kiosk must say so rather than invent one.
var ErrSpent = errors.New("outbox: no leased number left")

// State is where a ticket stands with the server.
type State string

// States of a Ticket.
const (
	// Pending: issued and printed, not yet accepted by the server.
	Pending State = "pending"
	// Synced: the server holds the ticket; it is in the public log.
	Synced State = "synced"
	// Refused: the server refused it for good (a lease of a sealed day, say).
	Refused State = "refused"
)

// Ticket is a ticket the kiosk issued offline from a leased number.
type Ticket struct {
	Kiosk     string    `json:"kiosk"`
	Seq       uint64    `json:"seq"` // the kiosk's local sequence
	Lease     string    `json:"lease"`
	Day       string    `json:"day"`
	Service   string    `json:"service"`
	Number    string    `json:"number"`
	TicketID  string    `json:"ticket"`
	Token     string    `json:"token"`
	StatusURL string    `json:"status_url"`
	Priority  string    `json:"priority,omitempty"`
	IssuedAt  time.Time `json:"issued_at"`
	// Replaces is the idempotency key of the online request the kiosk got no
	// answer to before it printed this ticket instead, or empty. The sync
	// sends it, so that the server withdraws the ticket it may have issued
	// for that request.
	Replaces string `json:"replaces,omitempty"`

	State    State     `json:"state"`
	Attempts int       `json:"attempts,omitempty"`  // sync attempts that got no final answer
	SettleAt time.Time `json:"settled_at,omitzero"` // when it was synced or refused
	LogSeq   uint64    `json:"log_seq,omitempty"`   // log head in the server's answer
	Refusal  string    `json:"refusal,omitempty"`   // the server's reason, when refused
}

// Key returns the ticket's key in the file: (kiosk, local sequence).
func (t Ticket) Key() []byte { return ticketKey(t.Kiosk, t.Seq) }

func ticketKey(kiosk string, seq uint64) []byte {
	k := make([]byte, 0, len(kiosk)+9)
	k = append(k, kiosk...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func usedKey(lease, number string) []byte {
	return []byte(lease + "\x00" + number)
}

// Store is the kiosk's bbolt file.
type Store struct {
	db      *bolt.DB
	now     func() time.Time
	drainMu sync.Mutex // one Drain at a time
}

// Options configure a Store.
type Options struct {
	// Now is the clock for settlement times; nil means time.Now.
	Now func() time.Time
}

// Open opens (or creates) the store at path. Another process holding the
// file makes Open fail after a few seconds instead of waiting forever.
func Open(path string, o Options) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketLeases, bucketTickets, bucketPending, bucketUsed, bucketMeta, bucketWithdraw} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: open %s: create buckets: %w", path, err)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{db: db, now: o.Now}, nil
}

// Close closes the file.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("outbox: close: %w", err)
	}
	return nil
}

// Put stores v as JSON under name, for what the kiosk must remember across a
// restart without the server: the hall, its own device ID, the last board.
func (s *Store) Put(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("outbox: put %s: %w", name, err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte(name), data)
	}); err != nil {
		return fmt.Errorf("outbox: put %s: %w", name, err)
	}
	return nil
}

// Get decodes the value stored under name into v and reports whether there
// was one.
func (s *Store) Get(name string, v any) (bool, error) {
	var data []byte
	s.db.View(func(tx *bolt.Tx) error {
		data = bytes.Clone(tx.Bucket(bucketMeta).Get([]byte(name)))
		return nil
	})
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("outbox: get %s: %w", name, err)
	}
	return true, nil
}

// AddLease stores a lease the server just granted. A lease already stored
// under the same ID gets the numbers of both.
func (s *Store) AddLease(l wire.Lease) error {
	if l.ID == "" || l.Service == "" || l.Day == "" {
		return fmt.Errorf("outbox: add lease %+v: ID, service and day are required", l)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLeases)
		if old := b.Get([]byte(l.ID)); old != nil {
			var prev wire.Lease
			if err := json.Unmarshal(old, &prev); err != nil {
				return fmt.Errorf("lease %s: %w", l.ID, err)
			}
			l.Numbers = mergeNumbers(prev.Numbers, l.Numbers)
		}
		return putJSON(b, []byte(l.ID), l)
	})
	if err != nil {
		return fmt.Errorf("outbox: add lease %s: %w", l.ID, err)
	}
	return nil
}

// ReplaceLeases makes the stored leases those the server lists now (its
// leases of today with their unused numbers): a lease of an earlier day, or
// one the kiosk has used up, goes. Numbers the kiosk issued but has not synced
// yet stay used whatever the server lists.
func (s *Store) ReplaceLeases(leases []wire.Lease) error {
	for _, l := range leases {
		if l.ID == "" || l.Service == "" || l.Day == "" {
			return fmt.Errorf("outbox: replace leases: lease %+v: ID, service and day are required", l)
		}
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketLeases); err != nil {
			return err
		}
		b, err := tx.CreateBucket(bucketLeases)
		if err != nil {
			return err
		}
		for _, l := range leases {
			if err := putJSON(b, []byte(l.ID), l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: replace leases: %w", err)
	}
	return nil
}

// Leases returns the stored leases, by ID.
func (s *Store) Leases() ([]wire.Lease, error) {
	var out []wire.Lease
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		out, err = decodeAll[wire.Lease](tx.Bucket(bucketLeases), nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: leases: %w", err)
	}
	return out, nil
}

// Remaining returns how many leased numbers of each service of the given
// service day the kiosk may still issue.
func (s *Store) Remaining(day string) (map[string]int, error) {
	out := map[string]int{}
	err := s.db.View(func(tx *bolt.Tx) error {
		used := tx.Bucket(bucketUsed)
		return tx.Bucket(bucketLeases).ForEach(func(_, v []byte) error {
			var l wire.Lease
			if err := json.Unmarshal(v, &l); err != nil {
				return err
			}
			if l.Day != day {
				return nil
			}
			for _, n := range l.Numbers {
				if used.Get(usedKey(l.ID, n.Number)) == nil {
					out[l.Service]++
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: remaining numbers: %w", err)
	}
	return out, nil
}

// Take issues the lowest unused leased number of service on service day
// day, as a pending ticket of kiosk issued at the given time, and returns it
// once it is safely in the file: print its receipt only after that. It
// returns an error matching ErrSpent when no number is left.
func (s *Store) Take(kiosk, day, service, priority string, at time.Time) (Ticket, error) {
	return s.TakeReplacing(kiosk, day, service, priority, "", at)
}

// TakeReplacing is Take for a ticket printed in place of an online request
// that got no answer: replaces is that request's idempotency key, kept with
// the ticket and sent when it syncs.
func (s *Store) TakeReplacing(kiosk, day, service, priority, replaces string, at time.Time) (Ticket, error) {
	if kiosk == "" || strings.ContainsRune(kiosk, 0) {
		return Ticket{}, fmt.Errorf("outbox: take a number: bad kiosk ID %q", kiosk)
	}
	var t Ticket
	err := s.db.Update(func(tx *bolt.Tx) error {
		used := tx.Bucket(bucketUsed)
		var best *wire.Lease
		var bestNum *wire.LeasedNumber
		err := tx.Bucket(bucketLeases).ForEach(func(_, v []byte) error {
			var l wire.Lease
			if err := json.Unmarshal(v, &l); err != nil {
				return err
			}
			if l.Day != day || l.Service != service {
				return nil
			}
			for i := range l.Numbers {
				n := &l.Numbers[i]
				if used.Get(usedKey(l.ID, n.Number)) != nil {
					continue
				}
				if bestNum == nil || lessNumber(n.Number, bestNum.Number) {
					best, bestNum = &l, n
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if bestNum == nil {
			return fmt.Errorf("%w of %s on %s", ErrSpent, service, day)
		}
		tickets := tx.Bucket(bucketTickets)
		seq, err := tickets.NextSequence()
		if err != nil {
			return err
		}
		t = Ticket{
			Kiosk: kiosk, Seq: seq, Lease: best.ID, Day: best.Day, Service: best.Service,
			Number: bestNum.Number, TicketID: bestNum.Ticket, Token: bestNum.Token, StatusURL: bestNum.StatusURL,
			Priority: priority, IssuedAt: at.UTC(), Replaces: replaces, State: Pending,
		}
		key := t.Key()
		if err := putJSON(tickets, key, t); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPending).Put(key, nil); err != nil {
			return err
		}
		return used.Put(usedKey(t.Lease, t.Number), key)
	})
	if err != nil {
		if errors.Is(err, ErrSpent) {
			return Ticket{}, err
		}
		return Ticket{}, fmt.Errorf("outbox: take a number of %s: %w", service, err)
	}
	return t, nil
}

// lessNumber orders ticket numbers: shorter first, then as text, so that
// A999 comes before A1000 if a service's digits ever grow.
func lessNumber(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// Pending returns the tickets not yet settled with the server, oldest first.
func (s *Store) Pending() ([]Ticket, error) {
	var out []Ticket
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		tickets := tx.Bucket(bucketTickets)
		out, err = decodeAll[Ticket](tx.Bucket(bucketPending), func(k []byte) []byte { return tickets.Get(k) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: pending tickets: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Ticket) int { return a.IssuedAt.Compare(b.IssuedAt) })
	return out, nil
}

// Tickets returns every ticket in the file, in key order.
func (s *Store) Tickets() ([]Ticket, error) {
	var out []Ticket
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		out, err = decodeAll[Ticket](tx.Bucket(bucketTickets), nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: tickets: %w", err)
	}
	return out, nil
}

// settle records the server's final answer about a ticket (change sets the
// new fields) and takes it off the pending list.
func (s *Store) settle(key []byte, change func(*Ticket)) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		tickets := tx.Bucket(bucketTickets)
		raw := tickets.Get(key)
		if raw == nil {
			return fmt.Errorf("no ticket %x", key)
		}
		var t Ticket
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		change(&t)
		if err := putJSON(tickets, key, t); err != nil {
			return err
		}
		if t.State != Pending {
			return tx.Bucket(bucketPending).Delete(key)
		}
		return nil
	})
}

// Prune deletes the settled tickets of service days before day, and the
// marks of their numbers. Pending tickets stay, whatever their day.
func (s *Store) Prune(day string) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		tickets, used := tx.Bucket(bucketTickets), tx.Bucket(bucketUsed)
		var drop []Ticket
		err := tickets.ForEach(func(_, v []byte) error {
			var t Ticket
			if err := json.Unmarshal(v, &t); err != nil {
				return err
			}
			if t.State != Pending && t.Day < day {
				drop = append(drop, t)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, t := range drop {
			if err := tickets.Delete(t.Key()); err != nil {
				return err
			}
			if err := used.Delete(usedKey(t.Lease, t.Number)); err != nil {
				return err
			}
		}
		n = len(drop)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("outbox: prune before %s: %w", day, err)
	}
	return n, nil
}

// decodeAll decodes a JSON value for each key of b, in key order: the key's
// own value, or with lookup the value it returns for the key.
func decodeAll[T any](b *bolt.Bucket, lookup func(k []byte) []byte) ([]T, error) {
	var out []T
	err := b.ForEach(func(k, v []byte) error {
		if lookup != nil {
			v = lookup(k)
		}
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
		out = append(out, x)
		return nil
	})
	return out, err
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// mergeNumbers returns the numbers of a and those of b not in a, in order.
func mergeNumbers(a, b []wire.LeasedNumber) []wire.LeasedNumber {
	out := slices.Clone(a)
	for _, n := range b {
		if !slices.ContainsFunc(out, func(m wire.LeasedNumber) bool { return m.Number == n.Number }) {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(x, y wire.LeasedNumber) int {
		switch {
		case lessNumber(x.Number, y.Number):
			return -1
		case lessNumber(y.Number, x.Number):
			return 1
		}
		return 0
	})
	return out
}
