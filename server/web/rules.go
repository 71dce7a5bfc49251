package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"hallq/server/config"
	"hallq/server/queue"
)

// rulesData is the published rules as the rules page shows them, derived from the
// live configuration: what a hall administrator changes in hallq.toml is what the
// page says.
type rulesData struct {
	// Feedback are the rules of ratings, their follow-up and complaints.
	Feedback feedbackRules
	// CheckpointKey is the public key that signs the log's checkpoints.
	CheckpointKey string
	// CheckpointFingerprint is its short form (audit.Fingerprint).
	CheckpointFingerprint string
	Address               text
	TimeZone              string
	DayStart              string
	Hours                 text // opening hours, or "at all hours"

	Services []ruleService
	Priority []rulePriority
	Reasons  []option
	// Desks are the reception desks, where staff take numbers for people.
	Desks []text
	// Notify says applicants may leave a phone number for text messages,
	// sent when NotifyAhead or fewer are ahead and when called.
	Notify      bool
	NotifyAhead int

	ReinstateWithin text
	ReinstateAfter  int
	MinSamples      int

	// RealName are the services that take an identity document; Limited those
	// with a per-person daily limit.
	RealName []text
	Limited  []ruleLimit
	// Retention is how long identity HMACs are kept.
	Retention text
	// Appointments are the services that take bookings, with their rules;
	// Lottery is set when one of them draws its places.
	Appointments []ruleAppointments
	Lottery      bool
	// SignIns is how many failed staff sign-ins an address, and an account,
	// may make in a minute.
	SignIns int

	// KioskPerMinute bounds a kiosk's tickets, leased numbers included;
	// StreamsPerAddress and Streams bound the live-update connections.
	KioskPerMinute, StreamsPerAddress, Streams int
}

// ruleAppointments is a service's booking rules as the rules page states them.
type ruleAppointments struct {
	Name                                text
	Prefix                              string
	SlotMinutes, Capacity               int
	Hours                               string
	Days                                text // the days of the week with slots
	Closed                              string
	DaysAhead                           int
	ReleaseAt                           string
	WalkInShare                         int
	CancelBefore                        text
	CheckInBefore, CheckInAfter         text
	LateUntil                           text
	Late                                bool // LateUntil goes past CheckInAfter
	PerIdentityActive, PerIdentityDaily int
	NoShowLimit                         int
	NoShowWindow, Suspension            text
	// Lottery is the application window of a service whose places are
	// drawn; zero when they are booked first come.
	Lottery text
}

type ruleService struct {
	ID          string
	Name        text
	Prefix      string
	First, Last string // the first number of a day and the highest possible one
	Cap         text
	PerIdentity text
	RealName    bool
	AvgService  text
	Description text
}

type rulePriority struct {
	Rank        int
	Name        text
	Description text
	// SelfDeclared: applicants may declare the class at a kiosk; otherwise
	// staff assign it.
	SelfDeclared bool
	// MinAge, when positive, gives the class by the age rule.
	MinAge int
}

type ruleLimit struct {
	Service text
	Limit   int
}

func rulesOf(cfg *config.Config) rulesData {
	h := cfg.Hall
	d := rulesData{
		Address:         textOf(cfg.Info.Address),
		TimeZone:        cfg.Info.TimeZone,
		DayStart:        clock(h.DayStart),
		ReinstateWithin: duration(h.Rules.ReinstateWithin),
		ReinstateAfter:  h.Rules.ReinstateAfter,
		MinSamples:      h.Rules.MinSamples,
		Retention:       duration(cfg.Info.IdentityRetention),
		SignIns:         cfg.Limits.LoginAttemptsPerMinute,
		KioskPerMinute:  cfg.Limits.TicketsPerKioskPerMinute, StreamsPerAddress: cfg.Limits.WSMaxPerAddress,
		Streams: cfg.Limits.WSMaxSubscribers,
		Feedback: feedbackRules{
			RatingPeriod: duration(h.Feedback.EffectiveRatingPeriod()), WindowPeriod: duration(h.Feedback.EffectiveWindowRatingPeriod()),
			FollowUpDays: h.Feedback.EffectiveFollowUpDays(), Retention: duration(cfg.Feedback.Retention),
			ComplaintsPerHour: cfg.Feedback.ComplaintsPerAddressPerHour,
		},
	}
	if d.TimeZone == "" && h.Location != nil {
		d.TimeZone = h.Location.String()
	}
	if len(h.Hours) == 0 {
		d.Hours = text{"全天开放（00:00–24:00）", "open at all hours (00:00–24:00)"}
	} else {
		parts := make([]string, len(h.Hours))
		for i, hr := range h.Hours {
			parts[i] = clock(hr.Open) + "–" + clock(hr.Close)
			if hr.Close > 24*time.Hour {
				parts[i] = clock(hr.Open) + "–次日" + clock(hr.Close-24*time.Hour)
			}
		}
		en := make([]string, len(h.Hours))
		for i, hr := range h.Hours {
			en[i] = clock(hr.Open) + "–" + clock(hr.Close)
			if hr.Close > 24*time.Hour {
				en[i] = clock(hr.Open) + "–" + clock(hr.Close-24*time.Hour) + " next day"
			}
		}
		d.Hours = text{strings.Join(parts, "，"), strings.Join(en, ", ")}
	}
	for _, svc := range h.Services {
		rs := ruleService{ID: svc.ID, Name: text{svc.NameZH, svc.NameEN}, Prefix: svc.Prefix,
			First:       queue.FormatNumber(&svc, 1),
			Last:        queue.FormatNumber(&svc, queue.MaxNumber(svc.Digits)),
			RealName:    svc.RealName,
			AvgService:  duration(svc.AvgService),
			Description: textOf(cfg.ServiceDescriptions[svc.ID]),
		}
		if svc.DailyCap > 0 {
			rs.Cap = text{strconv.Itoa(svc.DailyCap) + " 个", strconv.Itoa(svc.DailyCap)}
			rs.Last = queue.FormatNumber(&svc, svc.DailyCap)
		} else {
			rs.Cap = text{"不另设上限", "no cap beyond the digits"}
		}
		if svc.PerIdentityDaily > 0 {
			rs.PerIdentity = text{fmt.Sprintf("%d 个", svc.PerIdentityDaily), strconv.Itoa(svc.PerIdentityDaily)}
			d.Limited = append(d.Limited, ruleLimit{Service: rs.Name, Limit: svc.PerIdentityDaily})
		} else {
			rs.PerIdentity = text{"不限", "none"}
		}
		if svc.RealName {
			d.RealName = append(d.RealName, rs.Name)
		}
		d.Services = append(d.Services, rs)
		if a := svc.Appointments; a != nil {
			d.Appointments = append(d.Appointments, appointmentRules(rs.Name, a))
			d.Lottery = d.Lottery || a.LotteryWindow > 0
		}
	}
	for _, desk := range cfg.Desks {
		d.Desks = append(d.Desks, textOf(desk.Name))
	}
	d.Notify, d.NotifyAhead = cfg.Notify.Enabled(), cfg.Notify.CloseAhead
	for i, p := range h.PriorityClasses {
		d.Priority = append(d.Priority, rulePriority{Rank: i + 1, Name: text{p.NameZH, p.NameEN},
			Description: textOf(cfg.PriorityDescriptions[p.ID]), SelfDeclared: p.SelfDeclared, MinAge: p.MinAge})
	}
	for _, r := range h.ManualReasons {
		d.Reasons = append(d.Reasons, option{ID: r.Code, Name: text{r.NameZH, r.NameEN}})
	}
	return d
}

var weekdayNames = [7]text{{"日", "Sun"}, {"一", "Mon"}, {"二", "Tue"}, {"三", "Wed"}, {"四", "Thu"}, {"五", "Fri"}, {"六", "Sat"}}

func appointmentRules(name text, a *queue.Appointments) ruleAppointments {
	ra := ruleAppointments{Name: name, Prefix: a.Prefix, SlotMinutes: int(a.SlotLength / time.Minute), Capacity: a.Capacity,
		Closed: strings.Join(a.Closed, ", "), DaysAhead: a.DaysAhead, ReleaseAt: clock(a.ReleaseAt), WalkInShare: a.WalkInShare,
		CancelBefore: duration(a.CancelBefore), CheckInBefore: duration(a.CheckInBefore), CheckInAfter: duration(a.CheckInAfter),
		LateUntil: duration(a.LateUntil), Late: a.LateUntil > a.CheckInAfter,
		PerIdentityActive: a.PerIdentityActive, PerIdentityDaily: a.PerIdentityDaily, NoShowLimit: a.NoShowLimit,
		NoShowWindow: duration(a.NoShowWindow), Suspension: duration(a.Suspension)}
	if a.LotteryWindow > 0 {
		ra.Lottery = duration(a.LotteryWindow)
	}
	hours := make([]string, len(a.Hours))
	for i, hr := range a.Hours {
		hours[i] = clock(hr.Open) + "–" + clock(hr.Close)
	}
	ra.Hours = strings.Join(hours, ", ")
	if len(a.Weekdays) == 0 {
		ra.Days = text{"每天", "every day"}
	} else {
		var zh, en []string
		for _, wd := range a.Weekdays {
			zh = append(zh, "周"+weekdayNames[wd].ZH)
			en = append(en, weekdayNames[wd].EN)
		}
		ra.Days = text{strings.Join(zh, "、"), strings.Join(en, ", ")}
	}
	return ra
}

// clock formats a time of day given as the offset from midnight, "08:30".
func clock(d time.Duration) string {
	m := int(d / time.Minute)
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

// duration formats a rule's duration for people: whole days as days, otherwise
// hours, minutes and seconds, leaving out the zero parts.
func duration(d time.Duration) text {
	if d <= 0 {
		return text{"0", "0"}
	}
	if d%(24*time.Hour) == 0 {
		n := int(d / (24 * time.Hour))
		return text{fmt.Sprintf("%d 天", n), plural(n, "day")}
	}
	var zh, en []string
	parts := []struct {
		unit   time.Duration
		zh, en string
	}{{time.Hour, "小时", "hour"}, {time.Minute, "分钟", "minute"}, {time.Second, "秒", "second"}}
	for _, p := range parts {
		if n := int(d / p.unit); n > 0 {
			zh = append(zh, fmt.Sprintf("%d %s", n, p.zh))
			en = append(en, plural(n, p.en))
			d -= time.Duration(n) * p.unit
		}
	}
	return text{strings.Join(zh, " "), strings.Join(en, " ")}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
