package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/assets"
)

// fakeSpeaker records what it plays. The first chime waits for release, so
// that a test can queue calls while one is being spoken; any overlap of two
// sounds is recorded as an error.
type fakeSpeaker struct {
	mu      sync.Mutex
	log     []string
	playing bool
	overlap bool
	first   chan struct{} // closed by the first Chime
	release chan struct{} // closed by the test
	done    chan struct{} // gets one value per English sentence
	started bool
}

func newFakeSpeaker() *fakeSpeaker {
	return &fakeSpeaker{first: make(chan struct{}), release: make(chan struct{}), done: make(chan struct{}, 100)}
}

func (f *fakeSpeaker) play(what string) func() {
	f.mu.Lock()
	if f.playing {
		f.overlap = true
	}
	f.playing = true
	f.log = append(f.log, what)
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		f.playing = false
		f.mu.Unlock()
	}
}

func (f *fakeSpeaker) Chime(ctx context.Context) error {
	stop := f.play("chime")
	defer stop()
	f.mu.Lock()
	first := !f.started
	f.started = true
	f.mu.Unlock()
	if first {
		close(f.first)
		<-f.release
	}
	return nil
}

func (f *fakeSpeaker) Say(ctx context.Context, lang, text string) error {
	stop := f.play(lang + ":" + text)
	stop()
	if lang == "en" {
		f.done <- struct{}{}
	}
	return nil
}

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func call(seq uint64, number, window string) Announcement {
	a := Announcement{Seq: seq, Ticket: "T-" + number, Number: number, Window: window}
	a.ZH, a.EN = callTexts(nil, number, window)
	return a
}

func TestAnnouncerSpeaksInOrderWithoutCuttingOff(t *testing.T) {
	sp := newFakeSpeaker()
	a := newAnnouncer(sp, quietLog())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { a.Run(ctx) })
	defer func() {
		cancel()
		wg.Wait()
	}()

	a.Enqueue(call(10, "A001", "1"))
	<-sp.first // A001's chime is playing
	a.Enqueue(call(11, "B001", "2"))
	a.Enqueue(call(10, "A001", "1")) // the same call again: not repeated
	recall := call(12, "A001", "1")
	recall.Recall = true
	a.Enqueue(recall)               // a recall is announced again
	a.Enqueue(call(9, "A000", "1")) // older than what was queued: a replay
	a.Enqueue(call(13, "C001", "3"))
	close(sp.release)
	for range 4 {
		select {
		case <-sp.done:
		case <-time.After(30 * time.Second):
			t.Fatal("announcements not spoken")
		}
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	want := []string{
		"chime", "zh:请 A001 号到 1 号窗口办理", "en:Number A001, please go to window 1",
		"chime", "zh:请 B001 号到 2 号窗口办理", "en:Number B001, please go to window 2",
		"chime", "zh:请 A001 号到 1 号窗口办理", "en:Number A001, please go to window 1",
		"chime", "zh:请 C001 号到 3 号窗口办理", "en:Number C001, please go to window 3",
	}
	if fmt.Sprint(sp.log) != fmt.Sprint(want) {
		t.Fatalf("spoken:\n%s\nwant:\n%s", strings.Join(sp.log, "\n"), strings.Join(want, "\n"))
	}
	if sp.overlap {
		t.Fatal("two sounds played at once")
	}
}

func TestAnnouncerDropsTheOldestWhenFull(t *testing.T) {
	a := newAnnouncer(newFakeSpeaker(), quietLog())
	for i := range maxQueued + 5 {
		a.Enqueue(call(uint64(i+1), fmt.Sprintf("A%03d", i+1), "1"))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.queue) != maxQueued || a.queue[0].Number != "A006" || a.queue[maxQueued-1].Number != "A025" {
		t.Fatalf("queue holds %d, from %s to %s; want %d from A006 to A025",
			len(a.queue), a.queue[0].Number, a.queue[len(a.queue)-1].Number, maxQueued)
	}
}

func TestCommandSpeaker(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "spoken")
	chime := filepath.Join(dir, "chime.wav")
	tests := []struct {
		name  string
		speak string
		want  string
	}{
		{"text on stdin", "cat >> " + out, "请 A001 号到 3 号窗口办理\n"},
		{"placeholders", "echo {lang} {voice} $HALLQ_LANG >> " + out, "zh cmn zh\n"},
		{"off", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(out)
			sp := &commandSpeaker{speak: tt.speak, timeout: 30 * time.Second}
			if err := sp.Say(context.Background(), "zh", "请 A001 号到 3 号窗口办理"); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(out)
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}

	sp := &commandSpeaker{chime: "cat > " + chime, sound: assets.Chime(), timeout: 30 * time.Second}
	if err := sp.Chime(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(chime)
	if !bytes.Equal(got, assets.Chime()) || !bytes.HasPrefix(got, []byte("RIFF")) {
		t.Fatalf("the chime command got %d bytes, want the %d of the WAV", len(got), len(assets.Chime()))
	}

	failing := &commandSpeaker{speak: "echo broken voice >&2; exit 3", timeout: 30 * time.Second}
	if err := failing.Say(context.Background(), "en", "x"); err == nil || !strings.Contains(err.Error(), "broken voice") {
		t.Fatalf("a failing command: got %v, want its error output", err)
	}
	stuck := &commandSpeaker{speak: "sleep 60", timeout: 100 * time.Millisecond}
	if err := stuck.Say(context.Background(), "en", "x"); err == nil {
		t.Fatal("a command past its timeout: no error")
	}
}

func TestCommandMissing(t *testing.T) {
	tests := []struct{ cmd, want string }{
		{"sh -c true", ""},
		{"no-such-program-hallq --x", "no-such-program-hallq"},
		{"FOO=1 espeak-ng", ""}, // the shell decides
		{"", ""},
	}
	for _, tt := range tests {
		if got := commandMissing(tt.cmd); got != tt.want {
			t.Errorf("commandMissing(%q) = %q, want %q", tt.cmd, got, tt.want)
		}
	}
}
