package printer

import (
	"errors"
	"fmt"
	"image"
	"image/color"

	qrcode "github.com/skip2/go-qrcode"
)

// MaxRasterBand is the most rows one GS v 0 command carries. Taller images are
// sent as several commands back to back, which prints them without a gap and
// stays within the input buffers of small printers.
const MaxRasterBand = 255

// Raster returns GS v 0 commands that print img as a bit image: a pixel whose
// luminance is below threshold prints as a black dot, and a transparent pixel
// never prints. Rows are padded with white to a whole byte. The image is placed
// according to the current alignment (ESC a).
func Raster(img image.Image, threshold uint8) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, errors.New("escpos: raster of an empty image")
	}
	rowBytes := (w + 7) / 8
	if rowBytes > 0xffff {
		return nil, fmt.Errorf("escpos: raster %d dots wide: too wide", w)
	}
	bands := (h + MaxRasterBand - 1) / MaxRasterBand
	out := make([]byte, 0, bands*8+rowBytes*h)
	for top := 0; top < h; top += MaxRasterBand {
		rows := min(MaxRasterBand, h-top)
		out = append(out, GS, 'v', '0', 0, byte(rowBytes), byte(rowBytes>>8), byte(rows), byte(rows>>8))
		for y := top; y < top+rows; y++ {
			for xb := 0; xb < rowBytes; xb++ {
				var v byte
				for bit := 0; bit < 8; bit++ {
					x := xb*8 + bit
					if x < w && dark(img.At(b.Min.X+x, b.Min.Y+y), threshold) {
						v |= 0x80 >> bit
					}
				}
				out = append(out, v)
			}
		}
	}
	return out, nil
}

// dark reports whether c prints as a dot: opaque enough and darker than threshold.
func dark(c color.Color, threshold uint8) bool {
	_, _, _, a := c.RGBA()
	if a < 0x8000 {
		return false
	}
	g := color.GrayModel.Convert(c).(color.Gray)
	return g.Y < threshold
}

// QRImage draws data as a QR code, model 2, with each module a square of
// o.Module pixels and no quiet zone: the white paper around a centred symbol
// is its quiet zone.
func QRImage(data string, o QROptions) (*image.Gray, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if data == "" {
		return nil, errors.New("escpos: QR code of empty data")
	}
	q, err := qrcode.New(data, o.Level.recovery())
	if err != nil {
		return nil, fmt.Errorf("escpos: QR code of %d bytes: %w", len(data), err)
	}
	q.DisableBorder = true
	bits := q.Bitmap()
	n := len(bits) * o.Module
	img := image.NewGray(image.Rect(0, 0, n, n))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for my, row := range bits {
		for mx, black := range row {
			if !black {
				continue
			}
			for y := my * o.Module; y < (my+1)*o.Module; y++ {
				off := y*img.Stride + mx*o.Module
				for x := 0; x < o.Module; x++ {
					img.Pix[off+x] = 0
				}
			}
		}
	}
	return img, nil
}

// QRRaster returns GS v 0 commands that print data as a QR code drawn by
// QRImage, for printers without the native QR command.
func QRRaster(data string, o QROptions) ([]byte, error) {
	img, err := QRImage(data, o)
	if err != nil {
		return nil, err
	}
	return Raster(img, 128)
}

func (l QRLevel) recovery() qrcode.RecoveryLevel {
	switch l {
	case QRLevelL:
		return qrcode.Low
	case QRLevelQ:
		return qrcode.High
	case QRLevelH:
		return qrcode.Highest
	}
	return qrcode.Medium
}
