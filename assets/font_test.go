package assets

import (
	"bytes"
	"errors"
	"testing"

	"github.com/go-text/typesetting/font"
)

func TestCJKFontHasChineseGlyphs(t *testing.T) {
	for _, w := range []Weight{Regular, Bold} {
		data, path, err := CJKFont(w)
		if errors.Is(err, ErrNoCJKFont) {
			t.Skip("no Chinese font installed; deploy/setup.sh installs fonts-noto-cjk")
		}
		if err != nil {
			t.Fatal(err)
		}
		face, err := font.ParseTTF(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("weight %d from %s: the extracted face does not parse: %v", w, path, err)
		}
		if got := face.Describe().Family; got != CJKFamily && path != cjkPaths[w][len(cjkPaths[w])-1] {
			t.Errorf("weight %d from %s: family %q, want %q", w, path, got, CJKFamily)
		}
		for _, r := range "请A001号到3号窗口办理政务服务中心王芳李娜刘洋张伟鑫燚" {
			if _, ok := face.NominalGlyph(r); !ok {
				t.Errorf("weight %d from %s: no glyph for %q", w, path, r)
			}
		}
	}
}

func TestExtractFace(t *testing.T) {
	single := buildFont(0x4f54544f, []byte("abcdefgh"), []table{{tag: [4]byte{'t', 'e', 's', 't'}, off: 0, size: 8}})
	tests := []struct {
		name string
		data []byte
		want []byte
		ok   bool
	}{
		{"a single font is kept", single, single, true},
		{"too short", []byte("OTTO"), nil, false},
		{"not a font", bytes.Repeat([]byte("x"), 64), nil, false},
		{"empty collection", append([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x00"), single...), nil, false},
		{"face outside the file", []byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x10\x00"), nil, false},
		{"collection of one", append([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10"), single...), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExtractFace(tt.data, CJKFamily)
			if (err == nil) != tt.ok {
				t.Fatalf("got error %v, want ok=%v", err, tt.ok)
			}
			if tt.want != nil && !bytes.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
