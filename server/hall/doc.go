// Package hall wires a hall's parts together: the bbolt store, the engine, the
// websocket hub and stream, the HTTP API, the web pages and the metrics,
// configured from a config.Config. It owns the router (routes.go): the API
// under /api/v1/, the stream at /api/v1/ws, the pages, /healthz and /metrics
// are mounted side by side in Hall.Handler. The server command runs one Hall; tests of the client, the
// kiosk and the display start one in process over loopback.
package hall
