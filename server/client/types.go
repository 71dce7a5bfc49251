package client

import (
	"encoding/json"
	"time"

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
	Duties   string   `json:"duties"`
	PhotoURL string   `json:"photo_url,omitempty"` // the portrait, a path on the server
	Services []string `json:"services"`            // service IDs handled, primary first
}

// Hall is the public description of a hall (GET /api/v1/hall).
type Hall struct {
	ID       string `json:"id"`
	NameZH   string `json:"name_zh"`
	NameEN   string `json:"name_en"`
	Address  string `json:"address,omitempty"`
	TimeZone string `json:"time_zone"` // IANA name, such as Asia/Shanghai
	DayStart string `json:"day_start"` // "04:00": when the service day starts
	Hours    string `json:"hours"`     // opening hours, "08:30-12:00, 13:30-17:30"

	Services        []Service       `json:"services"`
	Windows         []HallWindow    `json:"windows"`
	PriorityClasses []PriorityClass `json:"priority_classes"`
	ManualReasons   []Reason        `json:"manual_reasons"`
	Rules           Rules           `json:"rules"`
	Notices         []Notice        `json:"notices"`
}

// Service is a kind of business, as the hall describes it.
type Service struct {
	ID                string `json:"id"`
	NameZH            string `json:"name_zh"`
	NameEN            string `json:"name_en"`
	Prefix            string `json:"prefix"`
	Digits            int    `json:"digits"`
	DailyCap          int    `json:"daily_cap"`
	PerIdentityDaily  int    `json:"per_identity_daily"`
	RealName          bool   `json:"real_name"`
	AvgServiceSeconds int    `json:"avg_service_seconds"`
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

// PriorityClass is a group of applicants served first. The server publishes
// its fields under their Go names.
type PriorityClass struct {
	ID     string `json:"id"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	// SelfDeclared classes may be declared at a kiosk; the others are
	// assigned by staff.
	SelfDeclared bool `json:"self_declared"`
}

// Reason is a published reason for calling a number out of order. The server
// publishes its fields under their Go names.
type Reason struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
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

// Board is the public snapshot of the hall (GET /api/v1/board).
type Board struct {
	Hall     HallBrief      `json:"hall"`
	Day      string         `json:"day"`
	Time     time.Time      `json:"time"`
	Services []ServiceBoard `json:"services"`
	Windows  []WindowBoard  `json:"windows"`
	Current  []queue.Call   `json:"current"` // the call of every ticket being served, newest first
	Recent   []queue.Call   `json:"recent"`  // calls and recalls, newest first
	Notices  []Notice       `json:"notices"`
	Seq      uint64         `json:"seq"`
	Hash     string         `json:"hash"`
}

// ServiceBoard is a service as boards and kiosks show it.
type ServiceBoard struct {
	ID         string `json:"id"`
	NameZH     string `json:"name_zh"`
	NameEN     string `json:"name_en"`
	Prefix     string `json:"prefix"`
	RealName   bool   `json:"real_name"`
	Waiting    int    `json:"waiting"`
	ETASeconds int    `json:"eta_seconds"` // estimated wait of a number taken now
	Windows    int    `json:"windows"`     // open windows serving it
	Issued     int    `json:"issued"`
	Remaining  int    `json:"remaining"` // numbers left today under the daily cap
	Available  bool   `json:"available"` // a number can be taken now
	// Unavailable and UnavailableZH say why not, when Available is false.
	Unavailable   string `json:"unavailable,omitempty"`
	UnavailableZH string `json:"unavailable_zh,omitempty"`
}

// WindowBoard is a window as boards show it.
type WindowBoard struct {
	ID                string `json:"id"`
	NameZH            string `json:"name_zh"`
	NameEN            string `json:"name_en"`
	Status            string `json:"status"` // open, paused or closed
	Staff             string `json:"staff,omitempty"`
	Current           string `json:"current,omitempty"` // number being served
	Service           string `json:"service,omitempty"` // its service
	Served            int    `json:"served"`
	NoShows           int    `json:"no_shows"`
	AvgServiceSeconds int    `json:"avg_service_seconds"`
}

// WindowDetail is the public state of one window (GET /api/v1/windows/{id}).
type WindowDetail struct {
	ID                string   `json:"id"`
	NameZH            string   `json:"name_zh"`
	NameEN            string   `json:"name_en"`
	Status            string   `json:"status"`
	Current           string   `json:"current,omitempty"` // number being served
	Served            int      `json:"served"`
	NoShows           int      `json:"no_shows"`
	AvgServiceSeconds int      `json:"avg_service_seconds"`
	Primary           []string `json:"primary"`
	Secondary         []string `json:"secondary,omitempty"`
	Card              *Card    `json:"card,omitempty"`
	Next              []string `json:"next"`    // numbers the rule would call next, in order
	Waiting           int      `json:"waiting"` // tickets of the window's services waiting
	Seq               uint64   `json:"seq"`
	Hash              string   `json:"hash"`
}

// Ticket is a ticket as the API returns it; it holds nothing personal.
type Ticket struct {
	ID            string    `json:"id"`
	Number        string    `json:"number"`
	Service       string    `json:"service"`
	ServiceNameZH string    `json:"service_name_zh"`
	ServiceNameEN string    `json:"service_name_en"`
	Priority      string    `json:"priority,omitempty"`
	Status        string    `json:"status"` // waiting, called, completed, no_show, cancelled
	IssuedAt      time.Time `json:"issued_at"`
	Ahead         int       `json:"ahead"`
	ETASeconds    int       `json:"eta_seconds"`
	Window        string    `json:"window,omitempty"`
	WindowNameZH  string    `json:"window_name_zh,omitempty"`
	WindowNameEN  string    `json:"window_name_en,omitempty"`
	CalledAt      time.Time `json:"called_at,omitzero"`
	// Token and StatusURL (the receipt's QR link) come only with a new ticket.
	Token     string `json:"token,omitempty"`
	StatusURL string `json:"status_url,omitempty"`
	// Seq and Hash name the log's head when the answer was made.
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
	// CheckpointSeq and CheckpointHash are what the last signed checkpoint
	// signed when the answer was made.
	CheckpointSeq  uint64 `json:"checkpoint_seq,omitempty"`
	CheckpointHash string `json:"checkpoint_hash,omitempty"`
}

// IssueRequest asks for a number. IDNumber and IDKind (resident, passport,
// hk_macao, taiwan, foreign_pr) are for real-name services.
type IssueRequest struct {
	Service        string `json:"service"`
	Priority       string `json:"priority,omitempty"`
	IDNumber       string `json:"id_number,omitempty"`
	IDKind         string `json:"id_kind,omitempty"`
	IdempotencyKey string `json:"idempotency_key"`
}

// Device is an enrolled kiosk or display (GET /api/v1/devices/me).
type Device struct {
	ID       string   `json:"id"`
	Kind     string   `json:"kind"` // kiosk or display
	Name     string   `json:"name"`
	Services []string `json:"services,omitempty"` // kiosk: services offered, empty for all
	Window   string   `json:"window,omitempty"`   // display: the window it stands above
}

// EventsPage is a page of the public log (GET /api/v1/events).
type EventsPage struct {
	Events []json.RawMessage `json:"events"` // exact published bytes
	Head   Head              `json:"head"`
	Next   uint64            `json:"next"` // the after of the next page
	More   bool              `json:"more"`
}

// Head names the last event of the log.
type Head struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// Health is the server's health check (GET /healthz).
type Health struct {
	Status        string `json:"status"`
	Hall          string `json:"hall"`
	Seq           uint64 `json:"seq"`
	Hash          string `json:"hash"`
	UptimeSeconds int    `json:"uptime_seconds"`
}

// Session is a staff member signed in to a window.
type Session struct {
	Username  string    `json:"username"`
	Name      string    `json:"name"`
	Window    string    `json:"window"`
	Windows   []string  `json:"windows"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ActRequest carries the arguments of a window action that needs them.
type ActRequest struct {
	Number  string `json:"number,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Service string `json:"service,omitempty"`
}

// ActResult is the answer to a window action.
type ActResult struct {
	Action string     `json:"action"`
	Seq    uint64     `json:"seq"`
	Hash   string     `json:"hash"`
	Window ActWindow  `json:"window"`
	Ticket *ActTicket `json:"ticket,omitempty"`
}

// ActWindow is a window's state after an action.
type ActWindow struct {
	ID                string `json:"id"`
	Status            string `json:"status"`
	Staff             string `json:"staff,omitempty"`
	Current           string `json:"current,omitempty"` // ID of the ticket being served
	Served            int    `json:"served"`
	NoShows           int    `json:"no_shows"`
	AvgServiceSeconds int    `json:"avg_service_seconds"`
}

// ActTicket is the ticket an action concerned.
type ActTicket struct {
	ID      string `json:"id"`
	Number  string `json:"number"`
	Service string `json:"service"`
	Status  string `json:"status"`
}
