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

	"hallq/server/config"
	"hallq/server/hall"
)

// run starts the server and blocks until ctx ends, then shuts down gracefully.
// archiveStepEnv names the environment variable that slows the archiving of
// past days (a pause after each of its steps, e.g. "300ms"), for the crash
// test that kills the server in the middle of it.
const archiveStepEnv = "HALLQ_ARCHIVE_STEP"

func run(ctx context.Context, args []string, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "backup" {
		return runBackup(args[1:], os.Stdout, stderr)
	}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "listen address (host:port; \":8080\" listens on IPv4 and IPv6)")
	dataDir := fs.String("data", "./data", "data directory (event log, private data, demo credentials)")
	cfgPath := fs.String("config", "", "hall configuration file (TOML); empty runs the built-in demo hall")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	logJSON := fs.Bool("log-json", false, "write logs as JSON lines instead of text")
	tlsCert := fs.String("tls-cert", "", "PEM certificate (chain) to serve HTTPS with; overrides [server] tls_cert")
	tlsKey := fs.String("tls-key", "", "PEM private key of -tls-cert; overrides [server] tls_key")
	healthAddr := fs.String("health-addr", "", "also serve GET /healthz alone on this address (e.g. 127.0.0.1:8081), apart from the public port's admission, for monitoring")
	verifyLog := fs.Bool("verify-log", false, "recompute the whole hash chain at start (slow on a long log); by default only what was not verified before")
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
	if (*tlsCert == "") != (*tlsKey == "") {
		return fmt.Errorf("-tls-cert and -tls-key go together")
	}
	if *tlsCert != "" {
		cfg.Server.TLSCert, cfg.Server.TLSKey = *tlsCert, *tlsKey
	}
	for _, w := range cfg.Warnings {
		log.Warn("configuration", "warning", w)
	}

	hopt := hall.Options{VerifyLog: *verifyLog}
	if v := os.Getenv(archiveStepEnv); v != "" {
		if hopt.ArchiveStep, err = time.ParseDuration(v); err != nil {
			return fmt.Errorf("%s: %w", archiveStepEnv, err)
		}
	}
	h, err := hall.Open(cfg, *dataDir, log, hopt)
	if err != nil {
		return err
	}
	defer h.Close()
	stopBackups, err := serveBackups(*dataDir, h.Store, log.With("component", "backup"))
	if err != nil {
		return err
	}
	defer stopBackups()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	seq, hash := h.Engine.Head()
	log.Info("hallq server listening", "addr", ln.Addr().String(), "tls", cfg.Server.TLSCert != "", "hall", cfg.Hall.ID, "data", *dataDir,
		"log_seq", seq, "log_hash", hash)

	serveErr := make(chan error, 2)
	go func() { serveErr <- h.Serve(ln) }()
	if *healthAddr != "" {
		hl, err := net.Listen("tcp", *healthAddr)
		if err != nil {
			return fmt.Errorf("-health-addr: %w", err)
		}
		log.Info("health check listening", "addr", hl.Addr().String())
		go func() {
			if err := h.ServeHealth(hl); !errors.Is(err, http.ErrServerClosed) {
				serveErr <- fmt.Errorf("health listener: %w", err)
			}
		}()
	}
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
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
	if err := demoPortraits(cfg, dataDir); err != nil {
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
