package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// writeArchives writes raws split at cuts into files of a new folder, named
// so that their names do not sort in the order of their events, and the
// rest after the last cut as a tail file beside it.
func writeArchives(t *testing.T, raws [][]byte, cuts []int, skip int) (dir, tail string) {
	t.Helper()
	root := t.TempDir()
	dir = filepath.Join(root, "archive")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	from := 0
	for i, to := range append(cuts, len(raws)) {
		var b bytes.Buffer
		for _, r := range raws[from:to] {
			b.Write(r)
			b.WriteByte('\n')
		}
		path := filepath.Join(dir, string(rune('z'-i))+".jsonl")
		if i == len(cuts) {
			path = filepath.Join(root, "tail.jsonl")
			tail = path
		}
		if i != skip {
			if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		from = to
	}
	return dir, tail
}

// TestFolderOfArchives: hallq-verify reads a folder of archives in the
// order of their events, then the live tail, and checks the chain across
// the files; a missing archive breaks it.
func TestFolderOfArchives(t *testing.T) {
	raws := hallDay(t).Raws
	cuts := []int{1000, 2500, 4000}
	dir, tail := writeArchives(t, raws, cuts, -1)
	code, out, errOut := verify(t, "-json", dir, tail)
	if code != exitOK {
		t.Fatalf("folder and tail: exit %d\n%s\n%s", code, out, errOut)
	}
	var rep struct {
		Events int `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Events != len(raws) {
		t.Fatalf("folder and tail: %d events checked (%v), want %d", rep.Events, err, len(raws))
	}
	if code, out, errOut := verify(t, dir); code != exitOK {
		t.Fatalf("folder alone: exit %d\n%s\n%s", code, out, errOut)
	}
	dir, tail = writeArchives(t, raws, cuts, 1)
	if code, _, _ := verify(t, dir, tail); code == exitOK {
		t.Fatal("a folder missing an archive verified")
	}
	if code, _, _ := verify(t, tail, tail); code != exitCannot {
		t.Fatalf("two files, the first no folder: exit %d, want %d", code, exitCannot)
	}
}
