package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"hallq/server/config"
)

// TestDemoPortraits: the demo hall's cards get placeholder portraits in the
// data directory, written once: a photo put in their place is kept.
func TestDemoPortraits(t *testing.T) {
	cfg, _, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := demoPortraits(cfg, dir); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Cards) == 0 {
		t.Fatal("the demo hall has no cards")
	}
	for id, c := range cfg.Cards {
		if want := filepath.Join(dir, "demo-photo-"+id+".png"); c.Photo != want {
			t.Fatalf("card %s: photo %q, want %q", id, c.Photo, want)
		}
		f, err := os.Open(c.Photo)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() != 300 || img.Bounds().Dy() != 400 {
			t.Fatalf("card %s: %v %v", id, err, img)
		}
	}
	own := filepath.Join(dir, "demo-photo-1.png")
	if err := os.WriteFile(own, []byte("a real photo"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, _ = config.Demo()
	if err := demoPortraits(cfg, dir); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(own); string(data) != "a real photo" {
		t.Fatal("a photo put in place of the placeholder was overwritten")
	}
}
