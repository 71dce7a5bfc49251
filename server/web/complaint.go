package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"hallq/server/engine"
	"hallq/server/queue"
)

// complaintData is the first paint of the complaint form; About and Target
// preselect what the complaint is about (from a ticket page or a card).
type complaintData struct {
	Windows, Services   []option
	About, Target       string
	MaxText, MaxContact int
}

func (s *Server) handleComplaintForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := complaintData{Windows: s.windowOptions(), Services: s.serviceOptions(), MaxText: engine.MaxComplaintText, MaxContact: engine.MaxContact}
	switch about, target := q.Get("about"), q.Get("target"); about {
	case queue.AboutWindow, queue.AboutService:
		if _, ok := s.cfg.Hall.Window(target); ok && about == queue.AboutWindow {
			d.About, d.Target = about, target
		} else if _, ok := s.cfg.Hall.Service(target); ok && about == queue.AboutService {
			d.About, d.Target = about, target
		}
	}
	s.render(w, r, http.StatusOK, pageData{Page: "complaint", Title: text{"投诉", "Complaint"}, Scripts: []string{"complaint.js"}, Body: d})
}

// trackData is a complaint's tracking page: its public part and the answer.
type trackData struct {
	About      text
	Filed      string
	Answered   bool
	Answer     string
	AnsweredAt string
}

func (s *Server) handleComplaintTrack(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if code == "lookup" {
		c := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("code")))
		if c == "" || len(c) > 32 {
			http.Redirect(w, r, "/complaint", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/complaint/"+url.PathEscape(c), http.StatusSeeOther)
		return
	}
	c, err := s.engine.ComplaintByCode(code)
	if err != nil {
		if queue.ErrorCode(err) != queue.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusNotFound, pageData{Page: "notfound", Title: text{"未找到投诉", "Complaint not found"}, Body: notFoundData{}})
		return
	}
	loc := s.cfg.Hall.Location
	d := trackData{Filed: c.FiledAt.In(loc).Format(time.DateTime), Answered: c.Answered, Answer: c.Answer}
	if c.Answered {
		d.AnsweredAt = c.AnsweredAt.In(loc).Format(time.DateTime)
	}
	switch c.About {
	case queue.AboutWindow:
		if win, ok := s.cfg.Hall.Window(c.Target); ok {
			d.About = text{win.NameZH, win.NameEN}
		}
	case queue.AboutService:
		if svc, ok := s.cfg.Hall.Service(c.Target); ok {
			d.About = text{svc.NameZH, svc.NameEN}
		}
	default:
		d.About = text{"大厅整体", "The hall"}
	}
	s.render(w, r, http.StatusOK, pageData{Page: "complainttrack", Title: text{"投诉处理进度", "Your complaint"}, Body: d})
}
