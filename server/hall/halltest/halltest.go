// Package halltest holds what hallq's tests share: Start, a hall wired as the
// server wires it and served over loopback; the test clock; an X server for
// the Fyne apps and its screenshots; a relay that keeps the address of a
// server process while it restarts, and a port that does the same for a
// server run in the test; a buffer for a process's output.
package halltest

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StartXvfb starts an X server on a free display and returns it (":3"); it is
// stopped with SIGTERM, so that it removes its socket and lock file, when the
// test ends. Xvfb picks the display itself (-displayfd), claiming it with its
// lock file, so that X servers started at the same time by other tests or
// packages never share one.
func StartXvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out SyncBuffer
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1920x1080x24", "-nolisten", "tcp")
	cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = &out, &out, []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb (deploy/setup.sh installs it): %v", err)
	}
	w.Close()
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("Xvfb output:\n%s", out.String())
		}
	})
	number := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n') // written once Xvfb accepts connections
		number <- strings.TrimSpace(line)
	}()
	select {
	case n := <-number:
		if n == "" {
			t.Fatalf("Xvfb exited without a display:\n%s", out.String())
		}
		return ":" + n
	case <-time.After(60 * time.Second):
		t.Fatalf("Xvfb did not start:\n%s", out.String())
	}
	return ""
}

// Relay is the server's address as apps and a test's clients know it: a
// loopback port the test holds for the whole test, forwarding to wherever the
// server listens now. The server restarts on a port of its own, so that no
// other process can take the address while it is down; meanwhile the relay
// drops every connection, as a stopped server's machine refuses them.
type Relay struct {
	ln net.Listener

	mu     sync.Mutex
	target string // the server's address; "" while it is down
	conns  map[net.Conn]struct{}
}

// NewRelay listens on a loopback port until the test ends.
func NewRelay(t *testing.T) *Relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Relay{ln: ln, conns: map[net.Conn]struct{}{}}
	go r.serve()
	t.Cleanup(func() {
		ln.Close()
		r.To("")
	})
	return r
}

// Addr is the relay's address.
func (r *Relay) Addr() string { return r.ln.Addr().String() }

// To points the relay at the server's address, or at nothing ("") with every
// relayed connection cut.
func (r *Relay) To(target string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.target = target
	if target == "" {
		for c := range r.conns {
			c.Close()
		}
		clear(r.conns)
	}
}

func (r *Relay) serve() {
	for {
		in, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		target := r.target
		r.mu.Unlock()
		var out net.Conn
		if target != "" {
			out, err = net.Dial("tcp", target)
		}
		if out == nil || err != nil {
			in.Close()
			continue
		}
		r.mu.Lock()
		if r.target != target {
			r.mu.Unlock()
			in.Close()
			out.Close()
			continue
		}
		r.conns[in], r.conns[out] = struct{}{}, struct{}{}
		r.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			io.Copy(dst, src)
			dst.Close()
			src.Close()
			r.mu.Lock()
			delete(r.conns, dst)
			delete(r.conns, src)
			r.mu.Unlock()
		}
		go pipe(out, in)
		go pipe(in, out)
	}
}
