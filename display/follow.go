package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"hallq/server/audit"
	"hallq/server/client"
	"hallq/server/eventlog"
	"hallq/server/wire"
)

// Timing of the follower.
const (
	// batchSize is how many events a catch-up stores in one transaction.
	batchSize = 500
	// announceWithin is how old a call received during a catch-up may be and
	// still be announced: calls made during a short network loss are spoken,
	// those of a long outage are not.
	announceWithin = 2 * time.Minute
	// retryAfterAlarm is the wait before following the log again after it
	// failed a check.
	retryAfterAlarm = 30 * time.Second
	// describeEvery is how often the hall description is fetched again.
	describeEvery = 5 * time.Minute
)

// announcer takes the calls to speak.
type announcer interface {
	Enqueue(Announcement)
}

// follower keeps the replica and the model in step with the server's log. Its
// fields belong to the goroutine running follow, which calls the stream
// handler; describe runs in a goroutine of its own and touches only the model
// and the replica, which are safe for that.
type follower struct {
	c      *client.Client
	rep    *replica
	m      *model
	ann    announcer // nil: silent
	log    *slog.Logger
	mode   string
	now    func() time.Time
	notify func() // asks for a repaint; must not block

	chain    *eventlog.Verifier // checks each event against the head, from the model's head
	pending  []eventlog.Record  // verified and folded, not yet stored
	live     bool               // the stream is past its catch-up
	skew     time.Duration      // server clock minus ours, from heartbeats
	held     []Announcement     // calls received during a catch-up
	sinceSnp int                // events folded since the last snapshot
}

// follow follows the server's log until ctx ends: it streams from the head of
// the replica, checks each event's place in the hash chain, folds it, stores
// it and announces calls. After a failed check it raises the alarm and tries
// again later from the last good event.
func (f *follower) follow(ctx context.Context) {
	h := client.StreamHandler{Event: f.event, Heartbeat: f.heartbeat, Status: f.status}
	for {
		seq, hash := f.m.head()
		chain, err := eventlog.NewVerifier(seq, hash)
		if err != nil {
			f.log.Error("the replica's head is not a hash", "seq", seq, "err", err)
			return
		}
		f.chain = chain
		err = f.c.Stream(ctx, seq, h)
		f.flush()
		if ctx.Err() != nil {
			f.saveSnapshot()
			return
		}
		if errors.Is(err, eventlog.ErrInvalid) {
			// The server sent an event that is not in the published layout.
			at, _ := f.m.head()
			f.m.raise(chainAlarm(at+1, err))
		}
		f.log.Error("following the log stopped", "after", seq, "err", err)
		f.live = false
		f.m.setLink(client.StreamStatus{State: client.StreamDown, Err: err, Retry: retryAfterAlarm}, f.now())
		f.notify()
		select {
		case <-ctx.Done():
			return
		case <-time.After(retryAfterAlarm):
		}
	}
}

// event checks the next event of the log, which the client parsed, against
// the chain, folds it and stores it.
func (f *follower) event(rec eventlog.Record) error {
	if err := f.chain.Add(rec); err != nil {
		f.m.raise(chainAlarm(rec.Seq, err))
		f.notify()
		return fmt.Errorf("event %d: %w", rec.Seq, err)
	}
	seq := rec.Seq
	ev, err := f.m.accept(rec)
	if err != nil {
		f.m.raise(stateAlarm(seq, err))
		f.notify()
		return fmt.Errorf("event %d: %w", seq, err)
	}
	f.pending = append(f.pending, rec)
	f.sinceSnp++
	if f.live || len(f.pending) >= batchSize {
		if err := f.flush(); err != nil {
			return err
		}
	}
	if ev.Data != nil {
		if a, ok := announcement(f.m.hallInfo(), ev); ok {
			f.consider(a, rec.Time)
		}
	}
	if f.live {
		f.notify()
	}
	return nil
}

// consider queues a call for announcement: at once when live, else held
// until the catch-up ends if it is recent.
func (f *follower) consider(a Announcement, at time.Time) {
	if f.ann == nil {
		return
	}
	if f.mode == ModeWindow && a.Window != f.m.windowID() {
		return
	}
	if f.live {
		f.ann.Enqueue(a)
		return
	}
	if f.now().Add(f.skew).Sub(at) <= announceWithin {
		f.held = append(f.held, a)
	}
}

// heartbeat stores what is pending, checks that the server's head is the
// replica's, and releases the calls held during the catch-up that are still
// being served.
func (f *follower) heartbeat(hb wire.Heartbeat) error {
	if err := f.flush(); err != nil {
		return err
	}
	now := f.now()
	if !hb.Time.IsZero() {
		f.skew = hb.Time.Sub(now)
	}
	seq, hash := f.m.head()
	if hb.Seq == seq && hb.Hash != hash {
		f.m.raise(forkAlarm(seq, hash, hb.Hash))
		f.notify()
		return fmt.Errorf("heartbeat names hash %s for event %d, the replica has %s", hb.Hash, seq, hash)
	}
	f.m.confirmLive(now, f.skew)
	if f.sinceSnp >= snapshotEvery {
		f.saveSnapshot()
	}
	f.live = true
	for _, a := range f.held {
		if f.m.stillCalled(a.Ticket, a.Window) {
			f.ann.Enqueue(a)
		}
	}
	f.held = nil
	f.notify()
	return nil
}

// status records a change of the link.
func (f *follower) status(st client.StreamStatus) {
	if st.State != client.StreamLive {
		f.live = false
	}
	if st.State == client.StreamDown {
		f.flush()
		seq, _ := f.m.head()
		if client.ErrorCode(st.Err) == wire.ECONFLICT && st.Last == seq && seq > 0 {
			f.m.raise(shorterAlarm(seq))
		}
		f.log.Info("server link down", "after", st.Last, "retry", st.Retry, "err", st.Err)
	} else {
		f.log.Debug("server link", "state", st.State.String(), "after", st.Last)
	}
	f.m.setLink(st, f.now())
	f.notify()
}

// flush stores the pending events.
func (f *follower) flush() error {
	if len(f.pending) == 0 {
		return nil
	}
	if err := f.rep.append(f.pending); err != nil {
		f.m.raise(storeAlarm(err))
		f.notify()
		return err
	}
	f.pending = f.pending[:0]
	return nil
}

// saveSnapshot stores the folded state, once every event is stored.
func (f *follower) saveSnapshot() {
	if len(f.pending) > 0 {
		return
	}
	if err := f.rep.snapshot(f.m.snapshotState()); err != nil {
		f.log.Warn("snapshot", "err", err)
		return
	}
	f.sinceSnp = 0
}

// describe fetches the hall description (and, for a window screen without a
// window, the window of its device) until it has them, then again every
// describeEvery, keeping them in the replica.
func (f *follower) describe(ctx context.Context) {
	wait := time.Second
	for {
		err := f.describeOnce(ctx)
		if err == nil {
			wait = describeEvery
		} else {
			f.log.Info("hall description not fetched", "err", err, "retry", wait)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if err != nil {
			wait = min(2*wait, time.Minute)
		}
	}
}

// errNoWindow is returned when a window-mode display cannot tell its window.
var errNoWindow = errors.New("the display's token is not enrolled for a window: give -window")

func (f *follower) describeOnce(ctx context.Context) error {
	h, err := f.c.Hall(ctx)
	if err != nil {
		return err
	}
	info, err := newHallInfo(h)
	if err != nil {
		return err
	}
	if old := f.m.hallInfo(); old != nil && old.desc.ID != h.ID {
		f.m.raise(hallAlarm(old.desc.ID, h.ID))
		f.notify()
		return fmt.Errorf("the server serves hall %q, the replica holds hall %q", h.ID, old.desc.ID)
	}
	if err := f.rep.saveHall(h); err != nil {
		return err
	}
	if f.m.hallInfo() == nil {
		f.log.Info("hall description fetched", "hall", h.ID, "name", h.NameZH, "services", len(h.Services), "windows", len(h.Windows),
			"checkpoint_key", h.CheckpointKey, "fingerprint", audit.Fingerprint(h.CheckpointKey))
	}
	f.m.setHall(info)
	if f.mode == ModeWindow {
		dev, err := f.c.DeviceMe(ctx)
		switch {
		case err != nil && f.m.windowID() == "":
			return fmt.Errorf("which window: %w", err)
		case err != nil:
			f.log.Info("device not described; the rating buttons stay as they were", "err", err)
		case f.m.windowID() == "" && dev.Window == "":
			f.notify()
			return errNoWindow
		case f.m.windowID() == "":
			if err := f.rep.saveWindow(dev.Window); err != nil {
				return err
			}
			f.m.setWindow(dev.Window)
		}
		if err == nil {
			f.setRatings(dev)
		}
	}
	if f.mode == ModeWindow {
		f.updatePhoto(ctx, h)
	}
	f.notify()
	return nil
}

// setRatings turns the rating buttons on when the server says this screen's
// device offers them for the window shown, and off otherwise.
func (f *follower) setRatings(dev *wire.Device) {
	var period time.Duration
	if dev.Ratings && dev.Window == f.m.windowID() {
		period = time.Duration(dev.RatingSeconds) * time.Second
	}
	if f.m.setRatings(period) {
		switch {
		case period > 0:
			f.log.Info("the screen offers the rating buttons after each service", "for", period)
		case dev.Ratings:
			f.log.Warn("the token's device offers ratings for another window: no rating buttons here", "device_window", dev.Window, "shown", f.m.windowID())
		default:
			f.log.Info("the screen offers no rating buttons")
		}
	}
}

// updatePhoto fetches the portrait on the window's card when the card has one
// and keeps it in the replica, so that a display restarted without the
// server still shows it; a card without a photo drops the one kept. A photo
// that cannot be fetched now leaves the one kept, and is tried again at the
// next description.
func (f *follower) updatePhoto(ctx context.Context, h *wire.Hall) {
	var photoURL string
	if w, ok := h.Window(f.m.windowID()); ok && w.Card != nil {
		photoURL = w.Card.PhotoURL
	}
	old := f.m.portraitOf()
	if photoURL == "" {
		if old != nil {
			if err := f.rep.savePhoto(nil); err != nil {
				f.log.Warn("photo not forgotten", "err", err)
			}
			f.m.setPhoto(nil)
			f.log.Info("the card has no photo any more")
		}
		return
	}
	data, err := f.c.Photo(ctx, photoURL)
	if err != nil {
		f.log.Warn("card photo not fetched", "url", photoURL, "err", err)
		return
	}
	if old != nil && old.url == photoURL && bytes.Equal(old.data, data) {
		return
	}
	p, err := decodePortrait(photoURL, data)
	if err != nil {
		f.log.Warn("card photo not shown", "err", err)
		return
	}
	if err := f.rep.savePhoto(p); err != nil {
		f.log.Warn("card photo not kept", "err", err)
	}
	f.m.setPhoto(p)
	f.log.Info("card photo", "url", photoURL, "width", p.img.Bounds().Dx(), "height", p.img.Bounds().Dy())
}
