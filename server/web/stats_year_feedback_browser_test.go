package web_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hallq/server/queue"
	"hallq/server/stats/statstest"
)

// TestYearReportFeedbackEqualsTally: the yearly report's ratings (by level,
// satisfaction rate, per service), follow-up cases (opened, closed, on
// time) and complaints (filed, answered, time to answer) equal an
// independent recount of /log.jsonl, on the page and in its CSV.
func TestYearReportFeedbackEqualsTally(t *testing.T) {
	h := startFeedbackHall(t)
	for i, level := range []string{queue.RatingSatisfied, queue.RatingVeryDissatisfied, queue.RatingFair} {
		token := strings.TrimPrefix(h.servedTicket(fmt.Sprintf("y%d", i)), "/t/")
		if code, data := h.call(nil, "POST", "/api/v1/tickets/"+token+"/rating", nil, `{"level":"`+level+`"}`, nil); code != http.StatusOK {
			t.Fatalf("rating %s: %d %s", level, code, data)
		}
	}
	for _, body := range []string{`{"about":"hall","text":"排队太久"}`, `{"about":"window","target":"1","text":"窗口无人"}`} {
		if code, data := h.call(nil, "POST", "/api/v1/complaints", nil, body, nil); code != http.StatusCreated {
			t.Fatalf("complaint: %d %s", code, data)
		}
	}
	h.supervise(2, "已回访", "已整改", "已处理")

	get := func(path string) []byte {
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
		return body
	}
	jsonl := get("/log.jsonl")
	year := h.Clock.Date()[:4]
	tally, err := statstest.Tally(bytes.NewReader(jsonl), year)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := statstest.TallyFeedback(bytes.NewReader(jsonl), year)
	if err != nil {
		t.Fatal(err)
	}
	if fb.CasesOpened != 1 || fb.Complaints != 2 || fb.Answered != 1 {
		t.Fatalf("the recount found %+v: the day above did not happen", fb)
	}
	levels := func(f *statstest.Figures) []float64 {
		out := make([]float64, 0, len(queue.RatingLevels))
		for _, l := range queue.RatingLevels {
			n := 0
			if f != nil {
				n = f.Ratings[l]
			}
			out = append(out, float64(n))
		}
		return out
	}

	br := newBrowser(t)
	tab := br.tab(1366, 768)
	must(t, tab, chromedp.Navigate(h.URL+"/stats/year/"+year))
	waitFor(t, tab, pageWait, `document.querySelectorAll('#r-ratings_services tbody tr').length > 0`, `document.body.innerText`)
	total := eval[map[string][]float64](t, tab, pageFigures("r-ratings"))
	if got, want := fmt.Sprint(total[year][:5]), fmt.Sprint(levels(tally[""])); got != want {
		t.Errorf("ratings by level: page %s, tally %s", got, want)
	}
	byService := eval[map[string][]float64](t, tab, pageFigures("r-ratings_services"))
	for key, row := range byService {
		if got, want := fmt.Sprint(row[:5]), fmt.Sprint(levels(tally["service:"+key])); got != want {
			t.Errorf("ratings of %s: page %s, tally %s", key, got, want)
		}
	}
	if len(byService) == 0 || byService["general"] == nil {
		t.Errorf("no ratings row for general: %v", byService)
	}
	follow := eval[map[string][]float64](t, tab, pageFigures("r-followup"))
	n := len(fb.AnswerSeconds)
	for key, want := range map[string]int{"cases_opened": fb.CasesOpened, "cases_closed": fb.CasesClosed, "cases_on_time": fb.CasesOnTime,
		"complaints": fb.Complaints, "answered": fb.Answered, "answer_p50": fb.AnswerSeconds[(50*n+99)/100-1], "answer_max": fb.AnswerSeconds[n-1]} {
		if row := follow[key]; len(row) != 1 || int(row[0]) != want {
			t.Errorf("follow-up %s: page %v, tally %d", key, row, want)
		}
	}
	overview := eval[string](t, tab, `document.getElementById('r-feedback').innerText`)
	good := tally[""].Ratings[queue.RatingVerySatisfied] + tally[""].Ratings[queue.RatingSatisfied] + tally[""].Ratings[queue.RatingFair]
	for _, want := range []string{fmt.Sprintf("全年收到办事群众评价 %d 条", 3), fmt.Sprintf("满意率（非常满意、满意、基本满意）%.1f%%", 100*float64(good)/3),
		fmt.Sprintf("差评回访立案 %d 件，已办结 %d 件", fb.CasesOpened, fb.CasesClosed), fmt.Sprintf("收到投诉 %d 件，已答复 %d 件", fb.Complaints, fb.Answered)} {
		if !strings.Contains(overview, want) {
			t.Errorf("overview lacks %q: %s", want, overview)
		}
	}
	png := eval2(t, tab, chromedp.FullScreenshot(80))
	statsShots(t, tab, "report-feedback.png", png)
	br.check(tab)

	// The CSV of the report holds the same tables.
	for table, want := range map[string]string{"ratings_services": "general", "followup": fmt.Sprintf("Follow-up cases opened,%d", fb.CasesOpened)} {
		if body := get("/stats/year/" + year + ".csv?table=" + table); !bytes.Contains(body, []byte(want)) {
			t.Errorf("%s.csv?table=%s lacks %q:\n%s", year, table, want, body)
		}
	}
}
