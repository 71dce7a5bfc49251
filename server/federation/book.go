package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"hallq/server/wire"
)

// BookSubject is the subject a hall answers the city's booking requests on.
// Only the hall's own NATS user may subscribe to it (see deploy/nats-city.conf):
// a request carries the applicant's document number.
func BookSubject(prefix, hall string) string { return prefix + "." + hall + ".book" }

// BookInboxPrefix starts the subjects the portal receives the halls'
// answers to bookings on: the only subjects besides its own that a hall may
// publish to (deploy/nats-city.conf).
const BookInboxPrefix = "_INBOX_book"

// BookPath is the hall's API route a booking request from the city is
// answered by, as if the applicant had posted it to the hall.
const BookPath = "/api/v1/appointments"

// MaxBookRequest bounds a booking request's size, on the portal and in the hall.
const MaxBookRequest = 4 << 10

// BookRequest is what the portal sends a hall: the applicant's address, for
// the hall's per-address limit, and the body of POST /api/v1/appointments as
// the applicant gave it.
type BookRequest struct {
	Address string          `json:"address"`
	Body    json.RawMessage `json:"body"`
}

// BookReply is the hall's answer: the status and JSON body its API gave.
type BookReply struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

// bookTimeout bounds how long the hall works on one request from the city.
const bookTimeout = 30 * time.Second

// ServeBookings answers booking requests from the city on the publisher's
// connection with api, the hall's own HTTP handler: the request takes the
// same path as an applicant's POST /api/v1/appointments (per-address limit,
// document rules, idempotency key, error codes and messages), and the hall
// stays the only writer of its log. At most parallel requests are served
// at once (default 64); the rest wait in NATS.
func (p *Publisher) ServeBookings(api http.Handler, parallel int) error {
	if parallel <= 0 {
		parallel = 64
	}
	host := ""
	if u, err := url.Parse(p.opt.PublicURL); err == nil {
		host = u.Host
	}
	sem := make(chan struct{}, parallel)
	_, err := p.nc.Subscribe(BookSubject(p.opt.Prefix, p.opt.Hall), func(m *nats.Msg) {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			reply := answerBooking(api, host, m.Data)
			b, _ := json.Marshal(reply)
			if err := m.Respond(b); err != nil {
				p.log.Warn("federation: answering a booking from the city", "err", err)
			}
		}()
	})
	if err != nil {
		return fmt.Errorf("federation: subscribe to bookings: %w", err)
	}
	return nil
}

// answerBooking runs one request from the city through the hall's API.
func answerBooking(api http.Handler, host string, data []byte) BookReply {
	var req BookRequest
	if len(data) > MaxBookRequest || json.Unmarshal(data, &req) != nil {
		return bookError(http.StatusBadRequest, wire.EINVALID, "the city's booking request is not one", "市级平台转来的预约请求无效")
	}
	addr, err := netip.ParseAddr(req.Address)
	if err != nil {
		return bookError(http.StatusBadRequest, wire.EINVALID, "the city's booking request names no applicant address", "市级平台转来的预约请求缺少申请人地址")
	}
	ctx, cancel := context.WithTimeout(context.Background(), bookTimeout)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, BookPath, bytes.NewReader(req.Body))
	if err != nil {
		return bookError(http.StatusInternalServerError, wire.EINTERNAL, "the booking could not be made", "预约失败")
	}
	r.Host = host
	r.RemoteAddr = netip.AddrPortFrom(addr, 0).String()
	r.Header.Set("Content-Type", "application/json")
	w := &recorder{header: http.Header{}, status: http.StatusOK}
	api.ServeHTTP(w, r)
	body := bytes.TrimSpace(w.body.Bytes())
	if !json.Valid(body) {
		return bookError(http.StatusInternalServerError, wire.EINTERNAL, "the hall gave no answer it could send", "大厅未能给出应答")
	}
	return BookReply{Status: w.status, Body: body}
}

func bookError(status int, code wire.Code, en, zh string) BookReply {
	b, _ := json.Marshal(wire.ErrorBody{Error: wire.ErrorDetail{Code: code, Message: en, MessageZH: zh}})
	return BookReply{Status: status, Body: b}
}

// recorder keeps what the hall's API wrote.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.body.Len()+len(b) > 1<<20 {
		return 0, fmt.Errorf("federation: answer over %s bytes", strconv.Itoa(1<<20))
	}
	return w.body.Write(b)
}
