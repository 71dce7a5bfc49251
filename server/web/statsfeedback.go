package web

import (
	"fmt"

	"hallq/server/queue"
	"hallq/server/stats"
)

// ratingHeader are the columns of a ratings table: each level, the total
// and the satisfaction rate (the three good levels among all ratings).
var ratingHeader = func() []text {
	var h []text
	for _, l := range queue.RatingLevels {
		h = append(h, levelNames[l])
	}
	return append(h, text{"评价数", "Ratings"}, text{"满意率", "Satisfied"})
}()

func ratingCells(r stats.Row) []any {
	out := make([]any, 0, len(r.Ratings)+2)
	for _, n := range r.Ratings {
		out = append(out, n)
	}
	return append(out, r.RatingsTotal(), share(r.Satisfaction()))
}

// share writes a share in percent with one decimal, "–" for none.
func share(v float64) string {
	if v < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", v)
}

// feedbackTables are the tables of ratings by service and by window, and of
// follow-up cases and complaints.
func feedbackTables(rep *stats.Report, names statsNames) []statsTable {
	total := statsTable{ID: "ratings", Title: text{"好差评", "Ratings"}, Header: ratingHeader,
		Rows: []statsRow{{Key: string(rep.Period), Name: text{"合计", "Total"}, Cells: ratingCells(rep.Total)}}}
	services := statsTable{ID: "ratings_services", Title: text{"好差评（按业务）", "Ratings by service"}, Header: ratingHeader}
	for _, r := range rep.Services {
		services.Rows = append(services.Rows, statsRow{r.Key, nameOr(names.services, r.Key), ratingCells(r)})
	}
	windows := statsTable{ID: "ratings_windows", Title: text{"好差评（按窗口）", "Ratings by window"}, Header: ratingHeader}
	for _, r := range rep.Windows {
		windows.Rows = append(windows.Rows, statsRow{r.Key, nameOr(names.windows, r.Key), ratingCells(r)})
	}
	f := rep.Feedback
	follow := statsTable{ID: "followup", Title: text{"差评回访与投诉", "Follow-up, complaints"}, Header: []text{{"数值", "Value"}},
		Rows: []statsRow{
			{"cases_opened", text{"差评回访立案", "Follow-up cases opened"}, []any{f.CasesOpened}},
			{"cases_closed", text{"其中已办结", "of which closed"}, []any{f.CasesClosed}},
			{"cases_on_time", text{"其中按期办结", "of which closed on time"}, []any{f.CasesOnTime}},
			{"on_time_rate", text{"按期办结率", "Closed on time"}, []any{share(f.OnTimeRate())}},
			{"complaints", text{"收到投诉", "Complaints filed"}, []any{f.Complaints}},
			{"answered", text{"其中已答复", "of which answered"}, []any{f.Answered}},
			{"answer_p50", text{"答复用时 p50", "Time to answer p50"}, []any{secs(f.AnswerTime.P50)}},
			{"answer_p90", text{"答复用时 p90", "Time to answer p90"}, []any{secs(f.AnswerTime.P90)}},
			{"answer_max", text{"最长答复用时", "Longest time to answer"}, []any{secs(f.AnswerTime.Max)}},
		}}
	return []statsTable{total, services, windows, follow}
}
