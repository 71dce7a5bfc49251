package statstest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// FeedbackFigures are a period's follow-up cases and complaints as
// TallyFeedback counts them.
type FeedbackFigures struct {
	CasesOpened, CasesClosed, CasesOnTime int
	Complaints, Answered                  int
	AnswerSeconds                         []int // sorted
}

// TallyFeedback recounts, from a public log in JSON Lines, the follow-up
// cases opened on the local dates of the period (and how many of those
// closed, and on time) and the complaints filed on them (how many answered,
// after how many whole seconds), as README defines them, with nothing of
// package stats.
func TallyFeedback(log io.Reader, period string) (FeedbackFigures, error) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	var out FeedbackFigures
	caseDay := map[string]string{}
	filedAt := map[string]time.Time{}
	sc := bufio.NewScanner(log)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r struct {
			Time string `json:"time"`
			Type string `json:"type"`
			Data struct {
				Case      string `json:"case"`
				OnTime    bool   `json:"on_time"`
				Complaint string `json:"complaint"`
				TZ        string `json:"time_zone"`
			} `json:"data"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return out, fmt.Errorf("statstest: %w", err)
		}
		at, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil {
			return out, err
		}
		local := at.In(loc).Format(time.DateOnly)
		switch r.Type {
		case "hall.configured":
			if l, err := time.LoadLocation(r.Data.TZ); err == nil && r.Data.TZ != "" {
				loc = l
			}
		case "case.opened":
			caseDay[r.Data.Case] = local
			if strings.HasPrefix(local, period) {
				out.CasesOpened++
			}
		case "case.closed":
			if strings.HasPrefix(caseDay[r.Data.Case], period) {
				out.CasesClosed++
				if r.Data.OnTime {
					out.CasesOnTime++
				}
			}
		case "complaint.filed":
			filedAt[r.Data.Complaint] = at
			if strings.HasPrefix(local, period) {
				out.Complaints++
			}
		case "complaint.answered":
			f, ok := filedAt[r.Data.Complaint]
			if ok && strings.HasPrefix(f.In(loc).Format(time.DateOnly), period) {
				out.Answered++
				out.AnswerSeconds = append(out.AnswerSeconds, int(max(0, at.Sub(f)/time.Second)))
			}
		}
	}
	sort.Ints(out.AnswerSeconds)
	return out, sc.Err()
}
