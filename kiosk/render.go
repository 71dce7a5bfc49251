package main

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"hallq/printer"
)

// render shows the machine's screen in the current language, and sets its
// timeout.
func (a *kioskApp) render() {
	if a.m.Screen != a.logged {
		a.logged = a.m.Screen
		a.log.Debug("screen", "screen", screenNames[a.m.Screen], "flow", a.m.Flow)
	}
	a.renderHeader()
	switch a.m.Screen {
	case screenHome:
		a.renderHome()
		a.show(a.home)
		a.setTimer(0)
		if a.access {
			a.leaveAccessLater()
		}
	case screenID:
		if a.m.IDErr != (msg{}) && a.m.IDErr != a.idErrLogged {
			a.log.Debug("document number refused", "kind", a.m.Kind, "why", a.m.IDErr.en)
		}
		a.idErrLogged = a.m.IDErr
		a.renderID()
		a.show(a.idScreen)
		a.setTimer(a.idle())
	case screenIssuing:
		busy := txtIssuing
		if a.m.CheckIn {
			busy = txtCheckingIn
		}
		setText(a.busyText, busy.in(a.lang))
		a.show(a.busy)
		a.setTimer(0)
	case screenTicket:
		a.renderTicket()
		a.show(a.ticket)
		switch {
		case a.m.Printing:
			a.setTimer(0)
		case a.m.PrintFailed:
			a.setTimer(3 * a.ticketTime())
		default:
			a.setTimer(a.ticketTime())
		}
	case screenNotice:
		title := txtNotAvailable
		if a.m.CheckIn {
			title = txtCheckInRefused
		}
		setText(a.noticeTitle, title.in(a.lang))
		setPara(a.noticeText, a.m.Notice.in(a.lang)+"\n"+a.m.Notice.in(a.lang.other()))
		setText(a.noticeOKText, txtOK.in(a.lang))
		a.show(a.notice)
		a.setTimer(a.idle() / 3)
	case screenChoose:
		a.renderChoose()
		a.show(a.choose)
		a.setTimer(a.idle())
	case screenPhone:
		a.renderPhone()
		a.show(a.phone.screen)
		switch {
		case a.m.PhoneSending:
			a.setTimer(0)
		case a.m.PhoneKept:
			a.setTimer(a.idle() / 3)
		default:
			a.setTimer(a.idle())
		}
	}
	a.forgetPhone()
	a.relayout()
	a.speakScreen()
}

// setTimer sends the current flow home after d (0: never).
func (a *kioskApp) setTimer(d time.Duration) {
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
	if d <= 0 {
		return
	}
	flow := a.m.Flow
	a.timer = time.AfterFunc(d, func() { a.do(func() { a.apply(a.m.Timeout(flow)) }) })
}

func (a *kioskApp) renderHeader() {
	l := a.lang
	s := a.snap
	if s.Ready {
		setText(a.hallName, msg{s.HallZH, s.HallEN}.in(l))
		setText(a.hallSub, msg{s.HallZH, s.HallEN}.in(l.other()))
	} else {
		setText(a.hallName, "hallq")
		setText(a.hallSub, "")
	}
	if !s.Now.IsZero() {
		setText(a.clock, clockText(s.Now))
	}
	setText(a.langText, txtSwitch.in(l))
	var banner string
	switch {
	case !s.Ready:
	case !s.Online:
		banner = txtOffline.in(l)
		if s.Pending > 0 {
			banner += "  ·  " + msgf(txtOfflineSync, s.Pending).in(l)
		}
	case s.Printer != "":
		banner = msgf(txtPrinterIssue, printerProblem(s.Printer).in(l)).in(l)
	}
	if a.m.Screen == screenTicket {
		banner = "" // the ticket says it was issued offline; the number needs the room
	}
	setPara(a.bannerText, banner)
	if banner == "" {
		a.banner.Hide()
	} else {
		a.banner.Show()
	}
}

func (a *kioskApp) renderHome() {
	l := a.lang
	s := a.snap
	switch {
	case s.Unenrolled:
		setPara(a.connecting, txtUnenrolled.in(l))
		a.connecting.Show()
		s.Tiles = nil
	case !s.Ready:
		setPara(a.connecting, txtConnecting.in(l))
		a.connecting.Show()
	default:
		a.connecting.Hide()
	}
	setText(a.hint, txtChoose.in(l))
	if a.access {
		setText(a.accText, txtAccessOff.in(l))
	} else {
		setText(a.accText, txtAccess.in(l))
	}
	a.renderCheckInEntry()
	for len(a.tiles) < len(s.Tiles) {
		a.tiles = append(a.tiles, a.newTile())
	}
	cols := 1
	switch n := len(s.Tiles); {
	case n > 8:
		cols = 3
	case n > 3:
		cols = 2
	}
	objs := make([]fyne.CanvasObject, len(s.Tiles))
	for i, t := range s.Tiles {
		st := a.tiles[i]
		st.tile = t
		setText(st.key, fmt.Sprint(t.Key))
		setText(st.name, msg{t.NameZH, t.NameEN}.in(l))
		setText(st.name2, msg{t.NameZH, t.NameEN}.in(l.other()))
		var status string
		switch {
		case !t.Available:
			status = t.Reason.in(l)
		case t.Offline:
			status = msgf(txtOfflineLeft, t.Remaining).in(l)
		case t.Live:
			status = msgf(txtWaiting, t.Waiting).in(l) + "  ·  " + waitText(t.ETASeconds).in(l)
		}
		if t.Available && t.RealName {
			status += "  ·  " + txtRealName.in(l)
		}
		setPara(st.status, status)
		seg := st.status.Segments[0].(*widget.TextSegment)
		if t.Available {
			st.pad.SetFill(colBlue)
			seg.Style.ColorName = ""
			st.key.Color, st.name.Color = colYellow, colWhite
		} else {
			st.pad.SetFill(colGrey)
			seg.Style.ColorName = colorNameReason
			st.key.Color, st.name.Color = colMuted, colMuted
		}
		st.status.Refresh()
		st.key.Refresh()
		st.name.Refresh()
		objs[i] = st.pad
	}
	if len(a.grid.Objects) != len(objs) || a.grid.Layout == nil || !sameObjects(a.grid.Objects, objs) {
		a.grid.Objects = objs
		a.grid.Layout = layout.NewGridLayoutWithColumns(cols)
		a.grid.Refresh()
	}
}

func sameObjects(a, b []fyne.CanvasObject) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (a *kioskApp) renderTicket() {
	l := a.lang
	is := a.issued
	if is == nil {
		return
	}
	setText(a.tkLabel, txtYourNumber.in(l))
	setText(a.tkNumber, is.Number)
	setText(a.tkService, msg{is.ServiceZH, is.ServiceEN}.in(l))
	setText(a.tkService2, msg{is.ServiceZH, is.ServiceEN}.in(l.other()))
	ahead := txtAhead
	if is.AheadEstimated {
		ahead = txtAheadEst
	}
	setText(a.tkAhead, msgf(ahead, is.Ahead).in(l))
	setText(a.tkWait, waitText(int(is.ETA.Seconds())).in(l))
	setText(a.tkTime, msgf(txtIssuedAt, is.IssuedAt.Format("2006-01-02 15:04")).in(l))
	setText(a.tkScan, txtScan.in(l))
	if a.tkQRFor != is.StatusURL {
		a.tkQRFor = is.StatusURL
		img, err := printer.QRImage(is.StatusURL, printer.QROptions{Module: 8, Level: printer.QRLevelM})
		if err != nil {
			a.log.Error("QR code", "err", err)
		} else {
			a.tkQR.Image = img
			a.tkQR.Refresh()
		}
	}
	seg := a.tkPrint.Segments[0].(*widget.TextSegment)
	switch {
	case a.m.Printing:
		setPara(a.tkPrint, txtPrinting.in(l))
		a.tkPrintBg.FillColor, seg.Style.ColorName = colGrey, ""
		a.tkDone.Hide()
	case a.m.PrintFailed:
		problem := printerProblem(printer.Code(a.printErr))
		if errors.Is(a.printErr, errNoPrinter) {
			problem = txtNoPrinterSetUp
		}
		setPara(a.tkPrint, msgf(txtNoReceipt, problem.in(l)).in(l))
		a.tkPrintBg.FillColor, seg.Style.ColorName = colRed, ""
		a.tkDone.Show()
	default:
		setPara(a.tkPrint, txtTakeIt.in(l)+"  ·  "+txtTapHome.in(l))
		a.tkPrintBg.FillColor, seg.Style.ColorName = colGreen, ""
		a.tkDone.Show()
	}
	a.tkPrintBg.Refresh()
	a.tkPrint.Refresh()
	setText(a.tkDoneText, txtDone.in(l))
	switch {
	case is.Offline:
		setPara(a.tkOffline, txtOfflineTk.in(l))
		a.tkOffline.Show()
	case is.Reprint:
		setPara(a.tkOffline, txtReprint.in(l))
		a.tkOffline.Show()
	default:
		a.tkOffline.Hide()
	}
	a.renderPhoneOffer()
}

// tick updates the clock and what depends on the time of day.
