package printer

import (
	"bytes"
	"encoding/hex"
	"flag"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name.golden, a hex dump (hex.Dump) so that
// reviews can read it. With -update it rewrites the file instead.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	dump := hex.Dump(got)
	if *update {
		if err := os.WriteFile(path, []byte(dump), 0o644); err != nil {
			t.Fatalf("update %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update to create it): %v", err)
	}
	if dump != string(want) {
		t.Errorf("bytes of %s differ from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", name, path, dump, want)
	}
}

func must(b []byte, err error) func(*testing.T) []byte {
	return func(t *testing.T) []byte {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return b
	}
}

func plain(b []byte) func(*testing.T) []byte { return func(*testing.T) []byte { return b } }

// checker is a 10×3 test image: a checkerboard of black and mid-grey dots
// on white, with a transparent black corner.
func checker() image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 10, 3))
	for y := 0; y < 3; y++ {
		for x := 0; x < 10; x++ {
			c := color.NRGBA{255, 255, 255, 255}
			switch {
			case x == 9 && y == 2:
				c = color.NRGBA{0, 0, 0, 0} // transparent: never prints
			case (x+y)%2 == 0:
				c = color.NRGBA{0, 0, 0, 255}
			case x < 5:
				c = color.NRGBA{100, 100, 100, 255} // prints below threshold 128 only
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func TestCommandsGolden(t *testing.T) {
	issued := time.Date(2025, 3, 14, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	ticket := SampleTicket("http://hallq.local:8080/t/ABCDEFGHJKLMNPQR", issued)
	receipt := func(width int, mode QRMode) func(*testing.T) []byte {
		return func(t *testing.T) []byte {
			t.Helper()
			p, err := ProfileForWidth(width, mode)
			if err != nil {
				t.Fatal(err)
			}
			return must(Receipt(ticket, p))(t)
		}
	}
	tests := []struct {
		name string
		got  func(*testing.T) []byte
	}{
		{"init", plain(Init())},
		{"align-center", plain(SetAlign(AlignCenter))},
		{"align-right", plain(SetAlign(AlignRight))},
		{"emphasis-on", plain(SetEmphasis(true))},
		{"emphasis-off", plain(SetEmphasis(false))},
		{"size-1x1", must(SetSize(1, 1))},
		{"size-2x3", must(SetSize(2, 3))},
		{"size-8x8", must(SetSize(8, 8))},
		{"line-feed", plain(LineFeed())},
		{"feed-3-lines", must(Feed(3))},
		{"feed-24-dots", must(FeedDots(24))},
		{"chinese-on", plain(ChineseMode(true))},
		{"chinese-off", plain(ChineseMode(false))},
		{"status-query-4", plain(StatusQuery(4))},
		{"cut-partial-feed", must(Cut(CutPartialFeed, 4))},
		{"cut-full-feed", must(Cut(CutFullFeed, 4))},
		{"cut-partial", must(Cut(CutPartial, 4))},
		{"cut-full", must(Cut(CutFull, 5))},
		{"cut-none", must(Cut(CutNone, 6))},
		{"text-gb18030", must(Text("不动产登记 A023 ·€𠀀", CodePageGB18030))},
		{"text-gbk", must(Text("不动产登记 A023 ·€𠀀", CodePageGBK))},
		{"text-controls", must(Text("a\x1bd\x00b\nc\u0085", CodePageGB18030))},
		{"qr-native-m6", must(QRNative("http://h/t/abc", QROptions{Module: 6, Level: QRLevelM}))},
		{"qr-native-h3", must(QRNative("HALLQ", QROptions{Module: 3, Level: QRLevelH}))},
		{"raster-checker-128", must(Raster(checker(), 128))},
		{"raster-checker-64", must(Raster(checker(), 64))},
		{"qr-raster-m1", must(QRRaster("HI", QROptions{Module: 1, Level: QRLevelM}))},
		{"receipt-58-native", receipt(58, NativeQR)},
		{"receipt-80-native", receipt(80, NativeQR)},
		{"receipt-58-raster", receipt(58, RasterQR)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, tt.got(t))
		})
	}
}

func TestCommandErrors(t *testing.T) {
	long := strings.Repeat("x", maxQRData+1)
	tests := []struct {
		name string
		err  error
	}{
		{"size 0", second(SetSize(0, 1))},
		{"size 9", second(SetSize(1, 9))},
		{"feed -1", second(Feed(-1))},
		{"feed 256", second(Feed(256))},
		{"feed dots 256", second(FeedDots(256))},
		{"cut feed 256", second(Cut(CutPartial, 256))},
		{"unknown cut", second(Cut(CutMode(9), 1))},
		{"unknown code page", second(Text("x", CodePage(7)))},
		{"QR module 0", second(QRNative("x", QROptions{Module: 0}))},
		{"QR module 17", second(QRNative("x", QROptions{Module: 17}))},
		{"QR level", second(QRNative("x", QROptions{Module: 3, Level: 4}))},
		{"QR empty", second(QRNative("", QROptions{Module: 3}))},
		{"QR too long", second(QRNative(long, QROptions{Module: 3}))},
		{"raster QR too long", second(QRRaster(long, QROptions{Module: 3, Level: QRLevelH}))},
		{"raster empty image", second(Raster(image.NewGray(image.Rect(0, 0, 0, 5)), 128))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Errorf("got no error, want one")
			}
		})
	}
}

func second(_ []byte, err error) error { return err }

func TestQRNativeStoresDataVerbatim(t *testing.T) {
	for _, n := range []int{1, 252, 253, 300, 2000} {
		data := strings.Repeat("u", n)
		b, err := QRNative(data, QROptions{Module: 4, Level: QRLevelQ})
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		store := []byte{GS, '(', 'k', byte(n + 3), byte((n + 3) >> 8), '1', 'P', '0'}
		store = append(store, data...)
		if !bytes.Contains(b, store) {
			t.Errorf("%d bytes: store command (fn 180) with pL pH = %d %d and the data not found in\n%s", n, store[3], store[4], hex.Dump(b[:min(len(b), 64)]))
		}
	}
}

func TestRasterBands(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 17, 600))
	b, err := Raster(img, 128)
	if err != nil {
		t.Fatal(err)
	}
	// 600 rows: bands of 255, 255 and 90 rows of 3 bytes each.
	want := 3*8 + 3*600
	if len(b) != want {
		t.Errorf("got %d bytes, want %d", len(b), want)
	}
	if got := bytes.Count(b, []byte{GS, 'v', '0', 0, 3, 0}); got != 3 {
		t.Errorf("got %d GS v 0 headers, want 3", got)
	}
}

func TestTextWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"A023", 4},
		{"不动产", 6},
		{"前面还有 Ahead", 14},
		{"·", 2},
	}
	for _, tt := range tests {
		if got := TextWidth(tt.s); got != tt.want {
			t.Errorf("TextWidth(%q): got %d, want %d", tt.s, got, tt.want)
		}
	}
}
