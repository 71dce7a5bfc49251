package stats_test

import (
	"bytes"
	"encoding/json"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"hallq/server/eventlog"
	"hallq/server/queue"
	"hallq/server/stats"
	"hallq/server/stats/statstest"
)

// generated returns a generated log of about n events of 2026, as records and
// as JSON Lines.
func generated(t testing.TB, n int) ([]eventlog.Record, []byte) {
	t.Helper()
	var recs []eventlog.Record
	var buf bytes.Buffer
	err := statstest.Log(2026, n, 7, func(r eventlog.Record) error {
		recs = append(recs, r)
		buf.Write(r.Raw)
		buf.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs, buf.Bytes()
}

func fold(t testing.TB, recs []eventlog.Record) *stats.Stats {
	t.Helper()
	s := stats.New()
	for _, r := range recs {
		if err := s.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func compare(t *testing.T, what string, row stats.Row, f *statstest.Figures) {
	t.Helper()
	if f == nil {
		f = &statstest.Figures{Calls: map[string]int{}}
	}
	got := []int{row.Issued, row.Appointments, row.Called, row.Served, row.NoShows, row.Cancelled,
		row.Wait.P50, row.Wait.P90, row.Wait.Max, row.Service.P50, row.Service.P90}
	want := []int{f.Issued, f.Appointments, f.Called, f.Served, f.NoShows, f.Cancelled,
		f.WaitP50, f.WaitP90, f.WaitMax, f.ServiceP50, f.ServiceP90}
	if !slicesEqual(got, want) {
		t.Errorf("%s: got issued, appointments, called, served, no-shows, cancelled, wait p50 p90 max, service p50 p90 %v, tally %v", what, got, want)
	}
	for i, r := range stats.Reasons {
		if row.Calls[i] != f.Calls[r] {
			t.Errorf("%s: calls %s: got %d, tally %d", what, r, row.Calls[i], f.Calls[r])
		}
	}
	for i, l := range queue.RatingLevels {
		if row.Ratings[i] != f.Ratings[l] {
			t.Errorf("%s: ratings %s: got %d, tally %d", what, l, row.Ratings[i], f.Ratings[l])
		}
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReportEqualsTally compares the folded figures of a year, a month and a
// day with an independent recount of the same log.
func TestReportEqualsTally(t *testing.T) {
	recs, jsonl := generated(t, 20000)
	s := fold(t, recs)
	for _, p := range []stats.Period{"2026", "2026-02", "2026-03-15"} {
		rep := s.Report(p)
		tally, err := statstest.Tally(bytes.NewReader(jsonl), string(p))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Total.Issued == 0 {
			t.Fatalf("%s: no tickets in the period", p)
		}
		compare(t, string(p), rep.Total, tally[""])
		for _, row := range rep.Services {
			compare(t, string(p)+" service "+row.Key, row, tally["service:"+row.Key])
		}
		for _, row := range rep.Windows {
			compare(t, string(p)+" window "+row.Key, row, tally["window:"+row.Key])
		}
		if got, want := len(rep.Services)+len(rep.Windows)+1, len(tally); got != want {
			t.Errorf("%s: %d rows, tally has %d", p, got, want)
		}
		if rep.Total.RatingsTotal() == 0 {
			t.Errorf("%s: no ratings in the period", p)
		}
		fb, err := statstest.TallyFeedback(bytes.NewReader(jsonl), string(p))
		if err != nil {
			t.Fatal(err)
		}
		if p == "2026" && (fb.CasesOpened == 0 || fb.CasesClosed == 0 || fb.Answered == 0) {
			t.Errorf("%s: the generated year has no cases or answered complaints: %+v", p, fb)
		}
		got := rep.Feedback
		if got.CasesOpened != fb.CasesOpened || got.CasesClosed != fb.CasesClosed || got.CasesOnTime != fb.CasesOnTime ||
			got.Complaints != fb.Complaints || got.Answered != fb.Answered {
			t.Errorf("%s: follow-up and complaints: got %+v, tally %+v", p, got, fb)
		}
		if n := len(fb.AnswerSeconds); n > 0 {
			want := stats.Dist{N: n, P50: fb.AnswerSeconds[(50*n+99)/100-1], P90: fb.AnswerSeconds[(90*n+99)/100-1], Max: fb.AnswerSeconds[n-1]}
			if got.AnswerTime != want {
				t.Errorf("%s: answer time: got %+v, tally %+v", p, got.AnswerTime, want)
			}
		}
		hours := 0
		for _, h := range rep.Hours {
			hours += h.Issued
		}
		if hours != rep.Total.Issued {
			t.Errorf("%s: hours sum to %d issued, total %d", p, hours, rep.Total.Issued)
		}
	}
}

// TestIncremental folds a log in two parts, with a report between them, and
// gets the figures of one fold; a gap is refused.
func TestIncremental(t *testing.T) {
	recs, _ := generated(t, 5000)
	whole := fold(t, recs).Report("2026")
	s := fold(t, recs[:len(recs)/2])
	s.Report("2026")
	for _, r := range recs[len(recs)/2-10:] { // some again: ignored
		if err := s.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	got := s.Report("2026")
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(whole)
	if !bytes.Equal(gj, wj) {
		t.Errorf("folded in two parts:\n%s\nat once:\n%s", gj, wj)
	}
	if err := stats.New().Add(recs[2]); err == nil {
		t.Error("an event after a gap was folded")
	}
}

// TestDefinitions folds a hand-made day: a transfer, a reinstated no-show,
// a recall, a cancel and an appointment.
func TestDefinitions(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	at := func(hm string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", "2026-11-23 "+hm, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	chain, _ := eventlog.NewChain(0, eventlog.GenesisHash)
	s := stats.New()
	add := func(typ, hm string, data any) {
		b, _ := json.Marshal(data)
		r, err := chain.Next(typ, at(hm), b)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	day := "2026-11-23"
	add(queue.TypeTicketIssued, "09:00:00", queue.TicketIssuedData{Ticket: "a", Number: "A001", Service: "general", Day: day, IssuedAt: at("09:00:00")})
	add(queue.TypeTicketIssued, "09:10:00", queue.TicketIssuedData{Ticket: "b", Number: "A002", Service: "general", Day: day, IssuedAt: at("09:10:00"), Appointment: "bk"})
	add(queue.TypeTicketIssued, "10:00:00", queue.TicketIssuedData{Ticket: "c", Number: "A003", Service: "general", Day: day, IssuedAt: at("10:00:00")})
	add(queue.TypeTicketCalled, "09:05:30", queue.TicketCalledData{Ticket: "a", Service: "general", Window: "w1", Reason: "fifo"})
	add(queue.TypeTicketRecalled, "09:06:00", queue.TicketRecalledData{Ticket: "a", Window: "w1", Reason: "recall"})
	add(queue.TypeTicketTransferred, "09:08:00", queue.TicketTransferredData{Ticket: "a", Window: "w1", From: "general", To: "tax"})
	add(queue.TypeTicketCalled, "09:20:00", queue.TicketCalledData{Ticket: "a", Service: "tax", Window: "w3", Reason: "transfer"})
	add(queue.TypeTicketCompleted, "09:23:00", queue.TicketDoneData{Ticket: "a", Window: "w3"})
	add(queue.TypeTicketCalled, "09:12:00.900", queue.TicketCalledData{Ticket: "b", Service: "general", Window: "w1", Reason: "appointment"})
	add(queue.TypeTicketNoShow, "09:14:00", queue.TicketDoneData{Ticket: "b", Window: "w1"})
	add(queue.TypeTicketReinstated, "09:30:00", queue.TicketReinstatedData{Ticket: "b", Window: "w1"})
	add(queue.TypeTicketCalled, "09:40:00", queue.TicketCalledData{Ticket: "b", Service: "general", Window: "w2", Reason: "fifo"})
	add(queue.TypeTicketCompleted, "09:50:00", queue.TicketDoneData{Ticket: "b", Window: "w2"})
	add(queue.TypeTicketCancelled, "10:01:00", queue.TicketCancelledData{Ticket: "c", By: "applicant"})
	add(queue.TypeDaySealed, "20:00:00", queue.DaySealedData{Day: day})

	rep := s.Report("2026-11-23")
	tot := rep.Total
	if tot.Issued != 3 || tot.Appointments != 1 || tot.Called != 4 || tot.Served != 2 || tot.NoShows != 1 ||
		tot.Cancelled != 1 || tot.Reinstated != 1 || tot.Transferred != 1 {
		t.Errorf("total counts %+v", tot.Counts)
	}
	// Waits: a 330 s (first call only), b 120 s (09:12:00.900 - 09:10 → 120 s).
	if tot.Wait != (stats.Dist{N: 2, P50: 120, P90: 330, Max: 330}) {
		t.Errorf("wait %+v", tot.Wait)
	}
	// Service: a 180 s from its last call, b 600 s.
	if tot.Service != (stats.Dist{N: 2, P50: 180, P90: 600, Max: 600}) {
		t.Errorf("service time %+v", tot.Service)
	}
	want := map[string][4]int{ // called, served, no-shows, transferred
		"w1": {2, 0, 1, 1}, "w2": {1, 1, 0, 0}, "w3": {1, 1, 0, 0},
	}
	for _, w := range rep.Windows {
		c := want[w.Key]
		if got := [4]int{w.Called, w.Served, w.NoShows, w.Transferred}; got != c {
			t.Errorf("window %s: called, served, no-shows, transferred %v, want %v", w.Key, got, c)
		}
	}
	if rep.Services[1].Key != "tax" || rep.Services[1].Served != 1 || rep.Services[0].Transferred != 1 {
		t.Errorf("services %+v", rep.Services)
	}
	if c := tot.Calls; c[0] != 2 || c[2] != 1 || c[3] != 1 || c[4] != 1 {
		t.Errorf("calls by reason %v", c)
	}
	if len(rep.Busiest) != 2 || rep.Busiest[0] != 9 || rep.Busiest[1] != 10 {
		t.Errorf("busiest hours %v", rep.Busiest)
	}
	for _, p := range []string{"2026", "2026-11", "2026-11-23"} {
		if _, err := stats.ParsePeriod(p); err != nil {
			t.Error(err)
		}
	}
	for _, p := range []string{"", "26", "2026-13", "2026-11-31", "2026-1-1", "../x"} {
		if _, err := stats.ParsePeriod(p); err == nil {
			t.Errorf("period %q accepted", p)
		}
	}
}

// benchEvents sizes the benchmarks' log: HALLQ_STATS_EVENTS events (default
// 20000, so that one iteration in CI stays short; README reports 2000000).
func benchEvents(b *testing.B) int {
	if v := os.Getenv("HALLQ_STATS_EVENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("HALLQ_STATS_EVENTS: %v", err)
		}
		return n
	}
	return 20000
}

// BenchmarkYear measures the figures of a year of a busy hall: a report from
// the folded aggregates, against a recount of the whole log (what each request
// would cost without them) in the same run. The fold itself and the memory
// the aggregates take are reported once.
func BenchmarkYear(b *testing.B) {
	recs, jsonl := generated(b, benchEvents(b))
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start := time.Now()
	s := fold(b, recs)
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	runtime.KeepAlive(recs) // not freed between the two readings
	b.Logf("%d events folded in %v; aggregates hold %.1f MB", len(recs), took, float64(m1.HeapAlloc-m0.HeapAlloc)/1e6)
	b.Run("report", func(b *testing.B) {
		for b.Loop() {
			if s.Report("2026").Total.Issued == 0 {
				b.Fatal("no tickets")
			}
		}
	})
	b.Run("recount", func(b *testing.B) {
		for b.Loop() {
			if _, err := statstest.Tally(bytes.NewReader(jsonl), "2026"); err != nil {
				b.Fatal(err)
			}
		}
	})
	runtime.KeepAlive(s)
}

// TestLotteryBookings counts a draw's winners as bookings made when the draw
// is written, and a withdrawn application as no cancelled booking.
func TestLotteryBookings(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, loc)
	chain, _ := eventlog.NewChain(0, eventlog.GenesisHash)
	s := stats.New()
	add := func(typ string, data any) {
		b, _ := json.Marshal(data)
		r, err := chain.Next(typ, at, b)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Add(r); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Minute)
	}
	slot := "exit-entry-20261130-0830"
	for _, id := range []string{"a", "b", "c"} {
		add(queue.TypeApptApplied, queue.ApptAppliedData{Booking: id, Service: "exit-entry", Slot: slot})
	}
	add(queue.TypeApptCancelled, queue.ApptCancelledData{Booking: "c", Slot: slot, By: "applicant"}) // withdrawn
	add(queue.TypeApptDrawClosed, queue.ApptDrawClosedData{Service: "exit-entry", Day: "2026-11-30", Applications: 2})
	add(queue.TypeApptDrawn, queue.ApptDrawnData{Service: "exit-entry", Day: "2026-11-30", Slots: []queue.DrawnSlot{{Slot: slot, Places: 1, Applications: 2, Winners: []string{"a"}}}})
	add(queue.TypeApptBooked, queue.ApptBookedData{Booking: "d", Service: "exit-entry", Slot: slot})
	add(queue.TypeApptCancelled, queue.ApptCancelledData{Booking: "a", Slot: slot, By: "applicant"}) // a won, then cancelled
	rep := s.Report("2026-11-23")
	if rep.Booked != 2 || rep.BookingsCancelled != 1 {
		t.Errorf("booked %d, cancelled %d; want 2 (a drawn, d first come) and 1 (a; c was an application withdrawn)", rep.Booked, rep.BookingsCancelled)
	}
}
