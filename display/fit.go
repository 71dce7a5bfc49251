package main

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

// This file sizes text to the screen: every text has a box, a share of the
// window, and gets the largest size that fits it, so that the screens keep
// their proportions from 1280×720 to 3840×2160.

// box is a rectangle of the screen.
type box struct{ x, y, w, h float32 }

// inset returns the box shrunk by d on every side.
func (b box) inset(d float32) box { return box{b.x + d, b.y + d, b.w - 2*d, b.h - 2*d} }

// rows returns the part of b from fraction y0 to y1 of its height.
func (b box) rows(y0, y1 float32) box { return box{b.x, b.y + y0*b.h, b.w, (y1 - y0) * b.h} }

// cols returns the part of b from fraction x0 to x1 of its width.
func (b box) cols(x0, x1 float32) box { return box{b.x + x0*b.w, b.y, (x1 - x0) * b.w, b.h} }

// place moves and sizes an object to a box.
func place(o fyne.CanvasObject, b box) {
	o.Move(fyne.NewPos(b.x, b.y))
	o.Resize(fyne.NewSize(b.w, b.h))
}

// glyphs says how a text's glyphs fill its em square, for fitting.
type glyphs struct {
	height float32 // of the glyphs that matter, in em
	centre float32 // of those glyphs above the baseline, in em
}

// Glyph metrics of Noto Sans CJK, which the screens draw with.
var (
	// capsGlyphs are capitals and digits: ticket numbers, the clock.
	capsGlyphs = glyphs{height: 0.733, centre: 0.3665}
	// cjkGlyphs are Chinese characters, which fill the em square.
	cjkGlyphs = glyphs{height: 1.0, centre: 0.38}
	// lineGlyphs are any text, with room for ascenders and descenders.
	lineGlyphs = glyphs{height: 1.2, centre: 0.33}
)

// fit gives t the largest size at which its glyphs fill fill (0-1) of the
// box's height without overflowing its width, and centres them vertically in
// the box; align places the text horizontally.
func fit(t *canvas.Text, b box, g glyphs, fill float32, align fyne.TextAlign) {
	if b.w <= 0 || b.h <= 0 {
		t.TextSize = 1
		place(t, box{b.x, b.y, max(b.w, 0), max(b.h, 0)})
		return
	}
	size := fill * b.h / g.height
	// Widths do not scale exactly with the size (glyph positions are
	// rounded), so shrink until the text fits.
	for range 8 {
		w := measure(t.Text, size, t.TextStyle).Width
		if w <= b.w || size <= 1 {
			break
		}
		size *= min(b.w/w, 0.995)
	}
	size = max(size, 1)
	t.TextSize = size
	t.Alignment = align
	sz, baseline := fyne.CurrentApp().Driver().RenderedTextSize(t.Text, size, t.TextStyle, nil)
	top := b.y + b.h/2 - (baseline - g.centre*size)
	t.Move(fyne.NewPos(b.x, top))
	t.Resize(fyne.NewSize(b.w, sz.Height))
}

// measure returns the size of text drawn at size.
func measure(text string, size float32, style fyne.TextStyle) fyne.Size {
	if text == "" {
		return fyne.Size{}
	}
	return fyne.MeasureText(text, size, style)
}

// wrap breaks text into at most n lines no wider than w at size, breaking
// between Chinese characters or at spaces; a text too long ends with "…" and
// whole is false.
func wrap(text string, size float32, style fyne.TextStyle, w float32, n int) (lines []string, whole bool) {
	rs := []rune(text)
	for len(rs) > 0 && len(lines) < n {
		// The longest prefix that fits (at least one character).
		end := len(rs)
		if measure(string(rs), size, style).Width > w {
			lo, hi := 1, len(rs)-1
			for lo < hi {
				mid := (lo + hi + 1) / 2
				if measure(string(rs[:mid]), size, style).Width <= w {
					lo = mid
				} else {
					hi = mid - 1
				}
			}
			end = lo
		}
		if end < len(rs) {
			// Prefer a space for Latin text; Chinese breaks anywhere but
			// before closing punctuation, which must not start a line.
			for i := end; i > end/2; i-- {
				if rs[i] == ' ' {
					end = i
					break
				}
			}
			for end > 1 && strings.ContainsRune(noLineStart, rs[end]) {
				end--
			}
		}
		if len(lines) == n-1 && end < len(rs) {
			cut := end
			for cut > 1 && measure(string(rs[:cut])+"…", size, style).Width > w {
				cut--
			}
			return append(lines, string(rs[:cut])+"…"), false
		}
		lines = append(lines, string(rs[:end]))
		rs = rs[end:]
		for len(rs) > 0 && rs[0] == ' ' {
			rs = rs[1:]
		}
	}
	return lines, len(rs) == 0
}

// noLineStart are the characters Chinese typesetting keeps off the start of a
// line.
const noLineStart = "、。，．：；！？）」』】〉》”’…,.;:!?)]}"

// newText returns a text object in a colour, bold if asked.
func newText(c color.Color, bold bool) *canvas.Text {
	t := canvas.NewText("", c)
	t.TextStyle.Bold = bold
	return t
}
