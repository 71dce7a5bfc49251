package main

import (
	"testing"

	"hallq/server/queue"
	"hallq/server/wire"
)

// TestWindowCardSupervision: a window's card carries the supervision
// office's line when the hall names one, and none otherwise.
func TestWindowCardSupervision(t *testing.T) {
	desc := testHall()
	desc.Supervision = &wire.Supervision{Office: "监督科", Phone: "0571-12345678"}
	h, err := newHallInfo(desc)
	if err != nil {
		t.Fatal(err)
	}
	if v := windowView(h, newScript(t).issue("estate", "C001").state(), "vip", t0); v.Supervision != "监督电话 Tel. 0571-12345678" {
		t.Errorf("with a supervision office: got %q", v.Supervision)
	}
	if v := windowView(mustHallInfo(t), newScript(t).issue("estate", "C001").state(), "vip", t0); v.Supervision != "" {
		t.Errorf("without: got %q", v.Supervision)
	}
}

// TestWindowCardRatings: the card counts today's ratings of the window.
func TestWindowCardRatings(t *testing.T) {
	s := newScript(t).issue("estate", "C001").state()
	for _, tk := range s.Tickets {
		tk.Status, tk.LastWindow, tk.Rating = queue.StatusCompleted, "vip", queue.RatingSatisfied
	}
	v := windowView(mustHallInfo(t), s, "vip", t0)
	if v.Rated != 1 || v.Satisfied != 1 || cardFooter(v) != "今日评价 1  满意率 100%" {
		t.Errorf("got %d rated, %d satisfied, footer %q", v.Rated, v.Satisfied, cardFooter(v))
	}
}
