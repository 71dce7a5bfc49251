// Command hallq-flood floods a running hall server as an attacker would and
// measures, meanwhile, how fast /healthz answers and whether a kiosk keeps
// issuing tickets. It is how README's flood figures are made (deploy/flood.sh
// runs it against a demo server).
//
//	hallq-flood -url http://127.0.0.1:8080 -credentials data/demo-credentials.json \
//	    -mode slow,ws -conns 10000 -ws 300 -duration 60s
//
// Modes, combined with commas:
//
//	slow     -conns connections that send a sign-in's headers and one byte of
//	         its body, then nothing, from -addrs loopback addresses
//	         (127.0.0.2 …), reopened as the server cuts them
//	login    -workers clients sending wrong passwords as fast as answered
//	ws       -ws websocket clients replaying the log from the start, again
//	         and again
//	none     no flood: the baseline of the same measurement
//	raw      no flood: serve a bare net/http /healthz on -listen until
//	         stopped, the raw baseline that -raw-url measures beside the
//	         server's (a process of its own on the same machine)
//	prefill  makes the log longer by -events window pauses and resumes
//	         (signed in as the demo staff), then exits
//
// Each connection needs an open file on both sides: run it with ulimit -n
// above -conns plus a few hundred, and the server likewise.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

type credentials struct {
	KioskToken string `json:"kiosk_token"`
	Staff      []struct {
		Username string   `json:"username"`
		Password string   `json:"password"`
		Windows  []string `json:"windows"`
	} `json:"staff"`
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the hall server")
	credPath := flag.String("credentials", "data/demo-credentials.json", "the demo server's credentials (kiosk token, staff)")
	mode := flag.String("mode", "slow", "what to flood with: slow, login, ws, prefill (comma-separated)")
	conns := flag.Int("conns", 10000, "slow: connections held open")
	addrs := flag.Int("addrs", 40, "slow, login, ws: loopback addresses the flood comes from (127.0.0.2 …)")
	workers := flag.Int("workers", 64, "login: concurrent clients")
	wsClients := flag.Int("ws", 300, "ws: clients replaying the log")
	events := flag.Int("events", 50000, "prefill: events to add to the log")
	duration := flag.Duration("duration", 60*time.Second, "how long to flood and measure")
	service := flag.String("service", "general", "the service the kiosk issues")
	healthURL := flag.String("health-url", "", "also measure /healthz here: the server's -health-addr (e.g. http://127.0.0.1:8081)")
	rawURL := flag.String("raw-url", "", "also measure /healthz here: a bare net/http server (-mode raw) on the same machine, the raw baseline")
	listen := flag.String("listen", "127.0.0.1:8082", "raw: the address to serve the bare /healthz on")
	probe := flag.Bool("probe", true, "measure /healthz and a kiosk while flooding; false: flood only (run the probe as a process of its own, -mode none)")
	refusedPause := flag.Duration("refused-pause", time.Second, "slow: how long a refused connection waits before it is opened again (a connection cut by the server's read deadline reopens at once)")
	flag.Parse()
	if *mode == "raw" {
		serveRaw(*listen)
		return
	}

	data, err := os.ReadFile(*credPath)
	if err != nil {
		fatal(err)
	}
	var cred credentials
	if err := json.Unmarshal(data, &cred); err != nil {
		fatal(fmt.Errorf("%s: %w", *credPath, err))
	}
	u, err := url.Parse(*base)
	if err != nil {
		fatal(err)
	}
	modes := strings.Split(*mode, ",")
	if slices.Contains(modes, "prefill") {
		prefill(*base, cred, *events)
		return
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	ctx, cancelRun := context.WithTimeout(ctx, *duration)
	defer cancelRun()

	var wg sync.WaitGroup
	var stats floodStats
	for _, m := range modes {
		switch m {
		case "slow":
			startSlow(ctx, &wg, u.Host, *conns, *addrs, *refusedPause, &stats)
		case "login":
			startLogin(ctx, &wg, *base, *workers, *addrs, &stats)
		case "ws":
			startWS(ctx, &wg, *base, *wsClients, *addrs, &stats)
		case "none":
			// The baseline: the same measurement without a flood.
		default:
			fatal(fmt.Errorf("-mode: unknown %q", m))
		}
	}
	if !*probe {
		wg.Wait()
		printStats(*mode, *duration, &stats)
		return
	}
	time.Sleep(2 * time.Second) // let the flood build up before measuring
	health, issued, own, raw := measure(ctx, *base, *healthURL, *rawURL, cred.KioskToken, *service)
	wg.Wait()

	printStats(*mode, *duration, &stats)
	health.print("/healthz (from 127.0.0.1, every 20 ms)")
	if *healthURL != "" {
		own.print("/healthz on " + *healthURL + " (every 20 ms)")
	}
	if *rawURL != "" {
		raw.print("raw baseline /healthz on " + *rawURL + " (every 20 ms)")
	}
	issued.print("kiosk ticket issue (every 1.1 s)")
}

type floodStats struct {
	slowOpen, slowMax, slowOpened, slowCut, slowRefused, logins, replays, replayed atomic.Int64
	loginCodes                                                                     sync.Map // status -> *atomic.Int64
}

func printStats(mode string, d time.Duration, st *floodStats) {
	codes := map[any]int64{}
	st.loginCodes.Range(func(k, v any) bool { codes[k] = v.(*atomic.Int64).Load(); return true })
	fmt.Printf("flood: %s for %s; slow connections held at most %d at once (opened %d, cut by the server %d, refused %d); "+
		"sign-ins sent %d (answers %v); ws replays finished %d (events %d)\n",
		mode, d, st.slowMax.Load(), st.slowOpened.Load(), st.slowCut.Load(), st.slowRefused.Load(), st.logins.Load(), codes,
		st.replays.Load(), st.replayed.Load())
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "hallq-flood:", err)
	os.Exit(1)
}

// dialer dials from loopback address 127.0.0.n.
func dialer(n int) *net.Dialer {
	return &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+n%250))}, Timeout: 10 * time.Second}
}

func startSlow(ctx context.Context, wg *sync.WaitGroup, host string, n, addrs int, refusedPause time.Duration, st *floodStats) {
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Spread the openings over the first second.
			time.Sleep(time.Duration(i) * time.Second / time.Duration(n))
			d := dialer(i % addrs)
			for ctx.Err() == nil {
				c, err := d.DialContext(ctx, "tcp", host)
				if err != nil {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				st.slowOpened.Add(1)
				if open := st.slowOpen.Add(1); open > st.slowMax.Load() {
					st.slowMax.Store(open) // racy, near enough for a figure
				}
				fmt.Fprintf(c, "POST /api/v1/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 65536\r\n\r\n{", host)
				stop := context.AfterFunc(ctx, func() { c.Close() })
				// Trickle a byte now and then, as a slow client would,
				// until the server cuts or refuses the connection.
				refused := false
				for ctx.Err() == nil {
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					buf := make([]byte, 16)
					n, err := io.ReadAtLeast(c, buf, len("HTTP/1.1 503"))
					if err != nil && n == 0 {
						if ne, ok := err.(net.Error); ok && ne.Timeout() {
							if _, err := c.Write([]byte(" ")); err == nil {
								continue
							}
						}
						break // cut
					}
					// An answer: 503 is a refusal; anything else (400,
					// 408 …) is the server's read deadline cutting it.
					refused = strings.HasPrefix(string(buf[:n]), "HTTP/1.1 503")
					break
				}
				stop()
				c.Close()
				st.slowOpen.Add(-1)
				if ctx.Err() != nil {
					return // the flood's end closed it
				}
				if refused {
					st.slowRefused.Add(1)
					sleepCtx(ctx, refusedPause)
				} else {
					st.slowCut.Add(1)
				}
			}
		}()
	}
}

func startLogin(ctx context.Context, wg *sync.WaitGroup, base string, n, addrs int, st *floodStats) {
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dialer(i % addrs).DialContext}}
			for ctx.Err() == nil {
				body := fmt.Sprintf(`{"username":"guess%d","password":"wrong"}`, i)
				req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/login", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				st.logins.Add(1)
				n, _ := st.loginCodes.LoadOrStore(resp.StatusCode, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
			}
		}()
	}
}

func startWS(ctx context.Context, wg *sync.WaitGroup, base string, n, addrs int, st *floodStats) {
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/ws?after=0"
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := websocket.Dialer{NetDialContext: dialer(i % addrs).DialContext, HandshakeTimeout: 10 * time.Second}
			for ctx.Err() == nil {
				ws, _, err := d.DialContext(ctx, wsURL, nil)
				if err != nil {
					time.Sleep(time.Second)
					continue
				}
				stop := context.AfterFunc(ctx, func() { ws.Close() })
				for {
					_, msg, err := ws.ReadMessage()
					if err != nil {
						break
					}
					if strings.Contains(string(msg[:min(len(msg), 40)]), `"heartbeat"`) {
						st.replays.Add(1) // caught up: the first heartbeat follows the replay
						break
					}
					st.replayed.Add(1)
				}
				stop()
				ws.Close()
			}
		}()
	}
}

// latencies are the times of one kind of request during the flood.
type latencies struct {
	d      []time.Duration
	errors int
	codes  map[int]int
}

func (l *latencies) print(what string) {
	slices.Sort(l.d)
	q := func(p float64) time.Duration {
		if len(l.d) == 0 {
			return 0
		}
		return l.d[min(len(l.d)-1, int(p*float64(len(l.d))))]
	}
	fmt.Printf("%s: %d answered, %d failed, statuses %v; p50 %v, p99 %v, max %v\n", what, len(l.d), l.errors, l.codes,
		q(0.50).Round(100*time.Microsecond), q(0.99).Round(100*time.Microsecond), q(1).Round(100*time.Microsecond))
}

// measure polls /healthz (and, given healthURL, the health listener's, and
// given rawURL, the bare server's) and issues kiosk tickets from 127.0.0.1
// until ctx ends.
func measure(ctx context.Context, base, healthURL, rawURL, token, service string) (health, issued, own, raw latencies) {
	health.codes, issued.codes, own.codes, raw.codes = map[int]int{}, map[int]int{}, map[int]int{}, map[int]int{}
	hc := &http.Client{Timeout: 10 * time.Second}
	var mu sync.Mutex
	var wg sync.WaitGroup
	run := func(every time.Duration, into *latencies, req func(i int) *http.Request) {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			start := time.Now()
			resp, err := hc.Do(req(i))
			mu.Lock()
			if err != nil {
				if ctx.Err() == nil {
					into.errors++
				}
			} else {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				into.d = append(into.d, time.Since(start))
				into.codes[resp.StatusCode]++
			}
			mu.Unlock()
		}
	}
	stamp := time.Now().UnixNano()
	wg.Add(2)
	go run(20*time.Millisecond, &health, func(int) *http.Request {
		r, _ := http.NewRequest("GET", base+"/healthz", nil)
		return r
	})
	go run(1100*time.Millisecond, &issued, func(i int) *http.Request {
		r, _ := http.NewRequest("POST", base+"/api/v1/tickets",
			strings.NewReader(fmt.Sprintf(`{"service":%q,"idempotency_key":"flood-%d-%d"}`, service, stamp, i)))
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Content-Type", "application/json")
		return r
	})
	if healthURL != "" {
		wg.Add(1)
		go run(20*time.Millisecond, &own, func(int) *http.Request {
			r, _ := http.NewRequest("GET", strings.TrimRight(healthURL, "/")+"/healthz", nil)
			return r
		})
	}
	if rawURL != "" {
		wg.Add(1)
		go run(20*time.Millisecond, &raw, func(int) *http.Request {
			r, _ := http.NewRequest("GET", strings.TrimRight(rawURL, "/")+"/healthz", nil)
			return r
		})
	}
	wg.Wait()
	return health, issued, own, raw
}

// serveRaw serves a bare /healthz on addr until the process is stopped: the
// least any Go HTTP server on this machine can answer in.
func serveRaw(addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"status":"ok"}`+"\n")
	})
	fatal((&http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}).ListenAndServe())
}

// prefill signs in as each demo staff member at a window and pauses and
// resumes it until the log has grown by n events.
func prefill(base string, cred credentials, n int) {
	var done atomic.Int64
	var wg sync.WaitGroup
	for _, s := range cred.Staff {
		if len(s.Windows) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
			body := fmt.Sprintf(`{"username":%q,"password":%q,"window":%q}`, s.Username, s.Password, s.Windows[0])
			resp, err := hc.Post(base+"/api/v1/login", "application/json", strings.NewReader(body))
			if err != nil {
				fmt.Fprintln(os.Stderr, "prefill: sign in:", err)
				return
			}
			var login struct {
				CSRF string `json:"csrf_token"`
			}
			json.NewDecoder(resp.Body).Decode(&login)
			resp.Body.Close()
			act := func(a string) {
				req, _ := http.NewRequest("POST", base+"/api/v1/windows/"+s.Windows[0]+"/"+a, strings.NewReader("{}"))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-CSRF-Token", login.CSRF)
				if resp, err := hc.Do(req); err == nil {
					if resp.StatusCode < 300 {
						done.Add(1)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
			act("open")
			for done.Load() < int64(n) {
				act("pause")
				act("resume")
			}
		}()
	}
	wg.Wait()
	r := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(r, "prefill: %d events added\n", done.Load())
	r.Flush()
}

// sleepCtx sleeps d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
