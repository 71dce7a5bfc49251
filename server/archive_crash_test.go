package main

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/server/hall"
	"hallq/server/hall/halltest"
	"hallq/server/store"
)

// seedPastDays writes into dataDir a history of days ago days before the
// machine's date, perDay tickets each, by a hall in process on a clock
// standing on those days: the server started on dataDir afterwards seals
// the last of them at its first ticket and archives them all.
func seedPastDays(t *testing.T, dataDir, cfgPath, token string, days, perDay int) map[string]acked {
	t.Helper()
	cfg, err := loadConfig(cfgPath, dataDir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	clock := halltest.NewFixedClock(time.Now().AddDate(0, 0, -days))
	// The hall in process archives nothing: its archiving waits an hour
	// after its first page, and its Close throws that away.
	h, err := hall.Open(cfg, dataDir, nil, hall.Options{Now: clock.Now, ArchiveStep: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler)
	acks := map[string]acked{}
	for d := range days {
		clock.Set(time.Now().AddDate(0, 0, d-days))
		for i := range perDay {
			key := fmt.Sprintf("past%d-%d", d, i)
			var tr struct {
				Ticket struct{ ID, Number string }
			}
			code, raw := halltest.Do(t, http.DefaultClient, "POST", srv.URL+"/api/v1/tickets",
				map[string]string{"Authorization": "Bearer " + token}, fmt.Sprintf(`{"service":"general","idempotency_key":%q}`, key), &tr)
			if code != http.StatusCreated {
				t.Fatalf("seed day %d: %d %s", d, code, raw)
			}
			acks[key] = acked{key, tr.Ticket.ID, tr.Ticket.Number}
			clock.Advance(time.Second)
		}
	}
	srv.Close()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	return acks
}

// archivesIn opens the closed store of dataDir, verifying the whole chain,
// archives included, and returns its archives.
func archivesIn(t *testing.T, dataDir string) []store.Archive {
	t.Helper()
	st, err := store.Open(filepath.Join(dataDir, "hallq.db"), store.Options{VerifyAll: true})
	if err != nil {
		t.Fatalf("the store after the kill: %v", err)
	}
	defer st.Close()
	return st.Archives()
}

// TestCrashWhileArchiving kills the server with SIGKILL, under load, while
// it moves past days into their archives (slowed by HALLQ_ARCHIVE_STEP so
// that the kills fall inside), several times, and checks after each
// restart that every acknowledged ticket is in the log, the chain valid
// across the archives, and the archives consistent with the store's list;
// the last start, not slowed, finishes the archiving.
func TestCrashWhileArchiving(t *testing.T) {
	bin := buildServer(t)
	dataDir := t.TempDir()
	cfgPath, token := writeLoadConfig(t)
	const days = 3
	allAcked := seedPastDays(t, dataDir, cfgPath, token, days, 300)
	rng := rand.New(rand.NewPCG(3, 4))
	t.Setenv(archiveStepEnv, "300ms")
	cut := 0 // kills that left an archiving unfinished
	for round := range 4 {
		c := startChild(t, bin, dataDir, "-config", cfgPath)
		// The first ticket seals the last past day; the archiving starts
		// at once, its steps 300 ms apart (nine for the three days).
		killAfter := time.Duration(rng.IntN(600)) * time.Millisecond
		onAck := c.killAfterFirstAck(killAfter)
		acks, _ := issueUntilDead(c, token, round, onAck)
		for _, a := range acks {
			allAcked[a.key] = a
		}
		l := archivesIn(t, dataDir)
		tmps, _ := filepath.Glob(filepath.Join(dataDir, store.ArchiveDir, "*.tmp"))
		if len(l) < days || len(tmps) > 0 {
			cut++
		}
		t.Logf("round %d: killed %s after the first acknowledgement, %d acknowledged; %d archives listed", round, killAfter, len(acks), len(l))
		c2 := startChild(t, bin, dataDir, "-config", cfgPath, "-verify-log")
		checkLog(t, c2.base, allAcked)
		c2.kill()
	}
	if cut == 0 {
		t.Fatal("no kill fell inside the archiving: the test did not exercise it")
	}
	os.Unsetenv(archiveStepEnv)
	c := startChild(t, bin, dataDir, "-config", cfgPath, "-verify-log")
	var l []store.Archive
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		// The archiving runs after the start; the store's list is read
		// through the log's public reader: the past days' files.
		entries, _ := os.ReadDir(filepath.Join(dataDir, store.ArchiveDir))
		n := 0
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".jsonl") {
				n++
			}
		}
		if n >= days || time.Now().After(deadline) {
			break
		}
	}
	checkLog(t, c.base, allAcked)
	c.kill()
	l = archivesIn(t, dataDir)
	if len(l) < days {
		t.Fatalf("%d archives after the last start, want the %d past days", len(l), days)
	}
	for i, a := range l {
		data, err := os.ReadFile(filepath.Join(dataDir, store.ArchiveDir, a.Name))
		if err != nil || int64(len(data)) != a.Size || uint64(strings.Count(string(data), "\n")) != a.Count {
			t.Fatalf("archive %d (%s): %v, %d bytes, listed %+v", i, a.Name, err, len(data), a)
		}
	}
}
