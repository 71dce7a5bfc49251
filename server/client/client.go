package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"hallq/server/wire"
)

// Defaults for the zero fields of Options.
const (
	DefaultTimeout    = 15 * time.Second
	DefaultMinBackoff = 500 * time.Millisecond
	DefaultMaxBackoff = 15 * time.Second
	// DefaultLiveness is how long a stream may stay silent before it is taken
	// for dead: three of the server's default heartbeats (10 s) and some.
	DefaultLiveness = 45 * time.Second
	// DefaultUserAgent is sent when Options.UserAgent is empty.
	DefaultUserAgent = "hallq-client"
)

// maxResponse bounds the body of an API answer the client reads.
const maxResponse = 8 << 20

// sessionCookie is the name of the staff session cookie.
const sessionCookie = "hallq_session"

// Options configure a Client. The zero value is ready to use.
type Options struct {
	// HTTPClient sends the API requests; nil means a client of its own. Its
	// cookie jar is not used: the Client keeps the staff session itself.
	HTTPClient *http.Client
	// Timeout bounds each API request and each websocket handshake, unless
	// the request's context ends sooner. Zero means DefaultTimeout.
	Timeout time.Duration
	// UserAgent is sent with every request. Empty means DefaultUserAgent.
	UserAgent string
	// MinBackoff and MaxBackoff bound the wait between stream reconnections,
	// which doubles from MinBackoff after each failed attempt, with jitter.
	// Zero means DefaultMinBackoff and DefaultMaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// Liveness is how long a stream may receive nothing (no event, heartbeat
	// or ping) before the client drops it and reconnects; once the stream has
	// seen two heartbeats, it waits at least three and a half of their
	// intervals. Zero means DefaultLiveness.
	Liveness time.Duration
	// Now is the clock ServerTime measures the time since the server's last
	// answer by; nil means time.Now (whose monotonic reading is used).
	Now func() time.Time
}

// Client calls one hallq server. It is safe for use by many goroutines.
type Client struct {
	base  *url.URL
	token string
	hc    *http.Client
	opts  Options

	mu      sync.Mutex
	session string // staff session cookie value, after Login
	csrf    string // the session's CSRF token

	clock serverClock // the server's time in its last answer
}

// now reads the client's clock.
func (c *Client) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

// New returns a client of the server at baseURL (such as
// "http://192.168.1.10:8080"), which sends token as its device bearer token
// (empty for none, as for a staff-only client).
func New(baseURL, token string, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("client: server URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("client: server URL %q: want http://host[:port] or https://host[:port]", baseURL)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.Liveness <= 0 {
		opts.Liveness = DefaultLiveness
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{base: u, token: strings.TrimSpace(token), hc: hc, opts: opts}, nil
}

// BaseURL returns the server's base URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// Error is a request the server refused: the JSON error body of the API with
// the HTTP status. Code is one of the API's stable codes (EINVALID,
// EUNAUTHORIZED, EFORBIDDEN, ENOTFOUND, ECONFLICT, ELIMIT, ETOOLARGE, ERATE,
// EUNAVAILABLE, EINTERNAL), or empty when the answer was not the API's (a proxy
// page, say). Any other error of this package means the request may not have
// reached the server, or its answer was lost: it may be sent again (with the
// same idempotency key for a ticket).
type Error struct {
	Status    int
	Code      wire.Code
	Message   string
	MessageZH string
	// Bookings are the bookings to choose from of a check-in refused with
	// ECHOOSE.
	Bookings []wire.Appointment
}

// Error implements error.
func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("hallq server: %d %s", e.Status, e.Message)
	}
	return fmt.Sprintf("hallq server: %s (%d): %s", e.Code, e.Status, e.Message)
}

// ErrorCode returns the API code of err if it is, or wraps, an *Error, and ""
// otherwise.
func ErrorCode(err error) wire.Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// NewIdempotencyKey returns a fresh random key for IssueRequest.IdempotencyKey.
func NewIdempotencyKey() string { return strings.ToLower(rand.Text()) }

// endpoint returns the URL of an API path (starting with /) and query.
func (c *Client) endpoint(path string, query url.Values) string {
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + path
	u.RawPath = ""
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	return u.String()
}

// do sends one API request with body (marshalled as JSON unless nil) and
// decodes a 2xx answer into out (unless nil). A refusal is an *Error.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	return c.send(ctx, method, path, query, body, out, "")
}

// doIdempotent is do for a request the server takes once however often it
// is sent (a ticket's idempotency key, an offline ticket's leased number):
// it carries key as its Idempotency-Key header, which lets net/http send it
// again on a new connection when a kept-alive one turns out closed by the
// server. Without it, the first request after a server's restart, or after
// a network device dropped idle connections, fails as unreachable: a kiosk
// would print from its lease a ticket the server could have issued.
func (c *Client) doIdempotent(ctx context.Context, method, path string, body, out any, key string) error {
	return c.send(ctx, method, path, nil, body, out, key)
}

// send sends a request to the API and decodes its JSON answer into out; a
// non-empty idempotencyKey is sent as the Idempotency-Key header.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body, out any, idempotencyKey string) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("client: %s %s: encode request: %w", method, path, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint(path, query), rd)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	c.authorize(req.Header)
	c.mu.Lock()
	if c.session != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.session})
		if method != http.MethodGet {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
	}
	c.mu.Unlock()

	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	c.clock.observe(resp.Header.Get(wire.HeaderServerTime), c.now())
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("client: %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("client: %s %s: %w", method, path, decodeError(resp.StatusCode, data))
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			c.mu.Lock()
			c.session = ck.Value
			if ck.MaxAge < 0 || ck.Value == "" {
				c.session, c.csrf = "", ""
			}
			c.mu.Unlock()
		}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("client: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// authorize sets the device bearer token on a request's header.
func (c *Client) authorize(h http.Header) {
	if c.token != "" {
		h.Set("Authorization", "Bearer "+c.token)
	}
}

// decodeError builds the *Error of a refused request from its body.
func decodeError(status int, body []byte) *Error {
	var eb wire.ChoiceBody
	if err := json.Unmarshal(body, &eb); err == nil && eb.Error.Code != "" {
		return &Error{Status: status, Code: eb.Error.Code, Message: eb.Error.Message, MessageZH: eb.Error.MessageZH,
			Bookings: eb.Bookings}
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &Error{Status: status, Message: msg}
}

// Hall returns the hall's description: services, windows with their publicity
// cards, priority classes, manual-call reasons, rule parameters and notices.
func (c *Client) Hall(ctx context.Context) (*wire.Hall, error) {
	var h wire.Hall
	if err := c.do(ctx, http.MethodGet, "/api/v1/hall", nil, nil, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// MaxPhoto is the largest publicity-card portrait Photo accepts.
const MaxPhoto = 4 << 20

// Photo fetches the portrait of a publicity card from its PhotoURL, a path on
// the server. It returns PNG or JPEG bytes; anything else is an error.
func (c *Client) Photo(ctx context.Context, photoURL string) ([]byte, error) {
	path, err := url.PathUnescape(photoURL)
	if err != nil || !strings.HasPrefix(path, "/api/v1/windows/") || !strings.HasSuffix(path, "/photo") {
		return nil, fmt.Errorf("client: photo %q: not the photo URL of a window", photoURL)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(path, nil), nil)
	if err != nil {
		return nil, fmt.Errorf("client: photo %s: %w", path, err)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	c.authorize(req.Header)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: photo %s: %w", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxPhoto+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("client: photo %s: %w", path, err)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, fmt.Errorf("client: photo %s: %w", path, decodeError(resp.StatusCode, data))
	case len(data) > MaxPhoto:
		return nil, fmt.Errorf("client: photo %s: larger than %d bytes", path, MaxPhoto)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "image/png" && ct != "image/jpeg" {
		return nil, fmt.Errorf("client: photo %s: content type %q, want image/png or image/jpeg", path, ct)
	}
	return data, nil
}

// Board returns the public snapshot of the hall.
func (c *Client) Board(ctx context.Context) (*wire.Board, error) {
	var b wire.Board
	if err := c.do(ctx, http.MethodGet, "/api/v1/board", nil, nil, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// Window returns the public state of one window, with its publicity card.
func (c *Client) Window(ctx context.Context, id string) (*wire.WindowDetail, error) {
	var w wire.WindowDetail
	if err := c.do(ctx, http.MethodGet, "/api/v1/windows/"+url.PathEscape(id), nil, nil, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// Ticket returns the state of the ticket with the given token (the one its
// receipt's QR code carries).
func (c *Client) Ticket(ctx context.Context, token string) (*wire.Ticket, error) {
	var out wire.TicketAnswer
	if err := c.do(ctx, http.MethodGet, "/api/v1/tickets/"+url.PathEscape(token), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out.Ticket, nil
}

// IssueTicket takes a number, as a kiosk. The same kiosk sending the same
// IdempotencyKey again gets the same ticket, so a request whose answer was lost
// can be retried safely; the key must not be empty (see NewIdempotencyKey).
func (c *Client) IssueTicket(ctx context.Context, req wire.IssueRequest) (*wire.Ticket, error) {
	if req.IdempotencyKey == "" {
		return nil, errors.New("client: issue ticket: an idempotency key is required")
	}
	var out wire.TicketAnswer
	if err := c.doIdempotent(ctx, http.MethodPost, "/api/v1/tickets", req, &out, req.IdempotencyKey); err != nil {
		return nil, err
	}
	return &out.Ticket, nil
}

// CancelTicket withdraws a waiting ticket on behalf of its holder.
func (c *Client) CancelTicket(ctx context.Context, token string) (*wire.Ticket, error) {
	var out wire.TicketAnswer
	if err := c.do(ctx, http.MethodPost, "/api/v1/tickets/"+url.PathEscape(token)+"/cancel", nil, struct{}{}, &out); err != nil {
		return nil, err
	}
	return &out.Ticket, nil
}

// DeviceMe returns the device the client's token belongs to.
func (c *Client) DeviceMe(ctx context.Context) (*wire.Device, error) {
	var d wire.Device
	if err := c.do(ctx, http.MethodGet, "/api/v1/devices/me", nil, nil, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// RateAtWindow rates, from the screen of a window that offers the rating
// buttons, the service the window completed last. Only that window's own
// screen may (its token, with ratings = true); a rating given already, or
// too late, is refused with ECONFLICT.
func (c *Client) RateAtWindow(ctx context.Context, window, level string) (*wire.WindowRated, error) {
	var out wire.WindowRated
	path := "/api/v1/windows/" + url.PathEscape(window) + "/rating"
	if err := c.do(ctx, http.MethodPost, path, nil, wire.WindowRatingRequest{Level: level}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Events returns a page of the public log: the published events after seq
// after, at most limit (1 to 1000) of them.
func (c *Client) Events(ctx context.Context, after uint64, limit int) (*wire.EventsPage, error) {
	q := url.Values{"after": {strconv.FormatUint(after, 10)}, "limit": {strconv.Itoa(limit)}}
	var p wire.EventsPage
	if err := c.do(ctx, http.MethodGet, "/api/v1/events", q, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Health returns the server's health check: its hall and the head of its log.
func (c *Client) Health(ctx context.Context) (*wire.Health, error) {
	var h wire.Health
	if err := c.do(ctx, http.MethodGet, "/healthz", nil, nil, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// Login signs a staff member in to a window (window may be empty for a person
// with only one). The Client keeps the session: later Act calls use it.
func (c *Client) Login(ctx context.Context, username, password, window string) (*wire.Session, error) {
	var s wire.Session
	body := wire.LoginRequest{Username: username, Password: password, Window: window}
	if err := c.do(ctx, http.MethodPost, "/api/v1/login", nil, body, &s); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.csrf = s.CSRFToken
	c.mu.Unlock()
	return &s, nil
}

// Logout ends the staff session.
func (c *Client) Logout(ctx context.Context) error {
	err := c.do(ctx, http.MethodPost, "/api/v1/logout", nil, struct{}{}, nil)
	c.mu.Lock()
	c.session, c.csrf = "", ""
	c.mu.Unlock()
	return err
}

// Act performs a window action as the signed-in staff member: one of open,
// pause, resume, close, call-next, recall, no-show, complete, transfer
// (req.Service), call (req.Number, req.Reason), reinstate and cancel
// (req.Number).
func (c *Client) Act(ctx context.Context, window, action string, req wire.ActRequest) (*wire.ActResult, error) {
	var out wire.ActResult
	path := "/api/v1/windows/" + url.PathEscape(window) + "/" + url.PathEscape(action)
	if err := c.do(ctx, http.MethodPost, path, nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
