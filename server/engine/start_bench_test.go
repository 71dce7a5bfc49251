package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"hallq/server/queue"
	"hallq/server/store"
)

// startBenchTickets is how many tickets the current day of BenchmarkStart's
// hall holds: 20,000 by default, so that one iteration in CI stays short;
// HALLQ_START_TICKETS for a busy day (270,000 is the longest day measured).
// The day is built once per folder and number (see startBenchDir).
func startBenchTickets(b *testing.B) int {
	if v := os.Getenv("HALLQ_START_TICKETS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("HALLQ_START_TICKETS=%q: want a positive number", v)
		}
		return n
	}
	return 20000
}

// startBenchWaiting is how many of the day's tickets wait at its end:
// HALLQ_START_WAITING, a number or "all" (nobody was called all day); 1,000
// by default (the windows kept up).
func startBenchWaiting(b *testing.B, n int) int {
	switch v := os.Getenv("HALLQ_START_WAITING"); v {
	case "":
		return min(1000, n)
	case "all":
		return n
	default:
		w, err := strconv.Atoi(v)
		if err != nil || w < 0 || w > n {
			b.Fatalf("HALLQ_START_WAITING=%q: want all or 0 to %d", v, n)
		}
		return w
	}
}

// startBenchDir is where BenchmarkStart keeps the files of its busy day, so
// that later runs reuse them: HALLQ_START_DIR, or a new temporary folder.
func startBenchDir(b *testing.B) string {
	if d := os.Getenv("HALLQ_START_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
		return d
	}
	return b.TempDir()
}

// startHall is BenchmarkStart's hall: eight services, eight windows for
// each (window w serves service (w-1) mod 8).
func startHall(b *testing.B) *queue.Hall {
	h := &queue.Hall{ID: "bench", NameZH: "基准", NameEN: "Bench", Location: time.UTC}
	for i := range 8 {
		id := fmt.Sprint("s", i)
		h.Services = append(h.Services, queue.Service{ID: id, NameZH: id, NameEN: id, Prefix: string(rune('A' + i)), Digits: 6})
	}
	for w := range 64 {
		h.Windows = append(h.Windows, queue.Window{ID: fmt.Sprint(w + 1), Primary: []string{fmt.Sprint("s", w%8)}})
	}
	if err := h.Validate(); err != nil {
		b.Fatal(err)
	}
	return h
}

// buildBusyDay writes, through the engine and a real store, one service day
// of n tickets issued by 64 concurrent kiosks while eight windows call and
// complete them as they come, until only waiting tickets are left to issue;
// windows then call until waiting tickets wait. It leaves two copies of the file: clean, after the engine
// and the store were closed, and killed, after the writer stopped without the
// snapshot a clean stop writes, as a SIGKILL leaves it once the journal is
// replayed.
func buildBusyDay(b *testing.B, dir string, n, waiting int) (clean, killed string) {
	clean = filepath.Join(dir, fmt.Sprintf("clean-%d-%d.db", n, waiting))
	killed = filepath.Join(dir, fmt.Sprintf("killed-%d-%d.db", n, waiting))
	if _, err := os.Stat(clean); err == nil {
		if _, err := os.Stat(killed); err == nil {
			return clean, killed
		}
	}
	path := filepath.Join(dir, "build.db")
	os.Remove(path)
	os.Remove(path + "-journal")
	st, err := store.Open(path, store.Options{Journal: true, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	var issued atomic.Int64
	day := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	clock := func() time.Time { return day.Add(time.Duration(issued.Load()) * 100 * time.Microsecond) }
	h := startHall(b)
	e, err := Open(st, h, Options{Now: clock, IdentityKey: testIdentityKey})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, w := range h.Windows {
		if _, err := e.Act(ctx, ActInput{Window: w.ID, Staff: "s" + w.ID, Action: ActOpen}); err != nil {
			b.Fatal(err)
		}
	}
	for k := range 64 {
		wg.Go(func() {
			for {
				i := issued.Add(1)
				if i > int64(n) {
					return
				}
				_, err := e.Issue(ctx, IssueInput{Kiosk: fmt.Sprint("k", k), Service: fmt.Sprint("s", k%8), IdempotencyKey: fmt.Sprint(i)})
				if err != nil {
					b.Error(err)
					return
				}
				if i > int64(n-waiting) {
					continue // the line left at the end
				}
				// Kiosk k's window calls after each of its tickets, so the
				// windows keep up; another window of the service may have
				// taken the last waiting ticket.
				w := fmt.Sprint(k + 1)
				if _, err := e.Act(ctx, ActInput{Window: w, Staff: "s" + w, Action: ActCallNext}); err == nil {
					if _, err := e.Act(ctx, ActInput{Window: w, Staff: "s" + w, Action: ActComplete}); err != nil {
						b.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	// The windows call until the line is as long as asked.
	for left := waitingTickets(e); left > waiting; {
		before := left
		for _, w := range h.Windows {
			if _, err := e.Act(ctx, ActInput{Window: w.ID, Staff: "s" + w.ID, Action: ActCallNext}); err == nil {
				if _, err := e.Act(ctx, ActInput{Window: w.ID, Staff: "s" + w.ID, Action: ActComplete}); err != nil {
					b.Fatal(err)
				}
				if left--; left == waiting {
					break
				}
			}
		}
		if left == before {
			b.Fatalf("no window calls while %d tickets wait", left)
		}
	}
	if got := waitingTickets(e); got != waiting {
		b.Fatalf("the day ends with %d tickets waiting, want %d", got, waiting)
	}
	e.halt()
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	copyBench(b, path, killed)
	if st, err = store.Open(path, store.Options{NoSync: true}); err != nil {
		b.Fatal(err)
	}
	if e, err = Open(st, h, Options{Now: clock, IdentityKey: testIdentityKey}); err != nil {
		b.Fatal(err)
	}
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	copyBench(b, path, clean)
	os.Remove(path)
	return clean, killed
}

// waitingTickets returns how many tickets wait in e's committed state.
func waitingTickets(e *Engine) int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	n := 0
	for _, svc := range e.hall.Services {
		n += e.committed.Waiting(svc.ID)
	}
	return n
}

// writeZeros writes a file of n zero bytes, a megabyte at a time: the heap
// of the starts measured after it stays as small as a server's.
func writeZeros(b *testing.B, path string, n int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for ; n > 0; n -= int64(len(buf)) {
		if _, err := f.Write(buf[:min(n, int64(len(buf)))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// copyBench copies the file at src to dst.
func copyBench(b *testing.B, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	// On disk before the start, as a restarted server finds its files: no
	// write-back of the copy runs during the start measured.
	if err := out.Sync(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStart measures a hall's start, store.Open and Open until the
// engine issues, when its current day is busy (startBenchTickets): after a
// clean stop and after the writer was stopped as a SIGKILL stops it. Each op
// is one start of a fresh copy of the file and its journal (synced, and in
// the page cache). The raw
// baseline, in the same run, is store.Open of the same file alone. cpu-ms/op
// is the CPU time of the process per start, which a loaded machine inflates
// less than the wall time.
func BenchmarkStart(b *testing.B) {
	n := startBenchTickets(b)
	waiting := startBenchWaiting(b, n)
	dir := startBenchDir(b)
	clean, killed := buildBusyDay(b, dir, n, waiting)
	h := startHall(b)
	work := filepath.Join(dir, "start.db")
	// The journal a stopped or killed server leaves beside its file once it
	// is replayed: preallocated, synced, holding no frame the file lacks.
	zeros := filepath.Join(dir, "journal-zeros")
	writeZeros(b, zeros, store.DefaultJournalSize)
	for _, c := range []struct {
		name, file string
		engine     bool
	}{
		{"clean", clean, true},
		{"killed", killed, true},
		{"store-only", clean, false},
	} {
		b.Run(fmt.Sprintf("%s/tickets=%d/waiting=%d", c.name, n, waiting), func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				copyBench(b, c.file, work)
				copyBench(b, zeros, work+"-journal")
				b.StartTimer()
				cpu0 := cpuTime(b)
				st, err := store.Open(work, store.Options{Journal: true})
				if err != nil {
					b.Fatal(err)
				}
				var e *Engine
				if c.engine {
					if e, err = Open(st, h, Options{Now: func() time.Time { return time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) }, IdentityKey: testIdentityKey}); err != nil {
						b.Fatal(err)
					}
					if _, err := e.Issue(context.Background(), IssueInput{Kiosk: "k", Service: "s1", IdempotencyKey: "after-start"}); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				cpu += cpuTime(b) - cpu0
				if e != nil {
					e.halt()
				}
				st.Close()
				os.Remove(work)
				os.Remove(work + "-journal")
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime returns the CPU time the process used so far, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
