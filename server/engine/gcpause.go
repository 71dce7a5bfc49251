package engine

import (
	"runtime/debug"
	"sync"
)

// gcPause counts the starts holding the collector back (a process may open
// several engines at once, as tests do); the first saves the setting the
// last restores.
var gcPause struct {
	sync.Mutex
	n       int
	percent int
}

// pauseGC holds the garbage collector back while a start decodes the state,
// and returns the function that lets it go; calling that again does
// nothing. A start allocates a busy day's tickets, their maps and private
// records, little of it garbage: each collection would mark all of it
// again as the heap doubles, some seven times from a few MiB, and its write
// barriers slow the copying of the maps. Held back, the collector runs once,
// after the state is loaded. A memory limit (GOMEMLIMIT) still holds
// meanwhile. The pause must not outlast a bounded amount of work: a start
// that replays a whole log, not a snapshot, lets the collector go first.
func pauseGC() (resume func()) {
	gcPause.Lock()
	defer gcPause.Unlock()
	if gcPause.n == 0 {
		gcPause.percent = debug.SetGCPercent(-1)
	}
	gcPause.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			gcPause.Lock()
			defer gcPause.Unlock()
			if gcPause.n--; gcPause.n == 0 {
				debug.SetGCPercent(gcPause.percent)
			}
		})
	}
}
