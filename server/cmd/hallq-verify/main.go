// Command hallq-verify checks a hall's public log against the published rules,
// from nothing but the log and the hall's public description: it recomputes
// the hash chain and the sequence, replays every event through the same
// server/queue code the hall's server runs, checks the signed checkpoints and
// reports per day, window and staff member.
//
//	hallq-verify [flags] http://hall.example:8080   the server's /log.jsonl, paged
//	hallq-verify [flags] log.jsonl                  a downloaded log ("-" for stdin)
//
// Exit status: 0 the log is consistent with the rules, 1 a violation was
// found, 2 the log could not be read or verified.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	_ "time/tzdata" // hall time zones, on machines without a zoneinfo database
)

func main() {
	// A verifier holds little but allocates a little for every event: fewer,
	// larger collections, kept under 450 MB, cost less of its time.
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(450 << 20)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
