package engine

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"hallq/server/eventlog"
	"hallq/server/queue"
	"hallq/server/store"
)

// Options tune an Engine. The zero value is usable.
type Options struct {
	// MaxBatch is the most requests committed together (default 256).
	MaxBatch int
	// SnapshotEvery and SnapshotInterval bound the events after the latest
	// projection snapshot, which a start replays: a snapshot is taken after
	// this many events (default 5000), or this long after the last one when
	// events came since (default one minute). Most snapshots hold only the
	// tickets changed since the one before, so their cost does not grow with
	// the day's tickets (see takeSnapshot).
	SnapshotEvery    int
	SnapshotInterval time.Duration
	// IdentityRetention is how long identity HMACs are kept (default 30 days).
	IdentityRetention time.Duration
	// FeedbackRetention is how long rating comments, follow-up notes and
	// complaints (with their contacts) are kept once over (default 180 days).
	FeedbackRetention time.Duration
	// IdentityKey is the HMAC key of identity documents, 32 bytes. It is kept
	// outside the store (package keyfile), so that a copy of the store does not
	// tell which ID numbers came. Required.
	IdentityKey []byte
	// CheckpointKey signs log.checkpoint events; nil signs none. It is kept
	// outside the store (package keyfile), like the identity key.
	CheckpointKey ed25519.PrivateKey
	// CheckpointEvents and CheckpointInterval space the checkpoints: one
	// after this many events (default 1000), and one this long after the
	// last when events came since (default 10 minutes). Each day's seal
	// is signed too.
	CheckpointEvents   int
	CheckpointInterval time.Duration
	// Public is the public part of the hall's configuration; at start it is
	// appended as a hall.configured event when it differs from the last one
	// in the log. Nil appends nothing.
	Public *queue.PublicHall
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
	// Publish receives the records of every commit and their events (evs[i] is
	// recs[i]), after the commit, in log order, from the committer goroutine.
	// It must not block for long nor change them.
	Publish func(recs []eventlog.Record, evs []queue.Event)
	// OnCommit observes each commit: how many requests and events it carried and
	// how long the commit took, including its sync.
	OnCommit func(requests, events int, d time.Duration)
	Logger   *slog.Logger

	// WithdrawalsPerKioskPerDay bounds the keys a kiosk may withdraw in a day
	// that the server never saw (each is stored for the day so that a late
	// request issues nothing); 0 means no bound. Keys of tickets the server
	// issued are always withdrawn.
	WithdrawalsPerKioskPerDay int
}

// Engine is a running hall. Its methods are safe for concurrent use.
//
// Three goroutines do the writing, as a pipeline. The sequencer takes the requests
// that are waiting, runs their commands on its working state, encodes the events
// into log records (hash chain included) and hands the batch to the committer;
// it then prepares the next batch while the committer commits the previous one
// through store.Commit and waits for its sync. After the commit, the publisher
// applies the events to the committed state that readers see, answers the
// requests and publishes the records, in log order, while the committer already
// writes the next batch. If a commit fails, that batch and every batch prepared
// on top of it are refused, and the sequencer starts again from the committed
// state.
type Engine struct {
	hall  *queue.Hall
	store *store.Store
	opts  Options
	log   *slog.Logger

	identityKey []byte    // HMAC key of identity documents
	tokenKey    []byte    // HMAC key of ticket status tokens
	tokenMACs   sync.Pool // of hash.Hash keyed with tokenKey: keying costs more than the MAC

	reqs      chan *request
	commits   chan *batch   // sequencer -> committer
	published chan *batch   // committer -> publisher, in commit order
	reset     chan struct{} // publisher -> sequencer: a commit failed
	stop      chan struct{}
	stopped   chan struct{}

	// Owned by the sequencer goroutine.
	working    *queue.State
	chain      *eventlog.Chain
	idem       map[string]idemRecord // kiosk + "\x00" + key -> today's ticket
	idemSeq    uint64                // last idempotency record of the day
	identities map[string]int        // identity record key -> tickets today
	appt       apptPrivate           // bookers and their missed appointments
	spent      map[string]int        // kiosk -> today's spent keys (idemRecords without a ticket)
	// ahead is the read of the private records started while Open loads
	// the state (see readAhead); restart takes it.
	ahead         *privateRead
	epoch         uint64
	sinceSnapshot int // events since the last snapshot
	// lastSnapshot and lastSnapshotAt are the seq and time of the last
	// snapshot taken, lastFull and prevFull the seqs of the last two full
	// ones, fullDay the day of the last full one and sinceFull the tickets
	// the deltas since it hold.
	lastSnapshot, lastFull, prevFull uint64
	lastSnapshotAt                   time.Time
	fullDay                          string
	sinceFull                        int
	loadedFrom                       uint64        // the snapshot Open started from, 0 for none
	lastBatch                        int           // events in the last batch sent to the committer
	scratch                          []byte        // event data being encoded
	answering                        atomic.Int32  // batches committed and not yet answered
	answered                         chan struct{} // publisher -> sequencer: nothing left to answer

	contacts contacts // kiosks' last requests, for the placement of offline tickets

	// mu guards the committed view that readers use; the committer writes it.
	mu        sync.RWMutex
	committed *queue.State
	headSeq   uint64
	headHash  string

	// tokensMu guards tokens, status token -> ticket ID of today's tickets. The
	// publisher clears it when a day opens; whoever gets a new ticket's view
	// first (the caller that issued or synced it) adds its token, outside the
	// writer's goroutines.
	// At start the tokens of the day's tickets are made in the background
	// (an HMAC each): tokensReady closes once they are in tokens, and
	// tokensDays counts the days opened since, whose tokens replace them.
	tokensMu    sync.Mutex
	tokens      map[string]string
	tokensReady chan struct{}
	tokensDays  int
	closed      bool

	// bookingsMu guards the links of bookings: status token and booking code
	// -> booking ID. Built from the committed bookings at start; a booking's
	// links are added by the caller that booked it.
	bookingsMu   sync.Mutex
	bookingLinks map[string]string

	// apptIdx is the committed index of bookers, guarded by mu; gates holds
	// a *slotGate per slot booked since start (see admit).
	apptIdx apptIndex
	gates   sync.Map
}

// Open loads the projection from st (latest snapshot plus the events after it),
// loads or creates the server secrets, and starts the writer. The hall must be
// validated.
func Open(st *store.Store, hall *queue.Hall, opts Options) (*Engine, error) {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.SnapshotEvery <= 0 {
		opts.SnapshotEvery = 5000
	}
	if opts.SnapshotInterval <= 0 {
		opts.SnapshotInterval = time.Minute
	}
	if opts.IdentityRetention <= 0 {
		opts.IdentityRetention = 30 * 24 * time.Hour
	}
	if opts.FeedbackRetention <= 0 {
		opts.FeedbackRetention = DefaultFeedbackRetention
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CheckpointEvents <= 0 {
		opts.CheckpointEvents = 1000
	}
	if opts.CheckpointInterval <= 0 {
		opts.CheckpointInterval = 10 * time.Minute
	}
	if opts.Publish == nil {
		opts.Publish = func([]eventlog.Record, []queue.Event) {}
	}
	if opts.OnCommit == nil {
		opts.OnCommit = func(int, int, time.Duration) {}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{
		hall: hall, store: st, opts: opts, log: opts.Logger,
		reqs: make(chan *request, opts.MaxBatch), commits: make(chan *batch), published: make(chan *batch, 4),
		reset: make(chan struct{}, 1), answered: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{}),
	}
	if len(opts.IdentityKey) != 32 {
		return nil, fmt.Errorf("engine: the identity key has %d bytes, want 32", len(opts.IdentityKey))
	}
	e.identityKey = opts.IdentityKey
	var err error
	if e.tokenKey, err = e.secret(keyTokenSecret); err != nil {
		return nil, err
	}
	e.tokenMACs.New = func() any { return hmac.New(sha256.New, e.tokenKey) }
	resumeGC := pauseGC()
	defer resumeGC()
	state, replayed, err := e.load(resumeGC)
	if err != nil {
		if e.ahead != nil {
			<-e.ahead.done // not to read the store once Open has failed
		}
		return nil, err
	}
	e.sinceSnapshot, e.lastSnapshotAt = replayed, opts.Now()
	e.committed = state
	e.headSeq, e.headHash = st.Head()
	// The links of the bookings are made while the writer's state and
	// private records load; the status tokens of the day's tickets after,
	// while the engine already issues.
	e.bookingLinks = map[string]string{}
	var links sync.WaitGroup
	links.Go(func() {
		for id := range state.Bookings {
			e.rememberBooking(id)
		}
	})
	ids := make([]string, 0, len(state.Tickets))
	for id := range state.Tickets {
		ids = append(ids, id)
	}
	e.tokens, e.tokensReady = map[string]string{}, make(chan struct{})
	err = e.restart()
	links.Wait()
	resumeGC()
	if err != nil {
		return nil, err
	}
	go e.makeTokens(ids)
	go e.appointmentClock()
	go e.sequencer()
	go e.committer()
	go func() {
		e.publisher()
		close(e.stopped)
	}()
	if err := e.configure(); err != nil {
		e.Close()
		return nil, err
	}
	if e.opts.CheckpointKey != nil {
		go e.checkpointer()
	}
	return e, nil
}

// Close answers the requests already queued, stops the writer and saves a
// snapshot. It does not close the store.
func (e *Engine) Close() error {
	if !e.halt() {
		return nil
	}
	// A full snapshot at the head: a clean start replays nothing. The
	// writer has stopped, so its bookkeeping can be read.
	e.mu.RLock()
	seq := e.committed.Seq
	var data []byte
	var err error
	if seq != 0 {
		data, err = encodeSnapshot(e.committed, 0, nil)
	}
	e.mu.RUnlock()
	if err != nil || seq == 0 {
		return err
	}
	return e.store.Update(func(tx *store.Tx) error { return tx.PutSnapshotKeeping(seq, data, e.lastFull) })
}

// halt answers the requests already queued and stops the writer, as Close
// does, without a snapshot. It reports whether this call stopped it.
func (e *Engine) halt() bool {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return false
	}
	e.closed = true
	e.mu.Unlock()
	close(e.stop)
	<-e.stopped
	return true
}

// Head returns the sequence number and hash of the last committed event that the
// readable state includes.
func (e *Engine) Head() (uint64, string) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.headSeq, e.headHash
}

// Now returns the engine's clock: the time its commands run at.
func (e *Engine) Now() time.Time { return e.opts.Now() }

// Hall returns the hall's configuration.
func (e *Engine) Hall() *queue.Hall { return e.hall }

// Read calls fn with the committed state under the read lock. fn must not keep
// references into the state nor call other Engine methods.
func (e *Engine) Read(fn func(s *queue.State, seq uint64, hash string)) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	fn(e.committed, e.headSeq, e.headHash)
}
