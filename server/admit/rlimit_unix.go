//go:build unix

package admit

import "syscall"

// openFileLimit is the process's soft limit of open files (Go raises it to
// the hard limit at start), 0 when unknown.
func openFileLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<30 {
		return 0
	}
	return int(rl.Cur)
}
