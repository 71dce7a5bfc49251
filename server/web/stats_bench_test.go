package web

import (
	htmltemplate "html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/eventlog"
	"hallq/server/stats"
	"hallq/server/stats/statstest"
)

// BenchmarkStatsPage measures /stats and the yearly report for a year of a
// busy hall, after the first load: HALLQ_STATS_EVENTS events (default 20000,
// so that one iteration in CI stays short; README reports 2000000). The fold
// of the log (the first load) and the memory of the aggregates are logged
// once; "raw" renders the same page for an empty log, the cost of the page
// without figures, in the same run.
func BenchmarkStatsPage(b *testing.B) {
	n := 20000
	if v := os.Getenv("HALLQ_STATS_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("HALLQ_STATS_EVENTS: %v", err)
		}
	}
	cfg, _, err := config.Demo()
	if err != nil {
		b.Fatal(err)
	}
	page := func(st *stats.Stats) *Server {
		s := &Server{cfg: cfg, log: slog.New(slog.DiscardHandler), assets: map[string]asset{}, pages: map[string]*htmltemplate.Template{}, mux: http.NewServeMux(),
			now: func() time.Time { return time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC) }, head: st.Last}
		s.statsK.s = st
		s.statsK.feed, s.statsK.stop, s.statsK.done = make(chan []eventlog.Record, 1), make(chan struct{}), make(chan struct{})
		if err := s.loadAssets(); err != nil {
			b.Fatal(err)
		}
		if err := s.loadTemplates(); err != nil {
			b.Fatal(err)
		}
		s.routes()
		return s
	}
	st := stats.New()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start := time.Now()
	events := 0
	err = statstest.Log(2026, n, 1, func(r eventlog.Record) error {
		events++
		return st.Add(r)
	})
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	b.Logf("first load: %d events generated and folded in %v; the aggregates hold %.1f MB", events, took, float64(m1.HeapAlloc-m0.HeapAlloc)/1e6)
	full, empty := page(st), page(stats.New())
	for _, c := range []struct {
		name string
		s    *Server
		path string
	}{
		{"year", full, "/stats?p=2026"},
		{"month", full, "/stats?p=2026-06"},
		{"report", full, "/stats/year/2026"},
		{"xlsx", full, "/stats/year/2026.xlsx"},
		{"raw", empty, "/stats?p=2026"},
	} {
		b.Run(c.name, func(b *testing.B) {
			// The CPU time of the process per request, besides the wall
			// time: on a shared machine the wall time mostly measures the
			// wait for a core.
			cpu0 := cpuTime()
			for b.Loop() {
				w := httptest.NewRecorder()
				c.s.ServeHTTP(w, httptest.NewRequest("GET", c.path, nil))
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", c.path, w.Code, w.Body)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
