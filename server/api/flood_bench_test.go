package api_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/hall/halltest"
)

// BenchmarkLoginFlood measures what 10,000 sign-in attempts do to the hall:
// /healthz latency and a kiosk's ticket issue, measured alone first
// (baseline) and then while 200 attackers send the attempts from 5,000
// addresses (behind a trusted proxy), guessing the real accounts' passwords and
// unknown usernames. The hall is served as the server serves it (admission,
// deadlines) and its store syncs.
//
// The raw baseline is a bare net/http server in the same process, answering
// a constant /healthz on a port of its own, polled beside the hall's in both
// runs: what the flood costs any handler in this process (the attackers run
// in it too, on the same processors), against what it costs the hall's.
//
//	go test -run '^$' -bench LoginFlood -benchtime 1x ./server/api/
func BenchmarkLoginFlood(b *testing.B) {
	p := &probeHall{Hall: halltest.Start(b, halltest.Options{Sync: true, Serve: true, Adjust: func(c *config.Config) {
		behindProxy(10)(c)
		c.Limits.TicketsPerKioskPerMinute = 10000
	}}), t: b}
	raw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write([]byte(`{"status":"ok"}` + "\n"))
	}))
	b.Cleanup(raw.Close)
	// The attackers come from 127.0.0.1, the probe and the kiosk from
	// addresses of their own, as from other machines.
	from := func(n byte) func(context.Context, string, string) (net.Conn, error) {
		return (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, n)}}).DialContext
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	prober := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, DialContext: from(2)}}
	kiosk := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, DialContext: from(3)}}
	var key atomic.Int64

	measure := func(stop <-chan struct{}, minDur time.Duration) (health, rawHealth, issue []time.Duration) {
		var wg sync.WaitGroup
		deadline := time.Now().Add(minDur)
		running := func() bool {
			select {
			case <-stop:
				return false
			default:
				return time.Now().Before(deadline) || stop != nil
			}
		}
		poll := func(url string, into *[]time.Duration) {
			for running() {
				t0 := time.Now()
				resp, err := prober.Get(url)
				if err != nil || resp.StatusCode != 200 {
					b.Errorf("%s: %v %v", url, err, resp)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				*into = append(*into, time.Since(t0))
				time.Sleep(5 * time.Millisecond)
			}
		}
		wg.Go(func() { poll(p.URL+"/healthz", &health) })
		wg.Go(func() { poll(raw.URL+"/healthz", &rawHealth) })
		wg.Go(func() {
			for running() {
				body := fmt.Sprintf(`{"service":"general","idempotency_key":"f%d"}`, key.Add(1))
				req, _ := http.NewRequest("POST", p.URL+"/api/v1/tickets", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+p.Secrets.KioskToken)
				t0 := time.Now()
				resp, err := kiosk.Do(req)
				if err != nil || resp.StatusCode != http.StatusCreated {
					b.Errorf("issue: %v %v", err, resp)
					return
				}
				resp.Body.Close()
				issue = append(issue, time.Since(t0))
				time.Sleep(20 * time.Millisecond)
			}
		})
		wg.Wait()
		return health, rawHealth, issue
	}
	pct := func(d []time.Duration, q float64) float64 {
		if len(d) == 0 {
			return 0
		}
		slices.Sort(d)
		return float64(d[min(len(d)-1, int(q*float64(len(d))))].Microseconds()) / 1000
	}

	for b.Loop() {
		baseH, baseR, baseI := measure(nil, 3*time.Second)

		stop := make(chan struct{})
		var attempts atomic.Int64
		var codes sync.Map
		var attackers sync.WaitGroup
		users := []string{p.Secrets.Staff[0].Username, p.Secrets.Staff[1].Username, "admin", "root"}
		start := time.Now()
		for a := range 200 {
			attackers.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(a), 7))
				for attempts.Add(1) <= 10000 {
					req, _ := http.NewRequest("POST", p.URL+"/api/v1/login",
						strings.NewReader(loginBody(users[rng.IntN(len(users))], fmt.Sprintf("guess-%d", rng.Int()))))
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.9.%d.%d", rng.IntN(20), rng.IntN(250)+1))
					resp, err := client.Do(req)
					if err != nil {
						codes.Store("error", true)
						continue
					}
					resp.Body.Close()
					n, _ := codes.LoadOrStore(resp.StatusCode, new(atomic.Int64))
					n.(*atomic.Int64).Add(1)
				}
			})
		}
		var floodH, floodR, floodI []time.Duration
		done := make(chan struct{})
		go func() {
			floodH, floodR, floodI = measure(stop, 0)
			close(done)
		}()
		attackers.Wait()
		flood := time.Since(start)
		close(stop)
		<-done

		answers := map[string]int64{}
		codes.Range(func(k, v any) bool {
			if n, ok := v.(*atomic.Int64); ok {
				answers[fmt.Sprint(k)] = n.Load()
			} else {
				answers[fmt.Sprint(k)] = -1
			}
			return true
		})
		b.Logf("flood of 10000 sign-ins took %s, answers %v, passwords checked %d", flood.Round(time.Millisecond), answers, p.loginAttempts("wrong"))
		b.Logf("baseline: /healthz p50 %.1f ms p99 %.1f ms (%d), raw p50 %.1f ms p99 %.1f ms (%d), issue p50 %.1f ms p99 %.1f ms (%d)",
			pct(baseH, .5), pct(baseH, .99), len(baseH), pct(baseR, .5), pct(baseR, .99), len(baseR),
			pct(baseI, .5), pct(baseI, .99), len(baseI))
		b.Logf("flood:    /healthz p50 %.1f ms p99 %.1f ms (%d), raw p50 %.1f ms p99 %.1f ms (%d), issue p50 %.1f ms p99 %.1f ms (%d tickets)",
			pct(floodH, .5), pct(floodH, .99), len(floodH), pct(floodR, .5), pct(floodR, .99), len(floodR),
			pct(floodI, .5), pct(floodI, .99), len(floodI))
		b.ReportMetric(pct(floodH, .99), "healthz-p99-ms")
		b.ReportMetric(pct(floodR, .99), "raw-healthz-p99-ms")
		b.ReportMetric(pct(baseH, .99), "baseline-healthz-p99-ms")
		b.ReportMetric(pct(baseR, .99), "baseline-raw-healthz-p99-ms")
		b.ReportMetric(pct(floodI, .99), "issue-p99-ms")
		b.ReportMetric(pct(baseI, .99), "baseline-issue-p99-ms")
		b.ReportMetric(float64(len(floodI))/flood.Seconds(), "tickets/s")
	}
}
