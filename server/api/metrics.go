package api

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"hallq/server/engine"
	"hallq/server/eventlog"
	"hallq/server/queue"
)

// Metrics are hallq's Prometheus metrics, served at /metrics.
type Metrics struct {
	registry    *prometheus.Registry
	issued      *prometheus.CounterVec
	called      *prometheus.CounterVec
	requests    *prometheus.HistogramVec
	commit      prometheus.Histogram
	commitBatch prometheus.Histogram
	head        prometheus.Gauge
}

// NewMetrics registers hallq's metrics for a hall's services. waiting reports the
// tickets waiting per service and subscribers the live websocket subscribers;
// both are read at scrape time.
func NewMetrics(services []string, waiting func() map[string]int, subscribers func() int) *Metrics {
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
	reg.MustRegister(&waitingCollector{fn: waiting, desc: prometheus.NewDesc("hallq_waiting",
		"Tickets waiting, by service.", []string{"service"}, nil)})
	return m
}

// WaitingFromBoard adapts an engine's board to NewMetrics' waiting function.
func WaitingFromBoard(e *engine.Engine) func() map[string]int {
	return func() map[string]int {
		out := map[string]int{}
		for _, s := range e.Board().Services {
			out[s.ID] = s.Waiting
		}
		return out
	}
}

type waitingCollector struct {
	fn   func() map[string]int
	desc *prometheus.Desc
}

func (c *waitingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *waitingCollector) Collect(ch chan<- prometheus.Metric) {
	for svc, n := range c.fn() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), svc)
	}
}

// ObserveCommit records one group commit.
func (m *Metrics) ObserveCommit(requests, _ int, d time.Duration) {
	m.commit.Observe(d.Seconds())
	m.commitBatch.Observe(float64(requests))
}

// ObserveRecords counts the tickets issued and called in published records.
func (m *Metrics) ObserveRecords(recs []eventlog.Record) {
	for _, r := range recs {
		switch r.Type {
		case queue.TypeTicketIssued:
			var d struct {
				Service string `json:"service"`
			}
			if json.Unmarshal(r.Data, &d) == nil {
				m.issued.WithLabelValues(d.Service).Inc()
			}
		case queue.TypeTicketCalled, queue.TypeTicketRecalled:
			var d struct {
				Reason string `json:"reason"`
			}
			if json.Unmarshal(r.Data, &d) == nil {
				m.called.WithLabelValues(d.Reason).Inc()
			}
		}
	}
	if n := len(recs); n > 0 {
		m.head.Set(float64(recs[n-1].Seq))
	}
}

func (m *Metrics) observeRequest(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Observe(d.Seconds())
}
