package hall

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"hallq/server/admit"
	"hallq/server/config"
)

// httpServer is the hall's http.Server, bounded by the configured limits.
func (h *Hall) httpServer(lim config.Limits, log *slog.Logger) *http.Server {
	stream := func(r *http.Request) bool {
		return r.URL.Path == "/api/v1/ws" || r.URL.Path == "/log.jsonl"
	}
	return &http.Server{
		Handler: admit.WriteDeadline(h.Handler, lim.WriteTimeout, stream),
		// Headers and body both: a request trickled in is cut. A websocket's
		// upgrade clears the deadline; its stream keeps its own.
		ReadHeaderTimeout: lim.ReadTimeout,
		ReadTimeout:       lim.ReadTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Serve serves the hall on ln until Shutdown, admitting connections within
// the configured max_connections and max_connections_per_address. It returns
// http.ErrServerClosed after Shutdown. With server.tls_cert and tls_key it
// serves HTTPS only.
func (h *Hall) Serve(ln net.Listener) error {
	al := admit.NewListener(ln, admit.Options{
		MaxConns:        h.limits.MaxConnections,
		MaxConnsPerAddr: h.limits.MaxConnectionsPerAddress,
		Logger:          h.log,
	})
	h.HTTP.ConnState = al.ConnState
	h.HTTP.ConnContext = al.ConnContext
	if h.tls.TLSCert != "" {
		return h.HTTP.ServeTLS(al, h.tls.TLSCert, h.tls.TLSKey)
	}
	return h.HTTP.Serve(al)
}

// ServeHealth serves GET /healthz alone on ln, for monitoring (a load
// balancer, systemd, Prometheus' blackbox probe): a listener of its own, with
// no admission and no other route, so that a flood of the public port neither
// queues the probe behind its connections nor refuses it. Bind ln to loopback
// or the management network. It returns http.ErrServerClosed after Shutdown.
func (h *Hall) ServeHealth(ln net.Listener) error { return h.healthHTTP.Serve(ln) }

// healthServer is the http.Server of ServeHealth.
func healthServer(health http.Handler, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health)
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       5 * time.Second,
		WriteTimeout:      5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Shutdown ends live streams (which http.Server.Shutdown does not wait for),
// then stops serving once the requests under way are answered, or ctx ends.
func (h *Hall) Shutdown(ctx context.Context) error {
	h.Hub.Close()
	h.healthHTTP.Shutdown(ctx)
	return h.HTTP.Shutdown(ctx)
}
