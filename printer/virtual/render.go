package virtual

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"sync"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Glyphs fill this much of their 24-dot cell, like a printer's font; the
// CJK em box puts the baseline at 88 % of it.
const (
	glyphFill = 0.92
	emAscent  = 0.88
)

// Renderer draws pages as a thermal printer prints them: black on white
// paper, characters in fixed cells (12 dots for ASCII, 24 for Chinese, times
// the size multipliers), images dot for dot. It is safe for concurrent use.
type Renderer struct {
	font *Font

	mu    sync.Mutex
	faces map[int]font.Face // by cell height in dots
}

// NewRenderer returns a renderer that draws text with f.
func NewRenderer(f *Font) *Renderer {
	return &Renderer{font: f, faces: map[int]font.Face{}}
}

// Render draws pg.
func (r *Renderer) Render(pg *Page) (*image.Gray, error) {
	img := image.NewGray(image.Rect(0, 0, pg.Width, max(1, pg.Height)))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for _, b := range pg.Bitmaps {
		darken(img, b.Image, b.At)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range pg.Cells {
		if err := r.drawCell(img, c); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// darken prints src onto dst at at: a pixel gets darker, never lighter.
func darken(dst, src *image.Gray, at image.Point) {
	sb := src.Bounds()
	for y := 0; y < sb.Dy(); y++ {
		for x := 0; x < sb.Dx(); x++ {
			p := image.Pt(at.X+x, at.Y+y)
			if !p.In(dst.Bounds()) {
				continue
			}
			s := src.GrayAt(sb.Min.X+x, sb.Min.Y+y).Y
			if s < dst.GrayAt(p.X, p.Y).Y {
				dst.SetGray(p.X, p.Y, color.Gray{Y: s})
			}
		}
	}
}

func (r *Renderer) face(cellH int) (font.Face, error) {
	if f, ok := r.faces[cellH]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(r.font.sfnt, &opentype.FaceOptions{
		Size:    float64(cellH) * glyphFill,
		DPI:     72,
		Hinting: font.HintingNone,
	})
	if err != nil {
		return nil, fmt.Errorf("virtual: font face of %d dots: %w", cellH, err)
	}
	r.faces[cellH] = f
	return f, nil
}

// drawCell draws one character. The glyph is drawn in a cell as wide as its
// height calls for, then stretched to the cell's width when the width and
// height multipliers differ. Emphasis strikes the glyph twice, shifted by
// one dot of the font, as printers do.
func (r *Renderer) drawCell(dst *image.Gray, c Cell) error {
	if c.Rune == ' ' || c.Rune == 0 {
		return nil
	}
	cellH := cellHeight * c.H
	unit := cellHalf
	if c.Wide {
		unit = cellFull
	}
	naturalW := unit * c.H
	face, err := r.face(cellH)
	if err != nil {
		return err
	}
	size := float64(cellH) * glyphFill
	adv, ok := face.GlyphAdvance(c.Rune)
	if !ok {
		adv = fixed.I(naturalW)
	}
	x := (fixed.I(naturalW) - adv) / 2
	y := fixed.Int26_6((float64(cellH)-size)/2*64 + size*emAscent*64)

	tmp := image.NewAlpha(image.Rect(0, 0, naturalW+c.H, cellH))
	strikes := 1
	if c.Bold {
		strikes = 2
	}
	for s := 0; s < strikes; s++ {
		d := font.Drawer{Dst: tmp, Src: image.Opaque, Face: face, Dot: fixed.Point26_6{X: x + fixed.I(s*c.H), Y: y}}
		d.DrawString(string(c.Rune))
	}
	box := c.Box()
	target := image.Rect(box.Min.X, box.Min.Y, box.Min.X+tmp.Rect.Dx()*c.W/c.H, box.Max.Y)
	black := image.NewUniform(color.Black)
	if c.W == c.H {
		draw.DrawMask(dst, target, black, image.Point{}, tmp, image.Point{}, draw.Over)
		return nil
	}
	stretched := image.NewAlpha(image.Rect(0, 0, target.Dx(), target.Dy()))
	xdraw.BiLinear.Scale(stretched, stretched.Rect, tmp, tmp.Rect, xdraw.Src, nil)
	draw.DrawMask(dst, target, black, image.Point{}, stretched, image.Point{}, draw.Over)
	return nil
}
