package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hallq/server/audit"
	"hallq/server/queue"
)

const aboutServer = "http://192.168.10.20:8080"

// checkpointDay is manualDay with a signed checkpoint of event 5 as its
// last event.
func checkpointDay(t *testing.T) *script {
	return manualDay(t).add(queue.TypeLogCheckpoint, &queue.CheckpointData{Hall: "test", Seq: 5,
		Hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Time: "2026-11-22T09:12:00+08:00",
		Key: manualHall().CheckpointKey, Sig: "c2ln", Cause: "interval"})
}

// aboutTexts returns the about screen's visible lines.
func aboutTexts(d *display) []string {
	var out []string
	for _, t := range d.about.lines {
		if t.Visible() {
			out = append(out, t.Text)
		}
	}
	return out
}

// TestAboutScreen: F1 (or I, or a tap on the status line) shows the hall, the
// server, the full checkpoint key as /rules and /api/v1/hall publish it, its
// fingerprint, the last checkpoint seen and where to verify, in type that
// fits and reads at every screen size; Escape, a tap or the timeout close it.
func TestAboutScreen(t *testing.T) {
	now := t0.Add(time.Hour)
	hall := manualHall()
	key, fp := hall.CheckpointKey, audit.Fingerprint(hall.CheckpointKey)
	for _, mode := range []string{ModeHall, ModeWindow} {
		t.Run(mode, func(t *testing.T) {
			d := newTestDisplay(t, mode)
			d.server = aboutServer
			clock := now
			d.now = func() time.Time { return clock }
			cp := checkpointDay(t)
			f := manualFrame(t, cp, "1", now)
			shanghai, _ := time.LoadLocation("Asia/Shanghai")
			cpAt := cp.events[len(cp.events)-1].Time.In(shanghai).Format("2006-01-02 15:04:05")
			d.render(f, now)
			if d.about.bg.Visible() || len(aboutTexts(d)) > 0 {
				t.Fatal("the about screen is shown before anyone asked")
			}

			d.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyF1})
			if !d.about.bg.Visible() {
				t.Fatal("F1 does not open the about screen")
			}
			lines := aboutTexts(d)
			all := strings.Join(lines, "\n")
			// The key is printed whole, exactly as published, in two lines.
			var keyLines []string
			for i, l := range d.about.lines[:d.about.n] {
				if d.about.kinds[i] == aboutKey && strings.Contains(key, l.Text) && len(l.Text) >= len(key)/2 {
					keyLines = append(keyLines, l.Text)
				}
			}
			if strings.Join(keyLines, "") != key {
				t.Errorf("the key's lines %q do not make the published key %s", keyLines, key)
			}
			for _, want := range []string{
				"测试大厅", "编号 ID: " + hall.ID, aboutServer, fp, "#5  9f86d081   " + cpAt,
				aboutServer + "/rules", aboutServer + "/audit", "hallq-verify " + aboutServer, "Checkpoint key (Ed25519, base64)", "60 秒后自动关闭",
			} {
				if !strings.Contains(all, want) {
					t.Errorf("the about screen lacks %q:\n%s", want, all)
				}
			}
			img := shot(t, d, mode+"-about.png")
			if !hasColour(img, colAboutBg, 0.1, 0.3, 0.9, 0.8) {
				t.Error("the about screen's panel is not drawn")
			}
			for _, size := range []fyne.Size{{Width: 1280, Height: 720}, {Width: 1920, Height: 1080}, {Width: 3840, Height: 2160}, {Width: 1080, Height: 1920}} {
				d.win.Resize(size)
				textsFit(t, d, size)
				// Large type: a key line at least 1/40 of the shorter side
				// (18 px at 720 p), the labels at least 1/60.
				short := min(size.Width, size.Height)
				for i, l := range d.about.lines[:d.about.n] {
					floor := short / 40
					if d.about.kinds[i] == aboutLabel || d.about.kinds[i] == aboutHint {
						floor = short / 60
					}
					if l.TextSize < floor {
						t.Errorf("%v: %q drawn at %.1f, under %.1f", size, l.Text, l.TextSize, floor)
					}
				}
				if size.Width == 1280 || size.Width == 1080 {
					shot(t, d, fmt.Sprintf("%s-about-%.0fx%.0f.png", mode, size.Width, size.Height))
				}
			}
			d.win.Resize(fyne.NewSize(1920, 1080))

			d.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
			if d.about.bg.Visible() || len(aboutTexts(d)) > 0 {
				t.Error("Escape does not close the about screen")
			}

			// A tap on the status line opens it, a tap anywhere closes it.
			test.Tap(d.statusTap)
			if !d.about.bg.Visible() {
				t.Fatal("a tap on the status line does not open the about screen")
			}
			test.Tap(d.about.tap)
			if d.about.bg.Visible() {
				t.Error("a tap does not close the about screen")
			}

			// I opens it too; it closes by itself after aboutFor, and the
			// board is back.
			d.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyI})
			if !d.about.bg.Visible() {
				t.Fatal("I does not open the about screen")
			}
			d.render(f, now.Add(aboutFor-time.Second))
			if !d.about.bg.Visible() || !strings.Contains(strings.Join(aboutTexts(d), "\n"), "1 秒后自动关闭") {
				t.Errorf("a second before the timeout: %q", aboutTexts(d))
			}
			d.render(f, now.Add(aboutFor))
			if d.about.bg.Visible() {
				t.Error("the about screen stays after its timeout")
			}
			if hasColour(shot(t, d, mode+"-about-closed.png"), colAboutBg, 0, 0, 1, 1) {
				t.Error("the about screen's panel is still drawn after it closed")
			}
		})
	}
}

// TestAboutScreenWithoutKey: a hall that publishes no key, and a display
// that has not yet heard of the hall, say so rather than show an empty line.
func TestAboutScreenWithoutKey(t *testing.T) {
	now := t0.Add(time.Hour)
	d := newTestDisplay(t, ModeHall)
	d.server = aboutServer
	d.now = func() time.Time { return now }
	d.render(liveFrame(t, day(t), "", now), now)
	d.openAbout("test")
	all := strings.Join(aboutTexts(d), "\n")
	for _, want := range []string{"本大厅未公布签名公钥", "publishes no checkpoint key", "尚未见到  None yet"} {
		if !strings.Contains(all, want) {
			t.Errorf("lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "fingerprint") {
		t.Errorf("a fingerprint line without a key:\n%s", all)
	}

	d2 := newTestDisplay(t, ModeHall)
	d2.server = aboutServer
	d2.now = func() time.Time { return now }
	d2.openAbout("test") // the frame drawn at start: no hall yet
	if all := strings.Join(aboutTexts(d2), "\n"); !strings.Contains(all, "has not arrived yet") || !strings.Contains(all, aboutServer) {
		t.Errorf("before the hall's description:\n%s", all)
	}
	textsFit(t, d2, fyne.NewSize(1920, 1080))
}
