package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"hallq/server/stats/statstest"
	"hallq/server/store"
)

// statsShots saves the screenshots of the statistics tests into the folder
// HALLQ_SHOTS names, for a person to look at; none without it.
func statsShots(t *testing.T, _ context.Context, name string, png []byte) {
	dir := os.Getenv("HALLQ_SHOTS")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Error(err)
	}
}

// get fetches a path of the test hall.
func (h *testHall) get(path string) (int, http.Header, []byte) {
	h.t.Helper()
	resp, err := http.Get(h.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// statsDay runs a small day at the test hall: tickets issued (one by real
// name), called, recalled, served, missed and cancelled, with seconds between
// so that waits and service times are not all zero.
func statsDay(t *testing.T, h *testHall) {
	const id = "11010519491231002X"
	issue := func(body string) ticketResp {
		code, tr, raw := h.Issue(body)
		if code != http.StatusCreated {
			t.Fatalf("issue %s: %d %s", body, code, raw)
		}
		return tr
	}
	issue(`{"service":"social","id_number":"` + id + `","idempotency_key":"s1"}`)
	issue(`{"service":"social","id_kind":"passport","id_number":"E1234 5678","idempotency_key":"s2"}`)
	issue(`{"service":"social","id_kind":"passport","id_number":"G8765 4321","idempotency_key":"s3"}`)
	g1 := issue(`{"service":"general","idempotency_key":"g1"}`)
	issue(`{"service":"general","idempotency_key":"g2"}`)
	issue(`{"service":"general","idempotency_key":"g3"}`)
	if code, raw := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/tickets/"+g1.Ticket.Token+"/cancel", nil, "", nil); code != http.StatusOK {
		t.Fatalf("applicant cancel: %d %s", code, raw)
	}
	time.Sleep(1100 * time.Millisecond) // a wait of at least a second
	wang, wcsrf := h.Staff(0, "1")
	li, lcsrf := h.Staff(1, "2")
	steps := []struct {
		c          *http.Client
		csrf, win  string
		action     string
		sleepAfter time.Duration
	}{
		{wang, wcsrf, "1", "open", 0}, {li, lcsrf, "2", "open", 0},
		{li, lcsrf, "2", "call-next", 1100 * time.Millisecond},
		{li, lcsrf, "2", "recall", 0},
		{li, lcsrf, "2", "complete", 0},
		{wang, wcsrf, "1", "call-next", 0},
		{wang, wcsrf, "1", "no-show", 0},
		{li, lcsrf, "2", "call-next", 2100 * time.Millisecond},
		{li, lcsrf, "2", "complete", 0},
		{wang, wcsrf, "1", "call-next", 0},
		{wang, wcsrf, "1", "complete", 0},
	}
	for _, s := range steps {
		if code, raw := h.Act(s.c, s.csrf, s.win, s.action, ""); code != http.StatusOK {
			t.Fatalf("window %s %s: %d %s", s.win, s.action, code, raw)
		}
		time.Sleep(s.sleepAfter)
	}
}

// pageFigures is JavaScript that reads a table of figures: data-key of each
// row to its cells' numbers (data-n or data-s).
func pageFigures(table string) string {
	return `(() => { const out = {}; document.querySelectorAll('#` + table + ` tbody tr').forEach(tr => {
  out[tr.dataset.key] = Array.from(tr.querySelectorAll('td')).map(td => Number(td.dataset.s !== undefined ? td.dataset.s : td.dataset.n)); });
  return out; })()`
}

// figures are the columns of a figures row that the independent tally counts,
// in the order of the page: issued, appointments, called, served, no-shows,
// cancelled, then (after reinstated and transferred) the five durations.
func tallyCells(f *statstest.Figures) []float64 {
	if f == nil {
		f = &statstest.Figures{}
	}
	return []float64{float64(f.Issued), float64(f.Appointments), float64(f.Called), float64(f.Served), float64(f.NoShows),
		float64(f.Cancelled), float64(f.WaitP50), float64(f.WaitP90), float64(f.WaitMax), float64(f.ServiceP50), float64(f.ServiceP90)}
}

func pageCells(row []float64) []float64 {
	if len(row) != 13 {
		return nil
	}
	return append(append([]float64{}, row[:6]...), row[8:]...)
}

// TestStatsPageEqualsTally runs a day at a hall and compares the figures
// /stats shows for the day, the month and the year with an independent
// recount of /log.jsonl; the yearly report prints on A4 with the same
// figures; no page, CSV or workbook shows an identity.
func TestStatsPageEqualsTally(t *testing.T) {
	h := newTestHall(t)
	statsDay(t, h)
	_, _, jsonl := h.get("/log.jsonl")
	date := h.Clock.Date()
	br := newBrowser(t)
	for _, size := range []struct{ w, h int64 }{{360, 740}, {1920, 1080}} {
		tab := br.tab(size.w, size.h)
		for _, p := range []string{date, date[:7], date[:4]} {
			tally, err := statstest.Tally(bytes.NewReader(jsonl), p)
			if err != nil {
				t.Fatal(err)
			}
			must(t, tab, chromedp.Navigate(h.URL+"/stats?p="+p))
			waitFor(t, tab, pageWait, `document.querySelectorAll('#t-summary tbody tr').length === 1`, `document.body.innerText`)
			for _, tc := range []struct{ table, prefix string }{{"t-summary", ""}, {"t-services", "service:"}, {"t-windows", "window:"}} {
				got := eval[map[string][]float64](t, tab, pageFigures(tc.table))
				seen := 0
				for key, row := range got {
					k := tc.prefix + key
					if tc.prefix == "" {
						k = ""
					}
					if fmt.Sprint(pageCells(row)) != fmt.Sprint(tallyCells(tally[k])) {
						t.Errorf("%s %s %q: page %v, tally %v", p, tc.table, key, pageCells(row), tallyCells(tally[k]))
					}
					seen++
				}
				for k := range tally {
					if tc.prefix != "" && strings.HasPrefix(k, tc.prefix) && got[strings.TrimPrefix(k, tc.prefix)] == nil {
						t.Errorf("%s %s: no row for %s", p, tc.table, k)
					}
				}
				if seen == 0 {
					t.Errorf("%s: %s is empty", p, tc.table)
				}
			}
			calls := eval[map[string][]float64](t, tab, pageFigures("t-calls"))
			for reason, n := range tally[""].Calls {
				if calls[reason] == nil || int(calls[reason][0]) != n {
					t.Errorf("%s calls %s: page %v, tally %d", p, reason, calls[reason], n)
				}
			}
			if p == date && size.w == 1920 {
				shot := eval[string](t, tab, `document.getElementById('c-volume').querySelectorAll('rect').length + ''`)
				if shot == "0" {
					t.Error("the volume chart has no bars")
				}
				png := eval2(t, tab, chromedp.FullScreenshot(80))
				statsShots(t, tab, "stats-day-1920.png", png)
			}
		}
		if size.w == 360 {
			png := eval2(t, tab, chromedp.FullScreenshot(80))
			statsShots(t, tab, "stats-year-360.png", png)
			must(t, tab, chromedp.Evaluate[chromedp.Void](`hallq.setLang('en')`))
			waitFor(t, tab, pageWait, `document.documentElement.dataset.lang === 'en'`, `document.documentElement.dataset.lang`)
			if txt := eval[string](t, tab, `document.querySelector('#stats h1').innerText`); !strings.Contains(txt, "Statistics") {
				t.Errorf("in English the heading reads %q", txt)
			}
			must(t, tab, chromedp.Evaluate[chromedp.Void](`hallq.setLang('zh')`))
		}
		br.check(tab)
	}

	// The yearly report, as printed: the same figures, on A4 pages.
	year := date[:4]
	tally, err := statstest.Tally(bytes.NewReader(jsonl), year)
	if err != nil {
		t.Fatal(err)
	}
	tab := br.tab(1366, 768)
	must(t, tab, chromedp.Navigate(h.URL+"/stats/year/"+year))
	waitFor(t, tab, pageWait, `document.querySelectorAll('#r-services tbody tr').length > 0`, `document.body.innerText`)
	for key, row := range eval[map[string][]float64](t, tab, pageFigures("r-services")) {
		if fmt.Sprint(pageCells(row)) != fmt.Sprint(tallyCells(tally["service:"+key])) {
			t.Errorf("report service %s: page %v, tally %v", key, pageCells(row), tallyCells(tally["service:"+key]))
		}
	}
	overview := eval[string](t, tab, `document.getElementById('r-overview').innerText`)
	if !strings.Contains(overview, fmt.Sprintf("全年共发放排队号 %d 个", tally[""].Issued)) {
		t.Errorf("overview: %s", overview)
	}
	must(t, tab, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	})
	if v := eval[string](t, tab, `getComputedStyle(document.querySelector('header.site')).display`); v != "none" {
		t.Errorf("printed, the site header shows (display %s)", v)
	}
	var pdf []byte
	must(t, tab, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		prefer := true
		res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &prefer})
		pdf = res.Data
		return chromedp.Void{}, err
	})
	if !bytes.HasPrefix(pdf, []byte("%PDF")) || !a4.Match(pdf) {
		t.Errorf("the report does not print on A4: %.200q", pdf)
	}
	if dir := os.Getenv("HALLQ_SHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "report.pdf"), pdf, 0o644)
	}
	br.check(tab)

	// No identity in any byte of the pages and exports.
	var identities [][]byte
	h.Store.View(func(tx *store.Tx) error {
		return tx.ForEach(store.BucketIdentities, nil, func(k, _ []byte) error {
			identities = append(identities, bytes.Clone(k[bytes.LastIndexByte(k, '|')+1:]))
			return nil
		})
	})
	if len(identities) == 0 {
		t.Fatal("no identity recorded: the check below would prove nothing")
	}
	paths := []string{"/stats", "/stats?p=" + date, "/stats/year/" + year, "/stats/year/" + year + ".csv?table=services"}
	for _, tbl := range []string{"summary", "services", "windows", "hours", "calls", "appointments"} {
		paths = append(paths, "/stats.csv?p="+date+"&table="+tbl)
	}
	for _, path := range append(paths, "/stats.xlsx?p="+date[:7], "/stats/year/"+year+".xlsx") {
		code, hdr, body := h.get(path)
		if code != http.StatusOK {
			t.Errorf("%s: %d %s", path, code, body)
			continue
		}
		content := string(body)
		if strings.HasSuffix(path, ".xlsx") {
			if ct := hdr.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
				t.Errorf("%s: content type %s", path, ct)
			}
			content = workbookText(t, body)
			if !strings.Contains(content, "social") {
				t.Errorf("%s: the workbook lacks the services: %.300s", path, content)
			}
		}
		for _, bad := range []string{"11010519491231002X", "19491231", "110105", "resident:"} {
			if strings.Contains(content, bad) {
				t.Errorf("%s shows %q", path, bad)
			}
		}
		for _, idh := range identities {
			if strings.Contains(content, string(idh)) {
				t.Errorf("%s shows an identity hash", path)
			}
		}
	}
	// The CSV of services has one row per service of the tally.
	_, _, csv := h.get("/stats.csv?p=" + date + "&table=services")
	if n := strings.Count(strings.TrimSpace(string(csv)), "\n"); n != countPrefix(tally, "service:") {
		t.Errorf("services CSV has %d rows, tally %d services:\n%s", n, countPrefix(tally, "service:"), csv)
	}
	for _, bad := range []string{"/stats?p=2026-13", "/stats.csv?p=" + date + "&table=nope", "/stats?p=<script>"} {
		if code, _, _ := h.get(bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
	if code, _, _ := h.get("/stats/year/20x6"); code != http.StatusNotFound {
		t.Errorf("/stats/year/20x6: %d, want 404", code)
	}
}

func countPrefix(m map[string]*statstest.Figures, prefix string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

// workbookText returns every cell of a workbook's sheets, one per line.
func workbookText(t *testing.T, data []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(sheet + "\n")
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	return b.String()
}

// eval2 runs an action that returns a value in a tab.
func eval2[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, pageWait)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// a4 matches a PDF page of A4 size (595 × 842 points, within a point).
var a4 = regexp.MustCompile(`MediaBox \[0 0 59[45]\.?\d* 84[12]\.?\d*\]`)
