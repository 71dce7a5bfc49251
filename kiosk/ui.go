package main

import (
	"context"
	"errors"
	"image/color"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// uiOptions configure the app.
type uiOptions struct {
	TicketTimeout time.Duration // the ticket screen stays this long after printing (three times as long when it failed)
	IdleTimeout   time.Duration // the ID keypad and notices wait this long
	Fullscreen    bool
	Size          fyne.Size // window size when not full screen
	Theme         *kioskTheme
	// MinTarget is the smallest width and height of a touch target, in
	// Fyne's units (pixels at scale 1): MinTargetMM on the configured screen.
	MinTarget float32
	// SpeakCmd speaks the prompts in accessible mode (device.Speak); empty:
	// silent.
	SpeakCmd string
}

// kioskApp is the kiosk's Fyne app: it holds the widgets of every screen and
// the Kiosk behind them. Its fields are touched on Fyne's goroutine only:
// answers from other goroutines come through do.
type kioskApp struct {
	core *Kiosk
	opts uiOptions
	log  *slog.Logger
	// do runs a function on Fyne's goroutine: fyne.Do, or in tests a
	// function that serialises with the test.
	do func(func())

	app         fyne.App
	win         fyne.Window
	lang        lang
	access      bool   // accessible mode: larger type, higher contrast, longer timeouts, spoken prompts
	voice       *voice // nil: no speak command
	spoken      string // the prompt last spoken
	m           machine
	snap        Snapshot
	issued      *Issued     // the number on the ticket screen
	printErr    error       // why its receipt did not print
	logged      screen      // the screen last logged
	readyLogged bool        // "home screen ready" was logged
	idErrLogged msg         // the refusal of a document number last logged
	tkQRFor     string      // the URL the QR image shows
	timer       *time.Timer // the current screen's timeout
	shown       fyne.CanvasObject

	// header, on every screen
	hallName, hallSub, clock *canvas.Text
	langPad                  *pad
	langText                 *canvas.Text
	banner                   *fyne.Container
	bannerBg                 *canvas.Rectangle
	bannerText               *widget.RichText

	// home
	home       *fyne.Container
	grid       *fyne.Container
	tiles      []*serviceTile
	hint       *canvas.Text
	connecting *widget.RichText
	ciPad      *pad // check in a booking
	ciText     *canvas.Text
	accPad     *pad // accessible mode on or off
	accText    *canvas.Text

	// bookings to choose from
	choose      *fyne.Container
	chooseTitle *canvas.Text
	chooseList  *fyne.Container
	choosePads  []*pad // one a booking, in m.Bookings' order
	chooseBack  *pad
	chooseBackT *canvas.Text

	// document keypad
	idScreen                       *fyne.Container
	idTitle, idService, idValue    *canvas.Text
	idCount                        *canvas.Text
	idErr, idHint                  *widget.RichText
	kindPads                       map[string]*pad // the document kinds, by queue.Doc*
	kindTexts                      map[string]*canvas.Text
	digitPad, letterPad            *fyne.Container // the keypads of a resident ID number and of other documents
	keys, letterKeys               map[string]*pad
	idOK, idBack, idClear          *pad
	letterDel                      *pad // the letter keypad's delete key, among the actions
	idOKText, idBackText, idClearT *canvas.Text
	idDelText, letterDelText       *canvas.Text

	// issuing
	busy     *fyne.Container
	busyText *canvas.Text

	// ticket
	ticket                                   *fyne.Container
	tkPad                                    *pad
	tkLabel, tkNumber, tkService, tkService2 *canvas.Text
	tkAhead, tkWait, tkTime, tkScan          *canvas.Text
	tkQR                                     *canvas.Image
	tkPrintBg                                *canvas.Rectangle
	tkPrint, tkOffline                       *widget.RichText
	tkDone                                   *pad
	tkDoneText                               *canvas.Text

	phone phoneUI

	// notice
	notice       *fyne.Container
	noticeTitle  *canvas.Text
	noticeText   *widget.RichText
	noticeOK     *pad
	noticeOKText *canvas.Text
	content      *fyne.Container // the screens, one visible
	root         *fyne.Container // everything; refreshed after each change to lay it out again
}

// keyDelete names the keypad's delete key in kioskApp.keys.
const keyDelete = "delete"

// serviceTile is a service's button on the home screen.
type serviceTile struct {
	pad              *pad
	key, name, name2 *canvas.Text
	status           *widget.RichText
	tile             Tile
}

// newKioskApp returns the app of a kiosk; loadUI builds its window.
func newKioskApp(core *Kiosk, log *slog.Logger, o uiOptions) *kioskApp {
	if o.TicketTimeout <= 0 {
		o.TicketTimeout = DefaultTicketTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.Theme == nil {
		o.Theme = &kioskTheme{}
	}
	if o.Size.IsZero() {
		o.Size = fyne.NewSize(1920, 1080)
	}
	return &kioskApp{core: core, log: log, opts: o, do: fyne.Do}
}

// loadUI builds the window and its screens in app, and shows the home
// screen. The Kiosk's changes reach the screens through a.do.
func (a *kioskApp) loadUI(app fyne.App) {
	a.app = app
	app.Settings().SetTheme(a.opts.Theme)
	a.win = app.NewWindow("hallq 取号机 kiosk")
	a.win.SetPadded(false)
	a.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) { a.apply(a.m.Key(ev.Name)) })
	if a.opts.SpeakCmd != "" {
		ctx, cancel := context.WithCancel(context.Background())
		a.win.SetOnClosed(cancel)
		a.voice = newVoice(ctx, a.opts.SpeakCmd, func(err error) { a.log.Warn("speak command failed", "err", err) })
	}
	a.build()
	a.win.SetContent(a.root)
	if a.opts.Fullscreen {
		a.win.SetFullScreen(true)
	} else {
		a.win.Resize(a.opts.Size)
	}
	a.core.SetOnChange(func() { a.do(a.refresh) })
	a.refresh()
	a.render()
}

// build builds the screens in the current mode, anew.
func (a *kioskApp) build() {
	a.tiles, a.shown, a.tkQRFor = nil, nil, ""
	header := a.buildHeader()
	a.buildHome()
	a.buildID()
	a.buildBusy()
	a.buildTicket()
	a.buildNotice()
	a.buildChoose()
	a.buildPhone()
	a.content = container.NewStack(a.home, a.idScreen, a.busy, a.ticket, a.notice, a.choose, a.phone.screen)
	a.show(a.home) // the others hidden, so that the window takes the size of the one shown
	bg := canvas.NewRectangle(colNavy)
	if a.access {
		bg.FillColor = colBlack
	}
	a.root = container.NewStack(bg, container.NewBorder(header, nil, nil, nil,
		container.New(layout.NewCustomPaddedLayout(8, 24, 32, 32), a.content)))
}

// buildHeader builds the hall's name, the clock, the language switch and the
// banner that says when the kiosk is offline or its printer is in trouble.
func (a *kioskApp) buildHeader() fyne.CanvasObject {
	// The same size in either mode: accessible mode gives the room to the
	// screens below.
	a.hallName = a.text(54/a.scale(), colWhite, true)
	a.hallSub = a.text(26/a.scale(), colMuted, false)
	a.clock = a.text(48/a.scale(), colWhite, true)
	a.langText = a.text(34/a.scale(), colWhite, true)
	a.langText.Alignment = fyne.TextAlignCenter
	a.langPad = a.newPad(colGrey, fyne.NewSize(220, 96), container.NewCenter(a.langText), func() {
		a.lang = a.lang.other()
		a.render()
	})
	names := container.NewVBox(fit(a.hallName), fit(a.hallSub))
	top := container.NewBorder(nil, nil, nil, container.NewHBox(container.NewCenter(a.clock), layout.NewSpacer(), a.langPad), names)
	a.bannerBg = canvas.NewRectangle(colAmber)
	a.bannerBg.CornerRadius = 12
	a.bannerText = para(sizeNameBody, colorNameInk, true, fyne.TextAlignLeading)
	a.banner = container.NewStack(a.bannerBg, container.New(layout.NewCustomPaddedLayout(4, 4, 16, 16), a.bannerText))
	a.banner.Hide()
	return container.New(layout.NewCustomPaddedLayout(24, 8, 32, 32), container.NewVBox(top, a.banner))
}

func (a *kioskApp) buildHome() {
	a.grid = container.NewGridWithColumns(2)
	a.hint = a.text(32, colMuted, false)
	a.hint.Alignment = fyne.TextAlignCenter
	a.connecting = para(sizeNameLarge, "", true, fyne.TextAlignCenter)
	a.ciText = a.text(44, colWhite, true)
	// Beside the hint, so that the home screen is no taller with it.
	a.ciPad = a.newPad(colGreen, fyne.NewSize(520, 88), container.NewCenter(a.ciText),
		func() { a.apply(a.m.StartCheckIn()) })
	a.ciPad.Hide()
	a.accText = a.text(40, colWhite, true)
	a.accPad = a.newPad(colAccess, fyne.NewSize(440, 88), container.NewCenter(a.accText), func() {
		if a.m.Screen == screenHome {
			a.setAccess(!a.access)
		}
	})
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(container.NewPadded(a.accPad), container.NewPadded(a.ciPad)),
		container.NewPadded(fit(a.hint)))
	a.home = container.NewBorder(nil, bar, nil, nil,
		container.NewStack(container.NewVBox(layout.NewSpacer(), a.connecting, layout.NewSpacer()), a.grid))
}

// newTile returns the button of a service.
func (a *kioskApp) newTile() *serviceTile {
	st := &serviceTile{
		key: a.text(96, colYellow, true), name: a.text(64, colWhite, true), name2: a.text(32, colMuted, false),
		status: para(sizeNameLarge, "", false, fyne.TextAlignLeading),
	}
	if a.access {
		// Two rows of tiles must fit the screen with their larger names.
		st.status.Segments[0].(*widget.TextSegment).Style.SizeName = sizeNameBody
	}
	names := container.NewVBox(fit(st.name), fit(st.name2))
	top := container.NewBorder(nil, nil, container.New(layout.NewCustomPaddedLayout(0, 0, 4, 36), st.key), nil, names)
	body := container.NewBorder(top, nil, nil, nil, st.status)
	st.pad = a.newPad(colBlue, fyne.NewSize(300, 240), body, func() { a.apply(a.m.Choose(st.tile.Key)) })
	return st
}

func (a *kioskApp) buildBusy() {
	a.busyText = a.text(64, colWhite, true)
	a.busyText.Alignment = fyne.TextAlignCenter
	a.busy = container.NewCenter(a.busyText)
}

func (a *kioskApp) buildTicket() {
	a.tkLabel = a.text(36/a.scale(), colMuted, false)
	// The number is the largest text of all in either mode; accessible mode
	// gives some of its room to the larger lines around it.
	numberSize := float32(220)
	if a.access {
		numberSize = 200
	}
	a.tkNumber = text(numberSize, colYellow, true)
	a.tkService = a.text(52, colWhite, true)
	a.tkService2 = a.text(28, colMuted, false)
	a.tkAhead = a.text(48, colWhite, true)
	a.tkWait = a.text(48, colWhite, false)
	a.tkTime = a.text(26/a.scale(), colMuted, false)
	for _, t := range []*canvas.Text{a.tkLabel, a.tkNumber, a.tkService, a.tkService2, a.tkAhead, a.tkWait, a.tkTime} {
		t.Alignment = fyne.TextAlignCenter
	}
	dot := a.text(48, colMuted, false)
	dot.Text = "·"
	queue := container.NewCenter(container.NewHBox(a.tkAhead, dot, a.tkWait))
	a.tkOffline = para(sizeNameSmall, colorNameReason, true, fyne.TextAlignCenter)
	left := container.NewVBox(layout.NewSpacer(), a.tkLabel, fit(a.tkNumber), fit(a.tkService), fit(a.tkService2),
		layout.NewSpacer(), queue, a.tkTime, a.tkOffline, layout.NewSpacer())

	a.tkQR = canvas.NewImageFromImage(nil)
	a.tkQR.ScaleMode = canvas.ImageScalePixels
	a.tkQR.FillMode = canvas.ImageFillContain
	a.tkQR.SetMinSize(fyne.NewSize(420, 420))
	paper := canvas.NewRectangle(colPaper)
	paper.CornerRadius = 12
	qr := container.NewStack(paper, container.New(layout.NewCustomPaddedLayout(36, 36, 36, 36), a.tkQR))
	a.tkScan = a.text(34, colWhite, true)
	a.tkScan.Alignment = fyne.TextAlignCenter
	right := container.NewVBox(layout.NewSpacer(), container.NewCenter(qr), a.tkScan, layout.NewSpacer())

	a.tkPrintBg = canvas.NewRectangle(colGrey)
	a.tkPrintBg.CornerRadius = 12
	a.tkPrint = para(sizeNameLarge, "", true, fyne.TextAlignLeading)
	a.tkDoneText = a.text(44, colWhite, true)
	a.tkDone = a.newPad(colGreen, fyne.NewSize(280, 110), container.NewCenter(a.tkDoneText), func() { a.apply(a.m.Confirm()) })
	// Room for two lines, so a long message never spills out of its box.
	room := canvas.NewRectangle(color.Transparent)
	room.SetMinSize(fyne.NewSize(10, 150))
	status := container.NewStack(room, a.tkPrintBg, container.New(layout.NewCustomPaddedLayout(12, 12, 24, 24), a.tkPrint))
	bottom := container.NewBorder(nil, nil, nil, container.NewHBox(container.NewCenter(a.buildPhoneOffer()), container.NewCenter(a.tkDone)), status)
	body := container.NewBorder(nil, bottom, nil, nil, container.NewGridWithColumns(2, left, right))
	// Tapping anywhere leaves; a tap while the receipt prints leaves once it
	// is out.
	a.tkPad = a.newPad(color.Transparent, fyne.Size{}, body, func() {
		if !a.m.PrintFailed {
			a.apply(a.m.Confirm())
		}
	})
	a.ticket = container.NewStack(a.tkPad)
}

func (a *kioskApp) buildNotice() {
	a.noticeTitle = a.text(64, colYellow, true)
	a.noticeTitle.Alignment = fyne.TextAlignCenter
	a.noticeText = para(sizeNameLarge, "", true, fyne.TextAlignCenter)
	a.noticeOKText = a.text(44, colWhite, true)
	a.noticeOK = a.newPad(colBlue, fyne.NewSize(320, 120), container.NewCenter(a.noticeOKText), func() { a.apply(a.m.Home()) })
	a.notice = container.NewVBox(layout.NewSpacer(), a.noticeTitle, container.NewPadded(a.noticeText),
		container.NewCenter(a.noticeOK), layout.NewSpacer())
}

// apply carries out what the machine says after an input.
func (a *kioskApp) apply(e effect) {
	switch e {
	case effectNone:
		return
	case effectIssue:
		a.render()
		if a.m.CheckIn {
			go a.checkIn(a.m.Flow, Doc{a.m.Kind, a.m.ID}, a.m.Code)
			return
		}
		var doc Doc
		if a.m.Chosen.RealName {
			doc = Doc{a.m.Kind, a.m.ID}
		}
		go a.issue(a.m.Flow, a.m.Chosen.Service, doc)
		return
	case effectPhone:
		a.render()
		go a.sendPhone(a.m.Flow, a.issued, a.m.Phone)
		return
	}
	if a.m.Screen == screenHome {
		a.lang = langZH // the next applicant is greeted in Chinese
		a.issued = nil
	}
	a.render()
}

// issue takes a number and prints it, off Fyne's goroutine.
func (a *kioskApp) issue(flow uint64, service string, doc Doc) {
	ctx := context.Background()
	is, err := a.core.Issue(ctx, service, doc)
	if err != nil {
		var r *Refusal
		why := txtFault
		if errors.As(err, &r) {
			why = r.Msg
		} else {
			a.log.Error("taking a number failed", "service", service, "err", err)
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

// printIssued shows a number given to the flow and prints its receipt, off
// Fyne's goroutine.
func (a *kioskApp) printIssued(ctx context.Context, flow uint64, is *Issued) {
	a.do(func() {
		if a.m.Issued(flow) {
			a.issued = is
			a.m.PhoneOffer = a.snap.Notify && !is.Offline && is.Token != ""
			a.render()
		}
	})
	perr := a.core.Print(ctx, is)
	a.do(func() {
		if a.m.Printed(flow, perr == nil) {
			a.printErr = perr
			if a.m.LeavePrinted {
				a.apply(a.m.Home())
				return
			}
			a.render()
		}
	})
}

// refresh takes the kiosk's latest state.
func (a *kioskApp) refresh() {
	a.snap = a.core.Snapshot()
	a.m.Tiles = a.snap.Tiles
	if a.snap.Unenrolled {
		a.m.Tiles = nil
	}
	if !a.readyLogged && len(a.snap.Tiles) > 0 {
		a.readyLogged = true
		a.log.Info("home screen ready", "services", len(a.snap.Tiles), "online", a.snap.Online)
	}
	a.renderHeader()
	if a.m.Screen == screenHome {
		a.renderHome()
	}
	a.relayout()
}

// relayout lays the window out again after texts changed size (Fyne lays
// out a container only when it is refreshed).
func (a *kioskApp) relayout() {
	if a.root != nil {
		a.root.Refresh()
	}
}

// show makes one screen visible.
func (a *kioskApp) show(o fyne.CanvasObject) {
	if a.shown == o {
		return
	}
	for _, s := range a.content.Objects {
		if s == o {
			s.Show()
		} else {
			s.Hide()
		}
	}
	a.shown = o
}

func (a *kioskApp) tick() { a.refresh() }
