package hall

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"hallq/server/api"
	"hallq/server/engine"
	"hallq/server/metrics"
	"hallq/server/store"
	"hallq/server/wire"
)

// routes mounts the hall's parts side by side, as miniflux's routes.go does,
// and returns the one handler that serves them all:
//
//	/api/v1/…    the JSON API (package api), its latency measured
//	/api/v1/ws   the websocket stream of the public log (package stream)
//	/healthz     whether the hall can take commits, and its head
//	/metrics     Prometheus metrics (package metrics)
//	/            the web pages (package web)
//
// /api/v1/ws, /healthz and /metrics answer other methods as the API does: 405, Allow
// and its JSON error body.
func routes(apiSrv *api.Server, streams, pages http.Handler, m *metrics.Metrics, health http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", apiSrv.StampTime(m.Instrument(apiSrv)))
	mux.Handle("GET /api/v1/ws", streams)
	mux.Handle("/api/v1/ws", m.Instrument(apiSrv.WrongMethod(http.MethodGet, http.MethodHead)))
	mux.Handle("GET /healthz", m.Instrument(health))
	mux.Handle("/healthz", m.Instrument(apiSrv.WrongMethod(http.MethodGet, http.MethodHead)))
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("/metrics", m.Instrument(apiSrv.WrongMethod(http.MethodGet, http.MethodHead)))
	mux.Handle("/", pages)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		apiSrv.Seen(r) // a kiosk's request of any part is a contact
		mux.ServeHTTP(w, r)
	})
}

// healthHandler answers /healthz: 200 with the hall, the head of its log and
// the uptime, or 503 when the store cannot take commits (the detail goes to
// the log, not to the public). federation, when the hall federates, reports
// the copy of its log to the city; a city link that is down is not the hall
// failing, so it never turns the answer into a 503.
func healthHandler(hallID string, eng *engine.Engine, st *store.Store, federation func(head uint64) *wire.Federation, log *slog.Logger) http.Handler {
	started := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seq, hash := eng.Head()
		status, body := http.StatusOK, wire.Health{Status: "ok", Hall: hallID, Seq: seq, Hash: hash,
			UptimeSeconds: int(time.Since(started).Seconds())}
		if federation != nil {
			body.Federation = federation(seq)
		}
		if err := st.Err(); err != nil {
			log.Error("health check: the store is failing", "err", err)
			status, body.Status = http.StatusServiceUnavailable, "failing"
			body.Error = "the store cannot take new commits; see the server log"
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.Encode(body)
	})
}
