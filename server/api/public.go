package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"hallq/server/engine"
	"hallq/server/queue"
)

type boardJSON struct {
	engine.Board
	Hall    hallBrief `json:"hall"`
	Notices []Notice  `json:"notices"`
}

type hallBrief struct {
	ID     string `json:"id"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

func (s *Server) handleBoard(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, boardJSON{
		Board:   s.engine.Board(),
		Hall:    hallBrief{ID: s.hall.ID, NameZH: s.hall.NameZH, NameEN: s.hall.NameEN},
		Notices: s.notices,
	})
}

// hallJSON is the public description of the hall: what kiosks and displays need
// to draw themselves, and what the rules page publishes.
type hallJSON struct {
	hallBrief
	Address         string                `json:"address,omitempty"`
	TimeZone        string                `json:"time_zone"`
	DayStart        string                `json:"day_start"`
	Hours           string                `json:"hours"`
	Services        []serviceJSON         `json:"services"`
	Windows         []hallWindowJSON      `json:"windows"`
	PriorityClasses []queue.PriorityClass `json:"priority_classes"`
	ManualReasons   []queue.Reason        `json:"manual_reasons"`
	Rules           rulesJSON             `json:"rules"`
	Notices         []Notice              `json:"notices"`
	// CheckpointKey is the Ed25519 public key (standard base64) that signs
	// the log's checkpoints.
	CheckpointKey string `json:"checkpoint_key,omitempty"`
}

type serviceJSON struct {
	ID               string `json:"id"`
	NameZH           string `json:"name_zh"`
	NameEN           string `json:"name_en"`
	Prefix           string `json:"prefix"`
	Digits           int    `json:"digits"`
	DailyCap         int    `json:"daily_cap"`
	PerIdentityDaily int    `json:"per_identity_daily"`
	RealName         bool   `json:"real_name"`
	AvgServiceSecs   int    `json:"avg_service_seconds"`
	// Appointments are the service's published booking rules, if it takes bookings.
	Appointments *queue.PublicAppointments `json:"appointments,omitempty"`
}

type hallWindowJSON struct {
	ID        string   `json:"id"`
	NameZH    string   `json:"name_zh"`
	NameEN    string   `json:"name_en"`
	Primary   []string `json:"primary"`
	Secondary []string `json:"secondary,omitempty"`
	Card      *Card    `json:"card,omitempty"`
}

type rulesJSON struct {
	ReinstateWithinSeconds int `json:"reinstate_within_seconds"`
	ReinstateAfter         int `json:"reinstate_after"`
	MinSamples             int `json:"min_samples"`
}

func (s *Server) handleHall(w http.ResponseWriter, r *http.Request) {
	h := s.hall
	out := hallJSON{
		hallBrief: hallBrief{ID: h.ID, NameZH: h.NameZH, NameEN: h.NameEN},
		Address:   s.address, Hours: h.HoursText(),
		DayStart:        clockText(int(h.DayStart.Minutes())),
		PriorityClasses: h.PriorityClasses, ManualReasons: h.ManualReasons, Notices: s.notices,
		Rules: rulesJSON{ReinstateWithinSeconds: int(h.Rules.ReinstateWithin.Seconds()),
			ReinstateAfter: h.Rules.ReinstateAfter, MinSamples: h.Rules.MinSamples},
	}
	if h.Location != nil {
		out.TimeZone = h.Location.String()
	}
	out.CheckpointKey = s.engine.PublicKey()
	for _, svc := range h.Services {
		out.Services = append(out.Services, serviceJSON{ID: svc.ID, NameZH: svc.NameZH, NameEN: svc.NameEN,
			Prefix: svc.Prefix, Digits: svc.Digits, DailyCap: svc.DailyCap, PerIdentityDaily: svc.PerIdentityDaily,
			RealName: svc.RealName, AvgServiceSecs: int(svc.AvgService.Seconds()), Appointments: svc.Appointments.Public()})
	}
	for _, win := range h.Windows {
		hw := hallWindowJSON{ID: win.ID, NameZH: win.NameZH, NameEN: win.NameEN, Primary: win.Primary, Secondary: win.Secondary}
		if c, ok := s.cards[win.ID]; ok {
			hw.Card = &c
		}
		out.Windows = append(out.Windows, hw)
	}
	writeJSON(w, http.StatusOK, out)
}

func clockText(min int) string {
	return strconv.Itoa(min/60/10) + strconv.Itoa(min/60%10) + ":" + strconv.Itoa(min%60/10) + strconv.Itoa(min%10)
}

// MaxEventsLimit is the most events one /api/v1/events page returns.
const MaxEventsLimit = 1000

type eventsJSON struct {
	Events []json.RawMessage `json:"events"` // exact published bytes
	Head   headJSON          `json:"head"`
	// Next is the after to ask for the next page; equal to the last seq returned.
	Next uint64 `json:"next"`
	More bool   `json:"more"`
}

type headJSON struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, err := uintParam(q.Get("after"), 0)
	if err != nil {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "after: %s is not a sequence number", echo(q.Get("after"))))
		return
	}
	limit, err := uintParam(q.Get("limit"), 100)
	if err != nil || limit == 0 || limit > MaxEventsLimit {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "limit: must be between 1 and %d", MaxEventsLimit))
		return
	}
	seq, hash := s.engine.Head()
	recs, err := s.store.EventsAfter(after, int(limit))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := eventsJSON{Events: make([]json.RawMessage, 0, len(recs)), Head: headJSON{seq, hash}, Next: after}
	for _, rec := range recs {
		if rec.Seq > seq {
			break // committed but not yet in the readable state; next page
		}
		out.Events = append(out.Events, rec.Raw)
		out.Next = rec.Seq
	}
	out.More = out.Next < seq
	writeJSON(w, http.StatusOK, out)
}

func uintParam(s string, def uint64) (uint64, error) {
	if s == "" {
		return def, nil
	}
	return strconv.ParseUint(s, 10, 64)
}
