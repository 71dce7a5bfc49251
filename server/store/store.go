package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
)

// Bucket names a bbolt bucket of the store. All buckets are created by Open.
type Bucket []byte

// String returns the bucket's name.
func (b Bucket) String() string { return string(b) }

// The buckets of the store.
var (
	BucketEvents      = Bucket("events")      // seq (8-byte big-endian) -> published bytes
	BucketMeta        = Bucket("meta")        // head etc.
	BucketSnapshots   = Bucket("snapshots")   // seq BE -> state bytes
	BucketIdentities  = Bucket("identities")  // private: identity HMAC counters (caller-defined keys)
	BucketIdempotency = Bucket("idempotency") // private: idempotency keys -> responses
	BucketDevices     = Bucket("devices")     // private: device tokens (hashed)
	BucketStaff       = Bucket("staff")       // private: staff password hashes
	BucketSessions    = Bucket("sessions")    // private: staff sessions
	BucketSecrets     = Bucket("secrets")     // private: server secrets (HMAC key …)
	BucketOutbox      = Bucket("outbox")      // private: reserved for later use
	BucketBookings    = Bucket("bookings")    // private: booking ID -> its booker's identity HMAC
	BucketNoShows     = Bucket("no_shows")    // private: service|identity HMAC -> missed appointments
	BucketFeedback    = Bucket("feedback")    // private: rating comments, follow-up notes, complaints
)

// buckets lists every bucket Open creates.
var buckets = []Bucket{
	BucketEvents, BucketMeta, BucketSnapshots, BucketIdentities, BucketIdempotency,
	BucketDevices, BucketStaff, BucketSessions, BucketSecrets, BucketOutbox, BucketBookings, BucketNoShows,
	BucketFeedback, BucketArchives,
}

// metaHead is the key in BucketMeta of the head: seq (8 bytes BE) followed
// by the raw hash (32 bytes). Only the store writes it.
var metaHead = []byte("head")

// metaVerified is the key in BucketMeta of the verified head: the seq (8
// bytes BE) up to which the chain in the file is known good, because this
// store verified it (at Open, or replaying the journal) or wrote it from a
// Chain. Only the store writes it, with the head.
var metaVerified = []byte("verified")

// ErrNotFound is returned, wrapped, when an event or another record does not
// exist.
var ErrNotFound = errors.New("store: not found")

// DefaultEventsLimit is the number of events EventsAfter returns when its
// limit is not positive.
const DefaultEventsLimit = 1000

// SnapshotsKept is how many of the latest snapshots PutSnapshot keeps.
const SnapshotsKept = 3

// eventsFillPercent fills the pages of the append-only events bucket: keys
// only grow, so split pages are never written into again.
const eventsFillPercent = 1.0

// Options configure Open.
type Options struct {
	// Timeout is how long Open waits for the file lock held by another
	// process; 0 means one second.
	Timeout time.Duration
	// NoSync skips fsync on commit. For tests and benchmarks only: a crash
	// can lose or corrupt committed events.
	NoSync bool
	// Journal makes Commit write each batch to a preallocated journal file
	// beside the store (one write and one fdatasync) and copy it into the
	// bbolt file in the background: see Batch and the journal's layout. A
	// journal left by an earlier run is replayed by Open whether or not this
	// is set.
	Journal bool
	// JournalSize is the journal file's size; 0 means DefaultJournalSize.
	JournalSize int64
	// VerifyAll makes Open recompute the whole chain, as hallq-verify does,
	// instead of only the events after the verified head it remembers.
	VerifyAll bool
	// ArchiveStep pauses ArchiveDays after each page of events it writes or
	// deletes, so that crash tests can stop the process in the middle of
	// archiving. Zero in production.
	ArchiveStep time.Duration

	applyDelay   time.Duration // tests hold the journal's applier back
	scanFreelist bool          // benchmarks compare the scan with a written freelist
}

// head is the last committed event.
type head struct {
	seq uint64
	raw [sha256.Size]byte
	hex string
}

// genesis is the head of an empty log.
var genesis = &head{hex: eventlog.GenesisHash}

// Store is hallq's bbolt file: the public event log and the private buckets.
// It is safe for use by many goroutines.
type Store struct {
	db *bolt.DB
	// writeMu serialises Commit and Update so that the log grows in order
	// and every write starts from the head.
	writeMu sync.Mutex
	// boltMu is held around every bbolt write transaction (Update's, the
	// journal's applier's) and by the tail writer, which must not write
	// while bbolt allocates pages.
	boltMu  sync.Mutex
	head    atomic.Pointer[head] // the last event committed (journaled or in bbolt)
	zero    *zeroTail            // nil with NoSync
	journal *journal             // nil without Options.Journal

	replayedFrames, replayedEvents int // what Open copied from the journal

	archiveDir  string                    // ArchiveDir beside the file
	archives    atomic.Pointer[[]Archive] // the archives, oldest first; replaced, never changed
	archMu      sync.Mutex                // one ArchiveDays at a time
	archiveStep time.Duration
	noSync      bool
}

// Open opens or creates (mode 0600) the store at path, creates its buckets,
// reads the head, checks it against the last event and verifies the chain
// after the latest snapshot (the whole chain when there is none). It fails
// on a broken chain, naming the first bad event.
func Open(path string, opts Options) (*Store, error) {
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: timeout,
		NoSync:  opts.NoSync,
		// The freelist is written with each commit, so that Open reads it
		// instead of scanning the whole file: the scan grows with the log
		// (306 ms for 100,000 events, against 1.3 ms to read the list:
		// BenchmarkOpen) and brings every page of the file into memory. The
		// journal commits to bbolt only every 50 ms, so writing the list
		// costs little.
		NoFreelistSync: opts.scanFreelist,
		FreelistType:   bolt.FreelistMapType,
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("store: open %s: file is locked by another process (is another hallq server running?): %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, archiveDir: filepath.Join(filepath.Dir(path), ArchiveDir), archiveStep: opts.ArchiveStep, noSync: opts.NoSync}
	if err := s.init(opts.VerifyAll); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	size := opts.JournalSize
	if size <= 0 {
		size = DefaultJournalSize
	}
	if err := s.openJournal(journalPath(path), opts, size); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if !opts.NoSync {
		if err := s.startZeroTail(path); err != nil {
			s.closeJournal()
			db.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}
	return s, nil
}

// init creates the buckets, loads the head and verifies the chain after the
// verified head (the latest snapshot, if the file remembers none), or all of
// it with all.
func (s *Store) init(all bool) error {
	err := s.db.Update(func(btx *bolt.Tx) error {
		for _, b := range buckets {
			if _, err := btx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var verified uint64
	err = s.db.View(func(btx *bolt.Tx) error {
		h, err := readHead(btx)
		if err != nil {
			return err
		}
		if err := s.loadArchives(btx); err != nil {
			return err
		}
		if err := checkLast(btx, h, s.archiveList()); err != nil {
			return err
		}
		from := uint64(1)
		if k, _ := btx.Bucket(BucketSnapshots).Cursor().Last(); k != nil {
			snap := binary.BigEndian.Uint64(k)
			if snap > h.seq {
				return fmt.Errorf("snapshot at event %d is after the head %d", snap, h.seq)
			}
			from = snap + 1
		}
		if v := btx.Bucket(BucketMeta).Get(metaVerified); len(v) == 8 {
			if seq := binary.BigEndian.Uint64(v); seq <= h.seq {
				from = max(from, seq+1)
			}
		}
		if all {
			from = 1
		}
		if h.seq >= from {
			if err := s.verify(btx, from, h.seq); err != nil {
				return err
			}
		}
		s.head.Store(h)
		if v := btx.Bucket(BucketMeta).Get(metaVerified); len(v) == 8 {
			verified = binary.BigEndian.Uint64(v)
		} else {
			verified = ^uint64(0) // none: write it
		}
		return nil
	})
	if err != nil {
		return err
	}
	if h := s.head.Load(); h.seq != verified {
		err := s.db.Update(func(btx *bolt.Tx) error {
			return btx.Bucket(BucketMeta).Put(metaVerified, seqKey(h.seq))
		})
		if err != nil {
			return err
		}
	}
	// An archiving cut short may have left archived events in the file.
	done, _ := archivedHead(s.archiveList())
	return s.dropArchived(context.Background(), done)
}

// readHead reads the head stored in BucketMeta.
func readHead(btx *bolt.Tx) (*head, error) {
	v := btx.Bucket(BucketMeta).Get(metaHead)
	if v == nil {
		return genesis, nil
	}
	if len(v) != 8+sha256.Size {
		return nil, fmt.Errorf("head record has %d bytes, want %d", len(v), 8+sha256.Size)
	}
	h := &head{seq: binary.BigEndian.Uint64(v)}
	copy(h.raw[:], v[8:])
	h.hex = hex.EncodeToString(h.raw[:])
	return h, nil
}

// checkLast checks that the head names the last stored event, in the file
// or, when the file holds none, in the archives.
func checkLast(btx *bolt.Tx, h *head, archives []Archive) error {
	k, v := btx.Bucket(BucketEvents).Cursor().Last()
	if k == nil {
		if done, hash := archivedHead(archives); done > 0 {
			if done != h.seq || hash != h.hex {
				return fmt.Errorf("head names event %d (%s) but the last archived event is %d (%s)", h.seq, h.hex, done, hash)
			}
			return nil
		}
		if h.seq != 0 {
			return fmt.Errorf("head names event %d but the log is empty", h.seq)
		}
		return nil
	}
	seq := binary.BigEndian.Uint64(k)
	if seq != h.seq {
		return fmt.Errorf("head names event %d but the last stored event is %d", h.seq, seq)
	}
	rec, err := eventlog.Parse(v)
	if err != nil {
		return &eventlog.ChainError{Seq: seq, Reason: err.Error()}
	}
	if rec.Hash != h.hex {
		return fmt.Errorf("head hash %s differs from the hash %s of event %d", h.hex, rec.Hash, seq)
	}
	return nil
}

// Close copies what the journal holds into the bbolt file and closes both,
// waiting for open transactions.
func (s *Store) Close() error {
	jerr := s.closeJournal()
	s.zero.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return jerr
}

// Head returns the seq and hash of the last committed event, or (0,
// eventlog.GenesisHash) when the log is empty. It is safe from any goroutine.
func (s *Store) Head() (seq uint64, hash string) {
	h := s.head.Load()
	return h.seq, h.hex
}

// Update runs fn in one read-write transaction, committed with one fsync
// however many events fn appends. If fn returns an error (returned as is)
// or the commit fails, nothing fn did is kept and Head is unchanged; Head
// advances only after the commit. Updates and Commits run one at a time,
// an Update after the journal's batches are in the file; fn must not call
// Update or View.
func (s *Store) Update(fn func(tx *Tx) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.flush(); err != nil {
		return err
	}
	return s.update(fn)
}

// update is Update with writeMu held and nothing journaled pending.
func (s *Store) update(fn func(tx *Tx) error) error {
	h := s.head.Load()
	var tx *Tx
	var fnErr error
	s.boltMu.Lock()
	defer s.boltMu.Unlock()
	err := s.db.Update(func(btx *bolt.Tx) error {
		events := btx.Bucket(BucketEvents)
		events.FillPercent = eventsFillPercent
		tx = &Tx{btx: btx, events: events, seq: h.seq, raw: h.raw, hex: h.hex}
		defer tx.close()
		if fnErr = fn(tx); fnErr != nil {
			return fnErr
		}
		if tx.seq == h.seq {
			return nil
		}
		v := make([]byte, 8+sha256.Size)
		binary.BigEndian.PutUint64(v, tx.seq)
		copy(v[8:], tx.raw[:])
		if err := btx.Bucket(BucketMeta).Put(metaHead, v); err != nil {
			return fmt.Errorf("store: write head %d: %w", tx.seq, err)
		}
		if err := btx.Bucket(BucketMeta).Put(metaVerified, seqKey(tx.seq)); err != nil {
			return fmt.Errorf("store: write head %d: %w", tx.seq, err)
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if tx.seq != h.seq {
		s.head.Store(&head{seq: tx.seq, raw: tx.raw, hex: tx.hex})
	}
	s.zero.nudge()
	for _, f := range tx.onCommit {
		f()
	}
	return nil
}

// View runs fn in a read-only transaction that sees the committed state as
// of its start, journaled batches included (it waits for the file to have
// them). Views run concurrently with each other and with Update; fn must
// not call Update.
func (s *Store) View(fn func(tx *Tx) error) error {
	if err := s.flush(); err != nil {
		return err
	}
	return s.db.View(func(btx *bolt.Tx) error {
		tx := &Tx{btx: btx}
		defer tx.close()
		return fn(tx)
	})
}

// LatestSnapshot returns the latest projection snapshot and the seq it was
// taken at, or (0, nil, nil) when there is none.
func (s *Store) LatestSnapshot() (seq uint64, state []byte, err error) {
	if err := s.flush(); err != nil {
		return 0, nil, err
	}
	err = s.db.View(func(btx *bolt.Tx) error {
		k, v := btx.Bucket(BucketSnapshots).Cursor().Last()
		if k != nil {
			seq, state = binary.BigEndian.Uint64(k), bytes.Clone(v)
		}
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("store: latest snapshot: %w", err)
	}
	return seq, state, nil
}

// EventsAfter returns committed events with seq > after in ascending order,
// at most limit of them (DefaultEventsLimit when limit <= 0). Fewer than
// limit means the caller has reached the head as of the call.
func (s *Store) EventsAfter(after uint64, limit int) ([]eventlog.Record, error) {
	if limit <= 0 {
		limit = DefaultEventsLimit
	}
	if after == ^uint64(0) {
		return nil, nil
	}
	// Events journaled but not yet in the file come from memory: those
	// taken now, before the file is read, are all that the file lacks.
	pending := s.pendingRecords()
	end := ^uint64(0) // the first event not to read from the file
	if len(pending) > 0 {
		end = pending[0][0].Seq
	}
	var recs []eventlog.Record
	err := s.db.View(func(btx *bolt.Tx) error {
		h, err := readHead(btx)
		if err != nil || h.seq <= after {
			return err
		}
		recs = make([]eventlog.Record, 0, min(uint64(limit), h.seq-after))
		// The list is read inside the transaction: events it does not
		// cover were not deleted when the transaction began.
		if l := s.archiveList(); len(l) > 0 && after < l[len(l)-1].Last {
			if recs, err = s.archivedRecords(l, after, limit, recs); err != nil || len(recs) == limit {
				return err
			}
			after = l[len(l)-1].Last
		}
		c := btx.Bucket(BucketEvents).Cursor()
		k, v := c.Seek(seqKey(after + 1))
		for ; k != nil && len(recs) < limit && binary.BigEndian.Uint64(k) < end; k, v = c.Next() {
			r, err := eventlog.Parse(bytes.Clone(v))
			if err != nil {
				return fmt.Errorf("event %d: %w", binary.BigEndian.Uint64(k), err)
			}
			recs = append(recs, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: events after %d: %w", after, err)
	}
	for _, rs := range pending {
		for _, r := range rs {
			if len(recs) >= limit {
				return recs, nil
			}
			if r.Seq > after {
				recs = append(recs, r.Clone())
			}
		}
	}
	return recs, nil
}

// Event returns the committed event seq; the error wraps ErrNotFound when
// there is none.
func (s *Store) Event(seq uint64) (eventlog.Record, error) {
	for _, rs := range s.pendingRecords() {
		if first := rs[0].Seq; seq >= first && seq < first+uint64(len(rs)) {
			return rs[seq-first].Clone(), nil
		}
	}
	var r eventlog.Record
	err := s.db.View(func(btx *bolt.Tx) error {
		// The list is read inside the transaction: events it does not
		// cover were not deleted when the transaction began.
		if l := s.archiveList(); seq >= 1 && len(l) > 0 && seq <= l[len(l)-1].Last {
			recs, err := s.archivedRecords(l, seq-1, 1, nil)
			if err != nil {
				return err
			}
			r = recs[0]
			return nil
		}
		v := btx.Bucket(BucketEvents).Get(seqKey(seq))
		if v == nil {
			return ErrNotFound
		}
		var err error
		r, err = eventlog.Parse(bytes.Clone(v))
		return err
	})
	if err != nil {
		return eventlog.Record{}, fmt.Errorf("store: event %d: %w", seq, err)
	}
	return r, nil
}

// seqKey returns the key of event seq in BucketEvents.
func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq)
}
