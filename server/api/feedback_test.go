package api_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/queue"
)

// Window screens of the feedback tests: window 1's offers rating buttons,
// window 2's does not.
const (
	screen1Token = "window-one-screen-token-0001"
	screen2Token = "window-two-screen-token-0002"
)

func withScreens(c *config.Config) {
	c.Devices = append(c.Devices,
		config.Device{ID: "screen-1", Kind: config.KindDisplay, Window: "1", Ratings: true, TokenSHA256: sha256.Sum256([]byte(screen1Token))},
		config.Device{ID: "screen-2", Kind: config.KindDisplay, Window: "2", TokenSHA256: sha256.Sum256([]byte(screen2Token))})
}

// password returns a demo account's password.
func (p *probeHall) password(user string) string {
	for _, s := range p.Secrets.Staff {
		if s.Username == user {
			return s.Password
		}
	}
	p.t.Fatalf("no demo account %s", user)
	return ""
}

// served issues a general ticket, has wang call and complete it at window
// 1, and returns its status token.
func (p *probeHall) served(wang *http.Client, wh http.Header, key string) string {
	p.t.Helper()
	kiosk := bearer(p.Secrets.KioskToken)
	kiosk.Set("Content-Type", "application/json")
	code, _, body := p.do(nil, "POST", "/api/v1/tickets", kiosk, fmt.Sprintf(`{"service":"general","idempotency_key":%q}`, key))
	var a struct {
		Ticket struct {
			StatusURL string `json:"status_url"`
		} `json:"ticket"`
	}
	if json.Unmarshal(body, &a); code != http.StatusCreated {
		p.t.Fatalf("issue: %d %s", code, body)
	}
	for _, act := range []string{"call-next", "complete"} {
		if code, _, body := p.do(wang, "POST", "/api/v1/windows/1/"+act, wh, "{}"); code != http.StatusOK {
			p.t.Fatalf("%s: %d %s", act, code, body)
		}
	}
	u, _ := url.Parse(a.Ticket.StatusURL)
	return strings.TrimPrefix(u.Path, "/t/")
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

func TestRatingsAndFollowUp(t *testing.T) {
	p := startClockedHall(t, withScreens)
	wang, wh, code, body := p.signIn(fmt.Sprintf(`{"username":"wang","password":%q,"window":"1"}`, p.password("wang")))
	if code != http.StatusOK {
		t.Fatalf("wang signs in: %d %s", code, body)
	}
	if code, _, body := p.do(wang, "POST", "/api/v1/windows/1/open", wh, "{}"); code != http.StatusOK {
		t.Fatalf("open: %d %s", code, body)
	}

	// A waiting ticket cannot be rated.
	kiosk := bearer(p.Secrets.KioskToken)
	kiosk.Set("Content-Type", "application/json")
	_, _, body = p.do(nil, "POST", "/api/v1/tickets", kiosk, `{"service":"general","idempotency_key":"w1"}`)
	var waiting struct {
		Ticket struct {
			Token string `json:"token"`
		} `json:"ticket"`
	}
	json.Unmarshal(body, &waiting)
	if code, _, body := p.do(nil, "POST", "/api/v1/tickets/"+waiting.Ticket.Token+"/rating", jsonHeader(), `{"level":"satisfied"}`); code != http.StatusConflict {
		t.Fatalf("rating a waiting ticket: %d %s, want 409", code, body)
	}
	// Window 1 serves it; its page then offers the rating.
	for _, act := range []string{"call-next", "complete"} {
		p.do(wang, "POST", "/api/v1/windows/1/"+act, wh, "{}")
	}
	tok := waiting.Ticket.Token
	_, _, body = p.do(nil, "GET", "/api/v1/tickets/"+tok, nil, "")
	if !strings.Contains(string(body), `"rate_until"`) {
		t.Fatalf("a completed ticket's answer has no rate_until: %s", body)
	}
	// Bounded: a comment too long is refused and not echoed.
	long := strings.Repeat("长", 501)
	code, _, body = p.do(nil, "POST", "/api/v1/tickets/"+tok+"/rating", jsonHeader(), fmt.Sprintf(`{"level":"dissatisfied","comment":%q}`, long))
	if code != http.StatusBadRequest || strings.Contains(string(body), "长长") {
		t.Fatalf("a 501-character comment: %d %s", code, body)
	}
	for _, bad := range []string{`{"level":"excellent"}`, `{"level":""}`, `{"level":"fair","comment":"a\u0000b"}`} {
		if code, _, body := p.do(nil, "POST", "/api/v1/tickets/"+tok+"/rating", jsonHeader(), bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, code, body)
		}
	}
	// A stranger's guess of a token rates nothing; another site cannot post.
	if code, _, _ := p.do(nil, "POST", "/api/v1/tickets/AAAAAAAAAAAAAAAAAAAAAA/rating", jsonHeader(), `{"level":"fair"}`); code != http.StatusNotFound {
		t.Errorf("a guessed token: %d, want 404", code)
	}
	other := jsonHeader()
	other.Set("Origin", "https://evil.example")
	if code, _, _ := p.do(nil, "POST", "/api/v1/tickets/"+tok+"/rating", other, `{"level":"fair"}`); code != http.StatusForbidden {
		t.Errorf("from another origin: %d, want 403", code)
	}
	const comment = "窗口工作人员态度冷淡 SECRET-COMMENT-7731"
	code, _, body = p.do(nil, "POST", "/api/v1/tickets/"+tok+"/rating", jsonHeader(), fmt.Sprintf(`{"level":"very_dissatisfied","comment":%q}`, comment))
	if code != http.StatusOK || !strings.Contains(string(body), `"rating":"very_dissatisfied"`) {
		t.Fatalf("rating: %d %s", code, body)
	}
	// Once and only once, by the page or by the window's screen.
	if code, _, body := p.do(nil, "POST", "/api/v1/tickets/"+tok+"/rating", jsonHeader(), `{"level":"very_satisfied"}`); code != http.StatusConflict {
		t.Fatalf("a second rating: %d %s, want 409", code, body)
	}
	screen := bearer(screen1Token)
	screen.Set("Content-Type", "application/json")
	if code, _, body := p.do(nil, "POST", "/api/v1/windows/1/rating", screen, `{"level":"very_satisfied"}`); code != http.StatusConflict {
		t.Fatalf("the screen rating a rated ticket: %d %s, want 409", code, body)
	}

	// The public log has the rating and the case, never the comment.
	var sawRating, sawCase bool
	var caseID string
	for _, raw := range p.publicLog() {
		if strings.Contains(string(raw), "SECRET-COMMENT") {
			t.Fatalf("the comment is in the public log: %s", raw)
		}
		var ev struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		json.Unmarshal(raw, &ev)
		switch ev.Type {
		case queue.TypeRatingSubmitted:
			sawRating = ev.Data["window"] == "1" && ev.Data["service"] == "general" && ev.Data["level"] == "very_dissatisfied"
		case queue.TypeCaseOpened:
			sawCase, caseID = ev.Data["due"] == "2026-07-01", ev.Data["case"].(string) // 15 working days after Wednesday 10 June
		}
	}
	if !sawRating || !sawCase {
		t.Fatalf("log: rating %v, case %v (due 2026-07-01)", sawRating, sawCase)
	}

	// Only a supervisor reads the comment or closes the case.
	supervisor, sh, code, body := p.signIn(fmt.Sprintf(`{"username":"zhou","password":%q}`, p.password("zhou")))
	if code != http.StatusOK || !strings.Contains(string(body), `"role":"supervisor"`) {
		t.Fatalf("supervisor signs in: %d %s", code, body)
	}
	if _, _, code, _ := p.signIn(fmt.Sprintf(`{"username":"zhou","password":%q,"window":"1"}`, p.password("zhou"))); code != http.StatusForbidden {
		t.Errorf("a supervisor signing in to a window: %d, want 403", code)
	}
	if code, _, body := p.do(supervisor, "POST", "/api/v1/windows/1/call-next", sh, "{}"); code != http.StatusForbidden {
		t.Errorf("a supervisor calling at window 1: %d %s, want 403", code, body)
	}
	closeBody := `{"visit":"电话回访，已致歉","rectification":"已对窗口人员进行服务规范培训"}`
	for name, c := range map[string]struct {
		client *http.Client
		h      http.Header
	}{
		"stranger":     {nil, jsonHeader()},
		"window staff": {wang, wh},
		"kiosk token":  {nil, kiosk},
		"screen token": {nil, screen},
	} {
		if code, _, body := p.do(c.client, "GET", "/api/v1/supervise/cases", c.h, ""); code < 400 || strings.Contains(string(body), "SECRET") {
			t.Errorf("%s reads the cases: %d %s", name, code, body)
		}
		if code, _, _ := p.do(c.client, "POST", "/api/v1/supervise/cases/"+caseID+"/close", c.h, closeBody); code < 400 {
			t.Errorf("%s closes the case: %d", name, code)
		}
	}
	if code, _, _ := p.do(supervisor, "POST", "/api/v1/supervise/cases/"+caseID+"/close", jsonHeader(), closeBody); code != http.StatusForbidden {
		t.Errorf("a supervisor without the CSRF token: %d, want 403", code)
	}
	code, _, body = p.do(supervisor, "GET", "/api/v1/supervise/cases", nil, "")
	if code != http.StatusOK || !strings.Contains(string(body), "SECRET-COMMENT-7731") || !strings.Contains(string(body), `"due":"2026-07-01"`) {
		t.Fatalf("supervisor's cases: %d %s", code, body)
	}
	if code, _, body := p.do(supervisor, "POST", "/api/v1/supervise/cases/"+caseID+"/close", sh, `{"visit":"","rectification":"x"}`); code != http.StatusBadRequest {
		t.Errorf("closing without the visit: %d %s, want 400", code, body)
	}
	if code, _, body := p.do(supervisor, "POST", "/api/v1/supervise/cases/"+caseID+"/close", sh, closeBody); code != http.StatusOK {
		t.Fatalf("close: %d %s", code, body)
	}
	if code, _, _ := p.do(supervisor, "POST", "/api/v1/supervise/cases/"+caseID+"/close", sh, closeBody); code != http.StatusNotFound {
		t.Errorf("closing twice: %d, want 404", code)
	}
	if _, _, body := p.do(supervisor, "GET", "/api/v1/supervise/cases", nil, ""); !strings.Contains(string(body), `"cases":[]`) {
		t.Errorf("after closing: %s", body)
	}
	var closed bool
	for _, raw := range p.publicLog() {
		if strings.Contains(string(raw), queue.TypeCaseClosed) {
			closed = strings.Contains(string(raw), `"on_time":true`) && !strings.Contains(string(raw), "回访")
		}
	}
	if !closed {
		t.Error("no case.closed on time, without notes, in the log")
	}

	// The window's screen rates the service just completed, once; the
	// other screen, without rating buttons, cannot, nor for another window.
	p.served(wang, wh, "s2")
	screen2 := bearer(screen2Token)
	screen2.Set("Content-Type", "application/json")
	for name, try := range map[string]struct {
		path string
		h    http.Header
	}{
		"window 2's screen for window 1": {"/api/v1/windows/1/rating", screen2},
		"window 2's screen for itself":   {"/api/v1/windows/2/rating", screen2},
		"window 1's screen for window 2": {"/api/v1/windows/2/rating", screen},
		"the kiosk":                      {"/api/v1/windows/1/rating", kiosk},
		"the hall board":                 {"/api/v1/windows/1/rating", bearer(p.Secrets.DisplayToken)},
		"a stranger":                     {"/api/v1/windows/1/rating", jsonHeader()},
	} {
		if code, _, body := p.do(nil, "POST", try.path, try.h, `{"level":"satisfied"}`); code != http.StatusForbidden && code != http.StatusUnauthorized {
			t.Errorf("%s: %d %s, want 401 or 403", name, code, body)
		}
	}
	if code, _, body := p.do(nil, "POST", "/api/v1/windows/1/rating", screen, `{"level":"satisfied"}`); code != http.StatusOK {
		t.Fatalf("window 1's screen: %d %s", code, body)
	}
	if code, _, _ := p.do(nil, "POST", "/api/v1/windows/1/rating", screen, `{"level":"satisfied"}`); code != http.StatusConflict {
		t.Errorf("the screen rating twice: %d, want 409", code)
	}
	// Too late on the page: the rating period is over.
	late := p.served(wang, wh, "s3")
	p.Clock.Advance(p.Config.Hall.Feedback.EffectiveRatingPeriod() + time.Minute)
	if code, _, body := p.do(nil, "POST", "/api/v1/tickets/"+late+"/rating", jsonHeader(), `{"level":"fair"}`); code != http.StatusConflict {
		t.Errorf("after the rating period: %d %s, want 409", code, body)
	}
	if strings.Contains(p.Logs.String(), "SECRET-COMMENT") {
		t.Error("the comment is in the server's log")
	}
}
