package config

import (
	"fmt"
	"strings"
	"time"

	"hallq/server/queue"
)

// RoleSupervisor is the role of the hall's supervisors (监督): they sign in
// at /supervise, follow up bad ratings and answer complaints. They sign in
// to no window or desk and call no numbers.
const RoleSupervisor Role = "supervisor"

// Feedback are the settings of ratings (好差评), their follow-up and
// complaints beyond the domain's rules (queue.Feedback, in Hall.Feedback).
type Feedback struct {
	// Retention is how long rating comments, follow-up notes and answered
	// complaints with their contacts are kept.
	Retention time.Duration
	// ComplaintsPerAddressPerHour bounds the complaints one client address
	// may file.
	ComplaintsPerAddressPerHour int
}

// Defaults of the [feedback] table.
const (
	DefaultFeedbackRetention           = 180 * 24 * time.Hour
	DefaultComplaintsPerAddressPerHour = 5
)

type fileFeedback struct {
	RatingPeriod       duration `toml:"rating_period"`
	WindowRatingPeriod duration `toml:"window_rating_period"`
	FollowUpDays       *int     `toml:"follow_up_days"`
	Holidays           []string `toml:"holidays"`
	Workdays           []string `toml:"workdays"`
	Retention          duration `toml:"retention"`
	ComplaintsPerHour  *int     `toml:"complaints_per_address_per_hour"`
}

// feedback reads the [feedback] table into the hall's rules and the server's
// settings.
func (p *parser) feedback(raw fileFeedback, h *queue.Hall) Feedback {
	f := queue.Feedback{
		RatingPeriod:       raw.RatingPeriod.or(queue.DefaultRatingPeriod),
		WindowRatingPeriod: raw.WindowRatingPeriod.or(queue.DefaultWindowRatingPeriod),
		FollowUpDays:       p.intIn("feedback.follow_up_days", raw.FollowUpDays, queue.DefaultFollowUpDays, 1, 60),
		Calendar:           queue.Calendar{Holidays: map[string]bool{}, Workdays: map[string]bool{}},
	}
	if f.RatingPeriod > 24*time.Hour {
		p.errorf("feedback.rating_period", "%s is longer than a day; a ticket's page lives for its service day only", f.RatingPeriod)
	}
	if f.WindowRatingPeriod > time.Hour {
		p.errorf("feedback.window_rating_period", "%s is longer than an hour; the window's screen rates the service just completed", f.WindowRatingPeriod)
	}
	days := func(field string, list []string, into map[string]bool, weekend bool) {
		for i, d := range list {
			d = strings.TrimSpace(d)
			t, err := time.Parse(time.DateOnly, d)
			fi := fmt.Sprintf("%s[%d]", field, i)
			switch {
			case err != nil:
				p.errorf(fi, "%q is not a date like \"2026-10-01\"", d)
			case weekend && t.Weekday() != time.Saturday && t.Weekday() != time.Sunday:
				p.errorf(fi, "%s is a %s; make-up working days fall on a Saturday or Sunday", d, t.Weekday())
			default:
				into[d] = true
			}
		}
	}
	days("feedback.holidays", raw.Holidays, f.Calendar.Holidays, false)
	days("feedback.workdays", raw.Workdays, f.Calendar.Workdays, true)
	for d := range f.Calendar.Workdays {
		if f.Calendar.Holidays[d] {
			p.errorf("feedback.workdays", "%s is listed as a holiday too", d)
		}
	}
	h.Feedback = f
	out := Feedback{Retention: raw.Retention.or(DefaultFeedbackRetention),
		ComplaintsPerAddressPerHour: p.intIn("feedback.complaints_per_address_per_hour", raw.ComplaintsPerHour, DefaultComplaintsPerAddressPerHour, 1, 1000)}
	if out.Retention < 30*24*time.Hour {
		p.errorf("feedback.retention", "%s is shorter than 30 days; a case has 15 working days and supervisors need its comment", out.Retention)
	}
	return out
}
