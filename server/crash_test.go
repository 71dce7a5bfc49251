package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/server/eventlog"
	"hallq/server/hall/halltest"
	"hallq/server/wire"
)

type acked struct {
	key, id, number string
}

// issueUntilDead issues tickets from several goroutines until the server dies,
// and returns those acknowledged (201) and the keys sent without an answer.
// It calls onAck after each acknowledgement.
func issueUntilDead(c *child, token string, round int, onAck func()) (acks []acked, unanswered []string) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	// The timeout only ends a hang: a killed server's connections fail at once.
	client := &http.Client{Timeout: time.Minute}
	services := []string{"general", "estate"}
	for g := range 24 {
		wg.Go(func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("r%d-g%d-%d", round, g, i)
				body := fmt.Sprintf(`{"service":%q,"idempotency_key":%q}`, services[i%2], key)
				var resp *http.Response
				var tr wire.TicketAnswer
				for {
					req, _ := http.NewRequest("POST", c.base+"/api/v1/tickets", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+token)
					var err error
					if resp, err = client.Do(req); err != nil {
						mu.Lock()
						unanswered = append(unanswered, key)
						mu.Unlock()
						return
					}
					json.NewDecoder(resp.Body).Decode(&tr)
					resp.Body.Close()
					if resp.StatusCode != http.StatusTooManyRequests {
						break
					}
					// A fast machine reaches the kiosk's rate limit: the
					// ticket was refused, not issued; ask again shortly.
					time.Sleep(10 * time.Millisecond)
				}
				mu.Lock()
				if resp.StatusCode == http.StatusCreated {
					acks = append(acks, acked{key, tr.Ticket.ID, tr.Ticket.Number})
				} else {
					unanswered = append(unanswered, key)
				}
				mu.Unlock()
				if resp.StatusCode == http.StatusCreated {
					onAck()
				}
			}
		})
	}
	wg.Wait()
	return acks, unanswered
}

// TestCrashLosesNoAcknowledgedTicket kills the server with SIGKILL under
// concurrent load, several times, and checks after each restart that every
// acknowledged ticket is in the log with its number, that no number appears
// twice, that the chain is valid, and that retrying the unanswered requests
// never creates a second ticket for a key.
func TestCrashLosesNoAcknowledgedTicket(t *testing.T) {
	bin := buildServer(t)
	dataDir := t.TempDir()
	cfgPath, token := writeLoadConfig(t)
	rng := rand.New(rand.NewPCG(1, 2))
	allAcked := map[string]acked{} // key -> ticket
	replayed := 0                  // events restarts copied from the journal
	for round := range 4 {
		c := startChild(t, bin, dataDir, "-config", cfgPath)
		checkLog(t, c.base, allAcked)

		// Kill at a random moment under load: once the server has
		// acknowledged a ticket (however long a slow machine takes to get
		// there), and a random while later.
		killAfter := time.Duration(100+rng.IntN(600)) * time.Millisecond
		onAck := c.killAfterFirstAck(killAfter)
		acks, unanswered := issueUntilDead(c, token, round, onAck)
		if len(acks) == 0 {
			t.Fatalf("round %d: no ticket acknowledged before the kill", round)
		}
		for _, a := range acks {
			if prev, ok := allAcked[a.key]; ok && prev.id != a.id {
				t.Fatalf("key %s acknowledged as %s and %s", a.key, prev.number, a.number)
			}
			allAcked[a.key] = a
		}
		t.Logf("round %d: killed %s after the first acknowledgement with %d acknowledged, %d unanswered", round, killAfter, len(acks), len(unanswered))

		// Restart: every acknowledged ticket is there; retries of unanswered keys
		// return the ticket they may already have, never a second one.
		c2 := startChild(t, bin, dataDir, "-config", cfgPath)
		replayed += c2.replayed
		t.Logf("round %d: the restart replayed %d events from the journal", round, c2.replayed)
		checkLog(t, c2.base, allAcked)
		for _, key := range unanswered {
			body := fmt.Sprintf(`{"service":%q,"idempotency_key":%q}`, "general", key)
			if strings.HasSuffix(key, "1") || strings.HasSuffix(key, "3") || strings.HasSuffix(key, "5") || strings.HasSuffix(key, "7") || strings.HasSuffix(key, "9") {
				body = fmt.Sprintf(`{"service":%q,"idempotency_key":%q}`, "estate", key)
			}
			req, _ := http.NewRequest("POST", c2.base+"/api/v1/tickets", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var tr wire.TicketAnswer
			json.NewDecoder(resp.Body).Decode(&tr)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("retry of %s: status %d", key, resp.StatusCode)
			}
			allAcked[key] = acked{key, tr.Ticket.ID, tr.Ticket.Number}
		}
		issued := checkLog(t, c2.base, allAcked)
		if issued != len(allAcked) {
			t.Fatalf("round %d: %d tickets in the log for %d keys", round, issued, len(allAcked))
		}
		c2.kill()
	}
	// A kill under load catches batches that are journaled and not yet in
	// the bbolt file; the restarts above must have recovered some.
	if replayed == 0 {
		t.Fatal("no restart replayed anything from the journal: the test did not exercise recovery")
	}
}

// checkLog fetches the whole public log, verifies its chain and checks that it
// holds every acknowledged ticket under its number and no number twice. It
// returns the number of tickets issued.
func checkLog(t *testing.T, base string, acks map[string]acked) int {
	t.Helper()
	raws := halltest.FetchLog(t, base)
	if _, err := eventlog.Verify(eventlog.GenesisHash, raws); err != nil {
		t.Fatalf("chain: %v", err)
	}
	byID := map[string]string{}
	for _, raw := range raws {
		if !bytes.Contains(raw, []byte(`"type":"ticket.issued"`)) {
			continue
		}
		var ev struct {
			Data struct {
				Ticket string `json:"ticket"`
				Number string `json:"number"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if _, dup := byID[ev.Data.Ticket]; dup {
			t.Fatalf("ticket %s issued twice", ev.Data.Ticket)
		}
		byID[ev.Data.Ticket] = ev.Data.Number
	}
	for _, a := range acks {
		if n, ok := byID[a.id]; !ok || n != a.number {
			t.Fatalf("acknowledged ticket %s (%s, key %s) missing from the log after restart", a.number, a.id, a.key)
		}
	}
	return len(byID)
}
