package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/queue"
)

// Hall is what the notifier reads of the running hall; *engine.Engine is one.
type Hall interface {
	// Read calls fn with the committed state under the engine's read lock.
	Read(fn func(s *queue.State, seq uint64, hash string))
	Hall() *queue.Hall
	Now() time.Time
}

// Options configure a Notifier.
type Options struct {
	Path   string // the notifier's bbolt file
	Hall   Hall
	Sender Sender
	// Timeout bounds each attempt (default 5 s); Attempts is how many are
	// made of each message (default 4); Backoff is the wait before the first
	// retry (default 1 s), doubled each time, at most a minute.
	Timeout  time.Duration
	Attempts int
	Backoff  time.Duration
	// CloseAhead: the "close" message goes out when this many or fewer are
	// ahead.
	CloseAhead int
	// Parallel bounds the messages being sent at once (default 8).
	Parallel int
	// NoSync turns fsync off (tests only).
	NoSync bool
	Logger *slog.Logger
}

// The states of a message in a record.
const (
	pending = ""
	sent    = "sent"
	skipped = "skipped" // "close" of a ticket called before it went out
	failed  = "failed"  // every attempt refused
)

// record is what the notifier keeps of a ticket, under its ID.
type record struct {
	Ticket string `json:"ticket"`
	Day    string `json:"day"`
	Phone  string `json:"phone"`
	Close  string `json:"close,omitempty"`
	Called string `json:"called,omitempty"`
}

// sub is a record in memory; busy while one of its messages is being sent.
type sub struct {
	rec  record
	busy bool
}

var bucket = []byte("phones")

// Notifier sends the "close" and "called" messages of today's tickets with
// a phone number. One goroutine (run) decides what is due; each message is
// sent from a goroutine of its own, at most Parallel at once.
type Notifier struct {
	opts Options
	log  *slog.Logger

	// mu guards db (replaced when a sealed day is purged) and subs, the
	// records of the file by ticket ID.
	mu   sync.Mutex
	db   *bolt.DB
	subs map[string]*sub

	// sealMu guards sealed, the days sealed since start. Observe takes it on
	// the engine's publisher goroutine, so it is held for nothing else.
	sealMu sync.Mutex
	sealed map[string]bool

	kick   chan struct{}   // cap 1: something may be due
	slots  chan struct{}   // messages being sent
	ctx    context.Context // cancelled by Close: no new sends, no more retries
	cancel context.CancelFunc
	// sendCtx bounds the requests in flight; Close cancels it only after
	// they had drainTime to finish, so that a message the gateway is
	// accepting right then is marked sent and not sent again after a start.
	sendCtx    context.Context
	sendCancel context.CancelFunc
	wg         sync.WaitGroup
}

// drainTime is how long Close lets the requests in flight finish.
const drainTime = 5 * time.Second

// Open opens (or creates, mode 0600) the notifier's file, forgets the
// numbers of days that are over and starts sending what is due.
func Open(opts Options) (*Notifier, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 4
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 8
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{opts: opts, log: opts.Logger, subs: map[string]*sub{}, sealed: map[string]bool{},
		kick: make(chan struct{}, 1), slots: make(chan struct{}, opts.Parallel)}
	db, err := n.openFile()
	if err != nil {
		return nil, err
	}
	n.db = db
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			var rec record
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("notify: record %q: %w", k, err)
			}
			n.subs[rec.Ticket] = &sub{rec: rec}
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := n.purge(); err != nil {
		n.db.Close()
		return nil, err
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.sendCtx, n.sendCancel = context.WithCancel(context.Background())
	n.wg.Add(1)
	go n.run()
	n.nudge()
	return n, nil
}

func (n *Notifier) openFile() (*bolt.DB, error) {
	db, err := bolt.Open(n.opts.Path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: n.opts.NoSync})
	if err != nil {
		return nil, fmt.Errorf("notify: open %s: %w", n.opts.Path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("notify: open %s: %w", n.opts.Path, err)
	}
	return db, nil
}

// Close stops sending and closes the file. Requests in flight get a few
// seconds (at most the send timeout) to be answered and marked; those still
// unanswered then are cut off. Unsent messages are sent after the next Open.
func (n *Notifier) Close() error {
	n.cancel()
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(min(drainTime, n.opts.Timeout)):
		n.sendCancel()
		<-done
	}
	n.sendCancel()
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.db.Close()
}

// Observe takes the events of a commit; the engine's publisher calls it. It
// only notes sealed days and nudges the sender, so it never waits.
func (n *Notifier) Observe(evs []queue.Event) {
	for _, ev := range evs {
		if d, ok := ev.Data.(*queue.DaySealedData); ok {
			n.sealMu.Lock()
			n.sealed[d.Day] = true
			n.sealMu.Unlock()
		}
	}
	n.nudge()
}

func (n *Notifier) nudge() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

func (n *Notifier) isSealed(day string) bool {
	n.sealMu.Lock()
	defer n.sealMu.Unlock()
	return n.sealed[day]
}

// ErrTaken refuses a second number for a ticket.
var ErrTaken = queue.Errorf(queue.ECONFLICT, "a phone number is already registered for this ticket").Zh("该号码已登记过手机号码")

// Register keeps phone for a ticket of the open day that is waiting, if may
// allows who asks (the kiosk or desk that issued it). It returns once the
// number is on disk. The number is checked and normalised first. The same
// number again is kept already; another number is refused with ErrTaken.
func (n *Notifier) Register(ticket, phone string, may func(t *queue.Ticket) bool) error {
	p, err := queue.NormalizePhone(phone)
	if err != nil {
		return err
	}
	var day string
	err = queue.Errorf(queue.ENOTFOUND, "no ticket %s today", clip(ticket)).Zh("今日没有该号码")
	n.opts.Hall.Read(func(s *queue.State, _ uint64, _ string) {
		t, ok := s.Tickets[ticket]
		switch {
		case !ok || t.Day != s.Day || n.isSealed(s.Day):
		case !may(t):
			err = queue.Errorf(queue.EFORBIDDEN, "only the kiosk or desk that issued ticket %s may register a phone number for it", t.Number).
				Zh("只有出此号的取号机或导服台可以登记手机号码")
		case t.Status != queue.StatusWaiting:
			err = queue.Errorf(queue.ECONFLICT, "ticket %s is no longer waiting", t.Number).Zh("该号码已不在等候")
		default:
			day, err = s.Day, nil
		}
	})
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if sb, ok := n.subs[ticket]; ok {
		if sb.rec.Phone == p {
			return nil // a retried request
		}
		return ErrTaken
	}
	rec := record{Ticket: ticket, Day: day, Phone: p}
	if err := n.put(rec); err != nil {
		return err
	}
	n.subs[ticket] = &sub{rec: rec}
	n.nudge()
	return nil
}

// Registered reports whether a ticket has a phone number.
func (n *Notifier) Registered(ticket string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, ok := n.subs[ticket]
	return ok
}

// put writes a record; mu is held.
func (n *Notifier) put(rec record) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := n.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(rec.Ticket), v) }); err != nil {
		return fmt.Errorf("notify: keep the number of %s: %w", rec.Ticket, err)
	}
	return nil
}

// run decides what is due whenever something was published, and every
// second (the people ahead also change with the clock: bookings come due).
func (n *Notifier) run() {
	defer n.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.kick:
		case <-tick.C:
		}
		if err := n.purge(); err != nil {
			n.log.Error("notify: deleting the numbers of a sealed day", "err", err)
		}
		n.scan()
	}
}

// purge forgets the records of sealed days (and of any day but the open
// one: a day sealed while the server was down) and, if there were any,
// writes the file anew without them.
func (n *Notifier) purge() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	var open string
	n.opts.Hall.Read(func(s *queue.State, _ uint64, _ string) { open = s.Day })
	dropped := 0
	for id, sb := range n.subs {
		if sb.rec.Day != open || n.isSealed(sb.rec.Day) {
			delete(n.subs, id)
			dropped++
		}
	}
	if dropped == 0 {
		return nil
	}
	if err := n.db.Close(); err != nil {
		return err
	}
	if err := os.Remove(n.opts.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	db, err := n.openFile()
	if err != nil {
		return err
	}
	n.db = db
	for _, sb := range n.subs {
		if err := n.put(sb.rec); err != nil {
			return err
		}
	}
	n.log.Info("notify: phone numbers of a sealed day deleted", "numbers", dropped)
	return nil
}

// scan starts sending the messages that are due.
func (n *Notifier) scan() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.subs) == 0 {
		return
	}
	h, now := n.opts.Hall.Hall(), n.opts.Hall.Now()
	type due struct {
		sb *sub
		m  Message
	}
	var dues []due
	n.opts.Hall.Read(func(s *queue.State, _ uint64, _ string) {
		for id, sb := range n.subs {
			if sb.busy || sb.rec.Called != pending {
				continue
			}
			t, ok := s.Tickets[id]
			if !ok || t.Day != s.Day || sb.rec.Day != s.Day {
				continue
			}
			switch {
			case t.Status == queue.StatusCalled:
				if sb.rec.Close == pending {
					sb.rec.Close = skipped // kept with the "called" mark
				}
				dues = append(dues, due{sb, n.message(h, KindCalled, sb.rec, t, 0)})
			case t.Status == queue.StatusWaiting && sb.rec.Close == pending:
				if ahead := s.Ahead(h, t, now); ahead <= n.opts.CloseAhead {
					dues = append(dues, due{sb, n.message(h, KindClose, sb.rec, t, ahead)})
				}
			}
		}
	})
	for _, d := range dues {
		select {
		case n.slots <- struct{}{}:
		default:
			return // all busy; the next scan starts the rest
		}
		d.sb.busy = true
		n.wg.Add(1)
		go n.deliver(d.sb.rec.Day, d.m)
	}
}

// message writes a message for a ticket.
func (n *Notifier) message(h *queue.Hall, kind string, rec record, t *queue.Ticket, ahead int) Message {
	m := Message{ID: t.ID + "/" + kind, Kind: kind, Phone: rec.Phone, Hall: h.NameZH, Ticket: t.ID, Number: t.Number, Ahead: ahead}
	if svc, ok := h.Service(t.Service); ok {
		m.ServiceZH, m.ServiceEN = svc.NameZH, svc.NameEN
	}
	if kind == KindCalled {
		m.Window = t.Window
		if w, ok := h.Window(t.Window); ok {
			m.WindowZH, m.WindowEN = w.NameZH, w.NameEN
		}
		m.Text = fmt.Sprintf("【%s】请%s号到%s办理%s。", h.NameZH, t.Number, or(m.WindowZH, t.Window), m.ServiceZH)
	} else {
		m.Text = fmt.Sprintf("【%s】您的%s号前面还有%d人，请回到大厅留意叫号。", h.NameZH, t.Number, ahead)
	}
	return m
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// deliver sends m until the gateway accepts it, every attempt is refused,
// or its day is sealed, and then marks it.
func (n *Notifier) deliver(day string, m Message) {
	defer n.wg.Done()
	defer func() { <-n.slots }()
	wait := n.opts.Backoff
	for attempt := 1; ; attempt++ {
		if !n.live(day) {
			n.finish(day, m, pending)
			return
		}
		ctx, cancel := context.WithTimeout(n.sendCtx, n.opts.Timeout)
		err := n.opts.Sender.Send(ctx, m)
		cancel()
		if err == nil {
			n.finish(day, m, sent)
			return
		}
		if n.ctx.Err() != nil {
			return // stopping: sent again after the next start
		}
		// The ticket is public; the number is never logged.
		n.log.Warn("notify: message not accepted", "ticket", m.Ticket, "kind", m.Kind, "attempt", attempt, "err", err)
		if attempt >= n.opts.Attempts {
			n.finish(day, m, failed)
			return
		}
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

// live reports whether day is the open day and not sealed.
func (n *Notifier) live(day string) bool {
	if n.isSealed(day) {
		return false
	}
	var open string
	n.opts.Hall.Read(func(s *queue.State, _ uint64, _ string) { open = s.Day })
	return open == day
}

// finish marks a message as state (pending: not sent, its day is over) and
// lets the scan look at its ticket again.
func (n *Notifier) finish(day string, m Message, state string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	defer n.nudge()
	sb, ok := n.subs[m.Ticket]
	if !ok || sb.rec.Day != day {
		return // purged with its day
	}
	sb.busy = false
	if state == pending {
		return
	}
	if m.Kind == KindCalled {
		sb.rec.Called = state
	} else {
		sb.rec.Close = state
	}
	if err := n.put(sb.rec); err != nil {
		// Not sent again in this run; after a restart it may be.
		n.log.Error("notify: marking a message", "ticket", m.Ticket, "kind", m.Kind, "err", err)
	}
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
