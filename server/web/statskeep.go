package web

import (
	"fmt"
	"sync"

	"hallq/server/eventlog"
	"hallq/server/stats"
)

// statsKeeper keeps the hall's statistics folded up to the head of the log.
// The events the engine publishes reach it through Published and are folded
// by its own goroutine, so that a request finds the figures ready; a request
// folds whatever that goroutine has not reached yet, from the store.
type statsKeeper struct {
	mu        sync.Mutex // guards s and err; held while folding and reporting
	s         *stats.Stats
	err       error     // the log could not be folded
	once      sync.Once // starts the goroutine
	closeOnce sync.Once
	// Made by New; stop is closed by Close, done by the goroutine as it ends.
	feed chan []eventlog.Record // published batches, to the keeper's goroutine
	stop chan struct{}
	done chan struct{}
}

// Published hands the records of a commit to the statistics, without waiting:
// when the keeper is behind, the batch is left for it to read from the store.
// The first call starts the keeper's goroutine, which folds the log so far
// first. The hall's writer calls it after each commit, in log order.
func (s *Server) Published(recs []eventlog.Record) {
	k := &s.statsK
	k.once.Do(func() { go s.keepStats() })
	select {
	case k.feed <- recs:
	default:
	}
}

// Close stops the statistics' goroutine, if Published started it.
func (s *Server) Close() {
	k := &s.statsK
	k.closeOnce.Do(func() { close(k.stop) })
	k.once.Do(func() { close(k.done) }) // never started: none from now on
	<-k.done
}

func (s *Server) keepStats() {
	k := &s.statsK
	defer close(k.done)
	k.mu.Lock()
	s.foldStats(0)
	k.mu.Unlock()
	for {
		select {
		case <-k.stop:
			return
		case recs := <-k.feed:
			k.mu.Lock()
			for _, r := range recs {
				if k.err != nil || r.Seq <= k.s.Last() {
					continue
				}
				if r.Seq > k.s.Last()+1 {
					s.foldStats(r.Seq - 1)
				}
				if k.err == nil {
					k.err = k.s.Add(r)
				}
			}
			k.mu.Unlock()
		}
	}
}

// foldStats folds the stored events up to seq to (the engine's head when 0).
// The caller holds k.mu.
func (s *Server) foldStats(to uint64) {
	k := &s.statsK
	if k.s == nil {
		k.s = stats.New()
	}
	if to == 0 {
		to = s.head()
	}
	for k.err == nil && k.s.Last() < to {
		select {
		case <-k.stop:
			return
		default:
		}
		recs, err := s.store.EventsAfter(k.s.Last(), 1000)
		if err != nil {
			k.err = fmt.Errorf("web: statistics: %w", err)
			return
		}
		if len(recs) == 0 {
			return
		}
		for _, r := range recs {
			if r.Seq > to {
				return
			}
			if k.err = k.s.Add(r); k.err != nil {
				return
			}
		}
	}
}

// report returns the figures of a period, folded up to the head of the log,
// with the hall's periods that have figures.
func (s *Server) report(p stats.Period) (*stats.Report, []stats.Period, []stats.Period, []string, error) {
	k := &s.statsK
	k.mu.Lock()
	defer k.mu.Unlock()
	s.foldStats(0)
	if k.err != nil {
		return nil, nil, nil, nil, k.err
	}
	years, months := k.s.Periods()
	return k.s.Report(p), years, months, k.s.Dates(), nil
}

// yearReport returns the figures of a year and of each of its months.
func (s *Server) yearReport(year stats.Period) (*stats.Report, []*stats.Report, error) {
	k := &s.statsK
	k.mu.Lock()
	defer k.mu.Unlock()
	s.foldStats(0)
	if k.err != nil {
		return nil, nil, k.err
	}
	var months []*stats.Report
	for m := 1; m <= 12; m++ {
		months = append(months, k.s.Report(stats.Period(fmt.Sprintf("%s-%02d", year, m))))
	}
	return k.s.Report(year), months, nil
}
