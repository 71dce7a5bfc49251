package virtual

import (
	"context"
	"image"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"hallq/printer"
)

func cjkFont(t *testing.T) *Font {
	t.Helper()
	f, err := FindFont()
	if err != nil {
		t.Skipf("no CJK font (install fonts-noto-cjk): %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// ink counts the dark pixels of img inside r.
func ink(img *image.Gray, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.GrayAt(x, y).Y < 128 {
				n++
			}
		}
	}
	return n
}

func TestRenderDrawsEachCharacterInItsCell(t *testing.T) {
	f := cjkFont(t)
	job := []byte("\x1b@\x1c&\x1ba\x01")
	for _, s := range []string{"不动产", "A023"} {
		b, _ := printer.Text(s, printer.CodePageGB18030)
		job = append(append(job, b...), '\n')
	}
	job = append(job, "\x1dV\x01"...)
	pg := pages(NewParser(384).Feed(job))[0]
	img, err := NewRenderer(f).Render(pg)
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Cells) != 7 {
		t.Fatalf("got %d cells, want 7", len(pg.Cells))
	}
	for _, c := range pg.Cells {
		box := c.Box()
		if n := ink(img, box); n < box.Dx()*box.Dy()/20 {
			t.Errorf("%q at %v: %d dark dots, want a drawn glyph", c.Rune, box, n)
		}
	}
	// Between the two lines and beside them the paper stays white.
	right := image.Rect(pg.Cells[2].Box().Max.X+2, 0, 384, pg.Height)
	if n := ink(img, right); n != 0 {
		t.Errorf("%d dark dots right of the text, want none", n)
	}
}

func TestRenderEmphasisIsDarker(t *testing.T) {
	f := cjkFont(t)
	r := NewRenderer(f)
	count := func(job string) int {
		pg := pages(NewParser(384).Feed([]byte(job)))[0]
		img, err := r.Render(pg)
		if err != nil {
			t.Fatal(err)
		}
		return ink(img, img.Rect)
	}
	plain, bold := count("HALLQ\n\x1dV\x01"), count("\x1bE\x01HALLQ\n\x1dV\x01")
	if bold <= plain {
		t.Errorf("emphasised text has %d dark dots, plain %d: want more", bold, plain)
	}
}

func TestServeAnswersStatusFromConditions(t *testing.T) {
	tests := []struct {
		name string
		c    Conditions
		want printer.Status
	}{
		{"ready", Conditions{}, printer.Status{}},
		{"paper out", Conditions{PaperOut: true}, printer.Status{PaperEnd: true, PaperNearEnd: true, Offline: true}},
		{"cover open", Conditions{CoverOpen: true}, printer.Status{CoverOpen: true, Offline: true}},
		{"near end", Conditions{PaperNearEnd: true}, printer.Status{PaperNearEnd: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(Options{Dots: 384, Conditions: tt.c})
			if err != nil {
				t.Fatal(err)
			}
			kiosk, printerEnd := pipe()
			done := make(chan error, 1)
			go func() { done <- p.Serve(context.Background(), printerEnd) }()
			kiosk.Write([]byte("\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"))
			var raw [4]byte
			if _, err := io.ReadFull(kiosk, raw[:]); err != nil {
				t.Fatal(err)
			}
			kiosk.Close()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
			got, err := printer.DecodeStatus(raw)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Raw = raw
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// duplex joins the read end of one pipe to the write end of another.
type duplex struct {
	io.Reader
	io.WriteCloser
}

// pipe returns the two ends of an in-memory connection.
func pipe() (a, b *duplex) {
	r1, w1 := io.Pipe()
	r2, w2 := io.Pipe()
	return &duplex{r1, w2}, &duplex{r2, w1}
}

func TestPTYSurvivesWriterReopening(t *testing.T) {
	out := t.TempDir()
	// A job left from an earlier run: numbering continues after it.
	if err := os.WriteFile(filepath.Join(out, "job-0007.png"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	jobs := make(chan Job, 4)
	p, err := New(Options{Dots: 384, OutDir: out, OnJob: func(j Job) { jobs <- j }})
	if err != nil {
		t.Fatal(err)
	}
	pty, err := OpenPTY("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx, pty) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	for i := 8; i <= 9; i++ {
		w, err := os.OpenFile(pty.Path(), os.O_RDWR|syscall.O_NOCTTY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("run\n\x1dV\x01")); err != nil {
			t.Fatal(err)
		}
		var j Job
		select {
		case j = <-jobs:
		case <-time.After(30 * time.Second):
			t.Fatal("no job within 30 s")
		}
		w.Close()
		if j.Seq != i {
			t.Errorf("got job %d, want %d", j.Seq, i)
		}
		if _, err := os.Stat(filepath.Join(out, "job-000"+string(rune('0'+i))+".bin")); err != nil {
			t.Errorf("job file: %v", err)
		}
	}
}
