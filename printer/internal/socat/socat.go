// Package socat gives tests a real pair of connected pseudo-terminals, made by
// socat, as a stand-in for a serial cable between a kiosk and a printer.
package socat

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Pair starts socat with two linked pseudo-terminals and returns their paths
// (links in t.TempDir()). Bytes written to one arrive at the other. socat is
// stopped when the test ends. The test is skipped if socat is not installed.
func Pair(t testing.TB) (a, b string) {
	t.Helper()
	bin, err := exec.LookPath("socat")
	if err != nil {
		t.Skip("socat is not on PATH; install it (deploy/setup.sh does) to run the pseudo-terminal tests")
	}
	dir := t.TempDir()
	a, b = filepath.Join(dir, "a"), filepath.Join(dir, "b")
	cmd := exec.Command(bin, "-d", "-d", "pty,raw,echo=0,link="+a, "pty,raw,echo=0,link="+b)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatalf("socat: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start socat: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// socat says "starting data transfer loop" once both ends exist.
	var (
		mu  sync.Mutex
		log []string
	)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			mu.Lock()
			log = append(log, sc.Text())
			mu.Unlock()
			if !signalled && strings.Contains(sc.Text(), "starting data transfer loop") {
				signalled = true
				ready <- true
			}
		}
		if !signalled {
			ready <- false
		}
	}()
	if !<-ready {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("socat exited before linking the terminals:\n%s", strings.Join(log, "\n"))
	}
	return a, b
}
