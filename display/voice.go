package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"hallq/server/client/device"
)

// speaker plays the chime and speaks sentences, each call returning when the
// sound has ended.
type speaker interface {
	Chime(ctx context.Context) error
	Say(ctx context.Context, lang, text string) error
}

// maxQueued is how many announcements may wait; beyond it the oldest are
// dropped, as a hall that calls faster than it can announce needs the latest
// calls most.
const maxQueued = 20

// Announcer speaks calls one after the other, never cutting one off: each is
// the chime, the Chinese sentence, then the English one. Enqueue may be called
// from any goroutine; Run speaks, in its own goroutine.
type Announcer struct {
	sp  speaker
	log *slog.Logger

	mu      sync.Mutex
	queue   []Announcement
	lastSeq uint64 // the latest call enqueued, so that none is spoken twice
	wake    chan struct{}
}

// newAnnouncer returns an Announcer speaking through sp.
func newAnnouncer(sp speaker, log *slog.Logger) *Announcer {
	return &Announcer{sp: sp, log: log, wake: make(chan struct{}, 1)}
}

// Enqueue adds a call to the end of the queue, unless it was enqueued before.
func (a *Announcer) Enqueue(an Announcement) {
	a.mu.Lock()
	if an.Seq != 0 && an.Seq <= a.lastSeq {
		a.mu.Unlock()
		return
	}
	a.lastSeq = max(a.lastSeq, an.Seq)
	a.queue = append(a.queue, an)
	if n := len(a.queue); n > maxQueued {
		a.log.Warn("announcements dropped: calls come faster than they can be spoken", "dropped", n-maxQueued)
		a.queue = append(a.queue[:0:0], a.queue[n-maxQueued:]...)
	}
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Run speaks the queued announcements until ctx ends.
func (a *Announcer) Run(ctx context.Context) {
	for {
		a.mu.Lock()
		var next *Announcement
		if len(a.queue) > 0 {
			next = &a.queue[0]
			a.queue = a.queue[1:]
		}
		a.mu.Unlock()
		if next == nil {
			select {
			case <-ctx.Done():
				return
			case <-a.wake:
				continue
			}
		}
		a.speak(ctx, *next)
		if ctx.Err() != nil {
			return
		}
	}
}

// speak plays one announcement; a failing part is logged and skipped.
func (a *Announcer) speak(ctx context.Context, an Announcement) {
	if err := a.sp.Chime(ctx); err != nil {
		a.log.Warn("chime failed", "number", an.Number, "err", err)
	}
	for _, s := range []struct{ lang, text string }{{"zh", an.ZH}, {"en", an.EN}} {
		if err := a.sp.Say(ctx, s.lang, s.text); err != nil {
			a.log.Warn("announcement failed", "number", an.Number, "lang", s.lang, "err", err)
		}
	}
	a.log.Info("announced", "number", an.Number, "window", an.Window, "recall", an.Recall, "seq", an.Seq)
}

// commandSpeaker speaks through shell commands that read what to play on
// stdin: the configured speak and chime commands.
type commandSpeaker struct {
	speak   string // empty: silent
	chime   string // empty: no chime
	sound   []byte // the chime's WAV bytes
	timeout time.Duration
}

var _ speaker = (*commandSpeaker)(nil)

// Chime plays the chime.
func (c *commandSpeaker) Chime(ctx context.Context) error {
	if c.chime == "" {
		return nil
	}
	return c.run(ctx, c.chime, c.sound, "")
}

// Say speaks text in lang (zh or en).
func (c *commandSpeaker) Say(ctx context.Context, lang, text string) error {
	if c.speak == "" {
		return nil
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	return device.Speak(ctx, c.speak, lang, text)
}

// run runs command through sh -c with stdin, and HALLQ_LANG set to lang.
func (c *commandSpeaker) run(ctx context.Context, command string, stdin []byte, lang string) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	return device.RunCommand(ctx, command, stdin, lang)
}

// commandMissing returns the program a shell command starts if it is not
// installed, for a warning at start; "" if it is (or cannot be told).
func commandMissing(command string) string { return device.CommandMissing(command) }
