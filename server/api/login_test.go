package api_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"hallq/server/config"
)

// loginAttempts reads hallq_login_attempts_total{result} from /metrics.
func (p *probeHall) loginAttempts(result string) int {
	p.t.Helper()
	_, _, body := p.do(nil, "GET", "/metrics", nil, "")
	m := regexp.MustCompile(`hallq_login_attempts_total\{result="` + result + `"\} (\d+)`).FindSubmatch(body)
	if m == nil {
		p.t.Fatalf("no hallq_login_attempts_total{result=%q} in /metrics", result)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// behindProxy makes the hall believe X-Forwarded-For from loopback, so that a
// test can send from many addresses.
func behindProxy(limit int) func(*config.Config) {
	return func(c *config.Config) {
		c.Limits.LoginAttemptsPerMinute = limit
		c.Server.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
}

func loginBody(user, password string) string {
	return fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)
}

func from(addr string) http.Header { return http.Header{"X-Forwarded-For": {addr}} }

// TestLongUsernamesAreRefusedBeforeAnyWork: a long username never reaches
// the password check nor the limiter's memory.
func TestLongUsernamesAreRefusedBeforeAnyWork(t *testing.T) {
	p := startProbeHall(t, nil)
	for _, tt := range []struct {
		name, body string
		status     int
	}{
		{"65 bytes", loginBody(strings.Repeat("u", 65), "x"), http.StatusBadRequest},
		{"60 KiB", loginBody(strings.Repeat("u", 60<<10), "x"), http.StatusRequestEntityTooLarge},
		{"long password", loginBody("wang", strings.Repeat("p", 300)), http.StatusBadRequest},
	} {
		code, _, body := p.do(nil, "POST", "/api/v1/login", nil, tt.body)
		if code != tt.status {
			t.Errorf("%s: got %d %s, want %d", tt.name, code, body, tt.status)
		}
	}
	if n := p.loginAttempts("wrong"); n != 0 {
		t.Errorf("%d passwords were checked for refused sign-ins, want 0", n)
	}
}

// guess sends n wrong-password sign-ins at once, the i-th from addr(i), and
// counts the answers by status.
func (p *probeHall) guess(n int, user string, addr func(i int) string) map[int]int {
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			code, h, body := p.do(nil, "POST", "/api/v1/login", from(addr(i)), loginBody(user, fmt.Sprintf("guess-%d", i)))
			if (code == 429 || code == 503) && h.Get("Retry-After") == "" {
				p.t.Errorf("%d without Retry-After: %s", code, body)
			}
			mu.Lock()
			got[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return got
}

// TestParallelGuessesCannotPassTheLimit: 300 guesses at once, from one
// address or from 300, check at most the limit's worth of passwords.
func TestParallelGuessesCannotPassTheLimit(t *testing.T) {
	for _, tt := range []struct {
		name string
		addr func(i int) string
	}{
		{"one address", func(int) string { return "198.51.100.7" }},
		{"300 addresses", func(i int) string { return fmt.Sprintf("10.1.%d.%d", i/250, i%250+1) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := startProbeHall(t, behindProxy(10))
			got := p.guess(300, p.Secrets.Staff[0].Username, tt.addr)
			checked := p.loginAttempts("wrong")
			t.Logf("answers %v; passwords checked %d", got, checked)
			if checked > 10 {
				t.Errorf("%d passwords checked, want at most 10", checked)
			}
			if got[401] != checked || got[401]+got[429]+got[503] != 300 {
				t.Errorf("answers %v: want %d 401s and the rest 429 or 503", got, checked)
			}
		})
	}
}

// TestPasswordChecksAreBounded: guesses of an unknown username from many
// addresses pass every per-address limit, but only a few passwords are
// checked at once; the others are answered 503 with Retry-After, promptly.
func TestPasswordChecksAreBounded(t *testing.T) {
	p := startProbeHall(t, behindProxy(10))
	got := p.guess(300, "nobody", func(i int) string { return fmt.Sprintf("10.2.%d.%d", i/250, i%250+1) })
	t.Logf("answers %v", got)
	// A username that is no account has a failure limit of its own, so a
	// slow machine that finishes checks before the last guesses arrive
	// also answers some 429s.
	if got[503] == 0 || got[401]+got[429]+got[503] != 300 {
		t.Errorf("answers %v: want 401s, some 503s and nothing but 429 besides", got)
	}
}

// TestGuessesCannotKeepStaffOut: once wrong guesses from many addresses have
// spent the account's limit, its owner still signs in from a browser where
// they signed in before; a browser never used for it waits out the minute.
func TestGuessesCannotKeepStaffOut(t *testing.T) {
	p := startProbeHall(t, behindProxy(5))
	login := p.Secrets.Staff[0]
	counter, code, body := p.login(login.Username, login.Password, login.Windows[0])
	if code != http.StatusOK {
		t.Fatalf("first sign-in: %d %s", code, body)
	}
	// Guesses from ever new addresses, until the account's limit is spent.
	for i := 0; ; i++ {
		code, _, body := p.do(nil, "POST", "/api/v1/login", from(fmt.Sprintf("10.3.0.%d", i+1)), loginBody(login.Username, "guess"))
		if code == http.StatusTooManyRequests {
			break
		}
		if code != http.StatusUnauthorized || i == 20 {
			t.Fatalf("guess %d: %d %s", i, code, body)
		}
	}
	// The counter PC, from an address with no failures.
	req := fmt.Sprintf(`{"username":%q,"password":%q,"window":%q}`, login.Username, login.Password, login.Windows[0])
	if code, _, body := p.do(counter, "POST", "/api/v1/login", from("192.168.1.20"), req); code != http.StatusOK {
		t.Errorf("the staff member's own browser: got %d %s, want 200", code, body)
	}
	// Another browser, never used for the account.
	if code, _, body := p.do(nil, "POST", "/api/v1/login", from("192.168.1.21"), req); code != http.StatusTooManyRequests {
		t.Errorf("a browser never used for the account: got %d %s, want 429", code, body)
	}
	// A forged known-browser cookie does not help.
	h := from("192.168.1.22")
	for _, c := range counter.Jar.Cookies(mustURL(t, p.URL+"/api/v1/login")) {
		if strings.HasPrefix(c.Name, "hallq_known") {
			h.Set("Cookie", c.Name+"=AAAA"+c.Value[4:])
		}
	}
	if code, _, body := p.do(nil, "POST", "/api/v1/login", h, req); code != http.StatusTooManyRequests {
		t.Errorf("a forged known-browser cookie: got %d %s, want 429", code, body)
	}
}
