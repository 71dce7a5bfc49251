package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"

	"hallq/server/config"
)

// demoConfig returns the demo hall. Its credentials are kept in the data
// directory's demo-credentials.json: a restarted demo server accepts the same
// kiosk, display and staff credentials as before.
func demoConfig(credPath string) (*config.Config, config.DemoSecrets, error) {
	var prev config.DemoSecrets
	data, err := os.ReadFile(credPath)
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &prev); err != nil {
			return nil, prev, fmt.Errorf("%s: %w (delete it to generate new demo credentials)", credPath, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, prev, err
	}
	return config.DemoWith(prev)
}

// demoPortraits gives the demo hall's publicity cards a placeholder portrait
// each, a grey silhouette written once into the data directory, so that the
// demo shows a whole card; a hall's own file names real photos.
func demoPortraits(cfg *config.Config, dataDir string) error {
	var data []byte
	for id, card := range cfg.Cards {
		path := filepath.Join(dataDir, "demo-photo-"+id+".png")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if data == nil {
				var err error
				if data, err = silhouette(300, 400); err != nil {
					return err
				}
			}
			if err := writeFileAtomic(path, data, 0o644); err != nil {
				return fmt.Errorf("demo photo: %w", err)
			}
		} else if err != nil {
			return fmt.Errorf("demo photo: %w", err)
		}
		card.Photo = path
		cfg.Cards[id] = card
	}
	return nil
}

// silhouette draws a w×h placeholder portrait: a head and shoulders in grey
// blue on a light ground, as ID photo placeholders look.
func silhouette(w, h int) ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	ground, figure := color.NRGBA{0xdf, 0xe6, 0xee, 0xff}, color.NRGBA{0x8a, 0x9b, 0xb0, 0xff}
	fw, fh := float64(w), float64(h)
	inEllipse := func(x, y, cx, cy, rx, ry float64) bool {
		dx, dy := (x-cx)/rx, (y-cy)/ry
		return dx*dx+dy*dy <= 1
	}
	for y := range h {
		for x := range w {
			px, py := float64(x)+0.5, float64(y)+0.5
			c := ground
			if inEllipse(px, py, fw/2, fh*0.37, fw*0.22, fh*0.2) || inEllipse(px, py, fw/2, fh*1.02, fw*0.47, fh*0.34) {
				c = figure
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("demo photo: %w", err)
	}
	return buf.Bytes(), nil
}
