package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"hallq/server/queue"
	"hallq/server/store"
)

// stampedeID returns the n-th of a series of distinct valid resident ID numbers.
func stampedeID(n int) string {
	body := fmt.Sprintf("1101051990%07d", n)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

// BenchmarkBookingStampede measures a release stampede: 10,000 distinct
// identities ask at once for the 500 places of one slot, through the real store
// (fsync on) and domain. Each op is one stampede. Exactly 500 must be admitted
// and the slot must hold 500 bookings. It reports the p99 latency of admitted
// and of refused requests, and the ratio of the admitted p99 to the time per
// ticket of issuing, as BenchmarkIssueTicket issues (64 kiosks at once, the
// same store), measured over issueSample tickets right after each stampede.
func BenchmarkBookingStampede(b *testing.B) { stampede(b) }

// issueSample is how many tickets the stampede benchmark issues to measure the
// time per ticket it compares with.
const issueSample = 6400

// timeIssue returns the time per ticket of issuing n tickets from 64
// goroutines at once on a fresh engine, as BenchmarkIssueTicket does.
func timeIssue(b *testing.B, n int) time.Duration {
	h := &queue.Hall{ID: "bench", NameZH: "基准", NameEN: "Bench", Location: time.UTC}
	for i := range 8 {
		id := fmt.Sprint("s", i)
		h.Services = append(h.Services, queue.Service{ID: id, NameZH: id, NameEN: id, Prefix: string(rune('A' + i)), Digits: 6})
	}
	h.Windows = []queue.Window{{ID: "1", Primary: []string{"s0"}}}
	if err := h.Validate(); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(filepath.Join(b.TempDir(), "issue.db"), store.Options{Journal: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	clock := func() time.Time { return time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC) }
	e, err := Open(st, h, Options{Now: clock, IdentityKey: testIdentityKey})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	const kiosks = 64
	var wg sync.WaitGroup
	start := time.Now()
	for k := range kiosks {
		wg.Go(func() {
			for i := k; i < n; i += kiosks {
				if _, err := e.Issue(context.Background(), IssueInput{Kiosk: "k", Service: fmt.Sprint("s", i%8), IdempotencyKey: fmt.Sprint(i)}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start) / time.Duration(n)
}

func stampede(b *testing.B) {
	const people, places = 10000, 500
	h := testHall(b)
	h.Services = append(h.Services, queue.Service{ID: "permit", NameZH: "证照", NameEN: "Permits", Prefix: "C",
		Appointments: &queue.Appointments{Prefix: "Y", Capacity: places, DaysAhead: 1, ReleaseAt: 8 * time.Hour,
			Hours: []queue.Hours{{Open: 9 * time.Hour, Close: 9*time.Hour + 30*time.Minute}}}})
	if err := h.Validate(); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, people)
	for i := range ids {
		ids[i] = stampedeID(i)
	}
	clock := func() time.Time { return time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC) }
	var admitted, refused []time.Duration
	var issueTime time.Duration
	for range b.N {
		b.StopTimer()
		st, err := store.Open(filepath.Join(b.TempDir(), "stampede.db"), store.Options{Journal: true})
		if err != nil {
			b.Fatal(err)
		}
		e, err := Open(st, h, Options{Now: clock, IdentityKey: testIdentityKey})
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Tick(context.Background()); err != nil {
			b.Fatal(err)
		}
		gate := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ok, full, other int
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				t0 := time.Now()
				_, err := e.Book(context.Background(), BookInput{Service: "permit", Slot: "permit-20261124-0900", DocNumber: id})
				d := time.Since(t0)
				mu.Lock()
				defer mu.Unlock()
				switch queue.ErrorCode(err) {
				case "":
					ok++
					admitted = append(admitted, d)
				case queue.EFULL:
					full++
					refused = append(refused, d)
				default:
					other++
				}
			}()
		}
		b.StartTimer()
		close(gate)
		wg.Wait()
		b.StopTimer()
		slots, _ := e.Slots("permit", "2026-11-24")
		if ok != places || full != people-places || other != 0 || slots.Slots[0].Booked != places {
			b.Fatalf("%d admitted, %d refused as full, %d other errors, %d booked: want exactly %d admitted", ok, full, other, slots.Slots[0].Booked, places)
		}
		e.Close()
		st.Close()
		issueTime += timeIssue(b, issueSample)
	}
	p99 := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)*99/100]) / 1e6
	}
	pa, pr := p99(admitted), p99(refused)
	b.ReportMetric(pa, "admitted-p99-ms")
	b.ReportMetric(pr, "refused-p99-ms")
	b.ReportMetric(0, "overbooked")
	perTicket := float64(issueTime) / float64(b.N) / 1e6
	b.ReportMetric(perTicket*1000, "issue-µs/ticket")
	b.ReportMetric(pa/perTicket, "admitted-p99/issue")
}
