package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"hallq/server/config"
)

// BenchmarkBusyDayRestart runs the server binary on a day of
// HALLQ_BUSY_TICKETS tickets (skipped when unset: building the day takes
// about a minute per 270,000), issued over HTTP by 41 kiosks and all left
// waiting, and restarts it three times: after a SIGKILL while 16 clients
// issue, after a clean stop (SIGTERM) and after a SIGKILL when idle. It
// reports, in ms, the time from exec to the server listening, to /healthz
// answering and to the first ticket issued; the raw baseline is the same
// for the binary on an empty hall, in the same run.
//
//	HALLQ_BUSY_TICKETS=270000 go test -run '^$' -bench BusyDayRestart -benchtime 1x ./server/
func BenchmarkBusyDayRestart(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("HALLQ_BUSY_TICKETS"))
	if n <= 0 {
		b.Skip("HALLQ_BUSY_TICKETS is not set")
	}
	bin := buildServer(b)
	cfgPath, token := writeLoadConfig(b)
	// One kiosk may issue 10,000 tickets a minute: 40 more take the day in
	// about a minute.
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	tokens := []string{token}
	var kiosks strings.Builder
	for k := range 40 {
		tok, sum := config.NewDeviceToken()
		tokens = append(tokens, tok)
		fmt.Fprintf(&kiosks, "\n[[devices]]\nid = \"kiosk-busy-%d\"\nkind = \"kiosk\"\nname = \"取号机\"\ntoken_sha256 = %q\n", k, sum)
	}
	cfg := strings.Replace(string(raw), "[limits]", kiosks.String()+"\n[limits]", 1)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	if _, err := config.Load(cfgPath); err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	services := []string{"general", "estate", "permit"}
	issue := func(base string, i int) error {
		body := fmt.Sprintf(`{"service":%q,"idempotency_key":"busy-%d"}`, services[i%len(services)], i)
		req, _ := http.NewRequest("POST", base+"/api/v1/tickets", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokens[i%len(tokens)])
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("issue: status %d", resp.StatusCode)
		}
		return nil
	}
	next := 1 << 30 // idempotency keys of the tickets after the day's
	// start execs the server on dir and returns it with the times from exec
	// to listening, to /healthz and to a first ticket.
	start := func(dir string) (*child, [3]time.Duration) {
		t0 := time.Now()
		c := startChild(b, bin, dir, "-config", cfgPath)
		var d [3]time.Duration
		d[0] = time.Since(t0)
		for {
			resp, err := http.Get(c.base + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			time.Sleep(time.Millisecond)
		}
		d[1] = time.Since(t0)
		next++
		if err := issue(c.base, next); err != nil {
			b.Fatal(err)
		}
		d[2] = time.Since(t0)
		return c, d
	}
	report := func(name string, d [3]time.Duration) {
		b.ReportMetric(float64(d[0].Microseconds())/1000, name+"-listening-ms")
		b.ReportMetric(float64(d[1].Microseconds())/1000, name+"-healthz-ms")
		b.ReportMetric(float64(d[2].Microseconds())/1000, name+"-ticket-ms")
	}
	for b.Loop() {
		// The raw baseline: the same binary on an empty hall.
		c, d := start(b.TempDir())
		c.kill()
		report("empty", d)

		dir := b.TempDir()
		c = startChild(b, bin, dir, "-config", cfgPath)
		t0 := time.Now()
		var i atomic.Int64
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				for k := int(i.Add(1)); k <= n; k = int(i.Add(1)) {
					if err := issue(c.base, k); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.Logf("%d tickets issued in %s", n, time.Since(t0))

		// Killed while 16 clients issue.
		stop := make(chan struct{})
		var load sync.WaitGroup
		for g := range 16 {
			load.Go(func() {
				for k := 0; ; k++ {
					select {
					case <-stop:
						return
					default:
					}
					if issue(c.base, n+1+g*10_000_000+k) != nil {
						return
					}
				}
			})
		}
		time.Sleep(3 * time.Second)
		c.kill()
		close(stop)
		load.Wait()
		c, d = start(dir)
		report("kill-under-load", d)

		c.cmd.Process.Signal(syscall.SIGTERM)
		<-c.done
		c, d = start(dir)
		report("clean-stop", d)

		c.kill()
		c, d = start(dir)
		report("kill-idle", d)
		c.kill()
	}
}
