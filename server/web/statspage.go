package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"hallq/server/stats"
)

// statsView is what /stats shows of a period.
type statsView struct {
	Period      stats.Period
	Kind        string
	Years       []periodLink
	Months      []periodLink
	Days        []periodLink
	Tables      []statsTable
	Charts      []chart
	Busiest     []string
	Seq         uint64
	Provisional bool // the period is not over yet
	Contacts    supervision
}

type periodLink struct {
	Period  stats.Period
	Current bool
}

// period reads ?p= (YYYY, YYYY-MM or YYYY-MM-DD); the current month by default.
func (s *Server) period(r *http.Request) (stats.Period, error) {
	p := r.URL.Query().Get("p")
	if p == "" {
		return stats.Period(s.now().In(s.location()).Format("2006-01")), nil
	}
	return stats.ParsePeriod(p)
}

// over reports whether the period has ended by the engine's clock in the hall's
// time zone: a year's report is final from the first day of the next year.
func (s *Server) over(p stats.Period) bool {
	today := s.now().In(s.location()).Format(time.DateOnly)
	return today[:len(p)] > string(p)
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	p, err := s.period(r)
	if err != nil {
		badRequest(w, "p: YYYY, YYYY-MM or YYYY-MM-DD expected", "p：应为 YYYY、YYYY-MM 或 YYYY-MM-DD 格式")
		return
	}
	rep, years, months, dates, err := s.report(p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := s.statsNames()
	v := statsView{Period: p, Kind: p.Kind(), Tables: statsTables(rep, names), Seq: rep.Seq,
		Provisional: !s.over(p), Contacts: s.supervision()}
	y, m := string(p)[:4], string(p)[:min(7, len(p))]
	for _, yy := range years {
		v.Years = append(v.Years, periodLink{yy, string(yy) == y})
	}
	for _, mm := range months {
		if strings.HasPrefix(string(mm), y) {
			v.Months = append(v.Months, periodLink{mm, len(p) >= 7 && string(mm) == m})
		}
	}
	if len(p) >= 7 {
		for _, d := range dates {
			if strings.HasPrefix(d, m) {
				v.Days = append(v.Days, periodLink{stats.Period(d), d == string(p)})
			}
		}
	}
	for _, h := range rep.Busiest {
		v.Busiest = append(v.Busiest, fmt.Sprintf("%02d:00–%02d:00", h, h+1))
	}
	v.Charts = statsCharts(rep, names)
	s.render(w, r, http.StatusOK, pageData{Page: "stats", Title: text{"统计", "Statistics"}, Body: v})
}

// statsCharts draws the daily volume (hourly for a day), the wait by hour of
// issue and the windows side by side.
func statsCharts(rep *stats.Report, names statsNames) []chart {
	vol := chart{ID: "c-volume", Title: text{"每日取号与办结", "Tickets issued and served per day"}, Unit: text{"件", "tickets"}}
	rows := rep.Days
	if rep.Period.Kind() == "day" {
		vol.Title = text{"每小时取号与办结", "Tickets issued and served per hour"}
		rows = rep.Hours
	}
	issued := series{Name: text{"取号", "Issued"}, Class: "s0"}
	served := series{Name: text{"办结", "Served"}, Class: "s1"}
	for _, r := range rows {
		label := r.Key
		if len(label) == 10 {
			label = label[5:]
		}
		vol.Labels = append(vol.Labels, label)
		issued.Values = append(issued.Values, float64(r.Issued))
		served.Values = append(served.Values, float64(r.Served))
	}
	vol.Series = []series{issued, served}

	wait := chart{ID: "c-wait", Title: text{"按取号时段的等候时间（分钟）", "Wait by hour of issue (minutes)"}, Unit: text{"分钟", "min"}}
	p50 := series{Name: text{"p50", "p50"}, Class: "s0"}
	p90 := series{Name: text{"p90", "p90"}, Class: "s2"}
	for _, r := range rep.Hours {
		if r.Wait.N == 0 && r.Issued == 0 {
			continue
		}
		wait.Labels = append(wait.Labels, r.Key)
		p50.Values = append(p50.Values, float64(r.Wait.P50)/60)
		p90.Values = append(p90.Values, float64(r.Wait.P90)/60)
	}
	wait.Series = []series{p50, p90}

	win := chart{ID: "c-windows", Title: text{"各窗口办结与过号", "Served and no-shows per window"}, Unit: text{"件", "tickets"}}
	ws := series{Name: text{"办结", "Served"}, Class: "s1"}
	wn := series{Name: text{"过号", "No-shows"}, Class: "s2"}
	for _, r := range rep.Windows {
		win.Labels = append(win.Labels, nameOr(names.windows, r.Key).ZH)
		ws.Values = append(ws.Values, float64(r.Served))
		wn.Values = append(wn.Values, float64(r.NoShows))
	}
	win.Series = []series{ws, wn}
	out := []chart{vol, wait, win}
	for i := range out {
		out[i].draw()
	}
	return out
}
