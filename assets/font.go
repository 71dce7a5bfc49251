package assets

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf16"
)

// Weight is a font weight.
type Weight int

// The weights CJKFont provides.
const (
	Regular Weight = iota
	Bold
)

// CJKFamily is the face CJKFont extracts from a collection.
const CJKFamily = "Noto Sans CJK SC"

// cjkPaths are where Debian (fonts-noto-cjk, fonts-wqy-microhei) and other
// distributions install Chinese fonts, by weight, best first.
var cjkPaths = map[Weight][]string{
	Regular: {
		"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
		"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
		"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
		"/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
		"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	},
	Bold: {
		"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
		"/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
		"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
		"/usr/share/fonts/opentype/noto/NotoSansCJKsc-Bold.otf",
		"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	},
}

// ErrNoCJKFont is returned, wrapped, when no Chinese font is installed.
var ErrNoCJKFont = errors.New("assets: no Chinese font found (install fonts-noto-cjk)")

// CJKFont returns a standalone OpenType font with Simplified Chinese glyphs
// of the given weight, read from the system's fonts, and the file it came
// from. It prefers Noto Sans CJK SC; a collection (.ttc) is reduced to that
// face. The data is read afresh on each call.
func CJKFont(w Weight) (data []byte, path string, err error) {
	var tried []string
	for _, p := range cjkPaths[w] {
		raw, err := os.ReadFile(p)
		if err != nil {
			tried = append(tried, p)
			continue
		}
		face, err := ExtractFace(raw, CJKFamily)
		if err != nil {
			return nil, p, fmt.Errorf("assets: %s: %w", p, err)
		}
		return face, p, nil
	}
	return nil, "", fmt.Errorf("%w; looked for %s", ErrNoCJKFont, strings.Join(tried, ", "))
}

// ExtractFace returns one face of a font collection (.ttc) as a standalone
// OpenType font: the face whose family name is family, else the first whose
// family ends with the same last word (" SC"), else the first face. Data that
// is already a single font is returned as it is.
func ExtractFace(data []byte, family string) ([]byte, error) {
	if len(data) < 12 {
		return nil, errors.New("font file too short")
	}
	if string(data[:4]) != "ttcf" {
		if _, err := tableDir(data, 0); err != nil {
			return nil, err
		}
		return data, nil
	}
	n := int(binary.BigEndian.Uint32(data[8:]))
	if n == 0 || 12+4*n > len(data) {
		return nil, fmt.Errorf("font collection of %d faces does not fit its %d bytes", n, len(data))
	}
	suffix := family
	if i := strings.LastIndexByte(family, ' '); i >= 0 {
		suffix = family[i:]
	}
	pick, bySuffix := -1, -1
	dirs := make([][]table, n)
	for i := range n {
		off := int(binary.BigEndian.Uint32(data[12+4*i:]))
		dir, err := tableDir(data, off)
		if err != nil {
			return nil, fmt.Errorf("face %d: %w", i, err)
		}
		dirs[i] = dir
		name := familyName(data, dir)
		switch {
		case name == family && pick < 0:
			pick = i
		case strings.HasSuffix(name, suffix) && bySuffix < 0:
			bySuffix = i
		}
	}
	if pick < 0 {
		pick = max(bySuffix, 0)
	}
	off := int(binary.BigEndian.Uint32(data[12+4*pick:]))
	return buildFont(binary.BigEndian.Uint32(data[off:]), data, dirs[pick]), nil
}

// table is one entry of a font's table directory.
type table struct {
	tag            [4]byte
	sum, off, size uint32
}

// tableDir reads the table directory at off, checking that every table lies
// inside data.
func tableDir(data []byte, off int) ([]table, error) {
	if off < 0 || off+12 > len(data) {
		return nil, fmt.Errorf("table directory at %d is outside the file", off)
	}
	switch v := binary.BigEndian.Uint32(data[off:]); v {
	case 0x00010000, 0x4f54544f, 0x74727565: // TrueType, "OTTO", "true"
	default:
		return nil, fmt.Errorf("not an OpenType font (version %#x)", v)
	}
	n := int(binary.BigEndian.Uint16(data[off+4:]))
	if off+12+16*n > len(data) {
		return nil, fmt.Errorf("table directory of %d tables is outside the file", n)
	}
	dir := make([]table, n)
	for i := range dir {
		rec := data[off+12+16*i:]
		t := table{sum: binary.BigEndian.Uint32(rec[4:]), off: binary.BigEndian.Uint32(rec[8:]), size: binary.BigEndian.Uint32(rec[12:])}
		copy(t.tag[:], rec[:4])
		if uint64(t.off)+uint64(t.size) > uint64(len(data)) {
			return nil, fmt.Errorf("table %q is outside the file", t.tag[:])
		}
		dir[i] = t
	}
	return dir, nil
}

// familyName returns the font family (name ID 16, typographic, else 1) from
// the font's name table, or "".
func familyName(data []byte, dir []table) string {
	var name []byte
	for _, t := range dir {
		if string(t.tag[:]) == "name" {
			name = data[t.off : t.off+t.size]
		}
	}
	if len(name) < 6 {
		return ""
	}
	count := int(binary.BigEndian.Uint16(name[2:]))
	strs := int(binary.BigEndian.Uint16(name[4:]))
	found := map[uint16]string{}
	for i := range count {
		rec := name[6+12*i:]
		if len(rec) < 12 {
			break
		}
		platform, encoding := binary.BigEndian.Uint16(rec), binary.BigEndian.Uint16(rec[2:])
		lang, id := binary.BigEndian.Uint16(rec[4:]), binary.BigEndian.Uint16(rec[6:])
		size, off := int(binary.BigEndian.Uint16(rec[8:])), int(binary.BigEndian.Uint16(rec[10:]))
		if (id != 1 && id != 16) || strs+off+size > len(name) || found[id] != "" {
			continue
		}
		s := name[strs+off : strs+off+size]
		switch {
		case platform == 3 && (encoding == 1 || encoding == 10) && lang == 0x409: // Windows, Unicode, English (US)
			u := make([]uint16, len(s)/2)
			for j := range u {
				u[j] = binary.BigEndian.Uint16(s[2*j:])
			}
			found[id] = string(utf16.Decode(u))
		case platform == 1 && encoding == 0 && lang == 0: // Macintosh, Roman, English
			found[id] = string(s)
		}
	}
	if f := found[16]; f != "" {
		return f
	}
	return found[1]
}

// buildFont writes a standalone font of the given tables of data.
func buildFont(version uint32, data []byte, dir []table) []byte {
	n := len(dir)
	size := 12 + 16*n
	for _, t := range dir {
		size += int(t.size+3) &^ 3
	}
	out := make([]byte, 12+16*n, size)
	be := binary.BigEndian
	be.PutUint32(out, version)
	be.PutUint16(out[4:], uint16(n))
	sr, es := 1, 0
	for sr*2 <= n {
		sr, es = sr*2, es+1
	}
	be.PutUint16(out[6:], uint16(16*sr))
	be.PutUint16(out[8:], uint16(es))
	be.PutUint16(out[10:], uint16(16*n-16*sr))
	for i, t := range dir {
		rec := out[12+16*i:]
		copy(rec, t.tag[:])
		be.PutUint32(rec[4:], t.sum)
		be.PutUint32(rec[8:], uint32(len(out)))
		be.PutUint32(rec[12:], t.size)
		out = append(out, data[t.off:t.off+t.size]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}
