package city_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"hallq/server/audit/audittest"
	"hallq/server/city"
	"hallq/server/eventlog"
	"hallq/server/federation"
)

// memLog is a simulated hall's log: events committed one by one from a
// generated log, as the hall's engine would.
type memLog struct {
	mu   sync.Mutex
	recs []eventlog.Record
	head uint64
}

func (m *memLog) EventsAfter(after uint64, limit int) ([]eventlog.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	end := min(m.head, after+uint64(limit))
	if after >= end {
		return nil, nil
	}
	return m.recs[after:end], nil
}

func (m *memLog) Event(seq uint64) (eventlog.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if seq == 0 || seq > m.head {
		return eventlog.Record{}, fmt.Errorf("no event %d", seq)
	}
	return m.recs[seq-1], nil
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

var benchRun atomic.Int64

// BenchmarkCity runs simulated halls (HALLQ_CITY_HALLS, default 10), each
// committing HALLQ_CITY_EVENTS events (default 20) of a busy hall's day at
// HALLQ_CITY_RATE events a second (default 5, a busy hall's peak), through
// the 3-node cluster (replicas 3) to one portal that verifies and folds every
// event. It reports the lag from a hall's commit to the portal's page data
// (p50, p99) and how many events a second a fresh portal reads when it
// catches up with all the streams at once. Each hall's first event goes
// out before the clock starts, so that the lag is a running hall's, not
// its first connection's. The full run:
//
//	HALLQ_CITY_HALLS=100 HALLQ_CITY_EVENTS=300 go test -run '^$' -bench City -benchtime 1x ./server/city/
func BenchmarkCity(b *testing.B) {
	halls, events, rate := envInt("HALLQ_CITY_HALLS", 10), envInt("HALLQ_CITY_EVENTS", 20), envInt("HALLQ_CITY_RATE", 5)
	logs := make([][]eventlog.Record, halls)
	for i := range halls {
		l, err := audittest.Generate(audittest.Options{Events: events, Seed: uint64(i + 1), Checkpoint: 100, Key: audittest.Key(byte(i))})
		if err != nil {
			b.Fatal(err)
		}
		for _, raw := range l.Raws[:events] {
			r, err := eventlog.Parse(raw)
			if err != nil {
				b.Fatal(err)
			}
			logs[i] = append(logs[i], r)
		}
	}
	urls := strings.Split(cluster.URLs(), ",")
	for b.Loop() {
		prefix := fmt.Sprintf("bench%d", benchRun.Add(1))
		var mu sync.Mutex
		committed := make([][]time.Time, halls)
		var lags []time.Duration
		seen := atomic.Int64{}
		p, err := city.Start(city.Options{URLs: urls, Prefix: prefix, Discover: 100 * time.Millisecond,
			OnEvent: func(hall string, rec eventlog.Record) {
				i, _ := strconv.Atoi(strings.TrimPrefix(hall, "s"))
				if rec.Seq > 1 { // the first event is the warm-up
					mu.Lock()
					lags = append(lags, time.Since(committed[i][rec.Seq-1]))
					mu.Unlock()
				}
				seen.Add(1)
			}})
		if err != nil {
			b.Fatal(err)
		}
		// The halls' streams exist and the portal follows them before the
		// halls start: the lag measured is the copy's, not a stream's creation.
		if err := createStreams(urls, prefix, halls); err != nil {
			b.Fatal(err)
		}
		for len(p.Progress()) < halls {
			time.Sleep(10 * time.Millisecond)
		}
		var wg, ready sync.WaitGroup
		ready.Add(halls)
		begin := make(chan struct{})
		for i := range halls {
			committed[i] = make([]time.Time, events)
			src := &memLog{recs: logs[i]}
			pub, err := federation.Start(federation.Options{URLs: urls, Prefix: prefix, Hall: fmt.Sprintf("s%d", i), Replicas: 3, Source: src})
			if err != nil {
				b.Fatal(err)
			}
			commit := func(seq uint64) {
				mu.Lock()
				committed[i][seq] = time.Now()
				mu.Unlock()
				src.mu.Lock()
				src.head = seq + 1
				src.mu.Unlock()
				pub.Notify(seq + 1)
			}
			wg.Go(func() {
				defer pub.Close()
				// The first event goes out before the clock starts: the lag
				// measured is a running hall's, not a publisher's first
				// connection and look at its stream.
				commit(0)
				for pub.Status().Stored < 1 {
					time.Sleep(5 * time.Millisecond)
				}
				ready.Done()
				<-begin
				t := time.NewTicker(time.Second / time.Duration(rate))
				defer t.Stop()
				for seq := uint64(1); seq < uint64(events); seq++ {
					<-t.C
					commit(seq)
				}
				for pub.Status().Stored < uint64(events) {
					time.Sleep(10 * time.Millisecond)
				}
			})
		}
		ready.Wait()
		close(begin)
		wg.Wait()
		total := int64(halls * events)
		deadline := time.Now().Add(5 * time.Minute)
		for seen.Load() < total {
			if time.Now().After(deadline) {
				b.Fatalf("the portal read %d of %d events", seen.Load(), total)
			}
			time.Sleep(10 * time.Millisecond)
		}
		p.Close()

		// A fresh portal catches up with every stream at once.
		var read atomic.Int64
		start := time.Now()
		q, err := city.Start(city.Options{URLs: urls, Prefix: prefix, Discover: 50 * time.Millisecond,
			OnEvent: func(string, eventlog.Record) { read.Add(1) }})
		if err != nil {
			b.Fatal(err)
		}
		for read.Load() < total {
			if time.Now().After(deadline) {
				b.Fatalf("the fresh portal read %d of %d events", read.Load(), total)
			}
			time.Sleep(5 * time.Millisecond)
		}
		catchUp := time.Since(start)
		for h, pr := range q.Progress() {
			if pr.Flagged || pr.Duplicates != 0 || pr.Gaps != 0 {
				b.Errorf("hall %s: %+v", h, pr)
			}
		}
		q.Close()

		slices.Sort(lags)
		b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "lag-p50-ms")
		b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "lag-p99-ms")
		b.ReportMetric(float64(halls*rate), "offered-events/s")
		b.ReportMetric(float64(total)/catchUp.Seconds(), "catchup-events/s")
	}
}

func createStreams(urls []string, prefix string, halls int) error {
	nc, err := nats.Connect(strings.Join(urls, ","))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for i := range halls {
		if _, err := js.CreateStream(ctx, federation.StreamConfig(prefix, fmt.Sprintf("s%d", i), "", 3)); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkCityRawNATS is the baseline of BenchmarkCity: the same halls, rate
// and events, each published straight to its stream (no hallq log behind it)
// and read by one plain ordered consumer per stream that neither parses nor
// verifies. shared-conn publishes every hall's events on one connection,
// without headers; conn-per-hall gives each hall its own connection, as
// BenchmarkCity's publishers (and real halls) have, and the same
// Nats-Msg-Id and expected-last-sequence headers: what JetStream alone costs
// for the same exactly-once copy.
func BenchmarkCityRawNATS(b *testing.B) {
	b.Run("shared-conn", func(b *testing.B) { rawCity(b, false) })
	b.Run("conn-per-hall", func(b *testing.B) { rawCity(b, true) })
}

func rawCity(b *testing.B, perHall bool) {
	halls, events, rate := envInt("HALLQ_CITY_HALLS", 10), envInt("HALLQ_CITY_EVENTS", 20), envInt("HALLQ_CITY_RATE", 5)
	l, err := audittest.Generate(audittest.Options{Events: events, Seed: 1, Checkpoint: 100, Key: audittest.Key(1)})
	if err != nil {
		b.Fatal(err)
	}
	urls := strings.Split(cluster.URLs(), ",")
	for b.Loop() {
		prefix := fmt.Sprintf("raw%d", benchRun.Add(1))
		if err := createStreams(urls, prefix, halls); err != nil {
			b.Fatal(err)
		}
		nc, err := nats.Connect(strings.Join(urls, ","))
		if err != nil {
			b.Fatal(err)
		}
		js, _ := jetstream.New(nc)
		var mu sync.Mutex
		committed := make([][]time.Time, halls)
		var lags []time.Duration
		var seen atomic.Int64
		ctx, cancel := context.WithCancel(context.Background())
		for i := range halls {
			committed[i] = make([]time.Time, events)
			cons, err := js.OrderedConsumer(ctx, federation.Stream(prefix, fmt.Sprintf("s%d", i)), jetstream.OrderedConsumerConfig{})
			if err != nil {
				b.Fatal(err)
			}
			cc, err := cons.Consume(func(m jetstream.Msg) {
				md, _ := m.Metadata()
				if md.Sequence.Stream > 1 { // the first message is the warm-up
					mu.Lock()
					lags = append(lags, time.Since(committed[i][md.Sequence.Stream-1]))
					mu.Unlock()
				}
				seen.Add(1)
			})
			if err != nil {
				b.Fatal(err)
			}
			defer cc.Stop()
		}
		var wg, ready sync.WaitGroup
		ready.Add(halls)
		begin := make(chan struct{})
		for i := range halls {
			subject := federation.Subject(prefix, fmt.Sprintf("s%d", i))
			js := js
			var opts func(seq int) []jetstream.PublishOpt
			if perHall {
				hnc, err := nats.Connect(strings.Join(urls, ","))
				if err != nil {
					b.Fatal(err)
				}
				defer hnc.Close()
				js, _ = jetstream.New(hnc)
				opts = func(seq int) []jetstream.PublishOpt {
					return []jetstream.PublishOpt{jetstream.WithMsgID(strconv.Itoa(seq + 1)), jetstream.WithExpectLastSequence(uint64(seq))}
				}
			}
			wg.Go(func() {
				// The same warm-up as BenchmarkCity's.
				if _, err := js.Publish(ctx, subject, l.Raws[0]); err != nil {
					b.Error(err)
				}
				ready.Done()
				<-begin
				t := time.NewTicker(time.Second / time.Duration(rate))
				defer t.Stop()
				for seq := 1; seq < events; seq++ {
					<-t.C
					mu.Lock()
					committed[i][seq] = time.Now()
					mu.Unlock()
					var o []jetstream.PublishOpt
					if opts != nil {
						o = opts(seq)
					}
					if _, err := js.PublishAsync(subject, l.Raws[seq], o...); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		ready.Wait()
		close(begin)
		wg.Wait()
		for seen.Load() < int64(halls*events) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		nc.Close()
		slices.Sort(lags)
		b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "lag-p50-ms")
		b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "lag-p99-ms")
		b.ReportMetric(float64(halls*rate), "offered-events/s")
	}
}
