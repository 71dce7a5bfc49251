package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"hallq/printer"
	"hallq/printer/internal/qrscan"
	"hallq/printer/internal/socat"
	"hallq/printer/virtual"
)

var update = flag.Bool("update", false, "rewrite the figures in printer/README.md")

const guard = 30 * time.Second

func runTool(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func findFont(t *testing.T) *virtual.Font {
	t.Helper()
	f, err := virtual.FindFont()
	if err != nil {
		t.Skipf("no CJK font (install fonts-noto-cjk): %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestOutWritesAReceiptWhoseQRCarriesTheURL(t *testing.T) {
	font := findFont(t)
	for _, width := range []int{58, 80} {
		for _, mode := range []string{"native", "raster"} {
			t.Run(fmt.Sprintf("%dmm-%s", width, mode), func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "receipt.bin")
				url := fmt.Sprintf("http://hallq.local:8080/t/out%d%s", width, mode)
				code, stdout, stderr := runTool(t, "-out", out, "-width", fmt.Sprint(width), "-qr", mode, "-url", url)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				if !strings.Contains(stdout, "status URL: "+url) {
					t.Errorf("output does not name the status URL:\n%s", stdout)
				}
				job, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				store := append([]byte{printer.GS, '(', 'k', byte(len(url) + 3), 0, '1', 'P', '0'}, url...)
				if mode == "native" {
					if !bytes.Contains(job, store) {
						t.Errorf("no QR store command carrying %q", url)
					}
					if len(job) > 1024 {
						t.Errorf("native receipt of %d bytes, want at most 1024", len(job))
					}
					return
				}
				if bytes.Contains(job, []byte{printer.GS, '(', 'k'}) {
					t.Errorf("raster receipt holds a native QR command")
				}
				dots := map[int]int{58: 384, 80: 576}[width]
				_, imgs, err := virtual.RenderJob(job, dots, font)
				if err != nil || len(imgs) != 1 {
					t.Fatalf("render: %d images, %v", len(imgs), err)
				}
				got, err := qrscan.Decode(imgs[0])
				if err != nil || got != url {
					t.Errorf("QR code: got %q, %v; want %q", got, err, url)
				}
			})
		}
	}
}

func TestPortDeliversTheReceiptAndReportsStatus(t *testing.T) {
	tests := []struct {
		name     string
		cond     virtual.Conditions
		wantCode int
		stdout   string
		stderr   string
	}{
		{"ready", virtual.Conditions{}, 0, "status:     online, ready", ""},
		{"paper near end", virtual.Conditions{PaperNearEnd: true}, 0, "nearly empty", ""},
		{"paper out", virtual.Conditions{PaperOut: true}, 1, "paper end", "load a paper roll"},
		{"cover open", virtual.Conditions{CoverOpen: true}, 1, "cover open", "close the printer's paper cover"},
		// Sent all the same: the installer sees whether paper comes out.
		{"no reply", virtual.Conditions{NoReply: true}, 1, "sent to", "no reply to status query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := socat.Pair(t)
			end, err := os.OpenFile(b, os.O_RDWR|syscall.O_NOCTTY, 0)
			if err != nil {
				t.Fatal(err)
			}
			jobs := make(chan virtual.Job, 2)
			vp, err := virtual.New(virtual.Options{Dots: 384, Font: findFont(t), Conditions: tt.cond, OnJob: func(j virtual.Job) { jobs <- j }})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- vp.Serve(ctx, end) }()
			defer func() { cancel(); <-done }()

			url := "http://hallq.local:8080/t/PORT" + strings.ReplaceAll(tt.name, " ", "")
			// A printer that answers gets as long as a slow machine needs:
			// a reply later than the timeout would read as no reply (and the
			// receipt would be sent). Only the silent one waits it out.
			timeout := guard.String()
			if tt.cond.NoReply {
				timeout = "500ms"
			}
			code, stdout, stderr := runTool(t, "-port", a, "-baud", "9600", "-width", "58", "-url", url, "-status-timeout", timeout)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("want %q in stdout and %q in stderr\nstdout:\n%s\nstderr:\n%s", tt.stdout, tt.stderr, stdout, stderr)
			}
			if tt.wantCode != 0 && tt.name != "no reply" {
				if strings.Contains(stdout, "sent to") {
					t.Errorf("receipt sent to a printer that is not ready:\n%s", stdout)
				}
				return
			}
			var j virtual.Job
			select {
			case j = <-jobs:
			case <-time.After(guard):
				t.Fatalf("no receipt reached the other end within %v", guard)
			}
			if got, err := qrscan.Decode(j.Image); err != nil || got != url {
				t.Errorf("QR code: got %q, %v; want %q", got, err, url)
			}
		})
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no target", nil, "exactly one of"},
		{"two targets", []string{"-out", "x", "-tcp", "h"}, "exactly one of"},
		{"bad width", []string{"-out", "x", "-width", "76"}, "58 or 80"},
		{"bad mode", []string{"-out", "x", "-qr", "laser"}, "raster"},
		{"bad profile", []string{"-out", "x", "-profile", "tm-x"}, "unknown profile"},
		{"status of a file", []string{"-out", "x", "-status-only"}, "needs a printer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runTool(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

func TestNoPrinterIsALinkError(t *testing.T) {
	code, _, stderr := runTool(t, "-port", filepath.Join(t.TempDir(), "ttyUSB0"))
	if code != 1 || !strings.Contains(stderr, "connection failed") || !strings.Contains(stderr, "dialout") {
		t.Errorf("exit %d, stderr %q; want exit 1, a connection error and advice", code, stderr)
	}
}

// TestReadmeFigures keeps the figures in printer/README.md equal to what
// Figures computes; go test -update rewrites them.
func TestReadmeFigures(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	section := regexp.MustCompile(`(?s)(<!-- figures -->\n).*?(<!-- /figures -->)`)
	if !section.Match(readme) {
		t.Fatalf("%s has no <!-- figures --> section", path)
	}
	want := section.ReplaceAll(readme, []byte("${1}"+strings.ReplaceAll(Figures(), "$", "$$")+"${2}"))
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(readme, want) {
		t.Errorf("figures in %s are stale; run go test ./printer/cmd/printtest -update. Now:\n%s", path, Figures())
	}
	// The native receipts fit the 1024-byte budget.
	for _, line := range strings.Split(Figures(), "\n") {
		if strings.Contains(line, "| native |") {
			var n int
			fmt.Sscanf(strings.Split(line, "|")[3], "%d", &n)
			if n == 0 || n > 1024 {
				t.Errorf("native receipt: %q, want at most 1024 bytes", line)
			}
		}
	}
}
