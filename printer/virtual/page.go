package virtual

import (
	"image"
	"image/color"

	"hallq/printer"
)

// Font cell sizes of the printer's standard font A, in dots.
const (
	cellHalf   = 12 // an ASCII character
	cellFull   = 24 // a Chinese character
	cellHeight = 24
	// defaultLineSpacing is ESC 2's spacing, about 1/6 inch.
	defaultLineSpacing = 30
	// bottomMargin is the paper left below the last item when a job is cut.
	bottomMargin = 24
)

var black = color.Gray{Y: 0}

// Cell is one character printed on the page.
type Cell struct {
	// Rune is the character.
	Rune rune
	// Wide is true for a full-width (Chinese-mode) character.
	Wide bool
	// X, Y are the top-left corner of the character's cell in dots.
	X, Y int
	// W, H are the size multipliers (GS !) it was printed with.
	W, H int
	// Bold is emphasis (ESC E or ESC G).
	Bold bool
}

// Box returns the cell's rectangle on the page.
func (c Cell) Box() image.Rectangle {
	w := cellHalf
	if c.Wide {
		w = cellFull
	}
	return image.Rect(c.X, c.Y, c.X+w*c.W, c.Y+cellHeight*c.H)
}

// Bitmap is a raster image or a QR code printed on the page.
type Bitmap struct {
	// At is the top-left corner of the image in dots.
	At image.Point
	// Image is black (0) on white (255).
	Image *image.Gray
	// QR is the data of a native QR code, empty for a raster image.
	QR string
}

// Page is what one job printed: characters and images laid out on paper
// Width dots wide and Height dots long. Raw is the job's bytes as received.
type Page struct {
	Width, Height int
	Cells         []Cell
	Bitmaps       []Bitmap
	Raw           []byte
	// Cut says the job ended with a cut command (not with the end of the
	// connection).
	Cut bool
	// Unknown counts the command bytes the parser did not understand and skipped.
	Unknown int
}

// Text returns the page's characters line by line, for tests and logs.
func (p *Page) Text() []string {
	var lines []string
	var cur []rune
	lastY := -1
	for _, c := range p.Cells {
		bottom := c.Y + cellHeight*c.H
		if lastY >= 0 && bottom != lastY {
			lines = append(lines, string(cur))
			cur = nil
		}
		cur = append(cur, c.Rune)
		lastY = bottom
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	return lines
}

// place prints an image on lines of its own, aligned as ESC a says.
func (p *Parser) place(img *image.Gray, qr string) {
	p.flushLine(false)
	area := p.dots - p.leftMargin
	x := p.leftMargin + p.offset(area, img.Bounds().Dx())
	p.bitmaps = append(p.bitmaps, Bitmap{At: image.Pt(x, p.y), Image: img, QR: qr})
	p.y += img.Bounds().Dy()
}

// offset is where a thing w dots wide starts in an area of the given width.
func (p *Parser) offset(area, w int) int {
	switch p.align {
	case printer.AlignCenter:
		return max(0, (area-w)/2)
	case printer.AlignRight:
		return max(0, area-w)
	}
	return 0
}

// put adds a character to the line, wrapping when the line is full.
func (p *Parser) put(r rune, wide bool) {
	cw := cellHalf * p.w
	if wide {
		cw = cellFull * p.w
	}
	if p.lineW > 0 && p.lineW+cw > p.dots-p.leftMargin {
		p.flushLine(true)
	}
	p.line = append(p.line, Cell{Rune: r, Wide: wide, X: p.lineW, W: p.w, H: p.h, Bold: p.bold})
	p.lineW += cw
}

// flushLine prints the buffered line. With feed (LF, or a full line) an empty
// line still advances the paper by one line.
func (p *Parser) flushLine(feed bool) {
	if len(p.line) == 0 {
		if feed {
			p.y += p.lineSpacing
		}
		return
	}
	height := cellHeight
	for _, c := range p.line {
		height = max(height, cellHeight*c.H)
	}
	area := p.dots - p.leftMargin
	x0 := p.leftMargin + p.offset(area, p.lineW)
	for _, c := range p.line {
		c.X += x0
		c.Y = p.y + height - cellHeight*c.H // characters stand on the line's bottom
		p.cells = append(p.cells, c)
	}
	p.y += max(p.lineSpacing, height)
	p.line, p.lineW = nil, 0
}

// endPage ends the page being printed and starts the next.
func (p *Parser) endPage(cut bool) *Page {
	pg := &Page{
		Width:   p.dots,
		Height:  p.y + bottomMargin,
		Cells:   p.cells,
		Bitmaps: p.bitmaps,
		Cut:     cut,
		Unknown: p.unknown,
	}
	p.y, p.cells, p.bitmaps, p.unknown = 0, nil, nil, 0
	return pg
}
