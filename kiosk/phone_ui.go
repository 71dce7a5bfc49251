package main

import (
	"context"
	"errors"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// colPhone is the ticket screen's button that offers text messages.
var colPhone = color.NRGBA{0x00, 0x5f, 0x73, 0xff}

// phoneUI holds the widgets of the phone step: the offer on the ticket
// screen, and the phone screen.
type phoneUI struct {
	offer                 *pad // on the ticket screen
	offerText, offerSub   *canvas.Text
	screen                *fyne.Container
	title, title2, ticket *canvas.Text
	value, count          *canvas.Text
	err, hint             *widget.RichText
	keys                  map[string]*pad
	clear, skip, ok       *pad
	clearText, delText    *canvas.Text
	skipText, okText      *canvas.Text
}

// buildPhoneOffer builds the ticket screen's button that opens the phone
// step.
func (a *kioskApp) buildPhoneOffer() fyne.CanvasObject {
	p := &a.phone
	p.offerText = a.text(40, colWhite, true)
	p.offerSub = a.text(26, colMuted, false)
	p.offerText.Alignment, p.offerSub.Alignment = fyne.TextAlignCenter, fyne.TextAlignCenter
	p.offer = a.newPad(colPhone, fyne.NewSize(640, 110), container.NewVBox(fit(p.offerText), fit(p.offerSub)),
		func() { a.apply(a.m.StartPhone()) })
	p.offer.Hide()
	return p.offer
}

// buildPhone builds the phone screen: what it is for, the number typed so
// far, a digit keypad, and Skip and Confirm buttons of the same size.
func (a *kioskApp) buildPhone() {
	p := &a.phone
	p.title = a.text(52, colWhite, true)
	p.title2 = a.text(30, colMuted, false)
	p.ticket = a.text(36, colYellow, true)
	p.value = a.text(72, colWhite, true)
	p.value.Text = " "
	p.count = a.text(32, colMuted, false)
	p.err = para(sizeNameLarge, colorNameReason, true, fyne.TextAlignLeading)
	p.hint = para(sizeNameSmall, colorNameMuted, false, fyne.TextAlignLeading)
	valueBg := canvas.NewRectangle(colPanel)
	valueBg.CornerRadius = 12
	valueBg.StrokeColor, valueBg.StrokeWidth = colWhite, 3
	valueBox := container.NewStack(valueBg, container.New(layout.NewCustomPaddedLayout(20, 20, 28, 28), p.value))
	left := container.NewVBox(fit(p.title), fit(p.title2), fit(p.ticket), valueBox, p.count, p.err, layout.NewSpacer(), p.hint)

	p.keys = map[string]*pad{}
	keypad := container.NewGridWithColumns(3)
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", keyDelete} {
		var key *pad
		switch k {
		case "clear":
			p.clearText = a.text(40, colWhite, true)
			key = a.newPad(colGrey, fyne.NewSize(120, 96), container.NewCenter(p.clearText), func() { a.apply(a.m.Clear()) })
		case keyDelete:
			key, p.delText = a.newKey(k, 40)
		default:
			key, _ = a.newKey(k, 72)
		}
		p.keys[k] = key
		keypad.Add(key)
	}
	p.skipText, p.okText = a.text(44, colWhite, true), a.text(44, colWhite, true)
	p.skip = a.newPad(colGrey, fyne.NewSize(200, 120), container.NewCenter(p.skipText), func() { a.apply(a.m.Home()) })
	p.ok = a.newPad(colGreen, fyne.NewSize(200, 120), container.NewCenter(p.okText), func() { a.apply(a.m.Confirm()) })
	// One grid: Skip is exactly as large as Confirm.
	actions := container.NewGridWithColumns(2, p.skip, p.ok)
	right := container.NewBorder(nil, container.NewPadded(actions), nil, nil, keypad)
	p.screen = container.NewGridWithColumns(2, container.NewPadded(left), right)
}

// renderPhoneOffer shows the offer on the ticket screen when the step may
// be taken, and says on an offline ticket that it may not.
func (a *kioskApp) renderPhoneOffer() {
	p := &a.phone
	l := a.lang
	setText(p.offerText, txtPhoneOffer.in(l))
	setText(p.offerSub, txtPhoneOffer.in(l.other()))
	if a.m.PhoneOffer && !a.m.Printing && !a.m.PhoneKept {
		p.offer.Show()
	} else {
		p.offer.Hide()
	}
	if a.issued != nil && a.issued.Offline && a.snap.Notify {
		setPara(a.tkOffline, txtOfflineTk.in(l)+" "+txtPhoneOffline.in(l))
	}
}

// renderPhone shows the phone screen.
func (a *kioskApp) renderPhone() {
	p := &a.phone
	l := a.lang
	setText(p.title, txtPhoneOffer.in(l))
	setText(p.title2, txtPhoneOffer.in(l.other()))
	if is := a.issued; is != nil {
		setText(p.ticket, msgf(txtPhoneFor, is.Number, msg{is.ServiceZH, is.ServiceEN}.in(l)).in(l))
	}
	shown := groupPhone(a.m.Phone)
	if shown == "" {
		shown = " "
	}
	setText(p.value, shown)
	setText(p.count, msgf(txtPhoneCount, len(a.m.Phone)).in(l))
	why := a.m.PhoneErr.in(l)
	switch {
	case a.m.PhoneSending:
		why = txtPhoneSending.in(l)
	case a.m.PhoneKept:
		why = txtPhoneKept.in(l)
	}
	setPara(p.err, why)
	seg := p.err.Segments[0].(*widget.TextSegment)
	if a.m.PhoneKept || a.m.PhoneSending {
		seg.Style.ColorName = ""
	} else {
		seg.Style.ColorName = colorNameReason
	}
	p.err.Refresh()
	setPara(p.hint, txtPhoneHint.in(l))
	// What happened takes the hint's room, so that the screen fits a small
	// kiosk's screen in accessible mode too.
	if why != "" {
		p.hint.Hide()
	} else {
		p.hint.Show()
	}
	setText(p.clearText, txtClear.in(l))
	setText(p.delText, txtDelete.in(l))
	setText(p.skipText, txtPhoneSkip.in(l))
	setText(p.okText, txtPhoneConfirm.in(l))
	if a.m.PhoneKept {
		setText(p.okText, txtDone.in(l))
	}
	if a.m.PhoneKept { // nothing left to type or skip
		p.skip.Hide()
		p.count.Hide()
	} else {
		p.skip.Show()
		p.count.Show()
	}
	if len(a.m.Phone) == phoneDigits || a.m.PhoneKept {
		p.ok.SetFill(colGreen)
	} else {
		p.ok.SetFill(colGrey)
	}
}

// forgetPhone clears the number from the phone screen once it is not shown.
func (a *kioskApp) forgetPhone() {
	if a.m.Screen != screenPhone && a.phone.value != nil {
		setText(a.phone.value, " ")
	}
}

// sendPhone sends the phone number typed for the ticket shown, off Fyne's
// goroutine.
func (a *kioskApp) sendPhone(flow uint64, is *Issued, phone string) {
	err := a.core.LeavePhone(context.Background(), is, phone)
	why := txtFault
	var r *Refusal
	if errors.As(err, &r) {
		why = r.Msg
	}
	a.do(func() {
		if a.m.PhoneAnswered(flow, why, err == nil) {
			a.render()
			a.log.Debug("phone step answered", "kept", err == nil, "flow", flow)
		}
	})
}
