package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"hallq/server/client"
)

// noticeFor is how long each notice shows when they do not scroll.
const noticeFor = 10 * time.Second

// Sizes of the hall board's lists.
const (
	servingRows = 5 // calls listed under "now serving"
	maxServices = 8 // services with their queue
	recentShown = 6 // earlier calls
)

// callObjs draw one call of the "now serving" list.
type callObjs struct {
	bg             *canvas.Rectangle
	number, window *canvas.Text
	mark           *canvas.Rectangle // a manual call's bar
	tag            *canvas.Text      // a manual call's reason
}

// serviceObjs draw one service's queue.
type serviceObjs struct {
	bg                        *canvas.Rectangle
	name, nameEN, count, wait *canvas.Text
}

// hallScreen is the hall board: the newest call in the largest type, every
// call being served, the queue of each service, earlier calls and notices.
type hallScreen struct {
	d *display

	heroBg     *canvas.Rectangle
	heroLabel  *canvas.Text
	heroNumber *canvas.Text
	heroWindow *canvas.Text
	heroEN     *canvas.Text
	heroIdle   *canvas.Text
	heroIdleEN *canvas.Text
	heroTagBg  *canvas.Rectangle // the newest call is a manual one …
	heroTag    *canvas.Text      // … for this published reason
	flash      bool              // the newest call is drawn in its flash colours

	servingBg    *canvas.Rectangle
	servingTitle *canvas.Text
	serving      [servingRows]callObjs

	waitTitle   *canvas.Text
	waitTitleEN *canvas.Text
	services    [maxServices]serviceObjs

	recentTitle *canvas.Text
	recent      [recentShown]*canvas.Text

	noticeBg      *canvas.Rectangle
	noticeText    *canvas.Text
	noticeLabelBg *canvas.Rectangle
	noticeLabel   *canvas.Text
	noticeBox     box
	scroll        bool      // the notices scroll; else they are shown one at a time
	scrollKey     string    // the text and band the scroll runs for
	scrollFrom    time.Time // when it started
	scrollWidth   float32   // of the text
	scrollY       float32
}

func newHallScreen(d *display, scroll bool) *hallScreen {
	h := &hallScreen{d: d, scroll: scroll,
		heroBg:     canvas.NewRectangle(colPanel),
		heroLabel:  newText(colText, true),
		heroNumber: newText(colNumber, true),
		heroWindow: newText(colWindow, true),
		heroEN:     newText(colText, false),
		heroIdle:   newText(colMuted, true),
		heroIdleEN: newText(colMuted, false),
		heroTagBg:  canvas.NewRectangle(colManual),
		heroTag:    newText(colText, true),
		servingBg:  canvas.NewRectangle(colPanel),

		servingTitle: newText(colMuted, true),
		waitTitle:    newText(colMuted, true),
		waitTitleEN:  newText(colMuted, false),
		recentTitle:  newText(colMuted, true),

		noticeBg:      canvas.NewRectangle(colPanel),
		noticeText:    newText(colText, false),
		noticeLabelBg: canvas.NewRectangle(colWarn),
		noticeLabel:   newText(colDark, true),
	}
	h.servingTitle.Text = "正在办理  Now serving"
	h.waitTitle.Text, h.waitTitleEN.Text = "等候", "Waiting"
	h.recentTitle.Text = "已呼叫 Called"
	h.noticeLabel.Text = "通知 Notice"
	h.heroIdle.Text, h.heroIdleEN.Text = "请留意叫号", "Please wait for your number to be called"
	for i := range h.serving {
		h.serving[i] = callObjs{bg: canvas.NewRectangle(colBackground), number: newText(colNumber, true), window: newText(colWindow, true),
			mark: canvas.NewRectangle(colManual), tag: newText(colManualText, false)}
	}
	for i := range h.services {
		h.services[i] = serviceObjs{bg: canvas.NewRectangle(colPanel), name: newText(colText, true),
			nameEN: newText(colMuted, false), count: newText(colNumber, true), wait: newText(colText, false)}
	}
	for i := range h.recent {
		h.recent[i] = newText(colText, true)
	}
	return h
}

// objects returns the board's objects, bottom first.
func (h *hallScreen) objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{h.heroBg, h.heroLabel, h.heroNumber, h.heroWindow, h.heroEN, h.heroIdle, h.heroIdleEN,
		h.heroTagBg, h.heroTag, h.servingBg, h.servingTitle}
	for _, r := range h.serving {
		objs = append(objs, r.bg, r.mark, r.number, r.window, r.tag)
	}
	objs = append(objs, h.waitTitle, h.waitTitleEN)
	for _, s := range h.services {
		objs = append(objs, s.bg, s.name, s.nameEN, s.count, s.wait)
	}
	objs = append(objs, h.recentTitle)
	for _, r := range h.recent {
		objs = append(objs, r)
	}
	return append(objs, h.noticeBg, h.noticeText, h.noticeLabelBg, h.noticeLabel)
}

// layout places the board in main, the screen below the header; W is the
// screen's width.
func (h *hallScreen) layout(main box, W float32) {
	gap := 0.008 * W

	top := main.rows(0, 0.63)
	hero := top.cols(0.012, 0.6).inset(gap / 2)
	place(h.heroBg, hero)
	in := hero.cols(0.03, 0.97)
	please := in.rows(0.04, 0.15)
	if h.heroTagBg.Visible() {
		// The mark of a manual call takes the right of the label's row.
		tag := please.cols(0.42, 1)
		place(h.heroTagBg, tag)
		fit(h.heroTag, tag.cols(0.03, 0.97), cjkGlyphs, 0.7, fyne.TextAlignCenter)
		please = please.cols(0, 0.4)
	}
	fit(h.heroLabel, please, cjkGlyphs, 0.85, fyne.TextAlignLeading)
	fit(h.heroNumber, in.rows(0.15, 0.63), capsGlyphs, 0.88, fyne.TextAlignCenter)
	fit(h.heroWindow, in.rows(0.63, 0.86), cjkGlyphs, 0.86, fyne.TextAlignCenter)
	fit(h.heroEN, in.rows(0.87, 0.97), lineGlyphs, 0.8, fyne.TextAlignCenter)
	fit(h.heroIdle, in.rows(0.3, 0.55), cjkGlyphs, 0.8, fyne.TextAlignCenter)
	fit(h.heroIdleEN, in.rows(0.58, 0.7), lineGlyphs, 0.8, fyne.TextAlignCenter)

	list := top.cols(0.6, 0.988).inset(gap / 2)
	place(h.servingBg, list)
	fit(h.servingTitle, list.rows(0.02, 0.13).cols(0.04, 0.96), cjkGlyphs, 0.7, fyne.TextAlignLeading)
	rows := list.rows(0.14, 0.99)
	for i, r := range h.serving {
		row := rows.rows(float32(i)/servingRows, float32(i+1)/servingRows)
		cell := row.cols(0.02, 0.98).inset(gap / 4)
		place(r.bg, cell)
		place(r.mark, box{cell.x, cell.y, 0.025 * cell.w, cell.h})
		fit(r.number, row.cols(0.05, 0.5), capsGlyphs, 0.72, fyne.TextAlignLeading)
		if r.tag.Visible() {
			// A manual call's reason goes under the window's name.
			fit(r.window, row.cols(0.5, 0.95).rows(0, 0.66), cjkGlyphs, 0.7, fyne.TextAlignTrailing)
			fit(r.tag, row.cols(0.45, 0.95).rows(0.6, 0.95), cjkGlyphs, 0.8, fyne.TextAlignTrailing)
			continue
		}
		fit(r.window, row.cols(0.5, 0.95), cjkGlyphs, 0.56, fyne.TextAlignTrailing)
	}

	waits := main.rows(0.645, 0.86)
	label := waits.cols(0.012, 0.09)
	fit(h.waitTitle, label.rows(0.2, 0.55), cjkGlyphs, 0.75, fyne.TextAlignCenter)
	fit(h.waitTitleEN, label.rows(0.58, 0.8), lineGlyphs, 0.75, fyne.TextAlignCenter)
	n := 0
	for _, s := range h.services {
		if s.bg.Visible() {
			n++
		}
	}
	cards := waits.cols(0.095, 0.988)
	for i, s := range h.services {
		if i >= n {
			continue
		}
		c := cards.cols(float32(i)/float32(n), float32(i+1)/float32(n)).inset(gap / 2)
		place(s.bg, c)
		t := c.cols(0.05, 0.95)
		fit(s.name, t.rows(0.04, 0.3), cjkGlyphs, 0.8, fyne.TextAlignCenter)
		fit(s.nameEN, t.rows(0.3, 0.45), lineGlyphs, 0.8, fyne.TextAlignCenter)
		fit(s.count, t.rows(0.46, 0.79), cjkGlyphs, 0.88, fyne.TextAlignCenter)
		fit(s.wait, t.rows(0.8, 0.97), cjkGlyphs, 0.72, fyne.TextAlignCenter)
	}

	recent := main.rows(0.87, 0.935)
	fit(h.recentTitle, recent.cols(0.012, 0.15), cjkGlyphs, 0.62, fyne.TextAlignLeading)
	items := recent.cols(0.15, 0.988)
	for i, r := range h.recent {
		fit(r, items.cols(float32(i)/recentShown, float32(i+1)/recentShown).inset(gap/2), cjkGlyphs, 0.7, fyne.TextAlignCenter)
	}

	notice := main.rows(0.945, 1).rows(0, 0.97)
	place(h.noticeBg, notice)
	lb := notice.cols(0, 0.1)
	place(h.noticeLabelBg, lb)
	fit(h.noticeLabel, lb, cjkGlyphs, 0.6, fyne.TextAlignCenter)
	h.noticeBox = notice.cols(0.1, 1)
	if !h.scroll {
		fit(h.noticeText, h.noticeBox.cols(0.01, 0.99), cjkGlyphs, 0.6, fyne.TextAlignLeading)
		return
	}
	unbounded := h.noticeBox
	unbounded.w = 1e6 // the whole text scrolls by; only its height is fitted
	fit(h.noticeText, unbounded, cjkGlyphs, 0.6, fyne.TextAlignLeading)
	h.scrollWidth = measure(h.noticeText.Text, h.noticeText.TextSize, h.noticeText.TextStyle).Width
	h.scrollY = h.noticeText.Position().Y
	h.noticeText.Resize(fyne.NewSize(h.scrollWidth+1, h.noticeText.Size().Height))
	if key := fmt.Sprint(h.noticeText.Text, h.noticeBox, h.scrollWidth); key != h.scrollKey {
		h.scrollKey, h.scrollFrom = key, time.Time{}
	}
	h.scrollTo(time.Now())
}

// scrollSpeed is how fast the notices scroll, in screen widths a second.
const scrollSpeed = 0.07

// scrollTo places the scrolling notices where they are at time now: they
// enter the band from the right and leave it on the left, again and again.
func (h *hallScreen) scrollTo(now time.Time) {
	b := h.noticeBox
	if !h.scroll || h.noticeText.Text == "" || b.w <= 0 {
		return
	}
	if h.scrollFrom.IsZero() {
		h.scrollFrom = now
	}
	speed := scrollSpeed * (b.x + b.w) // the band ends at the screen's right edge
	run := float64(b.w + h.scrollWidth)
	x := float32(math.Mod(now.Sub(h.scrollFrom).Seconds()*float64(speed), run))
	h.noticeText.Move(fyne.NewPos(b.x+b.w-x, h.scrollY))
}

// scrollNotices moves the notices to where they are at time now and repaints them.
func (d *display) scrollNotices(now time.Time) {
	if d.hall == nil || !d.hall.scroll || !d.hall.noticeText.Visible() {
		return
	}
	d.hall.scrollTo(now)
	canvas.Refresh(d.hall.noticeText)
}

// renderHall fills the board with a frame at time now. The newest call
// flashes when it arrives live: not when a restarted display shows its last
// known state or catches up, nor when a finished call leaves an older one
// the newest.
func (d *display) renderHall(f frame, now time.Time) {
	h := d.hall
	v := f.Hall
	d.hallTitle(f)

	hasCall := len(v.Current) > 0
	showIf(hasCall, h.heroLabel, h.heroNumber, h.heroWindow, h.heroEN)
	showIf(!hasCall, h.heroIdle, h.heroIdleEN)
	if hasCall {
		c := v.Current[0]
		if c.Seq > d.newestSeq {
			d.newestSeq = c.Seq
			if f.Status.Link == client.StreamLive && c.Seq > f.Status.LiveFrom {
				d.newestAt = now
			}
		}
		to := "window " + c.Window
		if !isDigits(c.Window) {
			to = c.WindowEN
		}
		h.heroLabel.Text = "请  Please"
		h.heroEN.Text = fmt.Sprintf("Number %s, please go to %s", c.Number, to)
		if c.Recall {
			h.heroLabel.Text = "再次呼叫 · 请  Called again"
			h.heroEN.Text = "Again: " + h.heroEN.Text
		}
		h.heroNumber.Text = c.Number
		h.heroWindow.Text = "到 " + c.WindowZH
		zh, en := manualTexts(c.Reason)
		h.heroTag.Text = zh + "  " + en
	}
	showIf(hasCall && v.Current[0].Manual, h.heroTagBg, h.heroTag)
	h.setFlash(hasCall && flashOn(now.Sub(d.newestAt)))

	for i, r := range h.serving {
		show := i < len(v.Current)
		showIf(show, r.bg, r.number, r.window)
		showIf(show && v.Current[i].Manual, r.mark, r.tag)
		if !show {
			continue
		}
		c := v.Current[i]
		r.tag.Text, _ = manualTexts(c.Reason)
		r.number.Text = c.Number
		r.window.Text = c.WindowZH
		r.bg.FillColor = colPanel
		if i == 0 {
			r.bg.FillColor = colHeader
		}
	}

	for i, s := range h.services {
		show := i < len(v.Services)
		showIf(show, s.bg, s.name, s.nameEN, s.count, s.wait)
		if !show {
			continue
		}
		row := v.Services[i]
		s.name.Text = row.NameZH
		s.nameEN.Text = row.NameEN
		s.count.Text = fmt.Sprintf("%d 人", row.Waiting)
		zh, en := waitTexts(row.Waiting, row.Wait)
		if row.Windows == 0 && row.Waiting > 0 {
			zh, en = "暂无窗口办理", "no window open"
		}
		s.wait.Text = zh + " · " + en
	}

	for i, r := range h.recent {
		show := i < len(v.Recent)
		showIf(show, r)
		if show {
			c := v.Recent[i]
			r.Text, r.Color = c.Number+" → "+c.WindowZH, colText
			if c.Manual {
				r.Text, r.Color = r.Text+" · 人工", colManualText
			}
		}
	}
	showIf(len(v.Recent) > 0, h.recentTitle)

	var notices []string
	for _, n := range v.Notices {
		notices = append(notices, strings.TrimSpace(n.ZH+"    "+n.EN))
	}
	if h.scroll {
		h.noticeText.Text = strings.Join(notices, "          ★          ")
	} else if len(notices) > 0 {
		h.noticeText.Text = notices[int(now.Unix()/int64(noticeFor/time.Second))%len(notices)]
	}
	showIf(len(notices) > 0, h.noticeBg, h.noticeText, h.noticeLabelBg, h.noticeLabel)
}

// setFlash draws the newest call in its flash colours (white on red) or
// plainly (yellow and green on the panel).
func (h *hallScreen) setFlash(on bool) {
	h.flash = on
	if on {
		h.heroBg.FillColor = colFlash
		h.heroNumber.Color, h.heroWindow.Color, h.heroLabel.Color, h.heroEN.Color = colText, colText, colText, colText
		return
	}
	h.heroBg.FillColor = colPanel
	h.heroNumber.Color, h.heroWindow.Color, h.heroLabel.Color, h.heroEN.Color = colNumber, colWindow, colText, colMuted
}

// refreshFlash repaints what the flash changes.
func (h *hallScreen) refreshFlash() {
	for _, o := range []fyne.CanvasObject{h.heroBg, h.heroLabel, h.heroNumber, h.heroWindow, h.heroEN} {
		o.Refresh()
	}
}
