package stream

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/hub"
	"hallq/server/wire"
)

// Source is the committed event log the stream replays from.
type Source interface {
	// Head returns the seq and hash of the last committed event.
	Head() (seq uint64, hash string)
	// EventsAfter returns committed events with seq > after in ascending
	// order, at most limit of them, as their exact published bytes.
	EventsAfter(after uint64, limit int) ([]hub.Event, error)
}

// CloseSlowConsumer is the websocket close code sent to a client dropped for
// falling behind; the close reason names the seq to resume after.
const CloseSlowConsumer = 4000

// Defaults for the zero fields of Options.
const (
	DefaultHeartbeatInterval = 10 * time.Second
	DefaultWriteTimeout      = 10 * time.Second
	DefaultPongTimeout       = 60 * time.Second
	DefaultPageSize          = 500
	DefaultMaxReplays        = 4
)

// retryAfter is the Retry-After, in seconds, of a stream refused for the
// bounds.
const retryAfter = "10"

// readLimit is the largest message a client may send. Clients send nothing
// meaningful; this leaves room for control frames and a close reason.
const readLimit = 512

// Options configure a Server. The zero value is ready to use.
type Options struct {
	// HeartbeatInterval is the time between heartbeats.
	// Zero means DefaultHeartbeatInterval.
	HeartbeatInterval time.Duration
	// WriteTimeout bounds every write to a client.
	// Zero means DefaultWriteTimeout.
	WriteTimeout time.Duration
	// PongTimeout is how long a client may stay silent before the stream
	// ends; pings go out every nine tenths of it.
	// Zero means DefaultPongTimeout.
	PongTimeout time.Duration
	// PageSize is how many events one read of the Source returns during
	// catch-up. Zero means DefaultPageSize.
	PageSize int
	// MaxSubscribers bounds the streams open at once, those of Exempt
	// requests aside; zero means no bound. MaxPerAddress bounds the streams
	// of one client address, exempt or not; zero means no bound. Beyond
	// either, a request is answered 503 with Retry-After.
	MaxSubscribers, MaxPerAddress int
	// Exempt reports whether a request is an enrolled device's, whose
	// stream a flood of the public's must not keep out. Nil exempts none.
	Exempt func(*http.Request) bool
	// MaxReplays is how many streams may read the log at once to catch up
	// (more than a few events behind); the others wait their turn, so that
	// many clients replaying a long log cannot starve the writer and the
	// requests of kiosks and staff. Zero means DefaultMaxReplays.
	MaxReplays int
	// AllowedOrigins lists the browser origins, such as
	// "https://board.example.org", accepted besides the request's own host.
	AllowedOrigins []string
}

// Server is the http.Handler of the event stream. It is safe for use by many
// goroutines.
type Server struct {
	hub  *hub.Hub
	src  Source
	log  *slog.Logger
	opts Options

	origins  map[string]bool // normalised AllowedOrigins
	upgrader websocket.Upgrader
	replays  chan struct{} // a slot per stream reading the log to catch up

	mu      sync.Mutex
	open    int                // streams counted against MaxSubscribers
	perAddr map[netip.Addr]int // streams per client address
}

var _ http.Handler = (*Server)(nil)

// New returns a Server that streams src and the events published through h.
// log may be nil. It fails on an AllowedOrigins entry that is not an origin.
//
// New starts a goroutine that publishes heartbeats and pings through h. The
// Server does not own h: closing h ends that goroutine and every stream,
// with 1001.
func New(h *hub.Hub, src Source, log *slog.Logger, opts Options) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.PongTimeout <= 0 {
		opts.PongTimeout = DefaultPongTimeout
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.MaxReplays <= 0 {
		opts.MaxReplays = DefaultMaxReplays
	}
	s := &Server{
		hub:     h,
		src:     src,
		log:     log,
		opts:    opts,
		origins: make(map[string]bool),
		replays: make(chan struct{}, opts.MaxReplays),
		perAddr: make(map[netip.Addr]int),
	}
	for _, o := range opts.AllowedOrigins {
		norm, err := normaliseOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("stream: allowed origin %q: %w", o, err)
		}
		s.origins[norm] = true
	}
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: opts.WriteTimeout,
		ReadBufferSize:   readLimit,
		// Events go out as prepared frames without the connection's
		// buffer; idle connections hold none.
		WriteBufferPool: &sync.Pool{},
		// ServeHTTP has checked the origin before upgrading.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	go s.signals()
	return s, nil
}

// normaliseOrigin returns o as lower-case scheme://host[:port].
func normaliseOrigin(o string) (string, error) {
	u, err := url.Parse(o)
	if err != nil {
		return "", err
	}
	if u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("want scheme://host[:port]")
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// Publish encodes each event once for every receiver and hands the events to
// the hub. The writer calls it after each commit with the committed events
// in seq order. Data must not be modified afterwards.
func (s *Server) Publish(events ...hub.Event) {
	batch := make([]hub.Event, len(events))
	for i, ev := range events {
		batch[i] = ev
		if ev.Encoded != nil {
			continue
		}
		pm, err := websocket.NewPreparedMessage(websocket.TextMessage, ev.Data)
		if err != nil {
			// Each connection then frames Data itself.
			s.log.Warn("cannot prepare event", "seq", ev.Seq, "err", err)
			continue
		}
		batch[i].Encoded = pm
	}
	s.hub.Publish(batch...)
}

// Subscribers returns the number of streams receiving live events.
func (s *Server) Subscribers() int {
	return s.hub.Len()
}

// ServeHTTP checks the request, upgrades it to a websocket and streams until
// the client leaves or is dropped.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, wire.EINVALID, "the event stream only answers GET")
		return
	}
	after, err := parseAfter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, wire.EINVALID, err.Error())
		return
	}
	if !s.originAllowed(r) {
		writeError(w, http.StatusForbidden, wire.EFORBIDDEN,
			fmt.Sprintf("origin %s may not open the event stream", r.Header.Get("Origin")))
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		writeError(w, http.StatusBadRequest, wire.EINVALID, "the event stream needs a websocket upgrade")
		return
	}
	if head, _ := s.src.Head(); after > head {
		writeError(w, http.StatusConflict, wire.ECONFLICT,
			fmt.Sprintf("after %d is beyond the last event of the log, %d", after, head))
		return
	}
	release, why := s.admit(r)
	if release == nil {
		w.Header().Set("Retry-After", retryAfter)
		writeError(w, http.StatusServiceUnavailable, "EUNAVAILABLE", why+"; try again shortly")
		return
	}
	defer release()
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// The upgrader has answered the request.
		s.log.Debug("websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	c := &conn{
		srv:  s,
		ws:   ws,
		last: after,
		log:  s.log.With("remote", r.RemoteAddr),
	}
	c.serve()
}

// admit counts a new stream within the bounds, returning the func that
// uncounts it, or nil and why it is refused.
func (s *Server) admit(r *http.Request) (release func(), why string) {
	addr := remoteAddr(r)
	counted := s.opts.Exempt == nil || !s.opts.Exempt(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.MaxPerAddress > 0 && s.perAddr[addr] >= s.opts.MaxPerAddress {
		return nil, fmt.Sprintf("your address has %d event streams open, the most allowed", s.opts.MaxPerAddress)
	}
	if counted && s.opts.MaxSubscribers > 0 && s.open >= s.opts.MaxSubscribers {
		return nil, "the server has as many event streams open as it serves"
	}
	s.perAddr[addr]++
	if counted {
		s.open++
	}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if n := s.perAddr[addr] - 1; n > 0 {
			s.perAddr[addr] = n
		} else {
			delete(s.perAddr, addr)
		}
		if counted {
			s.open--
		}
	}, ""
}

// remoteAddr is a request's client address, without its port.
func remoteAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// parseAfter reads the after parameter: absent or empty is 0.
func parseAfter(q url.Values) (uint64, error) {
	vs := q["after"]
	switch {
	case len(vs) == 0 || (len(vs) == 1 && vs[0] == ""):
		return 0, nil
	case len(vs) > 1:
		return 0, fmt.Errorf("after is given %d times, want once", len(vs))
	}
	after, err := strconv.ParseUint(vs[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("after %q is not a seq (a whole number from 0)", vs[0])
	}
	return after, nil
}

// originAllowed accepts requests without an Origin header (devices, Go
// clients), from the request's own host, and from AllowedOrigins.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header["Origin"]
	if len(origin) == 0 {
		return true
	}
	u, err := url.Parse(origin[0])
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return s.origins[strings.ToLower(u.Scheme+"://"+u.Host)]
}

// writeError answers a request that is not upgraded.
func writeError(w http.ResponseWriter, status int, code wire.Code, msg string) {
	body := wire.ErrorBody{Error: wire.ErrorDetail{Code: code, Message: msg}}
	if status == http.StatusServiceUnavailable {
		body.Error.MessageZH = "实时连接已满，请稍后再试"
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // the client may be gone; nothing to do
}
