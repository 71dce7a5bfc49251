// Command hallq-city is the city portal: it reads every hall's public log
// from the city's NATS JetStream (and nothing else), verifies each hall's
// chain, and serves the city's public pages and JSON API. Bookings it
// forwards to the hall that owns the slot, by NATS request and reply. Run as many as the
// audience needs behind a load balancer; they share nothing but JetStream.
//
//	hallq-city -nats nats://n1:4222,nats://n2:4222,nats://n3:4222 -addr :8090
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // halls' time zones work on machines without zone data

	"hallq/server/city"
	"hallq/server/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "hallq-city:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("hallq-city", flag.ContinueOnError)
	urls := fs.String("nats", "nats://127.0.0.1:4222", "NATS server URLs of the city cluster, comma-separated")
	creds := fs.String("creds", "", "NATS credentials file of the portal (read-only access to the halls' streams)")
	nkey := fs.String("nkey", "", "file holding the portal's NKey seed, when the city's NATS users are NKeys (deploy/nats-city.conf)")
	prefix := fs.String("prefix", config.DefaultFederationPrefix, "the halls' subject prefix ([federation] subject_prefix)")
	domain := fs.String("domain", "", "JetStream domain of the city cluster (empty: the one the portal connects to)")
	addr := fs.String("addr", ":8090", "listen address of the pages and API")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	bookTimeout := fs.Duration("book-timeout", 5*time.Second, "how long a booking forwarded to a hall waits for its answer")
	bookPerMinute := fs.Int("book-per-minute", 10, "bookings one client address may send a minute (negative: no limit)")
	proxies := fs.String("trusted-proxies", "", "comma-separated addresses or CIDR prefixes of the load balancers whose X-Forwarded-For names the client")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	var trusted []netip.Prefix
	for _, s := range strings.Split(*proxies, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		pr, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return fmt.Errorf("-trusted-proxies: %q is neither an address nor a prefix", s)
			}
			pr = netip.PrefixFrom(a, a.BitLen())
		}
		trusted = append(trusted, pr)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	p, err := city.Start(city.Options{URLs: strings.Split(*urls, ","), Credentials: *creds, NkeySeed: *nkey, Domain: *domain,
		Prefix: *prefix, Logger: log.With("component", "city"),
		BookTimeout: *bookTimeout, BookPerMinute: *bookPerMinute, TrustedProxies: trusted})
	if err != nil {
		return err
	}
	defer p.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Info("hallq city portal listening", "addr", ln.Addr().String(), "nats", *urls, "prefix", *prefix)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
