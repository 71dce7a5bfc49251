package main

import (
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"hallq/server/hall/halltest"
)

// startKioskOnHall builds the kiosk and runs it on an X server against the
// test hall h, printing on the virtual printer, and returns the display,
// the kiosk's process (logging at debug level), the printer, its data directory and a
// directory for screenshots, once its window is up and its home screen
// ready.
func startKioskOnHall(t *testing.T, h *testHall) (display string, kiosk *proc, tp *testPrinter, data, dir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the kiosk and runs it under Xvfb")
	}
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (deploy/setup.sh installs it)", tool)
		}
	}
	dir = t.TempDir()
	kioskBin := goBuild(t, dir, "hallq-kiosk", "hallq/kiosk")
	tp = newTestPrinter(t)
	display = halltest.StartXvfb(t)
	data = filepath.Join(dir, "kiosk")
	kiosk = start(t, "kiosk", []string{"DISPLAY=" + display}, kioskBin,
		"-server", h.URL, "-token", h.secrets.KioskToken, "-data", data, "-printer", tp.pty.Path(),
		"-fullscreen=false", "-size", "1920x1080", "-request-timeout", "30s", "-log-level", "debug",
		// A loaded test machine may take longer than an applicant between
		// two steps: no screen may time out under the test.
		"-ticket-timeout", "10m", "-idle-timeout", "10m")
	kiosk.waitLine(t, readyRE, 1)
	waitFor(t, "the kiosk's window", func() bool {
		cmd := exec.Command("xdotool", "search", "--name", "hallq")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		return cmd.Run() == nil
	})
	return display, kiosk, tp, data, dir
}

var (
	generalIssuedRE = regexp.MustCompile(`msg="ticket issued" .*number=(\S+) service=general`)
	phoneScreenRE   = regexp.MustCompile(`msg=screen .*screen=phone`)
	phoneLeftRE     = regexp.MustCompile(`msg="phone number left for text messages" .*number=A011`)
	phoneKeptRE     = regexp.MustCompile(`msg="phone step answered" .*kept=true`)
)

// TestPhoneStepUnderX runs the real kiosk binary on an X server against a
// hall that sends text messages to a local webhook receiver: key 1 takes a
// number, a click on the ticket screen's offer opens the phone step,
// xdotool types a mobile number and Return sends it; the receiver gets the
// "close" message for that number. The kiosk's log lines (at debug level)
// and its files hold no trace of the phone number.
func TestPhoneStepUnderX(t *testing.T) {
	gw := startSMSGateway(t)
	h, _ := notifyHall(t, gw)
	display, kiosk, _, data, dir := startKioskOnHall(t, h)
	screenshot(t, display, dir, "phone-home", tilesShown)

	xdo(t, display, "key", "1")
	kiosk.waitLine(t, generalIssuedRE, 1)
	kiosk.waitLine(t, printedRE, 1)
	// The offer is the teal button of the ticket screen's bottom row.
	var at image.Point
	screenshot(t, display, dir, "phone-offer", func(img image.Image, _ string) bool {
		var ok bool
		at, ok = findColour(img, image.Rect(700, 850, 1700, 1080), colPhone)
		return ok
	})
	xdo(t, display, "mousemove", strconv.Itoa(at.X), strconv.Itoa(at.Y), "click", "1")
	kiosk.waitLine(t, phoneScreenRE, 1)
	xdo(t, display, "type", "--delay", "30", "13800138000")
	screenshot(t, display, dir, "phone-typed", func(img image.Image, _ string) bool {
		return hasColour(img, image.Rect(1000, 900, 1920, 1080), colGreen) // Confirm turns green at 11 digits
	})
	xdo(t, display, "key", "Return")
	kiosk.waitLine(t, phoneLeftRE, 1)
	waitFor(t, "the close message", func() bool { return len(gw.got("A011")) == 1 })
	if got := gw.got("A011"); got[0] != "close 13800138000" {
		t.Fatalf("gateway got %v, want the close message to 13800138000", got)
	}
	// The screen shows Done once the answer reached it (Return is ignored
	// while the number is being sent).
	kiosk.waitLine(t, phoneKeptRE, 1)
	n := kiosk.count(homeRE)
	xdo(t, display, "key", "Return") // Done
	kiosk.waitLine(t, homeRE, n+1)
	noPhoneIn(t, "13800138000", strings.Join(kiosk.output(), "\n"), data)
}
