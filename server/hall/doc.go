// Package hall wires a hall's parts together: the bbolt store, the engine, the
// websocket hub and stream, the HTTP API and the web pages, configured from a
// config.Config. The server command runs one Hall; tests of the client, the
// kiosk and the display start one in process over loopback.
package hall
