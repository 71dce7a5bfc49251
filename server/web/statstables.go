package web

import (
	"fmt"

	"hallq/server/stats"
)

// secs is a duration in whole seconds, shown as h:mm:ss or m:ss on pages and
// kept as seconds in exports.
type secs int

func (d secs) String() string {
	v := int(d)
	if v >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", v/3600, v/60%60, v%60)
	}
	return fmt.Sprintf("%d:%02d", v/60, v%60)
}

// statsTable is one table of the statistics, as the page shows it and the
// exports write it: the same rows everywhere.
type statsTable struct {
	ID     string // services, windows …; the CSV's name
	Title  text
	Header []text
	Rows   []statsRow
}

// statsRow is a row: its key (a service or window ID, an hour, a date), a
// name to show, and cells that are ints, secs or strings.
type statsRow struct {
	Key   string
	Name  text
	Cells []any
}

// figureHeader are the columns of the figures of a row.
var figureHeader = []text{
	{"取号", "Issued"}, {"预约取号", "Appointments"}, {"叫号", "Called"}, {"办结", "Served"},
	{"过号", "No-shows"}, {"取消", "Cancelled"}, {"重新排队", "Reinstated"}, {"转办", "Transferred"},
	{"等候 p50", "Wait p50"}, {"等候 p90", "Wait p90"}, {"最长等候", "Wait max"},
	{"办理 p50", "Service p50"}, {"办理 p90", "Service p90"},
}

func figureCells(r stats.Row) []any {
	return []any{r.Issued, r.Appointments, r.Called, r.Served, r.NoShows, r.Cancelled, r.Reinstated, r.Transferred,
		secs(r.Wait.P50), secs(r.Wait.P90), secs(r.Wait.Max), secs(r.Service.P50), secs(r.Service.P90)}
}

// statsNames names services and windows: by the configuration, else by the
// last published description of the hall, else by ID.
type statsNames struct{ services, windows map[string]text }

func (s *Server) statsNames() statsNames {
	n := statsNames{map[string]text{}, map[string]text{}}
	for _, svc := range s.cfg.Hall.Services {
		n.services[svc.ID] = text{svc.NameZH, svc.NameEN}
	}
	for _, w := range s.cfg.Hall.Windows {
		n.windows[w.ID] = text{w.NameZH, w.NameEN}
	}
	return n
}

func nameOr(m map[string]text, id string) text {
	if t, ok := m[id]; ok && t.ZH != "" {
		return t
	}
	return text{id, id}
}

// reasonNames name the call reasons of stats.Reasons.
var reasonNames = map[string]text{
	"fifo": {"按顺序", "in order"}, "priority": {"优先类别", "priority class"}, "appointment": {"预约", "appointment"},
	"transfer": {"转办保留位置", "transfer keeps its place"}, "recall": {"重呼", "recall"},
	"manual": {"人工指定", "manual"}, "other": {"其他", "other"},
}

// statsTables returns the tables of a report, in the order the page shows them.
func statsTables(rep *stats.Report, names statsNames) []statsTable {
	total := statsTable{ID: "summary", Title: text{"汇总", "Summary"}, Header: figureHeader,
		Rows: []statsRow{{Key: string(rep.Period), Name: text{"合计", "Total"}, Cells: figureCells(rep.Total)}}}
	services := statsTable{ID: "services", Title: text{"按业务", "By service"}, Header: figureHeader}
	for _, r := range rep.Services {
		services.Rows = append(services.Rows, statsRow{r.Key, nameOr(names.services, r.Key), figureCells(r)})
	}
	windows := statsTable{ID: "windows", Title: text{"按窗口", "By window"}, Header: figureHeader}
	for _, r := range rep.Windows {
		windows.Rows = append(windows.Rows, statsRow{r.Key, nameOr(names.windows, r.Key), figureCells(r)})
	}
	hours := statsTable{ID: "hours", Title: text{"按时段", "By hour of day"}, Header: figureHeader}
	for _, r := range rep.Hours {
		if r.Issued+r.Called+r.Served+r.NoShows+r.Cancelled == 0 {
			continue
		}
		label := r.Key + ":00–" + r.Key + ":59"
		hours.Rows = append(hours.Rows, statsRow{r.Key, text{label, label}, figureCells(r)})
	}
	days := statsTable{ID: "days", Title: text{"按日", "By day"}, Header: figureHeader}
	for _, r := range rep.Days {
		days.Rows = append(days.Rows, statsRow{r.Key, text{r.Key, r.Key}, figureCells(r)})
	}
	reasons := statsTable{ID: "calls", Title: text{"叫号原因", "Calls by reason"}, Header: []text{{"次数", "Calls"}}}
	for i, code := range stats.Reasons {
		reasons.Rows = append(reasons.Rows, statsRow{code, reasonNames[code], []any{rep.Total.Calls[i]}})
	}
	appts := statsTable{ID: "appointments", Title: text{"预约", "Appointments"}, Header: []text{{"数量", "Count"}},
		Rows: []statsRow{
			{"booked", text{"预约", "Booked"}, []any{rep.Booked}},
			{"cancelled", text{"取消预约", "Bookings cancelled"}, []any{rep.BookingsCancelled}},
			{"checked_in", text{"签到取号", "Checked in"}, []any{rep.Total.Appointments}},
			{"missed", text{"爽约", "Missed"}, []any{rep.Missed}},
		}}
	out := []statsTable{total, services, windows, hours}
	if rep.Period.Kind() != "day" {
		out = append(out, days)
	}
	out = append(out, reasons, appts)
	return append(out, feedbackTables(rep, names)...)
}
