package engine

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"testing"
)

// gcPercent returns the collector's setting without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// TestPauseGCNested: starts that overlap hold the collector back until the
// last lets it go, a second call of a resume changes nothing, and the
// setting from before comes back.
func TestPauseGCNested(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(77))
	r1 := pauseGC()
	r2 := pauseGC()
	if p := gcPercent(); p != -1 {
		t.Fatalf("paused twice: GC percent %d, want -1", p)
	}
	r1()
	r1()
	if p := gcPercent(); p != -1 {
		t.Fatalf("one of two resumed (twice): GC percent %d, want -1", p)
	}
	r2()
	if p := gcPercent(); p != 77 {
		t.Fatalf("both resumed: GC percent %d, want 77", p)
	}
	r2()
	if p := gcPercent(); p != 77 {
		t.Fatalf("resumed again: GC percent %d, want 77", p)
	}
}

// TestOpenLetsGCGo: a start, with a snapshot and without, leaves the
// collector as it found it.
func TestOpenLetsGCGo(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(91))
	f := newFixture(t)
	for i := range 20 {
		f.issue("general", fmt.Sprint(i))
	}
	f.close() // a snapshot at the stop
	f.open()
	if p := gcPercent(); p != 91 {
		t.Fatalf("after a start from a snapshot: GC percent %d, want 91", p)
	}
	f.e.halt() // as a SIGKILL: no snapshot at the stop
	f.e = nil
	f.close()
	f.open()
	if p := gcPercent(); p != 91 {
		t.Fatalf("after a start after a kill: GC percent %d, want 91", p)
	}
}

// TestLoadLetsGCGoForLongReplay: a start that replays more events than a
// snapshot is ever behind the head lets the collector go before it does;
// one from the snapshot at the head does not.
func TestLoadLetsGCGoForLongReplay(t *testing.T) {
	f := newFixture(t)
	f.opts = func(o *Options) { o.SnapshotEvery = 1 << 20 }
	f.close()
	f.open()
	for i := range 30 {
		f.issue("general", fmt.Sprint(i))
	}
	f.e.halt() // no snapshot since the start
	f.e = nil
	f.close()
	f.open()
	load := func() bool {
		e := &Engine{store: f.st, opts: Options{SnapshotEvery: 5}, log: slog.New(slog.DiscardHandler)}
		resumed := false
		if _, _, err := e.load(func() { resumed = true }); err != nil {
			t.Fatal(err)
		}
		if e.ahead != nil {
			<-e.ahead.done
		}
		return resumed
	}
	if !load() {
		t.Error("a replay of 30 events with snapshots every 5: the collector was held back")
	}
	f.close() // a snapshot at the head
	f.open()
	if load() {
		t.Error("a start from the snapshot at the head let the collector go")
	}
}
