package city

import (
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"time"
)

//go:embed templates/*.html
var files embed.FS

var page = template.Must(template.New("city.html").Funcs(template.FuncMap{
	"mins": func(secs int) int { return (secs + 59) / 60 },
	"ago": func(now, t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return now.Sub(t).Truncate(time.Second).String()
	},
	"short": func(h string) string {
		if len(h) > 12 {
			return h[:12] + "…"
		}
		return h
	},
	"link":  func(base, path string) string { return strings.TrimRight(base, "/") + path },
	"books": takesBookings,
}).ParseFS(files, "templates/city.html"))

// Handler serves the portal: / (the page), /api/v1/city (its data as JSON),
// /api/v1/halls/{id} (one hall), /api/v1/halls/{id}/slots (its appointment
// slots), POST /api/v1/halls/{id}/appointments (a booking, forwarded to the
// hall), /book (the booking page, with /static/{name} and the QR of a
// booking's link, /halls/{id}/a/{token}/qr.png) and /healthz.
func (p *Portal) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		if err := page.Execute(&b, p.City()); err != nil {
			p.log.Error("city: page", "err", err)
			http.Error(w, "page failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write([]byte(b.String()))
	})
	mux.HandleFunc("GET /api/v1/city", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, p.City())
	})
	mux.HandleFunc("GET /api/v1/halls/{id}", func(w http.ResponseWriter, r *http.Request) {
		for _, h := range p.City().Halls {
			if h.ID == r.PathValue("id") {
				writeJSON(w, http.StatusOK, h)
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "ENOTFOUND",
			"message": "no such hall in the city", "message_zh": "本市没有这个大厅"})
	})
	mux.HandleFunc("GET /api/v1/halls/{id}/slots", p.handleSlots)
	mux.HandleFunc("POST /api/v1/halls/{id}/appointments", p.handleBook)
	mux.HandleFunc("GET /book", p.handleBookPage)
	mux.HandleFunc("GET /halls/{id}/a/{token}/qr.png", p.handleBookingQR)
	mux.HandleFunc("GET /static/{name}", p.handleStatic)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		status, code := "ok", http.StatusOK
		if !p.nc.IsConnected() {
			// The pages still show what was read; a load balancer may prefer another portal.
			status, code = "disconnected", http.StatusServiceUnavailable
		}
		writeJSON(w, code, map[string]any{"status": status, "halls": len(p.followers())})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
