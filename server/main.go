// Command server is hallq's hall server: the authority that issues and calls
// numbers, keeps the public event log and serves the API, the websocket stream and
// the web pages. Without -config it runs the built-in demo hall.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // hall time zones work on machines without zone data
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hallq server:", err)
		os.Exit(1)
	}
}
