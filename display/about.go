package main

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"hallq/server/audit"
)

// The about screen tells a technician, a supervisor or a curious member of
// the public which hall and server the display follows and how to check its
// log: the full public key that signs the log's checkpoints, as /rules and
// GET /api/v1/hall publish it, its fingerprint, the last checkpoint the
// display has seen and where to verify. A hall display has no touch screen as
// a rule, so it opens with F1 or I on an attached keyboard, a tap or click on
// the status line, SIGUSR1, or at start with -about; it closes with Escape, a
// tap, or by itself after aboutFor.

// aboutFor is how long the about screen stays up when nobody closes it.
const aboutFor = 60 * time.Second

// Colours of the about screen: a deep blue panel, distinct from the boards'.
var (
	colAboutBg    = color.NRGBA{R: 0x0c, G: 0x21, B: 0x3f, A: 0xff}
	colAboutLabel = color.NRGBA{R: 0x9f, G: 0xc3, B: 0xff, A: 0xff}
)

// aboutView is what the about screen shows, copied out of the model.
type aboutView struct {
	HallID, NameZH, NameEN string
	// Key is the hall's Ed25519 checkpoint key in standard base64, as
	// published; "" when the hall publishes none.
	Key string
	// Checkpoint is the seq the last checkpoint seen signed (0: none yet),
	// CheckpointHash its hash and CheckpointAt when it was made.
	Checkpoint     uint64
	CheckpointHash string
	CheckpointAt   time.Time
}

// aboutKind is the part a line of the about screen plays.
type aboutKind int

const (
	aboutTitle aboutKind = iota
	aboutLabel
	aboutValue
	aboutKey // a line of the key, in a fixed-width face
	aboutHint
)

// aboutWeight is the height of each kind of line, relative to the others.
var aboutWeight = [...]float32{aboutTitle: 1.15, aboutLabel: 0.62, aboutValue: 0.9, aboutKey: 0.9, aboutHint: 0.6}

// aboutRows is the most lines the screen has.
const aboutRows = 20

// aboutLine is one line of text of the about screen.
type aboutLine struct {
	kind aboutKind
	text string
	col2 bool // on a landscape screen, the first line of the second column
}

// aboutLines returns the lines of the about screen; server is the URL the
// display follows and now the time shown for the closing hint.
func aboutLines(v aboutView, server string, loc *time.Location, left time.Duration) []aboutLine {
	ls := []aboutLine{{kind: aboutTitle, text: "关于本屏 · 公开核验  About · Public verification"}}
	add := func(k aboutKind, text string) { ls = append(ls, aboutLine{kind: k, text: text}) }

	switch {
	case v.HallID == "":
		add(aboutLabel, "大厅  Hall")
		add(aboutValue, "尚未收到大厅说明  The hall's description has not arrived yet")
	default:
		add(aboutLabel, fmt.Sprintf("大厅  Hall  （编号 ID: %s）", v.HallID))
		add(aboutValue, v.NameZH)
		add(aboutValue, v.NameEN)
	}
	add(aboutLabel, "叫号服务器  Queue server")
	add(aboutValue, server)

	add(aboutLabel, "检查点签名公钥  Checkpoint key (Ed25519, base64)")
	fp := audit.Fingerprint(v.Key)
	switch {
	case v.Key == "":
		add(aboutValue, "本大厅未公布签名公钥  The hall publishes no checkpoint key")
	case fp == "":
		add(aboutValue, "公布的公钥无效  The published key is not an Ed25519 key")
		add(aboutKey, v.Key)
	default:
		// 44 characters in two lines of 22, exactly as published.
		half := (len(v.Key) + 1) / 2
		add(aboutKey, v.Key[:half])
		add(aboutKey, v.Key[half:])
	}
	if fp != "" {
		add(aboutLabel, "公钥指纹  Key fingerprint")
		add(aboutKey, fp)
	}

	add(aboutLabel, "最近签名检查点  Last signed checkpoint")
	ls[len(ls)-1].col2 = true
	if v.Checkpoint == 0 {
		add(aboutValue, "尚未见到  None yet")
	} else {
		at := ""
		if !v.CheckpointAt.IsZero() {
			at = "   " + v.CheckpointAt.In(loc).Format("2006-01-02 15:04:05")
		}
		add(aboutKey, fmt.Sprintf("#%d  %s%s", v.Checkpoint, shortCheckpoint(v.CheckpointHash), at))
	}

	add(aboutLabel, "在哪里核验  Where to verify")
	add(aboutValue, server+"/rules")
	add(aboutValue, server+"/audit")
	add(aboutKey, "hallq-verify "+server)

	secs := int(left.Round(time.Second) / time.Second)
	add(aboutHint, fmt.Sprintf("按 Esc 或轻触关闭，%d 秒后自动关闭 · Esc or tap to close (%d s)", secs, secs))
	return ls
}

// shortCheckpoint returns the first 8 characters of a checkpoint's hash, as
// receipts print them.
func shortCheckpoint(hash string) string {
	if len(hash) > 8 {
		return hash[:8]
	}
	return hash
}

// aboutScreen draws the about screen over the board.
type aboutScreen struct {
	bg    *canvas.Rectangle
	lines [aboutRows]*canvas.Text
	kinds [aboutRows]aboutKind
	n     int      // lines in use
	col2  int      // the first line of the second column, 0 for none
	tap   *tapZone // over the whole screen while shown: a tap closes it
}

func newAboutScreen(close func()) *aboutScreen {
	a := &aboutScreen{bg: canvas.NewRectangle(colAboutBg), tap: newTapZone(close)}
	for i := range a.lines {
		a.lines[i] = newText(colText, false)
	}
	a.bg.Hide()
	a.tap.Hide()
	for _, t := range a.lines {
		t.Hide()
	}
	return a
}

// objects returns the screen's objects, the tap zone last so that it is on top.
func (a *aboutScreen) objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{a.bg}
	for _, t := range a.lines {
		objs = append(objs, t)
	}
	return append(objs, a.tap)
}

// set shows the lines, or hides the screen when ls is nil.
func (a *aboutScreen) set(ls []aboutLine) {
	showIf(ls != nil, a.bg, a.tap)
	a.n = min(len(ls), aboutRows)
	a.col2 = 0
	for i, t := range a.lines {
		if i >= a.n {
			t.Hide()
			t.Text = ""
			continue
		}
		l := ls[i]
		if l.col2 {
			a.col2 = i
		}
		t.Show()
		t.Text = l.text
		a.kinds[i] = l.kind
		t.TextStyle = fyne.TextStyle{Bold: l.kind == aboutTitle, Monospace: l.kind == aboutKey}
		switch l.kind {
		case aboutLabel, aboutHint:
			t.Color = colAboutLabel
		case aboutKey:
			t.Color = colNumber
		default:
			t.Color = colText
		}
	}
}

// layout places the screen over the area b. On a landscape screen the lines
// stand in two columns under the title, for larger type.
func (a *aboutScreen) layout(b box, full box) {
	if !a.bg.Visible() {
		return
	}
	place(a.bg, b)
	place(a.tap, full)
	inner := b.inset(min(b.w, b.h) * 0.03)
	weight := func(from, to int) (w float32) {
		for i := from; i < to; i++ {
			w += aboutWeight[a.kinds[i]]
		}
		return w
	}
	// The title is the first line, the hint the last.
	title, hint := 0, a.n-1
	split := a.col2 > 1 && a.col2 < hint && b.w > 1.3*b.h
	body := weight(1, hint)
	if split {
		body = max(weight(1, a.col2), weight(a.col2, hint))
	}
	unit := inner.h / max(aboutWeight[aboutTitle]+body+aboutWeight[aboutHint], 1)
	y := inner.y
	a.fitLine(title, box{inner.x, y, inner.w, unit * aboutWeight[aboutTitle]})
	top := y + unit*aboutWeight[aboutTitle]
	col := box{inner.x, top, inner.w, 0}
	if split {
		col.w = inner.w * 0.48
	}
	y = top
	for i := 1; i < hint; i++ {
		if split && i == a.col2 {
			col.x, y = inner.x+inner.w*0.52, top
		}
		h := unit * aboutWeight[a.kinds[i]]
		a.fitLine(i, box{col.x, y, col.w, h})
		y += h
	}
	a.fitLine(hint, box{inner.x, inner.y + inner.h - unit*aboutWeight[aboutHint], inner.w, unit * aboutWeight[aboutHint]})
}

// fitLine sizes line i to the box.
func (a *aboutScreen) fitLine(i int, b box) {
	g := lineGlyphs
	if a.kinds[i] == aboutTitle {
		g = cjkGlyphs
	}
	fit(a.lines[i], b, g, 0.8, fyne.TextAlignLeading)
}

// tapZone is an invisible area that calls a function when tapped or clicked.
type tapZone struct {
	widget.BaseWidget
	onTap func()
}

func newTapZone(onTap func()) *tapZone {
	z := &tapZone{onTap: onTap}
	z.ExtendBaseWidget(z)
	return z
}

// Tapped implements fyne.Tappable.
func (z *tapZone) Tapped(*fyne.PointEvent) { z.onTap() }

// CreateRenderer implements fyne.Widget: the zone draws nothing.
func (z *tapZone) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// openAbout shows the about screen for aboutFor; why is logged.
func (d *display) openAbout(why string) {
	now := d.now()
	d.aboutUntil = now.Add(aboutFor)
	d.logAbout("about screen shown", why)
	d.render(d.last, now)
}

// closeAbout hides the about screen; why is logged.
func (d *display) closeAbout(why string) {
	if d.aboutUntil.IsZero() {
		return
	}
	d.aboutUntil = time.Time{}
	d.logAbout("about screen closed", why)
	d.render(d.last, d.now())
}

// toggleAbout opens the about screen, or closes it when it is shown.
func (d *display) toggleAbout(why string) {
	if d.aboutUntil.IsZero() {
		d.openAbout(why)
	} else {
		d.closeAbout(why)
	}
}

// typedKey handles the keys of an attached keyboard: F1 or I toggles the
// about screen, Escape closes it.
func (d *display) typedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyF1, fyne.KeyI:
		d.toggleAbout("key " + string(ev.Name))
	case fyne.KeyEscape:
		d.closeAbout("key Escape")
	}
}

func (d *display) logAbout(msg, why string) {
	if d.log != nil {
		d.log.Info(msg, "by", why)
	}
}

// renderAbout fills the about screen for a frame at time now, or hides it
// when it is closed or its time is up.
func (d *display) renderAbout(f frame, now time.Time) {
	if !d.aboutUntil.IsZero() && !now.Before(d.aboutUntil) {
		d.aboutUntil = time.Time{}
		d.logAbout("about screen closed", "timeout")
	}
	if d.aboutUntil.IsZero() {
		d.about.set(nil)
		return
	}
	loc := f.Loc
	if loc == nil {
		loc = time.Local
	}
	d.about.set(aboutLines(f.About, d.server, loc, d.aboutUntil.Sub(now)))
}
