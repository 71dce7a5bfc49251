package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"hallq/kiosk/outbox"
	"hallq/printer"
	"hallq/server/client"
)

// Server is what the kiosk needs of the hall server.
type Server interface {
	Hall(ctx context.Context) (*client.Hall, error)
	Board(ctx context.Context) (*client.Board, error)
	DeviceMe(ctx context.Context) (*client.Device, error)
	IssueTicket(ctx context.Context, req client.IssueRequest) (*client.Ticket, error)
	GrantLease(ctx context.Context, service string, count int) (*client.Lease, error)
	Leases(ctx context.Context) ([]client.Lease, error)
	SyncOffline(ctx context.Context, t client.OfflineTicket) (*client.Ticket, error)
	WithdrawRequest(ctx context.Context, key string) (string, error)
	ReportDevice(ctx context.Context, printer, detail string) error
	Stream(ctx context.Context, after uint64, h client.StreamHandler) error
}

var _ Server = (*client.Client)(nil)

// Printer is what the kiosk needs of its receipt printer.
type Printer interface {
	PrintTicket(ctx context.Context, t printer.Ticket) (printer.Status, error)
	Status(ctx context.Context) (printer.Status, error)
}

var (
	_ Printer = (*printer.Printer)(nil)
	_ Printer = (*linePrinter)(nil)
)

// errNoPrinter is the print error of a kiosk set up without a printer: it
// matches printer.ErrOffline, which is what staff are told.
var errNoPrinter = fmt.Errorf("kiosk: no receipt printer configured: %w", printer.ErrOffline)

// offlineNote replaces the privacy line on a receipt printed offline.
const offlineNote = "离线取号 联网后入队 Offline ticket"

// Refusal is a number the kiosk cannot give, with what to tell the applicant.
type Refusal struct {
	Msg msg
	Err error // the server's refusal, if it refused
}

// Error implements error.
func (r *Refusal) Error() string {
	if r.Err != nil {
		return "kiosk: no number: " + r.Err.Error()
	}
	return "kiosk: no number: " + r.Msg.en
}

// Unwrap returns the server's refusal, if any.
func (r *Refusal) Unwrap() error { return r.Err }

// Issued is a number given to an applicant, online or from a lease.
type Issued struct {
	Number    string
	Service   string
	ServiceZH string
	ServiceEN string
	Ahead     int
	// AheadEstimated: offline, Ahead and ETA are estimates from the last
	// board the kiosk saw.
	AheadEstimated bool
	ETA            time.Duration
	IssuedAt       time.Time // in the hall's zone
	StatusURL      string
	LogSeq         uint64
	LogHash        string
	// Offline: issued from a lease; Local is its record in the outbox.
	Offline bool
	Local   outbox.Ticket
}

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
	Pending    int    // offline tickets not yet synced
	Printer    string // printer.Code of a printer that cannot print, "" when it can
	Now        time.Time
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
type printerState struct{ Code, Detail string }

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
	hall       *client.Hall
	loc        *time.Location
	dayStart   time.Duration
	device     *client.Device
	board      *client.Board
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
		loc: time.Local, leased: map[string]int{}, full: map[string]int{}}
	var hall client.Hall
	if ok, err := box.Get(metaHall, &hall); err != nil {
		return nil, err
	} else if ok {
		k.setHallLocked(&hall)
	}
	var dev client.Device
	if ok, err := box.Get(metaDevice, &dev); err != nil {
		return nil, err
	} else if ok {
		k.device = &dev
	}
	var b client.Board
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
	return serviceDay(k.opts.Now().Add(k.offset), k.loc, k.dayStart)
}

// Snapshot returns what the screens show.
func (k *Kiosk) Snapshot() Snapshot {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.opts.Now().Add(k.offset).In(k.loc)
	s := Snapshot{Ready: k.hall != nil, Online: k.online, Pending: k.pending, Now: now, Unenrolled: k.unenrolled}
	if k.hall != nil {
		s.HallZH, s.HallEN = k.hall.NameZH, k.hall.NameEN
		s.Tiles = tilesFor(homeInput{Hall: k.hall, Device: k.device, Board: k.board, Online: k.online,
			Leased: k.leased, Now: now, Loc: k.loc})
	}
	switch k.prnState.Code {
	case "", client.PrinterOK, client.PrinterPaperNearEnd:
	default:
		s.Printer = k.prnState.Code
	}
	return s
}

// setHallLocked takes the hall's description; k.mu is held.
func (k *Kiosk) setHallLocked(h *client.Hall) {
	k.hall = h
	if loc, err := time.LoadLocation(h.TimeZone); err == nil {
		k.loc = loc
	}
	if d, err := parseClock(h.DayStart); err == nil {
		k.dayStart = d
	}
}

// contact records whether the server answered. Coming back online starts a
// sync at once.
func (k *Kiosk) contact(ok bool, err error) {
	k.mu.Lock()
	was, first := k.online, !k.contacted
	k.online, k.contacted = ok, true
	if ok && !was {
		k.needLeases = true
	}
	k.mu.Unlock()
	if was == ok && !first {
		return
	}
	if ok {
		k.log.Info("server reachable")
		poke(k.wake)
		poke(k.kick)
	} else {
		k.log.Warn("server unreachable: issuing from leases", "err", err)
	}
	k.notify()
}

// unreachable reports whether err means the server was not reached, or
// could not act on the request (shutting down): not a refusal.
func unreachable(err error) bool {
	if err == nil {
		return false
	}
	var e *client.Error
	if !errors.As(err, &e) {
		return true
	}
	return e.Code == "" || e.Code == "EUNAVAILABLE"
}

// refusalMsg is what an applicant reads of a server's refusal.
func refusalMsg(err error) msg {
	var e *client.Error
	if errors.As(err, &e) && (e.MessageZH != "" || e.Message != "") {
		return msg{e.MessageZH, e.Message}
	}
	return txtFault
}

// Issue takes a number of service for an applicant (idNumber is the resident
// ID number of a real-name service). Online the server issues it; when the
// server cannot be reached, a service that needs no identity is issued from
// the kiosk's lease and recorded in the outbox before Issue returns. A
// leased number printed because a request got no answer names that request,
// so that its sync withdraws the ticket the server may have issued for it;
// when nothing can be printed instead, the request is recorded in the outbox
// before Issue returns, to be withdrawn on its own once the server answers.
// A *Refusal says why no number was given.
func (k *Kiosk) Issue(ctx context.Context, service, idNumber string) (*Issued, error) {
	k.mu.Lock()
	online, hall := k.online, k.hall
	k.mu.Unlock()
	if hall == nil {
		return nil, &Refusal{Msg: txtConnecting}
	}
	svc, ok := hall.Service(service)
	if !ok {
		return nil, &Refusal{Msg: txtNotOffered}
	}
	var replaces string // the key of a request sent without an answer
	if online {
		req := client.IssueRequest{Service: service, IdempotencyKey: client.NewIdempotencyKey()}
		if idNumber != "" {
			req.IDNumber, req.IDKind = idNumber, "resident"
		}
		rctx, cancel := context.WithTimeout(ctx, k.opts.RequestTimeout)
		tk, err := k.srv.IssueTicket(rctx, req)
		cancel()
		if err == nil {
			k.contact(true, nil)
			poke(k.kick)
			k.log.Info("ticket issued", "number", tk.Number, "service", service, "seq", tk.Seq)
			k.mu.Lock()
			loc := k.loc
			k.mu.Unlock()
			return &Issued{Number: tk.Number, Service: tk.Service, ServiceZH: tk.ServiceNameZH, ServiceEN: tk.ServiceNameEN,
				Ahead: tk.Ahead, ETA: time.Duration(tk.ETASeconds) * time.Second, IssuedAt: tk.IssuedAt.In(loc),
				StatusURL: tk.StatusURL, LogSeq: tk.Seq, LogHash: tk.Hash}, nil
		}
		if !unreachable(err) {
			k.log.Info("number refused", "service", service, "err", err)
			return nil, &Refusal{Msg: refusalMsg(err), Err: err}
		}
		k.contact(false, err)
		replaces = req.IdempotencyKey
		k.log.Warn("ticket request unanswered: issuing from the lease in its place", "service", service,
			"idempotency_key", replaces, "err", err)
	}
	is, err := k.issueOffline(svc, replaces)
	if err != nil && replaces != "" {
		k.withdrawLater(svc.ID, replaces, err)
	}
	return is, err
}

// withdrawLater records that the request of idempotency key key got no
// answer and that the applicant got no number in its place, so that once the
// server answers again it withdraws the ticket it may have issued for the
// request: nobody holds it. It runs before the applicant is told.
func (k *Kiosk) withdrawLater(service, key string, why error) {
	k.mu.Lock()
	dev, now := k.device, k.opts.Now().Add(k.offset)
	k.mu.Unlock()
	if dev == nil {
		k.log.Error("unanswered ticket request not recorded for withdrawal: the kiosk does not know its device ID",
			"service", service, "idempotency_key", key)
		return
	}
	if err := k.box.AddWithdrawal(outbox.Withdrawal{Kiosk: dev.ID, Key: key, Service: service, At: now}); err != nil {
		k.log.Error("unanswered ticket request not recorded for withdrawal: a ticket issued for it may wait for nobody",
			"service", service, "idempotency_key", key, "err", err)
		return
	}
	k.log.Warn("no number given in place of an unanswered ticket request: it will be withdrawn", "service", service,
		"idempotency_key", key, "why", why)
	k.refreshCounts()
	poke(k.wake)
}

// issueOffline issues the next leased number of svc and records it, in place
// of the request of idempotency key replaces if not empty.
func (k *Kiosk) issueOffline(svc client.Service, replaces string) (*Issued, error) {
	if svc.RealName {
		return nil, &Refusal{Msg: txtRealNameOff}
	}
	k.mu.Lock()
	hall, dev, loc, board, boardAt, offset := k.hall, k.device, k.loc, k.board, k.boardAt, k.offset
	now := k.opts.Now().Add(k.offset)
	day := serviceDay(now, k.loc, k.dayStart)
	k.mu.Unlock()
	if !hallOpen(hall.Hours, now, loc) {
		return nil, &Refusal{Msg: msgf(txtClosed, hall.Hours)}
	}
	if dev == nil {
		return nil, &Refusal{Msg: txtNoLease}
	}
	tk, err := k.box.TakeReplacing(dev.ID, day, svc.ID, "", replaces, now)
	if errors.Is(err, outbox.ErrSpent) {
		k.log.Warn("lease spent: no number given", "service", svc.ID, "day", day)
		return nil, &Refusal{Msg: txtLeaseSpent}
	}
	if err != nil {
		return nil, err
	}
	// People ahead: those waiting on the last board, and the numbers this
	// kiosk issued offline since.
	ahead, windows := 0, 1
	var since time.Time
	if board != nil {
		since = boardAt.Add(offset)
		for _, sb := range board.Services {
			if sb.ID == svc.ID {
				ahead, windows = sb.Waiting, max(sb.Windows, 1)
			}
		}
	}
	if pending, err := k.box.Pending(); err == nil {
		for _, p := range pending {
			if p.Service == svc.ID && p.Seq != tk.Seq && p.IssuedAt.After(since) {
				ahead++
			}
		}
	}
	is := &Issued{Number: tk.Number, Service: svc.ID, ServiceZH: svc.NameZH, ServiceEN: svc.NameEN,
		Ahead: ahead, AheadEstimated: true,
		ETA:      time.Duration(ahead*svc.AvgServiceSeconds/windows) * time.Second,
		IssuedAt: tk.IssuedAt.In(loc), StatusURL: tk.StatusURL, Offline: true, Local: tk}
	if board != nil {
		is.LogSeq, is.LogHash = board.Seq, board.Hash
	}
	k.log.Info("ticket issued offline", "number", tk.Number, "lease", tk.Lease, "kiosk", tk.Kiosk, "local_seq", tk.Seq,
		"replaces", tk.Replaces)
	k.refreshCounts()
	k.notify()
	poke(k.wake)
	return is, nil
}

// Print prints the receipt of a number and reports the printer's health to
// the server (when it changed) so that staff see a fault. It returns the
// printer's error, which matches the printer package's conditions.
func (k *Kiosk) Print(ctx context.Context, is *Issued) error {
	if k.prn == nil {
		k.setPrinter(client.PrinterOffline, "no printer configured")
		return errNoPrinter
	}
	k.mu.Lock()
	var hallName string
	if k.hall != nil {
		hallName = k.hall.NameZH
	}
	k.mu.Unlock()
	t := printer.Ticket{Hall: hallName, ServiceZH: is.ServiceZH, ServiceEN: is.ServiceEN, Number: is.Number,
		Ahead: is.Ahead, ETA: is.ETA, IssuedAt: is.IssuedAt, StatusURL: is.StatusURL, LogSeq: is.LogSeq, LogHash: is.LogHash}
	if is.Offline {
		t.PrivacyNote = offlineNote
	}
	st, err := k.prn.PrintTicket(ctx, t)
	k.printerResult(st, err)
	if err != nil {
		k.log.Warn("receipt not printed", "number", is.Number, "printer", printer.Code(err), "err", err)
		return err
	}
	k.log.Info("receipt printed", "number", is.Number, "status", st.String())
	return nil
}

// printerResult records the outcome of a print or a status query. The
// detail for staff depends only on the printer's condition, so that the same
// fault reported after every attempt makes one device.status event.
func (k *Kiosk) printerResult(st printer.Status, err error) {
	zero := st.Raw == [4]byte{}
	switch code := printer.Code(err); {
	case err == nil && st.PaperNearEnd:
		k.setPrinter(client.PrinterPaperNearEnd, st.String())
	case err == nil:
		k.setPrinter(client.PrinterOK, "")
	case code == client.PrinterNoReply:
		k.setPrinter(code, "no reply to status queries")
	case code == client.PrinterLink:
		k.setPrinter(code, "cannot reach the printer")
	case !zero:
		k.setPrinter(code, st.String())
	case code == "other" || code == "":
		k.setPrinter(client.PrinterFault, err.Error())
	default:
		k.setPrinter(code, "")
	}
}

// setPrinter records the printer's health; the maintenance loop reports it.
func (k *Kiosk) setPrinter(code, detail string) {
	for len(detail) > 200 {
		_, size := utf8.DecodeLastRuneInString(detail)
		detail = detail[:len(detail)-size]
	}
	k.mu.Lock()
	changed := k.prnState != printerState{code, detail}
	k.prnState = printerState{code, detail}
	k.mu.Unlock()
	if changed {
		k.notify()
		poke(k.wake)
	}
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

// Run keeps the kiosk linked to the server until ctx ends: it follows the
// event stream to keep the board live, probes the server while it is
// unreachable, syncs the outbox when it is back, keeps leases topped up,
// checks the printer and reports its health.
func (k *Kiosk) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { k.streamLoop(ctx) })
	wg.Go(func() { k.boardLoop(ctx) })
	tick := time.NewTicker(k.opts.Tick)
	defer tick.Stop()
	var printerChecked time.Time
	for {
		k.maintain(ctx)
		if k.prn != nil && k.opts.Now().Sub(printerChecked) >= k.opts.PrinterEvery {
			printerChecked = k.opts.Now()
			sctx, cancel := context.WithTimeout(ctx, k.opts.RequestTimeout)
			st, err := k.prn.Status(sctx)
			cancel()
			if err == nil {
				err = st.Err()
			}
			k.printerResult(st, err)
		}
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-tick.C:
		case <-k.wake:
		}
	}
}

// maintain does one round of the link's chores.
func (k *Kiosk) maintain(ctx context.Context) {
	k.mu.Lock()
	online, known := k.online, k.hall != nil && k.device != nil
	k.mu.Unlock()
	if !online || !known {
		if !k.connect(ctx) {
			k.refreshCounts()
			return
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 4*k.opts.RequestTimeout)
	defer cancel()
	day := k.today()
	k.mu.Lock()
	if day != k.leasesDay {
		k.needLeases = true // a new service day: yesterday's leases are void
	}
	pending, withdraw, needLeases := k.pending, k.withdraw, k.needLeases
	kiosk := k.device.ID
	k.mu.Unlock()
	if pending > 0 {
		res, err := k.box.Drain(rctx, k.srv)
		for _, t := range res.Synced {
			k.log.Info("offline ticket synced", "number", t.Number, "lease", t.Lease, "local_seq", t.Seq, "log_seq", t.LogSeq,
				"replaces", t.Replaces)
		}
		for _, t := range res.Refused {
			k.log.Error("offline ticket refused by the server", "number", t.Number, "lease", t.Lease, "local_seq", t.Seq, "reason", t.Refusal)
		}
		if len(res.Synced) > 0 {
			poke(k.kick)
		}
		if err != nil {
			k.fail(fmt.Sprintf("sync of offline tickets stopped with %d left", res.Left), err)
			if unreachable(err) {
				return
			}
		}
		k.refreshCounts()
	}
	if withdraw > 0 {
		res, err := k.box.DrainWithdrawals(rctx, kiosk, k.srv)
		for _, w := range res.Withdrawn {
			if w.Number != "" {
				k.log.Info("unanswered ticket request withdrawn", "number", w.Number, "service", w.Service, "idempotency_key", w.Key)
			} else {
				k.log.Info("unanswered ticket request settled: the server had no waiting ticket for it", "service", w.Service,
					"idempotency_key", w.Key)
			}
		}
		for _, w := range res.Refused {
			k.log.Error("withdrawal of an unanswered ticket request refused by the server: dropped", "service", w.Service,
				"idempotency_key", w.Key, "reason", w.Refusal)
		}
		if len(res.Withdrawn) > 0 {
			poke(k.kick)
		}
		if err != nil {
			k.fail(fmt.Sprintf("withdrawal of unanswered requests stopped with %d left", res.Left), err)
			if unreachable(err) {
				return
			}
		}
		k.refreshCounts()
	}
	if needLeases {
		leases, err := k.srv.Leases(rctx)
		if err != nil {
			k.fail("list leases", err)
			return
		}
		if err := k.box.ReplaceLeases(leases); err != nil {
			k.log.Error("outbox", "err", err)
			return
		}
		if d, err := time.Parse(time.DateOnly, day); err == nil {
			if n, err := k.box.Prune(d.AddDate(0, 0, -1).Format(time.DateOnly)); err != nil {
				k.log.Error("outbox", "err", err)
			} else if n > 0 {
				k.log.Info("pruned settled offline tickets", "count", n)
			}
		}
		k.mu.Lock()
		k.needLeases, k.leasesDay = false, day
		k.mu.Unlock()
		k.refreshCounts()
	}
	if !k.topUp(rctx, day) {
		return
	}
	k.mu.Lock()
	report, reported := k.prnState, k.reported
	stale := k.opts.Now().Sub(k.boardAt) >= k.opts.BoardEvery
	k.mu.Unlock()
	if report.Code != "" && report != reported {
		if err := k.srv.ReportDevice(rctx, report.Code, report.Detail); err != nil {
			k.fail("report printer status", err)
			return
		}
		k.log.Info("printer status reported", "printer", report.Code, "detail", report.Detail)
		k.mu.Lock()
		k.reported = report
		k.mu.Unlock()
	}
	if stale {
		poke(k.kick)
	}
}

// fail logs a failed chore (each distinct failure once, as chores are
// retried every tick) and notes an unreachable server.
func (k *Kiosk) fail(what string, err error) {
	if unreachable(err) {
		k.contact(false, err)
		return
	}
	k.mu.Lock()
	repeated := k.lastFail == what+err.Error()
	k.lastFail = what + err.Error()
	k.mu.Unlock()
	if repeated {
		k.log.Debug(what, "err", err)
		return
	}
	k.log.Error(what, "err", err)
}

// connect asks the server for the hall, the kiosk's device and the board.
func (k *Kiosk) connect(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, k.opts.RequestTimeout)
	defer cancel()
	hall, err := k.srv.Hall(ctx)
	if err != nil {
		k.fail("hall", err)
		return false
	}
	dev, err := k.srv.DeviceMe(ctx)
	if err != nil {
		if code := client.ErrorCode(err); code == "EUNAUTHORIZED" || code == "EFORBIDDEN" {
			k.mu.Lock()
			changed := !k.unenrolled
			k.unenrolled = true
			k.mu.Unlock()
			if changed {
				k.notify()
			}
		}
		k.fail("the server does not accept this kiosk's token (-token)", err)
		return false
	}
	board, err := k.srv.Board(ctx)
	if err != nil {
		k.fail("board", err)
		return false
	}
	k.mu.Lock()
	first := k.device == nil || k.device.ID != dev.ID
	k.setHallLocked(hall)
	k.device, k.unenrolled, k.lastFail = dev, false, ""
	k.mu.Unlock()
	if first {
		k.log.Info("kiosk enrolled", "device", dev.ID, "name", dev.Name, "hall", hall.ID)
	}
	for name, v := range map[string]any{metaHall: hall, metaDevice: dev} {
		if err := k.box.Put(name, v); err != nil {
			k.log.Error("outbox", "err", err)
		}
	}
	k.setBoard(board)
	k.contact(true, nil)
	k.refreshCounts()
	return true
}

// setBoard takes a fresh board, and the server's clock from it.
func (k *Kiosk) setBoard(b *client.Board) {
	now := k.opts.Now()
	k.mu.Lock()
	k.board, k.boardAt = b, now
	if !b.Time.IsZero() {
		k.offset = b.Time.Sub(now).Truncate(time.Second)
	}
	save := now.Sub(k.savedAt) >= time.Minute
	if save {
		k.savedAt = now
	}
	offset := k.offset
	k.mu.Unlock()
	if save {
		if err := k.box.Put(metaBoard, b); err != nil {
			k.log.Error("outbox", "err", err)
		}
		if err := k.box.Put(metaOffset, offset); err != nil {
			k.log.Error("outbox", "err", err)
		}
	}
	k.notify()
}

// topUp asks for leased numbers of each service the kiosk may issue offline
// whose holding went down since the last request. It returns false when the
// server could not be reached.
func (k *Kiosk) topUp(ctx context.Context, day string) bool {
	k.mu.Lock()
	var services []string
	if k.hall != nil {
		for _, svc := range offered(k.hall, k.device) {
			if !svc.RealName {
				services = append(services, svc.ID)
			}
		}
	}
	k.mu.Unlock()
	rem, err := k.box.Remaining(day)
	if err != nil {
		k.log.Error("outbox", "err", err)
		return true
	}
	for _, svc := range services {
		key := day + "/" + svc
		k.mu.Lock()
		full, asked := k.full[key]
		k.mu.Unlock()
		if asked && rem[svc] >= full {
			continue
		}
		l, err := k.srv.GrantLease(ctx, svc, 0)
		switch {
		case err == nil:
			if err := k.box.AddLease(*l); err != nil {
				k.log.Error("outbox", "err", err)
				continue
			}
			full = rem[svc] + len(l.Numbers)
			k.log.Info("lease granted", "lease", l.ID, "service", svc, "numbers", len(l.Numbers), "day", l.Day)
		case unreachable(err):
			k.contact(false, err)
			return false
		default:
			// A full holding (ECONFLICT), all numbers taken (ELIMIT) or a
			// service not leased: ask again when numbers were used.
			full = rem[svc]
			k.log.Debug("no lease", "service", svc, "err", err)
		}
		k.mu.Lock()
		k.full[key] = full
		k.mu.Unlock()
	}
	k.refreshCounts()
	return true
}

// streamLoop follows the public log while the server is reachable, and
// refreshes the board after every event.
func (k *Kiosk) streamLoop(ctx context.Context) {
	for ctx.Err() == nil {
		k.mu.Lock()
		ready := k.online && k.board != nil
		var after uint64
		if k.board != nil {
			after = k.board.Seq
		}
		k.mu.Unlock()
		if !ready {
			select {
			case <-ctx.Done():
				return
			case <-time.After(k.opts.Tick):
			}
			continue
		}
		sctx, cancel := context.WithCancel(ctx)
		k.srv.Stream(sctx, after, client.StreamHandler{
			Event: func(uint64, []byte) error {
				poke(k.kick)
				return nil
			},
			Status: func(st client.StreamStatus) {
				switch st.State {
				case client.StreamLive:
					k.contact(true, nil)
				case client.StreamDown:
					// Resume from a fresh board once the server answers
					// again (a log that changed under us, ECONFLICT, too).
					if unreachable(st.Err) {
						k.contact(false, st.Err)
					}
					cancel()
				}
			},
		})
		cancel()
		if ctx.Err() == nil {
			poke(k.kick)
			select {
			case <-ctx.Done():
			case <-time.After(k.opts.Tick):
			}
		}
	}
}

// boardLoop refreshes the board when kicked, at most a few times a second.
func (k *Kiosk) boardLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.kick:
		}
		rctx, cancel := context.WithTimeout(ctx, k.opts.RequestTimeout)
		b, err := k.srv.Board(rctx)
		cancel()
		if err != nil {
			k.fail("board", err)
		} else {
			k.setBoard(b)
			k.contact(true, nil)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}
