package api

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/queue"
	"hallq/server/store"
	"hallq/server/wire"
)

// Card is a window's publicity card: what the API publishes, and the
// portrait's file on the server, never published (PhotoURL is where clients
// get it, set by New when there is a photo).
type Card struct {
	wire.Card
	Photo string
}

// Options configure a Server.
type Options struct {
	// Config is the hall's configuration: its staff and devices, the
	// publicity cards and notices, the address and public URL, and the limits
	// (body size, kiosk and booking rates, failed sign-ins).
	Config *config.Config
	// Engine runs the hall; Store holds its log and private data.
	Engine *engine.Engine
	Store  *store.Store
	// Logger receives the API's log; nil discards it.
	Logger *slog.Logger
	// DeskPrinters are the receipt printers of the reception desks that
	// have one, by desk ID.
	DeskPrinters map[string]DeskPrinter
	// AllowedOrigins are other browser origins allowed to call the API.
	AllowedOrigins []string
	// KnownKey is the HMAC key of the cookie that marks a browser where a
	// staff member signed in before (32 bytes; empty: a random key, so such
	// browsers are known until the server restarts).
	KnownKey []byte
	// Notifier keeps the phone numbers applicants leave for text messages;
	// nil when the hall sends none.
	Notifier Notifier
}

// Server serves the API. Create it with New; it is an http.Handler.
type Server struct {
	engine         *engine.Engine
	store          *store.Store
	hall           *queue.Hall
	log            *slog.Logger
	cfg            *config.Config
	staff          map[string]*staffMember
	desks          map[string]*Desk
	notices        []wire.Notice
	cards          map[string]Card
	address        string
	publicURL      string
	allowedOrigins []string
	maxBody        int64
	login          *loginGuard
	trustedProxies []netip.Prefix
	kioskLimit     *deviceLimiter
	status         *statusCoalescer
	bookLimit      *addressLimiter
	complaintLimit *addressLimiter
	mux            *http.ServeMux
	notifier       Notifier
}

// New returns the API server.
func New(o Options) *Server {
	s := &Server{
		engine: o.Engine, store: o.Store, hall: o.Engine.Hall(), log: o.Logger, cfg: o.Config, notifier: o.Notifier,
		staff: map[string]*staffMember{}, cards: map[string]Card{},
		address: o.Config.Info.Address.ZH, publicURL: strings.TrimRight(o.Config.Info.PublicURL, "/"), allowedOrigins: o.AllowedOrigins,
		maxBody: o.Config.Limits.MaxBodyBytes, trustedProxies: o.Config.Server.TrustedProxies,
		kioskLimit: newDeviceLimiter(o.Config.Limits.TicketsPerKioskPerMinute), bookLimit: newAddressLimiter(o.Config.Limits.BookingsPerAddressPerMinute),
		mux: http.NewServeMux(),
	}
	s.complaintLimit = &addressLimiter{perMinute: o.Config.Feedback.ComplaintsPerAddressPerHour, period: time.Hour, buckets: map[string]*rate.Limiter{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	interval := o.Config.Limits.DeviceStatusInterval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	s.status = newStatusCoalescer(interval, s.log, func(ctx context.Context, device string, st deviceState) error {
		return s.engine.ReportDevice(ctx, device, st.printer, st.detail)
	})
	if s.maxBody <= 0 {
		s.maxBody = 64 << 10
	}
	s.desks = map[string]*Desk{}
	for _, d := range o.Config.Desks {
		s.desks[d.ID] = &Desk{ID: d.ID, NameZH: d.Name.ZH, NameEN: d.Name.EN, Services: d.Services, Printer: o.DeskPrinters[d.ID]}
	}
	for _, n := range o.Config.Notices {
		s.notices = append(s.notices, wire.Notice{ZH: n.ZH, EN: n.EN})
	}
	for id, c := range o.Config.Cards {
		card := Card{Card: wire.Card{Name: c.Name.ZH, NameEN: c.Name.EN, Title: c.Title.ZH, TitleEN: c.Title.EN,
			Unit: c.Unit.ZH, UnitEN: c.Unit.EN, Duties: c.Duties.ZH, DutiesEN: c.Duties.EN}, Photo: c.Photo}
		if w, ok := s.hall.Window(id); ok {
			card.Services = append(append(card.Services, w.Primary...), w.Secondary...)
		}
		if card.Photo != "" {
			card.PhotoURL = "/api/v1/windows/" + url.PathEscape(id) + "/photo"
		}
		s.cards[id] = card
	}
	for i := range o.Config.Staff {
		st := &staffMember{Staff: &o.Config.Staff[i]}
		st.version = staffVersion(st)
		s.staff[st.Username] = st
	}
	usernames := make([]string, 0, len(s.staff))
	for u := range s.staff {
		usernames = append(usernames, u)
	}
	if len(o.KnownKey) == 0 {
		o.KnownKey = make([]byte, 32)
		rand.Read(o.KnownKey)
	}
	s.login = newLoginGuard(o.Config.Limits.LoginAttemptsPerMinute, usernames, o.KnownKey)
	s.routes()
	return s
}

// routes mounts the API's endpoints. The hall (server/hall) mounts the API
// beside the stream, the pages, /healthz and /metrics.
func (s *Server) routes() {
	handle := func(pattern string, h http.HandlerFunc) {
		s.mux.Handle(pattern, s.logFailures(h))
	}
	handle("POST /api/v1/tickets", s.handleIssue)
	handle("GET /api/v1/tickets/{token}", s.handleTicket)
	handle("POST /api/v1/tickets/{token}/cancel", s.handleCancel)
	handle("POST /api/v1/tickets/{token}/phone", s.handlePhone)
	handle("POST "+offlinePath, s.handleSyncOffline)
	handle("POST /api/v1/tickets/withdraw", s.handleWithdraw)
	handle("GET /api/v1/appointments/slots", s.handleSlots)
	handle("POST /api/v1/appointments", s.handleBook)
	handle("POST /api/v1/appointments/check-in", s.handleCheckIn)
	handle("GET /api/v1/appointments/{token}", s.handleAppointment)
	handle("POST /api/v1/appointments/{token}/cancel", s.handleCancelAppointment)
	handle("POST /api/v1/windows/{id}/verify-document", s.handleVerifyDocument)
	handle("GET /api/v1/desk", s.handleDesk)
	handle("POST /api/v1/desk/tickets", s.handleDeskIssue)
	handle("POST /api/v1/desk/check-in", s.handleDeskCheckIn)
	handle("POST /api/v1/desk/appointments", s.handleDeskBook)
	handle("POST /api/v1/leases", s.handleGrantLease)
	handle("GET /api/v1/leases", s.handleLeases)
	handle("POST /api/v1/windows/{id}/{action}", s.handleWindowAction)
	handle("GET /api/v1/windows/{id}", s.handleWindow)
	handle("GET /api/v1/windows/{id}/photo", s.handleWindowPhoto)
	handle("POST /api/v1/login", s.handleLogin)
	handle("POST /api/v1/logout", s.handleLogout)
	handle("GET /api/v1/me", s.handleMe)
	handle("GET /api/v1/devices/me", s.handleDeviceMe)
	handle("POST /api/v1/devices/me/status", s.handleDeviceStatus)
	handle("GET /api/v1/board", s.handleBoard)
	handle("GET /api/v1/hall", s.handleHall)
	handle("GET /api/v1/events", s.handleEvents)
	s.feedbackRoutes(handle)
	// What no route above takes: a path served with other methods (405 and
	// Allow), or no endpoint at all (404), always with the JSON error body.
	handle("/api/", s.handleNoRoute)
}

// probeMethods are the methods a path is tried with to fill an Allow header.
var probeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// handleNoRoute answers a request no route takes: 405 with the methods the
// path does take in Allow, or 404 when it takes none.
func (s *Server) handleNoRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range probeMethods {
		probe := *r
		probe.Method = m
		if _, pattern := s.mux.Handler(&probe); pattern != "" && pattern != r.Pattern {
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	if len(allow) == 0 {
		s.writeError(w, r, queue.Errorf(queue.ENOTFOUND, "no API endpoint %s %s; see /api/v1 in README", clip(r.Method, 16), clip(r.URL.Path, maxEcho)))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	s.writeError(w, r, queue.Errorf(wire.EMETHOD, "%s %s: this path takes %s", clip(r.Method, 16), clip(r.URL.Path, maxEcho), strings.Join(allow, ", ")))
}

// Close records the printer reports still waiting for their interval to end.
// Call it before the engine closes.
func (s *Server) Close() { s.status.close() }

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

// Seen records a kiosk's request, whatever it asks (the hall, the board, a
// status report, the event stream, a page …), as its last contact with the
// server; the hall's router calls it for every request:
// a kiosk that was talking to the server was not offline, and the sync of an
// offline ticket places it no earlier (engine.Seen). The syncs themselves do
// not count: a kiosk back online sends its offline tickets one request at a
// time, before anything else.
func (s *Server) Seen(r *http.Request) {
	if r.Header.Get("Authorization") == "" || (r.Method == http.MethodPost && r.URL.Path == offlinePath) {
		return
	}
	if d, err := s.device(r, config.KindKiosk); err == nil {
		s.engine.Seen(d.ID)
	}
}

// StampTime sets wire.HeaderServerTime on every answer of h, read from the
// hall's clock when the answer's header is written: after the request was
// seen and after anything it committed, so a kiosk's estimate of the
// server's clock taken from it is never earlier than its own contacts.
// Streams (websockets) must not pass through it.
func (s *Server) StampTime(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&stampWriter{ResponseWriter: w, now: s.engine.Now}, r)
	})
}

// stampWriter sets the server time header as the header is written.
type stampWriter struct {
	http.ResponseWriter
	now     func() time.Time
	stamped bool
}

func (w *stampWriter) stamp() {
	if !w.stamped {
		w.stamped = true
		w.Header().Set(wire.HeaderServerTime, w.now().UTC().Format(time.RFC3339Nano))
	}
}

func (w *stampWriter) WriteHeader(code int) {
	w.stamp()
	w.ResponseWriter.WriteHeader(code)
}

func (w *stampWriter) Write(b []byte) (int, error) {
	w.stamp()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's deadlines.
func (w *stampWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// offlinePath is where kiosks sync the tickets they issued offline.
const offlinePath = "/api/v1/tickets/offline"

// statusRecorder remembers the status written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// logFailures logs the requests answered with a server error.
func (s *Server) logFailures(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h(rec, r)
		if rec.status >= 500 {
			s.log.Warn("request", append(logAttrs(r), "status", rec.status)...)
		}
	})
}

// statusURL returns the link a receipt's QR code carries.
func (s *Server) statusURL(r *http.Request, token string) string {
	return s.linkURL(r, "/t/"+token)
}

// linkURL returns the absolute link of a path on the hall's public site.
func (s *Server) linkURL(r *http.Request, path string) string {
	base := s.publicURL
	if base == "" {
		scheme := "http"
		if s.secure(r) {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + path
}

// Collectors are the API's own Prometheus metrics (sign-in attempts by
// outcome), for the hall's registry.
func (s *Server) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.login.attempts}
}

// WrongMethod answers a request for a path outside the API that is served
// only with the methods in allow: 405, the Allow header, and the API's JSON
// error body. The hall mounts it beside /healthz and /metrics.
func (s *Server) WrongMethod(allow ...string) http.Handler {
	list := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", list)
		s.writeError(w, r, queue.Errorf(wire.EMETHOD, "%s %s: this path takes %s", clip(r.Method, 16), clip(r.URL.Path, maxEcho), list))
	})
}
