package queue

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Appointments are a service's published booking rules. Places are laid out in
// slots of SlotLength, Capacity places each, on the days and hours of the weekly
// template. The slots of day D are released publicly at ReleaseAt on day
// D-DaysAhead; a booking is made by real name and turned into a ticket by a
// check-in at the kiosk, with the booker's document, inside the check-in window.
type Appointments struct {
	// Prefix is the number prefix of tickets checked in from a booking, so that
	// screens and staff tell them from walk-in numbers (for example "YA").
	Prefix     string
	SlotLength time.Duration
	Capacity   int // places per slot
	// Hours are the intervals of a day in which slots are laid out, in time
	// after local midnight; Weekdays the days of the week that have slots
	// (all when empty); Closed the dates (YYYY-MM-DD) without slots, holidays.
	Hours    []Hours
	Weekdays []time.Weekday
	Closed   []string
	// DaysAhead is how many days ahead slots can be booked: the slots of day
	// D+DaysAhead are released at ReleaseAt (time after local midnight) on day D.
	DaysAhead int
	ReleaseAt time.Duration
	// WalkInShare is the percentage of the service's daily numbers (DailyCap)
	// kept for walk-ins: a day's places may be at most the rest.
	WalkInShare int
	// CancelBefore is how long before its slot starts a booking may last be
	// cancelled.
	CancelBefore time.Duration
	// A check-in from CheckInBefore before the slot's start to CheckInAfter
	// after it is on time. Until LateUntil after the start (when longer), a
	// late check-in is still taken, as a walk-in from the time of check-in.
	CheckInBefore time.Duration
	CheckInAfter  time.Duration
	LateUntil     time.Duration
	// PerIdentityActive is the most bookings one identity may hold for the
	// service at once, PerIdentityDaily the most for one day; 0 is no limit.
	PerIdentityActive int
	PerIdentityDaily  int
	// NoShowLimit missed appointments within NoShowWindow suspend the identity
	// from booking the service for Suspension; 0 disables the penalty.
	NoShowLimit  int
	NoShowWindow time.Duration
	Suspension   time.Duration
	// LotteryWindow, when set, puts the service in lottery mode: a day's
	// places are not booked first come but drawn among the applications
	// taken from its release time for LotteryWindow (see Lottery).
	LotteryWindow time.Duration
}

// Defaults of the appointment rules, used where the configuration is silent.
const (
	DefaultSlotLength    = 30 * time.Minute
	DefaultDaysAhead     = 7
	DefaultCheckInBefore = 30 * time.Minute
	DefaultCheckInAfter  = 15 * time.Minute
	DefaultNoShowWindow  = 30 * 24 * time.Hour
	DefaultSuspension    = 30 * 24 * time.Hour
	MaxDaysAhead         = 60
)

// SlotSpec is a slot of the weekly template: where and how many places.
type SlotSpec struct {
	ID       string    `json:"slot"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Capacity int       `json:"capacity"`
}

// SlotID returns the public ID of a service's slot, for example
// "general-20261123-0930".
func SlotID(service string, start time.Time, loc *time.Location) string {
	return service + "-" + start.In(loc).Format("20060102-1504")
}

// SlotsOf returns the slots of a service's weekly template on a day
// (YYYY-MM-DD), none for a service without appointments or a closed day.
func (h *Hall) SlotsOf(svc *Service, day string) []SlotSpec {
	a := svc.Appointments
	if a == nil || slices.Contains(a.Closed, day) {
		return nil
	}
	date, err := time.ParseInLocation(time.DateOnly, day, h.loc())
	if err != nil {
		return nil
	}
	if len(a.Weekdays) > 0 && !slices.Contains(a.Weekdays, date.Weekday()) {
		return nil
	}
	var out []SlotSpec
	for _, hr := range a.Hours {
		for at := hr.Open; at+a.SlotLength <= hr.Close; at += a.SlotLength {
			start := wallClock(date, at, h.loc())
			out = append(out, SlotSpec{ID: SlotID(svc.ID, start, h.loc()), Start: start.UTC(),
				End: wallClock(date, at+a.SlotLength, h.loc()).UTC(), Capacity: a.Capacity})
		}
	}
	return out
}

// wallClock returns the instant at offset d (hours and minutes) after local
// midnight of date, as a wall clock reads it, even across a change of offset.
func wallClock(date time.Time, d time.Duration, loc *time.Location) time.Time {
	m := int(d / time.Minute)
	return time.Date(date.Year(), date.Month(), date.Day(), m/60, m%60, 0, 0, loc)
}

// ReleaseTime returns when the slots of a day (YYYY-MM-DD) are released.
func (h *Hall) ReleaseTime(a *Appointments, day string) time.Time {
	date, err := time.ParseInLocation(time.DateOnly, day, h.loc())
	if err != nil {
		return time.Time{}
	}
	return wallClock(date.AddDate(0, 0, -a.DaysAhead), a.ReleaseAt, h.loc())
}

// addDays returns the day n days after day (YYYY-MM-DD).
func addDays(day string, n int) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return d.AddDate(0, 0, n).Format(time.DateOnly)
}

// validateAppointments checks a service's booking rules and fills defaults.
func validateAppointments(h *Hall, s *Service, f string, prefixes map[string]string) error {
	a := s.Appointments
	if a == nil {
		return nil
	}
	f += ".appointments"
	if a.Prefix == "" || len(a.Prefix) > 3 || !validID(a.Prefix) || a.Prefix != upper(a.Prefix) {
		return Errorf(EINVALID, "%s.prefix: %q must be 1-3 capital letters or digits", f, a.Prefix)
	}
	if prev, dup := prefixes[a.Prefix]; dup {
		return Errorf(EINVALID, "%s.prefix: %q is also used by %s; numbers would be ambiguous", f, a.Prefix, prev)
	}
	prefixes[a.Prefix] = f
	if a.SlotLength == 0 {
		a.SlotLength = DefaultSlotLength
	}
	if a.SlotLength < 5*time.Minute || a.SlotLength > 8*time.Hour {
		return Errorf(EINVALID, "%s.slot_length: %s must be between 5m and 8h", f, a.SlotLength)
	}
	if a.Capacity < 1 || a.Capacity > 10000 {
		return Errorf(EINVALID, "%s.capacity: %d must be between 1 and 10000", f, a.Capacity)
	}
	if len(a.Hours) == 0 {
		a.Hours = slices.Clone(h.Hours)
	}
	if len(a.Hours) == 0 {
		return Errorf(EINVALID, "%s.hours: required when the hall has no opening hours", f)
	}
	for i, hr := range a.Hours {
		if hr.Open < 0 || hr.Close <= hr.Open || hr.Close > 24*time.Hour {
			return Errorf(EINVALID, "%s.hours[%d]: %s-%s is not a valid interval of one day", f, i, clock(hr.Open), clock(hr.Close))
		}
	}
	for i, d := range a.Closed {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return Errorf(EINVALID, "%s.closed[%d]: %q is not a date YYYY-MM-DD", f, i, d)
		}
	}
	if a.DaysAhead == 0 {
		a.DaysAhead = DefaultDaysAhead
	}
	if a.DaysAhead < 0 || a.DaysAhead > MaxDaysAhead {
		return Errorf(EINVALID, "%s.days_ahead: %d must be between 0 and %d", f, a.DaysAhead, MaxDaysAhead)
	}
	if a.ReleaseAt < 0 || a.ReleaseAt >= 24*time.Hour {
		return Errorf(EINVALID, "%s.release_at: must be within 00:00 and 23:59", f)
	}
	if a.WalkInShare < 0 || a.WalkInShare > 100 {
		return Errorf(EINVALID, "%s.walk_in_share: %d must be a percentage", f, a.WalkInShare)
	}
	if a.CheckInBefore == 0 {
		a.CheckInBefore = DefaultCheckInBefore
	}
	if a.CheckInAfter == 0 {
		a.CheckInAfter = DefaultCheckInAfter
	}
	if a.LateUntil < a.CheckInAfter {
		a.LateUntil = a.CheckInAfter
	}
	if a.CheckInBefore < 0 || a.CheckInAfter < 0 || a.CancelBefore < 0 {
		return Errorf(EINVALID, "%s: check_in_before, check_in_after and cancel_before must not be negative", f)
	}
	if a.PerIdentityActive < 0 || a.PerIdentityDaily < 0 || a.NoShowLimit < 0 {
		return Errorf(EINVALID, "%s: per_identity_active, per_identity_daily and no_show_limit must not be negative", f)
	}
	if a.NoShowWindow == 0 {
		a.NoShowWindow = DefaultNoShowWindow
	}
	if a.Suspension == 0 {
		a.Suspension = DefaultSuspension
	}
	// Applications close, and the draw is made, before the day begins.
	if most := time.Duration(a.DaysAhead)*24*time.Hour - a.ReleaseAt; a.LotteryWindow != 0 &&
		(a.LotteryWindow < time.Minute || a.LotteryWindow > most) {
		return Errorf(EINVALID, "%s.lottery_window: %s must be between 1m and %s, so that the draw is made before the day it draws for",
			f, a.LotteryWindow, most)
	}
	// The walk-in share: on the busiest day of the template, places booked in
	// advance leave at least that share of the daily numbers to walk-ins.
	if s.DailyCap > 0 && a.WalkInShare > 0 {
		perDay := 0
		for _, hr := range a.Hours {
			perDay += int((hr.Close-hr.Open)/a.SlotLength) * a.Capacity
		}
		if most := s.DailyCap * (100 - a.WalkInShare) / 100; perDay > most {
			return Errorf(EINVALID, "%s: %d places a day exceed %d%% of daily_cap %d; %d%% is kept for walk-ins",
				f, perDay, 100-a.WalkInShare, s.DailyCap, a.WalkInShare)
		}
	}
	return nil
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// CheckInWindowText describes a service's check-in window, for messages.
func (a *Appointments) CheckInWindowText() string {
	return fmt.Sprintf("%d min before to %d min after the start", int(a.CheckInBefore.Minutes()), int(a.CheckInAfter.Minutes()))
}

// PublicAppointments are a service's booking rules as published: on /rules, in
// the hall description and in hall.configured events.
type PublicAppointments struct {
	Prefix               string   `json:"prefix"`
	SlotMinutes          int      `json:"slot_minutes"`
	Capacity             int      `json:"capacity"`
	Hours                string   `json:"hours"`              // "09:00-12:00, 13:30-17:00"
	Weekdays             []int    `json:"weekdays,omitempty"` // 0 Sunday … 6 Saturday; all when empty
	Closed               []string `json:"closed,omitempty"`
	DaysAhead            int      `json:"days_ahead"`
	ReleaseAt            string   `json:"release_at"` // "08:00"
	WalkInShare          int      `json:"walk_in_share"`
	CancelBeforeMinutes  int      `json:"cancel_before_minutes"`
	CheckInBeforeMinutes int      `json:"check_in_before_minutes"`
	CheckInAfterMinutes  int      `json:"check_in_after_minutes"`
	LateUntilMinutes     int      `json:"late_until_minutes"`
	PerIdentityActive    int      `json:"per_identity_active"`
	PerIdentityDaily     int      `json:"per_identity_daily"`
	NoShowLimit          int      `json:"no_show_limit"`
	NoShowWindowDays     int      `json:"no_show_window_days"`
	SuspensionDays       int      `json:"suspension_days"`
	// LotteryMinutes is the lottery window; 0 when places are booked first
	// come.
	LotteryMinutes int `json:"lottery_minutes,omitempty"`
}

// Public returns the published form of the rules; nil for nil.
func (a *Appointments) Public() *PublicAppointments {
	if a == nil {
		return nil
	}
	p := &PublicAppointments{Prefix: a.Prefix, SlotMinutes: int(a.SlotLength / time.Minute), Capacity: a.Capacity,
		Hours: hoursText(a.Hours), Closed: a.Closed, DaysAhead: a.DaysAhead, ReleaseAt: clock(a.ReleaseAt),
		WalkInShare: a.WalkInShare, CancelBeforeMinutes: int(a.CancelBefore / time.Minute),
		CheckInBeforeMinutes: int(a.CheckInBefore / time.Minute), CheckInAfterMinutes: int(a.CheckInAfter / time.Minute),
		LateUntilMinutes: int(a.LateUntil / time.Minute), PerIdentityActive: a.PerIdentityActive,
		PerIdentityDaily: a.PerIdentityDaily, NoShowLimit: a.NoShowLimit,
		NoShowWindowDays: int(a.NoShowWindow / (24 * time.Hour)), SuspensionDays: int(a.Suspension / (24 * time.Hour)),
		LotteryMinutes: int(a.LotteryWindow / time.Minute)}
	for _, d := range a.Weekdays {
		p.Weekdays = append(p.Weekdays, int(d))
	}
	return p
}

// Appointments returns the rules a published form stands for; nil for nil.
func (p *PublicAppointments) Appointments() (*Appointments, error) {
	if p == nil {
		return nil, nil
	}
	hours, err := parseHours(p.Hours)
	if err != nil {
		return nil, err
	}
	release, err := parseClock(p.ReleaseAt)
	if err != nil {
		return nil, Errorf(EINVALID, "release_at: %v", err)
	}
	a := &Appointments{Prefix: p.Prefix, SlotLength: time.Duration(p.SlotMinutes) * time.Minute, Capacity: p.Capacity,
		Hours: hours, Closed: p.Closed, DaysAhead: p.DaysAhead, ReleaseAt: release, WalkInShare: p.WalkInShare,
		CancelBefore: time.Duration(p.CancelBeforeMinutes) * time.Minute, CheckInBefore: time.Duration(p.CheckInBeforeMinutes) * time.Minute,
		CheckInAfter: time.Duration(p.CheckInAfterMinutes) * time.Minute, LateUntil: time.Duration(p.LateUntilMinutes) * time.Minute,
		PerIdentityActive: p.PerIdentityActive, PerIdentityDaily: p.PerIdentityDaily, NoShowLimit: p.NoShowLimit,
		NoShowWindow: time.Duration(p.NoShowWindowDays) * 24 * time.Hour, Suspension: time.Duration(p.SuspensionDays) * 24 * time.Hour,
		LotteryWindow: time.Duration(p.LotteryMinutes) * time.Minute}
	for _, d := range p.Weekdays {
		a.Weekdays = append(a.Weekdays, time.Weekday(d))
	}
	return a, nil
}

func hoursText(hs []Hours) string {
	parts := make([]string, len(hs))
	for i, hr := range hs {
		parts[i] = clock(hr.Open) + "-" + clock(hr.Close)
	}
	return strings.Join(parts, ", ")
}
