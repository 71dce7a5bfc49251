package queue

import (
	"fmt"
	"strings"
	"time"
)

// PublicHall is the public part of a hall's configuration: everything the
// calling rule depends on and everything the rules page publishes, never a
// secret. It is the data of a hall.configured event and the body of
// /api/v1/hall (which adds notices and publicity cards), so a verifier can read
// the rules in force from either.
type PublicHall struct {
	ID              string          `json:"id"`
	NameZH          string          `json:"name_zh"`
	NameEN          string          `json:"name_en"`
	TimeZone        string          `json:"time_zone"`
	DayStart        string          `json:"day_start"` // "04:00"
	Hours           string          `json:"hours"`     // "08:30-12:00, 13:30-17:00"
	Services        []PublicService `json:"services"`
	Windows         []PublicWindow  `json:"windows"`
	PriorityClasses []PriorityClass `json:"priority_classes"`
	ManualReasons   []Reason        `json:"manual_reasons"`
	Rules           PublicRules     `json:"rules"`
	// CheckpointKey is the hall's Ed25519 public key that signs log.checkpoint
	// events, in standard base64; empty when the hall signs nothing.
	CheckpointKey string `json:"checkpoint_key,omitempty"`
}

// PublicService is a service as published.
type PublicService struct {
	ID               string `json:"id"`
	NameZH           string `json:"name_zh"`
	NameEN           string `json:"name_en"`
	Prefix           string `json:"prefix"`
	Digits           int    `json:"digits"`
	DailyCap         int    `json:"daily_cap"`
	PerIdentityDaily int    `json:"per_identity_daily"`
	RealName         bool   `json:"real_name"`
	AvgServiceSecs   int    `json:"avg_service_seconds"`
	// Appointments are the service's booking rules, when it takes bookings.
	Appointments *PublicAppointments `json:"appointments,omitempty"`
}

// PublicWindow is a window as published.
type PublicWindow struct {
	ID        string   `json:"id"`
	NameZH    string   `json:"name_zh"`
	NameEN    string   `json:"name_en"`
	Primary   []string `json:"primary"`
	Secondary []string `json:"secondary,omitempty"`
}

// PublicRules are the published parameters of the calling rule.
type PublicRules struct {
	ReinstateWithinSecs int `json:"reinstate_within_seconds"`
	ReinstateAfter      int `json:"reinstate_after"`
	MinSamples          int `json:"min_samples"`
	LeaseSize           int `json:"lease_size,omitempty"`
}

// CheckpointData is a signed checkpoint of the log: the hall's signature over
// (hall, seq, hash, time) of the event just before the checkpoint. The signed
// bytes are CheckpointMessage's.
type CheckpointData struct {
	Hall string `json:"hall"`
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
	// Time is when the checkpoint was made, in the log's time layout.
	Time string `json:"time"`
	// Key is the signer's Ed25519 public key and Sig the signature, standard base64.
	Key string `json:"key"`
	Sig string `json:"sig"`
	// Cause is "interval" (every N events or M minutes), "seal" (a day's end)
	// or "start" (the server started).
	Cause string `json:"cause,omitempty"`
}

// CheckpointMessage returns the bytes a checkpoint signs: the UTF-8 text
//
//	"hallq-checkpoint-v1\n" + hall + "\n" + seq (decimal) + "\n" + hash + "\n" + time + "\n"
func CheckpointMessage(hall string, seq uint64, hash, at string) []byte {
	return fmt.Appendf(nil, "hallq-checkpoint-v1\n%s\n%d\n%s\n%s\n", hall, seq, hash, at)
}

// Public returns the public part of the hall's configuration.
func (h *Hall) Public() PublicHall {
	p := PublicHall{
		ID: h.ID, NameZH: h.NameZH, NameEN: h.NameEN,
		TimeZone: h.loc().String(), DayStart: clock(h.DayStart), Hours: h.HoursText(),
		PriorityClasses: h.PriorityClasses, ManualReasons: h.ManualReasons,
		Rules: PublicRules{ReinstateWithinSecs: int(h.Rules.ReinstateWithin / time.Second),
			ReinstateAfter: h.Rules.ReinstateAfter, MinSamples: h.Rules.MinSamples, LeaseSize: h.Rules.LeaseSize},
	}
	if p.PriorityClasses == nil {
		p.PriorityClasses = []PriorityClass{}
	}
	if p.ManualReasons == nil {
		p.ManualReasons = []Reason{}
	}
	for _, s := range h.Services {
		p.Services = append(p.Services, PublicService{ID: s.ID, NameZH: s.NameZH, NameEN: s.NameEN,
			Prefix: s.Prefix, Digits: s.Digits, DailyCap: s.DailyCap, PerIdentityDaily: s.PerIdentityDaily,
			RealName: s.RealName, AvgServiceSecs: int(s.AvgService / time.Second), Appointments: s.Appointments.Public()})
	}
	for _, w := range h.Windows {
		p.Windows = append(p.Windows, PublicWindow{ID: w.ID, NameZH: w.NameZH, NameEN: w.NameEN,
			Primary: w.Primary, Secondary: w.Secondary})
	}
	return p
}

// Hall builds the validated Hall a published description stands for. loc is
// the Location of p.TimeZone, which the caller loads (the domain reads no files).
func (p *PublicHall) Hall(loc *time.Location) (*Hall, error) {
	h := &Hall{ID: p.ID, NameZH: p.NameZH, NameEN: p.NameEN, Location: loc,
		PriorityClasses: p.PriorityClasses, ManualReasons: p.ManualReasons,
		Rules: Rules{ReinstateWithin: time.Duration(p.Rules.ReinstateWithinSecs) * time.Second,
			ReinstateAfter: p.Rules.ReinstateAfter, MinSamples: p.Rules.MinSamples, LeaseSize: p.Rules.LeaseSize}}
	var err error
	if p.DayStart != "" {
		if h.DayStart, err = parseClock(p.DayStart); err != nil {
			return nil, Errorf(EINVALID, "day_start: %v", err)
		}
	}
	if p.Hours != "00:00-24:00" {
		if h.Hours, err = parseHours(p.Hours); err != nil {
			return nil, err
		}
	}
	for _, s := range p.Services {
		a, err := s.Appointments.Appointments()
		if err != nil {
			return nil, Errorf(EINVALID, "services %s appointments: %v", s.ID, err)
		}
		h.Services = append(h.Services, Service{ID: s.ID, NameZH: s.NameZH, NameEN: s.NameEN, Prefix: s.Prefix,
			Digits: s.Digits, DailyCap: s.DailyCap, PerIdentityDaily: s.PerIdentityDaily, RealName: s.RealName,
			AvgService: time.Duration(s.AvgServiceSecs) * time.Second, Appointments: a})
	}
	for _, w := range p.Windows {
		h.Windows = append(h.Windows, Window{ID: w.ID, NameZH: w.NameZH, NameEN: w.NameEN, Primary: w.Primary, Secondary: w.Secondary})
	}
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return h, nil
}

// parseHours parses "HH:MM-HH:MM, HH:MM-HH:MM"; "" is none.
func parseHours(text string) ([]Hours, error) {
	if text == "" {
		return nil, nil
	}
	var out []Hours
	for part := range strings.SplitSeq(text, ",") {
		open, closing, ok := strings.Cut(strings.TrimSpace(part), "-")
		var hr Hours
		var err error
		if ok {
			hr.Open, err = parseClock(open)
			if err == nil {
				hr.Close, err = parseClock(closing)
			}
		}
		if !ok || err != nil {
			return nil, Errorf(EINVALID, "hours: %q is not HH:MM-HH:MM", part)
		}
		out = append(out, hr)
	}
	return out, nil
}

// parseClock parses "HH:MM" (hours may reach 48 for intervals past midnight).
func parseClock(s string) (time.Duration, error) {
	var hh, mm int
	if n, err := fmt.Sscanf(s, "%d:%d", &hh, &mm); err != nil || n != 2 || hh < 0 || hh > 48 || mm < 0 || mm > 59 || len(s) != 5 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// OpenHours is one opening interval as published: local times "HH:MM" in the
// hall's time zone. Close may be past "24:00" for a hall open past midnight.
type OpenHours struct {
	Open  string `json:"open"`
	Close string `json:"close"`
}

// OpeningHours returns the published opening hours as intervals; a hall open
// all day has the one interval 00:00 to 24:00. It fails on hours that are not
// "HH:MM-HH:MM, …".
func (p *PublicHall) OpeningHours() ([]OpenHours, error) {
	if p.Hours == "" || p.Hours == "00:00-24:00" {
		return []OpenHours{{Open: "00:00", Close: "24:00"}}, nil
	}
	hours, err := parseHours(p.Hours)
	if err != nil {
		return nil, err
	}
	out := make([]OpenHours, len(hours))
	for i, hr := range hours {
		out[i] = OpenHours{Open: clock(hr.Open), Close: clock(hr.Close)}
	}
	return out, nil
}
