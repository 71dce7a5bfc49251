package main

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"hallq/server/queue"
)

// buildID builds the document screen: the kind of document, the number
// typed so far (masked), and a keypad that fits the kind: digits and X for a
// resident ID number, digits and letters for the others. A document reader
// or scanner that types what it reads (a keyboard wedge) needs nothing more:
// its keys reach the machine like a keyboard's.
func (a *kioskApp) buildID() {
	a.idTitle = a.text(56, colWhite, true)
	a.idService = a.text(36, colMuted, false)
	a.idValue = a.text(64, colWhite, true)
	a.idCount = a.text(32, colMuted, false)
	a.idErr = para(sizeNameLarge, colorNameReason, true, fyne.TextAlignLeading)
	a.idHint = para(sizeNameSmall, colorNameMuted, false, fyne.TextAlignLeading)
	valueBg := canvas.NewRectangle(colPanel)
	valueBg.CornerRadius = 12
	valueBg.StrokeColor, valueBg.StrokeWidth = colWhite, 3
	valueBox := container.NewStack(valueBg, container.New(layout.NewCustomPaddedLayout(20, 20, 28, 28), a.idValue))

	a.kindPads, a.kindTexts = map[string]*pad{}, map[string]*canvas.Text{}
	kinds := container.NewGridWithColumns(3)
	for _, k := range docKinds {
		label := a.text(32, colWhite, true)
		label.Alignment = fyne.TextAlignCenter
		kind := k.Kind
		a.kindTexts[kind] = label
		a.kindPads[kind] = a.newPad(colGrey, fyne.NewSize(200, 88), container.NewCenter(label), func() { a.apply(a.m.SetKind(kind)) })
		kinds.Add(a.kindPads[kind])
	}
	left := container.NewVBox(fit(a.idTitle), fit(a.idService), kinds, valueBox, a.idCount, a.idErr, layout.NewSpacer(), a.idHint)

	a.keys = map[string]*pad{}
	a.digitPad = container.NewGridWithColumns(3)
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", keyDelete} {
		p, label := a.newKey(k, 72)
		if k == keyDelete {
			a.idDelText = label
		}
		a.keys[k] = p
		a.digitPad.Add(p)
	}
	a.letterKeys = map[string]*pad{}
	a.letterPad = container.NewGridWithColumns(6)
	for _, k := range splitKeys("1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		p, _ := a.newKey(k, 44)
		a.letterKeys[k] = p
		a.letterPad.Add(p)
	}
	a.letterPad.Hide()
	// The letter keypad's delete key is in the row of actions, so that its
	// 36 keys make six rows.
	a.letterDel, a.letterDelText = a.newKey(keyDelete, 36)
	a.letterKeys[keyDelete] = a.letterDel

	a.idBackText, a.idClearT, a.idOKText = a.text(40, colWhite, true), a.text(36, colWhite, true), a.text(44, colWhite, true)
	a.idBack = a.newPad(colGrey, fyne.NewSize(200, 120), container.NewCenter(a.idBackText), func() { a.apply(a.m.Home()) })
	a.idClear = a.newPad(colGrey, fyne.NewSize(140, 120), container.NewCenter(a.idClearT), func() { a.apply(a.m.Clear()) })
	a.idOK = a.newPad(colGreen, fyne.NewSize(200, 120), container.NewCenter(a.idOKText), func() { a.apply(a.m.Confirm()) })
	actions := container.NewGridWithColumns(3, a.idBack, container.NewBorder(nil, nil, nil, a.letterDel, a.idClear), a.idOK)
	right := container.NewBorder(nil, container.NewPadded(actions), nil, nil, container.NewStack(a.digitPad, a.letterPad))
	a.idScreen = container.NewGridWithColumns(2, container.NewPadded(left), right)
}

// newKey returns a key of a keypad and its label.
func (a *kioskApp) newKey(k string, size float32) (*pad, *canvas.Text) {
	label := a.text(size, colWhite, true)
	label.Text = k
	fill := color.Color(colBlue)
	var tap func()
	if k == keyDelete {
		label.TextSize, fill = 40*a.scale(), colGrey
		tap = func() { a.apply(a.m.Delete()) }
	} else {
		c := k[0]
		tap = func() { a.apply(a.m.Type(c)) }
	}
	return a.newPad(fill, fyne.NewSize(120, 96), container.NewCenter(label), tap), label
}

// splitKeys returns the characters of s, one key each.
func splitKeys(s string) []string {
	out := make([]string, len(s))
	for i := range len(s) {
		out[i] = s[i : i+1]
	}
	return out
}

func (a *kioskApp) renderID() {
	l := a.lang
	t := a.m.Chosen
	kind := kindOf(a.m.Kind)
	resident := kind.Kind == queue.DocResident
	setText(a.idTitle, msgf(txtIDTitle, kind.Name.zh, kind.Name.en).in(l))
	setText(a.idService, msg{t.NameZH, t.NameEN}.in(l)+" · "+msg{t.NameZH, t.NameEN}.in(l.other()))
	if a.m.CheckIn {
		setText(a.idTitle, msgf(txtCheckInTitle, kind.Name.zh, kind.Name.en).in(l))
		setText(a.idService, txtCheckIn.in(l)+" · "+txtCheckIn.in(l.other()))
	}
	for _, k := range docKinds {
		setText(a.kindTexts[k.Kind], k.Short.in(l))
		if k.Kind == kind.Kind {
			a.kindPads[k.Kind].SetFill(colBlue)
			a.kindTexts[k.Kind].Color = colYellow
		} else {
			a.kindPads[k.Kind].SetFill(colGrey)
			a.kindTexts[k.Kind].Color = colWhite
		}
		a.kindTexts[k.Kind].Refresh()
	}
	shown := maskID(kind.Kind, a.m.ID)
	if shown == "" {
		shown = " "
	}
	setText(a.idValue, shown)
	hint := txtIDHint
	if a.m.CheckIn {
		hint = txtCheckInHint
	}
	if resident {
		setText(a.idCount, msgf(txtIDCount, len(a.m.ID)).in(l))
		setPara(a.idHint, txtResidentHint.in(l)+hint.in(l))
		a.letterPad.Hide()
		a.letterDel.Hide()
		a.digitPad.Show()
	} else {
		setText(a.idCount, msgf(txtDocCount, len(a.m.ID)).in(l))
		setPara(a.idHint, txtDocHint.in(l)+hint.in(l))
		a.digitPad.Hide()
		a.letterPad.Show()
		a.letterDel.Show()
	}
	setPara(a.idErr, a.m.IDErr.in(l))
	setText(a.idBackText, txtCancel.in(l))
	setText(a.idClearT, txtClear.in(l))
	setText(a.idDelText, txtDelete.in(l))
	setText(a.letterDelText, txtDelete.in(l))
	setText(a.idOKText, txtConfirm.in(l))
	if a.m.CheckIn {
		setText(a.idOKText, txtCheckInConfirm.in(l))
	}
	if resident && len(a.m.ID) == ResidentIDLen || !resident && len(a.m.ID) >= 5 {
		a.idOK.SetFill(colGreen)
	} else {
		a.idOK.SetFill(colGrey)
	}
}
