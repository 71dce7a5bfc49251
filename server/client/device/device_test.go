package device

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckServer(t *testing.T) {
	tests := []struct {
		name, server, err string
	}{
		{"http", "http://192.168.1.10:8080", ""},
		{"https", "https://hall.example", ""},
		{"missing", "", "is required"},
		{"no scheme", "192.168.1.10:8080", "want http://host"},
		{"other scheme", "ftp://hall.example", "want http://host"},
		{"no host", "http://", "want http://host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckServer(tt.server)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("got %v, want %q", err, tt.err)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		name, size string
		w, h       int
		ok         bool
	}{
		{"full HD", "1920x1080", 1920, 1080, true},
		{"smallest", "320x240", 320, 240, true},
		{"too small", "319x240", 0, 0, false},
		{"no x", "1920", 0, 0, false},
		{"not numbers", "wide x tall", 0, 0, false},
		{"empty", "", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, h, err := ParseSize(tt.size)
			if (err == nil) != tt.ok || w != tt.w || h != tt.h {
				t.Fatalf("got %dx%d, %v; want %dx%d, ok %v", w, h, err, tt.w, tt.h, tt.ok)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "-size: ") {
				t.Fatalf("error %q does not name the flag", err)
			}
		})
	}
}

func TestCheckFont(t *testing.T) {
	font := filepath.Join(t.TempDir(), "font.ttf")
	if err := os.WriteFile(font, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckFont(""); err != nil {
		t.Errorf("no font: got %v", err)
	}
	if err := CheckFont(font); err != nil {
		t.Errorf("a font file: got %v", err)
	}
	if err := CheckFont(font + ".missing"); err == nil || !strings.HasPrefix(err.Error(), "-font: ") {
		t.Errorf("a missing font: got %v", err)
	}
}

func TestDataDir(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"state home", map[string]string{"XDG_STATE_HOME": "/s", "HOME": "/home/k"}, "/s/hallq/kiosk"},
		{"home", map[string]string{"HOME": "/home/k"}, "/home/k/.local/state/hallq/kiosk"},
		{"relative state home is ignored", map[string]string{"XDG_STATE_HOME": "state", "HOME": "/home/k"}, "/home/k/.local/state/hallq/kiosk"},
		{"neither", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DataDir("kiosk", func(k string) string { return tt.env[k] }); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
