package api_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallq/server/config"
	"hallq/server/hall/halltest"
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
	h := halltest.Start(t, halltest.Options{Config: cfg})

	resp, err := http.Get(h.URL + "/api/v1/hall")
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

	resp, err = http.Get(h.URL + urls["1"])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(got, portrait.Bytes()) {
		t.Fatalf("photo: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}
	// A browser or display that has it is told it has not changed.
	req, _ := http.NewRequest("GET", h.URL+urls["1"], nil)
	req.Header.Set("If-Modified-Since", resp.Header.Get("Last-Modified"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional photo request: %v %v", resp, err)
	}
	for _, u := range []string{"/api/v1/windows/2/photo", "/api/v1/windows/nope/photo"} {
		resp, err := http.Get(h.URL + u)
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
	if resp, err := http.Get(h.URL + urls["1"]); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("photo of a removed file: %v %v", resp, err)
	}
}
