package halltest

import (
	"sync"
	"time"

	"hallq/server/queue"
)

// Clock is a test hall's clock. It runs as fast as the machine's from where
// it was last set, or stands still if it was made with NewFixedClock, so that
// no test depends on the date or the time of day it runs at. Given a hall, a
// running clock never runs into another service day or date of that hall: it
// stops at its last reading of the day instead (a test that ran as the day
// turned would see its waiting tickets expire and the numbers start again).
// Set moves it anywhere, the day it keeps to with it.
type Clock struct {
	hall *queue.Hall // nil: no day to keep to

	mu      sync.Mutex
	at      time.Time // the time set
	since   time.Time // the machine's time when at was set; zero for a fixed clock
	day     string    // the service day and date the clock keeps to
	last    time.Time // the last reading
	running bool
}

// NewClock returns a clock that runs from start (the machine's time if start
// is zero), keeping to hall's service day if hall is not nil.
func NewClock(hall *queue.Hall, start time.Time) *Clock {
	c := &Clock{hall: hall, running: true}
	if start.IsZero() {
		start = time.Now()
	}
	c.Set(start)
	return c
}

// NewFixedClock returns a clock that stands at at until it is set or
// advanced.
func NewFixedClock(at time.Time) *Clock {
	c := &Clock{}
	c.Set(at)
	return c
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running {
		return c.at
	}
	now := c.at.Add(time.Since(c.since))
	if now.After(c.last) && c.dayOf(now) == c.day {
		c.last = now
	}
	return c.last
}

// Set moves the clock to at; a running clock runs on from there.
func (c *Clock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.since, c.last, c.day = at, time.Now(), at, c.dayOf(at)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// dayOf names the service day and the calendar date of t at the hall.
func (c *Clock) dayOf(t time.Time) string {
	if c.hall == nil {
		return ""
	}
	return c.hall.Day(t) + " " + t.In(c.hall.Location).Format(time.DateOnly)
}

// Before returns the time d before now, or the start of the clock's service
// day if that is later (the start of the date, if the day started the day
// before): when a kiosk may have issued a ticket offline d ago.
func (c *Clock) Before(d time.Duration) time.Time {
	now := c.Now()
	if c.hall == nil {
		return now.Add(-d)
	}
	local := now.In(c.hall.Location)
	start := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, c.hall.Location) // the date's start
	if dayStart := start.Add(c.hall.DayStart); !now.Before(dayStart) {
		start = dayStart // the service day started later in the date
	}
	if t := now.Add(-d); t.After(start) {
		return t
	}
	return start
}

// Date is the clock's date at the hall (the machine's zone without a hall),
// as YYYY-MM-DD.
func (c *Clock) Date() string {
	if c.hall == nil {
		return c.Now().Format(time.DateOnly)
	}
	return c.Now().In(c.hall.Location).Format(time.DateOnly)
}
