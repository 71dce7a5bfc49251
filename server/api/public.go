package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"hallq/server/queue"
	"hallq/server/wire"
)

func (s *Server) handleBoard(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wire.Board{
		Board:   s.engine.Board(),
		Hall:    wire.HallBrief{ID: s.hall.ID, NameZH: s.hall.NameZH, NameEN: s.hall.NameEN},
		Notices: s.notices,
	})
}

func (s *Server) handleHall(w http.ResponseWriter, r *http.Request) {
	h := s.hall
	out := wire.Hall{
		ID: h.ID, NameZH: h.NameZH, NameEN: h.NameEN,
		Address: s.address, Hours: h.HoursText(),
		DayStart:        clockText(int(h.DayStart.Minutes())),
		PriorityClasses: h.PriorityClasses, ManualReasons: h.ManualReasons, Notices: s.notices,
		Rules: wire.Rules{ReinstateWithinSeconds: int(h.Rules.ReinstateWithin.Seconds()),
			ReinstateAfter: h.Rules.ReinstateAfter, MinSamples: h.Rules.MinSamples},
	}
	if h.Location != nil {
		out.TimeZone = h.Location.String()
	}
	out.CheckpointKey = s.engine.PublicKey()
	for _, svc := range h.Services {
		out.Services = append(out.Services, wire.Service{ID: svc.ID, NameZH: svc.NameZH, NameEN: svc.NameEN,
			Prefix: svc.Prefix, Digits: svc.Digits, DailyCap: svc.DailyCap, PerIdentityDaily: svc.PerIdentityDaily,
			RealName: svc.RealName, AvgServiceSeconds: int(svc.AvgService.Seconds()), Appointments: svc.Appointments.Public()})
	}
	for _, win := range h.Windows {
		hw := wire.HallWindow{ID: win.ID, NameZH: win.NameZH, NameEN: win.NameEN, Primary: win.Primary, Secondary: win.Secondary}
		if c, ok := s.cards[win.ID]; ok {
			hw.Card = &c.Card
		}
		out.Windows = append(out.Windows, hw)
	}
	writeJSON(w, http.StatusOK, out)
}

func clockText(min int) string {
	return strconv.Itoa(min/60/10) + strconv.Itoa(min/60%10) + ":" + strconv.Itoa(min%60/10) + strconv.Itoa(min%10)
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, err := uintParam(q.Get("after"), 0)
	if err != nil {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "after: %s is not a sequence number", echo(q.Get("after"))))
		return
	}
	limit, err := uintParam(q.Get("limit"), 100)
	if err != nil || limit == 0 || limit > wire.MaxEventsLimit {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "limit: must be between 1 and %d", wire.MaxEventsLimit))
		return
	}
	seq, hash := s.engine.Head()
	recs, err := s.store.EventsAfter(after, int(limit))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := wire.EventsPage{Events: make([]json.RawMessage, 0, len(recs)), Head: wire.Head{Seq: seq, Hash: hash}, Next: after}
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
