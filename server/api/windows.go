package api

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"hallq/server/engine"
	"hallq/server/queue"
)

type actRequest struct {
	Number  string `json:"number,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Service string `json:"service,omitempty"`
}

type actResponse struct {
	Action string     `json:"action"`
	Seq    uint64     `json:"seq"`
	Hash   string     `json:"hash"`
	Window actWindow  `json:"window"`
	Ticket *actTicket `json:"ticket,omitempty"`
}

// actWindow is a window's state after an action.
type actWindow struct {
	ID                string `json:"id"`
	Status            string `json:"status"`
	Staff             string `json:"staff,omitempty"`
	Current           string `json:"current,omitempty"` // ticket ID being served
	Served            int    `json:"served"`
	NoShows           int    `json:"no_shows"`
	AvgServiceSeconds int    `json:"avg_service_seconds"`
}

type actTicket struct {
	ID      string `json:"id"`
	Number  string `json:"number"`
	Service string `json:"service"`
	Status  string `json:"status"`
}

func (s *Server) handleWindowAction(w http.ResponseWriter, r *http.Request) {
	id, action := r.PathValue("id"), r.PathValue("action")
	if !slices.Contains(engine.Actions, action) {
		s.writeError(w, r, queue.Errorf(queue.ENOTFOUND, "no window action %s (one of %v)", echo(action), engine.Actions).Zh("没有这个窗口操作"))
		return
	}
	sess, st, err := s.session(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if sess.Window != id {
		s.writeError(w, r, queue.Errorf(queue.EFORBIDDEN, "you are signed in to window %s, not window %s", sess.Window, clip(id, maxEcho)).
			Zh("您登录的是%s号窗口，不能操作%s号窗口", sess.Window, id))
		return
	}
	var req actRequest
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		if err := s.decode(w, r, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	res, err := s.engine.Act(r.Context(), engine.ActInput{
		Window: id, Staff: st.Username, Action: action, Number: req.Number, Reason: req.Reason, Service: req.Service,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ws := res.Window
	out := actResponse{Action: action, Seq: res.Seq, Hash: res.Hash, Window: actWindow{
		ID: ws.ID, Status: ws.Status, Staff: ws.Staff, Current: ws.Current, Served: ws.Served, NoShows: ws.NoShows}}
	if ws.Served > 0 {
		out.Window.AvgServiceSeconds = int(ws.ServiceTime.Seconds()) / ws.Served
	}
	if t := res.Ticket; t != nil {
		out.Ticket = &actTicket{ID: t.ID, Number: t.Number, Service: t.Service, Status: t.Status}
	}
	writeJSON(w, http.StatusOK, out)
}

// windowJSON is the public view of one window, with its publicity card.
type windowJSON struct {
	ID      string `json:"id"`
	NameZH  string `json:"name_zh"`
	NameEN  string `json:"name_en"`
	Status  string `json:"status"`
	Current string `json:"current,omitempty"` // number being served
	// CurrentService and CurrentCalledAt describe the ticket being served: its
	// service and when it was first called to this window.
	CurrentService  string    `json:"current_service,omitempty"`
	CurrentCalledAt time.Time `json:"current_called_at,omitzero"`
	// CurrentAppointment marks a ticket checked in from a booking (late: a
	// late check-in); CurrentVerified is the outcome of the document check at
	// the window, "match" or "mismatch", once made.
	CurrentAppointment bool   `json:"current_appointment,omitempty"`
	CurrentLate        bool   `json:"current_late,omitempty"`
	CurrentVerified    string `json:"current_verified,omitempty"`
	Served             int    `json:"served"`
	NoShows            int    `json:"no_shows"`
	// AvgServiceSeconds is today's average service time at the window.
	AvgServiceSeconds int      `json:"avg_service_seconds"`
	Primary           []string `json:"primary"`
	Secondary         []string `json:"secondary,omitempty"`
	Card              *Card    `json:"card,omitempty"`
	// Next are the numbers the calling rule would call next, in order.
	Next []string `json:"next"`
	// Waiting is how many tickets of the window's services wait.
	Waiting int    `json:"waiting"`
	Seq     uint64 `json:"seq"`
	Hash    string `json:"hash"`
}

func (s *Server) handleWindow(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	win, ok := s.hall.Window(id)
	if !ok {
		s.writeError(w, r, queue.Errorf(queue.ENOTFOUND, "no window %s", echo(id)))
		return
	}
	out := windowJSON{ID: win.ID, NameZH: win.NameZH, NameEN: win.NameEN, Primary: win.Primary, Secondary: win.Secondary}
	if c, ok := s.cards[id]; ok {
		out.Card = &c
	}
	now := s.engine.Now()
	s.engine.Read(func(st *queue.State, seq uint64, hash string) {
		ws := st.Window(id)
		out.Status, out.Served, out.NoShows, out.Seq, out.Hash = ws.Status, ws.Served, ws.NoShows, seq, hash
		if ws.Served > 0 {
			out.AvgServiceSeconds = int(ws.ServiceTime.Seconds()) / ws.Served
		}
		if t, ok := st.Tickets[ws.Current]; ok {
			out.Current, out.CurrentService, out.CurrentCalledAt = t.Number, t.Service, t.CalledAt
			out.CurrentAppointment, out.CurrentLate, out.CurrentVerified = t.Appointment != "", t.Late, t.Verified
		}
		for _, sid := range append(slices.Clone(win.Primary), win.Secondary...) {
			out.Waiting += st.Waiting(sid)
		}
		out.Next = st.Upcoming(s.hall, id, 5, now)
	})
	writeJSON(w, http.StatusOK, out)
}

// handleWindowPhoto serves the portrait of a window's publicity card, read
// from its file at each request so that a replaced photo shows at once.
func (s *Server) handleWindowPhoto(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, ok := s.cards[id]
	if !ok || c.Photo == "" {
		s.writeError(w, r, queue.Errorf(queue.ENOTFOUND, "window %s has no photo on its publicity card", echo(id)))
		return
	}
	f, err := os.Open(c.Photo)
	if err != nil {
		s.log.Error("window photo", "window", id, "err", err)
		s.writeError(w, r, queue.Errorf(queue.ENOTFOUND, "the photo of window %s cannot be read now", echo(id)))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.log.Error("window photo", "window", id, "err", err)
		s.writeError(w, r, queue.Errorf(queue.ENOTFOUND, "the photo of window %s cannot be read now", echo(id)))
		return
	}
	ctype := "image/png"
	if ext := strings.ToLower(filepath.Ext(c.Photo)); ext == ".jpg" || ext == ".jpeg" {
		ctype = "image/jpeg"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=300")
	http.ServeContent(w, r, "", st.ModTime(), f)
}
