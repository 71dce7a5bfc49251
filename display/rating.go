package main

import (
	"context"
	"errors"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"hallq/server/client"
	"hallq/server/queue"
)

// How long the rating panel's messages stay, and how long a rating may take
// to reach the server.
const (
	thanksFor   = 4 * time.Second
	refusalFor  = 8 * time.Second
	rateTimeout = 10 * time.Second
)

// levelColours are the buttons' grounds, best level first: white text on
// each reads at a contrast above 4.5:1.
var levelColours = [...]color.NRGBA{
	{R: 0x0e, G: 0x6e, B: 0x35, A: 0xff},
	{R: 0x2a, G: 0x7a, B: 0x2e, A: 0xff},
	{R: 0x2c, G: 0x55, B: 0x8f, A: 0xff},
	{R: 0xa8, G: 0x4a, B: 0x00, A: 0xff},
	{R: 0xb0, G: 0x16, B: 0x16, A: 0xff},
}

// rateButton is one level's touch button.
type rateButton struct {
	level  string
	bg     *canvas.Rectangle
	zh, en *canvas.Text
	tap    *tapZone
}

// ratePanel is the part of a window's screen that, once the window has
// completed a service, offers the applicant the five levels of 好差评 as
// large touch buttons, in place of the number. Its fields belong to Fyne's
// main goroutine.
type ratePanel struct {
	bg                   *canvas.Rectangle
	title, titleEN       *canvas.Text
	buttons              [5]rateButton
	msgZH, msgEN         *canvas.Text
	detailZH, detailEN   *canvas.Text
	tapped, pending      string // the ticket rated last (each is rated once), the one being sent
	number               string // of the ticket tapped, for the title while its messages show
	msgUntil             time.Time
	shownOffer, shownMsg bool
}

func newRatePanel(onTap func(level string)) *ratePanel {
	p := &ratePanel{
		bg: canvas.NewRectangle(colPanel), title: newText(colText, true), titleEN: newText(colMuted, false),
		msgZH: newText(colText, true), msgEN: newText(colMuted, false),
		detailZH: newText(colText, false), detailEN: newText(colMuted, false),
	}
	for i, l := range queue.RatingLevels {
		b := rateButton{level: l, bg: canvas.NewRectangle(levelColours[i]), zh: newText(colText, true), en: newText(colText, false),
			tap: newTapZone(func() { onTap(l) })}
		b.zh.Text, b.en.Text = queue.RatingNames[l][0], queue.RatingNames[l][1]
		b.bg.CornerRadius = 12
		p.buttons[i] = b
	}
	for _, o := range p.objects() {
		o.Hide()
	}
	return p
}

// objects returns the panel's objects, bottom first, the tap zones last.
func (p *ratePanel) objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{p.bg, p.title, p.titleEN, p.msgZH, p.msgEN, p.detailZH, p.detailEN}
	for _, b := range p.buttons {
		objs = append(objs, b.bg, b.zh, b.en)
	}
	for _, b := range p.buttons {
		objs = append(objs, b.tap)
	}
	return objs
}

// layout places the panel over the number's part of the screen.
func (p *ratePanel) layout(area box) {
	place(p.bg, area)
	in := area.cols(0.04, 0.96)
	fit(p.title, in.rows(0.02, 0.12), cjkGlyphs, 0.75, fyne.TextAlignCenter)
	fit(p.titleEN, in.rows(0.12, 0.19), lineGlyphs, 0.75, fyne.TextAlignCenter)
	fit(p.msgZH, in.rows(0.3, 0.48), cjkGlyphs, 0.8, fyne.TextAlignCenter)
	fit(p.msgEN, in.rows(0.5, 0.6), lineGlyphs, 0.8, fyne.TextAlignCenter)
	fit(p.detailZH, in.rows(0.66, 0.76), cjkGlyphs, 0.6, fyne.TextAlignCenter)
	fit(p.detailEN, in.rows(0.78, 0.86), lineGlyphs, 0.65, fyne.TextAlignCenter)
	rows := in.rows(0.21, 0.98)
	n := float32(len(p.buttons))
	for i, b := range p.buttons {
		r := rows.rows(float32(i)/n, float32(i+1)/n)
		r = box{r.x, r.y + 0.06*r.h, r.w, 0.88 * r.h}
		place(b.bg, r)
		place(b.tap, r)
		fit(b.zh, r.cols(0.05, 0.5), cjkGlyphs, 0.5, fyne.TextAlignLeading)
		fit(b.en, r.cols(0.52, 0.95), lineGlyphs, 0.42, fyne.TextAlignTrailing)
	}
}

// render shows the buttons while v offers a service to rate that was not
// tapped yet, the message of the last tap until its time is up, and nothing
// while the window serves someone.
func (p *ratePanel) render(v WindowView, now time.Time) {
	serving := v.Current != ""
	msg := !serving && now.Before(p.msgUntil)
	sending := !serving && p.pending != ""
	offer := !serving && v.Rate != nil && v.Rate.Ticket != p.tapped && !msg && !sending
	p.shownOffer, p.shownMsg = offer, msg || sending
	showIf(offer || msg || sending, p.bg, p.title, p.titleEN)
	for _, b := range p.buttons {
		showIf(offer, b.bg, b.zh, b.en, b.tap)
	}
	showIf(msg || sending, p.msgZH, p.msgEN, p.detailZH, p.detailEN)
	number := p.number
	if offer {
		number = v.Rate.Number
	}
	p.title.Text = "请您对本次服务作出评价  " + number
	p.titleEN.Text = "Please rate the service you just received, number " + number
	if sending {
		p.msgZH.Text, p.msgEN.Text, p.detailZH.Text, p.detailEN.Text = "正在提交评价…", "Sending your rating…", "", ""
	}
}

// say shows a message on the panel until until.
func (p *ratePanel) say(zh, en, detailZH, detailEN string, until time.Time) {
	p.msgZH.Text, p.msgEN.Text, p.detailZH.Text, p.detailEN.Text = zh, en, detailZH, detailEN
	p.msgUntil = until
}

// tapRating sends the level tapped for the service the screen offers to
// rate. A service is rated once: a second tap, while the first is sent or
// after it, does nothing.
func (d *display) tapRating(level string) {
	p, o := d.window.rate, d.last.Window.Rate
	if !p.shownOffer || o == nil || p.pending != "" || p.tapped == o.Ticket || d.rate == nil {
		d.logRating("rating tap ignored", "level", level)
		return
	}
	p.tapped, p.pending, p.number = o.Ticket, o.Ticket, o.Number
	window := d.last.Window.ID
	d.logRating("rating tapped", "number", o.Number, "level", level)
	d.render(d.last, d.now())
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), rateTimeout)
		defer cancel()
		err := d.rate(ctx, window, level)
		fyne.Do(func() { d.rated(o, level, err) })
	}()
}

// rated shows the server's answer to a rating: thanks, or why it was
// refused. A rating that may not have reached the server may be tapped
// again; the server rates a service once whatever reaches it.
func (d *display) rated(o *RateOffer, level string, err error) {
	p := d.window.rate
	p.pending = ""
	now := d.now()
	var e *client.Error
	switch {
	case err == nil:
		p.say("谢谢您的评价！", "Thank you for your rating", queue.RatingNames[level][0], queue.RatingNames[level][1], now.Add(thanksFor))
	case errors.As(err, &e) && e.Code != "":
		p.say("评价未成功", "Not rated", e.MessageZH, e.Message, now.Add(refusalFor))
	default:
		p.tapped = ""
		p.say("评价未能提交，请再试一次", "The rating was not sent; please try again", "网络故障", "The server could not be reached", now.Add(refusalFor))
	}
	d.render(d.last, now)
	switch {
	case err == nil:
		d.logRating("rating submitted", "number", o.Number, "level", level)
	case e != nil && e.Code != "":
		d.logRating("rating refused", "number", o.Number, "level", level, "err", err)
	default:
		d.logRating("rating not sent", "number", o.Number, "level", level, "err", err)
	}
}

func (d *display) logRating(msg string, args ...any) {
	if d.log != nil {
		d.log.Info(msg, args...)
	}
}
