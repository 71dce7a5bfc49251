package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"hallq/server/eventlog"
)

// Source is the hall's log as the publisher reads it (a *store.Store).
type Source interface {
	EventsAfter(after uint64, limit int) ([]eventlog.Record, error)
	Event(seq uint64) (eventlog.Record, error)
}

// Options configure a Publisher.
type Options struct {
	// URLs are the NATS servers; Credentials the hall's credentials file
	// (empty: none); Domain the city's JetStream domain (empty: the local one).
	URLs        []string
	Credentials string
	Domain      string
	// Prefix and Hall make the subject and stream (see Subject and Stream);
	// Replicas is the stream's replica count when the hall creates it.
	Prefix   string
	Hall     string
	Replicas int
	// PublicURL is the base of the hall's own pages, put in the stream's
	// metadata for the portal's links.
	PublicURL string
	// Source is the log; Head is its head at start (later heads come by Notify).
	Source Source
	Head   uint64
	// Logger gets the publisher's warnings (default: discarded).
	Logger *slog.Logger
	// Window is how many events may await JetStream's answer at once
	// (default 256).
	Window int
	// AckWait bounds the wait for JetStream's answer to a window (default 10 s).
	AckWait time.Duration
	// RetryMin and RetryMax bound the pause after a failure (defaults 200 ms, 5 s).
	RetryMin, RetryMax time.Duration
}

// ErrDiverged is returned, wrapped, when the hall's stream holds events the
// hall's log does not: more of them, or others at the same seq. The
// publisher then sends nothing, since the hall cannot correct the city's copy.
var ErrDiverged = errors.New("federation: the stream differs from the hall's log")

// Status is the state of the copy, for /healthz and /metrics.
type Status struct {
	// Connected says whether the NATS connection is up.
	Connected bool
	// Head is the last event the hall committed; Stored the last the stream
	// confirmed (0 before the publisher learned the stream's state).
	Head, Stored uint64
	// Lag is Head-Stored; LagAge how long the oldest event not yet stored has
	// waited (0 when none waits).
	Lag    uint64
	LagAge time.Duration
	// Err is the last failure, cleared by the next success.
	Err error
}

// Publisher copies a hall's log to its stream. One goroutine owns the
// connection and the stream; Notify and Status may be called from any
// goroutine.
type Publisher struct {
	opt  Options
	log  *slog.Logger
	nc   *nats.Conn
	js   jetstream.JetStream
	now  func() time.Time
	wake chan struct{} // a new head, or the connection came back

	head   atomic.Uint64 // highest seq notified
	stored atomic.Uint64 // last seq the stream confirmed
	mu     sync.Mutex
	err    error

	cancel context.CancelFunc
	done   chan struct{}
}

// Start connects to NATS in the background and starts copying. It fails only
// on a configuration error: an unreachable NATS is retried for ever.
func Start(opt Options) (*Publisher, error) {
	if opt.Source == nil || opt.Hall == "" || opt.Prefix == "" || len(opt.URLs) == 0 {
		return nil, errors.New("federation: the publisher needs the log, the hall, a subject prefix and NATS URLs")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Window <= 0 {
		opt.Window = 256
	}
	if opt.AckWait <= 0 {
		opt.AckWait = 10 * time.Second
	}
	if opt.RetryMin <= 0 {
		opt.RetryMin = 200 * time.Millisecond
	}
	if opt.RetryMax < opt.RetryMin {
		opt.RetryMax = max(5*time.Second, opt.RetryMin)
	}
	p := &Publisher{opt: opt, log: opt.Logger, now: time.Now, wake: make(chan struct{}, 1), done: make(chan struct{})}
	p.head.Store(opt.Head)
	nopts := []nats.Option{
		nats.Name("hallq hall " + opt.Hall),
		// Answers from JetStream come to the hall's own inboxes, which the
		// city lets no other hall read (deploy/nats-city.conf).
		nats.CustomInboxPrefix(InboxPrefix(opt.Hall)),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(opt.RetryMin),
		// While the link is down nothing is buffered: publishes fail at once
		// and the events wait in the hall's own log.
		nats.ReconnectBufSize(-1),
		nats.ConnectHandler(func(*nats.Conn) { p.poke() }),
		nats.ReconnectHandler(func(*nats.Conn) { p.log.Info("federation: connected to NATS again"); p.poke() }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				p.log.Warn("federation: lost NATS; the hall goes on and sends its backlog later", "err", err)
			}
		}),
	}
	if opt.Credentials != "" {
		nopts = append(nopts, nats.UserCredentials(opt.Credentials))
	}
	nc, err := nats.Connect(strings.Join(opt.URLs, ","), nopts...)
	if err != nil {
		return nil, fmt.Errorf("federation: connect: %w", err)
	}
	jsOpts := []jetstream.JetStreamOpt{jetstream.WithPublishAsyncMaxPending(opt.Window), jetstream.WithPublishAsyncTimeout(opt.AckWait)}
	var js jetstream.JetStream
	if opt.Domain != "" {
		js, err = jetstream.NewWithDomain(nc, opt.Domain, jsOpts...)
	} else {
		js, err = jetstream.New(nc, jsOpts...)
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("federation: %w", err)
	}
	p.nc, p.js = nc, js
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go p.run(ctx)
	return p, nil
}

// Notify tells the publisher that the log's head is now seq. It never blocks.
func (p *Publisher) Notify(seq uint64) {
	for {
		h := p.head.Load()
		if seq <= h || p.head.CompareAndSwap(h, seq) {
			break
		}
	}
	p.poke()
}

func (p *Publisher) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Status returns the state of the copy.
func (p *Publisher) Status() Status { return p.StatusAt(0) }

// StatusAt returns the state of the copy against a head the caller has read
// from the log: the engine answers a commit before it notifies the
// publisher, so a head read just now may be ahead of the one notified, and
// the lag must count it.
func (p *Publisher) StatusAt(head uint64) Status {
	s := Status{Connected: p.nc.IsConnected(), Head: max(p.head.Load(), head), Stored: p.stored.Load()}
	p.mu.Lock()
	s.Err = p.err
	p.mu.Unlock()
	if s.Head > s.Stored {
		s.Lag = s.Head - s.Stored
		if rec, err := p.opt.Source.Event(s.Stored + 1); err == nil {
			s.LagAge = max(p.now().Sub(rec.Time), 0)
		}
	}
	return s
}

// Close stops the copy and closes the connection. What is not yet stored
// goes out from the log at the next start.
func (p *Publisher) Close() error {
	p.cancel()
	<-p.done
	p.nc.Close()
	return nil
}

func (p *Publisher) setErr(err error) {
	p.mu.Lock()
	p.err = err
	p.mu.Unlock()
}

// run owns the connection's use: it copies until ctx ends, starting over from
// the stream's state after every failure.
func (p *Publisher) run(ctx context.Context) {
	defer close(p.done)
	pause := p.opt.RetryMin
	for {
		progressed, err := p.copy(ctx)
		if ctx.Err() != nil {
			return
		}
		if progressed {
			pause = p.opt.RetryMin
		}
		p.setErr(err)
		if errors.Is(err, ErrDiverged) {
			p.log.Error("federation: stopped copying", "err", err)
			pause = p.opt.RetryMax
		} else {
			p.log.Warn("federation: copy interrupted; resuming from the stream's last event", "err", err, "retry_in", pause)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-p.wake:
			t.Stop()
			if !p.nc.IsConnected() {
				continue
			}
		}
		pause = min(2*pause, p.opt.RetryMax)
	}
}

// copy learns the stream's last event and sends what follows it until an
// error; progressed says whether anything was stored meanwhile.
//
// Up to Window events are in flight at once, and an event committed while
// earlier ones await JetStream's answer goes out at once rather than after
// those answers: the portals see an event when the stream stores it, so
// waiting for an answer before sending would add a replicated round trip to
// the lag of every event committed meanwhile. Each event carries its seq as
// the message ID and expects the previous one last, so that a failure
// anywhere stores nothing after it and the copy starts over from the
// stream's state.
func (p *Publisher) copy(ctx context.Context) (progressed bool, err error) {
	if !p.nc.IsConnected() {
		return false, errors.New("federation: not connected to NATS")
	}
	last, err := p.resume(ctx)
	if err != nil {
		return false, err
	}
	p.stored.Store(last)
	p.setErr(nil)
	subject := Subject(p.opt.Prefix, p.opt.Hall)
	type inFlight struct {
		seq  uint64
		sent time.Time
		ack  jetstream.PubAckFuture
	}
	var flight []inFlight // oldest first
	sent := last
	var broken error // a publish failed: send nothing more, settle what is in flight
	timer := time.NewTimer(p.opt.AckWait)
	defer timer.Stop()
	for {
		if head := p.head.Load(); broken == nil && sent < head && len(flight) < p.opt.Window {
			recs, err := p.opt.Source.EventsAfter(sent, int(min(head-sent, uint64(p.opt.Window-len(flight)))))
			if err != nil {
				return progressed, err
			}
			if len(recs) == 0 || recs[0].Seq != sent+1 {
				return progressed, fmt.Errorf("federation: the log has no event %d", sent+1)
			}
			for _, r := range recs {
				m := nats.NewMsg(subject)
				m.Data = r.Raw
				f, err := p.js.PublishMsgAsync(m, jetstream.WithMsgID(strconv.FormatUint(r.Seq, 10)),
					jetstream.WithExpectLastSequence(r.Seq-1))
				if err != nil {
					broken = fmt.Errorf("federation: publishing event %d failed; the link is down: %w", r.Seq, err)
					break
				}
				flight = append(flight, inFlight{seq: r.Seq, sent: p.now(), ack: f})
				sent = r.Seq
			}
		}
		if len(flight) == 0 {
			if broken != nil {
				return progressed, broken
			}
			select {
			case <-ctx.Done():
				return progressed, ctx.Err()
			case <-p.wake:
				continue
			}
		}
		// The oldest answer, or a new event to send while the window has room.
		var wake chan struct{}
		if broken == nil && len(flight) < p.opt.Window {
			wake = p.wake
		}
		o := flight[0]
		timer.Reset(max(p.opt.AckWait-p.now().Sub(o.sent), 0))
		select {
		case ack := <-o.ack.Ok():
			if ack.Sequence != o.seq {
				return progressed, fmt.Errorf("federation: event %d stored as stream message %d: %w", o.seq, ack.Sequence, ErrDiverged)
			}
			flight = flight[1:]
			last = o.seq
			p.stored.Store(last)
			progressed = true
		case err := <-o.ack.Err():
			return progressed, fmt.Errorf("federation: event %d: %w", o.seq, err)
		case <-timer.C:
			return progressed, fmt.Errorf("federation: event %d: no answer from JetStream in %s", o.seq, p.opt.AckWait)
		case <-ctx.Done():
			return progressed, ctx.Err()
		case <-wake:
		}
	}
}

// resume makes sure the hall's stream exists and returns its last sequence,
// after checking that its last event is the hall's own.
func (p *Publisher) resume(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opt.AckWait)
	defer cancel()
	cfg := StreamConfig(p.opt.Prefix, p.opt.Hall, p.opt.PublicURL, p.opt.Replicas)
	st, err := p.js.Stream(ctx, cfg.Name)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		if st, err = p.js.CreateStream(ctx, cfg); err != nil {
			return 0, fmt.Errorf("federation: create stream %s: %w", cfg.Name, err)
		}
		p.log.Info("federation: created the hall's stream", "stream", cfg.Name, "replicas", cfg.Replicas)
	case err != nil:
		return 0, fmt.Errorf("federation: stream %s: %w", cfg.Name, err)
	}
	info := st.CachedInfo()
	if !ownMetadata(info.Config.Metadata, cfg.Metadata) {
		up := info.Config
		up.Metadata = maps.Clone(info.Config.Metadata)
		if up.Metadata == nil {
			up.Metadata = map[string]string{}
		}
		maps.Copy(up.Metadata, cfg.Metadata)
		if _, err := p.js.UpdateStream(ctx, up); err != nil {
			p.log.Warn("federation: could not update the stream's metadata", "stream", cfg.Name, "err", err)
		}
	}
	last := info.State.LastSeq
	if last == 0 {
		return 0, nil
	}
	if head := p.head.Load(); last > head {
		return 0, fmt.Errorf("stream %s holds %d events, the hall's log %d: %w", cfg.Name, last, head, ErrDiverged)
	}
	msg, err := st.GetMsg(ctx, last)
	if err != nil {
		return 0, fmt.Errorf("federation: stream %s message %d: %w", cfg.Name, last, err)
	}
	theirs, err := eventlog.Parse(msg.Data)
	if err != nil {
		return 0, fmt.Errorf("stream %s message %d is not an event (%v): %w", cfg.Name, last, err, ErrDiverged)
	}
	ours, err := p.opt.Source.Event(last)
	if err != nil {
		return 0, err
	}
	if theirs.Seq != last || theirs.Hash != ours.Hash {
		return 0, fmt.Errorf("stream %s message %d is event %d with hash %s, the hall's event %d has %s: %w",
			cfg.Name, last, theirs.Seq, theirs.Hash, last, ours.Hash, ErrDiverged)
	}
	return last, nil
}

// ownMetadata reports whether the stream's metadata holds the hall's own
// keys as want has them; the server adds keys of its own (_nats.*), which
// are no reason to update the stream at every start.
func ownMetadata(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}
