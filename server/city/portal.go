package city

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"

	"hallq/server/audit"
	"hallq/server/eventlog"
	"hallq/server/federation"
)

// Options configure a Portal.
type Options struct {
	// URLs, Credentials and Domain reach the city's JetStream; Prefix is the
	// halls' subject prefix (config.Federation's).
	URLs        []string
	Credentials string
	Domain      string
	Prefix      string
	// NkeySeed is the file holding the portal's NKey seed, when the city
	// authenticates its users by NKey (deploy/nats-city.conf).
	NkeySeed string
	// Discover is how often new halls' streams are looked for (default 5 s).
	Discover time.Duration
	// Logger gets the portal's warnings (default: discarded).
	Logger *slog.Logger
	// OnEvent, if set, is called on a hall's follower goroutine after each
	// event is verified and applied (benchmarks measure the lag with it).
	OnEvent func(hall string, rec eventlog.Record)
	// Now is the clock of the page data (default time.Now).
	Now func() time.Time
	// BookTimeout is how long a booking forwarded to a hall waits for its
	// answer (default 5 s); BookPerMinute how many bookings one address may
	// send a minute (default 10; negative: no limit).
	BookTimeout   time.Duration
	BookPerMinute int
	// TrustedProxies are the load balancers whose X-Forwarded-For names the
	// applicant's address.
	TrustedProxies []netip.Prefix
}

// Portal follows every hall's stream and keeps each hall's verified state.
// One goroutine discovers streams; one per hall follows it. Its methods are
// safe for concurrent use.
type Portal struct {
	opt Options
	log *slog.Logger
	nc  *nats.Conn
	js  jetstream.JetStream
	// bookNC carries the bookings forwarded to the halls.
	bookNC *nats.Conn

	mu    sync.RWMutex
	halls map[string]*follower // by stream name

	bookLimit *addressLimiter

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start connects to NATS (retrying in the background while it is away) and
// starts following the halls.
func Start(opt Options) (*Portal, error) {
	if len(opt.URLs) == 0 || opt.Prefix == "" {
		return nil, errors.New("city: the portal needs NATS URLs and the halls' subject prefix")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Discover <= 0 {
		opt.Discover = 5 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.BookTimeout <= 0 {
		opt.BookTimeout = 5 * time.Second
	}
	if opt.BookPerMinute == 0 {
		opt.BookPerMinute = 10
	}
	nopts := []nats.Option{nats.Name("hallq city portal"), nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond)}
	if opt.Credentials != "" {
		nopts = append(nopts, nats.UserCredentials(opt.Credentials))
	}
	if opt.NkeySeed != "" {
		o, err := nats.NkeyOptionFromSeed(opt.NkeySeed)
		if err != nil {
			return nil, fmt.Errorf("city: %w", err)
		}
		nopts = append(nopts, o)
	}
	nc, err := nats.Connect(strings.Join(opt.URLs, ","), nopts...)
	if err != nil {
		return nil, fmt.Errorf("city: connect: %w", err)
	}
	// Bookings go out on a connection of their own, whose answers come on
	// inboxes the halls may publish to (federation.BookInboxPrefix) and
	// nothing else of the portal's does.
	bnc, err := nats.Connect(strings.Join(opt.URLs, ","), append(nopts, nats.Name("hallq city portal bookings"),
		nats.CustomInboxPrefix(federation.BookInboxPrefix))...)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("city: connect: %w", err)
	}
	var js jetstream.JetStream
	if opt.Domain != "" {
		js, err = jetstream.NewWithDomain(nc, opt.Domain)
	} else {
		js, err = jetstream.New(nc)
	}
	if err != nil {
		nc.Close()
		bnc.Close()
		return nil, fmt.Errorf("city: %w", err)
	}
	p := &Portal{opt: opt, log: opt.Logger, nc: nc, bookNC: bnc, js: js, halls: map[string]*follower{},
		bookLimit: &addressLimiter{perMinute: opt.BookPerMinute, buckets: map[string]*rate.Limiter{}}}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.wg.Go(p.discover)
	return p, nil
}

// Close stops following and closes the connection.
func (p *Portal) Close() {
	p.cancel()
	p.wg.Wait()
	p.nc.Close()
	p.bookNC.Close()
}

// discover looks for the halls' streams until the portal closes.
func (p *Portal) discover() {
	t := time.NewTicker(p.opt.Discover)
	defer t.Stop()
	for {
		p.discoverOnce()
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *Portal) discoverOnce() {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	l := p.js.ListStreams(ctx, jetstream.WithStreamListSubject(federation.SubjectFilter(p.opt.Prefix)))
	for info := range l.Info() {
		hall := info.Config.Metadata[federation.MetaHall]
		if len(info.Config.Subjects) != 1 || federation.HallOf(p.opt.Prefix, info.Config.Subjects[0]) != hall || hall == "" {
			continue // not a hall's stream as a hall makes it
		}
		publicURL := safeURL(info.Config.Metadata[federation.MetaPublicURL])
		p.mu.Lock()
		f := p.halls[info.Config.Name]
		if f == nil {
			f = newFollower(p, info.Config.Name, hall)
			p.halls[info.Config.Name] = f
			p.wg.Go(f.run)
		}
		p.mu.Unlock()
		f.setURL(publicURL)
	}
	if err := l.Err(); err != nil && p.ctx.Err() == nil {
		p.log.Warn("city: listing the halls' streams", "err", err)
	}
}

// safeURL keeps an http(s) URL without user info, or returns "": a hall's
// metadata is not trusted to put a script in the portal's links.
func safeURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}

func (p *Portal) followers() []*follower {
	p.mu.RLock()
	defer p.mu.RUnlock()
	fs := make([]*follower, 0, len(p.halls))
	for _, f := range p.halls {
		fs = append(fs, f)
	}
	return fs
}

// Progress is how far the portal has read a hall's stream.
type Progress struct {
	Seq        uint64 // last event verified and applied
	Duplicates int    // messages delivered again and skipped
	Gaps       int    // messages missing between two delivered
	Flagged    bool   // the chain failed verification
}

// Progress returns the progress of every hall followed, by hall ID.
func (p *Portal) Progress() map[string]Progress {
	out := map[string]Progress{}
	for _, f := range p.followers() {
		f.mu.Lock()
		out[f.hall] = Progress{Seq: f.seq, Duplicates: f.dups, Gaps: f.gaps, Flagged: len(f.flags) > 0 || f.unverifiable != nil}
		f.mu.Unlock()
	}
	return out
}

// newAuditor returns the auditor of a hall's log read from its start.
func newAuditor() *audit.Auditor {
	a, _ := audit.New(audit.Options{}) // without a description it cannot fail
	return a
}
