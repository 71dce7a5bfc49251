package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestFeedbackNothingPrivateIsPublic: a rating's comment, a case's return
// visit and rectification, a complaint's text, contact and tracking code and
// the supervisors' answer appear in no public byte: the log (JSON Lines, the
// API, the websocket), the statistics (pages, every CSV table, the
// workbook), the rules, the board, the hall, the window, the ticket, the
// metrics, nor the server's log. The answer is on the complaint's own page.
func TestFeedbackNothingPrivateIsPublic(t *testing.T) {
	h := startFeedbackHall(t)
	const (
		comment = "PRIV-COMMENT-9931 窗口人员态度差"
		visit   = "PRIV-VISIT-5521"
		rect    = "PRIV-RECT-1177"
		text    = "PRIV-TEXT-3310 离岗未归"
		contact = "13912345678"
		answer  = "PRIV-ANSWER-8080"
	)
	page := h.servedTicket("p1")
	token := strings.TrimPrefix(page, "/t/")
	if code, data := h.call(nil, "POST", "/api/v1/tickets/"+token+"/rating", nil, `{"level":"dissatisfied","comment":"`+comment+`"}`, nil); code != http.StatusOK {
		t.Fatalf("rating: %d %s", code, data)
	}
	var filed struct{ Code string }
	if code, data := h.call(nil, "POST", "/api/v1/complaints", nil, `{"about":"window","target":"1","text":"`+text+`","contact":"`+contact+`"}`, &filed); code != http.StatusCreated {
		t.Fatalf("complaint: %d %s", code, data)
	}
	h.supervise(1, visit, rect, answer)
	private := []string{"PRIV-COMMENT", "态度差", visit, rect, "PRIV-TEXT", "离岗未归", contact, answer, filed.Code}
	check := func(name, content string) {
		t.Helper()
		for _, p := range private {
			if strings.Contains(content, p) {
				t.Errorf("%s shows %q", name, p)
			}
		}
	}
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(h.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		return string(body)
	}
	day := h.Clock.Now().In(h.Config.Hall.Location).Format(time.DateOnly)
	paths := []string{"/log.jsonl", "/log", "/api/v1/events?after=0&limit=1000", "/rules", "/api/v1/board", "/api/v1/hall",
		"/api/v1/windows/1", page, "/api/v1/tickets/" + token, "/metrics", "/stats?p=" + day, "/stats?p=" + day[:7],
		"/stats?p=" + day[:4], "/stats/year/" + day[:4]}
	for _, tbl := range []string{"summary", "services", "windows", "hours", "calls", "appointments", "ratings", "ratings_services", "ratings_windows", "followup"} {
		paths = append(paths, "/stats.csv?p="+day+"&table="+tbl)
	}
	for _, p := range paths {
		check(p, get(p))
	}
	check("the workbook", workbookText(t, []byte(get("/stats.xlsx?p="+day[:4]))))
	// The statistics count what happened.
	if csv := get("/stats.csv?p=" + day + "&table=followup"); !strings.Contains(csv, "cases_on_time") {
		t.Errorf("follow-up table: %s", csv)
	}

	// The websocket replays the whole log.
	var health struct{ Seq uint64 }
	json.Unmarshal([]byte(get("/healthz")), &health)
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(h.URL, "http")+"/api/v1/ws?after=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(pageWait))
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("websocket: %v", err)
		}
		check("the websocket", string(msg))
		var ev struct{ Seq uint64 }
		if json.Unmarshal(msg, &ev) == nil && ev.Seq >= health.Seq {
			break
		}
	}

	// The complaint's page has the answer, not the text or the contact.
	track := get("/complaint/" + filed.Code)
	if !strings.Contains(track, answer) || strings.Contains(track, contact) || strings.Contains(track, "PRIV-TEXT") {
		t.Errorf("tracking page: answer shown %v, contact %v, text %v", strings.Contains(track, answer),
			strings.Contains(track, contact), strings.Contains(track, "PRIV-TEXT"))
	}
	check("the server's log", strings.ReplaceAll(h.Logs.String(), "/complaint/"+filed.Code, ""))
	if strings.Contains(h.Logs.String(), filed.Code) {
		t.Error("the server's log holds the tracking code")
	}
}
