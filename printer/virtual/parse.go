package virtual

import (
	"image"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"

	"hallq/printer"
)

// EventKind tells what a parsed event is.
type EventKind int

// Events of the parser.
const (
	// EventStatus is a real-time status query (DLE EOT n); the printer
	// answers it at once.
	EventStatus EventKind = iota
	// EventJob is the end of a job; Page is what it printed.
	EventJob
)

// Event is something the printer must act on.
type Event struct {
	Kind EventKind
	// N is the DLE EOT function, 1 to 4, of an EventStatus.
	N byte
	// Page is the page of an EventJob.
	Page *Page
}

// Parser reads an ESC/POS byte stream as a printer would and lays out what it
// prints. Bytes may arrive in pieces of any size; a command split between two
// calls of Feed is parsed when it is complete. A Parser is used by one goroutine.
type Parser struct {
	dots int

	pending []byte // bytes of an incomplete command
	raw     []byte // bytes of the current job

	// modes
	align       printer.Align
	w, h        int
	bold        bool
	chinese     bool
	leftMargin  int
	lineSpacing int
	qrData      string
	qrModule    int
	qrLevel     printer.QRLevel

	// the page
	y       int
	line    []Cell // the line being filled, X relative to the line start
	lineW   int
	cells   []Cell
	bitmaps []Bitmap
	unknown int
}

// NewParser returns a parser for paper dots wide.
func NewParser(dots int) *Parser {
	p := &Parser{dots: dots}
	p.reset()
	return p
}

// reset sets the modes ESC @ sets.
func (p *Parser) reset() {
	p.align = printer.AlignLeft
	p.w, p.h = 1, 1
	p.bold = false
	p.chinese = true // Chinese models start in Chinese mode
	p.leftMargin = 0
	p.lineSpacing = defaultLineSpacing
	p.qrModule = 3
	p.qrLevel = printer.QRLevelL
	p.line, p.lineW = nil, 0
}

// Feed parses data and returns the events it completes, in order.
func (p *Parser) Feed(data []byte) []Event {
	p.pending = append(p.pending, data...)
	var events []Event
	for len(p.pending) > 0 {
		n, ev, ok := p.step(p.pending)
		if !ok {
			break
		}
		p.raw = append(p.raw, p.pending[:n]...)
		p.pending = p.pending[n:]
		if ev != nil {
			if ev.Kind == EventJob {
				ev.Page.Raw = p.raw
				p.raw = nil
			}
			events = append(events, *ev)
		}
	}
	if len(p.pending) == 0 {
		p.pending = nil // let the buffer of a large raster go
	}
	return events
}

// Flush ends the current job as if it had been cut, when it printed anything:
// the connection it came on has closed. It returns nil otherwise.
func (p *Parser) Flush() *Page {
	p.flushLine(false)
	if len(p.cells) == 0 && len(p.bitmaps) == 0 {
		p.raw, p.pending = nil, nil
		return nil
	}
	pg := p.endPage(false)
	pg.Raw = append(p.raw, p.pending...)
	p.raw, p.pending = nil, nil
	return pg
}

// step parses one command or character at the start of b. It returns how
// many bytes it took, the event it completes, and false if b holds only part
// of a command.
func (p *Parser) step(b []byte) (int, *Event, bool) {
	need := func(n int) bool { return len(b) >= n }
	switch c := b[0]; {
	case c == printer.LF:
		p.flushLine(true)
		return 1, nil, true
	case c == '\r' || c == '\t':
		return 1, nil, true
	case c == printer.DLE:
		return p.stepDLE(b)
	case c == printer.ESC:
		if !need(2) {
			return 0, nil, false
		}
		return p.stepESC(b)
	case c == printer.GS:
		if !need(2) {
			return 0, nil, false
		}
		return p.stepGS(b)
	case c == printer.FS:
		if !need(2) {
			return 0, nil, false
		}
		return p.stepFS(b)
	case c < 0x20 || c == 0x7f:
		p.unknown++
		return 1, nil, true
	case c < 0x80:
		p.put(rune(c), false)
		return 1, nil, true
	case !p.chinese || c == 0x80 || c == 0xff:
		r := charmap.CodePage437.DecodeByte(c)
		p.put(r, false)
		return 1, nil, true
	default:
		// GB18030: two bytes, or four when the second is a digit.
		if !need(2) {
			return 0, nil, false
		}
		n := 2
		if b[1] >= 0x30 && b[1] <= 0x39 {
			n = 4
		}
		if !need(n) {
			return 0, nil, false
		}
		r := '?'
		if s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b[:n]); err == nil {
			if rs := []rune(string(s)); len(rs) == 1 {
				r = rs[0]
			}
		}
		p.put(r, true)
		return n, nil, true
	}
}

func (p *Parser) stepDLE(b []byte) (int, *Event, bool) {
	if len(b) < 2 {
		return 0, nil, false
	}
	switch b[1] {
	case printer.EOT: // DLE EOT n: real-time status
		if len(b) < 3 {
			return 0, nil, false
		}
		if b[2] >= 1 && b[2] <= 4 {
			return 3, &Event{Kind: EventStatus, N: b[2]}, true
		}
		p.unknown++
		return 3, nil, true
	case 0x05: // DLE ENQ n
		if len(b) < 3 {
			return 0, nil, false
		}
		return 3, nil, true
	case 0x14: // DLE DC4 fn m t
		if len(b) < 5 {
			return 0, nil, false
		}
		return 5, nil, true
	}
	p.unknown++
	return 1, nil, true
}

func (p *Parser) stepESC(b []byte) (int, *Event, bool) {
	arg := func(n int) bool { return len(b) >= 2+n }
	switch b[1] {
	case '@':
		p.flushLine(false)
		p.reset()
		return 2, nil, true
	case 'i', 'm': // cut, older form
		return 2, p.cut(0), true
	case '2':
		p.lineSpacing = defaultLineSpacing
		return 2, nil, true
	case 'S', 'L': // standard and page mode
		return 2, nil, true
	case 'a', 'E', 'G', '!', 'd', 'J', '3', 't', 'M', 'R', '-', 'V', '{', 'U', ' ', 'r', 'T':
		if !arg(1) {
			return 0, nil, false
		}
		n := b[2]
		switch b[1] {
		case 'a':
			p.align = printer.Align(n % 48 % 3)
		case 'E', 'G':
			p.bold = n&1 == 1
		case '!':
			p.bold = n&0x08 != 0
			p.h = 1 + int(n>>4&1)
			p.w = 1 + int(n>>5&1)
		case 'd':
			p.flushLine(false)
			p.y += int(n) * p.lineSpacing
		case 'J':
			p.flushLine(false)
			p.y += int(n)
		case '3':
			p.lineSpacing = int(n)
		}
		return 3, nil, true
	case '$', '\\':
		if !arg(2) {
			return 0, nil, false
		}
		return 4, nil, true
	case 'c': // ESC c 3 n, ESC c 4 n, ESC c 5 n
		if !arg(2) {
			return 0, nil, false
		}
		return 4, nil, true
	case 'p': // ESC p m t1 t2: drawer kick
		if !arg(3) {
			return 0, nil, false
		}
		return 5, nil, true
	case 'D': // ESC D n1 … nk NUL: tab stops
		for i := 2; i < len(b); i++ {
			if b[i] == 0 {
				return i + 1, nil, true
			}
		}
		return 0, nil, false
	case '*': // ESC * m nL nH d…: column bit image, skipped
		if !arg(3) {
			return 0, nil, false
		}
		cols := int(b[3]) | int(b[4])<<8
		k := cols
		if b[2] >= 32 {
			k = 3 * cols
		}
		if !arg(3 + k) {
			return 0, nil, false
		}
		p.unknown++
		return 5 + k, nil, true
	}
	p.unknown++
	return 2, nil, true
}

func (p *Parser) stepGS(b []byte) (int, *Event, bool) {
	arg := func(n int) bool { return len(b) >= 2+n }
	switch b[1] {
	case '!':
		if !arg(1) {
			return 0, nil, false
		}
		p.w = 1 + int(b[2]>>4&7)
		p.h = 1 + int(b[2]&7)
		return 3, nil, true
	case 'V':
		if !arg(1) {
			return 0, nil, false
		}
		switch b[2] {
		case 65, 66, 97, 98, 103, 104: // feed n dots (to the cutter), then cut
			if !arg(2) {
				return 0, nil, false
			}
			return 4, p.cut(int(b[3])), true
		}
		return 3, p.cut(0), true
	case 'v':
		return p.raster(b)
	case '(':
		if !arg(3) {
			return 0, nil, false
		}
		size := int(b[3]) | int(b[4])<<8
		if !arg(3 + size) {
			return 0, nil, false
		}
		if b[2] == 'k' && size >= 2 && b[5] == '1' {
			p.qr(b[6], b[7:5+size])
		} else {
			p.unknown++
		}
		return 5 + size, nil, true
	case 'L': // GS L nL nH: left margin
		if !arg(2) {
			return 0, nil, false
		}
		p.leftMargin = min(int(b[2])|int(b[3])<<8, p.dots-cellFull)
		return 4, nil, true
	case 'W', 'P', '$', '\\':
		if !arg(2) {
			return 0, nil, false
		}
		return 4, nil, true
	case 'B', 'H', 'h', 'w', 'f', 'a', 'r', 'I', 'b', 'E':
		if !arg(1) {
			return 0, nil, false
		}
		return 3, nil, true
	case 'k': // barcodes, skipped
		if !arg(1) {
			return 0, nil, false
		}
		m := b[2]
		if m <= 6 { // NUL-terminated
			for i := 3; i < len(b); i++ {
				if b[i] == 0 {
					p.unknown++
					return i + 1, nil, true
				}
			}
			return 0, nil, false
		}
		if !arg(2) {
			return 0, nil, false
		}
		n := int(b[3])
		if !arg(2 + n) {
			return 0, nil, false
		}
		p.unknown++
		return 4 + n, nil, true
	}
	p.unknown++
	return 2, nil, true
}

func (p *Parser) stepFS(b []byte) (int, *Event, bool) {
	switch b[1] {
	case '&':
		p.chinese = true
		return 2, nil, true
	case '.':
		p.chinese = false
		return 2, nil, true
	case '!', 'C', 'W', '-', 'r':
		if len(b) < 3 {
			return 0, nil, false
		}
		if b[1] == 'W' {
			p.w = 1 + int(b[2]&1)
			p.h = p.w
		}
		return 3, nil, true
	case 'S', 'p':
		if len(b) < 4 {
			return 0, nil, false
		}
		return 4, nil, true
	}
	p.unknown++
	return 2, nil, true
}

// raster parses GS v 0 m xL xH yL yH d….
func (p *Parser) raster(b []byte) (int, *Event, bool) {
	if len(b) < 8 {
		return 0, nil, false
	}
	if b[2] != '0' {
		p.unknown++
		return 2, nil, true
	}
	m := b[3] % 48
	xBytes := int(b[4]) | int(b[5])<<8
	rows := int(b[6]) | int(b[7])<<8
	k := xBytes * rows
	if len(b) < 8+k {
		return 0, nil, false
	}
	if k == 0 {
		return 8, nil, true
	}
	sx, sy := 1, 1
	if m&1 != 0 {
		sx = 2
	}
	if m&2 != 0 {
		sy = 2
	}
	img := image.NewGray(image.Rect(0, 0, xBytes*8*sx, rows*sy))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	data := b[8 : 8+k]
	for y := 0; y < rows; y++ {
		for x := 0; x < xBytes*8; x++ {
			if data[y*xBytes+x/8]&(0x80>>(x%8)) == 0 {
				continue
			}
			for dy := 0; dy < sy; dy++ {
				for dx := 0; dx < sx; dx++ {
					img.SetGray(x*sx+dx, y*sy+dy, black)
				}
			}
		}
	}
	p.place(img, "")
	return 8 + k, nil, true
}

// qr handles the QR functions of GS ( k: fn is the function byte, params
// what follows it.
func (p *Parser) qr(fn byte, params []byte) {
	switch fn {
	case 'A': // 165: model
	case 'C': // 167: module size
		if len(params) >= 1 && params[0] >= 1 && params[0] <= 16 {
			p.qrModule = int(params[0])
		}
	case 'E': // 169: error correction
		if len(params) >= 1 && params[0] >= '0' && params[0] <= '3' {
			p.qrLevel = printer.QRLevel(params[0] - '0')
		}
	case 'P': // 180: store, after m = '0'
		if len(params) >= 1 {
			p.qrData = string(params[1:])
		}
	case 'Q': // 181: print
		if p.qrData == "" {
			p.unknown++
			return
		}
		img, err := printer.QRImage(p.qrData, printer.QROptions{Module: p.qrModule, Level: p.qrLevel})
		if err != nil {
			p.unknown++
			return
		}
		p.place(img, p.qrData)
	case 'R': // 182: transmit size information
	default:
		p.unknown++
	}
}

// cut ends the job after feeding feed dots.
func (p *Parser) cut(feed int) *Event {
	p.flushLine(false)
	p.y += feed
	return &Event{Kind: EventJob, Page: p.endPage(true)}
}
