package main

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Colours of the screens: light text on a near-black ground, numbers in
// yellow and windows in green, the colours of hall LED boards, with contrast
// ratios well above 7:1 so that they read from across the hall.
var (
	colBackground = color.NRGBA{R: 0x07, G: 0x0b, B: 0x17, A: 0xff}
	colPanel      = color.NRGBA{R: 0x11, G: 0x19, B: 0x2e, A: 0xff}
	colHeader     = color.NRGBA{R: 0x0b, G: 0x3a, B: 0x8a, A: 0xff}
	colText       = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	colMuted      = color.NRGBA{R: 0xb8, G: 0xc4, B: 0xdc, A: 0xff}
	colNumber     = color.NRGBA{R: 0xff, G: 0xd4, B: 0x00, A: 0xff}
	colWindow     = color.NRGBA{R: 0x3c, G: 0xf0, B: 0x7a, A: 0xff}
	colFlash      = color.NRGBA{R: 0xc4, G: 0x00, B: 0x1e, A: 0xff}
	colLive       = color.NRGBA{R: 0x3c, G: 0xf0, B: 0x7a, A: 0xff}
	colWarn       = color.NRGBA{R: 0xff, G: 0xb0, B: 0x00, A: 0xff}
	colAlarm      = color.NRGBA{R: 0xe0, G: 0x00, B: 0x00, A: 0xff}
	colDark       = color.NRGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xff}
	// A manual call (not the rule's pick) is marked in purple, as on the
	// web board: white on colManual, colManualText on the ground.
	colManual     = color.NRGBA{R: 0x7a, G: 0x1f, B: 0xa2, A: 0xff}
	colManualText = color.NRGBA{R: 0xe3, G: 0xa6, B: 0xf5, A: 0xff}
)

// boardTheme is Fyne's dark theme with the screens' colours and, when given,
// the Chinese font for all text.
type boardTheme struct {
	regular, bold fyne.Resource // nil: Fyne's font (with its system fallback)
}

var _ fyne.Theme = (*boardTheme)(nil)

// Color implements fyne.Theme.
func (t *boardTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground:
		return colBackground
	case theme.ColorNameForeground:
		return colText
	}
	return theme.DefaultTheme().Color(n, theme.VariantDark)
}

// Font implements fyne.Theme.
func (t *boardTheme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Monospace || s.Symbol:
	case s.Bold && t.bold != nil:
		return t.bold
	case t.regular != nil:
		return t.regular
	}
	return theme.DefaultTheme().Font(s)
}

// Icon implements fyne.Theme.
func (t *boardTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size implements fyne.Theme.
func (t *boardTheme) Size(n fyne.ThemeSizeName) float32 { return theme.DefaultTheme().Size(n) }
