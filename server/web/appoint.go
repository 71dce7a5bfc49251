package web

import (
	"net/http"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"hallq/server/queue"
)

// bookData is the first paint of the booking page: the services that take
// bookings and the days each offers; the page then loads slots through the API
// and follows their places on the stream.
type bookData struct {
	Services []bookService
	Head     uint64
}

type bookService struct {
	option
	Days []bookDay
	// CheckIn describes the check-in window, CancelBeforeMinutes the
	// cancellation deadline, for the notes under the form.
	CheckInBefore, CheckInAfter int
	CancelBeforeMinutes         int
	PerIdentityActive           int
}

type bookDay struct {
	Date    string // YYYY-MM-DD
	Weekday text
}

var weekdays = [7]text{{"周日", "Sun"}, {"周一", "Mon"}, {"周二", "Tue"}, {"周三", "Wed"}, {"周四", "Thu"}, {"周五", "Fri"}, {"周六", "Sat"}}

func (s *Server) handleBook(w http.ResponseWriter, r *http.Request) {
	h := s.cfg.Hall
	now := s.engine.Now()
	head, _ := s.engine.Head()
	d := bookData{Head: head}
	today, _ := time.Parse(time.DateOnly, h.Day(now))
	for _, svc := range h.Services {
		a := svc.Appointments
		if a == nil {
			continue
		}
		bs := bookService{option: option{ID: svc.ID, Name: text{svc.NameZH, svc.NameEN}},
			CheckInBefore: int(a.CheckInBefore.Minutes()), CheckInAfter: int(a.CheckInAfter.Minutes()),
			CancelBeforeMinutes: int(a.CancelBefore.Minutes()), PerIdentityActive: a.PerIdentityActive}
		// Every day that can be booked, and the next one, whose release time
		// the page shows.
		for n := 0; n <= a.DaysAhead+1; n++ {
			day := today.AddDate(0, 0, n)
			bs.Days = append(bs.Days, bookDay{Date: day.Format(time.DateOnly), Weekday: weekdays[day.Weekday()]})
		}
		d.Services = append(d.Services, bs)
	}
	s.render(w, r, http.StatusOK, pageData{Page: "book", Title: text{"预约取号", "Book an appointment"},
		Scripts: []string{"book.js"}, Body: d})
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
