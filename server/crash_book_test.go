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

// bookUntilDead books places of the given slots from several goroutines, one
// new identity per request, until the server dies, and returns the booking IDs
// acknowledged (201).
func bookUntilDead(c *child, slots []string, round int, onAck func()) []string {
	var mu sync.Mutex
	var wg sync.WaitGroup
	client := &http.Client{Timeout: time.Minute}
	var acks []string
	for g := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := halltest.ResidentID(round*100000 + g*5000 + i)
				body := fmt.Sprintf(`{"service":"permit","slot":%q,"id_number":%q}`, slots[(g+i)%len(slots)], id)
				resp, err := client.Post(c.base+"/api/v1/appointments", "application/json", strings.NewReader(body))
				if err != nil {
					return
				}
				var out struct {
					Appointment struct {
						Booking string `json:"booking"`
					} `json:"appointment"`
				}
				json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					mu.Lock()
					acks = append(acks, out.Appointment.Booking)
					mu.Unlock()
					onAck()
				}
			}
		})
	}
	wg.Wait()
	return acks
}

// TestCrashLosesNoAcknowledgedBooking kills the server with SIGKILL during a
// booking burst, several times, and checks after each restart that every
// acknowledged booking is in the log, that no slot holds more bookings than
// places, and that the places the API reports are the log's.
func TestCrashLosesNoAcknowledgedBooking(t *testing.T) {
	bin := buildServer(t)
	dataDir := t.TempDir()
	cfgPath, _ := writeLoadConfig(t)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1)
	rng := rand.New(rand.NewPCG(3, 4))
	acked := map[string]bool{}
	for round := range 3 {
		// Each round books 5 slots of its own, 2,000 places: the kill comes mid-burst.
		var slots []string
		for i := range 5 {
			slots = append(slots, fmt.Sprintf("permit-%s-%02d%s", tomorrow.Format("20060102"), 8+round*3+i/2, []string{"00", "30"}[i%2]))
		}
		c := startChild(t, bin, dataDir, "-config", cfgPath)
		waitReleased(t, c.base, tomorrow.Format(time.DateOnly))
		killAfter := time.Duration(50+rng.IntN(300)) * time.Millisecond
		onAck := c.killAfterFirstAck(killAfter)
		acks := bookUntilDead(c, slots, round, onAck)
		for _, a := range acks {
			acked[a] = true
		}
		t.Logf("round %d: killed %s after the first acknowledgement with %d bookings acknowledged", round, killAfter, len(acks))
		c2 := startChild(t, bin, dataDir, "-config", cfgPath)
		checkBookings(t, c2.base, acked, tomorrow.Format(time.DateOnly))
		c2.kill()
	}
}

// waitReleased waits until the permit slots of day are released.
func waitReleased(t *testing.T, base, day string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/api/v1/appointments/slots?service=permit&date=" + day)
		if err == nil {
			var out struct{ Slots []struct{ Released bool } }
			json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if len(out.Slots) > 0 && out.Slots[0].Released {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the slots were not released")
}

// checkBookings checks the log against the acknowledged bookings and the slots
// the API reports.
func checkBookings(t *testing.T, base string, acked map[string]bool, day string) {
	t.Helper()
	inLog := map[string]bool{}
	taken := map[string]int{}
	capacity := map[string]int{}
	for _, raw := range halltest.FetchLog(t, base) {
		var ev struct {
			Type string `json:"type"`
			Data struct {
				Booking string `json:"booking"`
				Slot    string `json:"slot"`
				Slots   []struct {
					Slot     string `json:"slot"`
					Capacity int    `json:"capacity"`
				} `json:"slots"`
			} `json:"data"`
		}
		if !bytes.Contains(raw, []byte(`"appointment.`)) {
			continue
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		switch ev.Type {
		case "appointment.released":
			for _, s := range ev.Data.Slots {
				capacity[s.Slot] = s.Capacity
			}
		case "appointment.booked":
			if inLog[ev.Data.Booking] {
				t.Fatalf("booking %s twice in the log", ev.Data.Booking)
			}
			inLog[ev.Data.Booking] = true
			taken[ev.Data.Slot]++
			if taken[ev.Data.Slot] > capacity[ev.Data.Slot] {
				t.Fatalf("slot %s overbooked: %d of %d places", ev.Data.Slot, taken[ev.Data.Slot], capacity[ev.Data.Slot])
			}
		case "appointment.cancelled":
			taken[ev.Data.Slot]--
		}
	}
	for id := range acked {
		if !inLog[id] {
			t.Fatalf("acknowledged booking %s missing from the log after restart", id)
		}
	}
	resp, err := http.Get(base + "/api/v1/appointments/slots?service=permit&date=" + day)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Slots []struct {
			ID     string `json:"id"`
			Booked int    `json:"booked"`
		}
	}
	json.NewDecoder(resp.Body).Decode(&out)
	for _, s := range out.Slots {
		if s.Booked != taken[s.ID] {
			t.Fatalf("slot %s: the API says %d booked, the log %d", s.ID, s.Booked, taken[s.ID])
		}
	}
}
