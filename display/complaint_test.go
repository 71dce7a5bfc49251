package main

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
)

// TestCardComplaintLink: the card shows the complaint form's address and its
// QR code, inside the card and clear of every text, at the supported sizes
// (TestLayoutsHold checks that the line fits its box); a card without the
// address shows neither.
func TestCardComplaintLink(t *testing.T) {
	now := t0.Add(time.Hour)
	for _, size := range []fyne.Size{{Width: 1280, Height: 720}, {Width: 1920, Height: 1080}, {Width: 3840, Height: 2160}, {Width: 1080, Height: 1920}} {
		d := newTestDisplay(t, ModeWindow)
		f := liveFrame(t, day(t), "vip", now)
		withPhoto(&f, testPortrait(t, 300, 400))
		d.render(f, now)
		d.win.Resize(size)
		w := d.window
		if !w.complaint.Visible() || w.complaint.Text != "网上投诉  zwfw.example.gov.cn:8443/complaint" {
			t.Fatalf("%v: complaint line %q shown %v", size, w.complaint.Text, w.complaint.Visible())
		}
		if !w.complaintQR.Visible() || w.complaintQR.Image == nil {
			t.Fatalf("%v: no QR code", size)
		}
		qp, qs, cp, cs := w.complaintQR.Position(), w.complaintQR.Size(), w.cardBg.Position(), w.cardBg.Size()
		if qp.X < cp.X || qp.Y < cp.Y || qp.X+qs.Width > cp.X+cs.Width || qp.Y+qs.Height > cp.Y+cs.Height {
			t.Errorf("%v: QR at %v size %v leaves the card at %v size %v", size, qp, qs, cp, cs)
		}
		if qs.Width < min(size.Width, size.Height)/14 {
			t.Errorf("%v: QR only %.0f px wide", size, qs.Width)
		}
		for _, txt := range visibleTexts(d.root.Objects) {
			p := txt.Position()
			drawnW := measure(txt.Text, txt.TextSize, txt.TextStyle).Width
			if txt.Alignment != fyne.TextAlignLeading {
				continue // centred and right-aligned texts lie elsewhere on the screen
			}
			_, baseline := fyne.CurrentApp().Driver().RenderedTextSize(txt.Text, txt.TextSize, txt.TextStyle, nil)
			top, bottom := p.Y+baseline-txt.TextSize, p.Y+baseline+0.12*txt.TextSize
			if p.X < qp.X+qs.Width && qp.X < p.X+drawnW && top < qp.Y+qs.Height && qp.Y < bottom {
				t.Errorf("%v: %q lies on the QR code", size, txt.Text)
			}
		}
		if overlaps(w.complaintQR, w.photo) {
			t.Errorf("%v: the QR code lies on the photo", size)
		}
	}

	h := testHall()
	h.ComplaintURL = ""
	d := newTestDisplay(t, ModeWindow)
	m := newModel(&saved{hall: h, state: day(t).state(), window: "vip"})
	d.render(m.frame(now), now)
	if d.window.complaint.Visible() || d.window.complaintQR.Visible() {
		t.Error("a card without the address shows a complaint line or QR code")
	}
}
