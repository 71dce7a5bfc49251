package web

import (
	"net/http"

	"hallq/server/audit"
	"hallq/server/queue"
)

// option is a choice of a select: an ID with its names.
type option struct {
	ID   string
	Name text
}

func (s *Server) serviceOptions() []option {
	var out []option
	for _, svc := range s.cfg.Hall.Services {
		out = append(out, option{ID: svc.ID, Name: text{svc.NameZH, svc.NameEN}})
	}
	return out
}

func (s *Server) windowOptions() []option {
	var out []option
	for _, w := range s.cfg.Hall.Windows {
		out = append(out, option{ID: w.ID, Name: text{w.NameZH, w.NameEN}})
	}
	return out
}

func (s *Server) reasonOptions() []option {
	var out []option
	for _, r := range s.cfg.Hall.ManualReasons {
		out = append(out, option{ID: r.Code, Name: text{r.NameZH, r.NameEN}})
	}
	return out
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pageData{Page: "home", Title: text{"首页", "Home"}})
}

// counterData is what the counter page needs beyond the API: the choices of its
// forms and the published reinstatement period.
type counterData struct {
	Windows  []option
	Services []option
	Reasons  []option
	// ReinstateWithinSeconds is how long after a no-show a number may be
	// reinstated; the page lists the window's no-shows still in that period.
	ReinstateWithinSeconds int
}

func (s *Server) handleCounter(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pageData{Page: "counter", Title: text{"窗口叫号", "Counter"},
		Scripts: []string{"counter.js"},
		Body: counterData{Windows: s.windowOptions(), Services: s.serviceOptions(), Reasons: s.reasonOptions(),
			ReinstateWithinSeconds: int(s.cfg.Hall.Rules.ReinstateWithin.Seconds())}})
}

// ticketData is the first paint of a ticket's page; the page then follows the
// ticket through the API and the stream.
type ticketData struct {
	Token   string
	Number  string
	Service text
	// Head is the log's head when the page was made: the page streams events
	// after it.
	Head uint64
	// Priority names the priority classes in their order, for the note on how
	// the order is decided.
	Priority []text
	// ReinstateWithinMinutes is the published reinstatement period.
	ReinstateWithinMinutes int
	// Levels are the rating levels, best first.
	Levels []option
}

func (s *Server) handleTicket(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	head, _ := s.engine.Head()
	v, err := s.engine.TicketByToken(token)
	if err != nil {
		if queue.ErrorCode(err) != queue.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusNotFound, pageData{Page: "notfound", Title: text{"未找到号码", "Number not found"},
			Body: notFoundData{Ticket: true}})
		return
	}
	d := ticketData{Token: token, Number: v.Number, Head: head, Levels: ratingLevels(),
		ReinstateWithinMinutes: int(s.cfg.Hall.Rules.ReinstateWithin.Minutes())}
	if svc, ok := s.cfg.Hall.Service(v.Service); ok {
		d.Service = text{svc.NameZH, svc.NameEN}
	}
	for _, p := range s.cfg.Hall.PriorityClasses {
		d.Priority = append(d.Priority, text{p.NameZH, p.NameEN})
	}
	s.render(w, r, http.StatusOK, pageData{Page: "ticket", Title: text{v.Number + " 排队进度", v.Number + " queue status"},
		Scripts: []string{"ticket.js", "rating.js"}, Body: d})
}

// logData is what the log page needs to name services, windows and reasons.
type logData struct {
	Services []serviceOption
	Windows  []option
	Reasons  []option
	HallID   string
}

// serviceOption is a service with the prefix of its numbers, by which the log
// page tells the service of events that name only a number.
type serviceOption struct {
	option
	Prefix string
}

func (s *Server) handleLog(w http.ResponseWriter, r *http.Request) {
	d := logData{Windows: s.windowOptions(), Reasons: s.reasonOptions(), HallID: s.cfg.Hall.ID}
	for _, svc := range s.cfg.Hall.Services {
		d.Services = append(d.Services, serviceOption{option{svc.ID, text{svc.NameZH, svc.NameEN}}, svc.Prefix})
	}
	s.render(w, r, http.StatusOK, pageData{Page: "log", Title: text{"公开叫号日志", "Public call log"},
		Scripts: []string{"sha256.js", "log.js"}, Body: d})
}

func (s *Server) handleRules(w http.ResponseWriter, r *http.Request) {
	d := rulesOf(s.cfg)
	d.CheckpointKey = s.engine.PublicKey()
	d.CheckpointFingerprint = audit.Fingerprint(d.CheckpointKey)
	s.render(w, r, http.StatusOK, pageData{Page: "rules", Title: text{"公开规则", "Published rules"}, Body: d})
}

func (s *Server) handleBoard(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pageData{Page: "board", Title: text{"叫号大屏", "Hall board"},
		Scripts: []string{"board.js"}, Bare: true, Body: boardData{Reasons: s.reasonOptions()}})
}

// boardData names the manual-call reasons the board shows with out-of-order calls.
type boardData struct {
	Reasons []option
}

type notFoundData struct {
	Ticket bool // a ticket link that matches no ticket of today
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, pageData{Page: "notfound", Title: text{"页面不存在", "Page not found"}})
}
