package web

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"hallq/server/audit"
)

// auditor keeps the hall's audit: the same checks hallq-verify makes, fed
// with the log's new events at each request to /audit.
type auditor struct {
	mu   sync.Mutex
	a    *audit.Auditor
	last uint64 // seq of the last event fed
	err  error  // why the log could not be verified
}

// auditData is what the audit page shows of one service day.
type auditData struct {
	Days        []string
	Day         *audit.Day
	Findings    []audit.Finding // of the day, and those of no day
	Consistent  bool
	Events      int
	Last        uint64
	Head        string
	Checkpoints int // verified
	Unverified  string
	Calls       []reasonCount
	Windows     []tallyRow
	Staff       []tallyRow
	Reasons     map[string]text
	StaffCancel int
}

type reasonCount struct {
	Reason string
	Name   text
	Count  int
}

type tallyRow struct {
	ID string
	*audit.Tally
}

var callReasons = map[string]text{
	"fifo": {"按顺序", "in order"}, "priority": {"优先类别", "priority class"}, "transfer": {"转办保留位置", "transfer keeps its place"},
	"recall": {"重呼", "recall"}, "manual": {"人工指定", "manual"}, "appointment": {"预约", "appointment"},
}

// feed gives the auditor the events committed since the last request.
func (s *Server) feedAudit() {
	head, _ := s.engine.Head()
	for s.audit.err == nil && s.audit.last < head {
		recs, err := s.store.EventsAfter(s.audit.last, 1000)
		if err != nil {
			s.audit.err = err
			return
		}
		if len(recs) == 0 {
			return
		}
		for _, r := range recs {
			if err := s.audit.a.Add(r.Raw); err != nil {
				s.audit.err = err
				return
			}
			s.audit.last = r.Seq
		}
	}
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	s.audit.mu.Lock()
	defer s.audit.mu.Unlock()
	if s.audit.a == nil {
		a, err := audit.New(audit.Options{})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.audit.a = a
	}
	s.feedAudit()
	rep := s.audit.a.Peek()
	d := auditData{Consistent: rep.Consistent, Events: rep.Events, Last: rep.Last, Head: rep.Head, Reasons: map[string]text{}}
	if s.audit.err != nil {
		d.Unverified = s.audit.err.Error()
		d.Consistent = false
	}
	for _, rs := range s.cfg.Hall.ManualReasons {
		d.Reasons[rs.Code] = text{rs.NameZH, rs.NameEN}
	}
	for _, c := range rep.Checkpoints {
		if c.OK {
			d.Checkpoints++
		}
	}
	for i := len(rep.Days) - 1; i >= 0; i-- {
		d.Days = append(d.Days, rep.Days[i].Day)
	}
	want := r.URL.Query().Get("day")
	if want != "" {
		if _, err := time.Parse(time.DateOnly, want); err != nil {
			badRequest(w, "day: YYYY-MM-DD expected", "day：应为 YYYY-MM-DD 格式")
			return
		}
	}
	for _, day := range rep.Days {
		if day.Day == want || want == "" {
			d.Day = day
		}
	}
	if want != "" && d.Day == nil {
		s.render(w, r, http.StatusNotFound, pageData{Page: "audit", Title: text{"核验", "Audit"}, Body: d})
		return
	}
	for _, f := range rep.Findings {
		if f.Day == "" || d.Day != nil && f.Day == d.Day.Day {
			d.Findings = append(d.Findings, f)
		}
	}
	if day := d.Day; day != nil {
		for _, k := range slices.Sorted(maps.Keys(day.Calls)) {
			name, ok := callReasons[k]
			if !ok {
				name = text{k, k}
			}
			d.Calls = append(d.Calls, reasonCount{k, name, day.Calls[k]})
		}
		d.Windows = rows(day.Windows)
		d.Staff = rows(day.Staff)
		for _, c := range day.Cancels {
			if c.By == "staff" {
				d.StaffCancel++
			}
		}
	}
	s.render(w, r, http.StatusOK, pageData{Page: "audit", Title: text{"核验", "Audit"}, Body: d})
}

func rows(m map[string]*audit.Tally) []tallyRow {
	out := make([]tallyRow, 0, len(m))
	for id, t := range m {
		out = append(out, tallyRow{id, t})
	}
	slices.SortFunc(out, func(a, b tallyRow) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// minutes formats seconds as minutes for the audit page.
func minutes(secs float64) string { return fmt.Sprintf("%.1f", secs/60) }
