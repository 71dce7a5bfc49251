package hall

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"hallq/server/queue"
	"hallq/server/store"
)

// archiver moves the past days of the log into their archive files (see
// store.Store.ArchiveDays): at start, and after each day's seal, when the
// day before has ended.
type archiver struct {
	st     *store.Store
	loc    *time.Location
	log    *slog.Logger
	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// startArchiver starts the archiver; it runs once at once.
func startArchiver(st *store.Store, loc *time.Location, log *slog.Logger) *archiver {
	ctx, cancel := context.WithCancel(context.Background())
	a := &archiver{st: st, loc: loc, log: log, wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	a.nudge()
	go a.run(ctx)
	return a
}

// observe wakes the archiver when evs seal a day.
func (a *archiver) observe(evs []queue.Event) {
	for _, ev := range evs {
		if ev.Type == queue.TypeDaySealed {
			a.nudge()
			return
		}
	}
}

func (a *archiver) nudge() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *archiver) run(ctx context.Context) {
	defer close(a.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		}
		start := time.Now()
		made, err := a.st.ArchiveDays(ctx, a.loc)
		for _, ar := range made {
			a.log.Info("day archived", "file", ar.Name, "first", ar.First, "last", ar.Last, "bytes", ar.Size)
		}
		if len(made) > 0 {
			a.log.Info("archiving done", "archives", len(made), "took", time.Since(start).Round(time.Millisecond))
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			// The next seal, or the next start, tries again.
			a.log.Error("archiving past days", "err", err)
		}
	}
}

// stop ends the archiving, between pages, and waits for it.
func (a *archiver) stop() {
	if a == nil {
		return
	}
	a.cancel()
	<-a.done
}
