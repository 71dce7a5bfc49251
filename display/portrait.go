package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/jpeg" // card photos are PNG or JPEG
	_ "image/png"
)

// maxPortraitSide is the largest width or height of a card photo the display
// decodes; a real portrait is a few hundred pixels, and a bigger image would
// cost memory for nothing.
const maxPortraitSide = 4096

// portrait is the photo on a window's publicity card.
type portrait struct {
	url  string      // the card's photo URL it was fetched from
	data []byte      // the file: PNG or JPEG
	img  image.Image // decoded
	key  string      // changes with the picture
}

// decodePortrait checks and decodes a card photo fetched from url.
func decodePortrait(url string, data []byte) (*portrait, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("photo %s: %w", url, err)
	}
	if format != "png" && format != "jpeg" {
		return nil, fmt.Errorf("photo %s: %s image, want PNG or JPEG", url, format)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxPortraitSide || cfg.Height > maxPortraitSide {
		return nil, fmt.Errorf("photo %s: %d×%d pixels, want at most %d on each side", url, cfg.Width, cfg.Height, maxPortraitSide)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("photo %s: %w", url, err)
	}
	sum := sha256.Sum256(data)
	return &portrait{url: url, data: data, img: img, key: url + "#" + hex.EncodeToString(sum[:8])}, nil
}
