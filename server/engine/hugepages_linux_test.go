package engine

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"unsafe"
)

// anonHugeKiB returns the process's anonymous memory in huge pages.
func anonHugeKiB(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Skipf("no smaps_rollup: %v", err)
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("AnonHugePages:")); ok {
			n, err := strconv.Atoi(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))))
			if err != nil {
				t.Fatalf("AnonHugePages: %q", v)
			}
			return n
		}
	}
	t.Skip("no AnonHugePages in smaps_rollup")
	return 0
}

var hugeSlab []tickety

// tickety is shaped like a day's ticket: strings and times.
type tickety struct {
	ID, Number, Service, Status string
	Times                       [6][3]int64
}

// TestPreferHugePages checks that a day's tickets decoded after
// preferHugePages lie in huge pages when the kernel gives them to memory
// that asks (transparent huge pages "madvise" or "always"). It runs in a
// process of its own, as a server starts: in this one, the heap that other
// tests touched and freed is filled first (which costs no page faults).
func TestPreferHugePages(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || bytes.Contains(mode, []byte("[never]")) {
		t.Skipf("transparent huge pages off here (%q, %v)", mode, err)
	}
	if os.Getenv("HALLQ_HUGEPAGES_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestPreferHugePages$", "-test.v")
		cmd.Env = append(os.Environ(), "HALLQ_HUGEPAGES_CHILD=1")
		out, err := cmd.CombinedOutput()
		t.Logf("in a process of its own:\n%s", out)
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	const n = 500000 // some 100 MiB of tickets
	kib := n * int(unsafe.Sizeof(tickety{})) / 1024
	before := anonHugeKiB(t)
	preferHugePages(2 * kib * 1024)
	hugeSlab = make([]tickety, n)
	for i := range hugeSlab {
		hugeSlab[i].ID = "x"
		hugeSlab[i].Times[5][2] = int64(i)
	}
	got := anonHugeKiB(t) - before
	if got < kib/4 {
		t.Fatalf("%d KiB of the %d KiB of tickets in huge pages, want at least a quarter", got, kib)
	}
	t.Logf("%d KiB of the %d KiB of tickets in huge pages", got, kib)
	hugeSlab = nil
}
