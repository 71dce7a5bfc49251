package virtual

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/image/font/sfnt"
)

// Font is a CJK-capable font the renderer draws text with.
type Font struct {
	// Path is the font file; Name the full name of the face used.
	Path, Name string

	sfnt *sfnt.Font
	file *os.File
}

// fontCandidates are well-known CJK font files, best first. Noto Sans Mono
// CJK, inside NotoSansCJK-Regular.ttc, has half-width Latin letters like a
// printer's font.
var fontCandidates = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",    // Debian, Ubuntu
	"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",         // Arch
	"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  // Fedora
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",   // Debian, serif
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",              // Debian
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",            // Debian
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", // Debian
	"/usr/share/fonts/truetype/arphic/uming.ttc",                // Debian
	"/System/Library/Fonts/PingFang.ttc",                        // macOS
	"C:\\Windows\\Fonts\\msyh.ttc",                              // Windows
}

// fontDirs are searched for any CJK font when no candidate loads.
var fontDirs = []string{"/usr/share/fonts", "/usr/local/share/fonts"}

var cjkFileName = regexp.MustCompile(`(?i)(cjk|wqy|droidsansfallback|uming|ukai|simhei|simsun|msyh|sourcehan)`)

// FindFont returns the first CJK font found on the system: a well-known file,
// else any font under /usr/share/fonts whose name looks CJK and that has
// Chinese glyphs.
func FindFont() (*Font, error) {
	var errs []error
	for _, p := range fontCandidates {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		f, err := LoadFont(p)
		if err == nil {
			return f, nil
		}
		errs = append(errs, err)
	}
	for _, dir := range fontDirs {
		var found *Font
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !cjkFileName.MatchString(d.Name()) {
				return nil
			}
			f, err := LoadFont(p)
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			found = f
			return fs.SkipAll
		})
		if found != nil {
			return found, nil
		}
	}
	return nil, fmt.Errorf("virtual: no CJK font found (install fonts-noto-cjk, or pass one with -font): %w", errors.Join(errs...))
}

// LoadFont opens a font file (.ttf, .otf, .ttc) and picks the face that draws
// Chinese best: Noto Sans Mono CJK SC, else any face named SC or Mono, else
// the first face with Chinese glyphs.
func LoadFont(path string) (*Font, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("virtual: font: %w", err)
	}
	coll, err := sfnt.ParseCollectionReaderAt(file)
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("virtual: font %s: %w", path, err)
	}
	best, bestScore, bestName := (*sfnt.Font)(nil), -1, ""
	var buf sfnt.Buffer
	for i := 0; i < coll.NumFonts(); i++ {
		f, err := coll.Font(i)
		if err != nil {
			continue
		}
		if g, err := f.GlyphIndex(&buf, '中'); err != nil || g == 0 {
			continue
		}
		name, _ := f.Name(&buf, sfnt.NameIDFull)
		score := 0
		if strings.Contains(name, "SC") {
			score += 2
		}
		if strings.Contains(name, "Mono") {
			score++
		}
		if score > bestScore {
			best, bestScore, bestName = f, score, name
		}
	}
	if best == nil {
		file.Close()
		return nil, fmt.Errorf("virtual: font %s: no face with Chinese glyphs", path)
	}
	return &Font{Path: path, Name: bestName, sfnt: best, file: file}, nil
}

// Close closes the font file.
func (f *Font) Close() error { return f.file.Close() }
