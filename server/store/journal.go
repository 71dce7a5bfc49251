package store

import (
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
)

// The journal makes a batch durable with one write and one fdatasync, where a
// bbolt commit needs two (its pages, then its meta page) and more page writes.
// It is the write-ahead log of the bbolt file, as etcd's WAL is of its bbolt
// backend: Commit appends the batch as a frame to a preallocated file, syncs it
// and returns; a background applier copies the journaled batches into bbolt,
// many at a time, with an ordinary bbolt commit that also records the last
// frame applied. Open replays the frames bbolt does not have yet. The
// file's layout is described in journalframe.go.

// DefaultJournalSize is the size of the journal file: about 180,000 ticket
// events, some seconds of the busiest load between two resets.
const DefaultJournalSize = 64 << 20

// journalApplyDelay is how long a journaled batch may wait before the applier
// copies it into bbolt: the applier commits the batches of that time together,
// a small share of the disk's time, as etcd's backend commits every 100 ms.
const journalApplyDelay = 50 * time.Millisecond

// metaJournal is the key in BucketMeta of the lsn of the last frame applied.
var metaJournal = []byte("journal")

// Batch is what one Commit makes durable: events that follow the head, made by
// a Chain, and writes to private buckets, all or nothing. A snapshot may ride
// along; it is not journaled (a crash before it reaches bbolt loses only the
// snapshot, and the next one comes later).
type Batch struct {
	Records     []eventlog.Record
	Writes      []Write
	Snapshot    []byte // state at SnapshotSeq, if not nil
	SnapshotSeq uint64
	// SnapshotKeepFrom, if not 0, keeps the snapshots from this seq on
	// (see Tx.PutSnapshotKeeping).
	SnapshotKeepFrom uint64
}

// Write is one private-bucket write of a Batch; a nil Value deletes Key.
type Write struct {
	Bucket     Bucket
	Key, Value []byte
}

// journal is the store's write-ahead file and its applier.
type journal struct {
	f      *os.File
	size   int64
	noSync bool
	delay  time.Duration // how long a frame waits for the applier

	// Guarded by Store.writeMu.
	off    int64  // where the next frame goes
	lsn    uint64 // last frame written
	buf    []byte // frame being encoded
	broken error  // a write or sync failed: the file's state is unknown; also under mu

	mu       sync.Mutex
	changed  *sync.Cond // broadcast after each apply attempt
	pending  []*frame   // journaled, not in bbolt yet, in lsn order
	applied  uint64     // last frame in bbolt
	attempts uint64     // apply attempts finished
	applyErr error      // of the last attempt
	stopped  bool       // the applier has returned
	wake     chan struct{}
	kick     chan struct{}
	stop     chan struct{}
	done     chan struct{}
}

// journalPath names the journal of the store at path.
func journalPath(path string) string { return path + "-journal" }

// openJournal replays the journal at path into the bbolt file, if there is
// one, and, when use is set, opens it (creating it with size bytes) for
// Commit and starts its applier.
func (s *Store) openJournal(path string, opts Options, size int64) error {
	use, noSync := opts.Journal, opts.NoSync
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if !use {
			return nil
		}
		if f, err = createJournal(path, size, noSync); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("journal: %w", err)
	}
	lsn, err := s.replay(f)
	if err != nil {
		f.Close()
		return err
	}
	if !use {
		return f.Close()
	}
	if st, err := f.Stat(); err != nil {
		f.Close()
		return fmt.Errorf("journal: %w", err)
	} else if st.Size() < size {
		// A journal made smaller (or cut short) is grown with zeros.
		if err := zeroFill(f, st.Size(), size, noSync); err != nil {
			f.Close()
			return err
		}
	} else {
		size = st.Size()
	}
	j := &journal{
		f: f, size: size, noSync: noSync, lsn: lsn, applied: lsn, delay: cmp.Or(opts.applyDelay, journalApplyDelay),
		wake: make(chan struct{}, 1), kick: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	j.changed = sync.NewCond(&j.mu)
	s.journal = j
	go s.applier(j)
	return nil
}

// createJournal makes a journal file of size bytes of zeros (sparse with
// noSync) and syncs it and its directory.
func createJournal(path string, size int64, noSync bool) (*os.File, error) {
	tmp := path + ".new"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := zeroFill(f, 0, size, noSync); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("journal: %w", err)
	}
	if !noSync {
		if err := syncDir(path); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// zeroFill writes zeros from..to and syncs them; with noSync it only sets the
// size.
func zeroFill(f *os.File, from, to int64, noSync bool) error {
	if noSync {
		if err := f.Truncate(to); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		return nil
	}
	zeros := make([]byte, 1<<20)
	for at := from; at < to; at += int64(len(zeros)) {
		n := min(int64(len(zeros)), to-at)
		if _, err := f.WriteAt(zeros[:n], at); err != nil {
			return fmt.Errorf("journal: write zeros: %w", err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

func syncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("journal: sync directory: %w", err)
	}
	return nil
}

// replay reads f's frames and applies to bbolt, in one transaction, those it
// does not have. It returns the lsn of the last frame, which bbolt then has.
func (s *Store) replay(f *os.File) (uint64, error) {
	var applied uint64
	if err := s.db.View(func(btx *bolt.Tx) error {
		if v := btx.Bucket(BucketMeta).Get(metaJournal); len(v) == 8 {
			applied = binary.BigEndian.Uint64(v)
		}
		return nil
	}); err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	frames, err := readFrames(f, applied+1)
	if err != nil {
		return 0, err
	}
	var todo []*frame
	for _, fr := range frames {
		if fr.lsn > applied {
			todo = append(todo, fr)
		}
	}
	if len(todo) == 0 {
		return applied, nil
	}
	if todo[0].lsn != applied+1 {
		return 0, fmt.Errorf("journal: frames start at %d but the file has %d: frames are missing", todo[0].lsn, applied)
	}
	// The frames' events must continue the chain bbolt holds.
	h := s.head.Load()
	ch, err := eventlog.NewVerifier(h.seq, h.hex)
	if err != nil {
		return 0, err
	}
	for _, fr := range todo {
		for i, r := range fr.batch.Records {
			rec, err := ch.Next(r.Raw)
			if err != nil {
				return 0, fmt.Errorf("journal: frame %d: %w", fr.lsn, err)
			}
			fr.batch.Records[i] = rec
		}
		if len(fr.batch.Records) > 0 {
			seq, hash := ch.Head()
			fr.head = &head{seq: seq, raw: ch.Sum(), hex: hash}
		}
	}
	s.boltMu.Lock()
	err = s.db.Update(func(btx *bolt.Tx) error { return applyFrames(btx, todo) })
	s.boltMu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("journal: replay: %w", err)
	}
	for _, fr := range todo {
		if fr.head != nil {
			s.head.Store(fr.head)
		}
		s.replayedFrames++
		s.replayedEvents += len(fr.batch.Records)
	}
	return todo[len(todo)-1].lsn, nil
}

// Commit makes b durable and visible: Head, Event and EventsAfter see its
// events once it returns, and View, Update and the other readers too (they
// first wait for the bbolt file to have them). b's records must follow the
// head. With a journal (Options.Journal) the batch costs one write and one
// fdatasync of the journal and reaches the bbolt file shortly after;
// without, Commit is one Update. The Store keeps b: the caller must not
// change it afterwards. If Commit fails, nothing of b is kept; after a
// journal write fails, every later Commit fails too, until the store is
// opened again (the journal's state on disk is then unknown, and Open
// settles it).
func (s *Store) Commit(b *Batch) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	j := s.journal
	if j == nil {
		return s.update(func(tx *Tx) error { return tx.putBatch(b) })
	}
	if j.broken != nil {
		return fmt.Errorf("store: commit: the journal failed earlier (%v); restart the server", j.broken)
	}
	if len(b.Records) == 0 && len(b.Writes) == 0 && b.Snapshot == nil {
		return nil
	}
	h := s.head.Load()
	seq, hexHash := h.seq, h.hex
	for _, r := range b.Records {
		if r.Seq != seq+1 || r.PrevHash != hexHash || len(r.Hash) != len(eventlog.GenesisHash) {
			return fmt.Errorf("store: record %d does not follow %d (%.12s…): %w", r.Seq, seq, hexHash, eventlog.ErrBrokenChain)
		}
		seq, hexHash = r.Seq, r.Hash
	}
	fr := &frame{batch: b}
	if n := len(b.Records); n > 0 {
		last := b.Records[n-1]
		fr.head = &head{seq: last.Seq, hex: last.Hash}
		if _, err := hex.Decode(fr.head.raw[:], []byte(last.Hash)); err != nil {
			return fmt.Errorf("store: record %d hash %q: %w", last.Seq, last.Hash, eventlog.ErrBrokenChain)
		}
	}
	if b.Snapshot != nil && (b.SnapshotSeq == 0 || b.SnapshotSeq > seq) {
		return fmt.Errorf("store: snapshot at %d: want 1..%d (the head): %w", b.SnapshotSeq, seq, eventlog.ErrInvalid)
	}
	for _, w := range b.Writes {
		if err := reserved(w.Bucket, w.Key); err != nil {
			return fmt.Errorf("store: commit into %s: %w", w.Bucket, err)
		}
	}
	var err error
	if j.buf, err = appendFrame(j.buf[:0], j.lsn+1, b); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if int64(len(j.buf)) > j.size-j.off {
		// Start again at the beginning once bbolt has every frame.
		if err := s.flush(); err != nil {
			return fmt.Errorf("store: commit: %w", err)
		}
		j.off = 0
		if int64(len(j.buf)) > j.size {
			// Larger than the whole journal: straight into bbolt.
			return s.update(func(tx *Tx) error { return tx.putBatch(b) })
		}
	}
	if _, err := j.f.WriteAt(j.buf, j.off); err != nil {
		j.fail(err)
		return fmt.Errorf("store: commit: write journal: %w", err)
	}
	if !j.noSync {
		if err := fdatasync(j.f); err != nil {
			j.fail(err)
			return fmt.Errorf("store: commit: sync journal: %w", err)
		}
	}
	j.off += int64(len(j.buf))
	j.lsn++
	if cap(j.buf) > 4<<20 {
		j.buf = nil // do not keep a big batch's buffer
	}
	fr.lsn = j.lsn
	j.mu.Lock()
	j.pending = append(j.pending, fr)
	j.mu.Unlock()
	if fr.head != nil {
		s.head.Store(fr.head)
	}
	select {
	case j.wake <- struct{}{}:
	default:
	}
	return nil
}

// fail marks the journal broken; writeMu is held.
func (j *journal) fail(err error) {
	j.mu.Lock()
	j.broken = err
	j.mu.Unlock()
}

// Err reports what keeps the store from taking new commits, nil when it is
// healthy: a journal write or sync that failed (every Commit fails until the
// server is restarted, since the file's state is then unknown), or the last
// failed attempt to copy the journal into the bbolt file (Commits go on until
// the journal is full).
func (s *Store) Err() error {
	j := s.journal
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.broken != nil:
		return fmt.Errorf("store: the journal failed, restart the server: %w", j.broken)
	case j.applyErr != nil:
		return fmt.Errorf("store: the journal cannot be copied into the file: %w", j.applyErr)
	}
	return nil
}

// putBatch writes b in the transaction.
func (tx *Tx) putBatch(b *Batch) error {
	if err := tx.PutRecords(b.Records); err != nil {
		return err
	}
	for _, w := range b.Writes {
		var err error
		if w.Value == nil {
			err = tx.Delete(w.Bucket, w.Key)
		} else {
			err = tx.Put(w.Bucket, w.Key, w.Value)
		}
		if err != nil {
			return err
		}
	}
	if b.Snapshot != nil {
		return tx.PutSnapshotKeeping(b.SnapshotSeq, b.Snapshot, b.SnapshotKeepFrom)
	}
	return nil
}

// applyFrames writes journaled frames into bbolt, with the head and the lsn of
// the last.
func applyFrames(btx *bolt.Tx, frames []*frame) error {
	events := btx.Bucket(BucketEvents)
	events.FillPercent = eventsFillPercent
	meta := btx.Bucket(BucketMeta)
	h, err := readHead(btx)
	if err != nil {
		return err
	}
	tx := &Tx{btx: btx, events: events, seq: h.seq, raw: h.raw, hex: h.hex}
	defer tx.close()
	for _, fr := range frames {
		if err := tx.putBatch(fr.batch); err != nil {
			return fmt.Errorf("frame %d: %w", fr.lsn, err)
		}
	}
	if tx.seq != h.seq {
		v := make([]byte, 8+len(tx.raw))
		binary.BigEndian.PutUint64(v, tx.seq)
		copy(v[8:], tx.raw[:])
		if err := meta.Put(metaHead, v); err != nil {
			return fmt.Errorf("write head %d: %w", tx.seq, err)
		}
		if err := meta.Put(metaVerified, seqKey(tx.seq)); err != nil {
			return fmt.Errorf("write head %d: %w", tx.seq, err)
		}
	}
	return meta.Put(metaJournal, binary.BigEndian.AppendUint64(nil, frames[len(frames)-1].lsn))
}

// applier copies journaled frames into bbolt, a while after they come or at
// once when asked, until the store closes.
func (s *Store) applier(j *journal) {
	defer close(j.done)
	defer func() {
		j.mu.Lock()
		j.stopped = true
		j.changed.Broadcast()
		j.mu.Unlock()
	}()
	var timer <-chan time.Time
	for {
		select {
		case <-j.stop:
			s.apply(j)
			return
		case <-j.kick:
		case <-j.wake:
			if timer == nil {
				timer = time.After(j.delay)
			}
			continue
		case <-timer:
		}
		timer = nil
		if err := s.apply(j); err != nil {
			// Retry later; Commit keeps working until the journal is full.
			timer = time.After(j.delay)
		}
	}
}

// apply copies the pending frames into bbolt in one transaction.
func (s *Store) apply(j *journal) error {
	j.mu.Lock()
	frames := j.pending[:len(j.pending):len(j.pending)]
	j.mu.Unlock()
	var err error
	if len(frames) > 0 {
		s.boltMu.Lock()
		err = s.db.Update(func(btx *bolt.Tx) error { return applyFrames(btx, frames) })
		s.boltMu.Unlock()
		if err == nil {
			s.zero.nudge()
		}
	}
	j.mu.Lock()
	if err == nil && len(frames) > 0 {
		j.pending = j.pending[len(frames):]
		j.applied = frames[len(frames)-1].lsn
	}
	j.attempts++
	j.applyErr = err
	j.changed.Broadcast()
	j.mu.Unlock()
	return err
}

// flush waits until bbolt has every frame journaled so far. It fails if an
// attempt made after the call fails.
func (s *Store) flush() error {
	j := s.journal
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.pending) == 0 {
		return nil
	}
	target := j.pending[len(j.pending)-1].lsn
	start := j.attempts
	select {
	case j.kick <- struct{}{}:
	default:
	}
	for j.applied < target {
		if j.attempts > start && j.applyErr != nil {
			return fmt.Errorf("store: apply the journal: %w", j.applyErr)
		}
		if j.stopped {
			return errors.New("store: closed with journaled batches not in the file; they are replayed at the next open")
		}
		j.changed.Wait()
		if j.applied < target {
			select {
			case j.kick <- struct{}{}:
			default:
			}
		}
	}
	return nil
}

// pendingRecords returns the journaled events bbolt does not have yet, in
// order; the slices are shared and must not be changed.
func (s *Store) pendingRecords() [][]eventlog.Record {
	j := s.journal
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var out [][]eventlog.Record
	for _, fr := range j.pending {
		if len(fr.batch.Records) > 0 {
			out = append(out, fr.batch.Records)
		}
	}
	return out
}

// Replayed tells what Open copied from the journal into the file: batches
// committed before a crash or a power cut that the file did not have yet.
func (s *Store) Replayed() (batches, events int) { return s.replayedFrames, s.replayedEvents }

// closeJournal applies what is pending and closes the file.
func (s *Store) closeJournal() error {
	j := s.journal
	if j == nil {
		return nil
	}
	close(j.stop)
	<-j.done
	j.mu.Lock()
	err := j.applyErr
	left := len(j.pending)
	j.mu.Unlock()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	if left > 0 && err != nil {
		return fmt.Errorf("store: %d journaled batches are not in the file yet (they are replayed at the next open): %w", left, err)
	}
	return nil
}
