package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/eventlog"
	"hallq/server/hall/halltest"
	"hallq/server/store"
)

// getURL returns a URL's status and body.
func getURL(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// TestPastDaysArchivedAndStillPublic: once a day is sealed, the days before
// move into archive files, and every public reader of the log (/log.jsonl
// whole and by date, /api/v1/events, the websocket replay, /audit) sees the
// same unbroken chain as before, also after a restart; a past date's
// /log.jsonl is its archive's bytes.
func TestPastDaysArchivedAndStillPublic(t *testing.T) {
	h := halltest.Start(t, halltest.Options{})
	loc := h.Config.Hall.Location
	// Days ahead of the machine's date, so that times only grow.
	now := time.Now().In(loc)
	day := func(n int) time.Time { return time.Date(now.Year(), now.Month(), now.Day()+10+n, 11, 0, 0, 0, loc) }
	issued := 0
	for d := range 3 {
		h.Clock.Set(day(d))
		for range 4 - 3*(d/2) { // the last day: one ticket
			if code, _, raw := h.Issue(fmt.Sprintf(`{"service":"general","idempotency_key":"k%d"}`, issued)); code != http.StatusCreated {
				t.Fatalf("issue on day %d: %d %s", d, code, raw)
			}
			issued++
		}
	}
	// The third day's seal closed the second day: it and every date before
	// it go to archives.
	lastDate := day(1).Format(time.DateOnly)
	waitFor(t, "the second day's archive", func() bool {
		l := h.Store.Archives()
		return len(l) > 0 && l[len(l)-1].Name == lastDate+".jsonl"
	})
	check := func() {
		t.Helper()
		code, whole := getURL(t, h.URL+"/log.jsonl")
		if code != http.StatusOK {
			t.Fatalf("/log.jsonl: %d", code)
		}
		lines := bytes.Split(bytes.TrimSuffix(whole, []byte("\n")), []byte("\n"))
		if _, err := eventlog.Verify(eventlog.GenesisHash, lines); err != nil {
			t.Fatalf("/log.jsonl across archives: %v", err)
		}
		if n := bytes.Count(whole, []byte(`"type":"ticket.issued"`)); n != issued {
			t.Errorf("/log.jsonl has %d tickets issued, want %d", n, issued)
		}
		// A hall just started may still be appending: later events are
		// left out of the comparison.
		api := halltest.FetchLog(t, h.URL)
		if len(api) < len(lines) || !bytes.Equal(bytes.Join(api[:len(lines)], []byte("\n")), bytes.Join(lines, []byte("\n"))) {
			t.Errorf("/api/v1/events (%d events) differs from /log.jsonl (%d)", len(api), len(lines))
		}
		for _, a := range h.Store.Archives() {
			file, err := os.ReadFile(filepath.Join(h.Dir, store.ArchiveDir, a.Name))
			if err != nil {
				t.Fatal(err)
			}
			date := strings.TrimSuffix(a.Name, ".jsonl")
			code, body := getURL(t, h.URL+"/log.jsonl?date="+date)
			if code != http.StatusOK || !bytes.Equal(body, file) {
				t.Errorf("/log.jsonl?date=%s: %d, %d bytes; the archive has %d", date, code, len(body), len(file))
			}
			if !bytes.Contains(whole, file) {
				t.Errorf("archive %s is not a stretch of /log.jsonl", a.Name)
			}
		}
		// The websocket replay from the start.
		c, err := client.New(h.URL, "", client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var replayed [][]byte
		err = c.Stream(ctx, 0, client.StreamHandler{Event: func(rec eventlog.Record) error {
			replayed = append(replayed, bytes.Clone(rec.Raw))
			if len(replayed) >= len(lines) {
				cancel()
			}
			return nil
		}})
		if ctx.Err() == nil {
			t.Fatalf("stream: %v", err)
		}
		if len(replayed) < len(lines) || !bytes.Equal(bytes.Join(replayed[:len(lines)], []byte("\n")), bytes.Join(lines, []byte("\n"))) {
			t.Errorf("the websocket replay (%d events) differs from /log.jsonl (%d)", len(replayed), len(lines))
		}
		code, page := getURL(t, h.URL+"/audit")
		if code != http.StatusOK || !bytes.Contains(page, []byte("events checked, up to event")) || bytes.Contains(page, []byte("Could not verify")) {
			t.Errorf("/audit: %d, the log not verified:\n%s", code, page)
		}
	}
	check()
	h.Restart()
	check()
	if n := len(h.Store.Archives()); n < 2 {
		t.Errorf("%d archives after the restart, want at least the two days", n)
	}
}
