package main

import (
	"context"
	"image/color"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"hallq/server/client/device"
)

// Accessible mode, switched on by the large button of the home screen for
// one applicant: type AccessScale times larger, white on black with white
// edges on every button, timeouts AccessTimeouts times longer, and each
// screen's title, the service chosen and the number given spoken by the
// speak command.
const (
	AccessScale    = 1.2
	AccessTimeouts = 3
	// MinTargetMM is the smallest side of a touch target, in millimetres.
	MinTargetMM = 15
	// DefaultScreenDiagonal is the screen's diagonal in inches when the
	// configuration gives none: a common kiosk screen.
	DefaultScreenDiagonal = 21.5
)

// colBlack is the ground of accessible mode.
var colBlack = color.NRGBA{0, 0, 0, 0xff}

// minTargetPixels returns how many pixels MinTargetMM are on a screen of
// width×height pixels and the given diagonal in inches.
func minTargetPixels(width, height int, diagonal float64) float32 {
	if width <= 0 || height <= 0 || diagonal <= 0 {
		return 0
	}
	perMM := math.Hypot(float64(width), float64(height)) / (diagonal * 25.4)
	return float32(math.Ceil(MinTargetMM * perMM))
}

// scale is the factor of type and button sizes in the current mode.
func (a *kioskApp) scale() float32 {
	if a.access {
		return AccessScale
	}
	return 1
}

// text returns a line of text at size in the current mode; in accessible
// mode secondary (muted) text is white.
func (a *kioskApp) text(size float32, c color.Color, bold bool) *canvas.Text {
	if a.access && c == colMuted {
		c = colWhite
	}
	return text(size*a.scale(), c, bold)
}

// newPad returns a touch target of at least min and never smaller than the
// screen's MinTargetMM; in accessible mode with a white edge (its larger
// type makes it larger).
func (a *kioskApp) newPad(fill color.Color, min fyne.Size, content fyne.CanvasObject, onTap func()) *pad {
	m := a.opts.MinTarget
	p := newPad(fill, min.Max(fyne.NewSize(m, m)), content, onTap)
	if a.access && fill != color.Transparent {
		p.bg.StrokeColor, p.bg.StrokeWidth = colWhite, 4
	}
	return p
}

// idle and ticketTime are the screens' timeouts in the current mode.
func (a *kioskApp) idle() time.Duration {
	if a.access {
		return AccessTimeouts * a.opts.IdleTimeout
	}
	return a.opts.IdleTimeout
}

func (a *kioskApp) ticketTime() time.Duration {
	if a.access {
		return AccessTimeouts * a.opts.TicketTimeout
	}
	return a.opts.TicketTimeout
}

// setAccess switches accessible mode on or off and builds the screens anew
// in it.
func (a *kioskApp) setAccess(on bool) {
	if a.access == on {
		return
	}
	a.access = on
	a.log.Info("accessible mode", "on", on)
	th := *a.opts.Theme
	th.access = on
	a.app.Settings().SetTheme(&th)
	size := a.win.Canvas().Size()
	a.build()
	a.win.SetContent(a.root)
	a.win.Resize(size)
	a.spoken = ""
	a.refresh()
	a.render()
}

// leaveAccessLater switches accessible mode off when the home screen has
// been left alone for the accessible idle time: the applicant who asked for
// it has gone.
func (a *kioskApp) leaveAccessLater() {
	flow := a.m.Flow
	a.timer = time.AfterFunc(a.idle(), func() {
		a.do(func() {
			if a.access && a.m.Screen == screenHome && a.m.Flow == flow {
				a.setAccess(false)
			}
		})
	})
}

// speakScreen speaks the screen shown, in accessible mode, when what it says
// changed: its title, and the service chosen or the number given.
func (a *kioskApp) speakScreen() {
	if !a.access || a.voice == nil {
		return
	}
	l := a.lang
	var say string
	switch a.m.Screen {
	case screenHome:
		say = txtAccessOn.in(l) + " " + txtChoose.in(l)
		for _, t := range a.m.Tiles {
			say += " " + msgf(txtKeyFor, t.Key, msg{t.NameZH, t.NameEN}.in(l)).in(l)
		}
	case screenID:
		say = a.idTitle.Text + "。" + a.idService.Text
		if a.m.IDErr != (msg{}) {
			say = a.m.IDErr.in(l)
		}
	case screenIssuing:
		say = a.busyText.Text
	case screenTicket:
		if a.issued != nil {
			say = msgf(txtSayNumber, a.issued.Number, msg{a.issued.ServiceZH, a.issued.ServiceEN}.in(l)).in(l)
		}
	case screenNotice:
		say = a.noticeTitle.Text + "。" + a.m.Notice.in(l)
	case screenPhone:
		// The title and what happened; never the number typed.
		say = a.phone.title.Text + "。" + a.phone.ticket.Text + "。" + paraText(a.phone.hint)
		if w := paraText(a.phone.err); w != "" {
			say = w
		}
	case screenChoose:
		say = a.chooseTitle.Text
		for i, b := range a.m.Bookings {
			say += " " + msgf(txtKeyFor, i+1, msg{b.NameZH, b.NameEN}.in(l)+" "+clockText(b.Start)).in(l)
		}
	}
	if say == "" || say == a.spoken {
		return
	}
	a.spoken = say
	a.voice.say(l, say)
}

// voice speaks prompts with a speak command (device.Speak, as displays
// speak calls), one at a time, on its own goroutine: a prompt waiting to be
// spoken is replaced by a newer one, which fits the screen shown.
type voice struct {
	speak   string // run through sh -c; {lang} is zh or en, {voice} cmn or en
	timeout time.Duration
	onError func(error)
	prompts chan prompt
}

type prompt struct {
	lang lang
	text string
}

// newVoice returns a voice speaking with command until ctx ends.
func newVoice(ctx context.Context, command string, onError func(error)) *voice {
	v := &voice{speak: command, timeout: 30 * time.Second, onError: onError, prompts: make(chan prompt, 1)}
	go v.run(ctx)
	return v
}

// say queues text to be spoken, replacing a prompt not yet spoken.
func (v *voice) say(l lang, text string) {
	p := prompt{l, text}
	for {
		select {
		case v.prompts <- p:
			return
		default:
		}
		select {
		case <-v.prompts: // drop the stale prompt
		default:
		}
	}
}

func (v *voice) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-v.prompts:
			v.speakOne(ctx, p)
		}
	}
}

// speakOne speaks p.
func (v *voice) speakOne(ctx context.Context, p prompt) {
	sctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()
	code := "zh"
	if p.lang == langEN {
		code = "en"
	}
	if err := device.Speak(sctx, v.speak, code, p.text); err != nil && v.onError != nil {
		v.onError(err)
	}
}
