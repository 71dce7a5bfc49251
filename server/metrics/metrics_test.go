package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hallq/server/eventlog"
	"hallq/server/metrics"
	"hallq/server/queue"
)

// scrape returns the metrics as Prometheus' text format.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d", rec.Code)
	}
	return rec.Body.String()
}

// wantLines fails unless each line is in the scrape.
func wantLines(t *testing.T, body string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(body, "\n"+l+"\n") {
			t.Errorf("metrics lack %q", l)
		}
	}
}

func TestMetricsCountTypedEvents(t *testing.T) {
	state := queue.NewState()
	read := func(fn func(*queue.State, uint64, string)) { fn(state, 0, eventlog.GenesisHash) }
	m := metrics.New([]string{"general", "estate"}, read, func() int { return 7 })

	body := scrape(t, m)
	wantLines(t, body,
		`hallq_tickets_issued_total{service="general"} 0`,
		`hallq_tickets_issued_total{service="estate"} 0`,
		`hallq_tickets_called_total{reason="fifo"} 0`,
		`hallq_waiting{service="general"} 0`,
		`hallq_ws_subscribers 7`,
		`hallq_log_head_seq 0`)

	evs := []queue.Event{
		{Type: queue.TypeTicketIssued, Data: &queue.TicketIssuedData{Service: "general"}},
		{Type: queue.TypeTicketIssued, Data: &queue.TicketIssuedData{Service: "general"}},
		{Type: queue.TypeTicketIssued, Data: &queue.TicketIssuedData{Service: "estate"}},
		{Type: queue.TypeTicketCalled, Data: &queue.TicketCalledData{Service: "general", Reason: queue.ReasonFIFO}},
		{Type: queue.TypeTicketRecalled, Data: &queue.TicketRecalledData{Reason: queue.ReasonRecall}},
		{Type: queue.TypeTicketCalled, Data: &queue.TicketCalledData{Service: "estate", Reason: queue.ReasonManual}},
	}
	recs := make([]eventlog.Record, len(evs))
	for i := range recs {
		recs[i].Seq = uint64(41 + i)
	}
	m.ObserveEvents(recs, evs)
	m.ObserveCommit(3, len(evs), 2*time.Millisecond)
	wantLines(t, scrape(t, m),
		`hallq_tickets_issued_total{service="general"} 2`,
		`hallq_tickets_issued_total{service="estate"} 1`,
		`hallq_tickets_called_total{reason="fifo"} 1`,
		`hallq_tickets_called_total{reason="recall"} 1`,
		`hallq_tickets_called_total{reason="manual"} 1`,
		`hallq_log_head_seq 46`,
		`hallq_commit_requests_count 1`,
		`hallq_commit_duration_seconds_count 1`)
}

// TestInstrumentLabelsTheInnermostRoute: a request served by a mux inside
// another is counted under the inner route's pattern.
func TestInstrumentLabelsTheInnermostRoute(t *testing.T) {
	m := metrics.New(nil, func(fn func(*queue.State, uint64, string)) { fn(queue.NewState(), 0, "") }, func() int { return 0 })
	inner := http.NewServeMux()
	inner.HandleFunc("POST /api/v1/tickets", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	inner.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	outer := http.NewServeMux()
	outer.Handle("/api/", m.Instrument(inner))
	srv := httptest.NewServer(outer)
	defer srv.Close()
	for _, req := range [][2]string{{"POST", "/api/v1/tickets"}, {"POST", "/api/v1/tickets"}, {"GET", "/api/v1/nothing"}} {
		r, _ := http.NewRequest(req[0], srv.URL+req[1], nil)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	wantLines(t, scrape(t, m),
		`hallq_http_request_duration_seconds_count{code="201",route="POST /api/v1/tickets"} 2`,
		`hallq_http_request_duration_seconds_count{code="404",route="/api/"} 1`)
}
