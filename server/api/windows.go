package api

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"hallq/server/engine"
	"hallq/server/queue"
	"hallq/server/wire"
)

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
	var req wire.ActRequest
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
	out := wire.ActResult{Action: action, Seq: res.Seq, Hash: res.Hash, Window: wire.ActWindow{
		ID: ws.ID, Status: ws.Status, Staff: ws.Staff, Current: ws.Current, Served: ws.Served, NoShows: ws.NoShows}}
	if ws.Served > 0 {
		out.Window.AvgServiceSeconds = int(ws.ServiceTime.Seconds()) / ws.Served
	}
	if t := res.Ticket; t != nil {
		out.Ticket = &wire.ActTicket{ID: t.ID, Number: t.Number, Service: t.Service, Status: t.Status}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleWindow(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	win, ok := s.hall.Window(id)
	if !ok {
		s.writeError(w, r, queue.Errorf(queue.ENOTFOUND, "no window %s", echo(id)))
		return
	}
	out := wire.WindowDetail{ID: win.ID, NameZH: win.NameZH, NameEN: win.NameEN, Primary: win.Primary, Secondary: win.Secondary}
	if c, ok := s.cards[id]; ok {
		out.Card = &c.Card
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
