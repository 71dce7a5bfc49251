package hall

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"time"

	"hallq/server/api"
	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/eventlog"
	"hallq/server/federation"
	"hallq/server/hub"
	"hallq/server/metrics"
	"hallq/server/notify"
	"hallq/server/queue"
	"hallq/server/store"
	"hallq/server/stream"
	"hallq/server/web"
	"hallq/server/wire"
)

// Hall is a running hall: its store, engine, stream, API, pages and metrics,
// wired together. The server command runs one; tests of other packages start
// one in process.
type Hall struct {
	Store   *store.Store
	Hub     *hub.Hub
	Streams *stream.Server
	Engine  *engine.Engine
	API     *api.Server // the JSON API, under /api/v1/
	Metrics *metrics.Metrics
	// Handler serves everything over HTTP: the API, the stream, the pages,
	// /healthz and /metrics (see routes).
	Handler http.Handler
	// HTTP serves Handler with the configured deadlines; Serve runs it.
	HTTP *http.Server
	// Health serves /healthz alone; ServeHealth runs it on a listener of
	// its own.
	Health     http.Handler
	healthHTTP *http.Server
	// Federation copies the log to the city's JetStream; nil when the hall
	// does not federate.
	Federation *federation.Publisher

	limits    config.Limits
	tls       config.Server // TLSCert and TLSKey: serve HTTPS
	log       *slog.Logger
	stopSweep chan struct{} // closed by Close: the session sweeper stops
	swept     chan struct{} // closed when the session sweeper has stopped
	pages     *web.Server
	// archiver moves past days into archive files; stopped by Close.
	archiver *archiver
	// deskPrinters are the reception desks' printers, closed by Close.
	deskPrinters []*deskPrinter
	// notifier sends the text messages of applicants who left a phone
	// number; nil when the hall sends none.
	notifier *notify.Notifier
}

// Options adjust a Hall for tests. The zero value is what the server runs.
type Options struct {
	// NoSync turns fsync off (tests only: a crash may lose acknowledged events).
	NoSync bool
	// Now is the engine's clock (default time.Now).
	Now func() time.Time
	// Heartbeat overrides the configured websocket heartbeat interval.
	Heartbeat time.Duration
	// SessionSweep is how often ended staff sessions are deleted and
	// addresses without recent failed sign-ins forgotten (default a minute);
	// sessions are also swept at start.
	SessionSweep time.Duration
	// VerifyLog recomputes the whole hash chain at start, as hallq-verify
	// does; otherwise only what the store does not remember as verified.
	VerifyLog bool
	// NotifyBackoff is the notifier's first wait before trying a message
	// again (default a second).
	NotifyBackoff time.Duration
	// ArchiveStep pauses the archiving of past days after each page of
	// events (crash tests stop the server in the middle of it).
	ArchiveStep time.Duration
}

// Open opens the hall's store (hallq.db in dataDir) and starts its engine.
func Open(cfg *config.Config, dataDir string, log *slog.Logger, opts Options) (*Hall, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	heartbeat := cfg.Limits.WSHeartbeat
	if opts.Heartbeat > 0 {
		heartbeat = opts.Heartbeat
	}
	dbPath := filepath.Join(dataDir, "hallq.db")
	st, err := store.Open(dbPath, store.Options{NoSync: opts.NoSync, Journal: true, VerifyAll: opts.VerifyLog, ArchiveStep: opts.ArchiveStep})
	if err != nil {
		return nil, err
	}
	identity, moved, err := identityKey(cfg, dataDir, st, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	if moved {
		// The deleted key's bytes stay in a freed page until a fresh copy
		// of the file drops them.
		if err := st.Close(); err != nil {
			return nil, err
		}
		if err := store.Compact(dbPath); err != nil {
			return nil, err
		}
		if st, err = store.Open(dbPath, store.Options{NoSync: opts.NoSync, Journal: true, VerifyAll: opts.VerifyLog, ArchiveStep: opts.ArchiveStep}); err != nil {
			return nil, err
		}
	}
	signer, err := checkpointKey(cfg, dataDir, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	if batches, events := st.Replayed(); batches > 0 {
		log.Info("journal replayed into the store after an unclean stop", "batches", batches, "events", events)
	}
	h := &Hall{Store: st, Hub: hub.New(hub.Options{QueueSize: cfg.Limits.WSQueue})}
	// The pages keep the statistics as events are published; they exist only
	// once the engine runs, and fold what came before from the store.
	var pages atomic.Pointer[web.Server]
	var notifier atomic.Pointer[notify.Notifier]
	var archiving atomic.Pointer[archiver]
	h.Streams, err = stream.New(h.Hub, stream.StoreSource(st), log.With("component", "stream"),
		stream.Options{HeartbeatInterval: heartbeat,
			MaxSubscribers: cfg.Limits.WSMaxSubscribers, MaxPerAddress: cfg.Limits.WSMaxPerAddress,
			MaxReplays: cfg.Limits.WSReplays,
			// A hall board's stream is not kept out by a flood of the public's.
			Exempt: func(r *http.Request) bool { return h.API != nil && h.API.Enrolled(r) },
		})
	if err != nil {
		h.Close()
		return nil, err
	}
	if f := cfg.Federation; f.Enabled() {
		head, _ := st.Head()
		h.Federation, err = federation.Start(federation.Options{URLs: f.URLs, Credentials: f.Credentials, Domain: f.Domain,
			Prefix: f.Prefix, Hall: cfg.Hall.ID, Replicas: f.Replicas, PublicURL: cfg.Info.PublicURL,
			Source: st, Head: head, Logger: log.With("component", "federation")})
		if err != nil {
			h.Close()
			return nil, err
		}
	}
	var services []string
	for _, svc := range cfg.Hall.Services {
		services = append(services, svc.ID)
	}
	h.Metrics = metrics.New(services, func(fn func(*queue.State, uint64, string)) { h.Engine.Read(fn) }, h.Streams.Subscribers)
	h.Engine, err = engine.Open(st, cfg.Hall, engine.Options{
		Now:                       opts.Now,
		IdentityRetention:         cfg.Info.IdentityRetention,
		FeedbackRetention:         cfg.Feedback.Retention,
		IdentityKey:               identity,
		Logger:                    log.With("component", "engine"),
		OnCommit:                  h.Metrics.ObserveCommit,
		WithdrawalsPerKioskPerDay: cfg.Limits.WithdrawalsPerKioskPerDay,
		CheckpointKey:             signer,
		CheckpointEvents:          cfg.Keys.CheckpointEvents,
		CheckpointInterval:        cfg.Keys.CheckpointEvery,
		Public:                    publicHall(cfg, signer),
		Publish: func(recs []eventlog.Record, evs []queue.Event) {
			hevs := make([]hub.Event, len(recs))
			for i, r := range recs {
				hevs[i] = hub.Event{Seq: r.Seq, Data: r.Raw}
			}
			h.Streams.Publish(hevs...)
			h.Metrics.ObserveEvents(recs, evs)
			if h.Federation != nil && len(recs) > 0 {
				h.Federation.Notify(recs[len(recs)-1].Seq)
			}
			if p := pages.Load(); p != nil {
				p.Published(recs)
			}
			if n := notifier.Load(); n != nil {
				n.Observe(evs)
			}
			if a := archiving.Load(); a != nil {
				a.observe(evs)
			}
		},
	})
	if err != nil {
		h.Close()
		return nil, err
	}
	known, err := storeSecret(st, knownBrowserKey)
	if err != nil {
		h.Close()
		return nil, err
	}
	h.notifier, err = openNotifier(cfg.Notify, dataDir, h.Engine, opts.NoSync, opts.NotifyBackoff, log.With("component", "notify"))
	if err != nil {
		h.Close()
		return nil, err
	}
	var apiNotifier api.Notifier
	if h.notifier != nil {
		notifier.Store(h.notifier)
		apiNotifier = h.notifier
	}
	deskPrinters := map[string]api.DeskPrinter{}
	for _, d := range cfg.Desks {
		if dp := newDeskPrinter(d); dp != nil {
			deskPrinters[d.ID] = dp
			h.deskPrinters = append(h.deskPrinters, dp)
		}
	}
	h.API = api.New(api.Options{Config: cfg, Engine: h.Engine, Store: st, KnownKey: known, DeskPrinters: deskPrinters,
		Notifier: apiNotifier, Logger: log.With("component", "api")})
	h.Metrics.Register(h.API.Collectors()...)
	pg, err := web.New(web.Options{Config: cfg, Engine: h.Engine, Store: st, Logger: log.With("component", "web")})
	if err != nil {
		h.Close()
		return nil, err
	}
	var fed func(head uint64) *wire.Federation
	if h.Federation != nil {
		h.Metrics.Register(h.Federation.Collectors()...)
		fed = h.federationHealth
	}
	health := healthHandler(cfg.Hall.ID, h.Engine, st, fed, log.With("component", "healthz"))
	h.Handler = routes(h.API, h.Streams, pg, h.Metrics, health)
	if h.Federation != nil {
		// The city's bookings take the applicant's path through the API.
		if err := h.Federation.ServeBookings(h.Handler, 0); err != nil {
			h.Close()
			return nil, err
		}
	}
	h.Health = health
	h.pages = pg
	loc := cfg.Hall.Location
	if loc == nil {
		loc = time.UTC
	}
	h.archiver = startArchiver(st, loc, log.With("component", "archive"))
	archiving.Store(h.archiver)
	pages.Store(pg)
	pg.Published(nil) // the statistics start folding the log now
	h.limits, h.log, h.tls = cfg.Limits, log, cfg.Server
	if h.tls.TLSCert != "" {
		// A wrong certificate or key stops the start, not the first client.
		if _, err := tls.LoadX509KeyPair(h.tls.TLSCert, h.tls.TLSKey); err != nil {
			h.Close()
			return nil, fmt.Errorf("hall: server.tls_cert and tls_key: %w", err)
		}
	}
	h.HTTP = h.httpServer(cfg.Limits, log.With("component", "http"))
	h.healthHTTP = healthServer(health, log.With("component", "http-health"))
	if err := h.sweepSessions(log, opts.SessionSweep); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// sweepSessions ends the staff sessions that a changed configuration no
// longer allows, and the expired ones, now and then every interval.
func (h *Hall) sweepSessions(log *slog.Logger, every time.Duration) error {
	n, err := h.API.SweepSessions(time.Now())
	if err != nil {
		return err
	}
	if n > 0 {
		log.Info("ended staff sessions: expired, or their staff entry changed", "sessions", n)
	}
	if every <= 0 {
		every = time.Minute
	}
	h.stopSweep, h.swept = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(h.swept)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-h.stopSweep:
				return
			case now := <-t.C:
				if _, err := h.API.Sweep(now); err != nil {
					log.Warn("sweeping staff sessions", "err", err)
				}
			}
		}
	}()
	return nil
}

// Close stops the hall: live streams end, queued requests are answered, a
// snapshot is saved and the store is closed.
func (h *Hall) Close() error {
	if h.API != nil {
		h.API.Close() // printer reports waiting for their interval are written
	}
	if h.stopSweep != nil {
		close(h.stopSweep)
		<-h.swept
		h.stopSweep = nil
	}
	for _, dp := range h.deskPrinters {
		dp.Close()
	}
	if h.notifier != nil {
		h.notifier.Close() // unsent messages go after the next start
	}
	h.archiver.stop() // an archive cut short is written again at the next start
	h.Hub.Close()
	if h.Federation != nil {
		h.Federation.Close()
	}
	var err error
	if h.Engine != nil {
		err = h.Engine.Close()
	}
	if h.pages != nil {
		h.pages.Close() // its statistics stop reading the store
	}
	if cerr := h.Store.Close(); err == nil {
		err = cerr
	}
	return err
}

// federationHealth is the federation's part of /healthz, its lag counted to
// the head /healthz reports.
func (h *Hall) federationHealth(head uint64) *wire.Federation {
	s := h.Federation.StatusAt(head)
	f := &wire.Federation{Connected: s.Connected, Stored: s.Stored, Lag: s.Lag, LagSecs: int(s.LagAge.Seconds())}
	// The cause, with addresses, goes to the log; the public sees what kind.
	switch {
	case errors.Is(s.Err, federation.ErrDiverged):
		f.Error = "the city's copy differs from this hall's log; copying stopped, see the server log"
	case s.Err != nil:
		f.Error = "copying interrupted; retrying, see the server log"
	}
	return f
}
