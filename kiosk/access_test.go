package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"hallq/server/queue"
)

func TestMinTargetPixels(t *testing.T) {
	tests := []struct {
		name          string
		width, height int
		diagonal      float64
		want          float32
	}{
		{"21.5-inch full HD", 1920, 1080, 21.5, 61},
		{"32-inch full HD", 1920, 1080, 32, 41},
		{"15.6-inch full HD", 1920, 1080, 15.6, 84},
		{"10.1-inch tablet", 1280, 800, 10.1, 89},
		{"no diagonal", 1920, 1080, 0, 0},
	}
	for _, tt := range tests {
		if got := minTargetPixels(tt.width, tt.height, tt.diagonal); got != tt.want {
			t.Errorf("%s: %v px, want %v", tt.name, got, tt.want)
		}
	}
}

// smallTargets returns the touch targets shown under o that are smaller than
// min in either direction, and how many targets it saw.
func smallTargets(o fyne.CanvasObject, min float32) (small []string, seen int) {
	if o == nil || !o.Visible() {
		return nil, 0
	}
	switch v := o.(type) {
	case *pad:
		if v.onTap != nil {
			seen++
			if s := v.Size(); s.Width < min || s.Height < min {
				small = append(small, fmt.Sprintf("%q %.0fx%.0f", padLabel(v.content), s.Width, s.Height))
			}
		}
		s, n := smallTargets(v.content, min)
		return append(small, s...), seen + n
	case *fyne.Container:
		for _, c := range v.Objects {
			s, n := smallTargets(c, min)
			small, seen = append(small, s...), seen+n
		}
	case *container.Scroll:
		return smallTargets(v.Content, min)
	}
	return small, seen
}

// padLabel returns the first text inside o, to name a target.
func padLabel(o fyne.CanvasObject) string {
	switch v := o.(type) {
	case *canvas.Text:
		return v.Text
	case *fyne.Container:
		for _, c := range v.Objects {
			if s := padLabel(c); s != "" {
				return s
			}
		}
	}
	return ""
}

// TestAccessibleMode switches the kiosk to accessible mode and takes a
// number with a passport in it: every touch target is at least 15 mm on the
// configured 21.5-inch screen in both modes, type is larger and white on
// black, timeouts are longer, and the speak command (a script that records
// its arguments and what it is given to say) receives each screen's title,
// the service chosen and the number.
func TestAccessibleMode(t *testing.T) {
	h := newTestHall(t)
	k := startKiosk(t, h, &fakePrinter{}, filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	dir := t.TempDir()
	said := filepath.Join(dir, "said.txt")
	script := filepath.Join(dir, "speak.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n{ echo \"args: $*\"; cat; } >> '"+said+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	min := minTargetPixels(1920, 1080, 21.5)
	u := newTestUI(t, k.Kiosk, uiOptions{TicketTimeout: time.Hour, IdleTimeout: time.Hour, MinTarget: min, SpeakCmd: script + " {lang} {voice}"})
	u.waitUI(t, "the home screen", homeReady)
	heard := func(want string) {
		t.Helper()
		waitFor(t, "the speak command to be given "+want, func() bool {
			b, _ := os.ReadFile(said)
			return strings.Contains(string(b), want)
		})
	}
	targets := func(what string) {
		t.Helper()
		u.ui(func(a *kioskApp) {
			a.root.Refresh()
			if m, s := a.root.MinSize(), a.win.Canvas().Size(); m.Width > 1920 || m.Height > 1080 || s != fyne.NewSize(1920, 1080) {
				t.Errorf("%s (accessible %v): needs %v, window %v; want it to fit the 1920x1080 screen", what, a.access, m, s)
			}
			small, seen := smallTargets(a.root, min)
			if len(small) > 0 || seen < 3 {
				t.Errorf("%s (accessible %v): %d targets, smaller than %v px (15 mm): %v", what, a.access, seen, min, small)
			}
		})
	}
	// Both modes: home, the resident ID keypad, the letter keypad, the ticket.
	for _, access := range []bool{false, true} {
		mode := "standard"
		if access {
			mode = "access"
			u.ui(func(a *kioskApp) { test.Tap(a.accPad) })
			u.waitUI(t, "the accessible home screen", func(a *kioskApp) bool { return a.access && homeReady(a) })
			heard(txtAccessOn.zh)
			u.ui(func(a *kioskApp) {
				if a.busyText.TextSize <= 64 || a.idle() != AccessTimeouts*time.Hour || a.ticketTime() != AccessTimeouts*time.Hour {
					t.Errorf("accessible mode: busy text at %v px, idle %v, ticket %v", a.busyText.TextSize, a.idle(), a.ticketTime())
				}
				if bg := a.root.Objects[0].(*canvas.Rectangle).FillColor; bg != colBlack {
					t.Errorf("accessible mode ground %v, want black", bg)
				}
				if c := a.tiles[0].name2.Color; c != colWhite {
					t.Errorf("secondary text %v in accessible mode, want white", c)
				}
			})
		}
		targets(mode + " home")
		u.shot(t, mode+"-home")
		u.tapTile(2)
		targets(mode + " resident ID keypad")
		u.shot(t, mode+"-id")
		u.ui(func(a *kioskApp) { test.Tap(a.kindPads[queue.DocPassport]) })
		targets(mode + " letter keypad")
		for _, c := range "E1234567" + fmt.Sprint(len(mode)) {
			u.ui(func(a *kioskApp) { test.Tap(a.letterKeys[string(c)]) })
		}
		u.shot(t, mode+"-passport")
		u.ui(func(a *kioskApp) { test.Tap(a.idOK) })
		u.waitUI(t, "the ticket screen", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
		targets(mode + " ticket")
		u.shot(t, mode+"-ticket")
		u.ui(func(a *kioskApp) { test.Tap(a.tkDone) })
	}
	heard("请输入居民身份证号码。社保医保 · Social & medical insurance")
	heard("请输入护照号码")
	heard("您的号码是 B002，社保医保")
	b, _ := os.ReadFile(said)
	if !strings.Contains(string(b), "args: zh cmn") {
		t.Errorf("speak command arguments: %q, want {lang} and {voice} replaced", b)
	}
	if strings.Contains(string(b), "B001") {
		t.Errorf("the standard mode spoke: %q", b)
	}
	u.ui(func(a *kioskApp) {
		test.Tap(a.accPad)
		if a.access || a.busyText.TextSize != 64 {
			t.Errorf("after switching back: accessible %v, busy text %v px", a.access, a.busyText.TextSize)
		}
	})
}
