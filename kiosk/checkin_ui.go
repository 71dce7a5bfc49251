package main

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
)

// buildChoose builds the screen listing an applicant's bookings of today as
// large buttons.
func (a *kioskApp) buildChoose() {
	a.chooseTitle = a.text(52, colWhite, true)
	a.chooseTitle.Alignment = fyne.TextAlignCenter
	a.chooseList = container.NewVBox()
	a.chooseBackT = a.text(44, colWhite, true)
	a.chooseBack = a.newPad(colGrey, fyne.NewSize(320, 120), container.NewCenter(a.chooseBackT), func() { a.apply(a.m.Home()) })
	a.choose = container.NewBorder(container.NewPadded(fit(a.chooseTitle)), container.NewCenter(a.chooseBack), nil, nil,
		container.NewVScroll(a.chooseList))
}

// renderChoose shows the bookings of the flow: service and time, one button
// each, with the digit key that picks it.
func (a *kioskApp) renderChoose() {
	l := a.lang
	setText(a.chooseTitle, txtChooseBooking.in(l))
	setText(a.chooseBackT, txtCancel.in(l))
	a.choosePads = a.choosePads[:0]
	objs := make([]fyne.CanvasObject, 0, len(a.m.Bookings))
	for i, b := range a.m.Bookings {
		key := a.text(72, colYellow, true)
		key.Text = fmt.Sprint(i + 1)
		name := a.text(56, colWhite, true)
		name.Text = msg{b.NameZH, b.NameEN}.in(l) + "  " + clockText(b.Start)
		name2 := a.text(30, colMuted, false)
		name2.Text = msg{b.NameZH, b.NameEN}.in(l.other())
		body := container.NewBorder(nil, nil, container.New(layout.NewCustomPaddedLayout(0, 0, 8, 36), key), nil,
			container.NewVBox(fit(name), fit(name2)))
		p := a.newPad(colBlue, fyne.NewSize(600, 150), body, func() { a.apply(a.m.Pick(i)) })
		a.choosePads = append(a.choosePads, p)
		objs = append(objs, container.NewPadded(p))
	}
	a.chooseList.Objects = objs
	a.chooseList.Refresh()
}

// renderCheckInEntry shows the check-in button on the home screen when a
// service of the kiosk takes bookings.
func (a *kioskApp) renderCheckInEntry() {
	if !a.snap.CheckIn || a.snap.Unenrolled || !a.snap.Ready {
		a.ciPad.Hide()
		return
	}
	l := a.lang
	setText(a.ciText, txtCheckIn.in(l)+" / "+txtCheckIn.in(l.other()))
	a.ciPad.Show()
}

// checkIn checks in the flow's booking and prints its ticket, off Fyne's
// goroutine.
func (a *kioskApp) checkIn(flow uint64, doc Doc, code string) {
	ctx := context.Background()
	is, err := a.core.CheckIn(ctx, doc, code)
	if err != nil {
		var c *Choice
		if errors.As(err, &c) {
			a.do(func() {
				if a.m.Choices(flow, c.Bookings) {
					a.render()
				}
			})
			return
		}
		var r *Refusal
		why := txtFault
		if errors.As(err, &r) {
			why = r.Msg
		} else {
			a.log.Error("check-in failed", "err", err)
		}
		a.do(func() {
			if a.m.Refused(flow, why) {
				a.render()
			}
		})
		return
	}
	a.printIssued(ctx, flow, is)
}
