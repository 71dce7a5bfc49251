package city

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/time/rate"

	"hallq/server/federation"
	"hallq/server/queue"
	"hallq/server/wire"
)

// HallSlots are a hall's appointment slots of one day, service by service,
// as the portal counts them from the hall's public log (queue.DaySlots, the
// hall's own read model). It is the body of GET /api/v1/halls/{id}/slots.
type HallSlots struct {
	Hall     string            `json:"hall"`
	Date     string            `json:"date"`
	Seq      uint64            `json:"seq"` // the hall's log position the counts are taken at
	Services []queue.SlotsView `json:"services"`
}

// Slots returns the slots of a hall's services taking appointments on day
// (YYYY-MM-DD; empty: the hall's service day now), or of service alone.
func (p *Portal) Slots(hall, service, day string) (HallSlots, error) {
	f := p.follower(hall)
	if f == nil {
		return HallSlots{}, errNoHall
	}
	if day != "" {
		if _, err := time.Parse(time.DateOnly, day); err != nil {
			return HallSlots{}, queue.Errorf(queue.EINVALID, "date: %q is not YYYY-MM-DD", day).Zh("日期格式应为YYYY-MM-DD")
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	qh, st := f.aud.State()
	if qh == nil {
		return HallSlots{}, queue.Errorf(queue.EUNAVAILABLE, "the portal has not read hall %s's description yet", hall).
			Zh("尚未读到%s大厅的说明，请稍后再试", hall)
	}
	if day == "" {
		day = qh.Day(p.opt.Now())
	}
	out := HallSlots{Hall: hall, Date: day, Seq: f.seq, Services: []queue.SlotsView{}}
	for i := range qh.Services {
		svc := &qh.Services[i]
		if svc.Appointments == nil || (service != "" && svc.ID != service) {
			continue
		}
		v := qh.DaySlots(st, svc, day)
		v.Seq = f.seq
		out.Services = append(out.Services, v)
	}
	if service != "" && len(out.Services) == 0 {
		return HallSlots{}, queue.Errorf(queue.ENOTFOUND, "hall %s has no service %q taking appointments", hall, service).
			Zh("该大厅没有可预约的该项业务")
	}
	return out, nil
}

var errNoHall = queue.Errorf(queue.ENOTFOUND, "no such hall in the city").Zh("本市没有这个大厅")

func (p *Portal) follower(hall string) *follower {
	for _, f := range p.followers() {
		if f.hall == hall {
			return f
		}
	}
	return nil
}

// Book forwards an applicant's booking (the JSON body of the hall's POST
// /api/v1/appointments) to the hall that owns the slot, by NATS request and
// reply, and returns the hall's answer as it gave it. The portal keeps
// nothing of it. When the hall does not answer, the error says so, naming
// the hall, and whether the booking may have been made.
func (p *Portal) Book(hall, address string, body []byte) (federation.BookReply, error) {
	f := p.follower(hall)
	if f == nil {
		return federation.BookReply{}, errNoHall
	}
	name := hall
	f.mu.Lock()
	if qh, _ := f.aud.State(); qh != nil && qh.NameZH != "" {
		name = fmt.Sprintf("%s（%s）", qh.NameZH, hall)
	}
	f.mu.Unlock()
	req, err := json.Marshal(federation.BookRequest{Address: address, Body: body})
	if err != nil {
		return federation.BookReply{}, queue.Errorf(queue.EINVALID, "the body is not JSON").Zh("请求内容不是JSON")
	}
	msg, err := p.bookNC.Request(federation.BookSubject(p.opt.Prefix, hall), req, p.opt.BookTimeout)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return federation.BookReply{}, queue.Errorf(queue.EUNAVAILABLE,
			"hall %s cannot be reached from the city now; nothing was booked. Try again later or book at the hall", hall).
			Zh("%s目前与市级平台失去联系，未作预约。请稍后再试，或到该大厅预约", name)
	case errors.Is(err, nats.ErrTimeout):
		return federation.BookReply{}, queue.Errorf(queue.EUNAVAILABLE,
			"hall %s did not answer within %s; the booking may or may not have been made. Send the same request again, with the same idempotency_key, to learn which", hall, p.opt.BookTimeout).
			Zh("%s未在%s内应答，预约可能已成功也可能未成功。请用同一幂等键（idempotency_key）再次提交以确认", name, p.opt.BookTimeout)
	case err != nil:
		return federation.BookReply{}, queue.Errorf(queue.EUNAVAILABLE,
			"the city portal cannot reach hall %s now; nothing was booked", hall).
			Zh("市级平台目前无法联系%s，未作预约", name)
	}
	var reply federation.BookReply
	if err := json.Unmarshal(msg.Data, &reply); err != nil || reply.Status < 200 || reply.Status > 599 || !json.Valid(reply.Body) {
		return federation.BookReply{}, queue.Errorf(queue.EUNAVAILABLE, "hall %s gave an answer the portal cannot read", hall).
			Zh("%s的应答无法识别", name)
	}
	return reply, nil
}

func (p *Portal) handleSlots(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, err := p.Slots(r.PathValue("id"), q.Get("service"), q.Get("date"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (p *Portal) handleBook(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" {
		if u, err := url.Parse(o); err != nil || !strings.EqualFold(u.Host, r.Host) {
			writeError(w, queue.Errorf(queue.EFORBIDDEN, "requests from another site's pages are not allowed").Zh("不接受来自其他网站页面的请求"))
			return
		}
	}
	addr := p.clientAddr(r)
	if !p.bookLimit.allow(addr, p.opt.Now()) {
		writeError(w, queue.Errorf(wire.ERATE, "too many booking requests from this address; wait a minute and try again").
			Zh("预约请求过于频繁，请一分钟后再试"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, federation.MaxBookRequest))
	if err != nil {
		writeError(w, queue.Errorf(wire.ETOOLARGE, "request body too large").Zh("请求内容过大"))
		return
	}
	if !json.Valid(body) {
		writeError(w, queue.Errorf(queue.EINVALID, "a JSON body is required").Zh("请求内容须为JSON"))
		return
	}
	reply, err := p.Book(r.PathValue("id"), addr.String(), body)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(reply.Status)
	w.Write(reply.Body)
	w.Write([]byte("\n"))
}

// clientAddr is the applicant's address: the connection's, or, behind a
// trusted load balancer, the last address before it in X-Forwarded-For.
func (p *Portal) clientAddr(r *http.Request) netip.Addr {
	ap, _ := netip.ParseAddrPort(r.RemoteAddr)
	a := ap.Addr().Unmap()
	if !p.trusted(a) {
		return a
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return a
		}
		a = h.Unmap()
		if !p.trusted(a) {
			return a
		}
	}
	return a
}

func (p *Portal) trusted(a netip.Addr) bool {
	for _, pr := range p.opt.TrustedProxies {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// addressLimiter bounds how fast each address may book through the portal:
// a token bucket per address (IPv6 by /64), perMinute a minute.
type addressLimiter struct {
	mu        sync.Mutex
	perMinute int
	buckets   map[string]*rate.Limiter
	swept     time.Time
}

func (l *addressLimiter) allow(a netip.Addr, now time.Time) bool {
	if l.perMinute <= 0 {
		return true
	}
	key := a.String()
	if a.Is6() {
		pr, _ := a.Prefix(64)
		key = pr.String()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if b.TokensAt(now) >= float64(l.perMinute) {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
		l.buckets[key] = b
	}
	return b.AllowN(now, 1)
}

// writeError answers with the API's error body and the status of its code.
func writeError(w http.ResponseWriter, err error) {
	code := queue.ErrorCode(err)
	en, zh := queue.ErrorMessage(err)
	writeJSON(w, statusOf[code], wire.ErrorBody{Error: wire.ErrorDetail{Code: code, Message: en, MessageZH: zh}})
}

// statusOf is the HTTP status of each code the portal answers with, as the
// hall's API gives it.
var statusOf = map[wire.Code]int{
	wire.EINVALID: http.StatusBadRequest, wire.EFORBIDDEN: http.StatusForbidden, wire.ENOTFOUND: http.StatusNotFound,
	wire.ETOOLARGE: http.StatusRequestEntityTooLarge, wire.ERATE: http.StatusTooManyRequests,
	wire.EUNAVAILABLE: http.StatusServiceUnavailable, wire.EINTERNAL: http.StatusInternalServerError,
}
