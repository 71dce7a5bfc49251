package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hallq/printer"
	"hallq/printer/virtual"
)

// testUI is the kiosk app on Fyne's test driver. Fyne's test driver runs
// fyne.Do at once on the caller's goroutine, so the app's do and the test's
// reads share a lock instead.
type testUI struct {
	a  *kioskApp
	mu sync.Mutex

	// screens are the screens the app showed, in order, as seen after each
	// of its steps (guarded by mu): a screen that times out may come and
	// go between two looks of a test.
	screens []screen
}

// note records the screen shown. u.mu is held.
func (u *testUI) note() {
	if n := len(u.screens); n == 0 || u.screens[n-1] != u.a.m.Screen {
		u.screens = append(u.screens, u.a.m.Screen)
	}
}

var (
	fontsOnce             sync.Once
	testRegular, testBold fyne.Resource
)

func newTestUI(t *testing.T, k *Kiosk, o uiOptions) *testUI {
	t.Helper()
	fontsOnce.Do(func() {
		testRegular, testBold, _, _ = loadFonts("")
	})
	o.Theme = &kioskTheme{regular: testRegular, bold: testBold}
	u := &testUI{}
	u.a = newKioskApp(k, k.log, o)
	u.a.do = func(f func()) {
		u.mu.Lock()
		defer u.mu.Unlock()
		f()
		u.note()
	}
	app := test.NewTempApp(t)
	u.ui(func(a *kioskApp) {
		a.loadUI(app)
		a.win.Resize(fyne.NewSize(1920, 1080))
		a.win.Show()
	})
	t.Cleanup(func() {
		u.ui(func(a *kioskApp) {
			a.setTimer(0)
			a.win.Close()
		})
	})
	return u
}

// ui runs f with the app, as Fyne's goroutine would.
func (u *testUI) ui(f func(a *kioskApp)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f(u.a)
	u.note()
}

// waitUI waits until cond holds of the app.
func (u *testUI) waitUI(t *testing.T, what string, cond func(a *kioskApp) bool) {
	t.Helper()
	waitFor(t, what, func() bool {
		ok := false
		u.ui(func(a *kioskApp) { ok = cond(a) })
		return ok
	})
}

// shot saves the window as a PNG in $HALLQ_KIOSK_SHOTS, for people to look at.
func (u *testUI) shot(t *testing.T, name string) {
	dir := os.Getenv("HALLQ_KIOSK_SHOTS")
	if dir == "" {
		return
	}
	u.ui(func(a *kioskApp) {
		if err := virtual.WritePNG(filepath.Join(dir, name+".png"), a.win.Canvas().Capture()); err != nil {
			t.Error(err)
		}
	})
}

func (u *testUI) tapTile(n int) {
	u.ui(func(a *kioskApp) { test.Tap(a.tiles[n-1].pad) })
}

func (u *testUI) typeKey(k fyne.KeyName) {
	u.ui(func(a *kioskApp) { a.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: k}) })
}

func (u *testUI) screen() screen {
	var s screen
	u.ui(func(a *kioskApp) { s = a.m.Screen })
	return s
}

func homeReady(a *kioskApp) bool {
	return a.m.Screen == screenHome && len(a.m.Tiles) == 4 && a.snap.Online && a.tiles[0].status.Segments != nil &&
		strings.Contains(paraText(a.tiles[0].status), "等候")
}

func TestTapServiceShowsTicket(t *testing.T) {
	h := newTestHall(t)
	tp := newTestPrinter(t)
	k := startKiosk(t, h, tp.line(t), filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	u := newTestUI(t, k.Kiosk, uiOptions{TicketTimeout: time.Hour, IdleTimeout: time.Hour})
	u.waitUI(t, "the home screen with live services", homeReady)
	u.ui(func(a *kioskApp) {
		if got := a.hallName.Text; got != "政务服务中心（演示）" {
			t.Errorf("hall name: got %q", got)
		}
		for i, want := range []string{"综合受理", "社保医保", "不动产登记", "出入境"} {
			st := a.tiles[i]
			if st.name.Text != want || st.key.Text != fmt.Sprint(i+1) || st.pad.MinSize().Height < 200 {
				t.Errorf("tile %d: got %q key %q size %v, want %s, a large target", i, st.name.Text, st.key.Text, st.pad.MinSize(), want)
			}
		}
		if !a.banner.Hidden {
			t.Errorf("banner shown online: %q", paraText(a.bannerText))
		}
	})
	u.shot(t, "home")

	u.tapTile(1)
	u.waitUI(t, "the receipt printed", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
	job := tp.job(t)
	printed, err := decodeQR(job.Image)
	if err != nil {
		t.Fatal(err)
	}
	u.shot(t, "ticket")
	u.ui(func(a *kioskApp) {
		if a.tkNumber.Text != "A011" || a.tkNumber.TextSize < 200 || a.tkService.Text != "综合受理" ||
			a.tkAhead.Text != "前面还有 0 人" || a.m.PrintFailed {
			t.Errorf("ticket screen: number %q (size %v), service %q, ahead %q, failed %v",
				a.tkNumber.Text, a.tkNumber.TextSize, a.tkService.Text, a.tkAhead.Text, a.m.PrintFailed)
		}
		if got := paraText(a.tkPrint); !strings.Contains(got, "请取走小票") {
			t.Errorf("print status: got %q", got)
		}
		// The QR code on screen is the one on the receipt: the ticket's status page.
		onScreen, err := decodeQR(a.win.Canvas().Capture())
		if err != nil || onScreen != printed || a.issued.StatusURL != printed {
			t.Errorf("QR on screen %q (%v), on the receipt %q, of the ticket %q", onScreen, err, printed, a.issued.StatusURL)
		}
	})
	count, _ := h.issuedNumbers(t)
	if count["A011"] != 1 {
		t.Fatalf("A011 in the log %d times", count["A011"])
	}
	// A tap anywhere goes home.
	u.ui(func(a *kioskApp) { test.Tap(a.tkPad) })
	if s := u.screen(); s != screenHome {
		t.Fatalf("after a tap: screen %d, want home", s)
	}
}

func TestRealNameIDEntry(t *testing.T) {
	h := newTestHall(t)
	prn := &fakePrinter{}
	k := startKiosk(t, h, prn, filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	u := newTestUI(t, k.Kiosk, uiOptions{TicketTimeout: time.Hour, IdleTimeout: time.Hour})
	u.waitUI(t, "the home screen", homeReady)

	u.tapTile(2) // 社保医保, real-name
	if s := u.screen(); s != screenID {
		t.Fatalf("after tapping a real-name service: screen %d, want the keypad", s)
	}
	tapKeys := func(keys string) {
		for _, c := range keys {
			u.ui(func(a *kioskApp) { test.Tap(a.keys[string(c)]) })
		}
	}
	tapKeys("110105194912310012") // wrong check digit
	u.shot(t, "id")
	u.ui(func(a *kioskApp) {
		if got := a.idValue.Text; strings.Contains(got, "1949") || got != "****** ******** ***2" {
			t.Errorf("masked number: got %q", got)
		}
		test.Tap(a.idOK)
		if a.m.Screen != screenID || !strings.Contains(paraText(a.idErr), "校验位") {
			t.Errorf("after confirming a wrong number: screen %d, error %q", a.m.Screen, paraText(a.idErr))
		}
	})
	if count, _ := h.issuedNumbers(t); count["B001"] != 0 {
		t.Fatal("a number was issued for an invalid ID")
	}
	u.ui(func(a *kioskApp) {
		test.Tap(a.keys[keyDelete])
		if a.m.ID != "11010519491231001" {
			t.Errorf("after delete: %q", a.m.ID)
		}
	})
	tapKeys("1")
	u.ui(func(a *kioskApp) { test.Tap(a.idOK) })
	u.waitUI(t, "the ticket screen", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
	u.ui(func(a *kioskApp) {
		if a.tkNumber.Text != "B001" || a.m.ID != "" {
			t.Errorf("ticket %q, ID kept %q", a.tkNumber.Text, a.m.ID)
		}
	})
	if count, _ := h.issuedNumbers(t); count["B001"] != 1 {
		t.Fatal("B001 not in the log")
	}
}

func TestKeyboardChoosesServices(t *testing.T) {
	h := newTestHall(t)
	prn := &fakePrinter{}
	k := startKiosk(t, h, prn, filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	u := newTestUI(t, k.Kiosk, uiOptions{TicketTimeout: time.Hour, IdleTimeout: time.Hour})
	u.waitUI(t, "the home screen", homeReady)

	u.typeKey(fyne.Key3) // 不动产登记
	u.waitUI(t, "the ticket screen", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
	u.ui(func(a *kioskApp) {
		if a.tkNumber.Text != "C011" {
			t.Errorf("key 3: got ticket %q, want C011", a.tkNumber.Text)
		}
	})
	u.typeKey(fyne.KeyReturn)
	if s := u.screen(); s != screenHome {
		t.Fatalf("Enter on the ticket screen: screen %d, want home", s)
	}
	u.typeKey(fyne.Key2)
	for _, c := range "11010519491231002" {
		u.typeKey(fyne.KeyName(string(c)))
	}
	u.typeKey(fyne.KeyX)
	u.ui(func(a *kioskApp) {
		if a.m.Screen != screenID || a.m.ID != "11010519491231002X" {
			t.Errorf("typed on the keypad: screen %d, ID %q", a.m.Screen, a.m.ID)
		}
	})
	u.typeKey(fyne.KeyEscape)
	u.ui(func(a *kioskApp) {
		if a.m.Screen != screenHome || a.m.ID != "" {
			t.Errorf("Escape: screen %d, ID %q", a.m.Screen, a.m.ID)
		}
	})
	u.typeKey(fyne.Key1)
	u.waitUI(t, "the ticket screen", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
	u.typeKey(fyne.KeyEscape)
	if s := u.screen(); s != screenHome {
		t.Fatalf("Escape on the ticket screen: screen %d, want home", s)
	}
	if len(prn.printed) != 2 || prn.printed[0].Number != "C011" || prn.printed[1].Number != "A011" {
		t.Fatalf("printed: %+v", prn.printed)
	}
}

func TestLanguageSwitch(t *testing.T) {
	h := newTestHall(t)
	k := startKiosk(t, h, &fakePrinter{}, filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	u := newTestUI(t, k.Kiosk, uiOptions{TicketTimeout: time.Hour, IdleTimeout: time.Hour})
	u.waitUI(t, "the home screen", homeReady)
	u.ui(func(a *kioskApp) {
		test.Tap(a.langPad)
		if a.hallName.Text != "Government Service Center (demo)" || a.tiles[0].name.Text != "General affairs" ||
			a.tiles[0].name2.Text != "综合受理" || a.langText.Text != "中文" || !strings.Contains(paraText(a.tiles[0].status), "waiting") {
			t.Errorf("English: hall %q, tile %q/%q, switch %q, status %q", a.hallName.Text, a.tiles[0].name.Text,
				a.tiles[0].name2.Text, a.langText.Text, paraText(a.tiles[0].status))
		}
	})
	u.shot(t, "home-en")
	u.ui(func(a *kioskApp) { test.Tap(a.tiles[1].pad) })
	u.shot(t, "id-en")
	u.ui(func(a *kioskApp) {
		test.Tap(a.idBack)
		test.Tap(a.langPad)
		test.Tap(a.tiles[0].pad)
	})
	u.waitUI(t, "the ticket screen", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
	u.shot(t, "ticket-en")
	u.ui(func(a *kioskApp) {
		if a.tkAhead.Text != "0 people ahead of you" {
			t.Errorf("English ticket: %q", a.tkAhead.Text)
		}
		test.Tap(a.tkPad)
		if a.hallName.Text != "政务服务中心（演示）" {
			t.Errorf("home after the ticket is Chinese again: got %q", a.hallName.Text)
		}
	})
}

func TestOfflineScreensAndPrintFailure(t *testing.T) {
	h := newTestHall(t)
	prn := &fakePrinter{}
	k := startKiosk(t, h, prn, filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	u := newTestUI(t, k.Kiosk, uiOptions{TicketTimeout: time.Hour, IdleTimeout: time.Hour})
	u.waitUI(t, "the home screen", homeReady)

	h.Down()
	u.waitUI(t, "the offline banner", func(a *kioskApp) bool { return !a.banner.Hidden })
	u.ui(func(a *kioskApp) {
		if got := paraText(a.bannerText); !strings.Contains(got, "网络中断") {
			t.Errorf("banner: %q", got)
		}
		if got := paraText(a.tiles[1].status); got != txtRealNameOff.zh {
			t.Errorf("real-name tile offline: %q", got)
		}
		if got := paraText(a.tiles[0].status); got != "离线取号 · 备用号余 10 个" {
			t.Errorf("general tile offline: %q", got)
		}
		test.Tap(a.tiles[1].pad)
		if a.m.Screen != screenNotice || !strings.Contains(paraText(a.noticeText), txtRealNameOff.zh) {
			t.Errorf("real-name tap offline: screen %d, notice %q", a.m.Screen, paraText(a.noticeText))
		}
	})
	u.shot(t, "notice")
	u.ui(func(a *kioskApp) { test.Tap(a.noticeOK) })
	u.shot(t, "offline-home")

	// The printer is out of paper: the QR code stays, with what to do.
	prn.mu.Lock()
	prn.err = fmt.Errorf("printer: receipt not sent: %w", printer.ErrPaperOut)
	prn.mu.Unlock()
	u.tapTile(1)
	u.waitUI(t, "the ticket screen", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
	u.shot(t, "offline-ticket-no-paper")
	u.ui(func(a *kioskApp) {
		if a.tkNumber.Text != "A001" || a.tkOffline.Hidden || !a.m.PrintFailed || a.tkDone.Hidden {
			t.Errorf("offline ticket: %q, offline note hidden %v, failed %v", a.tkNumber.Text, a.tkOffline.Hidden, a.m.PrintFailed)
		}
		if got := paraText(a.tkPrint); !strings.Contains(got, "缺纸") || !strings.Contains(got, "二维码") {
			t.Errorf("print failure: %q", got)
		}
		if a.tkAhead.Text != "前面约有 0 人" {
			t.Errorf("estimated ahead: %q", a.tkAhead.Text)
		}
		if url, err := decodeQR(a.win.Canvas().Capture()); err != nil || url != a.issued.StatusURL {
			t.Errorf("QR on screen: %q, %v; want %s", url, err, a.issued.StatusURL)
		}
		test.Tap(a.tkPad) // a tap beside the button must not hide the QR code
		if a.m.Screen != screenTicket {
			t.Errorf("the QR code went away after a stray tap")
		}
		test.Tap(a.tkDone)
		if a.m.Screen != screenHome {
			t.Errorf("Done: screen %d", a.m.Screen)
		}
	})
	h.Up()
	waitFor(t, "the sync", func() bool { s := k.Snapshot(); return s.Online && s.Pending == 0 })
	// Back online, the banner says what staff must fix: the paper.
	u.waitUI(t, "the printer banner", func(a *kioskApp) bool {
		b := paraText(a.bannerText)
		return !a.banner.Hidden && !strings.Contains(b, "网络中断") && strings.Contains(b, "缺纸")
	})
	if count, _ := h.issuedNumbers(t); count["A001"] != 1 {
		t.Fatalf("A001 in the log %d times", count["A001"])
	}
}

func TestScreensTimeOut(t *testing.T) {
	h := newTestHall(t)
	k := startKiosk(t, h, &fakePrinter{}, filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	u := newTestUI(t, k.Kiosk, uiOptions{TicketTimeout: 100 * time.Millisecond, IdleTimeout: 100 * time.Millisecond})
	u.waitUI(t, "the home screen", homeReady)
	u.typeKey(fyne.Key2)
	u.typeKey(fyne.Key4)
	u.waitUI(t, "the keypad timing out", func(a *kioskApp) bool { return a.m.Screen == screenHome && a.m.ID == "" })
	// The ticket screen shows for 100 ms: look for it among the screens
	// shown, not on the screen at one moment.
	var from int
	u.ui(func(*kioskApp) { from = len(u.screens) })
	u.typeKey(fyne.Key1)
	u.waitUI(t, "the ticket screen, then its timing out", func(a *kioskApp) bool {
		return slices.Contains(u.screens[from:], screenTicket) && a.m.Screen == screenHome
	})
}
