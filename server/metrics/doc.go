// Package metrics keeps a hall server's Prometheus metrics and serves them at
// /metrics: tickets issued and called, counted from the typed events of each
// commit; the tickets waiting per service, read from the engine's committed
// state at scrape time; the latency of HTTP requests by route; the duration
// and size of group commits; the live websocket subscribers; and the Go
// runtime's and the process's own.
//
// The hall (server/hall) makes one Metrics, feeds it from the engine's
// commits and mounts its Handler and Instrument beside the API.
package metrics
