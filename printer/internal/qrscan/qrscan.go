// Package qrscan reads QR codes from images in tests, with an independent
// decoder (gozxing, a port of ZXing), so that what hallq prints is checked by
// something other than the code that drew it.
package qrscan

import (
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Decode returns the text of the QR code in img, which may hold other things
// around it, such as the rest of a receipt.
func Decode(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", fmt.Errorf("qrscan: %w", err)
	}
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", fmt.Errorf("qrscan: %w", err)
	}
	return res.GetText(), nil
}
