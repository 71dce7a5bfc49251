package main

import (
	"bufio"
	"flag"
	"os"
	"testing"

	"hallq/server/audit/audittest"
)

var writeLogTo = flag.String("write-log", "", "write a generated log of -events events to this file (for deploy/verify-bench.sh)")
var writeEvents = flag.Int("events", 1_000_000, "events of the log -write-log writes")

// TestWriteLog writes the generated log that deploy/verify-bench.sh times
// hallq-verify over. It does nothing unless -write-log is given.
func TestWriteLog(t *testing.T) {
	if *writeLogTo == "" {
		t.Skip("no -write-log file")
	}
	l, err := audittest.Generate(audittest.Options{Events: *writeEvents, Seed: 3, Checkpoint: 1000, Key: audittest.Key(1)})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(*writeLogTo)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, r := range l.Raws {
		w.Write(r)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events written to %s", len(l.Raws), *writeLogTo)
}
