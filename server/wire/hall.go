package wire

import (
	"slices"

	"hallq/server/queue"
)

// HallBrief names a hall.
type HallBrief struct {
	ID     string `json:"id"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// Notice is a message scrolled on hall boards.
type Notice struct {
	ZH string `json:"text_zh"`
	EN string `json:"text_en"`
}

// Card is the staff publicity card shown above a window: who works there and
// what they handle.
type Card struct {
	Name     string   `json:"name"`
	NameEN   string   `json:"name_en,omitempty"`
	Title    string   `json:"title"`
	TitleEN  string   `json:"title_en,omitempty"`
	Unit     string   `json:"unit"`
	UnitEN   string   `json:"unit_en,omitempty"`
	Duties   string   `json:"duties"`
	DutiesEN string   `json:"duties_en,omitempty"`
	PhotoURL string   `json:"photo_url,omitempty"` // the portrait, a path on the server
	Services []string `json:"services"`            // service IDs handled, primary first
}

// Hall is the public description of a hall (GET /api/v1/hall): what kiosks
// and displays need to draw themselves, and what the rules page publishes.
type Hall struct {
	ID       string `json:"id"`
	NameZH   string `json:"name_zh"`
	NameEN   string `json:"name_en"`
	Address  string `json:"address,omitempty"`
	TimeZone string `json:"time_zone"` // IANA name, such as Asia/Shanghai
	DayStart string `json:"day_start"` // "04:00": when the service day starts
	Hours    string `json:"hours"`     // opening hours, "08:30-12:00, 13:30-17:30"
	// OpeningHours are the same hours as intervals, local times in TimeZone.
	OpeningHours []queue.OpenHours `json:"opening_hours"`

	Services        []Service             `json:"services"`
	Windows         []HallWindow          `json:"windows"`
	PriorityClasses []queue.PriorityClass `json:"priority_classes"`
	ManualReasons   []queue.Reason        `json:"manual_reasons"`
	Rules           Rules                 `json:"rules"`
	Notices         []Notice              `json:"notices"`
	// CheckpointKey is the Ed25519 public key (standard base64) that signs
	// the log's checkpoints.
	CheckpointKey string `json:"checkpoint_key,omitempty"`
	// Supervision is the office taking complaints, when the hall names one.
	Supervision *Supervision `json:"supervision,omitempty"`
	// ComplaintURL is the address of the hall's complaint form (/complaint),
	// posted on the window screens' cards.
	ComplaintURL string `json:"complaint_url,omitempty"`
	// Notify says the hall sends text messages (turn close, called) to a
	// phone number left at a kiosk or reception desk.
	Notify bool `json:"notify,omitempty"`
}

// Service is a kind of business, as the hall describes it: the domain's
// published form, one definition for the log and the API.
type Service = queue.PublicService

// Supervision is the office that supervises the hall and takes complaints
// about it: posted on window cards and receipts. Any field may be empty.
type Supervision struct {
	Office    string `json:"office,omitempty"`
	OfficeEN  string `json:"office_en,omitempty"`
	Address   string `json:"address,omitempty"`
	AddressEN string `json:"address_en,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Email     string `json:"email,omitempty"`
}

// Line returns the supervision contact as one short line for a receipt or a
// card: the phone, else the e-mail; empty without either.
func (s *Supervision) Line() string {
	switch {
	case s == nil:
		return ""
	case s.Phone != "":
		return "监督电话 Tel. " + s.Phone
	case s.Email != "":
		return "监督邮箱 " + s.Email
	}
	return ""
}

// HallWindow is a window, as the hall describes it.
type HallWindow struct {
	ID        string   `json:"id"`
	NameZH    string   `json:"name_zh"`
	NameEN    string   `json:"name_en"`
	Primary   []string `json:"primary"`
	Secondary []string `json:"secondary,omitempty"`
	Card      *Card    `json:"card,omitempty"`
}

// Rules are the published parameters of the calling rule.
type Rules struct {
	ReinstateWithinSeconds int `json:"reinstate_within_seconds"`
	ReinstateAfter         int `json:"reinstate_after"`
	MinSamples             int `json:"min_samples"`
}

// Service returns the service with the given ID.
func (h *Hall) Service(id string) (Service, bool) {
	for _, s := range h.Services {
		if s.ID == id {
			return s, true
		}
	}
	return Service{}, false
}

// Window returns the window with the given ID.
func (h *Hall) Window(id string) (HallWindow, bool) {
	for _, w := range h.Windows {
		if w.ID == id {
			return w, true
		}
	}
	return HallWindow{}, false
}

// Board is the public snapshot of the hall (GET /api/v1/board): the domain's
// board with the hall's name and notices.
type Board struct {
	queue.Board
	Hall    HallBrief `json:"hall"`
	Notices []Notice  `json:"notices"`
}

// NewHall returns the description of a hall that the API publishes: the
// domain's public form of the hall with its postal address, the windows'
// publicity cards (by window ID) and the notices.
func NewHall(p queue.PublicHall, address string, cards map[string]Card, notices []Notice) Hall {
	h := Hall{ID: p.ID, NameZH: p.NameZH, NameEN: p.NameEN, Address: address, TimeZone: p.TimeZone,
		DayStart: p.DayStart, Hours: p.Hours, PriorityClasses: p.PriorityClasses, ManualReasons: p.ManualReasons,
		Rules: Rules{ReinstateWithinSeconds: p.Rules.ReinstateWithinSecs, ReinstateAfter: p.Rules.ReinstateAfter,
			MinSamples: p.Rules.MinSamples},
		Notices: notices, CheckpointKey: p.CheckpointKey}
	// A published hall's hours always parse (queue.Hall.Public formats them).
	h.OpeningHours, _ = p.OpeningHours()
	h.Services = slices.Clone(p.Services)
	for _, w := range p.Windows {
		hw := HallWindow{ID: w.ID, NameZH: w.NameZH, NameEN: w.NameEN, Primary: w.Primary, Secondary: w.Secondary}
		if c, ok := cards[w.ID]; ok {
			hw.Card = &c
		}
		h.Windows = append(h.Windows, hw)
	}
	return h
}

// Public returns the domain's public form of the hall the description
// publishes; its Hall method gives the hall the calling rule, the service day
// and the opening hours are computed with.
func (h *Hall) Public() queue.PublicHall {
	p := queue.PublicHall{ID: h.ID, NameZH: h.NameZH, NameEN: h.NameEN, TimeZone: h.TimeZone, DayStart: h.DayStart,
		Hours: h.Hours, PriorityClasses: h.PriorityClasses, ManualReasons: h.ManualReasons,
		Rules: queue.PublicRules{ReinstateWithinSecs: h.Rules.ReinstateWithinSeconds, ReinstateAfter: h.Rules.ReinstateAfter,
			MinSamples: h.Rules.MinSamples},
		CheckpointKey: h.CheckpointKey}
	p.Services = slices.Clone(h.Services)
	for _, w := range h.Windows {
		p.Windows = append(p.Windows, queue.PublicWindow{ID: w.ID, NameZH: w.NameZH, NameEN: w.NameEN,
			Primary: w.Primary, Secondary: w.Secondary})
	}
	return p
}
