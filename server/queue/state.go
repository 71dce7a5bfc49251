package queue

import (
	"maps"
	"slices"
	"time"
)

// Ticket statuses.
const (
	StatusWaiting   = "waiting"
	StatusCalled    = "called" // called to a window and being served there
	StatusNoShow    = "no_show"
	StatusCompleted = "completed"
	StatusCancelled = "cancelled"
)

// Window statuses.
const (
	WindowClosed = "closed"
	WindowOpen   = "open"
	WindowPaused = "paused"
)

// RecentCalls is how many calls the state keeps for boards.
const RecentCalls = 20

// State is the projection of the public log: a pure fold of its events. It is owned
// by one goroutine at a time; readers get a copy or hold the owner's lock.
type State struct {
	Seq      uint64                  `json:"seq"` // last applied event
	Day      string                  `json:"day"` // open service day, "" before the first
	Tickets  map[string]*Ticket      `json:"tickets"`
	Numbers  map[string]string       `json:"numbers"`  // number -> ticket ID, today
	Counters map[string]int          `json:"counters"` // service -> highest sequence used today
	Windows  map[string]*WindowState `json:"windows"`
	Stats    map[string]*Stats       `json:"stats"` // per service, today
	Recent   []Call                  `json:"recent"`
	Leases   map[string]*Lease       `json:"leases"`  // today's number leases
	Devices  map[string]DeviceStatus `json:"devices"` // last reported health
	// Slots, Bookings and Releases are the appointments of today and the
	// days ahead: released slots, bookings not yet over, and which days of
	// which services were released. They outlive the service day.
	Slots    map[string]*Slot    `json:"slots"`
	Bookings map[string]*Booking `json:"bookings"`
	Releases map[string]bool     `json:"releases"`
	// Lotteries are the days of services in lottery mode, by service|day.
	Lotteries map[string]*Lottery `json:"lotteries,omitempty"`
	// Cases are the open follow-up cases of bad ratings and Complaints the
	// complaints not answered yet. Both outlive the service day.
	Cases      map[string]*Case      `json:"cases,omitempty"`
	Complaints map[string]*Complaint `json:"complaints,omitempty"`
	// Contacts holds, per kiosk, the time of its last public contact with the
	// server today: the latest lease.granted to it, ticket.issued online at
	// it, or last contact recorded by the sync of an offline ticket (seen_at). A kiosk in contact was not offline, so its offline tickets are never
	// placed earlier (see PlaceOffline). Derived from the public log only.
	Contacts map[string]time.Time `json:"contacts"`
	// Clock is the time of the last applied event. The server never dates an
	// event earlier, so that a clock set back cannot place a new ticket ahead
	// of those already waiting.
	Clock time.Time `json:"clock,omitzero"`
	// Format is the version of this projection's shape, StateFormat when
	// built by this code. A snapshot of another format is not used: the log
	// is replayed instead, so that fields added since are derived too.
	Format int `json:"format"`
	// Configured is the public description of the last hall.configured
	// event: the rules in force. Checkpoint and CheckpointAt are the seq the
	// last log.checkpoint signed and when.
	Configured     *PublicHall `json:"configured,omitempty"`
	Checkpoint     uint64      `json:"checkpoint,omitempty"`
	CheckpointHash string      `json:"checkpoint_hash,omitempty"`
	CheckpointAt   time.Time   `json:"checkpoint_at,omitzero"`

	// waiting indexes waiting tickets by service; counts by service and priority
	// class. Both are derived from Tickets and rebuilt by Reindex.
	waiting map[string]map[string]*Ticket
	counts  map[string]map[string]int
	// appts indexes waiting appointment tickets by service.
	appts map[string]map[string]*Ticket
	// owned, when not nil, holds the tickets the state does not share with
	// the state it was copied from (see CloneShared).
	owned map[string]struct{}
	// touched records the tickets Apply adds or changes, when not nil (see
	// TrackTickets).
	touched map[string]struct{}
}

// Ticket is one number of the day.
type Ticket struct {
	ID       string    `json:"id"`
	Number   string    `json:"number"`
	Service  string    `json:"service"`
	Day      string    `json:"day"`
	Priority string    `json:"priority,omitempty"`
	Kiosk    string    `json:"kiosk,omitempty"`
	Desk     string    `json:"desk,omitempty"` // the reception desk that issued it
	IssuedAt time.Time `json:"issued_at"`
	IssueSeq uint64    `json:"issue_seq"`
	Status   string    `json:"status"`
	// OrderAt, OrderSeq and OrderSub place the ticket in its service's order:
	// issue time and sequence, kept by a transfer, set by a reinstatement.
	OrderAt     time.Time `json:"order_at"`
	OrderSeq    uint64    `json:"order_seq"`
	OrderSub    uint64    `json:"order_sub,omitempty"`
	Transferred bool      `json:"transferred,omitempty"`
	Window      string    `json:"window,omitempty"` // window called to, while called
	LastWindow  string    `json:"last_window,omitempty"`
	CalledAt    time.Time `json:"called_at,omitzero"`
	NoShowAt    time.Time `json:"no_show_at,omitzero"`
	DoneAt      time.Time `json:"done_at,omitzero"`
	Calls       int       `json:"calls,omitempty"`
	// Appointment is the booking a checked-in ticket comes from; SlotStart
	// its slot's start; Late a check-in after the on-time window. Verified is
	// the outcome of staff's document check: "match" or "mismatch".
	Appointment string    `json:"appointment,omitempty"`
	SlotStart   time.Time `json:"slot_start,omitzero"`
	Late        bool      `json:"late,omitempty"`
	Verified    string    `json:"verified,omitempty"`
	// Rating is the level the ticket was rated, once completed; "" before.
	Rating string `json:"rating,omitempty"`
}

// WindowState is the live state of a window.
type WindowState struct {
	ID          string        `json:"id"`
	Status      string        `json:"status"`
	Staff       string        `json:"staff,omitempty"`
	Current     string        `json:"current,omitempty"` // ticket ID being served
	Served      int           `json:"served"`
	NoShows     int           `json:"no_shows"`
	ServiceTime time.Duration `json:"service_time"` // total of completed services today
	// LastDone is the ticket the window completed last, until its next call
	// or no-show: the one its screen may rate (see Rate).
	LastDone string `json:"last_done,omitempty"`
}

// StateFormat is the Format of states built by this code.
const StateFormat = 4

// Lease is a block of numbers granted to a kiosk for issuing while offline.
type Lease struct {
	ID      string   `json:"id"`
	Kiosk   string   `json:"kiosk"`
	Service string   `json:"service"`
	Day     string   `json:"day"`
	Numbers []string `json:"numbers"`
	// GrantedAt is the time of the lease.granted event.
	GrantedAt time.Time `json:"granted_at"`
	// Used are the numbers issued from the lease; Voided those voided unused.
	Used   map[string]bool `json:"used"`
	Voided bool            `json:"voided,omitempty"`
}

// Unused returns the lease's numbers not issued, in order; none once voided.
func (l *Lease) Unused() []string {
	if l.Voided {
		return nil
	}
	var out []string
	for _, n := range l.Numbers {
		if !l.Used[n] {
			out = append(out, n)
		}
	}
	return out
}

// DeviceStatus is a device's last reported health.
type DeviceStatus struct {
	Printer PrinterState `json:"printer"`
	Detail  string       `json:"detail,omitempty"`
	Since   time.Time    `json:"since"`
}

// Stats are a service's figures of the day.
type Stats struct {
	Issued      int           `json:"issued"`
	Served      int           `json:"served"`
	NoShows     int           `json:"no_shows"`
	ServiceTime time.Duration `json:"service_time"`
}

// Call is one call (or recall) as shown on boards.
type Call struct {
	Seq          uint64    `json:"seq"`
	Time         time.Time `json:"time"`
	Ticket       string    `json:"ticket"`
	Number       string    `json:"number"`
	Service      string    `json:"service"`
	Window       string    `json:"window"`
	Reason       string    `json:"reason"`
	ManualReason string    `json:"manual_reason,omitempty"`
}

// NewState returns the empty state before the first event.
func NewState() *State {
	s := &State{Format: StateFormat}
	s.resetDay("")
	s.Windows = map[string]*WindowState{}
	s.Devices = map[string]DeviceStatus{}
	s.initAppointments()
	s.initFeedback()
	return s
}

func (s *State) resetDay(day string) {
	// A day has about as many tickets as the day before: the maps start at
	// that size instead of growing to it.
	n := len(s.Tickets)
	s.Day = day
	s.Tickets = make(map[string]*Ticket, n)
	s.owned = nil // the new day's tickets are all its own
	s.Numbers = make(map[string]string, n)
	s.Counters = map[string]int{}
	s.Stats = map[string]*Stats{}
	s.Recent = nil
	s.Leases = map[string]*Lease{}
	s.Contacts = map[string]time.Time{}
	s.waiting = map[string]map[string]*Ticket{}
	s.counts = map[string]map[string]int{}
	s.appts = map[string]map[string]*Ticket{}
}

// Reindex rebuilds the derived indexes after the state was decoded from a snapshot.
func (s *State) Reindex() {
	s.waiting = map[string]map[string]*Ticket{}
	s.counts = map[string]map[string]int{}
	s.appts = map[string]map[string]*Ticket{}
	s.initAppointments()
	s.initFeedback()
	for _, t := range s.Tickets {
		if t.Status == StatusWaiting {
			s.addWaiting(t)
		}
	}
	s.defaults()
}

// defaults makes the maps a decoded state may lack.
func (s *State) defaults() {
	if s.Windows == nil {
		s.Windows = map[string]*WindowState{}
	}
	if s.Leases == nil {
		s.Leases = map[string]*Lease{}
	}
	if s.Devices == nil {
		s.Devices = map[string]DeviceStatus{}
	}
	if s.Contacts == nil {
		s.Contacts = map[string]time.Time{}
	}
}

func (s *State) addWaiting(t *Ticket) {
	m := s.waiting[t.Service]
	if m == nil {
		m = map[string]*Ticket{}
		s.waiting[t.Service] = m
	}
	m[t.ID] = t
	c := s.counts[t.Service]
	if c == nil {
		c = map[string]int{}
		s.counts[t.Service] = c
	}
	c[t.Priority]++
	if t.Appointment != "" {
		a := s.appts[t.Service]
		if a == nil {
			a = map[string]*Ticket{}
			s.appts[t.Service] = a
		}
		a[t.ID] = t
	}
}

func (s *State) removeWaiting(t *Ticket) {
	if m := s.waiting[t.Service]; m != nil {
		if _, ok := m[t.ID]; ok {
			delete(m, t.ID)
			s.counts[t.Service][t.Priority]--
			delete(s.appts[t.Service], t.ID)
		}
	}
}

// Waiting returns the number of tickets waiting for a service.
func (s *State) Waiting(service string) int { return len(s.waiting[service]) }

// Window returns the state of a window, closed if it never opened.
func (s *State) Window(id string) WindowState {
	if w, ok := s.Windows[id]; ok {
		return *w
	}
	return WindowState{ID: id, Status: WindowClosed}
}

// TicketByNumber returns today's ticket with the given number.
func (s *State) TicketByNumber(number string) (*Ticket, bool) {
	id, ok := s.Numbers[number]
	if !ok {
		return nil, false
	}
	t, ok := s.Tickets[id]
	return t, ok
}

// BeforeRoll returns a copy of s to go back to if the events of RollDay,
// applied to s, must be undone. It costs little whatever the day's size: those
// events replace the day's maps and leave its tickets untouched, so the copy
// shares them and owns only what they change in place, the windows and leases.
// Nothing else may be applied to s while the copy is kept.
func (s *State) BeforeRoll() *State {
	c := *s
	c.Windows = make(map[string]*WindowState, len(s.Windows))
	for k, w := range s.Windows {
		cp := *w
		c.Windows[k] = &cp
	}
	c.Leases = make(map[string]*Lease, len(s.Leases))
	for k, l := range s.Leases {
		cp := *l
		c.Leases[k] = &cp
	}
	c.Devices = maps.Clone(s.Devices)
	c.Contacts = maps.Clone(s.Contacts)
	c.Recent = slices.Clone(s.Recent)
	// The day's opening replaces the appointment maps and changes none of
	// their values: the copy may share them.
	return &c
}

// Clone returns a deep copy of the state.
func (s *State) Clone() *State {
	c := s.cloneRest()
	// A busy day's tickets are copied into one allocation.
	slab, i := make([]Ticket, len(s.Tickets)), 0
	for k, t := range s.Tickets {
		slab[i] = *t
		c.Tickets[k] = &slab[i]
		i++
	}
	// The indexes of waiting tickets are s's, pointing at the copies: the
	// same as Reindex finds, without visiting every ticket of the day.
	c.reindexFrom(s)
	return c
}

// CloneShared returns a copy of the state that shares s's tickets until it
// changes them: its Apply copies a shared ticket before changing it, so a
// busy day's copy costs its maps, not its tickets. s may go on applying
// events only as it applies those the copy applied first (as the engine's
// committed state follows its writer's): a ticket s changes is then one
// the copy no longer shares.
func (s *State) CloneShared() *State {
	c := s.cloneRest()
	c.Tickets = maps.Clone(s.Tickets)
	c.owned = map[string]struct{}{}
	c.waiting = make(map[string]map[string]*Ticket, len(s.waiting))
	for k, m := range s.waiting {
		c.waiting[k] = maps.Clone(m)
	}
	c.appts = make(map[string]map[string]*Ticket, len(s.appts))
	for k, m := range s.appts {
		c.appts[k] = maps.Clone(m)
	}
	c.counts = make(map[string]map[string]int, len(s.counts))
	for k, m := range s.counts {
		c.counts[k] = maps.Clone(m)
	}
	c.initAppointments()
	c.initFeedback()
	c.defaults()
	return c
}

// own replaces a ticket the state shares (see CloneShared) with a copy of
// its own, in its map and indexes, before the state changes it.
func (s *State) own(t *Ticket) *Ticket {
	cp := new(Ticket)
	*cp = *t
	s.Tickets[t.ID] = cp
	s.owned[t.ID] = struct{}{}
	if m := s.waiting[t.Service]; m[t.ID] != nil {
		m[t.ID] = cp
	}
	if m := s.appts[t.Service]; m[t.ID] != nil {
		m[t.ID] = cp
	}
	return cp
}

// cloneRest returns a deep copy of the state but for its tickets (an
// empty map sized for them) and the indexes of waiting tickets.
func (s *State) cloneRest() *State {
	c := &State{
		Seq: s.Seq, Day: s.Day, Clock: s.Clock, Format: s.Format,
		Configured: s.Configured, Checkpoint: s.Checkpoint, CheckpointHash: s.CheckpointHash, CheckpointAt: s.CheckpointAt,
		Contacts: maps.Clone(s.Contacts),
		Tickets:  make(map[string]*Ticket, len(s.Tickets)),
		Numbers:  maps.Clone(s.Numbers),
		Counters: maps.Clone(s.Counters),
		Windows:  make(map[string]*WindowState, len(s.Windows)),
		Stats:    make(map[string]*Stats, len(s.Stats)),
		Recent:   append([]Call(nil), s.Recent...),
		Leases:   make(map[string]*Lease, len(s.Leases)),
		Devices:  maps.Clone(s.Devices),
	}
	s.cloneAppointments(c)
	s.cloneFeedback(c)
	for k, l := range s.Leases {
		cp := *l
		cp.Used = make(map[string]bool, len(l.Used))
		for n, u := range l.Used {
			cp.Used[n] = u
		}
		c.Leases[k] = &cp
	}
	if c.Numbers == nil {
		c.Numbers = map[string]string{}
	}
	if c.Counters == nil {
		c.Counters = map[string]int{}
	}
	for k, w := range s.Windows {
		cp := *w
		c.Windows[k] = &cp
	}
	for k, st := range s.Stats {
		cp := *st
		c.Stats[k] = &cp
	}
	return c
}

// reindexFrom builds the indexes of s from those of from, whose tickets s
// holds copies of under the same IDs.
func (s *State) reindexFrom(from *State) {
	s.waiting = make(map[string]map[string]*Ticket, len(from.waiting))
	s.counts = map[string]map[string]int{}
	s.appts = map[string]map[string]*Ticket{}
	s.initAppointments()
	s.initFeedback()
	for _, m := range from.waiting {
		for id := range m {
			s.addWaiting(s.Tickets[id])
		}
	}
	s.defaults()
}
