package queue

import (
	"fmt"
	"maps"
	"time"
)

// Event types of ratings (好差评), their follow-up cases and complaints (投诉).
// None carries a comment, a contact or anything else personal: those stay in
// the server's private store.
const (
	TypeRatingSubmitted   = "rating.submitted"
	TypeCaseOpened        = "case.opened"
	TypeCaseClosed        = "case.closed"
	TypeComplaintFiled    = "complaint.filed"
	TypeComplaintAnswered = "complaint.answered"
)

// Rating levels, best first, as the 好差评 scheme names them.
const (
	RatingVerySatisfied    = "very_satisfied"    // 非常满意
	RatingSatisfied        = "satisfied"         // 满意
	RatingFair             = "fair"              // 基本满意
	RatingDissatisfied     = "dissatisfied"      // 不满意
	RatingVeryDissatisfied = "very_dissatisfied" // 非常不满意
)

// RatingLevels lists the levels, best first.
var RatingLevels = []string{RatingVerySatisfied, RatingSatisfied, RatingFair, RatingDissatisfied, RatingVeryDissatisfied}

// RatingNames are the levels' names in Chinese and English, as the 好差评
// scheme gives them.
var RatingNames = map[string][2]string{
	RatingVerySatisfied:    {"非常满意", "Very satisfied"},
	RatingSatisfied:        {"满意", "Satisfied"},
	RatingFair:             {"基本满意", "Fair"},
	RatingDissatisfied:     {"不满意", "Dissatisfied"},
	RatingVeryDissatisfied: {"非常不满意", "Very dissatisfied"},
}

// BadRating reports whether a level opens a follow-up case.
func BadRating(level string) bool {
	return level == RatingDissatisfied || level == RatingVeryDissatisfied
}

// Where a rating was given.
const (
	RatedOnline = "ticket" // on the ticket's page, by the holder of its receipt
	RatedWindow = "window" // on the window's screen or tablet, right after the service
)

// Complaint subjects.
const (
	AboutWindow  = "window"
	AboutService = "service"
	AboutHall    = "hall"
)

// Feedback are the hall's rules of ratings and follow-up.
type Feedback struct {
	// RatingPeriod is how long after its service a ticket may be rated (on
	// its service day only: the ticket's page lives that long). Zero means
	// DefaultRatingPeriod.
	RatingPeriod time.Duration
	// WindowRatingPeriod is how long after its service a window's screen may
	// rate the ticket just served there; zero means DefaultWindowRatingPeriod.
	WindowRatingPeriod time.Duration
	// FollowUpDays is the working days a bad rating's case has to be closed;
	// zero means DefaultFollowUpDays.
	FollowUpDays int
	// Calendar says which days are working days.
	Calendar Calendar
}

// Defaults of the feedback rules.
const (
	DefaultRatingPeriod       = 2 * time.Hour
	DefaultWindowRatingPeriod = 5 * time.Minute
	DefaultFollowUpDays       = 15
)

// EffectiveRatingPeriod is RatingPeriod, or its default when unset.
func (f Feedback) EffectiveRatingPeriod() time.Duration {
	if f.RatingPeriod > 0 {
		return f.RatingPeriod
	}
	return DefaultRatingPeriod
}

// EffectiveWindowRatingPeriod is WindowRatingPeriod, or its default when unset.
func (f Feedback) EffectiveWindowRatingPeriod() time.Duration {
	if f.WindowRatingPeriod > 0 {
		return f.WindowRatingPeriod
	}
	return DefaultWindowRatingPeriod
}

// EffectiveFollowUpDays is FollowUpDays, or its default when unset.
func (f Feedback) EffectiveFollowUpDays() int {
	if f.FollowUpDays > 0 {
		return f.FollowUpDays
	}
	return DefaultFollowUpDays
}

// RatingData records a rating of a served ticket. Nothing says who rated.
type RatingData struct {
	Ticket  string `json:"ticket"`
	Number  string `json:"number"`
	Service string `json:"service"`
	Window  string `json:"window"`
	Level   string `json:"level"`
	Via     string `json:"via"` // RatedOnline or RatedWindow
}

// CaseOpenedData opens the follow-up of a bad rating; Due is the last day
// ("YYYY-MM-DD") to close it by the working-day calendar.
type CaseOpenedData struct {
	Case    string `json:"case"`
	Ticket  string `json:"ticket"`
	Service string `json:"service"`
	Window  string `json:"window"`
	Level   string `json:"level"`
	Due     string `json:"due"`
}

// CaseClosedData closes a case once the applicant was visited back and the
// cause rectified. OnTime says it closed on or before its due day.
type CaseClosedData struct {
	Case   string `json:"case"`
	OnTime bool   `json:"on_time"`
}

// ComplaintFiledData records a complaint: its opaque ID and what it is about.
// Its text and the applicant's contact are private.
type ComplaintFiledData struct {
	Complaint string `json:"complaint"`
	About     string `json:"about"`            // AboutWindow, AboutService or AboutHall
	Target    string `json:"target,omitempty"` // the window or service ID
}

// ComplaintAnsweredData records that supervisors answered a complaint.
type ComplaintAnsweredData struct {
	Complaint string `json:"complaint"`
}

// Case is an open follow-up case.
type Case struct {
	ID       string    `json:"id"`
	Ticket   string    `json:"ticket"`
	Number   string    `json:"number"`
	Service  string    `json:"service"`
	Window   string    `json:"window"`
	Level    string    `json:"level"`
	Due      string    `json:"due"`
	OpenedAt time.Time `json:"opened_at"`
}

// Complaint is a complaint not answered yet.
type Complaint struct {
	ID      string    `json:"id"`
	About   string    `json:"about"`
	Target  string    `json:"target,omitempty"`
	FiledAt time.Time `json:"filed_at"`
}

func (s *State) initFeedback() {
	if s.Cases == nil {
		s.Cases = map[string]*Case{}
	}
	if s.Complaints == nil {
		s.Complaints = map[string]*Complaint{}
	}
}

func (s *State) cloneFeedback(c *State) {
	c.Cases = make(map[string]*Case, len(s.Cases))
	for k, v := range s.Cases {
		cp := *v
		c.Cases[k] = &cp
	}
	c.Complaints = maps.Clone(s.Complaints)
	for k, v := range c.Complaints {
		cp := *v
		c.Complaints[k] = &cp
	}
	c.initFeedback()
}

// applyFeedback folds a feedback event; ok is false for other events.
func (s *State) applyFeedback(ev Event) (ok bool, err error) {
	switch d := ev.Data.(type) {
	case *RatingData:
		t, err := s.ticket(d.Ticket)
		if err != nil {
			return true, err
		}
		if t.Status != StatusCompleted {
			return true, fmt.Errorf("ticket %s is %s, not completed", t.Number, t.Status)
		}
		if t.Rating != "" {
			return true, fmt.Errorf("ticket %s was rated already", t.Number)
		}
		if d.Window != t.LastWindow || d.Service != t.Service {
			return true, fmt.Errorf("ticket %s was served at window %s for %s", t.Number, t.LastWindow, t.Service)
		}
		if !validLevel(d.Level) {
			return true, fmt.Errorf("unknown rating level %q", d.Level)
		}
		t.Rating = d.Level
	case *CaseOpenedData:
		if _, dup := s.Cases[d.Case]; dup {
			return true, fmt.Errorf("case %s opened twice", d.Case)
		}
		t, err := s.ticket(d.Ticket)
		if err != nil {
			return true, err
		}
		if !BadRating(t.Rating) {
			return true, fmt.Errorf("case %s opened for ticket %s without a bad rating", d.Case, t.Number)
		}
		s.Cases[d.Case] = &Case{ID: d.Case, Ticket: d.Ticket, Number: t.Number, Service: d.Service, Window: d.Window,
			Level: d.Level, Due: d.Due, OpenedAt: ev.Time}
	case *CaseClosedData:
		if _, open := s.Cases[d.Case]; !open {
			return true, fmt.Errorf("case %s is not open", d.Case)
		}
		delete(s.Cases, d.Case)
	case *ComplaintFiledData:
		if _, dup := s.Complaints[d.Complaint]; dup {
			return true, fmt.Errorf("complaint %s filed twice", d.Complaint)
		}
		s.Complaints[d.Complaint] = &Complaint{ID: d.Complaint, About: d.About, Target: d.Target, FiledAt: ev.Time}
	case *ComplaintAnsweredData:
		if _, open := s.Complaints[d.Complaint]; !open {
			return true, fmt.Errorf("complaint %s is not open", d.Complaint)
		}
		delete(s.Complaints, d.Complaint)
	default:
		return false, nil
	}
	return true, nil
}

// trackServed keeps, per window, the ticket it completed last, until its next
// call or no-show: the one its screen may have rated.
func (s *State) trackServed(ev Event) {
	switch d := ev.Data.(type) {
	case *TicketCalledData:
		s.window(d.Window).LastDone = ""
	case *TicketDoneData:
		w := s.window(d.Window)
		w.LastDone = ""
		if ev.Type == TypeTicketCompleted {
			w.LastDone = d.Ticket
		}
	}
}

func validLevel(level string) bool {
	for _, l := range RatingLevels {
		if l == level {
			return true
		}
	}
	return false
}
