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
	cards := make(map[string]wire.Card, len(s.cards))
	for id, c := range s.cards {
		cards[id] = c.Card
	}
	out := wire.NewHall(s.hall.Public(), s.address, cards, s.notices)
	out.CheckpointKey = s.engine.PublicKey()
	out.Notify = s.notifier != nil
	out.ComplaintURL = s.linkURL(r, "/complaint")
	if sv := s.cfg.Info.Supervision; sv.Any() {
		out.Supervision = &wire.Supervision{Office: sv.Office.ZH, OfficeEN: sv.Office.EN, Address: sv.Address.ZH,
			AddressEN: sv.Address.EN, Phone: sv.Phone, Email: sv.Email}
	}
	writeJSON(w, http.StatusOK, out)
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
