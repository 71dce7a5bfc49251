package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"hallq/server/stats"
)

// exportHeader returns the header of a table's export: key, both names, then
// each column in both languages, durations marked as seconds.
func exportHeader(t statsTable, sample []any) []string {
	h := []string{"key", "名称", "name"}
	for i, c := range t.Header {
		label := c.ZH + " " + c.EN
		if i < len(sample) {
			if _, ok := sample[i].(secs); ok {
				label += " (s)"
			}
		}
		h = append(h, label)
	}
	return h
}

func exportRow(r statsRow) []any {
	out := []any{r.Key, r.Name.ZH, r.Name.EN}
	for _, c := range r.Cells {
		if d, ok := c.(secs); ok {
			c = int(d)
		}
		out = append(out, c)
	}
	return out
}

func sampleOf(t statsTable) []any {
	if len(t.Rows) > 0 {
		return t.Rows[0].Cells
	}
	return figureCells(stats.Row{})
}

// writeCSV writes a table as CSV in UTF-8 with a byte order mark, which
// spreadsheet programs need to read the Chinese names.
func writeCSV(w *bytes.Buffer, t statsTable) error {
	w.WriteString("\ufeff")
	cw := csv.NewWriter(w)
	cw.Write(exportHeader(t, sampleOf(t)))
	for _, r := range t.Rows {
		var rec []string
		for _, c := range exportRow(r) {
			rec = append(rec, fmt.Sprint(c))
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// workbook returns the tables as an Excel workbook, one sheet per table, with
// a first sheet saying what the figures are and where they come from.
func workbook(hall text, p stats.Period, seq uint64, tables []statsTable) (*bytes.Buffer, error) {
	f := excelize.NewFile()
	defer f.Close()
	about := "说明 About"
	if err := f.SetSheetName("Sheet1", about); err != nil {
		return nil, err
	}
	lines := [][]any{
		{hall.ZH, hall.EN},
		{"统计期间", "Period", string(p)},
		{"计算至公开日志事件", "Up to event of the public log", seq},
		{"所有数字均由公开日志计算，时长单位为秒。", "Every figure is computed from the public log; durations are in seconds."},
	}
	for i, l := range lines {
		if err := f.SetSheetRow(about, "A"+strconv.Itoa(i+1), &l); err != nil {
			return nil, err
		}
	}
	f.SetColWidth(about, "A", "C", 36)
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		name := t.Title.ZH + " " + t.Title.EN
		if _, err := f.NewSheet(name); err != nil {
			return nil, fmt.Errorf("web: workbook sheet %s: %w", name, err)
		}
		h := exportHeader(t, sampleOf(t))
		if err := f.SetSheetRow(name, "A1", &h); err != nil {
			return nil, err
		}
		last, _ := excelize.CoordinatesToCellName(len(h), 1)
		f.SetCellStyle(name, "A1", last, bold)
		for i, r := range t.Rows {
			row := exportRow(r)
			if err := f.SetSheetRow(name, "A"+strconv.Itoa(i+2), &row); err != nil {
				return nil, err
			}
		}
		f.SetColWidth(name, "A", "C", 16)
		f.SetPanes(name, &excelize.Panes{Freeze: true, XSplit: 3, YSplit: 1, TopLeftCell: "D2", ActivePane: "bottomRight"})
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("web: workbook: %w", err)
	}
	return buf, nil
}

func (s *Server) handleStatsCSV(w http.ResponseWriter, r *http.Request) {
	p, err := s.period(r)
	if err != nil {
		badRequest(w, "p: YYYY, YYYY-MM or YYYY-MM-DD expected", "p：应为 YYYY、YYYY-MM 或 YYYY-MM-DD 格式")
		return
	}
	rep, _, _, _, err := s.report(p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.serveCSV(w, r, "stats-"+string(p), statsTables(rep, s.statsNames()))
}

// serveCSV serves the table named by ?table= (summary when absent).
func (s *Server) serveCSV(w http.ResponseWriter, r *http.Request, name string, tables []statsTable) {
	want := r.URL.Query().Get("table")
	if want == "" {
		want = "summary"
	}
	for _, t := range tables {
		if t.ID != want {
			continue
		}
		var buf bytes.Buffer
		if err := writeCSV(&buf, t); err != nil {
			s.fail(w, r, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+name+"-"+t.ID+`.csv"`)
		h.Set("Cache-Control", "no-store")
		w.Write(buf.Bytes())
		return
	}
	badRequest(w, "table: one of the tables of the page expected", "table：应为页面上的表格之一")
}

func (s *Server) handleStatsXLSX(w http.ResponseWriter, r *http.Request) {
	p, err := s.period(r)
	if err != nil {
		badRequest(w, "p: YYYY, YYYY-MM or YYYY-MM-DD expected", "p：应为 YYYY、YYYY-MM 或 YYYY-MM-DD 格式")
		return
	}
	rep, _, _, _, err := s.report(p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.serveXLSX(w, r, "stats-"+string(p), p, rep.Seq, statsTables(rep, s.statsNames()))
}

func (s *Server) serveXLSX(w http.ResponseWriter, r *http.Request, name string, p stats.Period, seq uint64, tables []statsTable) {
	buf, err := workbook(text{s.cfg.Hall.NameZH, s.cfg.Hall.NameEN}, p, seq, tables)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}
