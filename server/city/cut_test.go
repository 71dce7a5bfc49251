package city_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"hallq/server/city"
	"hallq/server/config"
	"hallq/server/engine"
)

// TestCityCatchesUpAfterAMinuteCut cuts a hall's link to the city for a
// minute of wall time while the hall issues at a steady rate and a window
// calls, and restores it: the portal comes up to the hall's head with no gap
// and no duplicate. Another hall, not cut, is followed throughout.
func TestCityCatchesUpAfterAMinuteCut(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of wall time")
	}
	var cfg *config.Config
	cut := startHallWith(t, "cut1", 0, func(c *config.Config) { cfg = c })
	other := startHall(t, "cut2", 1)
	halls := []*testHall{cut, other}
	portals := []*city.Portal{startPortal(t), startPortal(t)}

	// A window of the cut hall that serves the service issued, and someone
	// who may sign in to it.
	var window, staff string
	for _, w := range cut.Engine.Hall().Windows {
		if !slices.Contains(w.Primary, "general") {
			continue
		}
		for _, s := range cfg.Staff {
			if s.MaySignIn(w.ID) && window == "" {
				window, staff = w.ID, s.Username
			}
		}
	}
	if window == "" {
		t.Fatal("the demo hall has no window serving general with staff for it")
	}
	act := func(action string) {
		t.Helper()
		if _, err := cut.Engine.Act(context.Background(), engine.ActInput{Window: window, Staff: staff, Action: action}); err != nil {
			t.Fatalf("%s at window %s: %v", action, window, err)
		}
	}
	act(engine.ActOpen)
	cut.issue(t, 5)
	other.issue(t, 5)
	waitCaughtUp(t, portals, halls)
	before, _ := cut.Engine.Head()

	// A minute without the link: four tickets a second, and every second the
	// window completes its ticket and calls the next.
	cut.relay.To("")
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for n := 0; time.Since(start) < time.Minute; n++ {
		<-tick.C
		cut.issue(t, 1)
		if n%4 == 0 {
			if n > 0 {
				act(engine.ActComplete)
			}
			act(engine.ActCallNext)
		}
		if n%8 == 0 {
			other.issue(t, 1)
		}
	}
	head, _ := cut.Engine.Head()
	if head < before+100 {
		t.Fatalf("a minute of issuing took the log from %d to %d only", before, head)
	}
	if s := cut.Federation.Status(); s.Lag == 0 {
		t.Errorf("the cut hall after a minute: %+v, want a lag", s)
	}
	// The hall not cut was followed all along; the cut one not past the cut.
	waitCaughtUp(t, portals, []*testHall{other})
	for i, p := range portals {
		if got := p.Progress()["cut1"].Seq; got != before {
			t.Fatalf("portal %d read the cut hall to %d while its link was cut at %d", i, got, before)
		}
	}

	cut.relay.To(cut.node)
	waitCaughtUp(t, portals, halls)
	checkExact(t, portals, halls)
	t.Logf("the cut hall's log went from %d to %d during the cut", before, head)
}
