package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"hallq/server/audit"
	"hallq/server/client"
	"hallq/server/queue"
	"hallq/server/wire"
)

// manualHall is the test hall with published reasons for manual calls and a
// checkpoint key.
func manualHall() *wire.Hall {
	h := testHall()
	h.ManualReasons = []queue.Reason{{Code: "appointment", NameZH: "预约", NameEN: "Appointment"},
		{Code: "disability", NameZH: "行动不便", NameEN: "Limited mobility"}}
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	h.CheckpointKey = base64.StdEncoding.EncodeToString(pub)
	return h
}

// manualCall calls number at window out of the rule's order, for reason.
func (s *script) manualCall(window, number, reason string) *script {
	return s.add(queue.TypeTicketCalled, &queue.TicketCalledData{Ticket: "T-" + number, Number: number,
		Service: s.issued[number], Window: window, Reason: queue.ReasonManual, ManualReason: reason})
}

// manualDay is a day where window 1 called A003 before A002 for an
// appointment, after serving A001 in order, and the priority desk C001 in order.
func manualDay(t *testing.T) *script {
	return newScript(t).issue("general", "A001").issue("general", "A002").issue("estate", "C001").issue("general", "A003").
		open("1").open("vip").call("1", "A001").done("1", "A001").call("vip", "C001").manualCall("1", "A003", "appointment")
}

func manualFrame(t *testing.T, s *script, window string, now time.Time) frame {
	t.Helper()
	m := newModel(&saved{hall: manualHall(), state: s.state(), seq: s.seq, hash: "0123456789abcdef0123", window: window})
	m.setLink(client.StreamStatus{State: client.StreamLive}, now)
	return m.frame(now)
}

// shot captures the display's window, as the software renderer draws it, and
// keeps it in $HALLQ_SHOTS (or the test's directory) for people to look at.
func shot(t *testing.T, d *display, name string) image.Image {
	t.Helper()
	img := d.win.Canvas().Capture()
	dir := os.Getenv("HALLQ_SHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return img
}

// hasColour reports whether the region (fractions of the image) has at
// least a thousandth of its pixels in colour c.
func hasColour(img image.Image, c color.NRGBA, x0, y0, x1, y1 float64) bool {
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	n, all := 0, 0
	for y := b.Min.Y + int(y0*h); y < b.Min.Y+int(y1*h); y++ {
		for x := b.Min.X + int(x0*w); x < b.Min.X+int(x1*w); x++ {
			all++
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				n++
			}
		}
	}
	return n > 0 && n*1000 >= all
}

// textsFit fails for a visible text wider than its box or the screen.
func textsFit(t *testing.T, d *display, size fyne.Size) {
	t.Helper()
	for _, txt := range visibleTexts(d.root.Objects) {
		if d.hall != nil && txt == d.hall.noticeText && d.hall.scroll {
			continue
		}
		p, sz := txt.Position(), txt.Size()
		if w := measure(txt.Text, txt.TextSize, txt.TextStyle).Width; w > sz.Width+2 { // glyph positions round
			t.Errorf("%v: %q is %.0f wide in a box of %.0f", size, txt.Text, w, sz.Width)
		}
		// TestLayoutsHold checks the heights of the glyphs.
		if p.X < -0.5 || p.X+sz.Width > size.Width+0.5 {
			t.Errorf("%v: %q at %v size %v leaves the screen", size, txt.Text, p, sz)
		}
	}
}

// TestHallBoardMarksManualCalls: a call that was not the rule's pick is marked
// in purple with its published reason, as on the web board — the newest call,
// its row among those being served, and the earlier calls — and calls in the
// rule's order are not.
func TestHallBoardMarksManualCalls(t *testing.T) {
	d := newTestDisplay(t, ModeHall)
	now := t0.Add(time.Hour)
	d.render(manualFrame(t, manualDay(t), "", now), now)
	h := d.hall
	if h.heroNumber.Text != "A003" || !h.heroTag.Visible() || h.heroTag.Text != "人工指定 · 预约  Manual call · Appointment" {
		t.Errorf("newest call %s: mark shown %v %q", h.heroNumber.Text, h.heroTag.Visible(), h.heroTag.Text)
	}
	var rows []string
	for _, r := range h.serving {
		if r.number.Visible() {
			rows = append(rows, r.number.Text+" manual="+map[bool]string{true: r.tag.Text, false: "-"}[r.tag.Visible() && r.mark.Visible()])
		}
	}
	if got := strings.Join(rows, ", "); got != "A003 manual=人工指定 · 预约, C001 manual=-" {
		t.Errorf("now serving: %s", got)
	}
	if r := h.recent[0]; r.Text != "A001 → 1号窗口" || r.Color != colText {
		t.Errorf("an earlier call in order: %q in %v", r.Text, r.Color)
	}
	img := shot(t, d, "hall-manual.png")
	if !hasColour(img, colManual, 0.3, 0.09, 0.6, 0.25) {
		t.Error("the newest call's purple mark is not on the screen")
	}
	if !hasColour(img, colManual, 0.6, 0.15, 0.99, 0.63) {
		t.Error("the purple bar of the manual call being served is not on the screen")
	}
	for _, size := range []fyne.Size{{Width: 1280, Height: 720}, {Width: 3840, Height: 2160}, {Width: 1080, Height: 1920}} {
		d.win.Resize(size)
		textsFit(t, d, size)
	}

	// Served, the manual call moves to the earlier calls, still marked; a
	// recall of a manual call keeps the mark.
	s := manualDay(t).done("1", "A003").manualCall("1", "A002", "disability").recall("1", "A002")
	d2 := newTestDisplay(t, ModeHall)
	d2.render(manualFrame(t, s, "", now), now)
	if !d2.hall.heroTag.Visible() || !strings.Contains(d2.hall.heroLabel.Text, "再次呼叫") || !strings.Contains(d2.hall.heroTag.Text, "行动不便") {
		t.Errorf("a recalled manual call: %q, mark %v %q", d2.hall.heroLabel.Text, d2.hall.heroTag.Visible(), d2.hall.heroTag.Text)
	}
	if r := d2.hall.recent[0]; r.Text != "A003 → 1号窗口 · 人工" || r.Color != colManualText {
		t.Errorf("an earlier manual call: %q in %v", r.Text, r.Color)
	}
	shot(t, d2, "hall-manual-recalled.png")

	// A call in the rule's order shows no mark.
	d3 := newTestDisplay(t, ModeHall)
	d3.render(manualFrame(t, day(t), "", now), now)
	if d3.hall.heroTag.Visible() || d3.hall.serving[0].mark.Visible() {
		t.Error("a call in the rule's order is marked manual")
	}
	if hasColour(shot(t, d3, "hall-in-order.png"), colManual, 0, 0, 1, 1) {
		t.Error("purple on a board without manual calls")
	}
}

// TestWindowScreenMarksManualCalls: the screen above the window marks the
// number it serves out of the rule's order, with the reason.
func TestWindowScreenMarksManualCalls(t *testing.T) {
	now := t0.Add(time.Hour)
	d := newTestDisplay(t, ModeWindow)
	d.render(manualFrame(t, manualDay(t), "1", now), now)
	w := d.window
	if w.number.Text != "A003" || !w.manual.Visible() || w.manual.Text != "人工指定 · 预约  Manual call · Appointment" {
		t.Errorf("window 1 serving %s: mark %v %q", w.number.Text, w.manual.Visible(), w.manual.Text)
	}
	img := shot(t, d, "window-manual.png")
	if !hasColour(img, colManual, 0.2, 0.15, 0.6, 0.3) {
		t.Error("the purple mark is not on the window screen")
	}
	for _, size := range []fyne.Size{{Width: 1280, Height: 720}, {Width: 3840, Height: 2160}, {Width: 1080, Height: 1920}} {
		d.win.Resize(size)
		textsFit(t, d, size)
	}
	// The priority desk called C001 in order: no mark.
	d2 := newTestDisplay(t, ModeWindow)
	d2.render(manualFrame(t, manualDay(t), "vip", now), now)
	if d2.window.number.Text != "C001" || d2.window.manual.Visible() {
		t.Errorf("desk serving %s in order: marked %v", d2.window.number.Text, d2.window.manual.Visible())
	}
	if hasColour(shot(t, d2, "window-in-order.png"), colManual, 0, 0, 1, 1) {
		t.Error("purple on a window screen without a manual call")
	}
}

// TestDisplayShowsCheckpointKey: the hall's displays show the fingerprint of
// the key that signs the log's checkpoints, the one /rules and hallq-verify
// print, so that anyone in the hall can compare them.
func TestDisplayShowsCheckpointKey(t *testing.T) {
	now := t0.Add(time.Hour)
	want := audit.Fingerprint(manualHall().CheckpointKey)
	if want == "" {
		t.Fatal("no fingerprint for the test key")
	}
	for _, mode := range []string{ModeHall, ModeWindow} {
		d := newTestDisplay(t, mode)
		d.render(manualFrame(t, manualDay(t), "1", now), now)
		if !d.logText.Visible() || !strings.HasSuffix(d.logText.Text, "签名公钥指纹 Key "+want) {
			t.Errorf("%s: status line %q, want the key's fingerprint %s", mode, d.logText.Text, want)
		}
		for _, size := range []fyne.Size{{Width: 1280, Height: 720}, {Width: 1920, Height: 1080}} {
			d.win.Resize(size)
			textsFit(t, d, size)
		}
		// Unreadably small is not shown: the line is at least as tall as
		// the link status beside it.
		if d.logText.TextSize < d.linkText.TextSize*0.7 {
			t.Errorf("%s: the fingerprint is drawn at %.1f, the status beside it at %.1f", mode, d.logText.TextSize, d.linkText.TextSize)
		}
		shot(t, d, mode+"-key.png")
	}
	// A hall that publishes no key shows none.
	d := newTestDisplay(t, ModeHall)
	d.render(liveFrame(t, day(t), "", now), now)
	if strings.Contains(d.logText.Text, "Key") {
		t.Errorf("status line %q names a key the hall does not publish", d.logText.Text)
	}
}
