package store

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// openBenchEvents is how many events BenchmarkOpen's file holds: 100,000 by
// default (about 40 MB), HALLQ_OPEN_EVENTS for a longer log.
func openBenchEvents(b *testing.B) int {
	if v := os.Getenv("HALLQ_OPEN_EVENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("HALLQ_OPEN_EVENTS: %v", err)
		}
		return n
	}
	return 100000
}

// copyFile copies the file at src to dst.
func copyFile(b *testing.B, src, dst string) {
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
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkOpen measures Open and Close of a store holding a long log (and
// snapshots, whose pruning frees pages), with bbolt's freelist rebuilt by
// scanning the file at open and with the freelist written at each commit.
// The files are in the page cache: a cold start reads more from disk in the
// scan.
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "hall.db")
	s, err := Open(path, Options{NoSync: true, scanFreelist: true})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 22, 1, 44, 10, 0, time.UTC)
	snapshot := make([]byte, 1<<20)
	for n := openBenchEvents(b); n > 0; n -= 5000 {
		err := s.Update(func(tx *Tx) error {
			for range min(n, 5000) {
				if _, err := tx.Append("ticket.issued", at, ticketData); err != nil {
					return err
				}
			}
			seq, _ := tx.Head()
			return tx.PutSnapshot(seq, snapshot)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	synced := filepath.Join(dir, "synced.db")
	copyFile(b, path, synced)
	if s, err = Open(synced, Options{NoSync: true, scanFreelist: false}); err != nil {
		b.Fatal(err)
	}
	s.Close()
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		path string
		sync bool
	}{{"freelist-scan", path, false}, {"freelist-synced", synced, true}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				s, err := Open(c.path, Options{NoSync: true, scanFreelist: !c.sync})
				if err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
			b.ReportMetric(float64(st.Size())/(1<<20), "MiB")
		})
	}
}
