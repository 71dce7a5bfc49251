package main

import (
	"context"
	"fmt"
	"image/color"
	"log/slog"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"hallq/server/client"
)

// display is the app: its window and the objects of the screen it shows. Its
// fields belong to Fyne's main goroutine; other goroutines reach them only
// through fyne.Do (see renderer).
type display struct {
	mode       string
	scroll     bool // the hall board's notices scroll
	fullscreen bool
	width      int
	height     int
	server     string // the URL followed, for the about screen
	log        *slog.Logger
	now        func() time.Time
	// rate sends a rating tapped on a window's screen (client.RateAtWindow);
	// nil offers no rating.
	rate func(ctx context.Context, window, level string) error

	win  fyne.Window
	root *fyne.Container

	bg        *canvas.Rectangle
	header    *canvas.Rectangle
	title     *canvas.Text
	titleEN   *canvas.Text
	clock     *canvas.Text
	date      *canvas.Text
	statusBg  *canvas.Rectangle
	statusDot *canvas.Circle
	linkText  *canvas.Text
	logText   *canvas.Text
	staleBg   *canvas.Rectangle
	staleText *canvas.Text
	alarmBg   *canvas.Rectangle
	alarmText *canvas.Text
	alarmEN   *canvas.Text

	hall   *hallScreen   // hall mode
	window *windowScreen // window mode

	about      *aboutScreen
	statusTap  *tapZone  // a tap on the status line opens the about screen
	aboutUntil time.Time // when the about screen closes by itself; zero: it is closed
	last       frame     // the frame drawn last, to redraw on a key or a tap

	// What the last frame showed.
	content   string // everything drawn but the clock and the flash, to tell when to lay out again
	painted   painted
	newestSeq uint64 // the latest call shown as the newest on the hall board
	newestAt  time.Time
}

// newDisplay returns the app of a configuration; loadUI builds its screen.
func newDisplay(cfg *Config) *display {
	return &display{mode: cfg.Mode, scroll: cfg.ScrollFPS > 0, fullscreen: cfg.Fullscreen, width: cfg.Width, height: cfg.Height,
		server: cfg.Server, now: time.Now}
}

// layoutFunc is a fyne.Layout that lays out the screen's objects itself.
type layoutFunc func(size fyne.Size)

// Layout implements fyne.Layout.
func (f layoutFunc) Layout(_ []fyne.CanvasObject, size fyne.Size) { f(size) }

// MinSize implements fyne.Layout: the screens shrink to any window.
func (f layoutFunc) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(320, 180) }

// loadUI builds the window and the screen of the display's mode.
func (d *display) loadUI(app fyne.App) {
	d.win = app.NewWindow("hallq")
	d.bg = canvas.NewRectangle(colBackground)
	d.header = canvas.NewRectangle(colHeader)
	d.title = newText(colText, true)
	d.titleEN = newText(colMuted, false)
	d.clock = newText(colText, true)
	d.date = newText(colMuted, false)
	d.statusBg = canvas.NewRectangle(colDark)
	d.statusDot = canvas.NewCircle(colWarn)
	d.linkText = newText(colMuted, false)
	d.logText = newText(colMuted, false)
	d.staleBg = canvas.NewRectangle(colWarn)
	d.staleText = newText(colDark, true)
	d.alarmBg = canvas.NewRectangle(colAlarm)
	d.alarmText = newText(colText, true)
	d.alarmEN = newText(colText, false)

	objs := []fyne.CanvasObject{d.bg, d.header, d.title, d.titleEN, d.clock, d.date}
	if d.mode == ModeWindow {
		d.window = newWindowScreen(d.tapRating)
		objs = append(objs, d.window.objects()...)
	} else {
		d.hall = newHallScreen(d, d.scroll)
		objs = append(objs, d.hall.objects()...)
	}
	objs = append(objs, d.statusBg, d.statusDot, d.linkText, d.logText, d.staleBg, d.staleText, d.alarmBg, d.alarmText, d.alarmEN)
	d.statusTap = newTapZone(func() { d.toggleAbout("tap on the status line") })
	d.about = newAboutScreen(func() { d.closeAbout("tap") })
	objs = append(objs, d.statusTap)
	objs = append(objs, d.about.objects()...)
	d.root = container.New(layoutFunc(d.layout), objs...)
	d.win.Canvas().SetOnTypedKey(d.typedKey)
	d.render(frame{Status: Status{Link: client.StreamConnecting}, Loc: time.Local}, time.Now())
	d.win.SetContent(d.root)
	d.win.SetPadded(false)
	d.win.Resize(fyne.NewSize(float32(d.width), float32(d.height)))
	d.win.SetFullScreen(d.fullscreen)
}

// layout places everything for a window of the given size.
func (d *display) layout(size fyne.Size) {
	W, H := size.Width, size.Height
	full := box{0, 0, W, H}
	place(d.bg, full)

	headerH := float32(0.09)
	if d.mode == ModeWindow {
		headerH = 0.15
	}
	head := full.rows(0, headerH)
	place(d.header, head)
	left := head.cols(0.02, 0.64)
	fit(d.title, left.rows(0.08, 0.66), cjkGlyphs, 0.8, fyne.TextAlignLeading)
	fit(d.titleEN, left.rows(0.66, 0.96), lineGlyphs, 0.8, fyne.TextAlignLeading)
	right := head.cols(0.66, 0.98)
	fit(d.clock, right.rows(0.06, 0.66), capsGlyphs, 0.78, fyne.TextAlignTrailing)
	fit(d.date, right.rows(0.66, 0.96), cjkGlyphs, 0.72, fyne.TextAlignTrailing)

	status := full.rows(0.965, 1)
	place(d.statusBg, status)
	dot := status.h * 0.45
	place(d.statusDot, box{status.x + 0.012*W, status.y + (status.h-dot)/2, dot, dot})
	fit(d.linkText, status.cols(0.012, 0.55).shift(dot+0.008*W), cjkGlyphs, 0.62, fyne.TextAlignLeading)
	fit(d.logText, status.cols(0.55, 0.988), lineGlyphs, 0.6, fyne.TextAlignTrailing)
	place(d.statusTap, status)
	d.about.layout(box{0, head.h, W, status.y - head.h}, full)

	// A stale copy or an alarm takes a band at the top; the screen below
	// shrinks rather than hide anything.
	main := box{0, head.h, W, status.y - head.h}
	switch {
	case d.alarmBg.Visible():
		band := main.rows(0, 0.16)
		place(d.alarmBg, band)
		fit(d.alarmText, band.rows(0.08, 0.6).cols(0.02, 0.98), cjkGlyphs, 0.75, fyne.TextAlignCenter)
		fit(d.alarmEN, band.rows(0.6, 0.92).cols(0.02, 0.98), lineGlyphs, 0.7, fyne.TextAlignCenter)
		main = main.rows(0.16, 1)
	case d.staleBg.Visible():
		band := main.rows(0, 0.075)
		place(d.staleBg, band)
		fit(d.staleText, band.cols(0.02, 0.98), cjkGlyphs, 0.6, fyne.TextAlignCenter)
		main = main.rows(0.075, 1)
	}

	if d.hall != nil {
		d.hall.layout(main, W)
	}
	if d.window != nil {
		d.window.layout(main)
	}
}

// shift returns the box moved right by dx and narrowed by as much.
func (b box) shift(dx float32) box { return box{b.x + dx, b.y, b.w - dx, b.h} }

// render shows a frame at time now.
func (d *display) render(f frame, now time.Time) {
	d.last = f
	st := f.Status

	clock, date := clockTexts(now.Add(f.Skew), f.Loc)
	d.clock.Text, d.date.Text = clock, date

	zh, en := linkTexts(st, f.Loc)
	d.linkText.Text = zh + "  " + en
	switch {
	case st.Alarm != nil:
		d.statusDot.FillColor = colAlarm
	case st.Link == client.StreamLive:
		d.statusDot.FillColor = colLive
	case st.Link == client.StreamDown:
		d.statusDot.FillColor = colAlarm
	default:
		d.statusDot.FillColor = colWarn
	}
	d.logText.Text = fmt.Sprintf("公开日志 Public log  #%d  %s", st.Seq, shortHash(st.Hash))
	if f.KeyFingerprint != "" {
		// The public compares it with what /rules and hallq-verify show.
		d.logText.Text += "  ·  签名公钥指纹 Key " + f.KeyFingerprint
	}

	showIf(st.Alarm != nil, d.alarmBg, d.alarmText, d.alarmEN)
	if st.Alarm != nil {
		d.alarmText.Text, d.alarmEN.Text = "⚠ "+st.Alarm.ZH, st.Alarm.EN
	}
	stale := st.Stale() && st.Alarm == nil
	showIf(stale, d.staleBg, d.staleText)
	if stale {
		d.staleText.Text = "⚠ " + zh + "  ·  " + en
	}

	if d.hall != nil {
		d.renderHall(f, now)
	}
	if d.window != nil {
		d.window.render(d, f, now)
	}
	d.renderAbout(f, now)

	content := d.contentKey()
	if content != d.content {
		d.content = content
		d.root.Refresh()
		d.remember()
		return
	}
	// Only the clock, the link dot and the flash change between layouts;
	// each is repainted only when it changed, so that an idle screen is
	// repainted once a second.
	if d.clock.Text != d.painted.clock || d.date.Text != d.painted.date {
		d.clock.Refresh()
		d.date.Refresh()
	}
	if d.statusDot.FillColor != d.painted.dot {
		d.statusDot.Refresh()
	}
	if d.hall != nil && d.hall.flash != d.painted.flash {
		d.hall.refreshFlash()
	}
	if d.window != nil && d.window.flash != d.painted.flash {
		d.window.refreshFlash()
	}
	d.remember()
}

// painted is what the last repaint showed of what changes between layouts.
type painted struct {
	clock, date string
	dot         color.Color
	flash       bool
}

// remember records what is on the screen now.
func (d *display) remember() {
	d.painted = painted{clock: d.clock.Text, date: d.date.Text, dot: d.statusDot.FillColor}
	if d.hall != nil {
		d.painted.flash = d.hall.flash
	}
	if d.window != nil {
		d.painted.flash = d.window.flash
	}
}

// contentKey joins every text shown but the clock, and what is visible.
func (d *display) contentKey() string {
	var b strings.Builder
	for _, o := range d.root.Objects {
		if !o.Visible() {
			continue
		}
		if t, ok := o.(*canvas.Text); ok && t != d.clock && t != d.date {
			b.WriteString(t.Text)
			b.WriteByte(0)
		} else {
			b.WriteByte(1)
		}
	}
	if d.window != nil {
		b.WriteString(d.window.dutiesText) // wrapped into lines by layout
		b.WriteByte(0)
		b.WriteString(d.window.photoKey) // a new portrait is drawn anew
		b.WriteByte(0)
		b.WriteString(d.window.qrURL)
	}
	return b.String()
}

// showIf shows or hides objects.
func showIf(show bool, objs ...fyne.CanvasObject) {
	for _, o := range objs {
		if show {
			o.Show()
		} else {
			o.Hide()
		}
	}
}

// hallTitle sets the header to the hall's names, or says the display waits
// for them.
func (d *display) hallTitle(f frame) {
	if f.HasHall {
		d.title.Text, d.titleEN.Text = f.Hall.NameZH, f.Hall.NameEN
		return
	}
	d.title.Text, d.titleEN.Text = "正在连接叫号服务器…", "Connecting to the hall's queue server…"
}
