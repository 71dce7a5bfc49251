package main

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"hallq/assets"
	"hallq/server/client"
	"hallq/server/wire"
)

// testApp is the Fyne test app of every test here, with the screens' theme
// and the system's Chinese font as the display runs (Fyne's fonts where it is
// not installed). One app for all keeps the parsed font between tests.
var testApp = sync.OnceValue(func() fyne.App {
	th := &boardTheme{}
	if data, _, err := assets.CJKFont(assets.Regular); err == nil {
		th.regular = fyne.NewStaticResource("cjk-regular.otf", data)
	}
	if data, _, err := assets.CJKFont(assets.Bold); err == nil {
		th.bold = fyne.NewStaticResource("cjk-bold.otf", data)
	}
	a := test.NewApp()
	a.Settings().SetTheme(th)
	return a
})

func newTestDisplay(t *testing.T, mode string) *display {
	t.Helper()
	a := testApp()
	d := newDisplay(&Config{Mode: mode, Width: 1920, Height: 1080, ScrollFPS: DefaultScrollFPS})
	d.loadUI(a)
	t.Cleanup(d.win.Close)
	return d
}

// liveFrame is the frame of a state, as a live display at now draws it.
func liveFrame(t *testing.T, s *script, window string, now time.Time) frame {
	t.Helper()
	m := newModel(&saved{hall: testHall(), state: s.state(), seq: s.seq, hash: "0123456789abcdef0123", window: window})
	m.setLink(client.StreamStatus{State: client.StreamLive}, now)
	return m.frame(now)
}

func visibleTexts(objs []fyne.CanvasObject) []*canvas.Text {
	var out []*canvas.Text
	for _, o := range objs {
		if t, ok := o.(*canvas.Text); ok && t.Visible() && t.Text != "" {
			out = append(out, t)
		}
	}
	return out
}

func TestHallBoardShowsTheCalls(t *testing.T) {
	d := newTestDisplay(t, ModeHall)
	now := t0.Add(time.Hour)
	d.render(liveFrame(t, day(t), "", now), now)
	h := d.hall

	if h.heroNumber.Text != "A002" || h.heroWindow.Text != "到 1号窗口" || h.heroEN.Text != "Number A002, please go to window 1" {
		t.Errorf("newest call: %q %q %q", h.heroNumber.Text, h.heroWindow.Text, h.heroEN.Text)
	}
	if h.heroIdle.Visible() || !h.heroNumber.Visible() {
		t.Error("the newest call is hidden")
	}
	var serving []string
	for _, r := range h.serving {
		if r.number.Visible() {
			serving = append(serving, r.number.Text+" "+r.window.Text)
		}
	}
	if strings.Join(serving, ", ") != "A002 1号窗口, C001 绿色通道" {
		t.Errorf("now serving: %q", serving)
	}
	if got := h.services[0].name.Text + " " + h.services[0].count.Text + " " + h.services[0].wait.Text; got != "综合受理 1 人 约 5 分钟 · about 5 min" {
		t.Errorf("first service: %q", got)
	}
	if got := h.services[1].count.Text + " " + h.services[1].wait.Text; got != "0 人 无需等候 · no wait" {
		t.Errorf("second service: %q", got)
	}
	if h.services[2].bg.Visible() {
		t.Error("a third service is shown for a hall of two")
	}
	if h.recent[0].Text != "A001 → 1号窗口" || h.recent[1].Visible() {
		t.Errorf("recent calls: %q, second shown %v", h.recent[0].Text, h.recent[1].Visible())
	}
	if !strings.Contains(h.noticeText.Text, "请保管好随身物品") || !h.noticeText.Visible() {
		t.Errorf("notices: %q", h.noticeText.Text)
	}
	if d.title.Text != "测试大厅" || d.linkText.Text != "实时  Live" || d.logText.Text != "公开日志 Public log  #12  0123456789ab" {
		t.Errorf("header and status: %q, %q, %q", d.title.Text, d.linkText.Text, d.logText.Text)
	}
	if d.staleBg.Visible() || d.alarmBg.Visible() {
		t.Error("a live display shows a stale or alarm banner")
	}
	if d.clock.Text != "11:00:00" || d.date.Text != "2026年11月22日 星期日" {
		t.Errorf("clock: %q %q", d.clock.Text, d.date.Text)
	}
}

func TestHallBoardStates(t *testing.T) {
	now := t0.Add(time.Hour)
	tests := []struct {
		name  string
		frame func(t *testing.T) frame
		check func(t *testing.T, d *display)
	}{
		{
			name: "before the hall is known",
			frame: func(t *testing.T) frame {
				return frame{Status: Status{Link: client.StreamConnecting}, Loc: time.UTC}
			},
			check: func(t *testing.T, d *display) {
				if d.title.Text != "正在连接叫号服务器…" || !d.hall.heroIdle.Visible() || d.hall.heroNumber.Visible() {
					t.Errorf("title %q, idle %v", d.title.Text, d.hall.heroIdle.Visible())
				}
			},
		},
		{
			name: "offline: the last known state, marked",
			frame: func(t *testing.T) frame {
				f := liveFrame(t, day(t), "", now)
				f.Status.Link, f.Status.LastLive = client.StreamDown, now.Add(-time.Minute)
				return f
			},
			check: func(t *testing.T, d *display) {
				if !d.staleBg.Visible() || !strings.Contains(d.staleText.Text, "显示 10:59:00 的状态") || d.hall.heroNumber.Text != "A002" {
					t.Errorf("stale banner %v %q, number %q", d.staleBg.Visible(), d.staleText.Text, d.hall.heroNumber.Text)
				}
				if d.hall.heroBg.Position().Y < d.staleBg.Position().Y+d.staleBg.Size().Height {
					t.Error("the stale banner covers the newest call")
				}
				if d.statusDot.FillColor != colAlarm {
					t.Error("the link dot is not red")
				}
			},
		},
		{
			name: "alarm",
			frame: func(t *testing.T) frame {
				f := liveFrame(t, day(t), "", now)
				f.Status.Alarm = chainAlarm(7, errTest)
				return f
			},
			check: func(t *testing.T, d *display) {
				if !d.alarmBg.Visible() || !strings.Contains(d.alarmText.Text, "哈希链断裂") || d.staleBg.Visible() {
					t.Errorf("alarm %v %q", d.alarmBg.Visible(), d.alarmText.Text)
				}
			},
		},
		{
			name: "recall",
			frame: func(t *testing.T) frame {
				return liveFrame(t, day(t).recall("1", "A002"), "", now)
			},
			check: func(t *testing.T, d *display) {
				if !strings.HasPrefix(d.hall.heroLabel.Text, "再次呼叫") || !strings.HasPrefix(d.hall.heroEN.Text, "Again: ") {
					t.Errorf("recall: %q %q", d.hall.heroLabel.Text, d.hall.heroEN.Text)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDisplay(t, ModeHall)
			d.render(tt.frame(t), now)
			tt.check(t, d)
		})
	}
}

var errTest = errorString("test")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestNewestCallFlashesWhenItArrivesLive(t *testing.T) {
	now := t0.Add(time.Hour)
	d := newTestDisplay(t, ModeHall)
	s := day(t).issue("general", "A004")

	restarted := liveFrame(t, s, "", now)
	restarted.Status.Link = client.StreamConnecting
	d.render(restarted, now)
	if d.hall.flash {
		t.Fatal("the last known call flashes when the display starts")
	}
	s.done("1", "A002").call("1", "A003")
	d.render(liveFrame(t, s, "", now), now) // live from the head: A003 came in the catch-up
	if d.hall.flash || d.hall.heroNumber.Text != "A003" {
		t.Fatalf("a call of the catch-up: %q flash %v", d.hall.heroNumber.Text, d.hall.flash)
	}

	before := s.seq
	s.done("1", "A003").call("1", "A004")
	f := liveFrame(t, s, "", now)
	f.Status.LiveFrom = before // A004 arrived live
	steps := []struct {
		after time.Duration
		flash bool
	}{{0, true}, {600 * time.Millisecond, false}, {time.Second, true}, {flashFor, false}}
	for _, st := range steps {
		d.render(f, now.Add(st.after))
		if d.hall.flash != st.flash {
			t.Fatalf("%v after the call: flash %v, want %v", st.after, d.hall.flash, st.flash)
		}
	}
	if d.hall.heroBg.FillColor != colPanel || d.hall.heroNumber.Color != colNumber {
		t.Fatal("after flashing the newest call is not drawn plainly")
	}

	before = s.seq
	s.done("1", "A004")
	f = liveFrame(t, s, "", now.Add(time.Minute))
	f.Status.LiveFrom = before
	d.render(f, now.Add(time.Minute))
	if d.hall.heroNumber.Text != "C001" || d.hall.flash {
		t.Fatalf("an older call left newest: %q flash %v", d.hall.heroNumber.Text, d.hall.flash)
	}
}

func TestWindowScreen(t *testing.T) {
	now := t0.Add(time.Hour)
	tests := []struct {
		name    string
		script  func(t *testing.T) *script
		window  string
		number  string
		state   string
		next    string
		card    bool
		service string
	}{
		{"serving", day, "vip", "C001", "", "", true, "不动产登记"},
		{"paused", func(t *testing.T) *script { return day(t).done("vip", "C001").pause("vip") }, "vip", "", "暂停服务", "", true, "不动产登记"},
		{"open, nobody called", func(t *testing.T) *script { return day(t).open("2") }, "2", "", "请稍候", "下一位 Next:  A003", false, ""},
		{"closed", day, "2", "", "暂停办理", "下一位 Next:  A003", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDisplay(t, ModeWindow)
			d.render(liveFrame(t, tt.script(t), tt.window, now), now)
			w := d.window
			if w.number.Visible() != (tt.number != "") || w.number.Text != tt.number {
				t.Errorf("number %q shown %v, want %q", w.number.Text, w.number.Visible(), tt.number)
			}
			if tt.state != "" && (!w.state.Visible() || w.state.Text != tt.state) {
				t.Errorf("state %q shown %v, want %q", w.state.Text, w.state.Visible(), tt.state)
			}
			if w.next.Text != tt.next {
				t.Errorf("next %q, want %q", w.next.Text, tt.next)
			}
			if w.name.value.Visible() != tt.card || w.noCard.Visible() == tt.card {
				t.Errorf("card shown %v, want %v", w.name.value.Visible(), tt.card)
			}
			if tt.card && (w.name.value.Text != "张伟" || w.nameEN.Text != "Zhang Wei" || w.unit.value.Text != "市不动产登记中心" ||
				w.dutiesText != "办理不动产登记。" || w.services.value.Text != tt.service) {
				t.Errorf("card: %q %q %q %q %q", w.name.value.Text, w.nameEN.Text, w.unit.value.Text, w.dutiesText, w.services.value.Text)
			}
		})
	}

	d := newTestDisplay(t, ModeWindow)
	d.render(frame{Status: Status{Link: client.StreamConnecting}, Loc: time.UTC}, now)
	if d.title.Text != "窗口未配置" {
		t.Errorf("without a window: title %q", d.title.Text)
	}
}

func TestDutiesWrapAtTheCard(t *testing.T) {
	d := newTestDisplay(t, ModeWindow)
	s := day(t)
	f := liveFrame(t, s, "vip", t0)
	long := *f.Window.Card
	long.Duties = strings.Repeat("办理不动产首次、转移、变更、抵押登记及登记资料查询。", 8)
	f.Window.Card = &long
	d.render(f, t0)
	lines := 0
	for _, l := range d.window.duties {
		if l.Text == "" {
			continue
		}
		lines++
		if strings.ContainsAny(string([]rune(l.Text)[0]), noLineStart) {
			t.Errorf("line %q starts with punctuation", l.Text)
		}
	}
	if lines != dutyLines || !strings.HasSuffix(d.window.duties[dutyLines-1].Text, "…") {
		t.Fatalf("duties in %d lines, last %q; want %d, cut with …", lines, d.window.duties[dutyLines-1].Text, dutyLines)
	}
}

// TestLayoutsHold checks, from 1280×720 to 3840×2160, that every text lies
// inside the screen and fits its box, and that the called number is the
// largest text.
func TestLayoutsHold(t *testing.T) {
	sizes := []fyne.Size{{Width: 1280, Height: 720}, {Width: 1920, Height: 1080}, {Width: 3840, Height: 2160}, {Width: 1080, Height: 1920}}
	now := t0.Add(time.Hour)
	photo := testPortrait(t, 300, 400)
	for _, mode := range []string{ModeHall, ModeWindow, ModeWindow + "+photo"} {
		for _, stale := range []bool{false, true} {
			for _, size := range sizes {
				d := newTestDisplay(t, strings.TrimSuffix(mode, "+photo"))
				f := liveFrame(t, day(t), "vip", now)
				if stale {
					f.Status.Link = client.StreamDown
				}
				if strings.HasSuffix(mode, "+photo") {
					withPhoto(&f, photo)
				}
				d.render(f, now)
				d.win.Resize(size)
				var number *canvas.Text
				if d.mode == ModeHall {
					number = d.hall.heroNumber
				} else {
					number = d.window.number
				}
				for _, txt := range visibleTexts(d.root.Objects) {
					if d.hall != nil && txt == d.hall.noticeText && d.hall.scroll {
						continue // scrolls across the screen
					}
					p, sz := txt.Position(), txt.Size()
					w := measure(txt.Text, txt.TextSize, txt.TextStyle).Width
					// The glyphs lie between the capitals' height above the
					// baseline and the descenders below it; the line box
					// around them may pass the screen's edge.
					_, baseline := fyne.CurrentApp().Driver().RenderedTextSize(txt.Text, txt.TextSize, txt.TextStyle, nil)
					top, bottom := p.Y+baseline-capsGlyphs.height*txt.TextSize, p.Y+baseline+0.12*txt.TextSize
					if p.X < -0.5 || p.X+sz.Width > size.Width+0.5 || top < -0.5 || bottom > size.Height+0.5 {
						t.Errorf("%s %v stale=%v: %q at %v size %v leaves the screen", mode, size, stale, txt.Text, p, sz)
					}
					if w > sz.Width+0.5 {
						t.Errorf("%s %v stale=%v: %q is %.0f wide in a box of %.0f", mode, size, stale, txt.Text, w, sz.Width)
					}
					if txt != number && txt.TextSize >= number.TextSize {
						t.Errorf("%s %v stale=%v: %q (%.0f) is as large as the number (%.0f)", mode, size, stale, txt.Text, txt.TextSize, number.TextSize)
					}
					if d.window != nil && d.window.photo.Visible() && overlaps(txt, d.window.photo) {
						t.Errorf("%s %v stale=%v: %q at %v size %v lies on the photo", mode, size, stale, txt.Text, p, sz)
					}
				}
				if d.window != nil && d.window.photo.Visible() {
					p, sz := d.window.photo.Position(), d.window.photo.Size()
					cp, csz := d.window.cardBg.Position(), d.window.cardBg.Size()
					if p.X < cp.X || p.Y < cp.Y || p.X+sz.Width > cp.X+csz.Width || p.Y+sz.Height > cp.Y+csz.Height || min(sz.Width, sz.Height) < min(size.Width, size.Height)/14 {
						t.Errorf("%s %v stale=%v: photo at %v size %v, card at %v size %v", mode, size, stale, p, sz, cp, csz)
					}
				}
				// Capitals of the number are at least a seventh of the screen's height.
				if caps := capsGlyphs.height * number.TextSize; caps < size.Height/7 && size.Width > size.Height {
					t.Errorf("%s %v: the number's capitals are %.0f high", mode, size, caps)
				}
			}
		}
	}
}

func TestWrap(t *testing.T) {
	testApp()
	style := fyne.TextStyle{}
	const size = 20
	width := measure("办理不动产首次登记", size, style).Width // nine characters a line
	tests := []struct {
		name  string
		text  string
		n     int
		lines []string
		whole bool
	}{
		{"one line", "办理登记", 3, []string{"办理登记"}, true},
		{"two lines", "办理不动产首次登记转移登记", 3, []string{"办理不动产首次登记", "转移登记"}, true},
		{"no comma starts a line", "办理不动产首次登记，转移", 3, []string{"办理不动产首次登", "记，转移"}, true},
		{"too long", strings.Repeat("办理不动产首次登记", 3), 2, nil, false},
		{"empty", "", 3, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, whole := wrap(tt.text, size, style, width+0.5, tt.n)
			if whole != tt.whole || (tt.lines != nil && strings.Join(lines, "|") != strings.Join(tt.lines, "|")) {
				t.Fatalf("got %q whole=%v, want %q whole=%v", lines, whole, tt.lines, tt.whole)
			}
			if len(lines) > tt.n {
				t.Fatalf("%d lines, at most %d wanted", len(lines), tt.n)
			}
			for _, l := range lines {
				if measure(l, size, style).Width > width+0.5 {
					t.Fatalf("line %q is wider than %.0f", l, width)
				}
			}
			if !tt.whole && !strings.HasSuffix(lines[len(lines)-1], "…") {
				t.Fatalf("a cut text does not end with …: %q", lines)
			}
		})
	}
}

func TestWindowCallFlashesWhenItArrivesLive(t *testing.T) {
	now := t0.Add(time.Hour)
	d := newTestDisplay(t, ModeWindow)
	s := day(t)
	d.render(liveFrame(t, s, "1", now), now) // A002 known at start
	if d.window.panel.FillColor != colPanel {
		t.Fatal("the call known at start flashes")
	}
	before := s.seq
	s.done("1", "A002").call("1", "A003")
	f := liveFrame(t, s, "1", now)
	f.Status.LiveFrom = before
	d.render(f, now)
	if d.window.panel.FillColor != colFlash || d.window.number.Text != "A003" {
		t.Fatalf("a live call: number %q, panel %v", d.window.number.Text, d.window.panel.FillColor)
	}
	d.render(f, now.Add(flashFor))
	if d.window.panel.FillColor != colPanel || d.window.number.Color != colNumber {
		t.Fatal("after flashing the call is not drawn plainly")
	}
}

func TestNoticesScroll(t *testing.T) {
	d := newTestDisplay(t, ModeHall)
	now := t0.Add(time.Hour)
	f := liveFrame(t, day(t), "", now)
	f.Hall.Notices = []wire.Notice{{ZH: "请保管好随身物品", EN: "Mind your belongings"}, {ZH: "禁止吸烟", EN: "No smoking"}}
	d.render(f, now)
	h := d.hall
	if !strings.Contains(h.noticeText.Text, "请保管好随身物品") || !strings.Contains(h.noticeText.Text, "No smoking") {
		t.Fatalf("notices: %q", h.noticeText.Text)
	}
	b := h.noticeBox
	start := h.scrollFrom
	x := func(after time.Duration) float32 {
		d.scrollNotices(start.Add(after))
		return h.noticeText.Position().X
	}
	if got := x(0); got != b.x+b.w {
		t.Fatalf("the notices start at %.0f, want the band's right edge %.0f", got, b.x+b.w)
	}
	speed := scrollSpeed * (b.x + b.w)
	if x1, x2 := x(time.Second), x(2*time.Second); x2 >= x1 || x1 >= b.x+b.w {
		t.Fatalf("the notices do not move left: %.0f then %.0f", x1, x2)
	}
	through := time.Duration(float64((b.w+h.scrollWidth)/speed) * float64(time.Second))
	if got := x(through - time.Millisecond); got > b.x-h.scrollWidth+1 {
		t.Fatalf("before starting again the notices are at %.0f, want off the band's left (%.0f)", got, b.x-h.scrollWidth)
	}
	if got := x(through + time.Second); got < x(time.Second)-1 || got > x(time.Second)+1 {
		t.Fatalf("the notices do not start again: %.0f, want %.0f", got, x(time.Second))
	}
}

func TestNoticesOneAtATimeWithoutScrolling(t *testing.T) {
	d := newDisplay(&Config{Mode: ModeHall, Width: 1920, Height: 1080, ScrollFPS: 0})
	d.loadUI(testApp())
	t.Cleanup(d.win.Close)
	base := time.Unix(10*1000, 0) // a multiple of noticeFor
	f := liveFrame(t, day(t), "", base)
	f.Hall.Notices = []wire.Notice{{ZH: "请保管好随身物品", EN: "Mind your belongings"}, {ZH: "禁止吸烟", EN: "No smoking"}}
	for i, want := range []string{"请保管好随身物品    Mind your belongings", "禁止吸烟    No smoking", "请保管好随身物品    Mind your belongings"} {
		now := base.Add(time.Duration(i) * noticeFor)
		d.render(f, now)
		txt := d.hall.noticeText
		if txt.Text != want {
			t.Fatalf("at %v: notice %q, want %q", now.Sub(base), txt.Text, want)
		}
		if w := measure(txt.Text, txt.TextSize, txt.TextStyle).Width; txt.Position().X < d.hall.noticeBox.x || w > d.hall.noticeBox.w {
			t.Fatalf("the notice leaves its band: at %.0f, %.0f wide", txt.Position().X, w)
		}
		d.scrollNotices(now.Add(time.Second))
		if txt.Position().X < d.hall.noticeBox.x {
			t.Fatal("a notice moved although scrolling is off")
		}
	}
}

// testPortrait is a card photo of w×h pixels: grey, with a red patch.
func testPortrait(t *testing.T, w, h int) *portrait {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{120, 130, 140, 255}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(w/4, h/4, w*3/4, h/2), image.NewUniform(color.RGBA{220, 30, 30, 255}), image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p, err := decodePortrait("/api/v1/windows/vip/photo", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// withPhoto gives the frame's window card the photo p.
func withPhoto(f *frame, p *portrait) {
	c := *f.Window.Card
	c.PhotoURL = p.url
	f.Window.Card, f.Window.Photo = &c, p
}

// overlaps reports whether two objects' boxes intersect.
func overlaps(a, b fyne.CanvasObject) bool {
	ap, as, bp, bs := a.Position(), a.Size(), b.Position(), b.Size()
	return ap.X < bp.X+bs.Width && bp.X < ap.X+as.Width && ap.Y < bp.Y+bs.Height && bp.Y < ap.Y+as.Height
}

func TestWindowScreenPhoto(t *testing.T) {
	now := t0.Add(time.Hour)
	d := newTestDisplay(t, ModeWindow)
	f := liveFrame(t, day(t), "vip", now)
	p := testPortrait(t, 300, 400)
	withPhoto(&f, p)
	d.render(f, now)
	d.win.Resize(fyne.NewSize(1920, 1080))
	w := d.window
	if !w.photo.Visible() || w.photo.Image != p.img {
		t.Fatalf("photo shown %v, image %v", w.photo.Visible(), w.photo.Image != nil)
	}
	if name := w.name.value; name.Position().X+name.Size().Width > w.photo.Position().X {
		t.Errorf("the name's box (%v %v) reaches the photo at %v", name.Position(), name.Size(), w.photo.Position())
	}
	// A new photo is drawn anew; a card without one draws none.
	q := testPortrait(t, 200, 200)
	withPhoto(&f, q)
	d.render(f, now)
	if w.photo.Image != q.img || w.photoKey != q.key {
		t.Error("the new photo is not drawn")
	}
	f.Window.Photo = nil
	d.render(f, now)
	if w.photo.Visible() || w.photoKey != "" {
		t.Error("a photo is drawn for a card without one")
	}
	if !w.name.value.Visible() {
		t.Error("the card is hidden with its photo")
	}
}

func TestDecodePortraitRefusesWhatIsNotAPortrait(t *testing.T) {
	for name, data := range map[string][]byte{
		"not an image": []byte("GIF89a nonsense"),
		"empty":        nil,
	} {
		if _, err := decodePortrait("/api/v1/windows/1/photo", data); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	big := image.NewGray(image.Rect(0, 0, maxPortraitSide+1, 2))
	var buf bytes.Buffer
	png.Encode(&buf, big)
	if _, err := decodePortrait("/api/v1/windows/1/photo", buf.Bytes()); err == nil || !strings.Contains(err.Error(), "pixels") {
		t.Errorf("a %d-pixel-wide image: %v", maxPortraitSide+1, err)
	}
}
