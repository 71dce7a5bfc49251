package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/semaphore"
)

// Limits of sign-ins.
const (
	// MaxUsername and MaxPassword are the longest username and password (in
	// bytes) a sign-in may send; longer ones are refused before any work.
	MaxUsername = 64
	MaxPassword = 256
	// maxLoginBody bounds the body of POST /api/v1/login.
	maxLoginBody = 4 << 10
	// loginWindow is the window over which failed sign-ins are counted.
	loginWindow = time.Minute
	// maxAddresses bounds the addresses whose failures are remembered: the
	// least recently failing are forgotten first.
	maxAddresses = 65536
	// loginWait is how long a sign-in waits for a password check slot before
	// it is answered 503; at most checkSlots*8 wait at once.
	loginWait = 2 * time.Second
	// knownCookie is the cookie that marks a browser where a staff member has
	// signed in before; knownTTL is how long it lasts.
	knownCookie = "hallq_known"
	knownTTL    = 365 * 24 * time.Hour
)

// failures is a sliding log of the failed sign-ins of one key (an address or a
// username) in the last loginWindow: at most max times, oldest first. A slot is
// taken before the password is checked and given back if it was right, so that
// parallel guesses cannot pass the limit.
type failures struct {
	mu    sync.Mutex
	times []time.Time
}

// prune drops what is older than the window; f.mu is held.
func (f *failures) prune(now time.Time) {
	i := 0
	for i < len(f.times) && now.Sub(f.times[i]) >= loginWindow {
		i++
	}
	f.times = f.times[i:]
}

// full reports whether f holds max failures in the window, and when the
// oldest of them leaves it; f.mu is held.
func (f *failures) full(now time.Time, max int) (bool, time.Duration) {
	f.prune(now)
	if len(f.times) < max {
		return false, 0
	}
	return true, loginWindow - now.Sub(f.times[0])
}

// give returns a slot taken at t; f.mu is not held.
func (f *failures) give(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.times) - 1; i >= 0; i-- {
		if f.times[i].Equal(t) {
			f.times = append(f.times[:i], f.times[i+1:]...)
			return
		}
	}
}

// loginGuard decides whether a sign-in may have its password checked, and
// bounds the password checks running at once. Its state is bounded: one
// failure log per staff account, and at most maxAddresses logs of addresses
// and as many of usernames that are no account, least recently used forgotten
// first, swept of empty logs by Sweep.
type loginGuard struct {
	max       int                           // failures per window, per address and per account
	accounts  map[string]*failures          // fixed at start: one per staff account
	others    *lru.Cache[string, *failures] // usernames that are no account
	addresses *lru.Cache[string, *failures] // by address (IPv6 by /64)
	mu        sync.Mutex                    // makes an address's lookup-or-add atomic
	// checks are the password checks of sign-ins from anywhere; knownChecks
	// those from browsers where the account signed in before, a lane a
	// flood of guesses cannot fill.
	checks, knownChecks *lane
	knownKey            []byte // HMAC key of known-browser cookies
	attempts            *prometheus.CounterVec
}

func newLoginGuard(perMinute int, usernames []string, knownKey []byte) *loginGuard {
	if perMinute <= 0 {
		perMinute = 10
	}
	// Half the processors at most, each slot resting after a check as long
	// as the check took while others wait: under a flood, password checks
	// use at most a quarter of the processors' time (on two cores, half of
	// one), and the rest keeps answering kiosks, displays and staff.
	slots := int64(max(1, runtime.GOMAXPROCS(0)/2))
	g := &loginGuard{max: perMinute, accounts: map[string]*failures{}, checks: newLane(slots), knownChecks: newLane(1),
		knownKey: knownKey}
	for _, u := range usernames {
		g.accounts[u] = &failures{}
	}
	g.addresses, _ = lru.New[string, *failures](maxAddresses)
	g.others, _ = lru.New[string, *failures](maxAddresses)
	g.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hallq_login_attempts_total",
		Help: "Sign-in attempts, by outcome: signed_in, wrong (a password was checked), limited, busy, refused (malformed or too long)."},
		[]string{"result"})
	for _, r := range []string{"signed_in", "wrong", "limited", "busy", "refused"} {
		g.attempts.WithLabelValues(r)
	}
	return g
}

// addressKey is the key an address's failures are kept under: the address,
// or its /64 for IPv6, where one household or attacker holds a whole /64.
func addressKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// slot is a taken failure slot; release gives it back (a right password).
type slot struct {
	at    time.Time
	taken []*failures
}

func (s slot) release() {
	for _, f := range s.taken {
		f.give(s.at)
	}
}

// reserve takes a failure slot of the address and, unless known, of the
// account, atomically with the check that both have one. A browser where the
// account signed in before (known) skips the account's limit: guesses from
// elsewhere cannot keep the staff member out. It returns how long to wait
// when a limit is reached.
func (g *loginGuard) reserve(addr netip.Addr, username string, known bool, now time.Time) (slot, time.Duration, bool) {
	key := addressKey(addr)
	g.mu.Lock()
	af, ok := g.addresses.Get(key)
	if !ok {
		af = &failures{}
		g.addresses.Add(key, af)
	}
	g.mu.Unlock()
	// A username that is no account has a limit too, so that answers do not
	// tell which usernames exist; those are kept apart, so that a flood of
	// made-up names can never push an account's failures out.
	var uf *failures
	if known {
		// no account limit
	} else if f, ok := g.accounts[username]; ok {
		uf = f
	} else {
		g.mu.Lock()
		if uf, ok = g.others.Get(username); !ok {
			uf = &failures{}
			g.others.Add(username, uf)
		}
		g.mu.Unlock()
	}
	// Lock order: the address, then the account.
	af.mu.Lock()
	defer af.mu.Unlock()
	if full, wait := af.full(now, g.max); full {
		return slot{}, wait, false
	}
	if uf != nil {
		uf.mu.Lock()
		defer uf.mu.Unlock()
		if full, wait := uf.full(now, g.max); full {
			return slot{}, wait, false
		}
		uf.times = append(uf.times, now)
	}
	af.times = append(af.times, now)
	s := slot{at: now, taken: []*failures{af}}
	if uf != nil {
		s.taken = append(s.taken, uf)
	}
	return s, 0, true
}

// lane is a number of password check slots and the sign-ins waiting for one.
type lane struct {
	sem     *semaphore.Weighted
	slots   int64
	waiting atomic.Int64
}

func newLane(slots int64) *lane { return &lane{sem: semaphore.NewWeighted(slots), slots: slots} }

// acquire waits for a password check slot of the lane of a sign-in from a
// known browser, or of anyone's: at most loginWait, and not at all when too
// many already wait. It returns the lane to give the slot back to.
func (g *loginGuard) acquire(ctx context.Context, known bool) (*lane, bool) {
	l := g.checks
	if known {
		l = g.knownChecks
	}
	if l.sem.TryAcquire(1) {
		return l, true
	}
	if l.waiting.Add(1) > 8*l.slots {
		l.waiting.Add(-1)
		return nil, false
	}
	defer l.waiting.Add(-1)
	ctx, cancel := context.WithTimeout(ctx, loginWait)
	defer cancel()
	return l, l.sem.Acquire(ctx, 1) == nil
}

// done gives back a slot of l after a check that took took. While other
// sign-ins wait for the lane (a flood), the slot first rests as long as the
// check took, so that checks keep to half of their slots' processor time
// however many sign-ins wait; the answer does not wait for it. A sign-in
// that finds the lane free is never held back.
func (g *loginGuard) done(l *lane, took time.Duration) {
	if l.waiting.Load() == 0 {
		l.sem.Release(1)
		return
	}
	time.AfterFunc(took, func() { l.sem.Release(1) })
}

// Sweep forgets addresses and made-up usernames without a failure in the
// window.
func (g *loginGuard) Sweep(now time.Time) {
	for _, c := range []*lru.Cache[string, *failures]{g.addresses, g.others} {
		for _, k := range c.Keys() {
			f, ok := c.Peek(k)
			if !ok {
				continue
			}
			g.mu.Lock()
			f.mu.Lock()
			f.prune(now)
			if len(f.times) == 0 {
				c.Remove(k)
			}
			f.mu.Unlock()
			g.mu.Unlock()
		}
	}
	for _, f := range g.accounts {
		f.mu.Lock()
		f.prune(now)
		f.mu.Unlock()
	}
}

// knownName and knownValue are the name and value of the known-browser
// cookie of an account: one cookie per account, so that staff sharing a
// counter PC each keep theirs.
func (g *loginGuard) knownName(username string) string {
	sum := sha256.Sum256([]byte(username))
	return knownCookie + "_" + base64.RawURLEncoding.EncodeToString(sum[:9])
}

func (g *loginGuard) knownValue(username string) string {
	m := hmac.New(sha256.New, g.knownKey)
	m.Write([]byte("hallq known browser\x00" + username))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// known reports whether the request comes from a browser where the account
// signed in before.
func (g *loginGuard) known(r *http.Request, username string) bool {
	c, err := r.Cookie(g.knownName(username))
	return err == nil && hmac.Equal([]byte(c.Value), []byte(g.knownValue(username)))
}

// retryAfter is a Retry-After value: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}

// tooLong reports whether a sign-in's fields are longer than allowed.
func (req *loginRequest) tooLong() bool {
	return len(req.Username) > MaxUsername || len(req.Password) > MaxPassword || len(req.Window) > MaxUsername ||
		strings.ContainsRune(req.Username, 0)
}
