// Package wire is the one home of the JSON shapes of the hallq API: what
// /api/v1 answers and accepts, the websocket stream's heartbeat, and the error
// body with its codes. The server (api, stream) encodes these types and the Go
// client decodes the same ones, so the two cannot drift apart; a round-trip
// test and the golden files of server/hall hold them to the published bytes.
//
// The public read models the server computes (the board, a call) and the
// published log's events are the domain's own, in server/queue; wire wraps
// them where the API adds to them. It imports only the standard library and
// server/queue.
package wire
