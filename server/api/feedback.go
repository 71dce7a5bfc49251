package api

import (
	"net/http"
	"time"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/queue"
	"hallq/server/wire"
)

// feedbackRoutes mounts ratings, follow-up cases and complaints.
func (s *Server) feedbackRoutes(handle func(string, http.HandlerFunc)) {
	handle("POST /api/v1/tickets/{token}/rating", s.handleRate)
	handle("POST /api/v1/windows/{id}/rating", s.handleWindowRate)
	handle("POST /api/v1/complaints", s.handleFileComplaint)
	handle("GET /api/v1/complaints/{code}", s.handleComplaint)
	handle("GET /api/v1/supervise/cases", s.handleCases)
	handle("POST /api/v1/supervise/cases/{id}/close", s.handleCloseCase)
	handle("GET /api/v1/supervise/complaints", s.handleComplaints)
	handle("POST /api/v1/supervise/complaints/{id}/answer", s.handleAnswerComplaint)
}

// handleRate rates a ticket on its page: the status token is the holder's
// proof, as for withdrawing it.
func (s *Server) handleRate(w http.ResponseWriter, r *http.Request) {
	if err := s.checkOrigin(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.RatingRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.engine.RateByToken(r.Context(), r.PathValue("token"), req.Level, req.Comment)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.ticketJSON(r, v, false))
}

// handleWindowRate rates, from a window's screen that offers rating buttons,
// the service the window just completed. Only that window's screen may.
func (s *Server) handleWindowRate(w http.ResponseWriter, r *http.Request) {
	d, err := s.device(r, config.KindDisplay)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	if d.Window != id || !d.Ratings {
		s.writeError(w, r, queue.Errorf(queue.EFORBIDDEN, "display %s offers no rating buttons for window %s", d.ID, clip(id, maxEcho)).
			Zh("该显示屏不能为此窗口评价"))
		return
	}
	var req wire.WindowRatingRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	number, err := s.engine.RateAtWindow(r.Context(), id, req.Level)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.WindowRated{Number: number, Level: req.Level})
}

func (s *Server) handleFileComplaint(w http.ResponseWriter, r *http.Request) {
	if err := s.checkOrigin(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.complaintLimit.allow(addressKey(s.clientAddr(r)), time.Now()) {
		w.Header().Set("Retry-After", "3600")
		s.writeError(w, r, &queue.Error{Code: wire.ERATE,
			Message:   "too many complaints from this address; try again later or call the supervision office",
			MessageZH: "该地址提交投诉过于频繁，请稍后再试，或致电监督电话"})
		return
	}
	var req wire.ComplaintRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.engine.FileComplaint(r.Context(), engine.ComplaintInput{About: req.About, Target: req.Target, Text: req.Text, Contact: req.Contact})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, wire.ComplaintFiled{Code: f.Code, TrackingURL: s.linkURL(r, "/complaint/"+f.Code)})
}

func (s *Server) handleComplaint(w http.ResponseWriter, r *http.Request) {
	c, err := s.engine.ComplaintByCode(r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, complaintJSON(c))
}

func complaintJSON(c engine.ComplaintView) wire.Complaint {
	return wire.Complaint{ID: c.ID, About: c.About, Target: c.Target, FiledAt: c.FiledAt, Answered: c.Answered,
		Answer: c.Answer, AnsweredAt: c.AnsweredAt, Text: c.Text, Contact: c.Contact}
}

// supervisor returns the signed-in supervisor of a request. Every other
// session (window staff, reception, admin) and every device token is refused.
func (s *Server) supervisor(r *http.Request, mutating bool) (*staffMember, error) {
	_, st, err := s.session(r, mutating)
	if err != nil {
		return nil, err
	}
	if st.Role != config.RoleSupervisor {
		return nil, queue.Errorf(queue.EFORBIDDEN, "only supervisors follow up ratings and answer complaints").Zh("只有监督人员可以办理回访和投诉")
	}
	return st, nil
}

func (s *Server) handleCases(w http.ResponseWriter, r *http.Request) {
	if _, err := s.supervisor(r, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	cases, err := s.engine.OpenCases()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := wire.Cases{Cases: []wire.Case{}}
	for _, c := range cases {
		out.Cases = append(out.Cases, wire.Case{ID: c.ID, Number: c.Number, Service: c.Service, Window: c.Window, Level: c.Level,
			Due: c.Due, Overdue: c.Overdue, OpenedAt: c.OpenedAt, Comment: c.Comment})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleCloseCase(w http.ResponseWriter, r *http.Request) {
	st, err := s.supervisor(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.CaseClose
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.engine.CloseCase(r.Context(), r.PathValue("id"), req.Visit, req.Rectification, st.Username); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("case closed", "case", r.PathValue("id"), "by", st.Username)
	writeJSON(w, http.StatusOK, wire.Done{Done: true})
}

func (s *Server) handleComplaints(w http.ResponseWriter, r *http.Request) {
	if _, err := s.supervisor(r, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.engine.OpenComplaints()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := wire.Complaints{Complaints: []wire.Complaint{}}
	for _, c := range list {
		out.Complaints = append(out.Complaints, complaintJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleAnswerComplaint(w http.ResponseWriter, r *http.Request) {
	st, err := s.supervisor(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.ComplaintAnswer
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.engine.AnswerComplaint(r.Context(), r.PathValue("id"), req.Answer, st.Username); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("complaint answered", "complaint", r.PathValue("id"), "by", st.Username)
	writeJSON(w, http.StatusOK, wire.Done{Done: true})
}
