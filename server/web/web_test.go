package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/eventlog"
	"hallq/server/store"
)

// testHall is a hall's engine and store on a real bbolt file, with its pages
// served over loopback.
type testHall struct {
	t      *testing.T
	cfg    *config.Config
	store  *store.Store
	engine *engine.Engine
	srv    *httptest.Server
	clock  *testClock
}

// testClock is the engine's time, moved by the tests.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func newTestHall(t *testing.T, cfg *config.Config) *testHall {
	t.Helper()
	st, err := store.Open(t.TempDir()+"/hallq.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{now: time.Date(2026, 11, 21, 9, 0, 0, 0, cfg.Hall.Location)}
	eng, err := engine.Open(st, cfg.Hall, engine.Options{Now: clk.Now, IdentityKey: make([]byte, 32)})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	pages, err := New(Options{Config: cfg, Engine: eng, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(pages)
	t.Cleanup(func() {
		srv.Close()
		if err := eng.Close(); err != nil {
			t.Error(err)
		}
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return &testHall{t: t, cfg: cfg, store: st, engine: eng, srv: srv, clock: clk}
}

func demoConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, _, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// issue takes a number at the hall's kiosk.
func (h *testHall) issue(service, key string) engine.TicketView {
	h.t.Helper()
	v, err := h.engine.Issue(context.Background(), engine.IssueInput{Kiosk: "kiosk-1", Service: service, IdempotencyKey: key})
	if err != nil {
		h.t.Fatalf("issue %s: %v", service, err)
	}
	return v
}

func (h *testHall) get(path string) (*http.Response, string) {
	h.t.Helper()
	resp, err := http.Get(h.srv.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, string(body)
}

func TestPages(t *testing.T) {
	h := newTestHall(t, demoConfig(t))
	tk := h.issue("general", "1")
	tests := []struct {
		name   string
		path   string
		status int
		want   []string
	}{
		{"landing page", "/", 200, []string{`href="/board"`, `href="/counter"`, `href="/log"`, `href="/rules"`, "政务服务中心（演示）", "Government Service Center (demo)"}},
		{"counter", "/counter", 200, []string{`id="login-form"`, `value="4" data-zh="4号窗口"`, `value="supervisor" data-zh="值班长指示"`, `data-action="call-next"`, "<kbd>N</kbd>", `data-reinstate-seconds="1800"`}},
		{"ticket", "/t/" + tk.Token, 200, []string{tk.Number, "综合受理", `data-token="` + tk.Token + `"`, `href="/rules"`, "老年人"}},
		{"unknown ticket", "/t/AAAAAAAAAAAAAAAAAAAAAA", 404, []string{"未找到这个号码", "Number not found"}},
		{"log", "/log", 200, []string{`id="l-verify"`, `id="l-file"`, `data-prefix="B"`, `href="/log.jsonl?download=1"`}},
		{"rules", "/rules", 200, []string{"个人信息处理规则", "HMAC-SHA256", "30 天"}},
		{"board", "/board", 200, []string{`id="b-current"`, `data-code="returned"`}},
		{"unknown page", "/nope", 404, []string{"页面不存在"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.get(tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status: got %d want %d", resp.StatusCode, tt.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("content type: got %q", ct)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe") {
				t.Errorf("Content-Security-Policy: got %q", csp)
			}
			if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
				t.Errorf("Referrer-Policy: got %q", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			checkNoInline(t, body)
			checkAssets(t, h, body)
		})
	}
}

var (
	scriptTag = regexp.MustCompile(`<script\b[^>]*>`)
	assetLink = regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)
)

// checkNoInline fails if the page has a script or style that the
// Content-Security-Policy would block.
func checkNoInline(t *testing.T, body string) {
	t.Helper()
	for _, tag := range scriptTag.FindAllString(body, -1) {
		if !strings.Contains(tag, ` src="/static/`) {
			t.Errorf("inline script: %s", tag)
		}
	}
	for _, bad := range []string{"<style", " style=", " onclick=", " onload=", "javascript:"} {
		if strings.Contains(body, bad) {
			t.Errorf("page has %q, which the Content-Security-Policy blocks", bad)
		}
	}
}

// checkAssets fetches every static file a page links to.
func checkAssets(t *testing.T, h *testHall, body string) {
	t.Helper()
	for _, m := range assetLink.FindAllStringSubmatch(body, -1) {
		url := strings.ReplaceAll(m[1], "&amp;", "&")
		resp, err := http.Get(h.srv.URL + url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", url, resp.StatusCode)
		}
		if !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: a versioned link is not cached: %q", url, resp.Header.Get("Cache-Control"))
		}
	}
}

func TestStatic(t *testing.T) {
	h := newTestHall(t, demoConfig(t))
	pages, err := New(Options{Config: h.cfg, Engine: h.engine, Store: h.store})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		ctype string
	}{
		{"common.js", "text/javascript; charset=utf-8"},
		{"board.js", "text/javascript; charset=utf-8"},
		{"counter.js", "text/javascript; charset=utf-8"},
		{"ticket.js", "text/javascript; charset=utf-8"},
		{"log.js", "text/javascript; charset=utf-8"},
		{"sha256.js", "text/javascript; charset=utf-8"},
		{"style.css", "text/css; charset=utf-8"},
		{"icon.svg", "image/svg+xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := pages.assets[tt.name]
			if !ok {
				t.Fatalf("no asset %s", tt.name)
			}
			resp, body := h.get("/static/" + tt.name)
			if resp.StatusCode != 200 || body != string(a.data) {
				t.Fatalf("status %d, %d bytes, want 200 and %d bytes", resp.StatusCode, len(body), len(a.data))
			}
			if got := resp.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("content type: got %q want %q", got, tt.ctype)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("unversioned Cache-Control: got %q want no-cache", got)
			}
			req, _ := http.NewRequest("GET", h.srv.URL+"/static/"+tt.name, nil)
			req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
			again, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			again.Body.Close()
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation: got %d want 304", again.StatusCode)
			}
		})
	}
	if resp, _ := h.get("/static/nope.js"); resp.StatusCode != 404 {
		t.Errorf("unknown static file: got %d", resp.StatusCode)
	}
}

func TestLogJSONL(t *testing.T) {
	cfg := demoConfig(t)
	h := newTestHall(t, cfg)
	day1 := time.Date(2026, 11, 21, 9, 0, 0, 0, cfg.Hall.Location)
	for i := range 4 {
		h.clock.set(day1.Add(time.Duration(i) * time.Minute))
		h.issue("general", fmt.Sprint("a", i))
	}
	// The next service day starts at 04:00; an event at 02:00 on the 22nd is
	// of the 22nd's date but of the 21st's service day.
	h.clock.set(time.Date(2026, 11, 22, 2, 0, 0, 0, cfg.Hall.Location))
	h.issue("estate", "b0")
	h.clock.set(time.Date(2026, 11, 22, 9, 0, 0, 0, cfg.Hall.Location))
	h.issue("estate", "b1")
	h.issue("general", "b2")

	head, headHash := h.engine.Head()
	recs, err := h.store.EventsAfter(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(recs)) != head {
		t.Fatalf("store has %d events, head %d", len(recs), head)
	}
	lines := func(from, to uint64) string { // events from < seq <= to
		var b strings.Builder
		for _, r := range recs {
			if r.Seq > from && r.Seq <= to {
				b.Write(r.Raw)
				b.WriteByte('\n')
			}
		}
		return b.String()
	}
	var firstOf22 uint64
	for _, r := range recs {
		if r.Time.In(cfg.Hall.Location).Day() == 22 {
			firstOf22 = r.Seq
			break
		}
	}
	tests := []struct {
		name   string
		query  string
		status int
		want   string
	}{
		{"whole log", "", 200, lines(0, head)},
		{"after", "?after=2", 200, lines(2, head)},
		{"after and limit", "?after=2&limit=3", 200, lines(2, 5)},
		{"limit past the head", "?after=5&limit=1000", 200, lines(5, head)},
		{"after the head", fmt.Sprintf("?after=%d", head+5), 200, ""},
		{"last", "?last=3", 200, lines(head-3, head)},
		{"last more than all", "?last=1000", 200, lines(0, head)},
		{"a date", "?date=2026-11-21", 200, lines(0, firstOf22-1)},
		{"the next date", "?date=2026-11-22", 200, lines(firstOf22-1, head)},
		{"a date without events", "?date=2026-11-23", 200, ""},
		{"bad after", "?after=x", 400, ""},
		{"zero limit", "?limit=0", 400, ""},
		{"bad last", "?last=-1", 400, ""},
		{"bad date", "?date=22.11.2026", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.get("/log.jsonl" + tt.query)
			if resp.StatusCode != tt.status {
				t.Fatalf("status: got %d want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 200 {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/jsonl; charset=utf-8" {
				t.Errorf("content type %q", ct)
			}
			if got := resp.Header.Get("X-Hallq-Head-Seq"); got != fmt.Sprint(head) {
				t.Errorf("head seq header: got %q want %d", got, head)
			}
			if got := resp.Header.Get("X-Hallq-Head-Hash"); got != headHash {
				t.Errorf("head hash header: got %q want %q", got, headHash)
			}
			if body != tt.want {
				t.Errorf("body:\n got %q\nwant %q", body, tt.want)
			}
		})
	}
	// The whole file verifies as it is, byte for byte.
	_, body := h.get("/log.jsonl")
	var raws [][]byte
	for _, l := range bytes.Split(bytes.TrimSuffix([]byte(body), []byte("\n")), []byte("\n")) {
		raws = append(raws, l)
	}
	if got, err := eventlog.Verify(eventlog.GenesisHash, raws); err != nil || got != headHash {
		t.Fatalf("verify the download: head %s, %v; want %s", got, err, headHash)
	}
	resp, _ := h.get("/log.jsonl?date=2026-11-21&download=1")
	if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename="hallq-demo-log-2026-11-21.jsonl"`; got != want {
		t.Errorf("Content-Disposition: got %q want %q", got, want)
	}
}

func TestLogJSONLLarge(t *testing.T) {
	doc := strings.ReplaceAll(customHall, "@HASH@", hashed(t))
	doc = strings.Replace(doc, "prefix = \"Q\"\n", "prefix = \"Q\"\ndigits = 4\n", 1)
	cfg, err := config.Parse([]byte(doc), "large.toml")
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHall(t, cfg)
	// More events than one page of the store, issued at once so that they
	// share commits.
	var wg sync.WaitGroup
	for i := range logPage + 50 {
		wg.Go(func() {
			_, err := h.engine.Issue(context.Background(), engine.IssueInput{Kiosk: "kiosk-1", Service: "consult", IdempotencyKey: fmt.Sprint(i)})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	head, headHash := h.engine.Head()
	_, body := h.get("/log.jsonl")
	raws := bytes.Split(bytes.TrimSuffix([]byte(body), []byte("\n")), []byte("\n"))
	if uint64(len(raws)) != head {
		t.Fatalf("got %d lines, want %d", len(raws), head)
	}
	if got, err := eventlog.Verify(eventlog.GenesisHash, raws); err != nil || got != headHash {
		t.Fatalf("verify: head %s, %v; want %s", got, err, headHash)
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without configuration, engine and store: no error")
	}
}

// hashed returns a bcrypt hash for test configurations, cheaply.
func hashed(t *testing.T) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("a test password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}
