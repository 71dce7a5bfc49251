package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallq/server/config"
	"hallq/server/hall"
)

// TestWindowPhoto: a publicity card's portrait is served at its window's
// photo URL, which the hall description gives instead of the file's place on
// the server.
func TestWindowPhoto(t *testing.T) {
	cfg, _, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 30, 40))
	img.Set(3, 4, color.RGBA{200, 10, 10, 255})
	var portrait bytes.Buffer
	if err := png.Encode(&portrait, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "photos", "wang.png")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, portrait.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	card, ok := cfg.Cards["1"]
	if !ok {
		t.Fatal("the demo hall has no card for window 1")
	}
	card.Photo = path
	cfg.Cards["1"] = card
	h, err := hall.Open(cfg, t.TempDir(), slog.New(slog.DiscardHandler), hall.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler)
	defer func() {
		h.Hub.Close()
		srv.Close()
		h.Close()
	}()

	resp, err := http.Get(srv.URL + "/api/v1/hall")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if bytes.Contains(raw, []byte(dir)) || bytes.Contains(raw, []byte("wang.png")) {
		t.Fatalf("the hall description shows the photo's file: %s", raw)
	}
	var desc struct {
		Windows []struct {
			ID   string `json:"id"`
			Card *struct {
				PhotoURL string `json:"photo_url"`
			} `json:"card"`
		} `json:"windows"`
	}
	if err := json.Unmarshal(raw, &desc); err != nil {
		t.Fatal(err)
	}
	urls := map[string]string{}
	for _, w := range desc.Windows {
		if w.Card != nil {
			urls[w.ID] = w.Card.PhotoURL
		}
	}
	if urls["1"] != "/api/v1/windows/1/photo" {
		t.Fatalf("photo URLs %v, want window 1's", urls)
	}
	for id, u := range urls {
		if id != "1" && u != "" {
			t.Fatalf("window %s without a photo has photo URL %q", id, u)
		}
	}

	resp, err = http.Get(srv.URL + urls["1"])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(got, portrait.Bytes()) {
		t.Fatalf("photo: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}
	// A browser or display that has it is told it has not changed.
	req, _ := http.NewRequest("GET", srv.URL+urls["1"], nil)
	req.Header.Set("If-Modified-Since", resp.Header.Get("Last-Modified"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional photo request: %v %v", resp, err)
	}
	for _, u := range []string{"/api/v1/windows/2/photo", "/api/v1/windows/nope/photo"} {
		resp, err := http.Get(srv.URL + u)
		if err != nil {
			t.Fatal(err)
		}
		var e apiError
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || e.Error.Code != "ENOTFOUND" || !strings.Contains(e.Error.Message, "photo") {
			t.Fatalf("%s: %d %+v", u, resp.StatusCode, e)
		}
	}
	// The file gone (moved by someone on the server): a clear 404, not a crash.
	os.Remove(path)
	if resp, err := http.Get(srv.URL + urls["1"]); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("photo of a removed file: %v %v", resp, err)
	}
}

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
