package main

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// pad is a large touch target: a rounded, filled area with any content,
// which darkens while pressed and calls onTap when tapped. Service tiles,
// keypad keys and the kiosk's buttons are pads, so their text can be as large
// as a touch screen needs.
type pad struct {
	widget.BaseWidget
	bg      *canvas.Rectangle
	content fyne.CanvasObject
	fill    color.Color
	min     fyne.Size
	onTap   func()
}

var (
	_ fyne.Tappable     = (*pad)(nil)
	_ desktop.Mouseable = (*pad)(nil)
)

// newPad returns a pad at least min in size.
func newPad(fill color.Color, min fyne.Size, content fyne.CanvasObject, onTap func()) *pad {
	p := &pad{bg: canvas.NewRectangle(fill), content: content, fill: fill, min: min, onTap: onTap}
	p.bg.CornerRadius = 18
	p.ExtendBaseWidget(p)
	return p
}

// CreateRenderer implements fyne.Widget.
func (p *pad) CreateRenderer() fyne.WidgetRenderer {
	inner := container.New(layout.NewCustomPaddedLayout(14, 14, 24, 24), p.content)
	return widget.NewSimpleRenderer(container.NewStack(p.bg, inner))
}

// MinSize implements fyne.CanvasObject.
func (p *pad) MinSize() fyne.Size { return p.BaseWidget.MinSize().Max(p.min) }

// Tapped implements fyne.Tappable.
func (p *pad) Tapped(*fyne.PointEvent) {
	if p.onTap != nil {
		p.onTap()
	}
}

// MouseDown implements desktop.Mouseable: a touch darkens the pad.
func (p *pad) MouseDown(*desktop.MouseEvent) {
	if p.onTap == nil {
		return
	}
	r, g, b, a := p.fill.RGBA()
	p.bg.FillColor = color.NRGBA{uint8(r >> 9), uint8(g >> 9), uint8(b >> 9), uint8(a >> 8)}
	p.bg.Refresh()
}

// MouseUp implements desktop.Mouseable.
func (p *pad) MouseUp(*desktop.MouseEvent) {
	p.bg.FillColor = p.fill
	p.bg.Refresh()
}

// SetFill changes the pad's colour.
func (p *pad) SetFill(c color.Color) {
	p.fill = c
	p.bg.FillColor = c
	p.bg.Refresh()
}

// text returns a single line of text.
func text(size float32, c color.Color, bold bool) *canvas.Text {
	t := canvas.NewText("", c)
	t.TextSize = size
	t.TextStyle.Bold = bold
	return t
}

// para returns a wrapping paragraph of text in a theme size and colour.
func para(size fyne.ThemeSizeName, c fyne.ThemeColorName, bold bool, align fyne.TextAlign) *widget.RichText {
	rt := widget.NewRichText(&widget.TextSegment{Style: widget.RichTextStyle{
		Alignment: align, ColorName: c, SizeName: size, TextStyle: fyne.TextStyle{Bold: bold}, Inline: false,
	}})
	rt.Wrapping = fyne.TextWrapWord
	return rt
}

// setPara sets a paragraph's text.
func setPara(rt *widget.RichText, s string) {
	seg := rt.Segments[0].(*widget.TextSegment)
	if seg.Text == s {
		return
	}
	seg.Text = s
	rt.Refresh()
}

// paraText returns a paragraph's text.
func paraText(rt *widget.RichText) string { return rt.Segments[0].(*widget.TextSegment).Text }

// setText sets a line's text.
func setText(t *canvas.Text, s string) {
	if t.Text == s {
		return
	}
	t.Text = s
	t.Refresh()
}

// fitLayout lays out one line of text at its size, or smaller when the line
// is wider than the room it gets: a long service name in English shrinks
// instead of running off its button.
type fitLayout struct{ base float32 }

// fit returns t in a fitLayout at its current size.
func fit(t *canvas.Text) *fyne.Container { return container.New(fitLayout{t.TextSize}, t) }

// MinSize implements fyne.Layout: the height of the line at its size, and
// almost no width.
func (l fitLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	t := objs[0].(*canvas.Text)
	return fyne.NewSize(1, fyne.MeasureText("国Ag", l.base, t.TextStyle).Height)
}

// Layout implements fyne.Layout.
func (l fitLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	t := objs[0].(*canvas.Text)
	want := l.base
	if w := fyne.MeasureText(t.Text, l.base, t.TextStyle).Width; w > size.Width && size.Width > 0 {
		want = max(l.base*size.Width/w, l.base/3)
	}
	if t.TextSize != want {
		t.TextSize = want
		t.Refresh()
	}
	t.Move(fyne.NewPos(0, 0))
	t.Resize(size)
}
