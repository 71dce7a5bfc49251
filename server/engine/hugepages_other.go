//go:build !linux

package engine

// preferHugePages asks for huge pages on Linux only (see hugepages_linux.go).
func preferHugePages(int) {}
