package main

import (
	"fmt"
	"image"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	qrcode "github.com/skip2/go-qrcode"

	"hallq/server/client"
)

// dutyLines is how many lines the duties on a publicity card may take: three
// at the card's size of text, up to five in smaller text when they are long.
const (
	dutyLines    = 5
	dutyMinLines = 3
)

// field is a labelled line of the publicity card.
type field struct {
	label, value *canvas.Text
}

// windowScreen is the screen above a window: the number being served in the
// largest type and the publicity card of the person serving there.
type windowScreen struct {
	panel   *canvas.Rectangle
	label   *canvas.Text
	number  *canvas.Text
	service *canvas.Text
	state   *canvas.Text
	stateEN *canvas.Text
	next    *canvas.Text
	// A number called out of the rule's order is marked with its reason.
	manualBg *canvas.Rectangle
	manual   *canvas.Text

	cardBg      *canvas.Rectangle
	cardTitleBg *canvas.Rectangle
	cardTitle   *canvas.Text
	name        field
	nameEN      *canvas.Text
	title       field
	unit        field
	dutyLabel   *canvas.Text
	duties      [dutyLines]*canvas.Text
	dutiesText  string
	services    field
	supervision *canvas.Text  // the supervision office's phone, for complaints
	complaint   *canvas.Text  // the complaint form's address
	complaintQR *canvas.Image // the same as a QR code, for a phone
	qrURL       string        // of the QR code drawn
	noCard      *canvas.Text
	photo       *canvas.Image // the card's portrait, when it has one
	photoKey    string        // of the portrait drawn, "" for none

	// rate offers the applicant the rating buttons, on screens that may.
	rate *ratePanel

	callSeq uint64    // the latest call shown
	callAt  time.Time // when it arrived, for the flash
	flash   bool      // the call is drawn in its flash colours
}

// newWindowScreen returns the screen; onRate is called with the level tapped
// on its rating buttons.
func newWindowScreen(onRate func(level string)) *windowScreen {
	w := &windowScreen{
		panel:   canvas.NewRectangle(colPanel),
		label:   newText(colMuted, true),
		number:  newText(colNumber, true),
		service: newText(colWindow, true),
		state:   newText(colWarn, true),
		stateEN: newText(colWarn, false),
		next:    newText(colText, false),

		manualBg: canvas.NewRectangle(colManual),
		manual:   newText(colText, true),

		cardBg:      canvas.NewRectangle(colPanel),
		cardTitleBg: canvas.NewRectangle(colHeader),
		cardTitle:   newText(colText, true),
		name:        field{newText(colMuted, false), newText(colText, true)},
		nameEN:      newText(colMuted, false),
		title:       field{newText(colMuted, false), newText(colText, true)},
		unit:        field{newText(colMuted, false), newText(colText, false)},
		dutyLabel:   newText(colMuted, false),
		services:    field{newText(colMuted, false), newText(colWindow, true)},
		supervision: newText(colMuted, false),
		complaint:   newText(colMuted, false),
		complaintQR: canvas.NewImageFromImage(nil),
		noCard:      newText(colMuted, false),
		photo:       canvas.NewImageFromImage(nil),
		rate:        newRatePanel(onRate),
	}
	w.photo.FillMode = canvas.ImageFillContain
	w.complaintQR.FillMode = canvas.ImageFillContain
	w.complaintQR.ScaleMode = canvas.ImageScalePixels // sharp modules
	w.complaintQR.Hide()
	w.photo.ScaleMode = canvas.ImageScaleSmooth
	w.photo.Hide()
	w.label.Text = "当前办理  Now serving"
	w.cardTitle.Text = "岗位信息公示  Post information"
	w.name.label.Text, w.title.label.Text, w.unit.label.Text = "姓名", "职务", "单位"
	w.dutyLabel.Text, w.services.label.Text = "岗位职责", "办理业务"
	w.noCard.Text = "本窗口未公示岗位信息  No post information"
	for i := range w.duties {
		w.duties[i] = newText(colText, false)
	}
	return w
}

// objects returns the screen's objects, bottom first.
func (w *windowScreen) objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{w.panel, w.label, w.manualBg, w.manual, w.number, w.service, w.state, w.stateEN, w.next,
		w.cardBg, w.cardTitleBg, w.cardTitle, w.photo, w.name.label, w.name.value, w.nameEN, w.title.label, w.title.value,
		w.unit.label, w.unit.value, w.dutyLabel}
	for _, d := range w.duties {
		objs = append(objs, d)
	}
	objs = append(objs, w.services.label, w.services.value, w.supervision, w.complaint, w.complaintQR, w.noCard)
	return append(objs, w.rate.objects()...)
}

// layout places the screen in main, the part below the header.
func (w *windowScreen) layout(main box) {
	gap := 0.01 * main.w
	left := main.cols(0.012, 0.6).rows(0.03, 0.97).inset(gap / 2)
	place(w.panel, left)
	w.rate.layout(left)
	in := left.cols(0.04, 0.96)
	label := in.rows(0.03, 0.13)
	if w.manualBg.Visible() {
		tag := label.cols(0.4, 1)
		place(w.manualBg, tag)
		fit(w.manual, tag.cols(0.03, 0.97), cjkGlyphs, 0.7, fyne.TextAlignCenter)
		label = label.cols(0, 0.38)
	}
	fit(w.label, label, cjkGlyphs, 0.75, fyne.TextAlignLeading)
	fit(w.number, in.rows(0.14, 0.68), capsGlyphs, 0.9, fyne.TextAlignCenter)
	fit(w.service, in.rows(0.69, 0.81), cjkGlyphs, 0.75, fyne.TextAlignCenter)
	fit(w.next, in.rows(0.85, 0.96), cjkGlyphs, 0.65, fyne.TextAlignCenter)
	fit(w.state, in.rows(0.25, 0.5), cjkGlyphs, 0.85, fyne.TextAlignCenter)
	fit(w.stateEN, in.rows(0.52, 0.64), lineGlyphs, 0.8, fyne.TextAlignCenter)

	card := main.cols(0.6, 0.988).rows(0.03, 0.97).inset(gap / 2)
	place(w.cardBg, card)
	head := card.rows(0, 0.11)
	place(w.cardTitleBg, head)
	fit(w.cardTitle, head.cols(0.04, 0.96), cjkGlyphs, 0.6, fyne.TextAlignCenter)
	fit(w.noCard, card.rows(0.4, 0.5).cols(0.04, 0.96), cjkGlyphs, 0.6, fyne.TextAlignCenter)
	body := card.cols(0.05, 0.95)
	labels, values := body.cols(0, 0.26), body.cols(0.28, 1)
	// The portrait, when there is one, stands right of the name, which keeps
	// the rest of the width; the lines below keep the whole width, so that
	// the title and unit stay as large as without a photo.
	who := values
	if w.photo.Visible() {
		who = body.cols(0.28, 0.74)
		place(w.photo, body.cols(0.76, 1).rows(0.125, 0.365))
	}
	fit(w.name.label, labels.rows(0.14, 0.26), cjkGlyphs, 0.6, fyne.TextAlignLeading)
	fit(w.name.value, who.rows(0.13, 0.29), cjkGlyphs, 0.85, fyne.TextAlignLeading)
	fit(w.nameEN, who.rows(0.29, 0.36), lineGlyphs, 0.8, fyne.TextAlignLeading)
	fit(w.title.label, labels.rows(0.38, 0.47), cjkGlyphs, 0.6, fyne.TextAlignLeading)
	fit(w.title.value, values.rows(0.38, 0.47), cjkGlyphs, 0.7, fyne.TextAlignLeading)
	fit(w.unit.label, labels.rows(0.49, 0.58), cjkGlyphs, 0.6, fyne.TextAlignLeading)
	fit(w.unit.value, values.rows(0.49, 0.58), cjkGlyphs, 0.62, fyne.TextAlignLeading)
	fit(w.dutyLabel, labels.rows(0.6, 0.69), cjkGlyphs, 0.6, fyne.TextAlignLeading)
	duties := values.rows(0.6, 0.83)
	// The complaint form's QR code stands right of the duties, which wrap
	// in what is left.
	if w.complaintQR.Visible() {
		side := min(0.24*body.w, 0.22*card.h)
		place(w.complaintQR, box{body.x + body.w - side, duties.y + (duties.h-side)/2, side, side})
		duties = duties.cols(0, (duties.w-side-0.04*body.w)/duties.w)
	}
	var lines []string
	n := dutyMinLines
	for ; n <= dutyLines; n++ {
		var whole bool
		if lines, whole = wrap(w.dutiesText, 0.62*duties.h/float32(n), w.duties[0].TextStyle, duties.w, n); whole {
			break
		}
	}
	n = min(n, dutyLines)
	for i, d := range w.duties {
		d.Text = ""
		if i < len(lines) {
			d.Text = lines[i]
		}
		fit(d, duties.rows(float32(i)/float32(n), float32(i+1)/float32(n)), cjkGlyphs, 0.62, fyne.TextAlignLeading)
	}
	fit(w.services.label, labels.rows(0.84, 0.895), cjkGlyphs, 0.62, fyne.TextAlignLeading)
	fit(w.services.value, values.rows(0.84, 0.895), cjkGlyphs, 0.68, fyne.TextAlignLeading)
	fit(w.supervision, body.rows(0.9, 0.945), cjkGlyphs, 0.66, fyne.TextAlignLeading)
	fit(w.complaint, body.rows(0.95, 0.995), lineGlyphs, 0.8, fyne.TextAlignLeading)
}

// render fills the screen with a frame at time now. A call flashes when it
// arrives live: not when a restarted display shows its last known state or
// catches up.
func (w *windowScreen) render(d *display, f frame, now time.Time) {
	v := f.Window
	w.rate.render(v, now)
	switch {
	case v.ID == "":
		d.title.Text, d.titleEN.Text = "窗口未配置", "No window configured: start with -window ID"
	default:
		d.title.Text, d.titleEN.Text = v.NameZH, v.NameEN
	}

	serving := v.Current != ""
	if v.CallSeq > w.callSeq {
		w.callSeq = v.CallSeq
		if f.Status.Link == client.StreamLive && v.CallSeq > f.Status.LiveFrom {
			w.callAt = now
		}
	}
	w.setFlash(serving && flashOn(now.Sub(w.callAt)))
	showIf(serving, w.number, w.service)
	showIf(serving && v.Manual, w.manualBg, w.manual)
	zh, en := manualTexts(v.Reason)
	w.manual.Text = zh + "  " + en
	w.number.Text = v.Current
	w.service.Text = strings.TrimSpace(v.ServiceZH + "  " + v.ServiceEN)
	zh, en = windowStatusTexts(v.Status)
	if !serving && zh == "" {
		zh, en = "请稍候", "Please wait to be called"
	}
	showIf(!serving, w.state, w.stateEN)
	w.state.Text, w.stateEN.Text = zh, en
	w.state.Color, w.stateEN.Color = colWarn, colWarn
	if v.Status == "open" {
		w.state.Color, w.stateEN.Color = colMuted, colMuted
	}
	w.next.Text = ""
	if len(v.Next) > 0 {
		w.next.Text = "下一位 Next:  " + strings.Join(v.Next, "  ")
	}

	c := v.Card
	showIf(c != nil, w.name.label, w.name.value, w.nameEN, w.title.label, w.title.value, w.unit.label, w.unit.value,
		w.dutyLabel, w.services.label, w.services.value)
	for _, l := range w.duties {
		showIf(c != nil, l)
	}
	showIf(c == nil, w.noCard)
	showIf(c != nil && cardFooter(v) != "", w.supervision)
	showIf(c != nil && v.ComplaintURL != "", w.complaint, w.complaintQR)
	w.complaint.Text = complaintLine(v.ComplaintURL)
	if c != nil && v.ComplaintURL != w.qrURL {
		w.complaintQR.Image, w.qrURL = qrImage(v.ComplaintURL), v.ComplaintURL
	}
	showIf(c != nil && v.Photo != nil, w.photo)
	if c == nil || v.Photo == nil {
		w.photo.Image, w.photoKey = nil, ""
	} else if w.photoKey != v.Photo.key {
		w.photo.Image, w.photoKey = v.Photo.img, v.Photo.key
	}
	if c == nil {
		w.dutiesText = ""
		return
	}
	w.name.value.Text, w.nameEN.Text = c.Name, c.NameEN
	w.title.value.Text = strings.TrimSpace(c.Title + "  " + c.TitleEN)
	w.unit.value.Text = c.Unit
	w.dutiesText = c.Duties
	w.services.value.Text = strings.Join(v.CardServices, "、")
	w.supervision.Text = cardFooter(v)
}

// cardFooter is the card's last line: today's ratings of the window and the
// supervision office's line, each when there is one.
func cardFooter(v WindowView) string {
	var parts []string
	if v.Rated > 0 {
		parts = append(parts, fmt.Sprintf("今日评价 %d  满意率 %d%%", v.Rated, (100*v.Satisfied+v.Rated/2)/v.Rated))
	}
	if v.Supervision != "" {
		parts = append(parts, v.Supervision)
	}
	return strings.Join(parts, "   ")
}

// complaintLine is the card's line of the complaint form's address, without
// its scheme, which a phone's browser does not need.
func complaintLine(u string) string {
	if u == "" {
		return ""
	}
	return "网上投诉  " + strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
}

// qrImage returns a QR code of an address, nil for none.
func qrImage(u string) image.Image {
	if u == "" {
		return nil
	}
	q, err := qrcode.New(u, qrcode.Medium)
	if err != nil {
		return nil // too long to encode: the line alone says it
	}
	q.DisableBorder = false
	return q.Image(-4) // four pixels a module; drawn scaled, sharp
}

// setFlash draws a new call in its flash colours (white on red) or plainly.
func (w *windowScreen) setFlash(on bool) {
	w.flash = on
	if on {
		w.panel.FillColor, w.number.Color, w.service.Color = colFlash, colText, colText
		return
	}
	w.panel.FillColor, w.number.Color, w.service.Color = colPanel, colNumber, colWindow
}

// refreshFlash repaints what the flash changes.
func (w *windowScreen) refreshFlash() {
	w.panel.Refresh()
	w.number.Refresh()
	w.service.Refresh()
}
