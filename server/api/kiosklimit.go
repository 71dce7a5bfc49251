package api

import (
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// deviceLimiter bounds how fast each kiosk may issue tickets, online or
// leased: a token bucket per device, refilled at perMinute a minute, holding
// as many. Buckets exist only for enrolled devices, so their number is bounded.
type deviceLimiter struct {
	mu        sync.Mutex
	perMinute int
	buckets   map[string]*rate.Limiter
}

func newDeviceLimiter(perMinute int) *deviceLimiter {
	return &deviceLimiter{perMinute: perMinute, buckets: map[string]*rate.Limiter{}}
}

// allow reports whether the device may issue one more ticket now.
func (l *deviceLimiter) allow(device string) bool {
	if l.perMinute <= 0 {
		return true
	}
	l.mu.Lock()
	b := l.bucket(device)
	l.mu.Unlock()
	return b.Allow()
}

// bucket returns a device's bucket; l.mu is held.
func (l *deviceLimiter) bucket(device string) *rate.Limiter {
	b, ok := l.buckets[device]
	if !ok {
		b = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
		l.buckets[device] = b
	}
	return b
}

// take draws up to n tickets from a device's allowance at once, as many as
// it holds now, and returns how many with the reservation that gives them
// back when cancelled (nil without a limit, when n is returned whole).
func (l *deviceLimiter) take(device string, n int) (int, *rate.Reservation) {
	if l.perMinute <= 0 {
		return n, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(device)
	now := time.Now()
	n = min(n, int(b.TokensAt(now)))
	if n <= 0 {
		return 0, nil
	}
	return n, b.ReserveN(now, n)
}

// retryAfter is the Retry-After of a refusal: the seconds one ticket of the
// allowance takes to come back.
func (l *deviceLimiter) retryAfter() string {
	if l.perMinute <= 0 {
		return "1"
	}
	return strconv.Itoa(max(1, (60+l.perMinute-1)/l.perMinute))
}
