// Command hallq-yearbench measures what a long history costs a hall server.
// It builds a data directory holding -days service days of a busy hall
// (-events-per-day events of every kind, made by the same queue commands the
// server runs and written through the store, with full JSON projection
// snapshots every max(5000 events, four times the day's tickets), which the
// engine still reads; its own are binary deltas, written from the first
// start on), the last of them yesterday, each day before it archived as the
// server archives it once the next is sealed, and a fresh
// hall holding that one day only. It then runs the server binary (-server)
// on each and reports:
//
//   - start-up: the time from exec to /healthz answering and to a first
//     ticket issued, after a clean stop (SIGTERM) and after a SIGKILL that
//     cut a burst of ticket issues;
//   - resident memory (VmRSS) right after start, for the history and the
//     fresh hall;
//   - the size of the live database, its journal and the day archives;
//   - the time to stream one past day from /log.jsonl?date=.
//
// deploy/year-bench.sh builds the server and runs it; README's figures come
// from it. The build writes without fsync (a benchmark's data set); the
// server then runs as in a hall.
//
//	hallq-yearbench -server bin/hallq-server -days 365 -events-per-day 50000
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"hallq/server/audit/audittest"
	"hallq/server/eventlog"
	"hallq/server/queue"
	"hallq/server/store"
)

func main() {
	days := flag.Int("days", 30, "service days of history")
	perDay := flag.Int("events-per-day", 50000, "events in each service day (about)")
	server := flag.String("server", "bin/hallq-server", "the hall server binary")
	dir := flag.String("dir", "", "where to build the halls (kept); empty uses a temporary directory, removed at the end")
	reuse := flag.Bool("reuse", false, "measure the halls already built in -dir instead of building them")
	buildOnly := flag.Bool("build-only", false, "build the halls in -dir and stop")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the build to this file")
	flag.Parse()
	log.SetFlags(0)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	root := *dir
	if root == "" {
		var err error
		if root, err = os.MkdirTemp("", "hallq-yearbench-"); err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(root)
	}
	history, fresh := filepath.Join(root, "history"), filepath.Join(root, "fresh")
	if !*reuse {
		for _, h := range []struct {
			dir  string
			days int
		}{{fresh, 1}, {history, *days}} {
			if _, err := os.Stat(filepath.Join(h.dir, "hallq.toml")); err == nil {
				continue // built by an earlier run
			}
			start := time.Now()
			n, err := build(h.dir, h.days, *perDay)
			if err != nil {
				log.Fatalf("build %s: %v", h.dir, err)
			}
			fmt.Printf("built %s: %d days, %d events in %s\n", h.dir, h.days, n, time.Since(start).Round(time.Millisecond))
		}
	}
	if *buildOnly {
		return
	}
	freshRSS, err := measure(*server, fresh, false)
	if err != nil {
		log.Fatalf("fresh hall: %v", err)
	}
	histRSS, err := measure(*server, history, true)
	if err != nil {
		log.Fatalf("history: %v", err)
	}
	fmt.Printf("RSS after start: history %.1f MiB, fresh hall %.1f MiB (%.2f×)\n",
		float64(histRSS)/(1<<20), float64(freshRSS)/(1<<20), float64(histRSS)/float64(freshRSS))
}

// maxWaiting bounds the generated waiting line: a busy hall's windows keep up.
const maxWaiting = 100

// build writes a hall of days service days, perDay events each, the last of
// them yesterday, into dir (which must not hold one yet), and its
// configuration. It returns the number of events.
func build(dir string, days, perDay int) (int, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	if err := writeConfig(dir); err != nil {
		return 0, err
	}
	st, err := store.Open(filepath.Join(dir, "hallq.db"), store.Options{NoSync: true})
	if err != nil {
		return 0, err
	}
	defer st.Close()
	if seq, _ := st.Head(); seq != 0 {
		return 0, fmt.Errorf("%s holds a hall already (use -reuse)", dir)
	}
	y, m, d := time.Now().UTC().AddDate(0, 0, -days).Date()
	var batch []eventlog.Record
	since, n := 0, 0
	flush := func(snapshot []byte, at uint64) error {
		if len(batch) == 0 && snapshot == nil {
			return nil
		}
		err := st.Commit(&store.Batch{Records: batch, Snapshot: snapshot, SnapshotSeq: at})
		batch = nil
		return err
	}
	_, err = audittest.Generate(audittest.Options{
		Events:       days * perDay,
		EventsPerDay: perDay,
		MaxWaiting:   maxWaiting,
		Seed:         uint64(days),
		Checkpoint:   1000,
		Key:          audittest.Key(7),
		Start:        time.Date(y, m, d, 8, 0, 0, 0, time.UTC),
		Emit: func(rec eventlog.Record, s *queue.State) error {
			batch = append(batch, rec)
			n++
			since++
			// Full snapshots at least 5000 events and four times the day's
			// tickets apart, as the engine spaced them before its deltas.
			if rec.Type == queue.TypeDaySealed {
				// The server archives the days before it once a day is
				// sealed; so does the build, and the file keeps one day.
				if err := flush(nil, 0); err != nil {
					return err
				}
				if _, err := st.ArchiveDays(context.Background(), time.UTC); err != nil {
					return err
				}
			}
			if since >= max(5000, 4*len(s.Tickets)) {
				data, err := json.Marshal(s)
				if err != nil {
					return err
				}
				since = 0
				return flush(data, rec.Seq)
			}
			if len(batch) >= 2000 {
				return flush(nil, 0)
			}
			return nil
		},
	})
	if err != nil {
		return n, err
	}
	return n, flush(nil, 0)
}

// dirSize returns the bytes of the files under path (0 when it does not
// exist).
func dirSize(path string) int64 {
	var n int64
	filepath.Walk(path, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// mib formats bytes in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// drain reads r to the end and returns how many bytes it held.
func drain(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }
