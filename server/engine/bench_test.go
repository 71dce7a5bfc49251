package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"hallq/server/eventlog"
	"hallq/server/queue"
	"hallq/server/store"

	bolt "go.etcd.io/bbolt"
)

// ticketsPerDay is how many tickets a busy hall issues in a day; the benchmark's
// clock moves to the next service day after each such number, so that the state
// holds one day's tickets as in a hall, and day rolls are part of the cost.
const ticketsPerDay = 10000

// BenchmarkIssueTicket measures durable ticket issue through the real store and
// domain: 64 concurrent kiosk requests, fsync on, group commit. Compare its ns/op
// with BenchmarkBoltUpdateBaseline's, measured right after it in the same run.
func BenchmarkIssueTicket(b *testing.B) {
	h := &queue.Hall{ID: "bench", NameZH: "基准", NameEN: "Bench", Location: time.UTC}
	for i := range 8 {
		id := fmt.Sprint("s", i)
		h.Services = append(h.Services, queue.Service{ID: id, NameZH: id, NameEN: id, Prefix: string(rune('A' + i)), Digits: 6})
	}
	h.Windows = []queue.Window{{ID: "1", Primary: []string{"s0"}}}
	if err := h.Validate(); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{Journal: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var batches, events, commitNanos atomic.Int64
	var n atomic.Int64
	start := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		issued := n.Load()
		return start.Add(time.Duration(issued/ticketsPerDay)*24*time.Hour + time.Duration(issued)*time.Millisecond)
	}
	e, err := Open(st, h, Options{Now: clock, IdentityKey: testIdentityKey, OnCommit: func(req, ev int, d time.Duration) {
		batches.Add(1)
		events.Add(int64(ev))
		commitNanos.Add(int64(d))
	}})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			_, err := e.Issue(context.Background(), IssueInput{
				Kiosk: "k", Service: fmt.Sprint("s", i%8), IdempotencyKey: fmt.Sprint(i)})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if c := batches.Load(); c > 0 {
		b.ReportMetric(float64(events.Load())/float64(c), "events/commit")
		b.ReportMetric(float64(commitNanos.Load())/float64(c)/1e6, "ms/commit")
	}
}

// BenchmarkBoltUpdateBaseline is the raw baseline for BenchmarkIssueTicket: one
// plain bbolt Update with one Put per op, of the size of a published
// ticket.issued event, one goroutine, fsync on, bbolt's default settings.
func BenchmarkBoltUpdateBaseline(b *testing.B) {
	// The size of the events BenchmarkIssueTicket stores.
	chain, err := eventlog.NewChain(0, eventlog.GenesisHash)
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	d := &queue.TicketIssuedData{Ticket: "20261123-A012345", Number: "A012345", Service: "s0", Day: "2026-11-23", Kiosk: "k", IssuedAt: at}
	rec, err := chain.Next(queue.TypeTicketIssued, at, d.AppendJSON(nil))
	if err != nil {
		b.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(b.TempDir(), "baseline.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bucket := []byte("events")
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucket); return err }); err != nil {
		b.Fatal(err)
	}
	value := rec.Raw
	b.SetBytes(int64(len(value)))
	var seq uint64
	for b.Loop() {
		seq++
		err := db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucket).Put(binary.BigEndian.AppendUint64(nil, seq), value)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
