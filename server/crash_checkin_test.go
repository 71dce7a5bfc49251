package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hallq/server/hall/halltest"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// checkInUntilDead checks in the bookings of the given documents from several
// goroutines, each document once, until the server dies. It returns the
// tickets acknowledged (201) by document, and the documents sent without an
// answer.
func checkInUntilDead(c *child, token string, docs []string, onAck func()) (acks map[string]string, unanswered []string) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	client := &http.Client{Timeout: time.Minute}
	acks = map[string]string{}
	next := 0
	for range 16 {
		wg.Go(func() {
			for {
				mu.Lock()
				if next >= len(docs) {
					mu.Unlock()
					return
				}
				doc := docs[next]
				next++
				mu.Unlock()
				number, code, err := checkIn(client, c.base, token, doc)
				mu.Lock()
				switch {
				case err != nil:
					unanswered = append(unanswered, doc)
				case code == http.StatusCreated:
					acks[doc] = number
				}
				mu.Unlock()
				if err != nil {
					return
				}
				if code == http.StatusCreated {
					onAck()
				}
			}
		})
	}
	wg.Wait()
	return acks, unanswered
}

// checkIn sends one kiosk check-in and returns the ticket's number.
func checkIn(client *http.Client, base, token, doc string) (string, int, error) {
	req, _ := http.NewRequest("POST", base+"/api/v1/appointments/check-in", strings.NewReader(fmt.Sprintf(`{"id_number":%q}`, doc)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	var out struct {
		Ticket struct {
			Number string `json:"number"`
		} `json:"ticket"`
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	// 201: checked in now; 200: checked in before, its waiting ticket again
	// (a reprint).
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return out.Error.Code + ": " + out.Error.Message, resp.StatusCode, nil
	}
	return out.Ticket.Number, resp.StatusCode, nil
}

// TestCrashLosesNoAcknowledgedCheckIn books places of the slot open for
// check-in now, kills the server with SIGKILL during a burst of kiosk
// check-ins, twice, and checks after each restart that every acknowledged
// check-in is in the log with the number the kiosk printed, that no booking
// was checked in twice nor got two tickets, and that the bookings are intact;
// a check-in sent again after the restart finds its booking already checked
// in, or checks it in once.
func TestCrashLosesNoAcknowledgedCheckIn(t *testing.T) {
	bin := buildServer(t)
	dataDir := t.TempDir()
	// The hall's service day starts 12 hours from now, in UTC. The slot is
	// the first to start at least 10 minutes from now: it can be booked
	// until it starts, so for the whole test, and checked in from 60 min
	// before its start (check_in_before) to 15 min after.
	cfgPath, token := writeLoadConfig(t)
	now := time.Now().UTC()
	start := now.Truncate(30 * time.Minute).Add(30 * time.Minute)
	if start.Sub(now) < 10*time.Minute {
		start = start.Add(30 * time.Minute)
	}
	slot := "permit-" + start.Format("20060102-1504")
	day := start.Format(time.DateOnly)
	rng := rand.New(rand.NewPCG(5, 6))
	bookedAcks := map[string]bool{}
	checkedIn := map[string]string{} // document -> number acknowledged
	for round := range 2 {
		c := startChild(t, bin, dataDir, "-config", cfgPath)
		waitReleased(t, c.base, day)
		// 150 bookings of the slot, each acknowledged before the burst.
		var docs []string
		for i := range 150 {
			doc := halltest.ResidentID(round*500 + i) // 1,000 distinct numbers: no document books twice
			body := fmt.Sprintf(`{"service":"permit","slot":%q,"id_number":%q}`, slot, doc)
			var out struct {
				Appointment struct{ Booking string } `json:"appointment"`
			}
			if code, raw := halltest.Do(t, http.DefaultClient, "POST", c.base+"/api/v1/appointments", nil, body, &out); code != http.StatusCreated {
				t.Fatalf("book: %d %s", code, raw)
			}
			bookedAcks[out.Appointment.Booking] = true
			docs = append(docs, doc)
		}
		killAfter := time.Duration(20+rng.IntN(150)) * time.Millisecond
		onAck := c.killAfterFirstAck(killAfter)
		acks, unanswered := checkInUntilDead(c, token, docs, onAck)
		c.kill() // if the burst ended before the kill
		for doc, n := range acks {
			checkedIn[doc] = n
		}
		t.Logf("round %d: killed %s after the first acknowledgement with %d of %d check-ins acknowledged, %d unanswered",
			round, killAfter, len(acks), len(docs), len(unanswered))

		c2 := startChild(t, bin, dataDir, "-config", cfgPath)
		checkBookings(t, c2.base, bookedAcks, day)
		checkCheckIns(t, c2.base, checkedIn)
		// Sent again, an acknowledged check-in whose ticket still waits gets
		// that ticket again (a reprint, nothing new in the log); an
		// unanswered one is done now or was done before the kill.
		for doc := range acks {
			if n, code, err := checkIn(http.DefaultClient, c2.base, token, doc); err != nil || code != http.StatusOK || n != checkedIn[doc] {
				t.Fatalf("an acknowledged check-in sent again: %d %s %v, want 200 with %s again", code, n, err, checkedIn[doc])
			}
		}
		for _, doc := range unanswered {
			n, code, err := checkIn(http.DefaultClient, c2.base, token, doc)
			if err != nil || code != http.StatusCreated && code != http.StatusOK {
				t.Fatalf("an unanswered check-in sent again: %d %s %v", code, n, err)
			}
		}
		checkCheckIns(t, c2.base, checkedIn)
		c2.kill()
	}
}

// checkCheckIns checks the log's check-ins: each acknowledged one is there
// with the number the kiosk was given, no booking is checked in twice, and
// every check-in is followed by the one ticket it issued.
func checkCheckIns(t *testing.T, base string, acked map[string]string) {
	t.Helper()
	checked := map[string]string{} // booking -> ticket
	tickets := map[string]string{} // ticket -> number, of checked-in bookings
	numbers := map[string]bool{}
	for _, raw := range halltest.FetchLog(t, base) {
		if !bytes.Contains(raw, []byte(`"appointment.checked_in"`)) && !bytes.Contains(raw, []byte(`"appointment":"`)) {
			continue
		}
		var ev struct {
			Type string `json:"type"`
			Data struct {
				Booking     string `json:"booking"`
				Ticket      string `json:"ticket"`
				Number      string `json:"number"`
				Appointment string `json:"appointment"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		switch ev.Type {
		case "appointment.checked_in":
			if _, twice := checked[ev.Data.Booking]; twice {
				t.Fatalf("booking %s checked in twice", ev.Data.Booking)
			}
			checked[ev.Data.Booking] = ev.Data.Ticket
		case "ticket.issued":
			if checked[ev.Data.Appointment] != ev.Data.Ticket {
				t.Fatalf("ticket %s of booking %s, which was not checked in for it", ev.Data.Number, ev.Data.Appointment)
			}
			if _, twice := tickets[ev.Data.Ticket]; twice {
				t.Fatalf("two tickets %s for booking %s", ev.Data.Ticket, ev.Data.Appointment)
			}
			tickets[ev.Data.Ticket] = ev.Data.Number
			numbers[ev.Data.Number] = true
		}
	}
	if len(tickets) != len(checked) {
		t.Fatalf("%d check-ins, %d tickets issued for them", len(checked), len(tickets))
	}
	for doc, n := range acked {
		if !numbers[n] {
			t.Fatalf("check-in of %s acknowledged as %s, missing from the log after restart", doc[:3], n)
		}
	}
}
