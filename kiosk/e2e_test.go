package main

import (
	"bufio"
	"context"
	"encoding/json"
	"image"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/config"
	"hallq/server/hall/halltest"
	"hallq/server/wire"
)

// proc is a program the end-to-end test runs, with its output kept.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}

	mu    sync.Mutex
	lines []string
}

// start runs a program, keeping its standard error line by line, and kills
// it at the end of the test.
func start(t *testing.T, name string, env []string, bin string, args ...string) *proc {
	t.Helper()
	return startFiles(t, name, env, nil, bin, args...)
}

// startFiles runs a program that inherits files as descriptors 3 and on.
func startFiles(t *testing.T, name string, env []string, files []*os.File, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.ExtraFiles = files
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = nil
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(syscall.SIGKILL)
		if t.Failed() {
			t.Logf("%s output:\n%s", name, strings.Join(p.output(), "\n"))
		}
	})
	return p
}

func (p *proc) output() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// count returns how many output lines match re.
func (p *proc) count(re *regexp.Regexp) int {
	n := 0
	for _, l := range p.output() {
		if re.MatchString(l) {
			n++
		}
	}
	return n
}

// stop signals the program and waits for it to end.
func (p *proc) stop(sig syscall.Signal) {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// waitLine waits until the program printed n lines matching re.
func (p *proc) waitLine(t *testing.T, re *regexp.Regexp, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for p.count(re) < n {
		select {
		case <-p.done:
			t.Fatalf("%s exited waiting for %q", p.name, re)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: timed out waiting for %d lines matching %q", p.name, n, re)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// goBuild builds a package of the module into dir.
func goBuild(t *testing.T, dir, name, pkg string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// clearOfDayTurn returns at once unless the demo hall's service day turns
// within the next ten minutes; then it waits until the day has turned. The
// test runs the real server on the machine's clock, and a day turn in its
// middle would void the leased numbers it checks (the demo hall's day turns
// at 04:00 in Shanghai, 20:00 UTC).
func clearOfDayTurn(t *testing.T) {
	t.Helper()
	demo, _, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	loc := demo.Hall.Location
	now := time.Now().In(loc)
	turn := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).Add(demo.Hall.DayStart)
	if !turn.After(now) {
		turn = turn.AddDate(0, 0, 1)
	}
	if wait := time.Until(turn); wait < 10*time.Minute {
		t.Logf("waiting %v for the hall's service day to turn, so that the test runs within one day", wait.Round(time.Second))
		time.Sleep(wait + time.Second)
	}
}

// xdo runs xdotool on the display.
func xdo(t *testing.T, display string, args ...string) string {
	t.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %v: %v: %s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// screenshot saves the screen of display as a PNG once want holds of it (the
// X server shows a frame some time after the kiosk drew it), and returns the
// text of its QR code ("" without one). With $HALLQ_KIOSK_SHOTS set, the shot
// is kept there too, for people to look at.
func screenshot(t *testing.T, display, dir, name string, want func(img image.Image, qr string) bool) string {
	t.Helper()
	path := filepath.Join(dir, name+".png")
	var qr string
	waitFor(t, "the screen "+name, func() bool {
		img := halltest.Screenshot(t, display, path)
		if img == nil {
			return false // still being written
		}
		qr, _ = decodeQR(img)
		return want(img, qr)
	})
	if keep := os.Getenv("HALLQ_KIOSK_SHOTS"); keep != "" {
		copyFile(t, path, filepath.Join(keep, "x-"+name+".png"))
	}
	return qr
}

// tilesShown reports whether the home screen shows available services: the
// blue of a service button where the first one is, and no QR code.
func tilesShown(img image.Image, qr string) bool {
	r, g, b, _ := img.At(200, 500).RGBA()
	return qr == "" && r>>8 == uint32(colBlue.R) && g>>8 == uint32(colBlue.G) && b>>8 == uint32(colBlue.B)
}

var (
	listenRE  = regexp.MustCompile(`hallq server listening.* addr=(\S+)`)
	homeRE    = regexp.MustCompile(`msg=screen .*screen=home`)
	readyRE   = regexp.MustCompile(`msg="home screen ready"`)
	syncedRE  = regexp.MustCompile(`msg="offline ticket synced"`)
	printedRE = regexp.MustCompile(`msg="receipt printed"`)
)

// TestKioskUnderX runs the real server, the kiosk binary on an X server and
// the virtual printer on a pseudo-terminal, presses keys as an applicant
// would, and reads the receipts off the serial line: pressing 1 issues a
// ticket whose receipt's QR code is its status URL; then, with the server
// stopped, three tickets are issued from the kiosk's lease, and after the
// server restarts each is in the public log exactly once under its leased
// number.
func TestKioskUnderX(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server and the kiosk and runs them under Xvfb")
	}
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (deploy/setup.sh installs it)", tool)
		}
	}
	clearOfDayTurn(t)
	dir := t.TempDir()
	serverBin := goBuild(t, dir, "hallq-server", "hallq/server")
	kioskBin := goBuild(t, dir, "hallq-kiosk", "hallq/kiosk")
	tp := newTestPrinter(t)
	data := filepath.Join(dir, "server")
	front := halltest.NewRelay(t)
	startServer := func() *proc {
		s := start(t, "server", nil, serverBin, "-data", data, "-addr", "127.0.0.1:0")
		s.waitLine(t, listenRE, 1)
		for _, l := range s.output() {
			if m := listenRE.FindStringSubmatch(l); m != nil {
				front.To(m[1])
			}
		}
		return s
	}
	srv := startServer()
	base := "http://" + front.Addr()
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
	api, err := client.New(base, creds.KioskToken, client.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	display := halltest.StartXvfb(t)
	kiosk := start(t, "kiosk", []string{"DISPLAY=" + display}, kioskBin,
		"-server", base, "-token", creds.KioskToken, "-printer", tp.pty.Path(), "-baud", "9600",
		// A loaded test machine may answer slowly: the online ticket must not
		// fall back to a leased number (a cut link fails at once anyway).
		"-data", filepath.Join(dir, "kiosk"), "-ticket-timeout", "2m", "-request-timeout", "30s", "-log-level", "debug")
	kiosk.waitLine(t, readyRE, 1)
	waitFor(t, "the kiosk's window", func() bool {
		cmd := exec.Command("xdotool", "search", "--name", "hallq")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		return cmd.Run() == nil
	})
	var lease wire.Lease
	waitFor(t, "the kiosk's lease", func() bool {
		leases, err := api.Leases(ctx)
		if err != nil {
			return false
		}
		for _, l := range leases {
			if l.Service == "general" && len(l.Numbers) == 10 {
				lease = l
				return true
			}
		}
		return false
	})
	screenshot(t, display, dir, "home", tilesShown)

	// Pressing 1 takes a number of the first service; its receipt comes out
	// of the serial line with the ticket's status URL in its QR code.
	homes := kiosk.count(homeRE)
	xdo(t, display, "key", "1")
	job := tp.job(t)
	url, err := decodeQR(job.Image)
	if err != nil {
		t.Fatalf("receipt: %v", err)
	}
	tk, err := api.Ticket(ctx, url[strings.LastIndex(url, "/")+1:])
	if err != nil {
		t.Fatalf("the receipt's status URL %s: %v", url, err)
	}
	if !strings.HasPrefix(url, base+"/t/") || tk.Number != "A011" || tk.Service != "general" {
		t.Fatalf("receipt QR %s: ticket %+v, want A011 of general", url, tk)
	}
	kiosk.waitLine(t, printedRE, 1)
	// The ticket screen shows the same QR code.
	screenshot(t, display, dir, "ticket", func(_ image.Image, qr string) bool { return qr == url })
	if n := issuedInLog(t, api)["A011"]; n != 1 {
		t.Fatalf("A011 in the public log %d times", n)
	}
	xdo(t, display, "key", "Escape")
	kiosk.waitLine(t, homeRE, homes+1)

	// The server stops; three tickets are taken from the lease, printed with
	// the leased numbers' status URLs.
	front.To("")
	srv.stop(syscall.SIGTERM)
	for i, n := range lease.Numbers[:3] {
		homes := kiosk.count(homeRE)
		xdo(t, display, "key", "1")
		job := tp.job(t)
		url, err := decodeQR(job.Image)
		if err != nil || url != n.StatusURL {
			t.Fatalf("offline receipt %d: QR %q, %v; want %s of %s", i+1, url, err, n.StatusURL, n.Number)
		}
		if !strings.Contains(strings.Join(job.Page.Text(), "\n"), "Offline") {
			t.Fatalf("offline receipt %d does not say it was issued offline: %q", i+1, job.Page.Text())
		}
		// The ticket stays on screen until the kiosk has the printer's word
		// that the receipt is out; an Escape pressed before that is kept.
		kiosk.waitLine(t, printedRE, i+2)
		if i == 2 {
			screenshot(t, display, dir, "offline-ticket", func(_ image.Image, qr string) bool { return qr == n.StatusURL })
		}
		xdo(t, display, "key", "Escape")
		kiosk.waitLine(t, homeRE, homes+1)
	}
	screenshot(t, display, dir, "offline-home", func(img image.Image, qr string) bool {
		r, g, b, _ := img.At(45, 200).RGBA() // the amber offline banner
		return qr == "" && r>>8 == uint32(colAmber.R) && g>>8 == uint32(colAmber.G) && b>>8 == uint32(colAmber.B)
	})

	// The server comes back: the kiosk syncs, and each offline ticket is in
	// the log once, under its leased number and lease.
	startServer()
	kiosk.waitLine(t, syncedRE, 3)
	count, leaseOf := map[string]int{}, map[string]string{}
	for _, ev := range logTickets(t, api) {
		count[ev.Number]++
		leaseOf[ev.Number] = ev.Lease
	}
	for _, n := range lease.Numbers[:3] {
		if count[n.Number] != 1 || leaseOf[n.Number] != lease.ID {
			t.Fatalf("%s: %d times in the log with lease %q, want once with %s (%v)", n.Number, count[n.Number], leaseOf[n.Number], lease.ID, count)
		}
		tk, err := api.Ticket(ctx, n.Token)
		if err != nil || tk.Number != n.Number || tk.Status != "waiting" {
			t.Fatalf("status page of %s: %+v, %v", n.Number, tk, err)
		}
	}
	if len(count) != 4 {
		t.Fatalf("tickets in the log: %v, want A011 and the three leased numbers", count)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// loggedTicket is a ticket.issued event's data.
type loggedTicket struct {
	Number string `json:"number"`
	Lease  string `json:"lease"`
}

// logTickets returns the tickets issued in the public log, in order.
func logTickets(t *testing.T, api *client.Client) []loggedTicket {
	t.Helper()
	page, err := api.Events(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []loggedTicket
	for _, raw := range page.Events {
		var ev struct {
			Type string       `json:"type"`
			Data loggedTicket `json:"data"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type == "ticket.issued" {
			out = append(out, ev.Data)
		}
	}
	return out
}

func issuedInLog(t *testing.T, api *client.Client) map[string]int {
	t.Helper()
	count := map[string]int{}
	for _, tk := range logTickets(t, api) {
		count[tk.Number]++
	}
	return count
}
