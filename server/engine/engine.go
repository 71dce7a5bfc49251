package engine

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"hallq/server/queue"
	"hallq/server/store"
)

// Options tune an Engine. The zero value is usable.
type Options struct {
	// MaxBatch is the most requests committed in one transaction (default 256).
	MaxBatch int
	// SnapshotEvery is the least number of events between projection snapshots
	// (default 1000); on a busy day they are spaced by the number of tickets.
	SnapshotEvery int
	// IdentityRetention is how long identity HMACs are kept (default 30 days).
	IdentityRetention time.Duration
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
	// Publish receives the records of every commit, after the commit, in log order,
	// from the writer goroutine. It must not block for long.
	Publish func([]store.Record)
	// OnCommit observes each commit: how many requests and events it carried and
	// how long the transaction took, including its fsync.
	OnCommit func(requests, events int, d time.Duration)
	Logger   *slog.Logger
}

// Engine is a running hall. Its methods are safe for concurrent use.
type Engine struct {
	hall  *queue.Hall
	store *store.Store
	opts  Options
	log   *slog.Logger

	identityKey []byte // HMAC key of identity documents
	tokenKey    []byte // HMAC key of ticket status tokens

	reqs    chan *request
	stop    chan struct{}
	stopped chan struct{}

	// Owned by the writer goroutine.
	working       *queue.State
	sinceSnapshot int

	// mu guards the committed view that readers use.
	mu        sync.RWMutex
	committed *queue.State
	headSeq   uint64
	headHash  string
	tokens    map[string]string // status token -> ticket ID, today's tickets
	closed    bool
}

// request is one command waiting for the writer. run is called on the writer
// goroutine inside the batch's transaction with the working state and the time of
// the request; it returns the events to append and a result for the caller.
type request struct {
	run    func(tx *store.Tx, s *queue.State, now time.Time) (any, []queue.Event, error)
	result any
	err    error
	recs   []store.Record
	done   chan struct{}
}

// Secrets bucket keys.
var (
	keyIdentitySecret = []byte("identity-hmac")
	keyTokenSecret    = []byte("ticket-token-hmac")
)

// Open loads the projection from st (latest snapshot plus the events after it),
// loads or creates the server secrets, and starts the writer. The hall must be
// validated.
func Open(st *store.Store, hall *queue.Hall, opts Options) (*Engine, error) {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.SnapshotEvery <= 0 {
		opts.SnapshotEvery = 1000
	}
	if opts.IdentityRetention <= 0 {
		opts.IdentityRetention = 30 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Publish == nil {
		opts.Publish = func([]store.Record) {}
	}
	if opts.OnCommit == nil {
		opts.OnCommit = func(int, int, time.Duration) {}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{
		hall: hall, store: st, opts: opts, log: opts.Logger,
		reqs: make(chan *request, opts.MaxBatch), stop: make(chan struct{}), stopped: make(chan struct{}),
	}
	var err error
	if e.identityKey, err = e.secret(keyIdentitySecret); err != nil {
		return nil, err
	}
	if e.tokenKey, err = e.secret(keyTokenSecret); err != nil {
		return nil, err
	}
	state, err := e.load()
	if err != nil {
		return nil, err
	}
	e.committed = state
	e.working = state.Clone()
	e.headSeq, e.headHash = st.Head()
	e.tokens = map[string]string{}
	for id := range state.Tickets {
		e.tokens[e.Token(id)] = id
	}
	go e.writer()
	return e, nil
}

// secret returns a 32-byte server secret, created on first use.
func (e *Engine) secret(name []byte) ([]byte, error) {
	var key []byte
	err := e.store.Update(func(tx *store.Tx) error {
		key = tx.Get(store.BucketSecrets, name)
		if key != nil {
			return nil
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		return tx.Put(store.BucketSecrets, name, key)
	})
	if err != nil {
		return nil, fmt.Errorf("engine: secret %s: %w", name, err)
	}
	return key, nil
}

// load rebuilds the projection: the latest snapshot, then every later event.
func (e *Engine) load() (*queue.State, error) {
	seq, data, err := e.store.LatestSnapshot()
	if err != nil {
		return nil, fmt.Errorf("engine: load snapshot: %w", err)
	}
	s := queue.NewState()
	if data != nil {
		if err := json.Unmarshal(data, s); err != nil {
			return nil, fmt.Errorf("engine: decode snapshot at %d: %w", seq, err)
		}
		s.Reindex()
		if s.Seq != seq {
			return nil, fmt.Errorf("engine: snapshot at %d holds state of %d", seq, s.Seq)
		}
	}
	for {
		recs, err := e.store.EventsAfter(s.Seq, 1000)
		if err != nil {
			return nil, fmt.Errorf("engine: load events after %d: %w", s.Seq, err)
		}
		if len(recs) == 0 {
			return s, nil
		}
		for _, r := range recs {
			ev, err := queue.DecodeEvent(r.Seq, r.Time, r.Type, r.Data)
			if err != nil {
				return nil, err
			}
			if err := s.Apply(ev); err != nil {
				return nil, err
			}
		}
	}
}

// Close stops the writer after the requests already queued, and saves a snapshot.
// It does not close the store.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	close(e.stop)
	<-e.stopped
	e.mu.RLock()
	data, err := json.Marshal(e.committed)
	seq := e.committed.Seq
	e.mu.RUnlock()
	if err != nil || seq == 0 {
		return err
	}
	return e.store.Update(func(tx *store.Tx) error { return tx.PutSnapshot(seq, data) })
}

var errClosed = queue.Errorf(queue.EUNAVAILABLE, "the server is shutting down").Zh("服务器正在关闭")

// do queues a request for the writer and waits for its answer.
func (e *Engine) do(ctx context.Context, run func(tx *store.Tx, s *queue.State, now time.Time) (any, []queue.Event, error)) (*request, error) {
	r := &request{run: run, done: make(chan struct{})}
	select {
	case e.reqs <- r:
	case <-e.stop:
		return nil, errClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued, the request will be answered: wait for it even if the caller
	// gives up, so its outcome is never ambiguous to the writer.
	<-r.done
	return r, r.err
}

// writer is the single goroutine that commits. It owns e.working.
func (e *Engine) writer() {
	defer close(e.stopped)
	batch := make([]*request, 0, e.opts.MaxBatch)
	for {
		select {
		case r := <-e.reqs:
			batch = append(batch[:0], r)
		case <-e.stop:
			// Answer what is already queued, then stop.
			for {
				select {
				case r := <-e.reqs:
					e.commit([]*request{r})
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < e.opts.MaxBatch {
			select {
			case r := <-e.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		e.commit(batch)
	}
}

// commit runs a batch in one transaction and answers its requests.
func (e *Engine) commit(batch []*request) {
	start := time.Now()
	var all []store.Record
	var applied []queue.Event
	err := e.store.Update(func(tx *store.Tx) error {
		all, applied = all[:0], applied[:0]
		for _, r := range batch {
			r.recs, r.result, r.err = nil, nil, nil
			now := e.opts.Now().UTC().Truncate(time.Millisecond)
			if roll := e.working.RollDay(e.hall, now); roll != nil {
				recs, evs, err := e.append(tx, roll)
				if err != nil {
					return err
				}
				all, applied = append(all, recs...), append(applied, evs...)
				if err := e.purgeIdentities(tx, now); err != nil {
					return err
				}
			}
			res, evs, err := r.run(tx, e.working, now)
			if err != nil {
				if queue.ErrorCode(err) == queue.EINTERNAL {
					return err
				}
				r.err = err
				continue
			}
			recs, evs, err := e.append(tx, evs)
			if err != nil {
				return err
			}
			r.result, r.recs = res, recs
			all, applied = append(all, recs...), append(applied, evs...)
		}
		e.sinceSnapshot += len(all)
		// Snapshot cost grows with the day's tickets, so snapshots are spaced by at
		// least as many events as there are tickets: constant cost per event.
		if len(all) > 0 && e.sinceSnapshot >= max(e.opts.SnapshotEvery, len(e.working.Tickets)) {
			data, err := json.Marshal(e.working)
			if err != nil {
				return fmt.Errorf("engine: encode snapshot: %w", err)
			}
			if err := tx.PutSnapshot(e.working.Seq, data); err != nil {
				return err
			}
			e.sinceSnapshot = 0
		}
		return nil
	})
	if err != nil {
		e.log.Error("commit failed; the batch is refused", "requests", len(batch), "err", err)
		fail := queue.Errorf(queue.EUNAVAILABLE, "the request could not be stored; please try again").Zh("保存失败，请重试")
		e.mu.RLock()
		e.working = e.committed.Clone()
		e.mu.RUnlock()
		for _, r := range batch {
			r.err, r.result, r.recs = fail, nil, nil
			close(r.done)
		}
		return
	}
	e.opts.OnCommit(len(batch), len(all), time.Since(start))
	if len(all) > 0 {
		e.mu.Lock()
		for _, ev := range applied {
			if err := e.committed.Apply(ev); err != nil {
				// The working copy accepted the same event; this cannot differ.
				panic(fmt.Sprintf("engine: committed state diverged: %v", err))
			}
			if d, ok := ev.Data.(*queue.TicketIssuedData); ok {
				e.tokens[e.Token(d.Ticket)] = d.Ticket
			}
			if ev.Type == queue.TypeDayOpened {
				clear(e.tokens)
			}
		}
		last := all[len(all)-1]
		e.headSeq, e.headHash = last.Seq, last.Hash
		e.mu.Unlock()
	}
	for _, r := range batch {
		close(r.done)
	}
	if len(all) > 0 {
		e.opts.Publish(all)
	}
}

// append appends events to the log in tx and applies them to the working state.
// Events come back with their sequence numbers.
func (e *Engine) append(tx *store.Tx, evs []queue.Event) ([]store.Record, []queue.Event, error) {
	recs := make([]store.Record, 0, len(evs))
	out := make([]queue.Event, 0, len(evs))
	for _, ev := range evs {
		data, err := json.Marshal(ev.Data)
		if err != nil {
			return nil, nil, fmt.Errorf("engine: encode %s: %w", ev.Type, err)
		}
		rec, err := tx.Append(ev.Type, ev.Time, data)
		if err != nil {
			return nil, nil, fmt.Errorf("engine: append %s: %w", ev.Type, err)
		}
		ev.Seq, ev.Time = rec.Seq, rec.Time
		if err := e.working.Apply(ev); err != nil {
			return nil, nil, fmt.Errorf("engine: %w", err)
		}
		recs, out = append(recs, rec), append(out, ev)
	}
	return recs, out, nil
}

// Token returns the secret status token of a ticket: what its receipt's QR code
// carries. It is derived from the ticket ID with a server secret, so it needs no
// storage and cannot be guessed from the public log.
func (e *Engine) Token(ticketID string) string {
	m := hmac.New(sha256.New, e.tokenKey)
	m.Write([]byte(ticketID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// identityHash returns the HMAC of a normalised identity document.
func (e *Engine) identityHash(normalized string) string {
	m := hmac.New(sha256.New, e.identityKey)
	m.Write([]byte(normalized))
	return hex.EncodeToString(m.Sum(nil))
}

// identityKey is the private key of an identity's daily count for a service:
// "day|service|hmac", so a day's records can be purged by prefix.
func identityRecordKey(day, service, hash string) []byte {
	return []byte(day + "|" + service + "|" + hash)
}

// purgeIdentities deletes identity records older than the retention period.
func (e *Engine) purgeIdentities(tx *store.Tx, now time.Time) error {
	cutoff := e.hall.Day(now.Add(-e.opts.IdentityRetention))
	var old [][]byte
	err := tx.ForEach(store.BucketIdentities, nil, func(k, _ []byte) error {
		if string(k[:min(len(k), len(cutoff))]) < cutoff {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("engine: purge identities: %w", err)
	}
	for _, k := range old {
		if err := tx.Delete(store.BucketIdentities, k); err != nil {
			return fmt.Errorf("engine: purge identities: %w", err)
		}
	}
	return nil
}

func getCount(tx *store.Tx, key []byte) int {
	v := tx.Get(store.BucketIdentities, key)
	if len(v) != 4 {
		return 0
	}
	return int(binary.BigEndian.Uint32(v))
}

func putCount(tx *store.Tx, key []byte, n int) error {
	return tx.Put(store.BucketIdentities, key, binary.BigEndian.AppendUint32(nil, uint32(n)))
}

// Head returns the sequence number and hash of the last committed event that the
// readable state includes.
func (e *Engine) Head() (uint64, string) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.headSeq, e.headHash
}

// Hall returns the hall's configuration.
func (e *Engine) Hall() *queue.Hall { return e.hall }

// Read calls fn with the committed state under the read lock. fn must not keep
// references into the state nor call other Engine methods.
func (e *Engine) Read(fn func(s *queue.State, seq uint64, hash string)) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	fn(e.committed, e.headSeq, e.headHash)
}
