package printer

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Control bytes that start ESC/POS commands.
const (
	LF  = 0x0a // print and line feed
	ESC = 0x1b
	GS  = 0x1d
	FS  = 0x1c
	DLE = 0x10
	EOT = 0x04
)

// Align is a justification for ESC a. It applies to text, native QR codes and
// raster images printed after it.
type Align byte

// Justifications understood by ESC a.
const (
	AlignLeft   Align = 0
	AlignCenter Align = 1
	AlignRight  Align = 2
)

// Init returns ESC @, which clears the print buffer and resets every mode
// (alignment, size, emphasis, line spacing) to its power-on value.
func Init() []byte { return []byte{ESC, '@'} }

// SetAlign returns ESC a n.
func SetAlign(a Align) []byte { return []byte{ESC, 'a', byte(a)} }

// SetEmphasis returns ESC E n, which turns emphasised (bold) printing on or off.
func SetEmphasis(on bool) []byte {
	if on {
		return []byte{ESC, 'E', 1}
	}
	return []byte{ESC, 'E', 0}
}

// SetSize returns GS ! n, which magnifies characters width times horizontally
// and height times vertically. Both must be between 1 and 8.
func SetSize(width, height int) ([]byte, error) {
	if width < 1 || width > 8 || height < 1 || height > 8 {
		return nil, fmt.Errorf("escpos: character size %dx%d: want 1 to 8 each", width, height)
	}
	return []byte{GS, '!', byte((width-1)<<4 | (height - 1))}, nil
}

// LineFeed returns LF, which prints the buffered line and feeds one line.
func LineFeed() []byte { return []byte{LF} }

// Feed returns ESC d n, which prints the buffered line and feeds n lines
// (0 to 255).
func Feed(lines int) ([]byte, error) {
	if lines < 0 || lines > 255 {
		return nil, fmt.Errorf("escpos: feed %d lines: want 0 to 255", lines)
	}
	return []byte{ESC, 'd', byte(lines)}, nil
}

// FeedDots returns ESC J n, which prints the buffered line and feeds n dots
// (0 to 255) of paper, about 1/8 mm each on a 203 dpi printer.
func FeedDots(dots int) ([]byte, error) {
	if dots < 0 || dots > 255 {
		return nil, fmt.Errorf("escpos: feed %d dots: want 0 to 255", dots)
	}
	return []byte{ESC, 'J', byte(dots)}, nil
}

// ChineseMode returns FS &, which selects the printer's Chinese character
// mode so that two-byte (and, on GB18030 models, four-byte) codes print as
// Hanzi, or FS ., which cancels it.
func ChineseMode(on bool) []byte {
	if on {
		return []byte{FS, '&'}
	}
	return []byte{FS, '.'}
}

// StatusQuery returns DLE EOT n, the real-time status request. n is 1
// (printer), 2 (offline cause), 3 (error cause) or 4 (roll paper sensor).
// The printer answers each with one byte, even while offline.
func StatusQuery(n byte) []byte { return []byte{DLE, EOT, n} }

// Cut returns the bytes that end a receipt with the given cut command. The
// feeding variants (CutPartialFeed, CutFullFeed) feed the paper to the cutter
// by themselves; the others are preceded by ESC d feedLines so that the last
// printed line clears the cutter. CutNone only feeds.
func Cut(c CutMode, feedLines int) ([]byte, error) {
	feed, err := Feed(feedLines)
	if err != nil {
		return nil, err
	}
	switch c {
	case CutPartialFeed:
		return []byte{GS, 'V', 66, 0}, nil
	case CutFullFeed:
		return []byte{GS, 'V', 65, 0}, nil
	case CutPartial:
		return append(feed, GS, 'V', 1), nil
	case CutFull:
		return append(feed, GS, 'V', 0), nil
	case CutNone:
		return feed, nil
	}
	return nil, fmt.Errorf("escpos: unknown cut mode %d", c)
}

// Text encodes s for a printer in Chinese mode with the given code page. Control
// characters (which would start printer commands) become spaces, and
// characters the code page cannot represent become '?'. It never fails for
// GB18030, which covers all of Unicode.
func Text(s string, cp CodePage) ([]byte, error) {
	var enc *encoding.Encoder
	switch cp {
	case CodePageGB18030:
		enc = simplifiedchinese.GB18030.NewEncoder()
	case CodePageGBK:
		enc = simplifiedchinese.GBK.NewEncoder()
	default:
		return nil, fmt.Errorf("escpos: unknown code page %d", cp)
	}
	out := make([]byte, 0, len(s)+len(s)/2)
	var buf [8]byte
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			out = append(out, '?')
		case r < 0x20 || r == 0x7f:
			out = append(out, ' ')
		case r < 0x80:
			out = append(out, byte(r))
		case r >= 0x80 && r < 0xa0:
			out = append(out, ' ') // C1 controls
		default:
			n, _, err := enc.Transform(buf[:], []byte(string(r)), true)
			// A lone byte above 0x7f (GBK's euro sign, 0x80) is no
			// printer's character.
			if err != nil || n < 2 {
				out = append(out, '?')
				enc.Reset()
				continue
			}
			out = append(out, buf[:n]...)
		}
	}
	return out, nil
}

// TextWidth returns how many half-width columns s takes on the printer: one
// for each ASCII character, two for everything else, which prints as a
// full-width Chinese-mode character.
func TextWidth(s string) int {
	w := 0
	for _, r := range s {
		if r < 0x80 {
			w++
		} else {
			w += 2
		}
	}
	return w
}

// QROptions are the parameters of a QR code symbol.
type QROptions struct {
	// Module is the size of one module (one black or white square) in dots,
	// 1 to 16.
	Module int
	// Level is the error-correction level.
	Level QRLevel
}

// maxQRData is the most bytes GS ( k function 180 stores (model 2, version 40, level L).
const maxQRData = 7089

func (o QROptions) validate() error {
	if o.Module < 1 || o.Module > 16 {
		return fmt.Errorf("escpos: QR module size %d: want 1 to 16", o.Module)
	}
	if o.Level > QRLevelH {
		return fmt.Errorf("escpos: unknown QR error-correction level %d", o.Level)
	}
	return nil
}

// QRNative returns the GS ( k sequence that has the printer draw a QR code of
// data itself: select model 2 (function 165), set the module size (167) and
// error-correction level (169), store the data (180) and print it (181). It is
// a few dozen bytes more than data, where a raster QR is thousands.
func QRNative(data string, o QROptions) ([]byte, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if data == "" {
		return nil, errors.New("escpos: QR code of empty data")
	}
	if len(data) > maxQRData {
		return nil, fmt.Errorf("escpos: QR code of %d bytes: want at most %d", len(data), maxQRData)
	}
	store := len(data) + 3
	out := make([]byte, 0, 9+8+8+8+len(data)+8)
	out = append(out, GS, '(', 'k', 4, 0, '1', 'A', '2', 0)                     // fn 165: model 2
	out = append(out, GS, '(', 'k', 3, 0, '1', 'C', byte(o.Module))             // fn 167: module size
	out = append(out, GS, '(', 'k', 3, 0, '1', 'E', '0'+byte(o.Level))          // fn 169: error correction
	out = append(out, GS, '(', 'k', byte(store), byte(store>>8), '1', 'P', '0') // fn 180: store
	out = append(out, data...)
	out = append(out, GS, '(', 'k', 3, 0, '1', 'Q', '0') // fn 181: print
	return out, nil
}
