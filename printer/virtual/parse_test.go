package virtual

import (
	"bytes"
	"image"
	"reflect"
	"strings"
	"testing"
	"time"

	"hallq/printer"
)

func sampleJob(t *testing.T, width int, mode printer.QRMode) []byte {
	t.Helper()
	p, err := printer.ProfileForWidth(width, mode)
	if err != nil {
		t.Fatal(err)
	}
	b, err := printer.Receipt(printer.SampleTicket("http://hallq.local/t/PARSE", time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)), p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pages(events []Event) []*Page {
	var out []*Page
	for _, e := range events {
		if e.Kind == EventJob {
			out = append(out, e.Page)
		}
	}
	return out
}

func TestParserIsIndifferentToChunking(t *testing.T) {
	for _, mode := range []printer.QRMode{printer.NativeQR, printer.RasterQR} {
		job := sampleJob(t, 58, mode)
		whole := pages(NewParser(384).Feed(job))
		if len(whole) != 1 {
			t.Fatalf("%s: got %d jobs, want 1", mode, len(whole))
		}
		for _, chunk := range []int{1, 2, 3, 7, 64, 1000} {
			ps := NewParser(384)
			var got []*Page
			for i := 0; i < len(job); i += chunk {
				got = append(got, pages(ps.Feed(job[i:min(i+chunk, len(job))]))...)
			}
			if !reflect.DeepEqual(got, whole) {
				t.Errorf("%s fed in chunks of %d: page differs from the page fed whole", mode, chunk)
			}
		}
		if !bytes.Equal(whole[0].Raw, job) {
			t.Errorf("%s: page Raw is not the job's bytes", mode)
		}
	}
}

func TestParserReadsReceiptText(t *testing.T) {
	pg := pages(NewParser(576).Feed(sampleJob(t, 80, printer.NativeQR)))[0]
	want := []string{
		"示例市政务服务中心",
		strings.Repeat("-", 48),
		"不动产登记",
		"Real Estate Registration",
		"您的号码 Your number",
		"A023",
		"前面还有 Ahead" + strings.Repeat(" ", 48-14-4) + "7 人",
	}
	got := pg.Text()
	if len(got) < len(want) {
		t.Fatalf("got %d lines, want at least %d: %q", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("line %d: got %q, want %q", i, got[i], w)
		}
	}
	if len(pg.Bitmaps) != 1 || pg.Bitmaps[0].QR != "http://hallq.local/t/PARSE" {
		t.Errorf("got bitmaps %+v, want one native QR code of the URL", pg.Bitmaps)
	}
	if !pg.Cut || pg.Unknown != 0 {
		t.Errorf("got Cut %v, Unknown %d; want a cut job with no unknown bytes", pg.Cut, pg.Unknown)
	}
	// The number is printed 8 times as large, centred.
	for _, c := range pg.Cells {
		if c.Rune == 'A' && c.W == 8 && c.H == 8 {
			if c.X != (576-4*12*8)/2 {
				t.Errorf("number starts at x %d, want it centred at %d", c.X, (576-4*12*8)/2)
			}
			return
		}
	}
	t.Errorf("no 8×8 'A' on the page")
}

func TestParserRasterMatchesImage(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 20, 300))
	for i := range src.Pix {
		src.Pix[i] = 0xff
	}
	for y := 0; y < 300; y++ {
		src.Pix[y*src.Stride+(y*7)%20] = 0 // a diagonal pattern
	}
	cmd, err := printer.Raster(src, 128)
	if err != nil {
		t.Fatal(err)
	}
	job := append(append([]byte{printer.ESC, 'a', 2}, cmd...), printer.GS, 'V', 0)
	pg := pages(NewParser(384).Feed(job))[0]
	if len(pg.Bitmaps) != 2 { // two bands: 255 and 45 rows
		t.Fatalf("got %d bitmaps, want 2", len(pg.Bitmaps))
	}
	for _, b := range pg.Bitmaps {
		if b.At.X != 384-24 {
			t.Errorf("band at x %d, want right-aligned at %d", b.At.X, 384-24)
		}
		for y := 0; y < b.Image.Rect.Dy(); y++ {
			for x := 0; x < 20; x++ {
				sy := b.At.Y + y
				if got, want := b.Image.GrayAt(x, y).Y, src.GrayAt(x, sy).Y; got != want {
					t.Fatalf("dot (%d, %d): got %d, want %d", x, sy, got, want)
				}
			}
		}
	}
}

func TestParserEventsAndJobEnds(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		status []byte
		jobs   int
		cut    bool
	}{
		{"GS V 0", "a\n\x1dV\x00", nil, 1, true},
		{"GS V 1", "a\n\x1dV\x01", nil, 1, true},
		{"GS V 66 n", "a\n\x1dVB\x10", nil, 1, true},
		{"GS V 65 n", "a\n\x1dVA\x00", nil, 1, true},
		{"ESC i", "a\n\x1bi", nil, 1, true},
		{"ESC m", "a\n\x1bm", nil, 1, true},
		{"two jobs", "a\x1dV\x01b\x1dV\x01", nil, 2, true},
		{"status between", "\x10\x04\x01a\x10\x04\x04\n\x1dV\x01", []byte{1, 4}, 1, true},
		{"no cut", "a\n", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := NewParser(384)
			evs := ps.Feed([]byte(tt.in))
			var status []byte
			jobs := 0
			for _, e := range evs {
				if e.Kind == EventStatus {
					status = append(status, e.N)
				} else {
					jobs++
				}
			}
			if !bytes.Equal(status, tt.status) || jobs != tt.jobs {
				t.Errorf("got status queries %v and %d jobs, want %v and %d", status, jobs, tt.status, tt.jobs)
			}
			if tt.jobs == 0 {
				pg := ps.Flush()
				if pg == nil || pg.Cut || strings.Join(pg.Text(), "") != "a" {
					t.Errorf("Flush: got %+v, want an uncut page reading a", pg)
				}
			}
		})
	}
}
