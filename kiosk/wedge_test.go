package main

import (
	"encoding/json"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/hall/halltest"
)

// startKioskUnderX builds and runs the real server and the kiosk binary on
// an X server, printing on the virtual printer, and returns the display, the
// kiosk's process, the kiosk's API client and a directory for screenshots,
// once the home screen is ready and shown.
func startKioskUnderX(t *testing.T, args ...string) (display string, kiosk *proc, api *client.Client, dir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the server and the kiosk and runs them under Xvfb")
	}
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (deploy/setup.sh installs it)", tool)
		}
	}
	clearOfDayTurn(t)
	dir = t.TempDir()
	serverBin := goBuild(t, dir, "hallq-server", "hallq/server")
	kioskBin := goBuild(t, dir, "hallq-kiosk", "hallq/kiosk")
	tp := newTestPrinter(t)
	data := filepath.Join(dir, "server")
	srv := start(t, "server", nil, serverBin, "-data", data, "-addr", "127.0.0.1:0")
	srv.waitLine(t, listenRE, 1)
	var base string
	for _, l := range srv.output() {
		if m := listenRE.FindStringSubmatch(l); m != nil {
			base = "http://" + m[1]
		}
	}
	var creds struct {
		KioskToken string `json:"kiosk_token"`
	}
	raw, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &creds); err != nil {
		t.Fatal(err)
	}
	if api, err = client.New(base, creds.KioskToken, client.Options{Timeout: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	display = halltest.StartXvfb(t)
	kiosk = start(t, "kiosk", []string{"DISPLAY=" + display}, kioskBin,
		append([]string{"-server", base, "-token", creds.KioskToken, "-data", filepath.Join(dir, "kiosk"), "-printer", tp.pty.Path(),
			"-fullscreen=false", "-size", "1920x1080", "-request-timeout", "30s", "-log-level", "debug"}, args...)...)
	kiosk.waitLine(t, readyRE, 1)
	waitFor(t, "the kiosk's window", func() bool {
		cmd := exec.Command("xdotool", "search", "--name", "hallq")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		return cmd.Run() == nil
	})
	screenshot(t, display, dir, "wedge-home", tilesShown)
	return display, kiosk, api, dir
}

var (
	issuedRE  = regexp.MustCompile(`msg="ticket issued" .*number=(\S+) service=social`)
	refusedRE = regexp.MustCompile(`msg="document number refused" .*kind=passport why=".*resident ID number, not a passport`)
	idScreen  = regexp.MustCompile(`msg=screen .*screen=id`)
)

// TestDocumentReaderTypesIntoKiosk types document numbers into the real
// kiosk under an X server with xdotool, as an identity-card reader or a
// passport scanner that works as a keyboard (a keyboard wedge) does: a
// resident ID number and a passport number (after the down arrow chose the passport)
// each take a number of the real-name service; a resident ID number typed
// with the passport chosen is refused on screen and nothing is sent.
func TestDocumentReaderTypesIntoKiosk(t *testing.T) {
	display, kiosk, api, dir := startKioskUnderX(t)

	enter := func(downs int, number string) {
		t.Helper()
		n := kiosk.count(idScreen)
		xdo(t, display, "key", "2") // 社保医保, real-name
		kiosk.waitLine(t, idScreen, n+1)
		for range downs {
			xdo(t, display, "key", "Down")
		}
		xdo(t, display, "type", "--delay", "30", number)
		xdo(t, display, "key", "Return")
	}
	home := func() {
		t.Helper()
		kiosk.waitLine(t, printedRE, kiosk.count(issuedRE))
		n := kiosk.count(homeRE)
		xdo(t, display, "key", "Escape")
		kiosk.waitLine(t, homeRE, n+1)
	}
	enter(0, "11010519491231002X") // an identity-card reader
	kiosk.waitLine(t, issuedRE, 1)
	home()

	enter(1, "E12345678") // a passport scanner
	kiosk.waitLine(t, issuedRE, 2)
	screenshot(t, display, dir, "wedge-passport-ticket", func(img image.Image, _ string) bool {
		return hasColour(img, image.Rect(0, 150, 960, 600), colYellow) // the number
	})
	home()

	enter(1, "11010519491231002X") // the wrong kind chosen
	kiosk.waitLine(t, refusedRE, 1)
	screenshot(t, display, dir, "wedge-wrong-kind", func(img image.Image, _ string) bool {
		return hasColour(img, image.Rect(30, 700, 950, 900), colReasonOn) // the refusal
	})
	count := issuedInLog(t, api)
	if count["B001"] != 1 || count["B002"] != 1 || len(count) != 2 {
		t.Fatalf("tickets in the log: %v, want B001 and B002 once each", count)
	}
}

// hasColour reports whether a pixel of r in img has colour c.
func hasColour(img image.Image, r image.Rectangle, c interface{ RGBA() (r, g, b, a uint32) }) bool {
	cr, cg, cb, _ := c.RGBA()
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if pr>>8 == cr>>8 && pg>>8 == cg>>8 && pb>>8 == cb>>8 {
				return true
			}
		}
	}
	return false
}
