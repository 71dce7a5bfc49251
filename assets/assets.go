package assets

import _ "embed"

//go:generate go run ./gen/chime -o chime.wav

//go:embed chime.wav
var chime []byte

// Chime returns the announcement chime: a two-tone bell, 16-bit mono PCM WAV
// at 22050 Hz, about two seconds. The caller must not modify it.
func Chime() []byte { return chime }
