package config

import (
	"fmt"
	"strings"
	"time"

	"hallq/server/queue"
)

// fileAppointments is a service's [services.appointments] table.
type fileAppointments struct {
	Prefix            string   `toml:"prefix"`
	SlotLength        duration `toml:"slot_length"`
	Capacity          int      `toml:"capacity"`
	Hours             []string `toml:"hours"`
	Weekdays          []string `toml:"weekdays"`
	Closed            []string `toml:"closed"`
	DaysAhead         int      `toml:"days_ahead"`
	ReleaseAt         clock    `toml:"release_at"`
	WalkInShare       int      `toml:"walk_in_share"`
	CancelBefore      duration `toml:"cancel_before"`
	CheckInBefore     duration `toml:"check_in_before"`
	CheckInAfter      duration `toml:"check_in_after"`
	LateUntil         duration `toml:"late_until"`
	PerIdentityActive int      `toml:"per_identity_active"`
	PerIdentityDaily  int      `toml:"per_identity_daily"`
	NoShowLimit       int      `toml:"no_show_limit"`
	NoShowWindow      duration `toml:"no_show_window"`
	Suspension        duration `toml:"suspension"`
	LotteryWindow     duration `toml:"lottery_window"`
}

var weekdayNames = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// appointments builds a service's booking rules; the domain validates the rest.
func (p *parser) appointments(f string, raw *fileAppointments) *queue.Appointments {
	if raw == nil {
		return nil
	}
	f += ".appointments"
	a := &queue.Appointments{Prefix: raw.Prefix, SlotLength: raw.SlotLength.d, Capacity: raw.Capacity, Closed: raw.Closed,
		DaysAhead: raw.DaysAhead, ReleaseAt: raw.ReleaseAt.d, WalkInShare: raw.WalkInShare, CancelBefore: raw.CancelBefore.d,
		CheckInBefore: raw.CheckInBefore.d, CheckInAfter: raw.CheckInAfter.d, LateUntil: raw.LateUntil.d,
		PerIdentityActive: raw.PerIdentityActive, PerIdentityDaily: raw.PerIdentityDaily, NoShowLimit: raw.NoShowLimit,
		NoShowWindow: raw.NoShowWindow.d, Suspension: raw.Suspension.d, LotteryWindow: raw.LotteryWindow.d}
	for i, s := range raw.Hours {
		open, close, err := parseInterval(s)
		if err != nil {
			p.errorf(fmt.Sprintf("%s.hours[%d]", f, i), "%v", err)
			continue
		}
		a.Hours = append(a.Hours, queue.Hours{Open: open, Close: close})
	}
	for i, d := range raw.Weekdays {
		wd, ok := weekdayNames[strings.ToLower(strings.TrimSpace(d))[:min(3, len(strings.TrimSpace(d)))]]
		if !ok {
			p.errorf(fmt.Sprintf("%s.weekdays[%d]", f, i), "%q is not a day of the week (mon, tue, wed, thu, fri, sat, sun)", d)
			continue
		}
		a.Weekdays = append(a.Weekdays, wd)
	}
	return a
}
