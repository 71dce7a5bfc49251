package queue

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Hall is what the domain needs to know of a hall's configuration: its services,
// windows, priority classes and published rule parameters. It is read-only once
// validated; the server builds it from the configuration file.
type Hall struct {
	ID       string
	NameZH   string
	NameEN   string
	Location *time.Location // the hall's time zone; days and opening hours follow it
	// DayStart is the offset from local midnight at which a service day begins
	// (for example 4h: a ticket taken at 01:30 still belongs to the previous day).
	// It keeps numbering stable around midnight for halls open late.
	DayStart time.Duration
	// Hours are the opening hours in which tickets may be issued; empty means always.
	Hours []Hours

	Services        []Service
	Windows         []Window
	PriorityClasses []PriorityClass
	// ManualReasons are the published codes a staff member must give to call a
	// specific number out of order.
	ManualReasons []Reason
	Rules         Rules
	// Feedback are the rules of ratings (好差评) and their follow-up.
	Feedback Feedback
}

// Hours is one opening interval of a day, in minutes after local midnight. Close may
// exceed 24h for a hall open past midnight.
type Hours struct {
	Open, Close time.Duration
}

// Service is a kind of business an applicant takes a number for.
type Service struct {
	ID     string
	NameZH string
	NameEN string
	Prefix string // number prefix, for example "A"
	Digits int    // digits of the daily sequence; 3 gives A001…A999
	// DailyCap is the most tickets the service issues per day; 0 means no cap
	// beyond the number of digits.
	DailyCap int
	// PerIdentityDaily is the most tickets one identity may take per day for this
	// service; 0 means no limit. Only enforced when an identity is given.
	PerIdentityDaily int
	RealName         bool          // an identity document is required to take a number
	AvgService       time.Duration // expected service time until today's figures exist
	// Appointments are the service's booking rules; nil when it takes none.
	Appointments *Appointments
}

// Window is a service window (counter).
type Window struct {
	ID        string
	NameZH    string
	NameEN    string
	Primary   []string // service IDs served first
	Secondary []string // service IDs served when no primary ticket waits
}

// PriorityClass is a group of applicants served before others of the same service
// (elderly, disabled, pregnant …). Classes listed first are served first.
type PriorityClass struct {
	ID     string `json:"id"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	// SelfDeclared classes may be declared by applicants themselves at a
	// kiosk (or on a kiosk's offline ticket). The others are assigned only by
	// staff, who check the applicant's card; kiosks are refused them.
	SelfDeclared bool `json:"self_declared"`
	// MinAge, when positive, gives the class to every ticket issued with a
	// resident ID number whose holder is at least that old on the service
	// day (the age rule, see AgeClass). Zero means no age rule.
	MinAge int `json:"min_age,omitempty"`
}

// Reason is a published reason code for calling a specific number out of order.
type Reason struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// Rules are the published parameters of the calling rule.
type Rules struct {
	// ReinstateWithin is how long after a no-show a ticket may be reinstated.
	ReinstateWithin time.Duration
	// ReinstateAfter is how many waiting tickets of the same service and priority
	// class are served before a reinstated ticket; if fewer wait, it goes last.
	ReinstateAfter int
	// MinSamples is how many completed services of a service today are needed
	// before its measured average replaces the configured AvgService in estimates.
	MinSamples int
	// LeaseSize is how many numbers of a service a kiosk may hold unused for
	// issuing while offline.
	LeaseSize int
}

// Defaults of the published rules, used where the configuration is silent.
const (
	DefaultDigits          = 3
	DefaultReinstateWithin = 30 * time.Minute
	DefaultReinstateAfter  = 2
	DefaultMinSamples      = 3
	DefaultLeaseSize       = 10
	MaxLeaseSize           = 100
	DefaultAvgService      = 5 * time.Minute
)

// Service returns the service with the given ID.
func (h *Hall) Service(id string) (*Service, bool) {
	for i := range h.Services {
		if h.Services[i].ID == id {
			return &h.Services[i], true
		}
	}
	return nil, false
}

// Window returns the window with the given ID.
func (h *Hall) Window(id string) (*Window, bool) {
	for i := range h.Windows {
		if h.Windows[i].ID == id {
			return &h.Windows[i], true
		}
	}
	return nil, false
}

// PriorityRank returns the rank of a priority class: 0 for the first class, and
// len(PriorityClasses) for no class (served after every class). ok is false for an
// unknown class.
func (h *Hall) PriorityRank(class string) (rank int, ok bool) {
	if class == "" {
		return len(h.PriorityClasses), true
	}
	for i, c := range h.PriorityClasses {
		if c.ID == class {
			return i, true
		}
	}
	return 0, false
}

// KioskMayDeclare checks that a kiosk may issue a ticket of a priority class:
// none, or a known class that applicants declare themselves.
func (h *Hall) KioskMayDeclare(class string) error {
	rank, ok := h.PriorityRank(class)
	if !ok {
		return Errorf(EINVALID, "unknown priority class %q", class).Zh("没有这个优先类别：%q", class)
	}
	if class == "" || h.PriorityClasses[rank].SelfDeclared {
		return nil
	}
	var self []string
	for _, c := range h.PriorityClasses {
		if c.SelfDeclared {
			self = append(self, c.ID)
		}
	}
	pc := h.PriorityClasses[rank]
	return Errorf(EFORBIDDEN, "priority class %q is assigned by staff, who check the applicant's card; a kiosk may declare only %v",
		class, self).Zh("“%s”优先须由工作人员核验证件后办理，请到咨询台", pc.NameZH)
}

// ManualReason returns the published manual-call reason with the given code.
func (h *Hall) ManualReason(code string) (Reason, bool) {
	for _, r := range h.ManualReasons {
		if r.Code == code {
			return r, true
		}
	}
	return Reason{}, false
}

// Day returns the service day (YYYY-MM-DD) that the instant t belongs to.
func (h *Hall) Day(t time.Time) string {
	return t.In(h.loc()).Add(-h.DayStart).Format(time.DateOnly)
}

// IsOpen reports whether tickets may be issued at t, and if not, a description of
// the opening hours for the refusal message.
func (h *Hall) IsOpen(t time.Time) bool {
	if len(h.Hours) == 0 {
		return true
	}
	local := t.In(h.loc())
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, h.loc())
	since := local.Sub(midnight)
	for _, hr := range h.Hours {
		if since >= hr.Open && since < hr.Close {
			return true
		}
		// An interval past midnight (Close > 24h) also covers the early hours.
		if hr.Close > 24*time.Hour && since < hr.Close-24*time.Hour {
			return true
		}
	}
	return false
}

// HoursText formats the opening hours, for example "08:30-12:00, 13:30-17:00".
func (h *Hall) HoursText() string {
	if len(h.Hours) == 0 {
		return "00:00-24:00"
	}
	parts := make([]string, len(h.Hours))
	for i, hr := range h.Hours {
		parts[i] = clock(hr.Open) + "-" + clock(hr.Close)
	}
	return strings.Join(parts, ", ")
}

func clock(d time.Duration) string {
	m := int(d / time.Minute)
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

func (h *Hall) loc() *time.Location {
	if h.Location == nil {
		return time.UTC
	}
	return h.Location
}

// tier returns 0 if the window serves the service first, 1 if second, -1 if not.
func (w *Window) tier(service string) int {
	if slices.Contains(w.Primary, service) {
		return 0
	}
	if slices.Contains(w.Secondary, service) {
		return 1
	}
	return -1
}

// Serves reports whether the window handles the service at all.
func (w *Window) Serves(service string) bool { return w.tier(service) >= 0 }

// Validate checks the hall for inconsistencies the domain relies on and fills the
// defaults of unset parameters. Errors name the offending field.
func (h *Hall) Validate() error {
	if h.ID == "" {
		return Errorf(EINVALID, "hall.id: must not be empty")
	}
	if len(h.Services) == 0 {
		return Errorf(EINVALID, "services: at least one service is required")
	}
	if h.Rules.ReinstateWithin == 0 {
		h.Rules.ReinstateWithin = DefaultReinstateWithin
	}
	if h.Rules.ReinstateAfter == 0 {
		h.Rules.ReinstateAfter = DefaultReinstateAfter
	}
	if h.Rules.MinSamples == 0 {
		h.Rules.MinSamples = DefaultMinSamples
	}
	if h.Rules.LeaseSize == 0 {
		h.Rules.LeaseSize = DefaultLeaseSize
	}
	if h.Rules.LeaseSize < 0 || h.Rules.LeaseSize > MaxLeaseSize {
		return Errorf(EINVALID, "rules.lease_size: %d must be between 1 and %d", h.Rules.LeaseSize, MaxLeaseSize)
	}
	if h.DayStart < 0 || h.DayStart >= 24*time.Hour {
		return Errorf(EINVALID, "hall.day_start: must be within 00:00 and 23:59")
	}
	for i, hr := range h.Hours {
		if hr.Open < 0 || hr.Close <= hr.Open || hr.Close > 48*time.Hour {
			return Errorf(EINVALID, "hall.hours[%d]: %s-%s is not a valid interval", i, clock(hr.Open), clock(hr.Close))
		}
	}
	ids := map[string]string{}
	prefixes := map[string]string{}
	for i := range h.Services {
		s := &h.Services[i]
		f := fmt.Sprintf("services[%d]", i)
		if !validID(s.ID) {
			return Errorf(EINVALID, "%s.id: %q must be 1-32 letters, digits, '-' or '_'", f, s.ID)
		}
		if prev, dup := ids[s.ID]; dup {
			return Errorf(EINVALID, "%s.id: %q is also used by %s", f, s.ID, prev)
		}
		ids[s.ID] = f
		if s.NameZH == "" || s.NameEN == "" {
			return Errorf(EINVALID, "%s.name_zh, name_en: both names are required", f)
		}
		if s.Prefix == "" || len(s.Prefix) > 3 || strings.ToUpper(s.Prefix) != s.Prefix || !validID(s.Prefix) {
			return Errorf(EINVALID, "%s.prefix: %q must be 1-3 capital letters or digits", f, s.Prefix)
		}
		if prev, dup := prefixes[s.Prefix]; dup {
			return Errorf(EINVALID, "%s.prefix: %q is also used by %s; numbers would be ambiguous", f, s.Prefix, prev)
		}
		prefixes[s.Prefix] = f
		if s.Digits == 0 {
			s.Digits = DefaultDigits
		}
		if s.Digits < 2 || s.Digits > 6 {
			return Errorf(EINVALID, "%s.digits: %d must be between 2 and 6", f, s.Digits)
		}
		if s.DailyCap < 0 || s.DailyCap > MaxNumber(s.Digits) {
			return Errorf(EINVALID, "%s.daily_cap: %d must be between 0 and %d for %d digits", f, s.DailyCap, MaxNumber(s.Digits), s.Digits)
		}
		if s.PerIdentityDaily < 0 {
			return Errorf(EINVALID, "%s.per_identity_daily: must not be negative", f)
		}
		if s.AvgService == 0 {
			s.AvgService = DefaultAvgService
		}
		if s.AvgService < 0 {
			return Errorf(EINVALID, "%s.avg_service: must be positive", f)
		}
	}
	for i := range h.Services {
		if err := validateAppointments(h, &h.Services[i], fmt.Sprintf("services[%d]", i), prefixes); err != nil {
			return err
		}
	}
	wids := map[string]bool{}
	for i := range h.Windows {
		w := &h.Windows[i]
		f := fmt.Sprintf("windows[%d]", i)
		if !validID(w.ID) {
			return Errorf(EINVALID, "%s.id: %q must be 1-32 letters, digits, '-' or '_'", f, w.ID)
		}
		if wids[w.ID] {
			return Errorf(EINVALID, "%s.id: %q is used twice", f, w.ID)
		}
		wids[w.ID] = true
		if len(w.Primary) == 0 {
			return Errorf(EINVALID, "%s.primary: a window needs at least one primary service", f)
		}
		seen := map[string]bool{}
		for j, sid := range append(slices.Clone(w.Primary), w.Secondary...) {
			field := fmt.Sprintf("%s.primary[%d]", f, j)
			if j >= len(w.Primary) {
				field = fmt.Sprintf("%s.secondary[%d]", f, j-len(w.Primary))
			}
			if _, ok := ids[sid]; !ok {
				return Errorf(EINVALID, "%s: unknown service %q", field, sid)
			}
			if seen[sid] {
				return Errorf(EINVALID, "%s: service %q listed twice", field, sid)
			}
			seen[sid] = true
		}
	}
	for i, c := range h.PriorityClasses {
		if !validID(c.ID) {
			return Errorf(EINVALID, "priority_classes[%d].id: %q must be 1-32 letters, digits, '-' or '_'", i, c.ID)
		}
		for _, d := range h.PriorityClasses[:i] {
			if d.ID == c.ID {
				return Errorf(EINVALID, "priority_classes[%d].id: %q is used twice", i, c.ID)
			}
		}
		if c.MinAge < 0 || c.MinAge > 150 {
			return Errorf(EINVALID, "priority_classes[%d].min_age: %d must be between 1 and 150 (0 for none)", i, c.MinAge)
		}
	}
	for i, r := range h.ManualReasons {
		if !validID(r.Code) {
			return Errorf(EINVALID, "manual_reasons[%d].code: %q must be 1-32 letters, digits, '-' or '_'", i, r.Code)
		}
	}
	return nil
}

func validID(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
