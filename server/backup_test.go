package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hallq/server/hall/halltest"
	"hallq/server/store"
)

// TestBackupAndRestore takes a backup with `hallq-server backup` from a
// server issuing tickets under load, restores it into a new data directory,
// starts a server on it and finds the chain valid and every ticket
// acknowledged before the backup began. Then it kills the server and backs
// up its files without a server (the journal replayed first): restored, that
// copy holds every acknowledged ticket. The hall has past days, archived
// when the first ticket sealed the last of them: the backups copy their
// archives, and the restored stores verify them.
func TestBackupAndRestore(t *testing.T) {
	bin := buildServer(t)
	dataDir := t.TempDir()
	cfgPath, token := writeLoadConfig(t)
	past := seedPastDays(t, dataDir, cfgPath, token, 2, 50)
	c := startChild(t, bin, dataDir, "-config", cfgPath)

	var mu sync.Mutex
	var acks []acked
	enough := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	wg.Go(func() {
		got, _ := issueUntilDead(c, token, 0, func() { once.Do(func() { close(enough) }) })
		mu.Lock()
		acks = got
		mu.Unlock()
	})
	<-enough
	// The first ticket sealed the last past day: the past days go to
	// their archives, which the backup must copy.
	waitArchives(t, dataDir, 2)
	// What was acknowledged before the backup began: read the log's head now.
	before := halltest.FetchLog(t, c.base)
	backupDir := filepath.Join(t.TempDir(), "backup")
	var out, errOut bytes.Buffer
	if err := runBackup([]string{"-data", dataDir, backupDir}, &out, &errOut); err != nil {
		t.Fatalf("backup while the server runs: %v (%s)", err, errOut.String())
	}
	t.Log(out.String())
	c.kill()
	wg.Wait()

	// Restore: the copy as hallq.db of an empty data directory, its
	// archive directory beside it.
	restoreDir := t.TempDir()
	restore(t, backupDir, restoreDir)
	if n := len(archivesIn(t, restoreDir)); n < 2 {
		t.Fatalf("the restored store lists %d archives, want the 2 past days", n)
	}
	r := startChild(t, bin, restoreDir, "-config", cfgPath, "-verify-log")
	after := halltest.FetchLog(t, r.base)
	if len(after) < len(before) {
		t.Fatalf("the restored log has %d events, fewer than the %d published before the backup", len(after), len(before))
	}
	for i, raw := range before {
		if !bytes.Equal(after[i], raw) {
			t.Fatalf("restored event %d is %s, want %s", i+1, after[i], raw)
		}
	}
	checkLog(t, r.base, nil)
	r.kill()

	// Offline: the killed server's files, journal and all.
	offline := filepath.Join(t.TempDir(), "offline")
	out.Reset()
	if err := runBackup([]string{"-data", dataDir, offline}, &out, &errOut); err != nil {
		t.Fatalf("backup of a stopped server's files: %v (%s)", err, errOut.String())
	}
	restoreDir = t.TempDir()
	restore(t, offline, restoreDir)
	r = startChild(t, bin, restoreDir, "-config", cfgPath, "-verify-log")
	all := past
	for _, a := range acks {
		all[a.key] = a
	}
	if len(acks) == 0 {
		t.Fatal("no ticket acknowledged")
	}
	checkLog(t, r.base, all)
}

// restore puts a backup in place in an empty data directory, as README
// says: hallq.db and the archive directory.
func restore(t *testing.T, backupDir, dataDir string) {
	t.Helper()
	if err := os.Rename(filepath.Join(backupDir, store.BackupName), filepath.Join(dataDir, "hallq.db")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(backupDir, store.ArchiveDir), filepath.Join(dataDir, store.ArchiveDir)); err != nil {
		t.Fatal(err)
	}
}

// waitArchives waits until dataDir holds n archive files.
func waitArchives(t *testing.T, dataDir string, n int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(dataDir, store.ArchiveDir, "*.jsonl"))
		if len(files) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d archives after a minute, want %d", len(files), n)
		}
	}
}
