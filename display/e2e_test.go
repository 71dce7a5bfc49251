package main

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/config"
	"hallq/server/hall/halltest"
	"hallq/server/wire"
)

// The end-to-end test runs the real server and the real display binaries, the
// display under a real X server (Xvfb), and drives the hall through the API
// as a kiosk and a member of staff would. Set HALLQ_SHOTS to a directory to
// keep its screenshots.

// proc is a child process whose output the test reads.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *halltest.SyncBuffer
	done chan struct{}
}

func startProc(t *testing.T, name string, env []string, bin string, args ...string) *proc {
	t.Helper()
	return startProcFiles(t, name, env, nil, bin, args...)
}

// startProcFiles starts a process that inherits files as descriptors 3 and on.
func startProcFiles(t *testing.T, name string, env []string, files []*os.File, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), out: &halltest.SyncBuffer{}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.ExtraFiles = files
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, p.out.String())
		}
	})
	return p
}

// stop ends the process with SIGTERM, or SIGKILL if it does not exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Errorf("%s did not stop on SIGTERM", p.name)
		p.cmd.Process.Signal(syscall.SIGQUIT) // a Go program prints its goroutines
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	}
}

// waitLog waits until the output has a line matching re after the first
// from bytes, and returns the match and the offset after its line.
func (p *proc) waitLog(t *testing.T, from int, re *regexp.Regexp) ([]string, int) {
	t.Helper()
	deadline := time.After(90 * time.Second)
	for {
		out := p.out.String()
		if from <= len(out) {
			if loc := re.FindStringSubmatchIndex(out[from:]); loc != nil {
				m := make([]string, len(loc)/2)
				for i := range m {
					if loc[2*i] >= 0 {
						m[i] = out[from+loc[2*i] : from+loc[2*i+1]]
					}
				}
				end := from + loc[1]
				if nl := strings.IndexByte(out[end:], '\n'); nl >= 0 {
					end += nl + 1
				}
				return m, end
			}
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited while waiting for %q", p.name, re)
		case <-deadline:
			t.Fatalf("%s: timed out waiting for %q", p.name, re)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// mark returns the offset of the end of the output so far.
func (p *proc) mark() int { return len(p.out.String()) }

// clearOfDayTurn returns at once unless the service day of a hall in loc
// whose day starts at dayStart turns within the next ten minutes; then it
// waits until the day has turned. The test runs the real server on the
// machine's clock, and a day turn in its middle would void the numbers it
// checks (the demo hall's day turns at 04:00 in Shanghai, 20:00 UTC).
func clearOfDayTurn(t *testing.T, loc *time.Location, dayStart time.Duration) {
	t.Helper()
	now := time.Now().In(loc)
	turn := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).Add(dayStart)
	if !turn.After(now) {
		turn = turn.AddDate(0, 0, 1)
	}
	if wait := time.Until(turn); wait < 10*time.Minute {
		t.Logf("waiting %v for the hall's service day to turn, so that the test runs within one day", wait.Round(time.Second))
		time.Sleep(wait + time.Second)
	}
}

// buildBinaries builds the server and the display, once for all the tests of
// the run (binDir is removed by TestMain).
func buildBinaries(t *testing.T) (server, display string) {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	server, display = filepath.Join(binDir, "hallq-server"), filepath.Join(binDir, "hallq-display")
	if binBuilt {
		return server, display
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, b := range []struct{ out, pkg string }{{server, "hallq/server"}, {display, "hallq/display"}} {
		cmd := exec.Command(goBin, "build", "-o", b.out, b.pkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	binBuilt = true
	return server, display
}

// changed returns the share of pixels that differ between two images within
// the rectangle r given in fractions of their size.
func changed(a, b image.Image, x0, y0, x1, y1 float64) float64 {
	bounds := a.Bounds()
	w, h := float64(bounds.Dx()), float64(bounds.Dy())
	diff, all := 0, 0
	for y := int(y0 * h); y < int(y1*h); y++ {
		for x := int(x0 * w); x < int(x1*w); x++ {
			all++
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				diff++
			}
		}
	}
	return float64(diff) / float64(max(all, 1))
}

var listening = regexp.MustCompile(`hallq server listening.* addr=(\S+)`)

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test of the real binaries")
	}
	if _, err := exec.LookPath("import"); err != nil {
		t.Skip("imagemagick's import is not installed (deploy/setup.sh installs it): no screenshots")
	}
	demo, _, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	clearOfDayTurn(t, demo.Hall.Location, demo.Hall.DayStart)
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Skip("Xvfb is not installed (deploy/setup.sh installs it): no end-to-end test of the display")
	}
	hallX, windowX := halltest.StartXvfb(t), halltest.StartXvfb(t)
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

	// The demo hall, on a loopback port, reached through the relay.
	srv := startProc(t, "server", nil, serverBin, "-data", data, "-addr", "127.0.0.1:0")
	m, _ := srv.waitLog(t, 0, listening)
	front := halltest.NewRelay(t)
	front.To(m[1])
	base := "http://" + front.Addr()
	var creds struct {
		KioskToken   string `json:"kiosk_token"`
		DisplayToken string `json:"display_token"`
		Staff        []struct {
			Username, Password string
		} `json:"staff"`
	}
	raw, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &creds); err != nil {
		t.Fatal(err)
	}

	// The hall board, in the C locale, speaking into a file after a chime,
	// and the screen above window 1. Xvfb draws in software: notices shown
	// one at a time spare the processor a repaint at every step of a scroll.
	spoken := filepath.Join(work, "spoken.txt")
	hallData, windowData := filepath.Join(work, "hall-display"), filepath.Join(work, "window-display")
	hallArgs := []string{"-server", base, "-token", creds.DisplayToken, "-mode", "hall", "-data", hallData,
		"-speak-cmd", "cat >> " + spoken, "-chime-cmd", "cat > /dev/null; echo CHIME >> " + spoken, "-scroll-fps", "0"}
	hallEnv := []string{"DISPLAY=" + hallX, "LANG=C", "LC_ALL=C"}
	hall := startProc(t, "hall display", hallEnv, displayBin, hallArgs...)
	win := startProc(t, "window display", []string{"DISPLAY=" + windowX}, displayBin,
		"-server", base, "-token", creds.DisplayToken, "-mode", "window", "-window", "1", "-data", windowData, "-speak-cmd", "")
	_, hallAt := hall.waitLog(t, 0, regexp.MustCompile(`msg=showing .*link=live`))
	_, winAt := win.waitLog(t, 0, regexp.MustCompile(`msg=showing .*link=live`))
	hallBefore := waitShot(t, hallX, filepath.Join(shots, "hall-before.png"), "the live board", func(img image.Image) bool {
		// The queues (yellow counts) and no stale banner.
		return drawn(img) && has(img, colNumber, 0.1, 0.64, 1, 0.86) && !has(img, colWarn, 0, 0.09, 1, 0.17)
	})
	// Window 1's card shows the demo hall's placeholder portrait, fetched
	// from the server, right of the name.
	winBefore := waitShot(t, windowX, filepath.Join(shots, "window-before.png"), "the window screen with the card's photo", func(img image.Image) bool {
		return drawn(img) && has(img, demoPortraitFigure, 0.85, 0.2, 0.98, 0.5)
	})

	// A kiosk issues a number and window 1 calls it.
	ctx := context.Background()
	kiosk, err := client.New(base, creds.KioskToken, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	staff, err := client.New(base, "", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: "e2e-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := staff.Login(ctx, creds.Staff[0].Username, creds.Staff[0].Password, "1"); err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"open", "call-next"} {
		if _, err := staff.Act(ctx, "1", action, wire.ActRequest{}); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}

	// The call is announced: chime, Chinese, English.
	announced := func(number string) string {
		return "CHIME\n请 " + number + " 号到 1 号窗口办理\nNumber " + number + ", please go to window 1\n"
	}
	want := announced(tk.Number)
	waitFile(t, spoken, want)

	// Both screens show it.
	_, hallAt = hall.waitLog(t, hallAt, regexp.MustCompile(`msg=showing .*newest=`+tk.Number+`@1 `))
	_, winAt = win.waitLog(t, winAt, regexp.MustCompile(`msg=showing .*serving=`+tk.Number+` `))
	waitShot(t, hallX, filepath.Join(shots, "hall-called.png"), "the call on the board", func(img image.Image) bool {
		return differs(hallBefore, 0.02, 0.12, 0.58, 0.6)(img) && has(img, colNumber, 0.02, 0.12, 0.58, 0.6)
	})
	waitShot(t, windowX, filepath.Join(shots, "window-called.png"), "the call on the window screen", differs(winBefore, 0.02, 0.2, 0.58, 0.85))

	// The display restarted while the server is down shows the last calls,
	// marked stale.
	hall.stop(t)
	front.To("")
	srv.stop(t)
	hall = startProc(t, "hall display (restarted)", hallEnv, displayBin, hallArgs...)
	hall.waitLog(t, 0, regexp.MustCompile(`msg=showing .*link=down stale=true newest=`+tk.Number+`@1 `))
	waitShot(t, hallX, filepath.Join(shots, "hall-offline.png"), "the last call marked stale", func(img image.Image) bool {
		return has(img, colWarn, 0, 0.09, 1, 0.17) && has(img, colNumber, 0.02, 0.15, 0.58, 0.6)
	})

	// The server returns; the hall goes on; the display catches up.
	srv = startProc(t, "server (restarted)", nil, serverBin, "-data", data, "-addr", "127.0.0.1:0")
	m, _ = srv.waitLog(t, 0, listening)
	front.To(m[1])
	tk2, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: "e2e-2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := staff.Login(ctx, creds.Staff[0].Username, creds.Staff[0].Password, "1"); err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"complete", "call-next", "recall"} {
		if _, err := staff.Act(ctx, "1", action, wire.ActRequest{}); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	hall.waitLog(t, 0, regexp.MustCompile(`msg=showing .*link=live stale=false newest=`+tk2.Number+`@1 `))
	waitFile(t, spoken, want+announced(tk2.Number)+announced(tk2.Number)) // the call, then the recall
	waitShot(t, hallX, filepath.Join(shots, "hall-caught-up.png"), "the board caught up", func(img image.Image) bool {
		return !has(img, colWarn, 0, 0.09, 1, 0.17) && has(img, colNumber, 0.02, 0.12, 0.58, 0.6)
	})
	win.waitLog(t, winAt, regexp.MustCompile(`msg=showing .*serving=`+tk2.Number+` `))
	waitShot(t, windowX, filepath.Join(shots, "window-caught-up.png"), "the window screen caught up", drawn)

	// The replica is the server's log, chained, with nothing missing.
	health, err := kiosk.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hall.stop(t)
	rep, sv, moved, err := openReplica(hallData)
	if err != nil || moved != "" {
		t.Fatalf("the display's replica does not verify: %v (moved to %q)", err, moved)
	}
	defer rep.Close()
	if seq, hash := sv.seq, sv.hash; seq != health.Seq || hash != health.Hash {
		t.Fatalf("replica head %d %s, server head %d %s", seq, hash, health.Seq, health.Hash)
	}
	t.Logf("screenshots in %s", shots)
}

// waitFile waits until the file holds exactly want.
func waitFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.After(90 * time.Second)
	for {
		got, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if string(got) == want {
			return
		}
		if len(got) > len(want) || !strings.HasPrefix(want, string(got)) {
			t.Fatalf("%s holds\n%s\nwant\n%s", path, got, want)
		}
		select {
		case <-deadline:
			t.Fatalf("%s holds\n%s\nstill waiting for\n%s", path, got, want)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitShot takes screenshots until one shows what cond looks for.
func waitShot(t *testing.T, xdisplay, path, what string, cond func(image.Image) bool) image.Image {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		img := halltest.Screenshot(t, xdisplay, path) // nil while a frame is written
		if img != nil && cond(img) {
			return img
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the screen does not show %s", path, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// drawn reports whether the display has drawn: the screen shows its
// background colour and the header's.
func drawn(img image.Image) bool {
	return has(img, colBackground, 0, 0, 1, 1) && has(img, colHeader, 0, 0, 1, 0.15)
}

// differs returns a condition true when the region (fractions of the screen)
// differs from before in at least 1% of its pixels.
func differs(before image.Image, x0, y0, x1, y1 float64) func(image.Image) bool {
	return func(img image.Image) bool { return changed(before, img, x0, y0, x1, y1) >= 0.01 }
}

// demoPortraitFigure is the colour of the figure in the demo hall's placeholder
// portraits.
var demoPortraitFigure = color.NRGBA{0x8a, 0x9b, 0xb0, 0xff}

// has reports whether the region (fractions of the screen) has pixels of
// colour c: at least a thousandth of them.
func has(img image.Image, c color.NRGBA, x0, y0, x1, y1 float64) bool {
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	n, all := 0, 0
	for y := int(y0 * h); y < int(y1*h); y++ {
		for x := int(x0 * w); x < int(x1*w); x++ {
			all++
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				n++
			}
		}
	}
	return n*1000 >= all && n > 0
}
