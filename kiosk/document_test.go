package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hallq/server/queue"
)

// TestDocumentKindsAtKiosk takes a number of a real-name service with a
// passport, tapped on the letter keypad, and is refused, with the server's
// own rule and a message in Chinese and English, a resident ID number
// declared as a passport and a passport number typed as a resident ID.
func TestDocumentKindsAtKiosk(t *testing.T) {
	h := newTestHall(t)
	prn := &fakePrinter{}
	k := startKiosk(t, h, prn, filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	u := newTestUI(t, k.Kiosk, uiOptions{TicketTimeout: time.Hour, IdleTimeout: time.Hour})
	u.waitUI(t, "the home screen", homeReady)
	tap := func(keys string) {
		for _, c := range keys {
			u.ui(func(a *kioskApp) {
				p := a.keys[string(c)]
				if a.m.Kind != queue.DocResident {
					p = a.letterKeys[string(c)]
				}
				if p == nil || !p.Visible() {
					t.Fatalf("key %c is not on the %s keypad", c, a.m.Kind)
				}
				test.Tap(p)
			})
		}
	}

	u.tapTile(2) // 社保医保, real-name
	u.ui(func(a *kioskApp) {
		if a.m.Screen != screenID || a.m.Kind != queue.DocResident || !a.digitPad.Visible() || a.letterPad.Visible() {
			t.Fatalf("real-name service: screen %s kind %q, digit keypad shown %v", screenNames[a.m.Screen], a.m.Kind, a.digitPad.Visible())
		}
		if a.keys["A"] != nil {
			t.Error("the resident ID keypad has letters")
		}
		test.Tap(a.kindPads[queue.DocPassport])
		if a.m.Kind != queue.DocPassport || !a.letterPad.Visible() || a.digitPad.Visible() || a.idTitle.Text != "请输入护照号码" {
			t.Fatalf("passport chosen: kind %q, letter keypad shown %v, title %q", a.m.Kind, a.letterPad.Visible(), a.idTitle.Text)
		}
	})
	tap("E12345678")
	u.shot(t, "id-passport")
	u.ui(func(a *kioskApp) {
		if got := a.idValue.Text; strings.Contains(got, "1234") || got != "**** **** 8" {
			t.Errorf("masked passport number: %q", got)
		}
		test.Tap(a.idOK)
	})
	u.waitUI(t, "the ticket screen", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
	u.ui(func(a *kioskApp) {
		if a.tkNumber.Text != "B001" || a.m.ID != "" || a.m.Kind != "" {
			t.Errorf("ticket %q; kept kind %q number %q", a.tkNumber.Text, a.m.Kind, a.m.ID)
		}
		test.Tap(a.tkDone)
	})

	refused := func(what, wantZH, wantEN string) {
		t.Helper()
		u.ui(func(a *kioskApp) {
			test.Tap(a.idOK)
			if a.m.Screen != screenID || !strings.Contains(a.m.IDErr.zh, wantZH) || !strings.Contains(a.m.IDErr.en, wantEN) ||
				paraText(a.idErr) != a.m.IDErr.zh {
				t.Errorf("%s: screen %s, refusal %q / %q shown %q; want it to say %q / %q", what, screenNames[a.m.Screen],
					a.m.IDErr.zh, a.m.IDErr.en, paraText(a.idErr), wantZH, wantEN)
			}
		})
	}
	// A resident ID number declared as a passport.
	u.tapTile(2)
	u.ui(func(a *kioskApp) { test.Tap(a.kindPads[queue.DocPassport]) })
	tap("11010519491231002X")
	refused("resident ID as passport", "这是居民身份证号码", "resident ID number, not a passport")
	u.shot(t, "id-wrong-kind")
	// A passport number typed as a resident ID number, by a keyboard (or a
	// scanner typing as one).
	u.ui(func(a *kioskApp) {
		test.Tap(a.kindPads[queue.DocResident])
		test.Tap(a.idClear)
	})
	for _, c := range "E12345678" {
		u.typeKey(fyne.KeyName(string(c)))
	}
	refused("passport as resident ID", "护照或通行证", "for a passport or a permit, choose its kind")
	u.ui(func(a *kioskApp) {
		if a.m.ID != "E12345678" {
			t.Errorf("typed %q, want the letters kept", a.m.ID)
		}
	})
	u.typeKey(fyne.KeyEscape)
	if count, _ := h.issuedNumbers(t); count["B001"] != 1 || count["B002"] != 0 {
		t.Fatalf("tickets of the real-name service: %v, want B001 alone", count)
	}
	if n := len(prn.printed); n != 1 {
		t.Errorf("%d receipts printed, want 1", n)
	}
}
