package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/keyfile"
)

// The tests in this package run the server binary as a process of its own,
// to kill it (SIGKILL) and start it again, or to back it up while it runs.

// buildServer builds the server binary for the test, or skips the test in
// -short mode.
func buildServer(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and kills server processes")
	}
	bin := filepath.Join(t.TempDir(), "hallq-server")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("build server: %v", err)
	}
	return bin
}

// child is a hallq server running as a separate process.
type child struct {
	cmd      *exec.Cmd
	base     string
	done     chan struct{}
	replayed int // events the server copied from its journal at start
}

var (
	listenRE = regexp.MustCompile(`hallq server listening.* addr=(\S+)`)
	replayRE = regexp.MustCompile(`journal replayed.* events=(\d+)`)
)

// startChild runs the server binary on a loopback port and waits until it listens.
func startChild(t testing.TB, bin, dataDir string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-data", dataDir, "-addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		replayed := 0
		for sc.Scan() {
			if m := replayRE.FindStringSubmatch(sc.Text()); m != nil {
				replayed, _ = strconv.Atoi(m[1])
			}
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				c.replayed = replayed // before the address is sent
				addr <- m[1]
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	go func() {
		cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() { c.kill() })
	select {
	case a := <-addr:
		c.base = "http://" + a
	case <-c.done:
		t.Fatal("server exited before listening")
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start listening")
	}
	return c
}

func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// killAfterFirstAck kills c with SIGKILL d after its first acknowledgement
// (however long a slow machine takes to get there), and returns what to call
// on each acknowledgement.
func (c *child) killAfterFirstAck(d time.Duration) (onAck func()) {
	first := make(chan struct{})
	var once sync.Once
	go func() {
		select {
		case <-first:
		case <-c.done:
			return
		}
		time.Sleep(d)
		c.kill()
	}()
	return func() { once.Do(func() { close(first) }) }
}

// writeLoadConfig writes a hall without daily caps, for load, and returns its
// path and kiosk token. Its service day turns twelve hours from now: the
// servers run on the machine's clock, and a turn during the test would drop
// the idempotency keys of the day before a retry.
func writeLoadConfig(t testing.TB) (path, token string) {
	t.Helper()
	token, sum := config.NewDeviceToken()
	hash, err := config.HashPassword("load-test-password")
	if err != nil {
		t.Fatal(err)
	}
	dayStart := time.Now().UTC().Add(12 * time.Hour).Format("15:04")
	toml := fmt.Sprintf(`
[hall]
id = "load"
name_zh = "压力测试大厅"
name_en = "Load test hall"
time_zone = "UTC"
day_start = %q
hours = []

[[services]]
id = "general"
name_zh = "综合"
name_en = "General"
prefix = "A"
digits = 5

[[services]]
id = "estate"
name_zh = "不动产"
name_en = "Real estate"
prefix = "C"
digits = 5

[[services]]
id = "permit"
name_zh = "证照"
name_en = "Permits"
prefix = "P"
digits = 5
[services.appointments]
prefix = "YP"
slot_length = "30m"
capacity = 400
hours = ["00:00-24:00"]
check_in_before = "60m"
days_ahead = 2
release_at = "00:00"

[[windows]]
id = "1"
name_zh = "1号窗口"
name_en = "Window 1"
primary = ["general", "estate", "permit"]

[[staff]]
username = "wang"
name = "王芳"
password_hash = %q
windows = ["1"]

[[devices]]
id = "kiosk-1"
kind = "kiosk"
name = "取号机"
token_sha256 = %q

[limits]
tickets_per_kiosk_per_minute = 10000
bookings_per_address_per_minute = 1000000

[keys]
identity = "identity.key"
`, dayStart, hash, sum)
	dir := t.TempDir()
	path = filepath.Join(dir, "hallq.toml")
	if err := keyfile.Write(filepath.Join(dir, "identity.key"), keyfile.New(32)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(path); err != nil {
		t.Fatal(err)
	}
	return path, token
}
