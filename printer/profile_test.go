package printer

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPresetsAreValid(t *testing.T) {
	for _, p := range Presets() {
		if err := p.Validate(); err != nil {
			t.Errorf("preset %s: %v", p.Name, err)
		}
		got, err := LookupProfile(p.Name)
		if err != nil || got != p {
			t.Errorf("LookupProfile(%q): got %+v, %v; want %+v", p.Name, got, err, p)
		}
	}
	if _, err := LookupProfile("tm-t1000"); err == nil || !strings.Contains(err.Error(), "generic-80") {
		t.Errorf("LookupProfile of an unknown name: got %v, want an error listing the known names", err)
	}
}

func TestProfileForWidth(t *testing.T) {
	tests := []struct {
		mm       int
		mode     QRMode
		wantDots int
		wantName string
	}{
		{58, NativeQR, 384, "generic-58-qr"},
		{58, RasterQR, 384, "generic-58"},
		{80, NativeQR, 576, "generic-80"},
		{80, RasterQR, 576, "generic-80"},
	}
	for _, tt := range tests {
		p, err := ProfileForWidth(tt.mm, tt.mode)
		if err != nil {
			t.Fatalf("%d mm %s: %v", tt.mm, tt.mode, err)
		}
		if p.Dots != tt.wantDots || p.QR != tt.mode || p.Name != tt.wantName {
			t.Errorf("%d mm %s: got %s with %d dots and %s QR, want %s with %d dots", tt.mm, tt.mode, p.Name, p.Dots, p.QR, tt.wantName, tt.wantDots)
		}
	}
	if _, err := ProfileForWidth(76, NativeQR); err == nil {
		t.Errorf("76 mm: got no error, want one")
	}
}

func TestProfileValidateNamesTheField(t *testing.T) {
	base, _ := LookupProfile("generic-80")
	tests := []struct {
		name  string
		edit  func(*Profile)
		field string
	}{
		{"dots not a multiple of 8", func(p *Profile) { p.Dots = 580 }, "dots"},
		{"QR mode", func(p *Profile) { p.QR = 5 }, "qr:"},
		{"QR module", func(p *Profile) { p.QRModule = 0 }, "qr_module"},
		{"QR level", func(p *Profile) { p.QRLevel = 9 }, "qr_level"},
		{"code page", func(p *Profile) { p.CodePage = 9 }, "code_page"},
		{"cut", func(p *Profile) { p.Cut = 9 }, "cut"},
		{"feed lines", func(p *Profile) { p.FeedLines = 300 }, "feed_lines"},
	}
	for _, tt := range tests {
		p := base
		tt.edit(&p)
		err := p.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: got %v, want an error naming %q", tt.name, err, tt.field)
		}
	}
}

func TestProfileAsText(t *testing.T) {
	in := `{"name":"hall-7","dots":384,"qr":"raster","qr_module":5,"qr_level":"Q","code_page":"gbk","cut":"full","feed_lines":3}`
	var p Profile
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatal(err)
	}
	want := Profile{Name: "hall-7", Dots: 384, QR: RasterQR, QRModule: 5, QRLevel: QRLevelQ, CodePage: CodePageGBK, Cut: CutFull, FeedLines: 3}
	if p != want {
		t.Errorf("got %+v, want %+v", p, want)
	}
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("marshal: got %s, want %s", out, in)
	}
	bad := []string{`{"qr":"laser"}`, `{"qr_level":"X"}`, `{"code_page":"big5"}`, `{"cut":"tear"}`}
	for _, b := range bad {
		if err := json.Unmarshal([]byte(b), &p); err == nil {
			t.Errorf("unmarshal %s: got no error, want one", b)
		}
	}
}
