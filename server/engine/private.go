package engine

import (
	"encoding/binary"
	"fmt"
	"time"

	"hallq/server/store"
)

// write is a private-bucket write of a batch; a nil value deletes the key.
// A write with a group stores the group's idempotency records as its value.
type write struct {
	bucket     store.Bucket
	key, value []byte
	group      *idemGroup
}

// idemGroup is the idempotency records of one day made by one batch. They are
// stored under one key (the day and the counter of the first record) as a JSON
// array, so that a commit writes one small value instead of one per ticket.
type idemGroup struct {
	day  string
	recs [][]byte // each a JSON idemRecord
}

// value encodes the group's records as a JSON array.
func (g *idemGroup) value() []byte {
	n := 2
	for _, r := range g.recs {
		n += len(r) + 1
	}
	v := make([]byte, 0, n)
	v = append(v, '[')
	for i, r := range g.recs {
		if i > 0 {
			v = append(v, ',')
		}
		v = append(v, r...)
	}
	return append(v, ']')
}

// dayPrivate is the sequencer's private records of a day, as read from the
// store by readPrivate.
type dayPrivate struct {
	idem       map[string]idemRecord
	identities map[string]int
	spent      map[string]int
	idemSeq    uint64
	appt       apptPrivate
}

// privateRead is a readPrivate run ahead, beside the decoding of the
// snapshots: the private records of a busy day take about as long to read.
type privateRead struct {
	day  string
	done chan struct{}
	p    *dayPrivate
	err  error
}

// readAhead starts reading the private records of day, unless a read was
// started already. Open calls it, through decodeSnapshots, once the day of
// the latest snapshot is known; restart takes the result if the state it
// starts from is of that day.
func (e *Engine) readAhead(day string, tickets int) {
	if e.ahead != nil {
		return
	}
	r := &privateRead{day: day, done: make(chan struct{})}
	e.ahead = r
	go func() {
		defer close(r.done)
		r.p, r.err = e.readPrivate(day, tickets)
	}()
}

// usePrivate makes p the sequencer's private records.
func (e *Engine) usePrivate(p *dayPrivate) {
	e.idem, e.identities, e.spent, e.idemSeq, e.appt = p.idem, p.identities, p.spent, p.idemSeq, p.appt
}

// readPrivate reads the private records of day from the store. It touches
// nothing of the engine's but its store, so it may run beside anything.
func (e *Engine) readPrivate(day string, tickets int) (*dayPrivate, error) {
	p := &dayPrivate{idem: make(map[string]idemRecord, tickets), identities: map[string]int{}, spent: map[string]int{}}
	services := map[string]string{}
	err := e.store.View(func(tx *store.Tx) error {
		var err error
		if p.appt, err = readAppointments(tx); err != nil {
			return err
		}
		if day == "" {
			return nil
		}
		prefix := []byte(compactDay(day))
		err = tx.ForEach(store.BucketIdempotency, prefix, func(k, v []byte) error {
			// A group of records (an array), or one record as files
			// written before groups hold.
			recs, err := decodeIdemGroup(v, services)
			if err != nil || len(k) != len(prefix)+8 || len(recs) == 0 {
				return fmt.Errorf("engine: idempotency record %x: %v", k, err)
			}
			for _, rec := range recs {
				p.idem[rec.Key] = rec
				if rec.Ticket == "" {
					p.spent[rec.kiosk()]++
				}
			}
			p.idemSeq = max(p.idemSeq, binary.BigEndian.Uint64(k[len(prefix):])+uint64(len(recs))-1)
			return nil
		})
		if err != nil {
			return err
		}
		return tx.ForEach(store.BucketIdentities, []byte(day+"|"), func(k, v []byte) error {
			p.identities[string(k)] = decodeCount(v)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// newDay drops the private records of the past: yesterday's idempotency keys,
// and identity records older than the retention period.
func (e *Engine) newDay(b *batch, now time.Time) error {
	// New maps, not cleared ones: a rollback keeps the old.
	e.idem, e.identities, e.spent = make(map[string]idemRecord, len(e.idem)), map[string]int{}, map[string]int{}
	e.idemSeq = 0
	e.pruneAppointments(b, now)
	if err := e.pruneFeedback(b, now); err != nil {
		return err
	}
	today := compactDay(e.working.Day)
	cutoff := e.hall.Day(now.Add(-e.opts.IdentityRetention))
	return e.store.View(func(tx *store.Tx) error {
		err := tx.ForEach(store.BucketIdempotency, nil, func(k, _ []byte) error {
			if string(k) < today {
				b.writes = append(b.writes, write{bucket: store.BucketIdempotency, key: append([]byte(nil), k...)})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("engine: purge idempotency keys: %w", err)
		}
		err = tx.ForEach(store.BucketIdentities, nil, func(k, _ []byte) error {
			if string(k[:min(len(k), len(cutoff))]) < cutoff {
				b.writes = append(b.writes, write{bucket: store.BucketIdentities, key: append([]byte(nil), k...)})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("engine: purge identities: %w", err)
		}
		return nil
	})
}

// prep gives a request's command access to the sequencer's private records and
// collects its private writes into the batch.
type prep struct {
	e *Engine
	b *batch
}

func (p *prep) idempotent(key string) (idemRecord, bool) {
	rec, ok := p.e.idem[key]
	return rec, ok
}

func (p *prep) putIdempotent(rec idemRecord) error {
	v := rec.appendJSON(make([]byte, 0, 48+len(rec.Key)))
	p.e.idem[rec.Key] = rec
	if rec.Ticket == "" {
		p.e.spent[rec.kiosk()]++
	}
	p.e.idemSeq++
	day := compactDay(p.e.working.Day)
	// The batch's records of the day join its last write if that is their
	// group; keys are the day and a counter, so a day's records are together.
	if n := len(p.b.writes); n > 0 {
		if g := p.b.writes[n-1].group; g != nil && g.day == day {
			g.recs = append(g.recs, v)
			return nil
		}
	}
	key := binary.BigEndian.AppendUint64([]byte(day), p.e.idemSeq)
	p.b.writes = append(p.b.writes, write{bucket: store.BucketIdempotency, key: key, group: &idemGroup{day: day, recs: [][]byte{v}}})
	return nil
}

// spent is how many keys a kiosk withdrew today that the server had never
// seen (see Withdraw).
func (p *prep) spent(kiosk string) int { return p.e.spent[kiosk] }

func (p *prep) identityCount(key string) int { return p.e.identities[key] }

func (p *prep) putIdentityCount(key string, n int) {
	p.e.identities[key] = n
	p.b.writes = append(p.b.writes, write{bucket: store.BucketIdentities, key: []byte(key), value: encodeCount(n)})
}

// remember adds the status token of a committed ticket of today to the tokens
// TicketByToken knows, and returns it. A ticket of a day that has since closed
// may be added after the day's tokens were dropped; its token then leads to "no
// ticket today", as it should.
func (e *Engine) remember(ticketID string) string {
	token := e.Token(ticketID)
	e.tokensMu.Lock()
	e.tokens[token] = ticketID
	e.tokensMu.Unlock()
	return token
}

// makeTokens makes the status tokens of the tickets of the day the engine
// started in and adds them to those TicketByToken knows, unless a day
// opened meanwhile.
func (e *Engine) makeTokens(ids []string) {
	defer close(e.tokensReady)
	tokens := make(map[string]string, len(ids))
	for _, id := range ids {
		tokens[e.Token(id)] = id
	}
	e.tokensMu.Lock()
	defer e.tokensMu.Unlock()
	if e.tokensDays > 0 {
		return // those of the new day replaced them
	}
	for token, id := range e.tokens { // tickets issued since the start
		tokens[token] = id
	}
	e.tokens = tokens
}

// identityRecordKey is the private key of an identity's daily count for a
// service: "day|service|hmac", so a day's records can be found by prefix.
func identityRecordKey(day, service, hash string) string {
	return day + "|" + service + "|" + hash
}

// compactDay turns "2026-11-22" into "20261122", the prefix of ticket IDs.
func compactDay(day string) string {
	out := make([]byte, 0, 8)
	for i := 0; i < len(day); i++ {
		if day[i] != '-' {
			out = append(out, day[i])
		}
	}
	return string(out)
}

func encodeCount(n int) []byte {
	return []byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}

func decodeCount(v []byte) int {
	if len(v) != 4 {
		return 0
	}
	return int(v[0])<<24 | int(v[1])<<16 | int(v[2])<<8 | int(v[3])
}
