package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
	"hallq/server/queue"
	"hallq/server/wire"
)

// replica is the display's copy of the public log in a bbolt file of its own:
// the events exactly as published, chained, snapshots of the state folded from
// them, and, in a bucket of the display's own, the head, the hall description,
// the window this display shows and its card's portrait, so that a display
// restarted without its server still draws the last known state with names
// and cards. Opening it recomputes the chain of what it holds. Its methods are
// safe for concurrent use (bbolt serialises the writes).
type replica struct {
	db   *bolt.DB
	path string
}

// The buckets of a replica.
var (
	bucketEvents    = []byte("events")    // seq (8-byte big-endian) -> published bytes
	bucketSnapshots = []byte("snapshots") // seq (8-byte big-endian) -> state JSON
	bucketDisplay   = []byte("display")   // the keys below
)

// Keys of the display bucket.
var (
	keyHead   = []byte("head")   // seq (8 bytes big-endian) and hash (32 raw bytes) of the last event
	keyHall   = []byte("hall")   // the hall description, JSON
	keyWindow = []byte("window") // the window a window-mode display learnt from the server
	keyPhoto  = []byte("photo")  // storedPhoto, JSON
)

// snapshotEvery is how many events the display folds between snapshots of its
// state, which spare a restart from folding the whole log.
const snapshotEvery = 2000

// snapshotsKept is how many of the latest snapshots a replica keeps.
const snapshotsKept = 3

// replicaFile is the name of the replica in the data directory.
const replicaFile = "replica.db"

// openReplica opens or creates the replica in dir and folds what it holds:
// from its latest snapshot, each event after it is parsed, checked against
// the chain and folded, in one pass. A replica whose chain does not verify is
// moved aside (its name gets ".broken-<time>") and a new one is started: the
// display then fetches the log again from the server. It reports the name the
// broken file was moved to.
func openReplica(dir string) (r *replica, sv *saved, movedTo string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, "", fmt.Errorf("replica: %w", err)
	}
	path := filepath.Join(dir, replicaFile)
	r, sv, err = loadReplica(path)
	if errors.Is(err, eventlog.ErrBrokenChain) {
		movedTo = path + ".broken-" + time.Now().UTC().Format("20060102T150405Z")
		if rerr := os.Rename(path, movedTo); rerr != nil {
			return nil, nil, "", fmt.Errorf("replica: %w; moving it aside: %w", err, rerr)
		}
		r, sv, err = loadReplica(path)
	}
	if err != nil {
		return nil, nil, movedTo, fmt.Errorf("replica %s: %w", path, err)
	}
	return r, sv, movedTo, nil
}

// loadReplica opens the file at path, brings a replica of an older layout to
// this one, and folds it.
func loadReplica(path string) (*replica, *saved, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, nil, fmt.Errorf("file is locked by another process (is another display running with this -data?): %w", err)
	}
	if err != nil {
		return nil, nil, err
	}
	r := &replica{db: db, path: path}
	if err := db.Update(upgrade); err != nil {
		db.Close()
		return nil, nil, err
	}
	var sv *saved
	if err := db.View(func(tx *bolt.Tx) error {
		var err error
		sv, err = load(tx)
		return err
	}); err != nil {
		db.Close()
		return nil, nil, err
	}
	return r, sv, nil
}

// Where replicas of the first layout kept what is now in the display bucket:
// they were written by the hall server's store, which kept the head in its
// meta bucket, where the display wrote its own keys too, and made the store's
// private buckets, which a display leaves empty.
var (
	oldBucketMeta = []byte("meta")
	oldKeys       = [][2][]byte{
		{[]byte("head"), keyHead},
		{[]byte("display.hall"), keyHall},
		{[]byte("display.window"), keyWindow},
		{[]byte("display.photo"), keyPhoto},
	}
	oldEmptyBuckets = []string{"identities", "idempotency", "devices", "staff", "sessions", "secrets", "outbox"}
)

// upgrade creates the buckets and moves the records of a replica of the first
// layout into the display bucket, in one transaction: a display upgraded in
// place keeps its copy of the log and what it knew of the hall.
func upgrade(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketEvents, bucketSnapshots, bucketDisplay} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	old := tx.Bucket(oldBucketMeta)
	if old == nil {
		return nil
	}
	d := tx.Bucket(bucketDisplay)
	for _, k := range oldKeys {
		if v := old.Get(k[0]); v != nil && d.Get(k[1]) == nil {
			if err := d.Put(k[1], bytes.Clone(v)); err != nil {
				return fmt.Errorf("upgrade %s: %w", k[0], err)
			}
		}
	}
	if err := tx.DeleteBucket(oldBucketMeta); err != nil {
		return fmt.Errorf("upgrade: %w", err)
	}
	for _, name := range oldEmptyBuckets {
		if b := tx.Bucket([]byte(name)); b != nil {
			if k, _ := b.Cursor().First(); k == nil {
				if err := tx.DeleteBucket([]byte(name)); err != nil {
					return fmt.Errorf("upgrade: %w", err)
				}
			}
		}
	}
	return nil
}

// Close closes the file.
func (r *replica) Close() error { return r.db.Close() }

// saved is what a replica holds, folded.
type saved struct {
	hall   *wire.Hall // nil if never fetched
	window string     // window of a window-mode display learnt from the server
	photo  *portrait  // the portrait on the window's card, nil for none
	state  *queue.State
	seq    uint64 // head of the log held
	hash   string
}

// load folds a replica: its latest snapshot, then every event after it,
// checked against the chain. An event that does not verify, or a head that
// does not name the last event, is a *eventlog.ChainError.
func load(tx *bolt.Tx) (*saved, error) {
	d := tx.Bucket(bucketDisplay)
	sv := &saved{state: queue.NewState()}
	var err error
	if sv.seq, sv.hash, err = readHead(d); err != nil {
		return nil, err
	}
	if data := d.Get(keyHall); data != nil {
		var h wire.Hall
		if err := json.Unmarshal(data, &h); err != nil {
			return nil, fmt.Errorf("hall description: %w", err)
		}
		sv.hall = &h
	}
	sv.window = string(d.Get(keyWindow))
	if data := d.Get(keyPhoto); data != nil {
		var sp storedPhoto
		if err := json.Unmarshal(data, &sp); err != nil {
			return nil, fmt.Errorf("photo: %w", err)
		}
		if sv.photo, err = decodePortrait(sp.URL, sp.Data); err != nil {
			return nil, fmt.Errorf("photo: %w", err)
		}
	}
	events := tx.Bucket(bucketEvents)
	if k, _ := events.Cursor().Last(); (k == nil && sv.seq != 0) || (k != nil && binary.BigEndian.Uint64(k) != sv.seq) {
		return nil, &eventlog.ChainError{Seq: sv.seq, Reason: fmt.Sprintf("the head names event %d but the last one held is %x", sv.seq, k)}
	}
	if k, v := tx.Bucket(bucketSnapshots).Cursor().Last(); k != nil {
		at := binary.BigEndian.Uint64(k)
		if at > sv.seq {
			return nil, &eventlog.ChainError{Seq: sv.seq, Reason: fmt.Sprintf("a snapshot at event %d is after the head", at)}
		}
		s := queue.NewState()
		if err := json.Unmarshal(v, s); err != nil {
			return nil, fmt.Errorf("snapshot at %d: %w", at, err)
		}
		s.Reindex()
		sv.state = s
	}
	from := sv.state.Seq // events up to it are in the snapshot
	prev := eventlog.GenesisHash
	if from > 0 {
		rec, err := eventlog.Parse(events.Get(seqKey(from)))
		if err != nil {
			return nil, &eventlog.ChainError{Seq: from, Reason: err.Error()}
		}
		prev = rec.Hash
	}
	chain, err := eventlog.NewVerifier(from, prev)
	if err != nil {
		return nil, err
	}
	c := events.Cursor()
	k, v := c.Seek(seqKey(from + 1))
	for seq := from + 1; seq <= sv.seq; seq++ {
		if k == nil || binary.BigEndian.Uint64(k) != seq {
			return nil, &eventlog.ChainError{Seq: seq, Reason: "missing"}
		}
		rec, err := chain.Next(v)
		if err != nil {
			return nil, err
		}
		if _, err := fold(sv.state, rec); err != nil {
			return nil, fmt.Errorf("event %d: %w", seq, err)
		}
		k, v = c.Next()
	}
	if _, h := chain.Head(); h != sv.hash {
		return nil, &eventlog.ChainError{Seq: sv.seq, Reason: fmt.Sprintf("the head names hash %s, the event has %s", sv.hash, h)}
	}
	return sv, nil
}

// readHead reads the head from the display bucket: (0, GenesisHash) for an
// empty replica.
func readHead(d *bolt.Bucket) (uint64, string, error) {
	v := d.Get(keyHead)
	if v == nil {
		return 0, eventlog.GenesisHash, nil
	}
	if len(v) != 8+sha256.Size {
		return 0, "", &eventlog.ChainError{Reason: fmt.Sprintf("the head record has %d bytes, want %d", len(v), 8+sha256.Size)}
	}
	return binary.BigEndian.Uint64(v), hex.EncodeToString(v[8:]), nil
}

// seqKey returns the key of event seq.
func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// fold applies one record to the state and returns its event. An event of a
// type this display does not know (from a newer server) is kept in the log
// but not folded: fold returns the zero Event for it.
func fold(s *queue.State, rec eventlog.Record) (ev queue.Event, err error) {
	if _, err := queue.NewData(rec.Type); err != nil {
		return queue.Event{}, nil
	}
	ev, err = queue.DecodeEvent(rec.Seq, rec.Time, rec.Type, rec.Data)
	if err != nil {
		return queue.Event{}, err
	}
	if err := s.Apply(ev); err != nil {
		return queue.Event{}, err
	}
	return ev, nil
}

// load folds the replica again, as openReplica did.
func (r *replica) load() (sv *saved, err error) {
	err = r.db.View(func(tx *bolt.Tx) error {
		sv, err = load(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	return sv, nil
}

// head returns the last event held.
func (r *replica) head() (seq uint64, hash string) {
	r.db.View(func(tx *bolt.Tx) error {
		seq, hash, _ = readHead(tx.Bucket(bucketDisplay))
		return nil
	})
	return seq, hash
}

// append stores records that follow the head, verified by the caller, in one
// transaction. Each must follow the one before it (seq and prev_hash), or
// nothing is stored and the error wraps eventlog.ErrBrokenChain.
func (r *replica) append(recs []eventlog.Record) error {
	if len(recs) == 0 {
		return nil
	}
	err := r.db.Update(func(tx *bolt.Tx) error {
		d := tx.Bucket(bucketDisplay)
		seq, hash, err := readHead(d)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if rec.Seq != seq+1 || rec.PrevHash != hash {
				return fmt.Errorf("event %d does not follow %d (%.12s…): %w", rec.Seq, seq, hash, eventlog.ErrBrokenChain)
			}
			seq, hash = rec.Seq, rec.Hash
		}
		events := tx.Bucket(bucketEvents)
		events.FillPercent = 1 // keys only grow
		for _, rec := range recs {
			if err := events.Put(seqKey(rec.Seq), rec.Raw); err != nil {
				return err
			}
		}
		head := binary.BigEndian.AppendUint64(make([]byte, 0, 8+sha256.Size), seq)
		if head, err = hex.AppendDecode(head, []byte(hash)); err != nil || len(head) != 8+sha256.Size {
			return fmt.Errorf("event %d: hash %q: %w", seq, hash, eventlog.ErrInvalid)
		}
		return d.Put(keyHead, head)
	})
	if err != nil {
		return fmt.Errorf("replica: store events %d-%d: %w", recs[0].Seq, recs[len(recs)-1].Seq, err)
	}
	return nil
}

// snapshot stores the state, which must not be ahead of the head, and keeps
// only the latest snapshotsKept.
func (r *replica) snapshot(s *queue.State) error {
	if s.Seq == 0 {
		return nil
	}
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("replica: snapshot: %w", err)
	}
	err = r.db.Update(func(tx *bolt.Tx) error {
		head, _, err := readHead(tx.Bucket(bucketDisplay))
		if err != nil {
			return err
		}
		if s.Seq > head {
			return fmt.Errorf("the state is at event %d, after the head %d", s.Seq, head)
		}
		b := tx.Bucket(bucketSnapshots)
		if err := b.Put(seqKey(s.Seq), data); err != nil {
			return err
		}
		var old [][]byte
		c := b.Cursor()
		kept := 0
		for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			if kept++; kept > snapshotsKept {
				old = append(old, bytes.Clone(k))
			}
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replica: snapshot at %d: %w", s.Seq, err)
	}
	return nil
}

// put sets (or, for a nil value, deletes) a key of the display bucket.
func (r *replica) put(key, value []byte) error {
	return r.db.Update(func(tx *bolt.Tx) error {
		d := tx.Bucket(bucketDisplay)
		if value == nil {
			return d.Delete(key)
		}
		return d.Put(key, value)
	})
}

// saveHall keeps the hall description.
func (r *replica) saveHall(h *wire.Hall) error {
	data, err := json.Marshal(h)
	if err == nil {
		err = r.put(keyHall, data)
	}
	if err != nil {
		return fmt.Errorf("replica: hall description: %w", err)
	}
	return nil
}

// storedPhoto is a card's portrait as the replica keeps it.
type storedPhoto struct {
	URL  string `json:"url"`
	Data []byte `json:"data"` // PNG or JPEG
}

// savePhoto keeps the portrait of the window's card, or forgets it (nil).
func (r *replica) savePhoto(p *portrait) error {
	var data []byte
	var err error
	if p != nil {
		data, err = json.Marshal(storedPhoto{URL: p.url, Data: p.data})
	}
	if err == nil {
		err = r.put(keyPhoto, data)
	}
	if err != nil {
		return fmt.Errorf("replica: photo: %w", err)
	}
	return nil
}

// saveWindow keeps the window a window-mode display learnt from the server.
func (r *replica) saveWindow(id string) error {
	if err := r.put(keyWindow, []byte(id)); err != nil {
		return fmt.Errorf("replica: window: %w", err)
	}
	return nil
}
