package main

import (
	"fmt"
	"image/color"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"hallq/assets"
)

// The kiosk's palette: light text on a deep navy ground, every pair well above
// the 7:1 contrast of WCAG AAA except the amber warnings (dark text on amber).
var (
	colNavy     = color.NRGBA{0x08, 0x14, 0x2a, 0xff} // background
	colWhite    = color.NRGBA{0xff, 0xff, 0xff, 0xff} // text
	colMuted    = color.NRGBA{0xc8, 0xd0, 0xdc, 0xff} // secondary text on navy and grey
	colYellow   = color.NRGBA{0xff, 0xd4, 0x3b, 0xff} // ticket numbers, key badges
	colBlue     = color.NRGBA{0x00, 0x4a, 0x99, 0xff} // available services, keys
	colGreen    = color.NRGBA{0x0b, 0x6e, 0x3b, 0xff} // confirm
	colGrey     = color.NRGBA{0x2c, 0x34, 0x42, 0xff} // unavailable services, secondary buttons
	colAmber    = color.NRGBA{0xff, 0xb3, 0x00, 0xff} // offline banner
	colInk      = color.NRGBA{0x00, 0x00, 0x00, 0xff} // text on amber and white
	colRed      = color.NRGBA{0xb3, 0x1b, 0x1b, 0xff} // receipt not printed
	colPaper    = color.NRGBA{0xff, 0xff, 0xff, 0xff} // behind the QR code
	colPanel    = color.NRGBA{0x12, 0x24, 0x45, 0xff} // ID number box
	colReasonOn = color.NRGBA{0xff, 0xd4, 0x3b, 0xff} // why a service is unavailable
	colAccess   = color.NRGBA{0x5b, 0x21, 0xb6, 0xff} // the accessible mode button
)

// Theme names of the kiosk's own colours and sizes, for rich text.
const (
	colorNameInk    fyne.ThemeColorName = "hallq-ink"
	colorNameMuted  fyne.ThemeColorName = "hallq-muted"
	colorNameReason fyne.ThemeColorName = "hallq-reason"

	sizeNameBody  fyne.ThemeSizeName = "hallq-body"
	sizeNameLarge fyne.ThemeSizeName = "hallq-large"
	sizeNameSmall fyne.ThemeSizeName = "hallq-small"
)

// kioskTheme is a dark, high-contrast theme with large text, drawing every
// character with one Simplified Chinese font so that no glyph is missing and
// none takes a Japanese shape, whatever the system's locale.
type kioskTheme struct {
	regular, bold fyne.Resource // nil: Fyne's own fonts
	// access: accessible mode, type AccessScale times larger, white on black.
	access bool
}

var _ fyne.Theme = (*kioskTheme)(nil)

// Color implements fyne.Theme.
func (t *kioskTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if t.access {
		switch n {
		case theme.ColorNameBackground:
			return colBlack
		case colorNameMuted, theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
			return colWhite
		}
	}
	switch n {
	case theme.ColorNameBackground:
		return colNavy
	case theme.ColorNameForeground, theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnError:
		return colWhite
	case theme.ColorNamePrimary, theme.ColorNameFocus:
		return colYellow
	case theme.ColorNameButton:
		return colBlue
	case theme.ColorNameError:
		return colRed
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return colMuted
	case colorNameInk:
		return colInk
	case colorNameMuted:
		return colMuted
	case colorNameReason:
		return colReasonOn
	}
	return theme.DefaultTheme().Color(n, theme.VariantDark)
}

// Font implements fyne.Theme.
func (t *kioskTheme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Symbol || t.regular == nil {
		return theme.DefaultTheme().Font(s)
	}
	if s.Bold && t.bold != nil {
		return t.bold
	}
	return t.regular
}

// Icon implements fyne.Theme.
func (t *kioskTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size implements fyne.Theme.
func (t *kioskTheme) Size(n fyne.ThemeSizeName) float32 {
	k := float32(1)
	if t.access {
		k = AccessScale
	}
	switch n {
	case theme.SizeNameText, sizeNameBody, sizeNameLarge, sizeNameSmall:
		return k * t.textSize(n)
	}
	return t.textSize(n)
}

// textSize is Size in the standard mode.
func (t *kioskTheme) textSize(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 30
	case sizeNameBody:
		return 34
	case sizeNameLarge:
		return 44
	case sizeNameSmall:
		return 26
	case theme.SizeNamePadding:
		return 8
	case theme.SizeNameInnerPadding:
		return 12
	case theme.SizeNameLineSpacing:
		return 8
	}
	return theme.DefaultTheme().Size(n)
}

// loadFonts returns the Chinese font faces the kiosk draws with: from path if
// given (a .ttc collection is reduced to its Simplified Chinese face), else
// Noto Sans CJK SC from the system (deploy/setup.sh installs fonts-noto-cjk),
// and where it found them.
func loadFonts(path string) (regular, bold fyne.Resource, from string, err error) {
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, "", fmt.Errorf("kiosk: font: %w", err)
		}
		face, err := assets.ExtractFace(data, assets.CJKFamily)
		if err != nil {
			return nil, nil, "", fmt.Errorf("kiosk: font %s: %w", path, err)
		}
		r := fyne.NewStaticResource("kiosk-font.otf", face)
		return r, r, path, nil
	}
	reg, from, err := assets.CJKFont(assets.Regular)
	if err != nil {
		return nil, nil, "", fmt.Errorf("kiosk: %w", err)
	}
	regular = fyne.NewStaticResource("NotoSansCJKsc-Regular.otf", reg)
	bold = regular
	if b, _, err := assets.CJKFont(assets.Bold); err == nil {
		bold = fyne.NewStaticResource("NotoSansCJKsc-Bold.otf", b)
	}
	return regular, bold, from, nil
}
