package web

import "net/http"

// superviseData is the first paint of the supervisors' page: names of the
// services, windows and rating levels, and the follow-up period.
type superviseData struct {
	Services, Windows, Levels []option
	FollowUpDays              int
}

func (s *Server) handleSupervise(w http.ResponseWriter, r *http.Request) {
	d := superviseData{Services: s.serviceOptions(), Windows: s.windowOptions(), Levels: ratingLevels(),
		FollowUpDays: s.cfg.Hall.Feedback.EffectiveFollowUpDays()}
	s.render(w, r, http.StatusOK, pageData{Page: "supervise", Title: text{"差评回访与投诉处理", "Follow-up and complaints"},
		Scripts: []string{"supervise.js"}, Body: d})
}
