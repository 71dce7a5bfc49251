package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"hallq/server/client"
	"hallq/server/hall/halltest"
	"hallq/server/queue"
	"hallq/server/wire"
)

// ratedDay is the test hall's day once window vip has completed C001.
func ratedDay(t *testing.T) *script { return day(t).done("vip", "C001") }

// ratingFrame is the frame of window vip's screen at now, the screen
// offering ratings for period after each service (zero: none).
func ratingFrame(t *testing.T, s *script, period time.Duration, now time.Time) frame {
	t.Helper()
	m := newModel(&saved{hall: testHall(), state: s.state(), seq: s.seq, hash: "0123456789abcdef0123", window: "vip"})
	m.setLink(client.StreamStatus{State: client.StreamLive}, now)
	m.setRatings(period)
	return m.frame(now)
}

// fakeRater records the ratings a screen sends and answers them with err.
type fakeRater struct {
	mu    sync.Mutex
	sent  []string
	err   error
	gate  chan struct{} // when set, each rating waits for it
	calls chan struct{}
}

func (f *fakeRater) rate(ctx context.Context, window, level string) error {
	f.mu.Lock()
	f.sent = append(f.sent, window+":"+level)
	gate, err := f.gate, f.err
	f.mu.Unlock()
	if f.calls != nil {
		f.calls <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	return err
}

func (f *fakeRater) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

// ratingDisplay is a window display at now whose ratings go to r; its log
// is returned to wait on.
func ratingDisplay(t *testing.T, r *fakeRater, now time.Time) (*display, *halltest.SyncBuffer) {
	t.Helper()
	d := newTestDisplay(t, ModeWindow)
	logs := &halltest.SyncBuffer{}
	d.log = slog.New(slog.NewTextHandler(logs, nil))
	d.now = func() time.Time { return now }
	d.rate = r.rate
	return d, logs
}

// waitLogged waits until the display logged msg.
func waitLogged(t *testing.T, logs *halltest.SyncBuffer, msg string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), msg) {
		if time.Now().After(deadline) {
			t.Fatalf("the display did not log %q; it logged:\n%s", msg, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func buttonsShown(d *display) bool {
	for _, b := range d.window.rate.buttons {
		if !b.bg.Visible() || !b.tap.Visible() || !b.zh.Visible() {
			return false
		}
	}
	return true
}

func TestRatingButtonsOffered(t *testing.T) {
	done := t0.Add(13 * time.Minute) // when ratedDay's C001 was completed
	tests := []struct {
		name   string
		script func(*testing.T) *script
		period time.Duration
		at     time.Time
		want   bool
	}{
		{"just completed", ratedDay, 5 * time.Minute, done.Add(time.Minute), true},
		{"a screen without the flag", ratedDay, 0, done.Add(time.Minute), false},
		{"the period is over", ratedDay, 5 * time.Minute, done.Add(5 * time.Minute), false},
		{"serving the next", func(t *testing.T) *script { return ratedDay(t).issue("estate", "C002").call("vip", "C002") }, 5 * time.Minute, done.Add(2 * time.Minute), false},
		{"rated on the receipt's page", func(t *testing.T) *script {
			return ratedDay(t).add(queue.TypeRatingSubmitted, &queue.RatingData{Ticket: "T-C001", Number: "C001", Service: "estate",
				Window: "vip", Level: queue.RatingSatisfied, Via: queue.RatedOnline})
		}, 5 * time.Minute, done.Add(time.Minute), false},
		{"still serving", day, 5 * time.Minute, done.Add(time.Minute), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := ratingDisplay(t, &fakeRater{}, tt.at)
			d.render(ratingFrame(t, tt.script(t), tt.period, tt.at), tt.at)
			if got := buttonsShown(d); got != tt.want {
				t.Fatalf("buttons shown %v, want %v", got, tt.want)
			}
			if !tt.want {
				return
			}
			p := d.window.rate
			if !strings.Contains(p.title.Text, "C001") {
				t.Errorf("title %q does not name the number", p.title.Text)
			}
			var names []string
			for _, b := range p.buttons {
				names = append(names, b.zh.Text+"/"+b.en.Text)
			}
			if got := strings.Join(names, " "); got != "非常满意/Very satisfied 满意/Satisfied 基本满意/Fair 不满意/Dissatisfied 非常不满意/Very dissatisfied" {
				t.Errorf("buttons %s", got)
			}
			for _, b := range p.buttons {
				if b.zh.TextSize < 24 {
					t.Errorf("%s drawn at %.0f px: too small to read", b.zh.Text, b.zh.TextSize)
				}
			}
		})
	}
}

// TestRatingTappedOnce: a tap sends the level once, says thank you, and
// the screen goes back to the window's screen; a second tap, while the
// first is on its way or after, sends nothing.
func TestRatingTappedOnce(t *testing.T) {
	now := t0.Add(14 * time.Minute)
	r := &fakeRater{gate: make(chan struct{}), calls: make(chan struct{}, 4)}
	d, logs := ratingDisplay(t, r, now)
	f := ratingFrame(t, ratedDay(t), 5*time.Minute, now)
	d.render(f, now)
	if !buttonsShown(d) {
		t.Fatal("no rating buttons")
	}
	satisfied, bad := d.window.rate.buttons[1].tap, d.window.rate.buttons[4].tap
	test.Tap(satisfied)
	<-r.calls
	test.Tap(bad) // while the first is sent
	if buttonsShown(d) || d.window.rate.msgZH.Text != "正在提交评价…" {
		t.Errorf("while sending: buttons shown %v, message %q", buttonsShown(d), d.window.rate.msgZH.Text)
	}
	close(r.gate)
	waitLogged(t, logs, "rating submitted")
	if p := d.window.rate; !p.msgZH.Visible() || p.msgZH.Text != "谢谢您的评价！" || p.detailZH.Text != "满意" {
		t.Errorf("after the answer: %q %q shown %v", p.msgZH.Text, p.detailZH.Text, p.msgZH.Visible())
	}
	test.Tap(bad) // after it, the log not yet showing the rating
	d.render(f, now.Add(thanksFor))
	if buttonsShown(d) || d.window.rate.bg.Visible() {
		t.Error("the buttons came back after the thanks")
	}
	test.Tap(bad)
	if got := r.got(); len(got) != 1 || got[0] != "vip:satisfied" {
		t.Errorf("sent %v, want one satisfied rating for vip", got)
	}
	if !d.window.state.Visible() || d.window.state.Text != "请稍候" {
		t.Errorf("back on the window's screen: state %q shown %v", d.window.state.Text, d.window.state.Visible())
	}
}

// TestRatingRefusedOrLost: a refusal says why in both languages; a rating
// that did not reach the server may be tapped again.
func TestRatingRefusedOrLost(t *testing.T) {
	now := t0.Add(14 * time.Minute)
	refusal := &client.Error{Status: 409, Code: wire.ECONFLICT, Message: "C001 was rated already; each service is rated once",
		MessageZH: "C001号已经评价过，每次办理只能评价一次"}
	r := &fakeRater{err: refusal}
	d, logs := ratingDisplay(t, r, now)
	f := ratingFrame(t, ratedDay(t), 5*time.Minute, now)
	d.render(f, now)
	test.Tap(d.window.rate.buttons[0].tap)
	waitLogged(t, logs, "rating refused")
	p := d.window.rate
	if !p.detailZH.Visible() || p.msgZH.Text != "评价未成功" || p.detailZH.Text != refusal.MessageZH || p.detailEN.Text != refusal.Message {
		t.Errorf("refusal shown %v: %q %q %q", p.detailZH.Visible(), p.msgZH.Text, p.detailZH.Text, p.detailEN.Text)
	}
	d.render(f, now.Add(refusalFor))
	if p.bg.Visible() {
		t.Error("a refused rating is offered again")
	}

	lost := &fakeRater{err: errors.New("client: POST /api/v1/windows/vip/rating: connection refused")}
	d, logs = ratingDisplay(t, lost, now)
	d.render(f, now)
	test.Tap(d.window.rate.buttons[2].tap)
	waitLogged(t, logs, "rating not sent")
	if p := d.window.rate; p.msgZH.Text != "评价未能提交，请再试一次" {
		t.Errorf("lost: %q", p.msgZH.Text)
	}
	d.render(f, now.Add(refusalFor))
	if !buttonsShown(d) {
		t.Error("a rating that was not sent is not offered again")
	}
}

// TestRatingPanelFits: the buttons and their texts stay inside the panel
// and each other at the supported sizes, large enough to touch.
func TestRatingPanelFits(t *testing.T) {
	now := t0.Add(14 * time.Minute)
	for _, size := range []fyne.Size{{Width: 1280, Height: 720}, {Width: 1920, Height: 1080}, {Width: 3840, Height: 2160}, {Width: 1080, Height: 1920}} {
		d, _ := ratingDisplay(t, &fakeRater{}, now)
		d.render(ratingFrame(t, ratedDay(t), 5*time.Minute, now), now)
		d.win.Resize(size)
		p := d.window.rate
		for i, b := range p.buttons {
			bp, bs := b.bg.Position(), b.bg.Size()
			for _, tx := range []*canvas.Text{b.zh, b.en} {
				_, baseline := fyne.CurrentApp().Driver().RenderedTextSize(tx.Text, tx.TextSize, tx.TextStyle, nil)
				x0 := tx.Position().X
				if tx.Alignment == fyne.TextAlignTrailing {
					x0 += tx.Size().Width - measure(tx.Text, tx.TextSize, tx.TextStyle).Width
				}
				x1 := x0 + measure(tx.Text, tx.TextSize, tx.TextStyle).Width
				top, bottom := tx.Position().Y+baseline-cjkGlyphs.height*0.88*tx.TextSize, tx.Position().Y+baseline+0.12*tx.TextSize
				if x0 < bp.X || x1 > bp.X+bs.Width || top < bp.Y || bottom > bp.Y+bs.Height {
					t.Errorf("%v: %q (%.0f-%.0f, %.0f-%.0f) leaves its button (%v %v)", size, tx.Text, x0, x1, top, bottom, bp, bs)
				}
			}
			if b.zh.Position().X+measure(b.zh.Text, b.zh.TextSize, b.zh.TextStyle).Width > b.en.Position().X+b.en.Size().Width-measure(b.en.Text, b.en.TextSize, b.en.TextStyle).Width {
				t.Errorf("%v: %q runs into %q", size, b.zh.Text, b.en.Text)
			}
			if !overlaps(b.bg, p.bg) || bp.X < p.bg.Position().X || bp.Y+bs.Height > p.bg.Position().Y+p.bg.Size().Height {
				t.Errorf("%v: button %d outside the panel", size, i)
			}
			if i > 0 && overlaps(b.bg, p.buttons[i-1].bg) {
				t.Errorf("%v: buttons %d and %d overlap", size, i-1, i)
			}
			if bs.Height < 0.07*size.Height {
				t.Errorf("%v: button %d is %.0f px high, too small to touch", size, i, bs.Height)
			}
			if b.zh.TextSize < size.Height/50 {
				t.Errorf("%v: %q drawn at %.0f px", size, b.zh.Text, b.zh.TextSize)
			}
		}
	}
}
