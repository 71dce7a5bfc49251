package store

import (
	"os"
	"syscall"
)

// fdatasync flushes f's data, and its metadata only if reading the data needs
// it: a journal write over blocks already written changes no metadata that
// matters, so the sync is one data flush.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
