package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hallq/server/eventlog"
	"hallq/server/queue"
)

// State reads the engine's committed state: it calls fn with the state under
// the engine's read lock (engine.Engine.Read).
type State func(fn func(s *queue.State, seq uint64, hash string))

// Metrics are a hall's Prometheus metrics. Its methods are safe for
// concurrent use.
type Metrics struct {
	registry    *prometheus.Registry
	issued      *prometheus.CounterVec
	called      *prometheus.CounterVec
	requests    *prometheus.HistogramVec
	commit      prometheus.Histogram
	commitBatch prometheus.Histogram
	head        prometheus.Gauge
}

// New registers the metrics of a hall with the given services. state gives
// the committed state, from which the tickets waiting are read at each
// scrape; subscribers reports the live websocket subscribers.
func New(services []string, state State, subscribers func() int) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry: reg,
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hallq_tickets_issued_total", Help: "Tickets issued, by service."}, []string{"service"}),
		called: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hallq_tickets_called_total", Help: "Calls and recalls, by reason."}, []string{"reason"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hallq_http_request_duration_seconds", Help: "HTTP request latency, by route and status.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"route", "code"}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hallq_commit_duration_seconds", Help: "Duration of one log commit (transaction and fsync).",
			Buckets: prometheus.ExponentialBuckets(0.0002, 2, 14)}),
		commitBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hallq_commit_requests", Help: "Requests carried by one group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10)}),
		head: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hallq_log_head_seq", Help: "Sequence number of the last published event."}),
	}
	for _, svc := range services {
		m.issued.WithLabelValues(svc)
	}
	for _, reason := range []string{queue.ReasonFIFO, queue.ReasonPriority, queue.ReasonTransfer, queue.ReasonRecall, queue.ReasonManual} {
		m.called.WithLabelValues(reason)
	}
	reg.MustRegister(m.issued, m.called, m.requests, m.commit, m.commitBatch, m.head,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hallq_ws_subscribers", Help: "Live websocket subscribers."}, func() float64 { return float64(subscribers()) }))
	reg.MustRegister(&waiting{state: state, services: services, desc: prometheus.NewDesc("hallq_waiting",
		"Tickets waiting, by service.", []string{"service"}, nil)})
	return m
}

// waiting collects the tickets waiting per service from the committed state:
// one length per service under the engine's read lock.
type waiting struct {
	state    State
	services []string
	desc     *prometheus.Desc
}

func (c *waiting) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *waiting) Collect(ch chan<- prometheus.Metric) {
	n := make([]int, len(c.services))
	c.state(func(s *queue.State, _ uint64, _ string) {
		for i, svc := range c.services {
			n[i] = s.Waiting(svc)
		}
	})
	for i, svc := range c.services {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n[i]), svc)
	}
}

// Register adds other parts' collectors (the API's sign-in attempts) to the
// metrics served.
func (m *Metrics) Register(cs ...prometheus.Collector) { m.registry.MustRegister(cs...) }

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// ObserveCommit records one group commit: the requests it carried and how
// long it took, its sync included.
func (m *Metrics) ObserveCommit(requests, _ int, d time.Duration) {
	m.commit.Observe(d.Seconds())
	m.commitBatch.Observe(float64(requests))
}

// ObserveEvents counts the tickets issued and called among the events of a
// commit, and moves the head to the last of their records (recs[i] is
// evs[i] published).
func (m *Metrics) ObserveEvents(recs []eventlog.Record, evs []queue.Event) {
	for _, ev := range evs {
		switch d := ev.Data.(type) {
		case *queue.TicketIssuedData:
			m.issued.WithLabelValues(d.Service).Inc()
		case *queue.TicketCalledData:
			m.called.WithLabelValues(d.Reason).Inc()
		case *queue.TicketRecalledData:
			m.called.WithLabelValues(d.Reason).Inc()
		}
	}
	if n := len(recs); n > 0 {
		m.head.Set(float64(recs[n-1].Seq))
	}
}

// Instrument measures the latency of the requests h serves, by the pattern
// of the route that served each (the innermost http.ServeMux sets it) and
// status.
func (m *Metrics) Instrument(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		m.requests.WithLabelValues(r.Pattern, strconv.Itoa(rec.status)).Observe(time.Since(start).Seconds())
	})
}

// statusRecorder remembers the status written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap gives http.ResponseController the writer underneath.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
