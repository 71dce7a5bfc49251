package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hallq/printer"
	"hallq/server/config"
)

// smsGateway is a hall's SMS gateway as a local webhook receiver: it keeps
// the messages the hall's notifier sends.
type smsGateway struct {
	*httptest.Server
	mu   sync.Mutex
	msgs []smsMessage
}

type smsMessage struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Phone  string `json:"phone"`
	Number string `json:"number"`
}

func startSMSGateway(t *testing.T) *smsGateway {
	t.Helper()
	g := &smsGateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m smsMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		g.msgs = append(g.msgs, m)
		g.mu.Unlock()
	}))
	t.Cleanup(g.Close)
	return g
}

// got returns the messages of a ticket number, as "kind phone".
func (g *smsGateway) got(number string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, m := range g.msgs {
		if m.Number == number {
			out = append(out, m.Kind+" "+m.Phone)
		}
	}
	return out
}

// notifyHall is the demo hall sending text messages to gw, its kiosks
// logging at debug level into the returned buffer.
func notifyHall(t *testing.T, gw *smsGateway) (*testHall, *lockedBuffer) {
	t.Helper()
	h := newTestHallWith(t, func(c *config.Config) {
		c.Notify = config.Notify{Webhook: gw.URL, Timeout: 5 * time.Second, Attempts: 3, CloseAhead: 3}
	})
	logs := &lockedBuffer{}
	var w io.Writer = logs
	if os.Getenv("HALLQ_TEST_LOG") != "" {
		w = io.MultiWriter(logs, os.Stderr)
	}
	h.kioskLog = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return h, logs
}

// lockedBuffer is a buffer written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// phoneForms are the ways a phone number could show in a log or a file.
func phoneForms(p string) []string {
	return []string{p, groupPhone(p), p[:3] + "-" + p[3:7] + "-" + p[7:], p[3:]}
}

// noPhoneIn fails the test if a log line or a file under dir holds the
// phone number p in any form.
func noPhoneIn(t *testing.T, p, logs, dir string) {
	t.Helper()
	for _, f := range phoneForms(p) {
		if strings.Contains(logs, f) {
			t.Errorf("the kiosk's log holds the phone number as %q", f)
		}
	}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, f := range phoneForms(p) {
			if bytes.Contains(b, []byte(f)) {
				t.Errorf("the kiosk's file %s holds the phone number as %q", path, f)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPhoneStep takes a number at a kiosk of a hall that sends text
// messages and leaves a mobile number on the phone step: a short number is
// refused on screen (in Chinese, then in English) and nothing is sent; the
// keyboard types a good one, which the server keeps, and the hall's webhook
// receiver gets the "close" message for it. Skip is as large as Confirm. In
// accessible mode the step has larger type and targets of at least 15 mm,
// and its prompt is spoken, never the number. Nothing the kiosk logged or
// wrote holds the number.
func TestPhoneStep(t *testing.T) {
	gw := startSMSGateway(t)
	h, logs := notifyHall(t, gw)
	dir := t.TempDir()
	k := startKiosk(t, h, &fakePrinter{}, filepath.Join(dir, "outbox.db"))
	k.waitReady(t)
	said := filepath.Join(t.TempDir(), "said.txt")
	script := filepath.Join(t.TempDir(), "speak.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat >> '"+said+"'\necho >> '"+said+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	min := minTargetPixels(1920, 1080, 21.5)
	u := newTestUI(t, k.Kiosk, uiOptions{TicketTimeout: time.Hour, IdleTimeout: time.Hour, MinTarget: min, SpeakCmd: script})
	u.waitUI(t, "the home screen", homeReady)

	u.tapTile(1)
	u.waitUI(t, "the receipt printed", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
	u.ui(func(a *kioskApp) {
		if !a.snap.Notify || a.phone.offer.Hidden || a.phone.offerText.Text != txtPhoneOffer.zh {
			t.Fatalf("ticket screen: hall notifies %v, offer hidden %v %q", a.snap.Notify, a.phone.offer.Hidden, a.phone.offerText.Text)
		}
	})
	u.shot(t, "phone-offer")
	u.ui(func(a *kioskApp) { test.Tap(a.phone.offer) })
	if s := u.screen(); s != screenPhone {
		t.Fatalf("after tapping the offer: screen %d, want the phone keypad", s)
	}
	for _, c := range "123" {
		u.ui(func(a *kioskApp) { test.Tap(a.phone.keys[string(c)]) })
	}
	u.ui(func(a *kioskApp) {
		if a.phone.value.Text != "123" || a.phone.count.Text != "已输入 3 / 11 位" {
			t.Errorf("typed 123: shows %q, %q", a.phone.value.Text, a.phone.count.Text)
		}
		test.Tap(a.phone.ok)
		if a.m.Screen != screenPhone || a.m.PhoneSending || paraText(a.phone.err) != "请输入11位手机号码（以13至19开头）" {
			t.Errorf("a short number confirmed: screen %d, sending %v, says %q", a.m.Screen, a.m.PhoneSending, paraText(a.phone.err))
		}
		test.Tap(a.langPad)
		if got := paraText(a.phone.err); got != "a mainland mobile number has 11 digits and starts with 13 to 19" ||
			a.phone.title.Text != txtPhoneOffer.en || a.phone.skipText.Text != "Skip" {
			t.Errorf("in English: says %q, title %q, skip %q", got, a.phone.title.Text, a.phone.skipText.Text)
		}
		if s, o := a.phone.skip.Size(), a.phone.ok.Size(); s != o || s.Height < min || s.Width < min {
			t.Errorf("skip %v, confirm %v: want the same size, at least %v", s, o, min)
		}
	})
	shots(t, u, "phone-invalid-en")
	u.ui(func(a *kioskApp) {
		test.Tap(a.langPad)
		test.Tap(a.phone.keys["clear"])
	})
	for _, c := range "138001380001" { // one digit too many: ignored
		u.typeKey(fyne.KeyName(string(c)))
	}
	u.ui(func(a *kioskApp) {
		if a.m.Phone != "13800138000" || a.phone.value.Text != "138 0013 8000" {
			t.Errorf("typed on the keyboard: %q, shows %q", a.m.Phone, a.phone.value.Text)
		}
	})
	shots(t, u, "phone")
	if got := gw.got("A011"); len(got) != 0 {
		t.Fatalf("messages before a number was left: %v", got)
	}
	u.typeKey(fyne.KeyReturn)
	u.waitUI(t, "the number kept", func(a *kioskApp) bool { return a.m.PhoneKept })
	u.ui(func(a *kioskApp) {
		if a.m.Phone != "" || a.phone.value.Text != " " || paraText(a.phone.err) != txtPhoneKept.zh || a.phone.okText.Text != txtDone.zh {
			t.Errorf("kept: number held %q, shows %q, says %q, button %q", a.m.Phone, a.phone.value.Text, paraText(a.phone.err), a.phone.okText.Text)
		}
	})
	u.shot(t, "phone-kept")
	waitFor(t, "the close message", func() bool { return len(gw.got("A011")) == 1 })
	if got := gw.got("A011"); got[0] != "close 13800138000" {
		t.Fatalf("gateway got %v, want the close message to 13800138000", got)
	}
	u.ui(func(a *kioskApp) { test.Tap(a.phone.ok) })
	if s := u.screen(); s != screenHome {
		t.Fatalf("done: screen %d, want home", s)
	}

	// Accessible mode: larger type, targets of 15 mm, the prompt spoken.
	u.ui(func(a *kioskApp) { test.Tap(a.accPad) })
	u.waitUI(t, "the accessible home screen", func(a *kioskApp) bool { return a.access && homeReady(a) })
	u.tapTile(1)
	u.waitUI(t, "the receipt printed", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
	u.ui(func(a *kioskApp) { test.Tap(a.phone.offer) })
	waitFor(t, "the phone prompt spoken", func() bool {
		b, _ := os.ReadFile(said)
		return strings.Contains(string(b), txtPhoneOffer.zh+"。您的号码 A012")
	})
	u.ui(func(a *kioskApp) {
		if a.phone.title.TextSize != 52*AccessScale || a.phone.value.TextSize != 72*AccessScale {
			t.Errorf("accessible type: title %v, number %v", a.phone.title.TextSize, a.phone.value.TextSize)
		}
		a.root.Refresh()
		if small, seen := smallTargets(a.root, min); len(small) > 0 || seen < 14 {
			t.Errorf("accessible phone screen: %d targets, smaller than 15 mm: %v", seen, small)
		}
	})
	for _, c := range "13900" {
		u.ui(func(a *kioskApp) { test.Tap(a.phone.keys[string(c)]) })
	}
	u.ui(func(a *kioskApp) { test.Tap(a.phone.ok) })
	waitFor(t, "the refusal spoken", func() bool {
		b, _ := os.ReadFile(said)
		return strings.Contains(string(b), "请输入11位手机号码")
	})
	shots(t, u, "access-phone-invalid")
	u.ui(func(a *kioskApp) {
		test.Tap(a.phone.skip)
		if a.m.Screen != screenHome || a.m.Phone != "" || a.phone.value.Text != " " {
			t.Errorf("skip: screen %d, number held %q, shows %q", a.m.Screen, a.m.Phone, a.phone.value.Text)
		}
	})
	b, _ := os.ReadFile(said)
	if strings.Contains(string(b), "13900") || strings.Contains(string(b), "13800138000") {
		t.Errorf("the phone number was spoken: %q", b)
	}
	if got := gw.got("A012"); len(got) != 0 {
		t.Errorf("skipped, yet the gateway got %v", got)
	}
	if !strings.Contains(logs.String(), `msg="phone number left for text messages" number=A011`) {
		t.Errorf("the kiosk did not log the number left")
	}
	noPhoneIn(t, "13800138000", logs.String(), dir)
}

// shots saves the window in $HALLQ_KIOSK_SHOTS, and checks that the screen
// fits the kiosk's 1920x1080 screen.
func shots(t *testing.T, u *testUI, name string) {
	t.Helper()
	u.ui(func(a *kioskApp) {
		a.root.Refresh()
		if m, s := a.root.MinSize(), a.win.Canvas().Size(); m.Width > 1920 || m.Height > 1080 || s != fyne.NewSize(1920, 1080) {
			t.Errorf("%s needs %v, window %v; want it to fit the 1920x1080 screen", name, m, s)
		}
	})
	u.shot(t, name)
}

// TestPhoneStepLeaves checks how the phone step ends without a number: Skip
// and Escape go home, or back to the QR code of a receipt that did not
// print; the step times out home; a ticket issued offline is not offered
// the step and says why. The number typed is forgotten each time.
func TestPhoneStepLeaves(t *testing.T) {
	gw := startSMSGateway(t)
	h, logs := notifyHall(t, gw)
	dir := t.TempDir()
	prn := &fakePrinter{}
	k := startKiosk(t, h, prn, filepath.Join(dir, "outbox.db"))
	k.waitReady(t)
	u := newTestUI(t, k.Kiosk, uiOptions{TicketTimeout: time.Hour, IdleTimeout: time.Hour})
	u.waitUI(t, "the home screen", homeReady)
	forgotten := func(what string) {
		t.Helper()
		u.ui(func(a *kioskApp) {
			if a.m.Phone != "" || a.phone.value.Text != " " {
				t.Errorf("%s: number held %q, shows %q", what, a.m.Phone, a.phone.value.Text)
			}
		})
	}
	toPhone := func(typed string) {
		t.Helper()
		u.tapTile(1)
		u.waitUI(t, "the receipt out", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
		// In one step of Fyne's goroutine, so that the short timeout of the
		// test below cannot end the step halfway.
		u.ui(func(a *kioskApp) {
			test.Tap(a.phone.offer)
			for _, c := range typed {
				a.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyName(string(c))})
			}
			if a.m.Screen != screenPhone || a.m.Phone != typed {
				t.Fatalf("phone step: screen %d, typed %q", a.m.Screen, a.m.Phone)
			}
		})
	}

	toPhone("1380013")
	u.ui(func(a *kioskApp) { test.Tap(a.phone.skip) })
	if s := u.screen(); s != screenHome {
		t.Fatalf("skip: screen %d, want home", s)
	}
	forgotten("skip")

	// The receipt did not print: leaving the step shows its QR code again.
	prn.mu.Lock()
	prn.err = fmt.Errorf("printer: receipt not sent: %w", printer.ErrPaperOut)
	prn.mu.Unlock()
	toPhone("13900")
	u.typeKey(fyne.KeyEscape)
	u.ui(func(a *kioskApp) {
		if a.m.Screen != screenTicket || !a.m.PrintFailed || a.phone.offer.Hidden {
			t.Errorf("Escape after a failed receipt: screen %d, failed %v, offer hidden %v", a.m.Screen, a.m.PrintFailed, a.phone.offer.Hidden)
		}
		if url, err := decodeQR(a.win.Canvas().Capture()); err != nil || url != a.issued.StatusURL {
			t.Errorf("QR on screen: %q, %v; want %s", url, err, a.issued.StatusURL)
		}
		test.Tap(a.tkDone)
	})
	forgotten("Escape")
	prn.mu.Lock()
	prn.err = nil
	prn.mu.Unlock()

	// The step times out home.
	u.ui(func(a *kioskApp) { a.opts.IdleTimeout = 200 * time.Millisecond })
	toPhone("1370")
	u.waitUI(t, "the phone step timing out", func(a *kioskApp) bool { return a.m.Screen == screenHome })
	forgotten("timeout")
	u.ui(func(a *kioskApp) { a.opts.IdleTimeout = time.Hour })

	// Offline: no step, and the ticket says so.
	h.Down()
	u.waitUI(t, "the offline banner", func(a *kioskApp) bool { return !a.banner.Hidden })
	u.tapTile(1)
	u.waitUI(t, "the offline ticket", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
	u.ui(func(a *kioskApp) {
		if !a.issued.Offline || !a.phone.offer.Hidden || !strings.Contains(paraText(a.tkOffline), txtPhoneOffline.zh) {
			t.Errorf("offline ticket: offline %v, offer hidden %v, note %q", a.issued.Offline, a.phone.offer.Hidden, paraText(a.tkOffline))
		}
		if e := a.m.StartPhone(); e != effectNone || a.m.Screen != screenTicket {
			t.Errorf("the phone step opened for an offline ticket")
		}
	})
	u.shot(t, "phone-offline-ticket")
	h.Up()
	if got := len(gw.got("A011")) + len(gw.got("A012")) + len(gw.got("A013")); got != 0 {
		t.Errorf("the gateway got %d messages, want none", got)
	}
	noPhoneIn(t, "13800130000", logs.String(), dir)
}
