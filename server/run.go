package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"hallq/server/api"
	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/hub"
	"hallq/server/store"
	"hallq/server/stream"
	"hallq/server/web"
)

// run starts the server and blocks until ctx ends, then shuts down gracefully.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "listen address (host:port; \":8080\" listens on IPv4 and IPv6)")
	dataDir := fs.String("data", "./data", "data directory (event log, private data, demo credentials)")
	cfgPath := fs.String("config", "", "hall configuration file (TOML); empty runs the built-in demo hall")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	logJSON := fs.Bool("log-json", false, "write logs as JSON lines instead of text")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	hopts := &slog.HandlerOptions{Level: level}
	var handler slog.Handler = slog.NewTextHandler(stderr, hopts)
	if *logJSON {
		handler = slog.NewJSONHandler(stderr, hopts)
	}
	log := slog.New(handler)

	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	cfg, err := loadConfig(*cfgPath, *dataDir, log)
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		log.Warn("configuration", "warning", w)
	}

	hall, err := openHall(cfg, *dataDir, log)
	if err != nil {
		return err
	}
	defer hall.Close()

	httpSrv := &http.Server{
		Handler:           hall.api,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	seq, hash := hall.engine.Head()
	log.Info("hallq server listening", "addr", ln.Addr().String(), "hall", cfg.Hall.ID, "data", *dataDir,
		"log_seq", seq, "log_hash", hash)

	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hall.hub.Close() // ends websocket streams, which Shutdown does not wait for
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// hall is a running hall: its store, engine, stream and API, wired together.
type hall struct {
	store   *store.Store
	hub     *hub.Hub
	streams *stream.Server
	engine  *engine.Engine
	api     *api.Server
}

// openHall opens the hall's store in dataDir and starts its engine.
func openHall(cfg *config.Config, dataDir string, log *slog.Logger) (*hall, error) {
	st, err := store.Open(filepath.Join(dataDir, "hallq.db"), store.Options{})
	if err != nil {
		return nil, err
	}
	h := &hall{store: st, hub: hub.New(hub.Options{QueueSize: cfg.Limits.WSQueue})}
	h.streams, err = stream.New(h.hub, logSource{st}, log.With("component", "stream"),
		stream.Options{HeartbeatInterval: cfg.Limits.WSHeartbeat})
	if err != nil {
		h.Close()
		return nil, err
	}
	var services []string
	for _, svc := range cfg.Hall.Services {
		services = append(services, svc.ID)
	}
	metrics := api.NewMetrics(services, func() map[string]int { return api.WaitingFromBoard(h.engine)() }, h.streams.Subscribers)
	h.engine, err = engine.Open(st, cfg.Hall, engine.Options{
		IdentityRetention: cfg.Info.IdentityRetention,
		Logger:            log.With("component", "engine"),
		OnCommit:          metrics.ObserveCommit,
		Publish: func(recs []store.Record) {
			evs := make([]hub.Event, len(recs))
			for i, r := range recs {
				evs[i] = hub.Event{Seq: r.Seq, Data: r.Raw}
			}
			h.streams.Publish(evs...)
			metrics.ObserveRecords(recs)
		},
	})
	if err != nil {
		h.Close()
		return nil, err
	}
	h.api = api.New(apiOptions(cfg, h.engine, st, h.streams, metrics, log.With("component", "api")))
	pages, err := web.New(web.Options{Config: cfg, Engine: h.engine, Store: st, Logger: log.With("component", "web")})
	if err != nil {
		h.Close()
		return nil, err
	}
	h.api.Handle("/", pages)
	return h, nil
}

// Close stops the hall: live streams end, queued requests are answered, a
// snapshot is saved and the store is closed.
func (h *hall) Close() error {
	h.hub.Close()
	var err error
	if h.engine != nil {
		err = h.engine.Close()
	}
	if cerr := h.store.Close(); err == nil {
		err = cerr
	}
	return err
}

// loadConfig reads the hall configuration, or builds the demo hall and writes
// its credentials to the data directory.
func loadConfig(path, dataDir string, log *slog.Logger) (*config.Config, error) {
	if path != "" {
		return config.Load(path)
	}
	credPath := filepath.Join(dataDir, "demo-credentials.json")
	cfg, secrets, err := demoConfig(credPath)
	if err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(secrets, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(credPath, append(data, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("demo credentials: %w", err)
	}
	log.Info("running the built-in demo hall; sign-in credentials and device tokens are in "+credPath, "file", credPath)
	return cfg, nil
}

// writeFileAtomic writes a file through a temporary file and a rename, so a crash
// never leaves half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func apiOptions(cfg *config.Config, eng *engine.Engine, st *store.Store, streams *stream.Server, m *api.Metrics, log *slog.Logger) api.Options {
	o := api.Options{
		Engine: eng, Store: st, Stream: streams, Metrics: m, Logger: log,
		Address: cfg.Info.Address.ZH, PublicURL: cfg.Info.PublicURL, MaxBody: cfg.Limits.MaxBodyBytes,
		TicketsPerKioskPerMinute: cfg.Limits.TicketsPerKioskPerMinute,
		LoginAttemptsPerMinute:   cfg.Limits.LoginAttemptsPerMinute,
		Cards:                    map[string]api.Card{},
	}
	for _, s := range cfg.Staff {
		o.Staff = append(o.Staff, api.Staff{Username: s.Username, Name: s.Name.ZH, PasswordHash: []byte(s.PasswordHash),
			Windows: s.Windows, Admin: s.Role == config.RoleAdmin})
	}
	for _, d := range cfg.Devices {
		o.Devices = append(o.Devices, api.Device{ID: d.ID, Kind: string(d.Kind), Name: d.Name, TokenSHA256: d.TokenSHA256,
			Services: d.Services, Window: d.Window})
	}
	for _, n := range cfg.Notices {
		o.Notices = append(o.Notices, api.Notice{ZH: n.ZH, EN: n.EN})
	}
	for id, c := range cfg.Cards {
		card := api.Card{Name: c.Name.ZH, NameEN: c.Name.EN, Title: c.Title.ZH, TitleEN: c.Title.EN,
			Unit: c.Unit.ZH, UnitEN: c.Unit.EN, Duties: c.Duties.ZH, DutiesEN: c.Duties.EN, Photo: c.Photo}
		if w, ok := cfg.Hall.Window(id); ok {
			card.Services = append(append(card.Services, w.Primary...), w.Secondary...)
		}
		o.Cards[id] = card
	}
	return o
}

// logSource serves the stream's catch-up from the store.
type logSource struct{ st *store.Store }

func (s logSource) Head() (uint64, string) { return s.st.Head() }

func (s logSource) EventsAfter(after uint64, limit int) ([]hub.Event, error) {
	recs, err := s.st.EventsAfter(after, limit)
	if err != nil {
		return nil, err
	}
	evs := make([]hub.Event, len(recs))
	for i, r := range recs {
		evs[i] = hub.Event{Seq: r.Seq, Data: r.Raw}
	}
	return evs, nil
}
