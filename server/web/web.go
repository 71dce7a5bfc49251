package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/eventlog"
	"hallq/server/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure a Server.
type Options struct {
	// Config is the hall's configuration: names, services, rules and the texts
	// the rules page publishes.
	Config *config.Config
	// Engine gives the committed state of the hall and the head of its log.
	Engine *engine.Engine
	// Store holds the published bytes of the log, served by /log.jsonl.
	Store *store.Store
	// Logger receives faults while serving pages; nil discards them.
	Logger *slog.Logger
}

// Server serves the web pages. Create it with New; it is an http.Handler.
type Server struct {
	cfg    *config.Config
	engine *engine.Engine
	store  *store.Store
	log    *slog.Logger
	assets map[string]asset // by file name under static/
	pages  map[string]*template.Template
	mux    *http.ServeMux
	audit  auditor
	statsK statsKeeper
	// now and head are the engine's clock and the seq of its head, which the
	// statistics read.
	now  func() time.Time
	head func() uint64
}

// asset is an embedded static file with its content type and version.
type asset struct {
	data    []byte
	ctype   string
	version string // short content hash, the ?v= of links to it
}

// contentSecurityPolicy allows only the server's own origin: no inline script or
// style, no framing. Websockets to the same host are 'self' as well.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// New returns the web pages of the hall.
func New(o Options) (*Server, error) {
	if o.Config == nil || o.Engine == nil || o.Store == nil {
		return nil, errors.New("web: Config, Engine and Store are required")
	}
	s := &Server{cfg: o.Config, engine: o.Engine, store: o.Store, log: o.Logger,
		assets: map[string]asset{}, pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.now = o.Engine.Now
	s.head = func() uint64 { seq, _ := o.Engine.Head(); return seq }
	s.statsK.feed, s.statsK.stop, s.statsK.done = make(chan []eventlog.Record, 64), make(chan struct{}), make(chan struct{})
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	if err := s.loadTemplates(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /{$}", s.handleHome)
	s.mux.HandleFunc("GET /counter", s.handleCounter)
	s.mux.HandleFunc("GET /reception", s.handleReception)
	s.mux.HandleFunc("GET /supervise", s.handleSupervise)
	s.mux.HandleFunc("GET /complaint", s.handleComplaintForm)
	s.mux.HandleFunc("GET /complaint/{code}", s.handleComplaintTrack)
	s.mux.HandleFunc("GET /t/{token}", s.handleTicket)
	s.mux.HandleFunc("GET /book", s.handleBook)
	s.mux.HandleFunc("GET /a/{token}", s.handleAppointment)
	s.mux.HandleFunc("GET /a/{token}/qr.png", s.handleAppointmentQR)
	s.mux.HandleFunc("GET /log", s.handleLog)
	s.mux.HandleFunc("GET /log.jsonl", s.handleLogJSONL)
	s.mux.HandleFunc("GET /rules", s.handleRules)
	s.mux.HandleFunc("GET /audit", s.handleAudit)
	s.mux.HandleFunc("GET /stats", s.handleStats)
	s.mux.HandleFunc("GET /stats.csv", s.handleStatsCSV)
	s.mux.HandleFunc("GET /stats.xlsx", s.handleStatsXLSX)
	s.mux.HandleFunc("GET /stats/year/{year}", s.handleYear)
	s.mux.HandleFunc("GET /board", s.handleBoard)
	s.mux.HandleFunc("GET /static/{name}", s.handleStatic)
	s.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.assetURL("icon.svg"), http.StatusMovedPermanently)
	})
	s.mux.HandleFunc("/", s.handleNotFound)
}

// ServeHTTP serves the pages.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// Ticket links carry their token in the path: never send it on.
	h.Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) loadAssets() error {
	assets, err := staticAssets()
	s.assets = assets
	return err
}

// staticAssets are the embedded static files by name, read once.
var staticAssets = sync.OnceValues(func() (map[string]asset, error) {
	assets := map[string]asset{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(p)
		if err != nil {
			return fmt.Errorf("web: read %s: %w", p, err)
		}
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			return fmt.Errorf("web: no content type for %s", p)
		}
		sum := sha256.Sum256(data)
		assets[path.Base(p)] = asset{data: data, ctype: ctype, version: hex.EncodeToString(sum[:6])}
		return nil
	})
	return assets, err
})

// assetURL returns the versioned link of a static file; an unknown name panics
// while templates execute, which the template tests catch.
func (s *Server) assetURL(name string) string {
	a, ok := s.assets[name]
	if !ok {
		panic(fmt.Sprintf("web: no static file %q", name))
	}
	return "/static/" + name + "?v=" + a.version
}

// handleStatic serves an embedded file. A link with the current version may be
// cached for good; any other is revalidated by its ETag.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets[r.PathValue("name")]
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	serveAsset(w, r, a)
}

// serveAsset writes a static file: a link with its current version may be
// cached for good; any other is revalidated by its ETag.
func serveAsset(w http.ResponseWriter, r *http.Request, a asset) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", `"`+a.version+`"`)
	if r.URL.Query().Get("v") == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, `"`+a.version+`"`) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	w.Write(a.data)
}

// text is a text people read, in Chinese and English.
type text struct{ ZH, EN string }

func textOf(t config.Text) text { return text{t.ZH, t.EN} }

// bilingual renders a text as two spans, one per language; CSS shows the one the
// reader chose. Without an English text the Chinese one shows in both.
func bilingual(zh, en string) template.HTML {
	if en == "" || en == zh {
		return template.HTML(template.HTMLEscapeString(zh))
	}
	return template.HTML(`<span class="zh" lang="zh-CN">` + template.HTMLEscapeString(zh) +
		`</span><span class="en" lang="en">` + template.HTMLEscapeString(en) + `</span>`)
}

func (s *Server) loadTemplates() error {
	funcs := template.FuncMap{
		"bi":       bilingual,
		"bit":      func(t text) template.HTML { return bilingual(t.ZH, t.EN) },
		"docKinds": docKinds,
		"asset":    s.assetURL,
		"minutes":  minutes,
		"short":    func(h string) string { return h[:min(len(h), 8)] },
		"isSecs": func(v any) bool {
			_, ok := v.(secs)
			return ok
		},
		"dur":     func(v int) string { return secs(v).String() },
		"secsInt": func(v any) int { d, _ := v.(secs); return int(d) },
		"reason": func(m map[string]text, code string) text {
			if t, ok := m[code]; ok {
				return t
			}
			return text{code, code}
		},
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return fmt.Errorf("web: templates: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return fmt.Errorf("web: templates: %w", err)
	}
	for _, name := range names {
		page := strings.TrimSuffix(path.Base(name), ".html")
		if page == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, name)
		if err != nil {
			return fmt.Errorf("web: template %s: %w", name, err)
		}
		s.pages[page] = t
	}
	return nil
}

// pageData is what the layout needs of every page.
type pageData struct {
	Page    string // template name; also the body's class
	Title   text
	Hall    hallData
	Scripts []string // static scripts of the page, after common.js
	Bare    bool     // no site header and footer (the hall board)
	Body    any
	// Supervision is the office that takes complaints, for the pages that post it.
	Supervision supervision
}

type hallData struct {
	NameZH, NameEN string
	Address        text
	TimeZone       string
}

func (s *Server) hallData() hallData {
	h := s.cfg.Hall
	tz := s.cfg.Info.TimeZone
	if tz == "" && h.Location != nil {
		tz = h.Location.String()
	}
	return hallData{NameZH: h.NameZH, NameEN: h.NameEN, Address: textOf(s.cfg.Info.Address), TimeZone: tz}
}

// render writes a page. It renders into a buffer first, so that a template fault
// becomes a 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	d.Hall = s.hallData()
	d.Supervision = s.supervision()
	t, ok := s.pages[d.Page]
	if !ok {
		s.fail(w, r, fmt.Errorf("web: no page template %q", d.Page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", d); err != nil {
		s.fail(w, r, fmt.Errorf("web: render %s: %w", d.Page, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("page failed", "method", r.Method, "route", r.Pattern, "err", err)
	http.Error(w, "internal error / 系统内部错误", http.StatusInternalServerError)
}
