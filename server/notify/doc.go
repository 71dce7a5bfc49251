// Package notify tells applicants who left a mobile number at a kiosk or a
// reception desk that their turn is close and that they are called, through
// the hall's SMS or WeChat gateway: a configured webhook (HTTP POST of JSON)
// or command (run without a shell).
//
// Numbers are kept in a bbolt file of their own (notify.db beside hallq.db),
// never in the public log, the server's log lines or the metrics. When a
// day is sealed its numbers are deleted, and the file is then written anew,
// so that not even its free pages keep them.
//
// Each ticket gets at most one "close" message (when CloseAhead or fewer are
// ahead of it while it waits) and one "called" message (when it is called
// to a window); a ticket called before its "close" message went out gets
// only "called". Nothing is sent for a day once it is sealed.
//
// Delivery is at least once: a number is stored (and synced) before the
// request that left it is answered, and a message is marked sent only after
// the gateway accepted it, so a restart before sending loses nothing. A
// crash between the gateway's acceptance and that mark (or a stop while
// the gateway takes longer than a few seconds to answer) sends the message
// again; its ID (ticket and kind) is the same every time, so a gateway that
// drops repeated IDs delivers exactly once.
//
// Nothing here blocks the engine or the hub: the engine's publisher only
// nudges the notifier, which reads the committed state and sends from
// goroutines of its own, each attempt bounded by the configured timeout.
package notify
