package main

import (
	"testing"

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
