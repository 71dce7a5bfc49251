package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // the hall's time zone, whatever the machine has installed

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"hallq/assets"
	"hallq/server/client"
)

func main() {
	err := run(os.Args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "display:", err)
		os.Exit(1)
	}
}

// run starts the display and blocks until its window closes or the process
// is told to stop.
func run(args []string) error {
	cfg, err := parseConfig(args, os.Getenv, os.Stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	rep, sv, moved, err := openReplica(cfg.Data)
	if err != nil {
		return err
	}
	running := false // from then on, the stopping goroutine closes the replica
	defer func() {
		if !running {
			rep.Close()
		}
	}()
	if moved != "" {
		log.Warn("the local replica's hash chain did not verify; it was moved aside and the log is fetched again", "moved_to", moved)
	}
	if cfg.Mode == ModeWindow && cfg.Window != "" {
		sv.window = cfg.Window
	}
	if cfg.Mode == ModeHall {
		sv.window = ""
	}
	m := newModel(sv)
	log.Info("hallq display starting", "server", cfg.Server, "mode", cfg.Mode, "window", sv.window,
		"replica", rep.path, "replica_seq", sv.seq, "replica_hash", shortHash(sv.hash), "hall_known", sv.hall != nil)

	copts := client.Options{UserAgent: "hallq-display"}
	if cfg.CA != "" {
		if copts.HTTPClient, err = client.HTTPClientWithCA(cfg.CA); err != nil {
			return fmt.Errorf("-ca: %w", err)
		}
	}
	c, err := client.New(cfg.Server, cfg.Token, copts)
	if err != nil {
		return err
	}

	a := app.NewWithID("org.hallq.display")
	a.Settings().SetTheme(loadTheme(cfg, log))
	d := newDisplay(cfg)
	d.log = log.With("component", "screen")
	d.rate = func(ctx context.Context, window, level string) error {
		_, err := c.RateAtWindow(ctx, window, level)
		return err
	}
	d.loadUI(a)
	if cfg.About {
		d.openAbout("-about at start")
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	running = true
	r := &renderer{m: m, d: d, wake: make(chan struct{}, 1), log: log.With("component", "screen"), fps: cfg.ScrollFPS}
	f := &follower{c: c, rep: rep, m: m, log: log.With("component", "follower"), mode: cfg.Mode,
		now: time.Now, notify: r.notify}
	var wg sync.WaitGroup
	if ann := newVoice(cfg, log.With("component", "voice")); ann != nil {
		f.ann = ann
		wg.Go(func() { ann.Run(ctx) })
	}
	wg.Go(func() { f.follow(ctx) })
	wg.Go(func() { f.describe(ctx) })
	// SIGUSR1 opens the about screen, for a technician logged in remotely.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-usr1:
				fyne.Do(func() { d.openAbout("SIGUSR1") })
			}
		}
	}()
	// The renderer is not waited for: once the app has quit, a repaint it
	// hands to fyne.Do is never taken.
	go r.run(ctx)

	// Stopping: the follower stores what it received and a snapshot, the
	// replica is closed, and the window closes. A graphics driver that never
	// returns from a buffer swap (seen under Xvfb) must not keep a display
	// that was told to stop running: the process then exits without its
	// window.
	stopped := make(chan struct{})
	windowClosed := make(chan struct{})
	go func() {
		<-ctx.Done()
		go fyne.Do(a.Quit)
		wg.Wait()
		if err := rep.Close(); err != nil {
			log.Warn("closing the replica", "err", err)
		}
		log.Info("hallq display stopped")
		close(stopped)
		select {
		case <-windowClosed:
		case <-time.After(quitTimeout):
			log.Warn("the window did not close; exiting without it", "waited", quitTimeout)
			os.Exit(0)
		}
	}()

	d.win.ShowAndRun()
	close(windowClosed)
	cancel()
	<-stopped
	return nil
}

// quitTimeout is how long a display told to stop waits for its window to
// close once its data is safe.
const quitTimeout = 5 * time.Second

// loadTheme returns the screens' theme with the Chinese font: the -font file,
// else Noto Sans CJK SC from the system. Without either, Fyne falls back to
// the system's fonts itself.
func loadTheme(cfg *Config, log *slog.Logger) *boardTheme {
	th := &boardTheme{}
	if cfg.Font != "" {
		data, err := os.ReadFile(cfg.Font)
		if err == nil {
			data, err = assets.ExtractFace(data, assets.CJKFamily)
		}
		if err != nil {
			log.Warn("font not used", "font", cfg.Font, "err", err)
			return th
		}
		res := fyne.NewStaticResource("display-font.otf", data)
		th.regular, th.bold = res, res
		return th
	}
	for _, w := range []assets.Weight{assets.Regular, assets.Bold} {
		data, path, err := assets.CJKFont(w)
		if err != nil {
			log.Warn("Chinese font not found; Fyne falls back to the system's fonts", "err", err)
			return th
		}
		res := fyne.NewStaticResource(fmt.Sprintf("cjk-%d.otf", w), data)
		if w == assets.Bold {
			th.bold = res
		} else {
			th.regular = res
		}
		log.Debug("font", "weight", w, "from", path)
	}
	return th
}

// newVoice returns the announcer of the configured commands, nil when voice
// is off.
func newVoice(cfg *Config, log *slog.Logger) *Announcer {
	if cfg.SpeakCmd == "" {
		log.Info("voice announcements are off (-speak-cmd \"\")")
		return nil
	}
	sp := &commandSpeaker{speak: cfg.SpeakCmd, chime: cfg.ChimeCmd, sound: assets.Chime(), timeout: 30 * time.Second}
	if p := commandMissing(cfg.SpeakCmd); p != "" {
		log.Warn("the speak command's program is not installed: announcements will fail", "program", p, "speak_cmd", cfg.SpeakCmd)
	}
	if p := commandMissing(cfg.ChimeCmd); p != "" {
		log.Warn("the chime command's program is not installed: announcements go without the chime", "program", p, "chime_cmd", cfg.ChimeCmd)
		sp.chime = ""
	}
	return newAnnouncer(sp, log)
}

// renderer repaints the screen from the model: at once when the follower
// asks, and four times a second for the clock and the flash; it moves the
// notices fps times a second. It logs what the screen shows whenever that
// changes, so that an operator can tell what the hall saw.
type renderer struct {
	m    *model
	d    *display
	wake chan struct{}
	log  *slog.Logger
	fps  int
	last string
}

// notify asks for a repaint; it never blocks.
func (r *renderer) notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *renderer) run(ctx context.Context) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var motion <-chan time.Time
	if r.fps > 0 && r.d.mode == ModeHall {
		t := time.NewTicker(time.Second / time.Duration(r.fps))
		defer t.Stop()
		motion = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-motion:
			fyne.Do(func() { r.d.scrollNotices(now) })
			continue
		case <-tick.C:
		case <-r.wake:
		}
		now := time.Now()
		f := r.m.frame(now)
		fyne.Do(func() { r.d.render(f, now) })
		r.report(f)
	}
}

// report logs what the screen shows, when it changed.
func (r *renderer) report(f frame) {
	attrs := []any{"seq", f.Status.Seq, "hash", shortHash(f.Status.Hash), "link", f.Status.Link.String(), "stale", f.Status.Stale()}
	if r.d.mode == ModeWindow {
		attrs = append(attrs, "window", f.Window.ID, "serving", f.Window.Current, "status", f.Window.Status)
	} else {
		newest, serving := "", make([]string, 0, len(f.Hall.Current))
		for i, c := range f.Hall.Current {
			if i == 0 {
				newest = c.Number + "@" + c.Window
			}
			serving = append(serving, c.Number+"@"+c.Window)
		}
		attrs = append(attrs, "newest", newest, "serving", strings.Join(serving, ","))
	}
	if f.Status.Alarm != nil {
		attrs = append(attrs, "alarm", f.Status.Alarm.EN)
	}
	summary := fmt.Sprint(attrs...)
	if summary == r.last {
		return
	}
	r.last = summary
	r.log.Info("showing", attrs...)
}
