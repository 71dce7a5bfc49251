package main

import (
	"encoding/json"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"hallq/server/hall/halltest"
)

// TestAboutScreenEndToEnd: the real display under Xvfb, following the real
// demo server, opens its about screen on F1 from a keyboard, on a click on
// its status line and on SIGUSR1, and closes it on Escape and on a click.
func TestAboutScreenEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test of the real binaries")
	}
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (deploy/setup.sh installs it)", tool)
		}
	}
	x := halltest.StartXvfb(t)
	serverBin, displayBin := buildBinaries(t)
	work := t.TempDir()
	shots := os.Getenv("HALLQ_SHOTS")
	if shots == "" {
		shots = filepath.Join(work, "shots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(work, "server")
	srv := startProc(t, "server", nil, serverBin, "-data", data, "-addr", "127.0.0.1:0")
	m, _ := srv.waitLog(t, 0, listening)
	base := "http://" + m[1]
	var creds struct {
		DisplayToken string `json:"display_token"`
	}
	raw, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &creds); err != nil {
		t.Fatal(err)
	}

	d := startProc(t, "hall display", []string{"DISPLAY=" + x}, displayBin, "-server", base, "-token", creds.DisplayToken,
		"-mode", "hall", "-data", filepath.Join(work, "display"), "-speak-cmd", "", "-scroll-fps", "0")
	_, at := d.waitLog(t, 0, regexp.MustCompile(`msg=showing .*link=live`))
	waitShot(t, x, filepath.Join(shots, "about-e2e-board.png"), "the live board", func(img image.Image) bool {
		return drawn(img) && !has(img, colAboutBg, 0.1, 0.3, 0.9, 0.8)
	})
	xdo := func(args ...string) {
		t.Helper()
		cmd := exec.Command("xdotool", args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+x)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v: %s", args, err, out)
		}
	}
	shown := func(img image.Image) bool { return has(img, colAboutBg, 0.1, 0.3, 0.9, 0.8) }
	gone := func(img image.Image) bool { return drawn(img) && !shown(img) }

	// F1 on a keyboard: the pointer rests on the window, which has the focus.
	xdo("mousemove", "960", "540")
	xdo("key", "F1")
	_, at = d.waitLog(t, at, regexp.MustCompile(`msg="about screen shown" .*by="key F1"`))
	waitShot(t, x, filepath.Join(shots, "about-e2e-f1.png"), "the about screen", shown)
	xdo("key", "Escape")
	_, at = d.waitLog(t, at, regexp.MustCompile(`msg="about screen closed" .*by="key Escape"`))
	waitShot(t, x, filepath.Join(shots, "about-e2e-closed.png"), "the board again", gone)

	// A click (or a tap) on the status line opens it; a click anywhere closes it.
	xdo("mousemove", "300", "1070", "click", "1")
	_, at = d.waitLog(t, at, regexp.MustCompile(`msg="about screen shown" .*by="tap on the status line"`))
	waitShot(t, x, filepath.Join(shots, "about-e2e-tap.png"), "the about screen", shown)
	xdo("mousemove", "960", "540", "click", "1")
	_, at = d.waitLog(t, at, regexp.MustCompile(`msg="about screen closed" .*by=tap`))
	waitShot(t, x, filepath.Join(shots, "about-e2e-closed2.png"), "the board again", gone)

	// SIGUSR1, for a technician logged in from afar.
	if err := d.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	d.waitLog(t, at, regexp.MustCompile(`msg="about screen shown" .*by=SIGUSR1`))
	waitShot(t, x, filepath.Join(shots, "about-e2e-signal.png"), "the about screen", shown)
	if strings.Contains(d.out.String(), "panic") {
		t.Error("the display panicked")
	}
}
