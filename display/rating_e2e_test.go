package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/config"
	"hallq/server/eventlog"
	"hallq/server/hall/halltest"
	"hallq/server/keyfile"
	"hallq/server/wire"
)

// The example configuration's public credentials (deploy/hallq.example.toml).
const (
	examplePassword    = "example-password-change-me"
	exampleKioskToken  = "example-kiosk-token-change-me"
	exampleHallToken   = "example-display-token-change-me"
	windowScreenToken  = "window-one-screen-token-e2e-0001"
	exampleStaffWindow = "1"
)

// exampleHallWithRatingScreen writes the example hall's configuration into
// dir with its hours open all day and a screen above window 1 that offers
// the rating buttons, and returns its path.
func exampleHallWithRatingScreen(t *testing.T, dir string) string {
	t.Helper()
	raw, err := os.ReadFile("../deploy/hallq.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(raw)
	for old, repl := range map[string]string{
		`hours = ["08:30-12:00", "13:30-17:30"]`:    `hours = []`,
		`identity = "/etc/hallq/keys/identity.key"`: `identity = "identity.key"`,
	} {
		if !strings.Contains(cfg, old) {
			t.Fatalf("deploy/hallq.example.toml no longer holds %s", old)
		}
		cfg = strings.Replace(cfg, old, repl, 1)
	}
	sum := sha256.Sum256([]byte(windowScreenToken))
	cfg += "\n[[devices]]\nid = \"screen-1\"\nkind = \"display\"\nname = \"1号窗口屏 Window 1 screen\"\n" +
		"token_sha256 = \"" + hex.EncodeToString(sum[:]) + "\"\nwindow = \"1\"\nratings = true\n"
	path := filepath.Join(dir, "hallq.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := keyfile.Write(filepath.Join(dir, "identity.key"), keyfile.New(32)); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRatingOnTheWindowScreenEndToEnd: the real server and the real display
// under Xvfb. Once window 1 completes a service, its screen shows the rating
// buttons; a click on one rates the service once, from the window (the
// public log's rating.submitted has via "window"); a second click rates
// nothing. The hall board's token, shown as window 1's screen, offers no
// buttons and cannot rate.
func TestRatingOnTheWindowScreenEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test of the real binaries")
	}
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (deploy/setup.sh installs it)", tool)
		}
	}
	work := t.TempDir()
	cfgPath := exampleHallWithRatingScreen(t, work)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	clearOfDayTurn(t, cfg.Hall.Location, cfg.Hall.DayStart)
	x, hallX := halltest.StartXvfb(t), halltest.StartXvfb(t)
	serverBin, displayBin := buildBinaries(t)
	shots := os.Getenv("HALLQ_SHOTS")
	if shots == "" {
		shots = filepath.Join(work, "shots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	srv := startProc(t, "server", nil, serverBin, "-config", cfgPath, "-data", filepath.Join(work, "server"), "-addr", "127.0.0.1:0")
	m, _ := srv.waitLog(t, 0, listening)
	base := "http://" + m[1]
	screen := startProc(t, "window screen", []string{"DISPLAY=" + x}, displayBin, "-server", base, "-token", windowScreenToken,
		"-mode", "window", "-data", filepath.Join(work, "screen"), "-speak-cmd", "")
	// The hall board's token on a screen that shows window 1.
	board := startProc(t, "board as a window screen", []string{"DISPLAY=" + hallX}, displayBin, "-server", base, "-token", exampleHallToken,
		"-mode", "window", "-window", "1", "-data", filepath.Join(work, "board"), "-speak-cmd", "")
	_, at := screen.waitLog(t, 0, regexp.MustCompile(`msg="the screen offers the rating buttons after each service" .*for=5m0s`))
	_, at = screen.waitLog(t, at, regexp.MustCompile(`msg=showing .*link=live`))
	_, boardAt := board.waitLog(t, 0, regexp.MustCompile(`msg=showing .*link=live`))

	// A kiosk issues a number; window 1 calls it and completes it.
	ctx := context.Background()
	kiosk, err := client.New(base, exampleKioskToken, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	staff, err := client.New(base, "", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: "rate-e2e-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := staff.Login(ctx, "wang", examplePassword, exampleStaffWindow); err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"open", "call-next", "complete"} {
		if _, err := staff.Act(ctx, "1", action, wire.ActRequest{}); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	health, err := kiosk.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	offered := waitShot(t, x, filepath.Join(shots, "rating-e2e-offered.png"), "the rating buttons", func(img image.Image) bool {
		return has(img, levelColours[0], 0.03, 0.25, 0.58, 0.45) && has(img, levelColours[4], 0.03, 0.75, 0.58, 0.96)
	})

	// The hall board's token shows window 1 without buttons, and may not rate.
	board.waitLog(t, boardAt, regexp.MustCompile(`msg=showing .* seq=`+strconv.FormatUint(health.Seq, 10)+` hash=`))
	waitShot(t, hallX, filepath.Join(shots, "rating-e2e-board-token.png"), "window 1 without buttons", func(img image.Image) bool {
		return drawn(img) && !hasAnyLevel(img)
	})
	boardClient, err := client.New(base, exampleHallToken, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := boardClient.RateAtWindow(ctx, "1", "very_dissatisfied"); client.ErrorCode(err) != wire.EFORBIDDEN {
		t.Fatalf("the hall board's token rated window 1: %v", err)
	}

	// A click on 满意, then at once another on 非常不满意.
	xdo := func(args ...string) {
		t.Helper()
		cmd := exec.Command("xdotool", args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+x)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v: %s", args, err, out)
		}
	}
	click := func(c color.NRGBA) {
		t.Helper()
		px, py, ok := centreOf(offered, c)
		if !ok {
			t.Fatalf("no button of colour %v on the screen", c)
		}
		xdo("mousemove", strconv.Itoa(px), strconv.Itoa(py), "click", "1")
	}
	click(levelColours[1])
	click(levelColours[4])
	_, at = screen.waitLog(t, at, regexp.MustCompile(`msg="rating submitted" .*number=`+tk.Number+` level=satisfied`))
	// The thanks stay a few seconds only: the shot waits for no more than the
	// buttons gone, so that a slow machine cannot miss it.
	waitShot(t, x, filepath.Join(shots, "rating-e2e-answered.png"), "the buttons gone", func(img image.Image) bool {
		return drawn(img) && !hasAnyLevel(img)
	})
	click(levelColours[4])

	// The public log holds one rating of the ticket, from the window.
	var ratings []eventlog.Record
	deadline := time.Now().Add(time.Minute)
	for len(ratings) == 0 && time.Now().Before(deadline) {
		page, err := kiosk.Events(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range page.Events {
			rec, err := eventlog.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Type == "rating.submitted" {
				ratings = append(ratings, rec)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(ratings) != 1 {
		t.Fatalf("the public log holds %d ratings, want 1", len(ratings))
	}
	var got struct{ Number, Window, Level, Via string }
	if err := json.Unmarshal(ratings[0].Data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Number != tk.Number || got.Window != "1" || got.Level != "satisfied" || got.Via != "window" {
		t.Errorf("rating.submitted %s, want %s at window 1, satisfied, via window", ratings[0].Data, tk.Number)
	}
	// The screen goes back to the window's screen; the other clicks sent nothing.
	waitShot(t, x, filepath.Join(shots, "rating-e2e-after.png"), "the window screen again", func(img image.Image) bool {
		return drawn(img) && !hasAnyLevel(img) && !has(img, colText, 0.05, 0.3, 0.55, 0.5)
	})
	// The card's QR code leads to the hall's complaint form, at the hall's
	// public address.
	form := base + "/complaint"
	if cfg.Info.PublicURL != "" {
		form = cfg.Info.PublicURL + "/complaint"
	}
	if _, err := exec.LookPath("zbarimg"); err == nil {
		raw, err := exec.Command("zbarimg", "--nodbus", "-q", "--raw", filepath.Join(shots, "rating-e2e-after.png")).Output()
		if got := strings.TrimSpace(string(raw)); err != nil || got != form {
			t.Errorf("the card's QR code reads %q (%v), want %s", got, err, form)
		}
	}
	out := screen.out.String()
	if n := strings.Count(out, `msg="rating tapped"`); n != 1 || strings.Contains(out, "rating refused") || strings.Contains(out, "rating not sent") {
		t.Errorf("%d ratings were sent, want 1:\n%s", n, out)
	}
	if s := out + board.out.String(); strings.Contains(s, "panic") {
		t.Error("a display panicked")
	}
}

// hasAnyLevel reports whether a rating button shows on the left of a
// window's screen.
func hasAnyLevel(img image.Image) bool {
	for _, c := range levelColours {
		if has(img, c, 0.03, 0.2, 0.58, 0.96) {
			return true
		}
	}
	return false
}

// centreOf returns the centre of the pixels of colour c.
func centreOf(img image.Image, c color.NRGBA) (x, y int, ok bool) {
	b := img.Bounds()
	var sx, sy, n int
	for py := b.Min.Y; py < b.Max.Y; py++ {
		for px := b.Min.X; px < b.Max.X; px++ {
			r, g, bl, _ := img.At(px, py).RGBA()
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				sx, sy, n = sx+px, sy+py, n+1
			}
		}
	}
	if n == 0 {
		return 0, 0, false
	}
	return sx / n, sy / n, true
}
