package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"hallq/server/client"
	"hallq/server/eventlog"
	"hallq/server/queue"
	"hallq/server/store"
)

// replica is the display's copy of the public log in a bbolt file: the events
// exactly as published, chained, in the same store format as the server's
// log, plus the hall description and the window this display shows, so that
// a display restarted without its server still draws the last known state
// with names and cards. Opening it recomputes the chain of what it holds.
type replica struct {
	st   *store.Store
	path string
}

// Keys of the display's own records in the store's meta bucket.
var (
	metaHall   = []byte("display.hall")
	metaWindow = []byte("display.window")
	metaPhoto  = []byte("display.photo")
)

// snapshotEvery is how many events the display folds between snapshots of its
// state, which spare a restart from folding the whole log.
const snapshotEvery = 2000

// replicaFile is the name of the replica in the data directory.
const replicaFile = "replica.db"

// openReplica opens or creates the replica in dir. A replica whose chain does
// not verify is moved aside (its name gets ".broken-<time>") and a new one is
// started: the display then fetches the log again from the server. It
// reports the name the broken file was moved to.
func openReplica(dir string) (r *replica, movedTo string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("replica: %w", err)
	}
	path := filepath.Join(dir, replicaFile)
	st, err := store.Open(path, store.Options{Timeout: 2 * time.Second})
	if errors.Is(err, eventlog.ErrBrokenChain) {
		movedTo = path + ".broken-" + time.Now().UTC().Format("20060102T150405Z")
		if rerr := os.Rename(path, movedTo); rerr != nil {
			return nil, "", fmt.Errorf("replica: %w; moving it aside: %w", err, rerr)
		}
		st, err = store.Open(path, store.Options{Timeout: 2 * time.Second})
	}
	if err != nil {
		return nil, movedTo, fmt.Errorf("replica: %w", err)
	}
	return &replica{st: st, path: path}, movedTo, nil
}

// Close saves nothing more and closes the file.
func (r *replica) Close() error { return r.st.Close() }

// head returns the last event held.
func (r *replica) head() (uint64, string) { return r.st.Head() }

// saved is what a replica holds, folded.
type saved struct {
	hall   *client.Hall // nil if never fetched
	window string       // window of a window-mode display learnt from the server
	photo  *portrait    // the portrait on the window's card, nil for none
	state  *queue.State
	seq    uint64 // head of the log held
	hash   string
}

// load folds the replica into a state: from its latest snapshot, then every
// event after it.
func (r *replica) load() (*saved, error) {
	sv := &saved{state: queue.NewState()}
	sv.seq, sv.hash = r.st.Head()
	err := r.st.View(func(tx *store.Tx) error {
		if data := tx.Get(store.BucketMeta, metaHall); data != nil {
			var h client.Hall
			if err := json.Unmarshal(data, &h); err != nil {
				return fmt.Errorf("hall description: %w", err)
			}
			sv.hall = &h
		}
		sv.window = string(tx.Get(store.BucketMeta, metaWindow))
		if data := tx.Get(store.BucketMeta, metaPhoto); data != nil {
			var sp storedPhoto
			if err := json.Unmarshal(data, &sp); err != nil {
				return fmt.Errorf("photo: %w", err)
			}
			p, err := decodePortrait(sp.URL, sp.Data)
			if err != nil {
				return fmt.Errorf("photo: %w", err)
			}
			sv.photo = p
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	snapSeq, data, err := r.st.LatestSnapshot()
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	if data != nil {
		s := queue.NewState()
		if err := json.Unmarshal(data, s); err != nil {
			return nil, fmt.Errorf("replica: snapshot at %d: %w", snapSeq, err)
		}
		s.Reindex()
		sv.state = s
	}
	for after := snapSeq; after < sv.seq; {
		recs, err := r.st.EventsAfter(after, 0)
		if err != nil {
			return nil, fmt.Errorf("replica: %w", err)
		}
		if len(recs) == 0 {
			return nil, fmt.Errorf("replica: events after %d missing, head is %d", after, sv.seq)
		}
		for _, rec := range recs {
			if rec.Seq > sv.state.Seq {
				if _, err := fold(sv.state, rec); err != nil {
					return nil, fmt.Errorf("replica: %w", err)
				}
			}
			after = rec.Seq
		}
	}
	return sv, nil
}

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

// append stores verified records that follow the head, in one transaction.
func (r *replica) append(recs []eventlog.Record) error {
	if len(recs) == 0 {
		return nil
	}
	if err := r.st.Update(func(tx *store.Tx) error { return tx.PutRecords(recs) }); err != nil {
		return fmt.Errorf("replica: store events %d-%d: %w", recs[0].Seq, recs[len(recs)-1].Seq, err)
	}
	return nil
}

// snapshot stores the state, which must not be ahead of the head.
func (r *replica) snapshot(s *queue.State) error {
	if s.Seq == 0 {
		return nil
	}
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("replica: snapshot: %w", err)
	}
	if err := r.st.Update(func(tx *store.Tx) error { return tx.PutSnapshot(s.Seq, data) }); err != nil {
		return fmt.Errorf("replica: snapshot at %d: %w", s.Seq, err)
	}
	return nil
}

// saveHall keeps the hall description.
func (r *replica) saveHall(h *client.Hall) error {
	data, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("replica: hall description: %w", err)
	}
	if err := r.st.Update(func(tx *store.Tx) error { return tx.Put(store.BucketMeta, metaHall, data) }); err != nil {
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
	err := r.st.Update(func(tx *store.Tx) error {
		if p == nil {
			return tx.Delete(store.BucketMeta, metaPhoto)
		}
		data, err := json.Marshal(storedPhoto{URL: p.url, Data: p.data})
		if err != nil {
			return err
		}
		return tx.Put(store.BucketMeta, metaPhoto, data)
	})
	if err != nil {
		return fmt.Errorf("replica: photo: %w", err)
	}
	return nil
}

// saveWindow keeps the window a window-mode display learnt from the server.
func (r *replica) saveWindow(id string) error {
	if err := r.st.Update(func(tx *store.Tx) error { return tx.Put(store.BucketMeta, metaWindow, []byte(id)) }); err != nil {
		return fmt.Errorf("replica: window: %w", err)
	}
	return nil
}
