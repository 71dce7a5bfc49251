package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"hallq/kiosk/outbox"
	"hallq/server/client"
	"hallq/server/queue"
	"hallq/server/wire"
)

// Server is what the kiosk needs of the hall server.
type Server interface {
	Hall(ctx context.Context) (*wire.Hall, error)
	Board(ctx context.Context) (*wire.Board, error)
	DeviceMe(ctx context.Context) (*wire.Device, error)
	IssueTicket(ctx context.Context, req wire.IssueRequest) (*wire.Ticket, error)
	CheckIn(ctx context.Context, req wire.CheckInRequest) (*wire.Ticket, error)
	GrantLease(ctx context.Context, service string, count int) (*wire.Lease, error)
	Leases(ctx context.Context) ([]wire.Lease, error)
	SyncOffline(ctx context.Context, t wire.OfflineTicket) (*wire.Ticket, error)
	WithdrawRequest(ctx context.Context, key string) (string, error)
	ReportDevice(ctx context.Context, printer wire.PrinterState, detail string) error
	LeavePhone(ctx context.Context, token, phone string) error
	Stream(ctx context.Context, after uint64, h client.StreamHandler) error
}

var _ Server = (*client.Client)(nil)

// Snapshot is what the screens show of the kiosk's state.
type Snapshot struct {
	Ready bool // the kiosk knows its hall (from the server, or remembered)
	// Unenrolled: the server refuses the kiosk's token; staff must fix the
	// configuration.
	Unenrolled bool
	HallZH     string
	HallEN     string
	Online     bool
	Tiles      []Tile
	// CheckIn: a service the kiosk offers takes bookings, so the home screen
	// offers to check one in.
	CheckIn bool
	// Notify: the hall sends text messages to a mobile number left for a
	// ticket, so the ticket screen offers to leave one.
	Notify  bool
	Pending int    // offline tickets not yet synced
	Printer string // printer.Code of a printer that cannot print, "" when it can
	Now     time.Time
}

// coreOptions tune a Kiosk; zero fields take the defaults.
type coreOptions struct {
	// RequestTimeout bounds each server request an applicant waits for.
	RequestTimeout time.Duration
	// Tick is how often the kiosk checks the link, syncs and reports.
	Tick time.Duration
	// BoardEvery is the longest the board goes without a refresh.
	BoardEvery time.Duration
	// PrinterEvery is how often an idle printer's status is checked.
	PrinterEvery time.Duration
	// Now is the local clock.
	Now func() time.Time
}

func (o *coreOptions) defaults() {
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.Tick <= 0 {
		o.Tick = 2 * time.Second
	}
	if o.BoardEvery <= 0 {
		o.BoardEvery = 30 * time.Second
	}
	if o.PrinterEvery <= 0 {
		o.PrinterEvery = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Names of what the kiosk remembers in its outbox file.
const (
	metaHall   = "hall"
	metaDevice = "device"
	metaBoard  = "board"
	metaOffset = "clock_offset"
)

// printerState is a printer's health as reported to the server.
type printerState struct {
	Code   wire.PrinterState
	Detail string
}

// Kiosk is the kiosk without its screen: it takes numbers online or from its
// leases, prints receipts, keeps leases topped up, syncs the outbox and
// reports printer faults. Its methods may be called from any goroutine; Run
// owns the link to the server.
type Kiosk struct {
	srv  Server
	prn  Printer // nil: no printer
	box  *outbox.Store
	log  *slog.Logger
	opts coreOptions

	wake chan struct{} // run the maintenance now
	kick chan struct{} // refresh the board now

	mu         sync.Mutex
	hall       *wire.Hall
	loc        *time.Location
	rule       *queue.Hall // the hall as the domain knows it: service day, opening hours
	device     *wire.Device
	board      *wire.Board
	boardAt    time.Time     // local time the board was fetched
	savedAt    time.Time     // local time the board was last saved to the file
	offset     time.Duration // server clock minus local clock
	online     bool
	contacted  bool           // online says what the last contact found (not just the start)
	day        string         // the service day of leased
	leased     map[string]int // leased numbers left today, by service
	pending    int
	withdraw   int // unanswered requests the server must still be asked to withdraw
	prnState   printerState
	reported   printerState   // last state the server accepted
	full       map[string]int // day/service → holding after the last lease request
	needLeases bool           // the leases must be compared with the server's
	leasesDay  string         // the service day they were last compared
	unenrolled bool           // the server refused the kiosk's token
	lastFail   string         // the last chore failure logged, to log each once
	onChange   func()         // the app's hook
}

// NewKiosk returns a kiosk that remembers what its outbox file holds: the
// hall, its device and the last board, so that a kiosk restarted while the
// server is unreachable can still issue from its leases.
func NewKiosk(srv Server, prn Printer, box *outbox.Store, log *slog.Logger, o coreOptions) (*Kiosk, error) {
	o.defaults()
	k := &Kiosk{srv: srv, prn: prn, box: box, log: log, opts: o,
		wake: make(chan struct{}, 1), kick: make(chan struct{}, 1),
		loc: time.Local, rule: &queue.Hall{Location: time.Local}, leased: map[string]int{}, full: map[string]int{}}
	var hall wire.Hall
	if ok, err := box.Get(metaHall, &hall); err != nil {
		return nil, err
	} else if ok {
		k.setHallLocked(&hall)
	}
	var dev wire.Device
	if ok, err := box.Get(metaDevice, &dev); err != nil {
		return nil, err
	} else if ok {
		k.device = &dev
	}
	var b wire.Board
	if ok, err := box.Get(metaBoard, &b); err != nil {
		return nil, err
	} else if ok {
		k.board = &b
	}
	var offset time.Duration
	if _, err := box.Get(metaOffset, &offset); err != nil {
		return nil, err
	}
	k.offset = offset
	k.refreshCounts()
	return k, nil
}

// SetOnChange sets the function called (from any goroutine) whenever the
// snapshot may have changed.
func (k *Kiosk) SetOnChange(f func()) {
	k.mu.Lock()
	k.onChange = f
	k.mu.Unlock()
}

func (k *Kiosk) notify() {
	k.mu.Lock()
	f := k.onChange
	k.mu.Unlock()
	if f != nil {
		f()
	}
}

// poke wakes a loop without blocking.
func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// hallNow returns the hall's time by the server's clock, as well as the
// kiosk knows it.
func (k *Kiosk) hallNow() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.opts.Now().Add(k.offset).In(k.loc)
}

// today returns the current service day.
func (k *Kiosk) today() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.rule.Day(k.opts.Now().Add(k.offset))
}

// Snapshot returns what the screens show.
func (k *Kiosk) Snapshot() Snapshot {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.opts.Now().Add(k.offset).In(k.loc)
	s := Snapshot{Ready: k.hall != nil, Online: k.online, Pending: k.pending, Now: now, Unenrolled: k.unenrolled}
	if k.hall != nil {
		s.HallZH, s.HallEN, s.Notify = k.hall.NameZH, k.hall.NameEN, k.hall.Notify
		s.Tiles = tilesFor(homeInput{Hall: k.hall, Device: k.device, Board: k.board, Online: k.online,
			Leased: k.leased, Now: now, Rule: k.rule})
		for _, svc := range offered(k.hall, k.device) {
			s.CheckIn = s.CheckIn || svc.Appointments != nil
		}
	}
	switch k.prnState.Code {
	case "", wire.PrinterOK, wire.PrinterPaperNearEnd:
	default:
		s.Printer = string(k.prnState.Code)
	}
	return s
}

// setHallLocked takes the hall's description, and from it the hall the
// service day and the opening hours are computed with, as the server computes
// them; k.mu is held. A description the domain refuses leaves the previous
// hall in force (the server, which checks every online ticket, is the
// authority).
func (k *Kiosk) setHallLocked(h *wire.Hall) {
	k.hall = h
	loc, err := time.LoadLocation(h.TimeZone)
	if err != nil {
		k.log.Warn("hall time zone unknown here; keeping the previous one", "time_zone", h.TimeZone, "err", err)
		loc = k.loc
	}
	public := h.Public()
	rule, err := public.Hall(loc)
	if err != nil {
		k.log.Warn("hall description refused; keeping the previous one", "err", err)
		return
	}
	k.rule, k.loc = rule, loc
}

// refreshCounts reads the leased numbers left today, the pending tickets and
// the requests to withdraw.
func (k *Kiosk) refreshCounts() {
	day := k.today()
	rem, err := k.box.Remaining(day)
	if err != nil {
		k.log.Error("outbox", "err", err)
		return
	}
	pending, err := k.box.Pending()
	if err != nil {
		k.log.Error("outbox", "err", err)
		return
	}
	withdraw, err := k.box.Withdrawals()
	if err != nil {
		k.log.Error("outbox", "err", err)
		return
	}
	k.mu.Lock()
	changed := len(pending) != k.pending || day != k.day || !equalCounts(rem, k.leased)
	k.day, k.leased, k.pending, k.withdraw = day, rem, len(pending), len(withdraw)
	k.mu.Unlock()
	if changed {
		k.notify()
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
