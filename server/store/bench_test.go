package store

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// ticketData is the data of a typical ticket.issued event; published, it
// is about 320 bytes.
var ticketData = json.RawMessage(`{"ticket":"A001","service":"A","service_name":"户籍办理","day":"2026-11-22","kiosk":"kiosk-1","priority":"none","ahead":12,"identity":true}`)

// benchAppend runs Updates of perUpdate ticket.issued Appends each, with
// fsync on, and reports the cost per event.
func benchAppend(b *testing.B, perUpdate int) {
	s, err := Open(filepath.Join(b.TempDir(), "hall.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 11, 22, 1, 44, 10, 0, time.UTC)
	var size int
	b.ReportAllocs()
	for b.Loop() {
		err := s.Update(func(tx *Tx) error {
			for range perUpdate {
				r, err := tx.Append("ticket.issued", at, ticketData)
				if err != nil {
					return err
				}
				size = len(r.Raw)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(size * perUpdate))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perUpdate), "ns/event")
}

// BenchmarkAppendBatch is Store.Update with 64 Appends per op: the group
// commit of 64 concurrent commands.
func BenchmarkAppendBatch(b *testing.B) { benchAppend(b, 64) }

// BenchmarkAppendSingle is Store.Update with one Append per op, to compare
// with BenchmarkBoltUpdateBaseline.
func BenchmarkAppendSingle(b *testing.B) { benchAppend(b, 1) }

// BenchmarkAppendNoSync measures the CPU cost of Append without the disk:
// 64 Appends per Update, fsync off.
func BenchmarkAppendNoSync(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "hall.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 11, 22, 1, 44, 10, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		err := s.Update(func(tx *Tx) error {
			for range 64 {
				if _, err := tx.Append("ticket.issued", at, ticketData); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*64), "ns/event")
}

// BenchmarkVerify measures verifying the chain, which Open does for the
// events after the latest snapshot.
func BenchmarkVerify(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "hall.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 10000 // a busy hall's day
	at := time.Date(2026, 11, 22, 1, 44, 10, 0, time.UTC)
	err = s.Update(func(tx *Tx) error {
		for i := range n {
			if _, err := tx.Append("ticket.issued", at, json.RawMessage(fmt.Sprintf(`{"ticket":"A%04d","service":"A"}`, i))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Verify(0, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
}
