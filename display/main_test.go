package main

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// The end-to-end tests share one build of the server and the display.
var (
	binMu    sync.Mutex
	binDir   string
	binBuilt bool
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hallq-display-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
