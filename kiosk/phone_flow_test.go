package main

import (
	"testing"

	"fyne.io/fyne/v2"
)

// TestPhoneMachine drives the phone step without a screen: it opens only
// after the receipt of a ticket that may take a number, takes 11 digits,
// refuses a number the server's rule refuses before anything is sent,
// ignores keys and leaving while the number is sent and answers of an
// earlier flow, and forgets the number however it ends.
func TestPhoneMachine(t *testing.T) {
	ticket := func(offer, printing, failed bool) *machine {
		m := &machine{Tiles: homeTiles()}
		m.Choose(1)
		m.Issued(m.Flow)
		if !printing {
			m.Printed(m.Flow, !failed)
		}
		m.PhoneOffer = offer
		return m
	}
	typeAll := func(m *machine, s string) {
		for i := range len(s) {
			m.Key(fyne.KeyName(s[i : i+1]))
		}
	}
	for _, c := range []struct {
		name            string
		offer, printing bool
		wantStart       effect
	}{
		{"offered once printed", true, false, effectRender},
		{"not while printing", true, true, effectNone},
		{"not offered (offline, or no messages)", false, false, effectNone},
	} {
		m := ticket(c.offer, c.printing, false)
		if got := m.StartPhone(); got != c.wantStart {
			t.Errorf("%s: StartPhone %v, want %v", c.name, got, c.wantStart)
		}
	}

	m := ticket(true, false, false)
	m.StartPhone()
	typeAll(m, "1380013800099A") // 11 digits kept, the rest ignored
	if m.Phone != "13800138000" {
		t.Fatalf("typed: %q", m.Phone)
	}
	m.Key(fyne.KeyBackspace)
	if m.Phone != "1380013800" {
		t.Fatalf("after Backspace: %q", m.Phone)
	}
	m.Clear()
	typeAll(m, "12345678901")
	if e := m.Key(fyne.KeyReturn); e != effectRender || m.PhoneErr == (msg{}) || m.PhoneSending {
		t.Fatalf("a number starting 12 confirmed: %v, error %v, sending %v", e, m.PhoneErr, m.PhoneSending)
	}
	m.Clear()
	typeAll(m, "13800138000")
	if e := m.Key(fyne.KeyReturn); e != effectPhone || !m.PhoneSending || m.PhoneErr != (msg{}) {
		t.Fatalf("a good number confirmed: %v, sending %v, error %v", e, m.PhoneSending, m.PhoneErr)
	}
	flow := m.Flow
	for _, k := range []fyne.KeyName{"5", fyne.KeyBackspace, fyne.KeyEscape, fyne.KeyReturn} {
		if e := m.Key(k); e != effectNone || m.Screen != screenPhone || m.Phone != "13800138000" {
			t.Fatalf("key %s while sending: %v, screen %d, number %q", k, e, m.Screen, m.Phone)
		}
	}
	if m.Timeout(flow) != effectNone || m.PhoneAnswered(flow-1, msg{}, true) {
		t.Fatal("a timeout or an earlier flow's answer ended the sending")
	}
	if !m.PhoneAnswered(flow, msg{}, true) || m.Phone != "" || !m.PhoneKept {
		t.Fatalf("kept: number held %q, kept %v", m.Phone, m.PhoneKept)
	}
	if m.Key(fyne.KeyReturn) != effectRender || m.Screen != screenHome || m.PhoneKept || m.PhoneOffer {
		t.Fatalf("done: screen %d, kept %v, offer %v", m.Screen, m.PhoneKept, m.PhoneOffer)
	}

	// A refusal keeps the number to correct; Escape after a failed receipt
	// goes back to its QR code, and the number is forgotten.
	m = ticket(true, false, true)
	m.StartPhone()
	typeAll(m, "13800138000")
	m.Key(fyne.KeyReturn)
	why := msg{"该号码已不在等候", "no longer waiting"}
	if !m.PhoneAnswered(m.Flow, why, false) || m.PhoneErr != why || m.Phone != "13800138000" || m.PhoneSending {
		t.Fatalf("refused: error %v, number %q, sending %v", m.PhoneErr, m.Phone, m.PhoneSending)
	}
	if m.Key(fyne.KeyEscape) != effectRender || m.Screen != screenTicket || m.Phone != "" || m.PhoneErr != (msg{}) {
		t.Fatalf("Escape after a failed receipt: screen %d, number %q", m.Screen, m.Phone)
	}
	if m.StartPhone() != effectRender || m.Phone != "" {
		t.Fatal("the step did not open again with an empty number")
	}
	typeAll(m, "139")
	if m.Timeout(m.Flow) != effectRender || m.Screen != screenHome || m.Phone != "" {
		t.Fatalf("timeout: screen %d, number %q", m.Screen, m.Phone)
	}
}
