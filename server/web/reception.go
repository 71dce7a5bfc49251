package web

import "net/http"

// receptionData is the first paint of the reception desk page: the hall's
// services (and which need a document), its priority classes and its desks.
type receptionData struct {
	Services []receptionService
	Priority []option
	Desks    []option
	// Booking are the services taking appointments; Notify says the hall
	// texts applicants who leave a phone number.
	Booking []option
	Notify  bool
}

type receptionService struct {
	option
	RealName bool
}

func (s *Server) handleReception(w http.ResponseWriter, r *http.Request) {
	d := receptionData{}
	for _, svc := range s.cfg.Hall.Services {
		d.Services = append(d.Services, receptionService{option: option{ID: svc.ID, Name: text{svc.NameZH, svc.NameEN}}, RealName: svc.RealName})
		if svc.Appointments != nil {
			d.Booking = append(d.Booking, option{ID: svc.ID, Name: text{svc.NameZH, svc.NameEN}})
		}
	}
	d.Notify = s.cfg.Notify.Enabled()
	for _, c := range s.cfg.Hall.PriorityClasses {
		d.Priority = append(d.Priority, option{ID: c.ID, Name: text{c.NameZH, c.NameEN}})
	}
	for _, desk := range s.cfg.Desks {
		d.Desks = append(d.Desks, option{ID: desk.ID, Name: textOf(desk.Name)})
	}
	s.render(w, r, http.StatusOK, pageData{Page: "reception", Title: text{"导服台代办取号", "Reception desk"},
		Scripts: []string{"reception.js"}, Body: d})
}
