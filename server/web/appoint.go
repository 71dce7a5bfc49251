package web

import (
	"net/http"

	qrcode "github.com/skip2/go-qrcode"

	"hallq/server/queue"
)

func (s *Server) handleBook(w http.ResponseWriter, r *http.Request) {
	f := NewBookForm(s.cfg.Hall, s.engine.Now())
	f.Head, _ = s.engine.Head()
	form, err := f.HTML()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pageData{Page: "book", Title: text{"预约取号", "Book an appointment"},
		Scripts: []string{"book.js"}, Body: form})
}

// appointmentData is the first paint of a booking's page.
type appointmentData struct {
	Token string
	Head  uint64
}

func (s *Server) handleAppointment(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	head, _ := s.engine.Head()
	if _, err := s.engine.AppointmentByToken(token); err != nil {
		if queue.ErrorCode(err) != queue.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusNotFound, pageData{Page: "notfound", Title: text{"未找到预约", "Booking not found"}})
		return
	}
	s.render(w, r, http.StatusOK, pageData{Page: "appointment", Title: text{"我的预约", "My booking"},
		Scripts: []string{"appointment.js"}, Body: appointmentData{Token: token, Head: head}})
}

// handleAppointmentQR serves the QR code of a booking's page link, as a PNG:
// the booker saves or shows it; the link, not the document, is in it.
func (s *Server) handleAppointmentQR(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if _, err := s.engine.AppointmentByToken(token); err != nil {
		s.handleNotFound(w, r)
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	link := scheme + "://" + r.Host + "/a/" + token
	if base := s.cfg.Info.PublicURL; base != "" {
		link = base + "/a/" + token
	}
	png, err := qrcode.Encode(link, qrcode.Medium, 320)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(png)
}
