package engine

import (
	"maps"
	"slices"
	"time"

	"hallq/server/queue"
)

// Board is the public snapshot of the hall: what hall screens show.
type Board struct {
	Day      string         `json:"day"`
	Time     time.Time      `json:"time"`
	Services []ServiceBoard `json:"services"`
	Windows  []WindowBoard  `json:"windows"`
	Current  []queue.Call   `json:"current"` // the call of every ticket being served, newest first
	Recent   []queue.Call   `json:"recent"`  // calls and recalls, newest first
	Devices  []DeviceBoard  `json:"devices"` // devices whose printer is not ok
	Seq      uint64         `json:"seq"`
	Hash     string         `json:"hash"`
}

// ServiceBoard is a service as shown on boards and kiosks.
type ServiceBoard struct {
	ID         string `json:"id"`
	NameZH     string `json:"name_zh"`
	NameEN     string `json:"name_en"`
	Prefix     string `json:"prefix"`
	RealName   bool   `json:"real_name"`
	Waiting    int    `json:"waiting"`
	ETASeconds int    `json:"eta_seconds"` // estimated wait of a number taken now
	Windows    int    `json:"windows"`     // open windows serving it
	Issued     int    `json:"issued"`
	Remaining  int    `json:"remaining"` // numbers left today under the daily cap
	Available  bool   `json:"available"` // a number can be taken now
	// Unavailable says why not, in English and Chinese, when Available is false.
	Unavailable   string `json:"unavailable,omitempty"`
	UnavailableZH string `json:"unavailable_zh,omitempty"`
}

// DeviceBoard is a device with a printer problem staff must see to.
type DeviceBoard struct {
	ID      string    `json:"id"`
	Printer string    `json:"printer"`
	Detail  string    `json:"detail,omitempty"`
	Since   time.Time `json:"since"`
}

// WindowBoard is a window as shown on boards.
type WindowBoard struct {
	ID      string `json:"id"`
	NameZH  string `json:"name_zh"`
	NameEN  string `json:"name_en"`
	Status  string `json:"status"`
	Staff   string `json:"staff,omitempty"`
	Current string `json:"current,omitempty"` // number being served
	Service string `json:"service,omitempty"` // its service
	Served  int    `json:"served"`
	NoShows int    `json:"no_shows"`
	// AvgServiceSeconds is the window's average service time today.
	AvgServiceSeconds int `json:"avg_service_seconds"`
}

// Board returns the public snapshot of the hall at the committed head.
func (e *Engine) Board() Board {
	now := e.opts.Now()
	h := e.hall
	var b Board
	e.Read(func(s *queue.State, seq uint64, hash string) {
		b = Board{Day: s.Day, Time: now.UTC().Truncate(time.Second), Seq: seq, Hash: hash}
		today := h.Day(now) == s.Day
		for i := range h.Services {
			svc := &h.Services[i]
			sb := ServiceBoard{ID: svc.ID, NameZH: svc.NameZH, NameEN: svc.NameEN, Prefix: svc.Prefix, RealName: svc.RealName}
			limit := svc.DailyCap
			if limit == 0 {
				limit = maxSeq(svc.Digits)
			}
			used := 0
			if today {
				sb.Waiting = s.Waiting(svc.ID)
				used = s.Counters[svc.ID]
				if st := s.Stats[svc.ID]; st != nil {
					sb.Issued = st.Issued
				}
			}
			sb.Windows = s.Serving(h, svc.ID)
			sb.ETASeconds = int(s.EstimateWait(h, svc.ID, sb.Waiting).Seconds())
			sb.Remaining = max(limit-used, 0)
			sb.Available = true
			switch {
			case !h.IsOpen(now):
				sb.Available, sb.Unavailable, sb.UnavailableZH = false, "outside opening hours ("+h.HoursText()+")", "不在取号时间内（"+h.HoursText()+"）"
			case sb.Remaining == 0:
				sb.Available, sb.Unavailable, sb.UnavailableZH = false, "all of today's numbers are taken", "今日号源已发完"
			}
			b.Services = append(b.Services, sb)
		}
		for i := range h.Windows {
			w := &h.Windows[i]
			ws := s.Window(w.ID)
			wb := WindowBoard{ID: w.ID, NameZH: w.NameZH, NameEN: w.NameEN, Status: ws.Status, Staff: ws.Staff,
				Served: ws.Served, NoShows: ws.NoShows}
			if ws.Served > 0 {
				wb.AvgServiceSeconds = int((ws.ServiceTime / time.Duration(ws.Served)).Seconds())
			}
			if t, ok := s.Tickets[ws.Current]; ok {
				wb.Current, wb.Service = t.Number, t.Service
				b.Current = append(b.Current, currentCall(s, t))
			}
			b.Windows = append(b.Windows, wb)
		}
		slices.SortFunc(b.Current, func(x, y queue.Call) int { return -x.Time.Compare(y.Time) })
		b.Devices = []DeviceBoard{}
		for _, id := range slices.Sorted(maps.Keys(s.Devices)) {
			if d := s.Devices[id]; d.Printer != "ok" {
				b.Devices = append(b.Devices, DeviceBoard{ID: id, Printer: d.Printer, Detail: d.Detail, Since: d.Since})
			}
		}
		if b.Current == nil {
			b.Current = []queue.Call{}
		}
		b.Recent = make([]queue.Call, 0, len(s.Recent))
		for i := len(s.Recent) - 1; i >= 0; i-- {
			b.Recent = append(b.Recent, s.Recent[i])
		}
	})
	return b
}

// currentCall returns the latest call of a ticket being served.
func currentCall(s *queue.State, t *queue.Ticket) queue.Call {
	for i := len(s.Recent) - 1; i >= 0; i-- {
		if s.Recent[i].Ticket == t.ID {
			return s.Recent[i]
		}
	}
	return queue.Call{Time: t.CalledAt, Ticket: t.ID, Number: t.Number, Service: t.Service, Window: t.Window}
}

func maxSeq(digits int) int {
	n := 1
	for range digits {
		n *= 10
	}
	return n - 1
}
