package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"hallq/server/queue"
)

// BookForm is the booking form of one hall: its services that take
// bookings and the days each offers. The hall's /book draws it, and so does
// the city portal's booking page, both with book.js: the page reads the
// slots with their places left, takes the applicant's document (the kinds of
// queue.DocumentKinds; the hall normalises the number) and sends the
// booking, then shows its code, QR and link.
type BookForm struct {
	Services []BookService
	// Head is the log position the hall's own page follows the event
	// stream after.
	Head uint64
	// On the city portal the slots and the booking go through the portal
	// (SlotsURL, BookURL), the QR comes from QRPrefix+token+"/qr.png", the
	// rules and the log are the hall's own pages under Base, and the slots
	// are read again every Poll seconds instead of from the event stream.
	// The hall's own page leaves them empty.
	SlotsURL, BookURL, QRPrefix, Base string
	Poll                              int
}

// BookService is a service that takes bookings, with the notes under the
// form: the check-in window, the cancellation deadline and how many bookings
// one person may hold.
type BookService struct {
	ID                          string
	Name                        text
	Days                        []BookDay
	CheckInBefore, CheckInAfter int // minutes
	CancelBeforeMinutes         int
	PerIdentityActive           int
}

// BookDay is a day a service may be booked on.
type BookDay struct {
	Date    string // YYYY-MM-DD
	Weekday text
}

var weekdays = [7]text{{"周日", "Sun"}, {"周一", "Mon"}, {"周二", "Tue"}, {"周三", "Wed"}, {"周四", "Thu"}, {"周五", "Fri"}, {"周六", "Sat"}}

// NewBookForm returns the hall's booking form at now: every service taking
// bookings, with every day that can be booked and the next one, whose
// release time the page shows.
func NewBookForm(h *queue.Hall, now time.Time) BookForm {
	var f BookForm
	today, _ := time.Parse(time.DateOnly, h.Day(now))
	for _, svc := range h.Services {
		a := svc.Appointments
		if a == nil {
			continue
		}
		bs := BookService{ID: svc.ID, Name: text{svc.NameZH, svc.NameEN},
			CheckInBefore: int(a.CheckInBefore.Minutes()), CheckInAfter: int(a.CheckInAfter.Minutes()),
			CancelBeforeMinutes: int(a.CancelBefore.Minutes()), PerIdentityActive: a.PerIdentityActive}
		for n := 0; n <= a.DaysAhead+1; n++ {
			day := today.AddDate(0, 0, n)
			bs.Days = append(bs.Days, BookDay{Date: day.Format(time.DateOnly), Weekday: weekdays[day.Weekday()]})
		}
		f.Services = append(f.Services, bs)
	}
	return f
}

//go:embed templates/partials/bookform.html
var partialFS embed.FS

var bookFormTemplate = template.Must(template.New("bookform.html").Funcs(template.FuncMap{
	"bi":       bilingual,
	"bit":      func(t text) template.HTML { return bilingual(t.ZH, t.EN) },
	"docKinds": docKinds,
}).ParseFS(partialFS, "templates/partials/bookform.html"))

// documentKindNames names each kind of queue.DocumentKinds on the forms.
var documentKindNames = map[string]text{
	queue.DocResident: {"居民身份证", "Resident ID card"},
	queue.DocPassport: {"护照", "Passport"},
	queue.DocHKMacao:  {"港澳居民来往内地通行证", "Permit for Hong Kong and Macao residents"},
	queue.DocTaiwan:   {"台湾居民来往大陆通行证", "Permit for Taiwan residents"},
	queue.DocForeign:  {"外国人永久居留身份证", "Foreign permanent resident ID card"},
}

// docKind is one choice of a form's document-kind list.
type docKind struct {
	ID   string
	Name text
}

// docKinds lists the kinds the server accepts, in queue.DocumentKinds'
// order, for the forms' document-kind choices (templates: docKinds).
func docKinds() []docKind {
	out := make([]docKind, len(queue.DocumentKinds))
	for i, k := range queue.DocumentKinds {
		name, ok := documentKindNames[k]
		if !ok {
			name = text{k, k}
		}
		out[i] = docKind{ID: k, Name: name}
	}
	return out
}

// HTML renders the form.
func (f BookForm) HTML() (template.HTML, error) {
	var b bytes.Buffer
	if err := bookFormTemplate.Execute(&b, f); err != nil {
		return "", fmt.Errorf("web: booking form: %w", err)
	}
	return template.HTML(b.String()), nil
}

// ServeStatic serves an embedded static file of the hall's pages
// (style.css, common.js, book.js …) as the hall's /static/{name} does, for
// the city portal, which draws the hall's booking form with them. It
// reports false, writing nothing, for a name it does not have.
func ServeStatic(w http.ResponseWriter, r *http.Request, name string) bool {
	assets, err := staticAssets()
	a, ok := assets[name]
	if err != nil || !ok {
		return false
	}
	serveAsset(w, r, a)
	return true
}

// StaticURL returns the versioned link of an embedded static file, or ""
// for a name it does not have.
func StaticURL(name string) string {
	assets, _ := staticAssets()
	a, ok := assets[name]
	if !ok {
		return ""
	}
	return "/static/" + name + "?v=" + a.version
}
