package city

import (
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"hallq/server/queue"
	"hallq/server/web"
)

// bookPage is the portal's booking page: a hall chosen among those taking
// bookings, and that hall's booking form as the hall's own /book draws it
// (web.BookForm, book.js), reading the slots from the portal's read model
// and booking through the portal, which forwards the booking to the hall.
type bookPage struct {
	Halls  []bookHall
	Chosen *bookHall
	Form   template.HTML
	TZ     string
	Assets map[string]string // versioned links of the hall pages' static files
}

type bookHall struct {
	ID, NameZH, NameEN string
	PublicURL          string
	Flagged            bool
	Selected           bool
}

// bookPoll is how often, in seconds, the booking page reads the slots again.
const bookPoll = 5

var bookTemplate = template.Must(template.New("book.html").ParseFS(files, "templates/book.html"))

// bookCSP lets the booking page run the hall pages' scripts and styles,
// served by the portal itself, and nothing from elsewhere.
const bookCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func (p *Portal) handleBookPage(w http.ResponseWriter, r *http.Request) {
	now := p.opt.Now()
	d := bookPage{Assets: map[string]string{}}
	for _, name := range []string{"style.css", "common.js", "book.js", "icon.svg"} {
		d.Assets[name] = web.StaticURL(name)
	}
	want := r.URL.Query().Get("hall")
	var form web.BookForm
	for _, h := range p.City().Halls {
		if !takesBookings(h) {
			continue
		}
		bh := bookHall{ID: h.ID, NameZH: h.NameZH, NameEN: h.NameEN, PublicURL: h.PublicURL,
			Flagged: h.Flagged || h.Unverifiable != ""}
		d.Halls = append(d.Halls, bh)
	}
	for i := range d.Halls {
		if d.Halls[i].ID != want && (want != "" || i > 0) {
			continue
		}
		f := p.follower(d.Halls[i].ID)
		if f == nil {
			continue
		}
		f.mu.Lock()
		qh, _ := f.aud.State()
		if qh != nil {
			form = web.NewBookForm(qh, now)
			if qh.Location != nil {
				d.TZ = qh.Location.String()
			}
		}
		f.mu.Unlock()
		if qh == nil {
			continue
		}
		d.Halls[i].Selected = true
		d.Chosen = &d.Halls[i]
		break
	}
	status := http.StatusOK
	if d.Chosen != nil {
		id := d.Chosen.ID
		form.SlotsURL = "/api/v1/halls/" + id + "/slots"
		form.BookURL = "/api/v1/halls/" + id + "/appointments"
		form.QRPrefix = "/halls/" + id + "/a/"
		form.Base = d.Chosen.PublicURL
		form.Poll = bookPoll
		html, err := form.HTML()
		if err != nil {
			p.log.Error("city: booking page", "err", err)
			http.Error(w, "page failed / 页面出错", http.StatusInternalServerError)
			return
		}
		d.Form = html
	} else if want != "" {
		status = http.StatusNotFound
	}
	var b strings.Builder
	if err := bookTemplate.Execute(&b, d); err != nil {
		p.log.Error("city: booking page", "err", err)
		http.Error(w, "page failed / 页面出错", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", bookCSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

// takesBookings reports whether a hall has a service taking bookings.
func takesBookings(h Hall) bool {
	for _, s := range h.Services {
		if s.Appointments {
			return true
		}
	}
	return false
}

// bookingToken is the shape of a booking's link token (engine.BookingToken).
var bookingToken = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// handleBookingQR serves the QR code of a booking's page at its hall, the
// hall's public URL and /a/{token}, for the booking page to show once the
// hall has answered. The portal knows no booking: the QR holds the link
// the hall gave and nothing else.
func (p *Portal) handleBookingQR(w http.ResponseWriter, r *http.Request) {
	f := p.follower(r.PathValue("id"))
	token := r.PathValue("token")
	if f == nil || !bookingToken.MatchString(token) {
		writeError(w, queue.Errorf(queue.ENOTFOUND, "no such booking link").Zh("没有这个预约链接"))
		return
	}
	f.mu.Lock()
	base := f.publicURL
	f.mu.Unlock()
	if base == "" {
		writeError(w, queue.Errorf(queue.ENOTFOUND, "hall %s publishes no address for its pages", f.hall).Zh("该大厅未公布其网页地址"))
		return
	}
	png, err := qrcode.Encode(strings.TrimRight(base, "/")+"/a/"+token, qrcode.Medium, 320)
	if err != nil {
		writeError(w, fmt.Errorf("city: qr: %w", err))
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(png)
}

func (p *Portal) handleStatic(w http.ResponseWriter, r *http.Request) {
	switch name := r.PathValue("name"); name {
	case "style.css", "common.js", "book.js", "icon.svg":
		if web.ServeStatic(w, r, name) {
			return
		}
	}
	writeError(w, queue.Errorf(queue.ENOTFOUND, "no such file").Zh("没有这个文件"))
}
