package main

import (
	"sync"
	"time"

	"hallq/server/audit"
	"hallq/server/client"
	"hallq/server/eventlog"
	"hallq/server/queue"
)

// frame is everything one repaint of the screen needs, copied out of the model.
type frame struct {
	Hall    HallView
	Window  WindowView
	Status  Status
	Loc     *time.Location // the hall's time zone, for the clock
	Skew    time.Duration  // the server's clock minus this machine's
	HasHall bool           // the hall description is known
	// KeyFingerprint is the short form of the hall's checkpoint key
	// (audit.Fingerprint), "" while unknown or when the hall publishes none.
	KeyFingerprint string
	About          aboutView
}

// model is the display's view of the hall: the hall description, the state
// folded from the public log and the link status. The follower writes it and
// the renderer reads frames of it; mu guards every field.
type model struct {
	mu     sync.Mutex
	hall   *hallInfo
	state  *queue.State
	seq    uint64 // head of the log received, folded or not
	hash   string
	window string // window mode: the window shown
	status Status
	skew   time.Duration // the server's clock minus this machine's, from heartbeats
	photo  *portrait     // window mode: the portrait of the window's card, nil for none
	// ratePeriod is how long after each service the window's screen offers
	// the rating buttons; zero when its device may not rate (the flag off,
	// a hall display, or another window's token).
	ratePeriod time.Duration
}

// newModel returns the model of what a replica held.
func newModel(sv *saved) *model {
	m := &model{state: sv.state, seq: sv.seq, hash: sv.hash, window: sv.window, photo: sv.photo}
	if sv.hash == "" {
		m.hash = eventlog.GenesisHash
	}
	if h, err := newHallInfo(sv.hall); err == nil {
		m.hall = h
	}
	m.status = Status{Link: client.StreamConnecting, Seq: m.seq, Hash: m.hash}
	return m
}

// head returns the last event received.
func (m *model) head() (uint64, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seq, m.hash
}

// accept folds a verified record into the state and makes it the head. On
// error nothing changes.
func (m *model) accept(rec eventlog.Record) (queue.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ev queue.Event
	if rec.Seq > m.state.Seq {
		var err error
		if ev, err = fold(m.state, rec); err != nil {
			return queue.Event{}, err
		}
	}
	m.seq, m.hash = rec.Seq, rec.Hash
	m.status.Seq, m.status.Hash = rec.Seq, rec.Hash
	return ev, nil
}

// snapshotState returns a copy of the state, for a snapshot.
func (m *model) snapshotState() *queue.State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state.Clone()
}

// setHall replaces the hall description.
func (m *model) setHall(h *hallInfo) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hall = h
}

// hallInfo returns the hall description, nil while unknown.
func (m *model) hallInfo() *hallInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hall
}

// setWindow sets the window a window-mode display shows.
func (m *model) setWindow(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.window = id
}

// windowID returns the window shown, "" while unknown.
func (m *model) windowID() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.window
}

// setLink records a change of the link.
func (m *model) setLink(st client.StreamStatus, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.status.Link, m.status.Err, m.status.Retry = st.State, "", st.Retry
	if st.Err != nil {
		m.status.Err = st.Err.Error()
	}
	if st.State == client.StreamLive {
		m.status.LastLive, m.status.LiveFrom = now, m.seq
	}
}

// confirmLive records a heartbeat that confirmed the copy is current, and
// the server's clock.
func (m *model) confirmLive(now time.Time, skew time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.status.LastLive = now
	m.skew = skew
}

// raise sets the alarm, keeping the first one.
func (m *model) raise(a *Alarm) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.status.Alarm == nil {
		m.status.Alarm = a
	}
}

// alarm returns the alarm, nil when none.
func (m *model) alarm() *Alarm {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status.Alarm
}

// stillCalled reports whether a ticket is still being served at a window.
func (m *model) stillCalled(ticket, window string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.state.Tickets[ticket]
	return ok && t.Status == queue.StatusCalled && t.Window == window
}

// frame returns what the screen shows at time now (this machine's clock;
// the server's is used for the service day).
func (m *model) frame(now time.Time) frame {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := frame{Status: m.status, Loc: m.hall.location(), Skew: m.skew, HasHall: m.hall != nil}
	if m.hall != nil {
		f.KeyFingerprint = audit.Fingerprint(m.hall.desc.CheckpointKey)
		f.About = aboutView{HallID: m.hall.desc.ID, NameZH: m.hall.desc.NameZH, NameEN: m.hall.desc.NameEN, Key: m.hall.desc.CheckpointKey}
	}
	f.About.Checkpoint, f.About.CheckpointHash, f.About.CheckpointAt = m.state.Checkpoint, m.state.CheckpointHash, m.state.CheckpointAt
	now = now.Add(m.skew)
	f.Hall = hallView(m.hall, m.state, now)
	if m.window != "" {
		f.Window = windowView(m.hall, m.state, m.window, now)
		if c := f.Window.Card; c != nil && m.photo != nil && c.PhotoURL == m.photo.url {
			f.Window.Photo = m.photo
		}
		f.Window.Rate = rateOffer(m.state, m.window, m.ratePeriod, now)
	}
	return f
}

// setRatings sets how long after each service the screen offers the rating
// buttons; zero offers none. It reports whether that changed.
func (m *model) setRatings(period time.Duration) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	changed := m.ratePeriod != period
	m.ratePeriod = period
	return changed
}

// setPhoto replaces the portrait of the window's card (nil: none).
func (m *model) setPhoto(p *portrait) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.photo = p
}

// portraitOf returns the portrait held, nil for none.
func (m *model) portraitOf() *portrait {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.photo
}
