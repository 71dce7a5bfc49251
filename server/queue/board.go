package queue

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Board is the public snapshot of a hall: what hall screens and kiosks show.
// BoardOf computes it; the API publishes it with the hall's name and notices.
type Board struct {
	Day      string         `json:"day"`
	Time     time.Time      `json:"time"`
	Services []ServiceBoard `json:"services"`
	Windows  []WindowBoard  `json:"windows"`
	Current  []Call         `json:"current"` // the call of every ticket being served, newest first
	Recent   []Call         `json:"recent"`  // calls and recalls, newest first
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
	// Unavailable and UnavailableZH say why not, when Available is false.
	Unavailable   string `json:"unavailable,omitempty"`
	UnavailableZH string `json:"unavailable_zh,omitempty"`
}

// WindowBoard is a window as shown on boards.
type WindowBoard struct {
	ID      string `json:"id"`
	NameZH  string `json:"name_zh"`
	NameEN  string `json:"name_en"`
	Status  string `json:"status"` // open, paused or closed
	Staff   string `json:"staff,omitempty"`
	Current string `json:"current,omitempty"` // number being served
	Service string `json:"service,omitempty"` // its service
	Served  int    `json:"served"`
	NoShows int    `json:"no_shows"`
	// AvgServiceSeconds is the window's average service time today.
	AvgServiceSeconds int `json:"avg_service_seconds"`
}

// DeviceBoard is a device with a printer problem staff must see to.
type DeviceBoard struct {
	ID      string       `json:"id"`
	Printer PrinterState `json:"printer"`
	Detail  string       `json:"detail,omitempty"`
	Since   time.Time    `json:"since"`
}

// BoardOf returns the board of state s of hall h at now, whose log's head is
// seq and hash.
func BoardOf(h *Hall, s *State, now time.Time, seq uint64, hash string) Board {
	b := Board{Day: s.Day, Time: now.UTC().Truncate(time.Second), Seq: seq, Hash: hash}
	today := h.Day(now) == s.Day
	for i := range h.Services {
		svc := &h.Services[i]
		sb := ServiceBoard{ID: svc.ID, NameZH: svc.NameZH, NameEN: svc.NameEN, Prefix: svc.Prefix, RealName: svc.RealName}
		if st := s.Stats[svc.ID]; st != nil && today {
			sb.Issued = st.Issued
		}
		q := s.QueueOf(h, svc.ID, now)
		sb.Waiting, sb.ETASeconds, sb.Windows = q.Waiting, int(q.Wait.Seconds()), q.Windows
		sb.Remaining = s.Remaining(h, svc, now)
		sb.Available = true
		switch s.Availability(h, svc, now) {
		case Closed:
			sb.Available, sb.Unavailable, sb.UnavailableZH = false, "outside opening hours ("+h.HoursText()+")", "不在取号时间内（"+h.HoursText()+"）"
		case SoldOut:
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
		}
		b.Windows = append(b.Windows, wb)
	}
	b.Current = s.CurrentCalls()
	b.Devices = []DeviceBoard{}
	for _, id := range slices.Sorted(maps.Keys(s.Devices)) {
		if d := s.Devices[id]; d.Printer != PrinterOK {
			b.Devices = append(b.Devices, DeviceBoard{ID: id, Printer: d.Printer, Detail: d.Detail, Since: d.Since})
		}
	}
	b.Recent = make([]Call, 0, len(s.Recent))
	for i := len(s.Recent) - 1; i >= 0; i-- {
		b.Recent = append(b.Recent, s.Recent[i])
	}
	return b
}

// CurrentCalls returns the latest call of every ticket being served at a
// window, newest first (then by seq, then by window): what a hall board shows
// large.
func (s *State) CurrentCalls() []Call {
	calls := []Call{}
	for id, w := range s.Windows {
		t, ok := s.Tickets[w.Current]
		if w.Current == "" || !ok {
			continue
		}
		c := s.currentCall(t)
		if c.Window == "" {
			c.Window = id
		}
		calls = append(calls, c)
	}
	slices.SortFunc(calls, func(x, y Call) int {
		return cmp.Or(y.Time.Compare(x.Time), cmp.Compare(y.Seq, x.Seq), cmp.Compare(x.Window, y.Window))
	})
	return calls
}

// ServiceQueue is a service's queue as boards show it.
type ServiceQueue struct {
	Waiting int           // tickets waiting today
	Wait    time.Duration // estimated wait of a number taken now
	Windows int           // open windows serving it
}

// QueueOf returns the queue of a service at now: its waiting tickets count
// on the state's service day only.
func (s *State) QueueOf(h *Hall, service string, now time.Time) ServiceQueue {
	var q ServiceQueue
	if h.Day(now) == s.Day {
		q.Waiting = s.Waiting(service)
	}
	q.Windows = s.Serving(h, service)
	q.Wait = s.EstimateWait(h, service, q.Waiting)
	return q
}

// currentCall returns the latest call of a ticket being served.
func (s *State) currentCall(t *Ticket) Call {
	for i := len(s.Recent) - 1; i >= 0; i-- {
		if s.Recent[i].Ticket == t.ID {
			return s.Recent[i]
		}
	}
	return Call{Time: t.CalledAt, Ticket: t.ID, Number: t.Number, Service: t.Service, Window: t.Window}
}

// Availability says whether a number of a service can be taken.
type Availability int

// The availabilities of a service.
const (
	Available Availability = iota // a number can be taken
	Closed                        // outside the hall's opening hours
	SoldOut                       // all of the day's numbers are taken
)

// Availability reports whether a number of svc can be taken at now: the one
// check behind issuing (Issue, GrantLease) and the board's available.
func (s *State) Availability(h *Hall, svc *Service, now time.Time) Availability {
	switch {
	case !h.IsOpen(now):
		return Closed
	case s.Remaining(h, svc, now) == 0:
		return SoldOut
	}
	return Available
}

// Remaining is how many numbers of svc can still be issued on the service day
// of now: all of them on a day the state has not opened yet.
func (s *State) Remaining(h *Hall, svc *Service, now time.Time) int {
	used := 0
	if h.Day(now) == s.Day {
		used = s.Counters[svc.ID]
	}
	return max(svc.Limit()-used, 0)
}

// Limit is the most numbers the service issues a day: its daily cap, or as
// many as its digits allow.
func (svc *Service) Limit() int {
	if svc.DailyCap > 0 {
		return min(svc.DailyCap, MaxNumber(svc.Digits))
	}
	return MaxNumber(svc.Digits)
}

// MaxNumber is the largest sequence a number of so many digits holds (999 for 3).
func MaxNumber(digits int) int {
	n := 1
	for range digits {
		n *= 10
	}
	return n - 1
}
