// Command chime writes the two-tone chime that hall displays play before a
// voice announcement, as a 16-bit mono PCM WAV file. It is the source of
// assets/chime.wav: go generate in assets runs it.
//
//	go run ./assets/gen/chime -o assets/chime.wav
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
)

const rate = 22050 // samples a second

// note is one strike of the chime: a bell-like tone that decays.
type note struct {
	freq  float64 // fundamental, Hz
	start float64 // seconds
	decay float64 // seconds for the amplitude to fall by e
}

func main() {
	out := flag.String("o", "chime.wav", "output file")
	flag.Parse()
	if err := os.WriteFile(*out, wav(render()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "chime:", err)
		os.Exit(1)
	}
}

// render returns the samples: a rising third then the tonic, "ding-dong",
// as public address chimes go.
func render() []int16 {
	notes := []note{
		{freq: 659.25, start: 0, decay: 0.45},   // E5
		{freq: 523.25, start: 0.55, decay: 0.6}, // C5
	}
	const length = 1.9
	samples := make([]int16, int(length*rate))
	for i := range samples {
		t := float64(i) / rate
		var v float64
		for _, n := range notes {
			dt := t - n.start
			if dt < 0 {
				continue
			}
			attack := math.Min(dt/0.008, 1) // no click at the onset
			env := attack * math.Exp(-dt/n.decay)
			// A bell: the fundamental and a few softer, faster-decaying partials.
			v += env * (math.Sin(2*math.Pi*n.freq*dt) +
				0.35*math.Exp(-dt/0.25)*math.Sin(2*math.Pi*2*n.freq*dt) +
				0.15*math.Exp(-dt/0.15)*math.Sin(2*math.Pi*3*n.freq*dt))
		}
		fade := math.Min((length-t)/0.1, 1) // end at silence
		samples[i] = int16(math.Round(v * fade * 0.45 * math.MaxInt16))
	}
	return samples
}

// wav wraps samples in a RIFF WAVE header.
func wav(samples []int16) []byte {
	var b bytes.Buffer
	data := 2 * len(samples)
	le := binary.LittleEndian
	b.WriteString("RIFF")
	binary.Write(&b, le, uint32(36+data))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, le, uint32(16))   // fmt chunk size
	binary.Write(&b, le, uint16(1))    // PCM
	binary.Write(&b, le, uint16(1))    // mono
	binary.Write(&b, le, uint32(rate)) // sample rate
	binary.Write(&b, le, uint32(2*rate))
	binary.Write(&b, le, uint16(2))  // block align
	binary.Write(&b, le, uint16(16)) // bits a sample
	b.WriteString("data")
	binary.Write(&b, le, uint32(data))
	binary.Write(&b, le, samples)
	return b.Bytes()
}
