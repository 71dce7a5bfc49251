package main

import (
	"context"
	"image"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"hallq/server/engine"
)

var (
	checkedInRE      = regexp.MustCompile(`msg="appointment checked in" .*number=(YD\S+) service=exit-entry`)
	checkInRefusedRE = regexp.MustCompile(`msg="check-in refused"`)
	noticeRE         = regexp.MustCompile(`msg=screen .*screen=notice`)
)

// TestCheckInUnderX runs the real kiosk binary on an X server against a hall
// on the test clock, prints on the virtual printer, and checks a booking in
// as an applicant does: a click on "预约签到 / Check in", the document
// number typed (a keypad or a reader that types), Return. Another person's
// document is refused on screen and nothing is printed; the booker's
// document prints the appointment ticket, and the log holds one check-in.
func TestCheckInUnderX(t *testing.T) {
	h := newTestHall(t)
	const booker, stranger = "110105198001010024", "110105199002020034"
	if _, err := h.engine.Book(context.Background(), engine.BookInput{Service: "exit-entry", Slot: "exit-entry-20261120-1030",
		DocKind: "resident", DocNumber: booker}); err != nil {
		t.Fatal(err)
	}
	display, kiosk, tp, _, dir := startKioskOnHall(t, h)
	// The check-in button is the green one at the bottom right of the home
	// screen: find it on the screen.
	var at image.Point
	screenshot(t, display, dir, "checkin-home", func(img image.Image, _ string) bool {
		var ok bool
		at, ok = findColour(img, image.Rect(960, 800, 1920, 1080), colGreen)
		return ok && tilesShown(img, "")
	})
	checkIn := func(id string) {
		t.Helper()
		n := kiosk.count(idScreen)
		xdo(t, display, "mousemove", strconv.Itoa(at.X), strconv.Itoa(at.Y), "click", "1")
		kiosk.waitLine(t, idScreen, n+1)
		xdo(t, display, "type", "--delay", "30", id)
		xdo(t, display, "key", "Return")
	}

	checkIn(stranger)
	kiosk.waitLine(t, checkInRefusedRE, 1)
	kiosk.waitLine(t, noticeRE, 1)
	screenshot(t, display, dir, "checkin-refused", func(img image.Image, _ string) bool {
		// The notice: its yellow title and its blue button, no tiles.
		return !tilesShown(img, "") && hasColour(img, image.Rect(0, 130, 1920, 500), colYellow) &&
			hasColour(img, image.Rect(0, 500, 1920, 1080), colBlue)
	})
	n := kiosk.count(homeRE)
	xdo(t, display, "key", "Escape")
	kiosk.waitLine(t, homeRE, n+1)

	checkIn(booker)
	kiosk.waitLine(t, checkedInRE, 1)
	job := tp.job(t)
	var number string
	for _, l := range kiosk.output() {
		if m := checkedInRE.FindStringSubmatch(l); m != nil {
			number = m[1]
		}
	}
	screenshot(t, display, dir, "checkin-ticket", func(img image.Image, qr string) bool {
		return hasColour(img, image.Rect(0, 150, 960, 600), colYellow) // the number
	})
	if !strings.HasPrefix(number, "YD") || job.Image == nil {
		t.Fatalf("checked in as %q, receipt %v", number, job.Image != nil)
	}
	checkedIn, refused := 0, kiosk.count(checkInRefusedRE)
	for _, ev := range h.events(t) {
		if ev.Type == "appointment.checked_in" {
			checkedIn++
		}
	}
	if checkedIn != 1 || refused != 1 {
		t.Fatalf("%d check-ins in the log, %d refusals shown; want 1 and 1", checkedIn, refused)
	}
}

// findColour returns a pixel of r in img of colour c, near the middle of
// those found.
func findColour(img image.Image, r image.Rectangle, c interface{ RGBA() (r, g, b, a uint32) }) (image.Point, bool) {
	cr, cg, cb, _ := c.RGBA()
	r = r.Intersect(img.Bounds())
	var pts []image.Point
	for y := r.Min.Y; y < r.Max.Y; y += 4 {
		for x := r.Min.X; x < r.Max.X; x += 4 {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if pr>>8 == cr>>8 && pg>>8 == cg>>8 && pb>>8 == cb>>8 {
				pts = append(pts, image.Pt(x, y))
			}
		}
	}
	if len(pts) < 20 {
		return image.Point{}, false
	}
	return pts[len(pts)/2], true
}
