package main

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"strconv"
	"testing"
	"unicode"

	"github.com/go-text/typesetting/font"

	"hallq/assets"
)

// TestFontHasEveryGlyph checks that the font the kiosk draws with has a glyph
// for every character of every text in the kiosk's source (the screens'
// Chinese and English, the keypad's symbols), in both weights, so that no
// box or fallback shape appears whatever the system's locale.
func TestFontHasEveryGlyph(t *testing.T) {
	regular, bold, from, err := loadFonts("")
	if errors.Is(err, assets.ErrNoCJKFont) {
		t.Skip("no Chinese font installed; deploy/setup.sh installs fonts-noto-cjk")
	}
	if err != nil {
		t.Fatal(err)
	}
	runes := map[rune]bool{}
	fset := token.NewFileSet()
	for _, file := range []string{"i18n.go", "ui.go", "idnumber.go"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, err := strconv.Unquote(lit.Value)
				if err == nil {
					for _, r := range s {
						if !unicode.IsControl(r) && !unicode.IsSpace(r) {
							runes[r] = true
						}
					}
				}
			}
			return true
		})
	}
	if !runes['号'] || !runes['删'] || !runes['X'] {
		t.Fatalf("texts not found in the source: %d characters", len(runes))
	}
	for name, res := range map[string][]byte{"regular": regular.Content(), "bold": bold.Content()} {
		face, err := font.ParseTTF(bytes.NewReader(res))
		if err != nil {
			t.Fatalf("%s face from %s: %v", name, from, err)
		}
		if fam := face.Describe().Family; fam != assets.CJKFamily {
			t.Errorf("%s face: family %q, want %q (mainland glyph shapes)", name, fam, assets.CJKFamily)
		}
		for r := range runes {
			if _, ok := face.NominalGlyph(r); !ok {
				t.Errorf("%s face from %s: no glyph for %q (U+%04X)", name, from, r, r)
			}
		}
	}
}

func TestThemeIsHighContrast(t *testing.T) {
	th := &kioskTheme{}
	// Contrast ratio (WCAG) of text on its background.
	pairs := []struct {
		name   string
		fg, bg [3]uint8
		min    float64
	}{
		{"text on the background", rgb(colWhite), rgb(colNavy), 7},
		{"numbers on the background", rgb(colYellow), rgb(colNavy), 7},
		{"text on a service", rgb(colWhite), rgb(colBlue), 7},
		{"text on an unavailable service", rgb(colMuted), rgb(colGrey), 7},
		{"reasons on an unavailable service", rgb(colReasonOn), rgb(colGrey), 7},
		{"banner", rgb(colInk), rgb(colAmber), 7},
		{"receipt not printed", rgb(colWhite), rgb(colRed), 4.5},
		{"confirm", rgb(colWhite), rgb(colGreen), 4.5},
	}
	for _, p := range pairs {
		if got := contrast(p.fg, p.bg); got < p.min {
			t.Errorf("%s: contrast %.1f:1, want at least %.1f:1", p.name, got, p.min)
		}
	}
	if th.Size("text") < 28 {
		t.Errorf("body text %v, want large text for a kiosk", th.Size("text"))
	}
}

func rgb(c interface{ RGBA() (r, g, b, a uint32) }) [3]uint8 {
	r, g, b, _ := c.RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

// contrast is the WCAG 2 contrast ratio of two colours.
func contrast(a, b [3]uint8) float64 {
	lum := func(c [3]uint8) float64 {
		var l [3]float64
		for i, v := range c {
			x := float64(v) / 255
			if x <= 0.03928 {
				l[i] = x / 12.92
			} else {
				l[i] = math.Pow((x+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
