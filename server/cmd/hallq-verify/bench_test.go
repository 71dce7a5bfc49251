package main

import (
	"bytes"
	"context"
	"io"
	"testing"

	"hallq/server/audit/audittest"
)

// BenchmarkVerify measures hallq-verify over a generated log of 200,000
// events, read from memory; deploy/verify-bench.sh times the built command
// over a 1,000,000-event file.
func BenchmarkVerify(b *testing.B) {
	l, err := audittest.Generate(audittest.Options{Events: 200_000, Seed: 3, Checkpoint: 1000, Key: audittest.Key(1)})
	if err != nil {
		b.Fatal(err)
	}
	var log bytes.Buffer
	for _, r := range l.Raws {
		log.Write(r)
		log.WriteByte('\n')
	}
	b.SetBytes(int64(log.Len()))
	b.ResetTimer()
	for range b.N {
		if code := run(context.Background(), []string{"-json", "-"}, bytes.NewReader(log.Bytes()), io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(l.Raws)), "ns/event")
}
