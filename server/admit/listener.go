package admit

import (
	"container/list"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Listener.
type Options struct {
	// MaxConns bounds the open connections; it is lowered to what the
	// process's open-file limit allows. Zero means 10,000.
	MaxConns int
	// MaxConnsPerAddr bounds the open connections of one client address.
	// Zero means 256.
	MaxConnsPerAddr int
	// RetryAfter is the Retry-After of a refused connection's answer.
	// Zero means 5 seconds.
	RetryAfter time.Duration
	Logger     *slog.Logger
}

// Listener admits connections within its bounds. Beyond the bound of an
// address, a new connection is refused (503). When all connections are taken,
// a new one replaces the oldest connection that has not finished a request, or
// failing that the oldest that is idle between requests, unless it proved a
// device or staff member (Trust) or became a stream; with none of those left,
// it is refused. A connection replaces only one of an address that holds more
// connections than its own. A flood of slow requests from a few addresses thus
// cannot take more than their share, one from many addresses cannot churn
// through itself, and a client with few connections whose requests complete
// gets through.
//
// Serve with it through an http.Server whose ConnState is l.ConnState and
// whose ConnContext is l.ConnContext.
type Listener struct {
	net.Listener
	opts Options

	mu      sync.Mutex
	total   int
	perAddr map[netip.Addr]int
	fresh   list.List // of *Conn: no request finished yet, oldest first
	idle    list.List // of *Conn: finished a request, not trusted, oldest first

	refused, replaced atomic.Uint64
}

// Conn is a connection admitted by a Listener.
type Conn struct {
	net.Conn
	l    *Listener
	addr netip.Addr

	// Under l.mu.
	elem    *list.Element // in l.fresh or l.idle; nil when not replaceable
	in      *list.List
	dropped bool // no longer counted (closed, or replaced)
	trusted bool
}

// NewListener wraps ln.
func NewListener(ln net.Listener, opts Options) *Listener {
	if opts.MaxConns <= 0 {
		opts.MaxConns = 10000
	}
	if opts.MaxConnsPerAddr <= 0 {
		opts.MaxConnsPerAddr = 256
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if files := openFileLimit(); files > 0 {
		// Leave room for the store, the journal, logs and outgoing links.
		if allowed := files - 64; allowed < opts.MaxConns {
			opts.Logger.Warn("the open-file limit lowers max_connections; raise it (ulimit -n, LimitNOFILE=) to allow more",
				"max_connections", opts.MaxConns, "open_file_limit", files, "allowed", max(allowed, 16))
			opts.MaxConns = max(allowed, 16)
		}
	}
	opts.MaxConnsPerAddr = min(opts.MaxConnsPerAddr, opts.MaxConns)
	return &Listener{Listener: ln, opts: opts, perAddr: map[netip.Addr]int{}}
}

// MaxConns is the bound of open connections in force.
func (l *Listener) MaxConns() int { return l.opts.MaxConns }

// Stats reports the open connections, and how many were refused and replaced
// since the start.
func (l *Listener) Stats() (open int, refused, replaced uint64) {
	l.mu.Lock()
	open = l.total
	l.mu.Unlock()
	return open, l.refused.Load(), l.replaced.Load()
}

// Accept waits for a connection it admits.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := addrOf(nc.RemoteAddr())
		l.mu.Lock()
		if l.perAddr[addr] >= l.opts.MaxConnsPerAddr {
			l.mu.Unlock()
			l.refuse(nc, "too many connections from your address")
			continue
		}
		var victim *Conn
		if l.total >= l.opts.MaxConns {
			victim = l.oldest()
			// A connection replaces only one of an address holding more
			// than its own: a flood does not churn through itself, and a
			// client with few connections always gets in.
			if victim == nil || l.perAddr[addr] >= l.perAddr[victim.addr] {
				l.mu.Unlock()
				l.refuse(nc, "the server has as many connections as it can hold")
				continue
			}
			l.drop(victim)
		}
		c := &Conn{Conn: nc, l: l, addr: addr}
		l.total++
		l.perAddr[addr]++
		c.in, c.elem = &l.fresh, l.fresh.PushBack(c)
		l.mu.Unlock()
		if victim != nil {
			l.replaced.Add(1)
			victim.Conn.Close()
		}
		return c, nil
	}
}

// oldest returns the connection to replace: the oldest of those that never
// finished a request, else the oldest idle one; l.mu is held.
func (l *Listener) oldest() *Conn {
	if e := l.fresh.Front(); e != nil {
		return e.Value.(*Conn)
	}
	if e := l.idle.Front(); e != nil {
		return e.Value.(*Conn)
	}
	return nil
}

// drop stops counting c; l.mu is held.
func (l *Listener) drop(c *Conn) {
	if c.dropped {
		return
	}
	c.dropped = true
	l.unlist(c)
	l.total--
	if n := l.perAddr[c.addr] - 1; n > 0 {
		l.perAddr[c.addr] = n
	} else {
		delete(l.perAddr, c.addr)
	}
}

// unlist makes c irreplaceable; l.mu is held.
func (l *Listener) unlist(c *Conn) {
	if c.elem != nil {
		c.in.Remove(c.elem)
		c.elem, c.in = nil, nil
	}
}

// refusal is the whole answer to a refused connection. The request is not
// read: its client is told to come back, and the connection is closed.
const refusal = "HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: application/json; charset=utf-8\r\n" +
	"Cache-Control: no-store\r\n" +
	"Connection: close\r\n" +
	"Retry-After: %d\r\n" +
	"Content-Length: %d\r\n\r\n%s"

func (l *Listener) refuse(nc net.Conn, why string) {
	l.refused.Add(1)
	body := `{"error":{"code":"EUNAVAILABLE","message":"` + why + `; try again shortly","message_zh":"服务器繁忙，请稍后再试"}}` + "\n"
	msg := []byte(fmt.Sprintf(refusal, int(l.opts.RetryAfter/time.Second), len(body), body))
	// A fresh connection's send buffer is empty: the answer goes out
	// without waiting, here, so that refusing costs no goroutine.
	nc.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
	nc.Write(msg) // a best effort: the client may be gone
	nc.Close()
}

// Close closes the connection and frees its place.
func (c *Conn) Close() error {
	c.l.mu.Lock()
	c.l.drop(c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// ConnState is the http.Server's ConnState hook: a connection that finished a
// request moves behind those that never did; a hijacked one (a websocket,
// bounded by the stream's own limits) is never replaced.
func (l *Listener) ConnState(nc net.Conn, state http.ConnState) {
	c := unwrap(nc)
	if c == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.dropped {
		return
	}
	switch state {
	case http.StateIdle:
		if c.in == &l.fresh {
			l.unlist(c)
			if !c.trusted {
				c.in, c.elem = &l.idle, l.idle.PushBack(c)
			}
		}
	case http.StateHijacked:
		l.unlist(c)
	}
}

type connKey struct{}

// ConnContext is the http.Server's ConnContext hook: it lets Trust find a
// request's connection.
func (l *Listener) ConnContext(ctx context.Context, nc net.Conn) context.Context {
	if c := unwrap(nc); c != nil {
		return context.WithValue(ctx, connKey{}, c)
	}
	return ctx
}

// Trust marks the connection of a request's context as an enrolled device's
// or a signed-in staff member's: it is never replaced by a new connection.
// Without an admitted connection (tests, other servers) it does nothing.
func Trust(ctx context.Context) {
	c, _ := ctx.Value(connKey{}).(*Conn)
	if c == nil {
		return
	}
	c.l.mu.Lock()
	c.trusted = true
	c.l.unlist(c)
	c.l.mu.Unlock()
}

// unwrap finds the admitted connection under a TLS one.
func unwrap(nc net.Conn) *Conn {
	for {
		switch c := nc.(type) {
		case *Conn:
			return c
		case interface{ NetConn() net.Conn }:
			nc = c.NetConn()
		default:
			return nil
		}
	}
}

// addrOf is the client address of a connection, without its port.
func addrOf(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(ta.IP)
		return ip.Unmap()
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
