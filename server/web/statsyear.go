package web

import (
	"fmt"
	"net/http"
	"strings"

	"hallq/server/stats"
)

// yearView is the yearly report: the hall's year laid out like the
// service-hall section of a government's yearly information-disclosure report.
type yearView struct {
	Year        stats.Period
	Next        string // the first day of the next year
	Total       stats.Row
	Rates       yearRates
	Tables      []statsTable // services, windows, months, calls, appointments
	Busiest     []string
	Seq         uint64
	Provisional bool
	Contacts    supervision
	Headings    []text // of the tables after the total
	// The year's ratings, follow-up cases and complaints, for the overview.
	Ratings      int
	Satisfaction string // share(…), "–" without ratings
	Feedback     stats.Feedback
	OnTime       string // share of the cases opened closed on time
}

// yearHeadings number the report's sections after the overview.
var yearHeadings = []text{{}, {"二、办件情况（按业务）", "2. Tickets by service"},
	{"三、窗口服务情况", "3. Windows"}, {"四、分月情况", "4. By month"},
	{"五、叫号情况", "5. Calls by reason"}, {"六、预约服务情况", "6. Appointments"},
	{"七、好差评情况", "7. Ratings (好差评)"}, {"八、好差评（按业务）", "8. Ratings by service"},
	{"九、差评回访与投诉处理", "9. Follow-up of bad ratings, complaints"}}

// yearRates are the shares the report's overview states, in per cent.
type yearRates struct {
	Served, NoShow, Cancelled, Appointment string
}

func percent(n, of int) string {
	if of == 0 {
		return "0.0"
	}
	return fmt.Sprintf("%.1f", 100*float64(n)/float64(of))
}

// yearTables returns the report's tables: by service, by window, by month,
// calls, appointments, ratings, ratings by service, and follow-up and
// complaints, with the year's total first.
func yearTables(rep *stats.Report, months []*stats.Report, names statsNames) []statsTable {
	all := statsTables(rep, names)
	byID := map[string]statsTable{}
	for _, t := range all {
		byID[t.ID] = t
	}
	mt := statsTable{ID: "months", Title: text{"按月", "By month"}, Header: figureHeader}
	for _, m := range months {
		label := string(m.Period)
		mt.Rows = append(mt.Rows, statsRow{label, text{label, label}, figureCells(m.Total)})
	}
	return []statsTable{byID["summary"], byID["services"], byID["windows"], mt, byID["calls"], byID["appointments"],
		byID["ratings"], byID["ratings_services"], byID["followup"]}
}

func (s *Server) handleYear(w http.ResponseWriter, r *http.Request) {
	arg := r.PathValue("year")
	y, format, _ := strings.Cut(arg, ".")
	p, err := stats.ParsePeriod(y)
	if err != nil || p.Kind() != "year" || (format != "" && format != "csv" && format != "xlsx") {
		s.handleNotFound(w, r)
		return
	}
	rep, months, err := s.yearReport(p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := s.statsNames()
	tables := yearTables(rep, months, names)
	switch format {
	case "csv":
		s.serveCSV(w, r, "report-"+y, tables)
		return
	case "xlsx":
		s.serveXLSX(w, r, "report-"+y, p, rep.Seq, tables)
		return
	}
	t := rep.Total
	v := yearView{Year: p, Total: t, Tables: tables, Seq: rep.Seq, Provisional: !s.over(p), Contacts: s.supervision(), Headings: yearHeadings,
		Rates: yearRates{Served: percent(t.Served, t.Issued), NoShow: percent(t.NoShows, t.Issued),
			Cancelled: percent(t.Cancelled, t.Issued), Appointment: percent(t.Appointments, t.Issued)},
		Ratings: t.RatingsTotal(), Satisfaction: share(t.Satisfaction()), Feedback: rep.Feedback, OnTime: share(rep.Feedback.OnTimeRate())}
	var n int
	fmt.Sscan(y, &n)
	v.Next = fmt.Sprintf("%04d-01-01", n+1)
	for _, h := range rep.Busiest {
		v.Busiest = append(v.Busiest, fmt.Sprintf("%02d:00–%02d:00", h, h+1))
	}
	s.render(w, r, http.StatusOK, pageData{Page: "statsyear", Title: text{y + " 年度报告", y + " yearly report"}, Body: v})
}
