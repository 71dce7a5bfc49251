package stats

import (
	"fmt"
	"slices"
	"time"

	"hallq/server/eventlog"
	"hallq/server/queue"
)

// Reasons are the call reasons that Counts keeps apart, in the order tables
// show them; any other reason counts as "other".
var Reasons = []string{queue.ReasonFIFO, queue.ReasonPriority, "appointment", queue.ReasonTransfer,
	queue.ReasonRecall, queue.ReasonManual, "other"}

func reasonIndex(r string) int {
	if i := slices.Index(Reasons, r); i >= 0 {
		return i
	}
	return len(Reasons) - 1
}

// Counts are the event counts of a cell: a day, a service, a window or an hour.
type Counts struct {
	Issued       int
	Appointments int // tickets issued from a booking (checked in)
	Called       int
	Served       int
	NoShows      int
	Cancelled    int
	Reinstated   int
	Transferred  int
	Calls        [7]int // by Reasons, recalls included
	// Ratings counts the ratings (好差评) of the cell's served tickets by
	// level, in the order of queue.RatingLevels (best first).
	Ratings [5]int
}

func (c *Counts) add(o *Counts) {
	c.Issued += o.Issued
	c.Appointments += o.Appointments
	c.Called += o.Called
	c.Served += o.Served
	c.NoShows += o.NoShows
	c.Cancelled += o.Cancelled
	c.Reinstated += o.Reinstated
	c.Transferred += o.Transferred
	for i := range c.Calls {
		c.Calls[i] += o.Calls[i]
	}
	for i := range c.Ratings {
		c.Ratings[i] += o.Ratings[i]
	}
}

// cell is the counts of a day's cell and the durations behind its times.
type cell struct {
	Counts
	wait, service []uint32 // seconds
	maxWait       uint32
	maxService    uint32
}

func (c *cell) addWait(s uint32) {
	c.wait = append(c.wait, s)
	c.maxWait = max(c.maxWait, s)
}

func (c *cell) addService(s uint32) {
	c.service = append(c.service, s)
	c.maxService = max(c.maxService, s)
}

// day is the statistics of one service day.
type day struct {
	date     string
	all      cell
	services map[string]*cell
	windows  map[string]*cell
	hours    [24]cell
	// Bookings made and missed on the day (by the local date of the event).
	booked, bookingCancelled, missed int
	// Follow-up cases opened on the day, and how many of those closed and
	// closed on time; complaints filed on the day, how many of those were
	// answered and after how long (seconds).
	casesOpened, casesClosed, casesOnTime int
	complaints, answered                  int
	answerTimes                           []uint32
	// ver is the seq of the last event folded into the day; row is the day's
	// total as Report last summarised it, at rowVer.
	ver, rowVer uint64
	row         Row
}

func (d *day) service(id string) *cell {
	if id == "" {
		return nil
	}
	c, ok := d.services[id]
	if !ok {
		c = &cell{}
		d.services[id] = c
	}
	return c
}

func (d *day) window(id string) *cell {
	if id == "" {
		return nil
	}
	c, ok := d.windows[id]
	if !ok {
		c = &cell{}
		d.windows[id] = c
	}
	return c
}

// ticket is what the fold remembers of a ticket until its day is sealed.
type ticket struct {
	day      string
	service  string // the service it was last issued, called or transferred to
	window   string // the window of its last call
	issuedAt time.Time
	calledAt time.Time // last call
	waited   bool      // its first call has been counted
}

// Stats is the fold of a hall's public log. The zero value is not usable;
// create one with New.
type Stats struct {
	loc     *time.Location
	hall    *queue.PublicHall
	days    map[string]*day
	dates   []string // sorted
	tickets map[string]*ticket
	// applied are the lottery applications not yet drawn: withdrawing one
	// is not a cancelled booking, and a drawn one becomes a booking.
	applied map[string]string // application → slot
	// cases maps an open case to the service day it opened; complaints an
	// unanswered complaint to its filing's day and time.
	cases      map[string]string
	complaints map[string]filed
	last       uint64
	events     int
	cur        uint64 // the seq of the event being folded
}

// New returns the statistics of an empty log.
func New() *Stats {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	return &Stats{loc: loc, days: map[string]*day{}, tickets: map[string]*ticket{}, applied: map[string]string{},
		cases: map[string]string{}, complaints: map[string]filed{}}
}

// Last returns the sequence number of the last event folded.
func (s *Stats) Last() uint64 { return s.last }

// Hall returns the public description of the hall of the last
// hall.configured event, nil before any.
func (s *Stats) Hall() *queue.PublicHall { return s.hall }

// Location returns the hall's time zone.
func (s *Stats) Location() *time.Location { return s.loc }

// Dates returns the service days that have figures, in order.
func (s *Stats) Dates() []string { return slices.Clone(s.dates) }

// folded are the event types that change the figures; others are skipped
// without being decoded.
var folded = map[string]bool{
	queue.TypeTicketIssued: true, queue.TypeTicketCalled: true, queue.TypeTicketRecalled: true,
	queue.TypeTicketNoShow: true, queue.TypeTicketReinstated: true, queue.TypeTicketCompleted: true,
	queue.TypeTicketTransferred: true, queue.TypeTicketCancelled: true, queue.TypeDaySealed: true,
	queue.TypeHallConfigured: true, queue.TypeApptBooked: true, queue.TypeApptCancelled: true,
	queue.TypeApptMissed: true, queue.TypeApptApplied: true, queue.TypeApptDrawn: true,
	queue.TypeRatingSubmitted: true, queue.TypeCaseOpened: true, queue.TypeCaseClosed: true,
	queue.TypeComplaintFiled: true, queue.TypeComplaintAnswered: true,
}

// Add folds the next event of the log. Events must come in order without
// gaps; one already folded is ignored.
func (s *Stats) Add(r eventlog.Record) error {
	if r.Seq <= s.last {
		return nil
	}
	if r.Seq != s.last+1 {
		return fmt.Errorf("stats: event %d follows %d: a gap in the log", r.Seq, s.last)
	}
	if folded[r.Type] {
		ev, err := queue.DecodeEvent(r.Seq, r.Time, r.Type, r.Data)
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		s.cur = r.Seq
		s.apply(ev)
	}
	s.last = r.Seq
	s.events++
	return nil
}

func (s *Stats) day(date string) *day {
	d, ok := s.days[date]
	if !ok {
		d = &day{date: date, services: map[string]*cell{}, windows: map[string]*cell{}}
		s.days[date] = d
		i, _ := slices.BinarySearch(s.dates, date)
		s.dates = slices.Insert(s.dates, i, date)
	}
	d.ver = s.cur
	return d
}

// seconds returns the whole seconds from a to b, 0 when b is before a.
func seconds(a, b time.Time) uint32 {
	if !b.After(a) {
		return 0
	}
	return uint32(min(b.Sub(a)/time.Second, 1<<31))
}

// of returns the ticket's record, or one for a ticket issued before the log's
// first event, on the local date of t.
func (s *Stats) of(id string, t time.Time) *ticket {
	if tk, ok := s.tickets[id]; ok {
		return tk
	}
	tk := &ticket{day: t.In(s.loc).Format(time.DateOnly)}
	s.tickets[id] = tk
	return tk
}

func (s *Stats) apply(ev queue.Event) {
	hour := ev.Time.In(s.loc).Hour()
	switch d := ev.Data.(type) {
	case *queue.PublicHall:
		s.hall = d
		if loc, err := time.LoadLocation(d.TimeZone); err == nil && d.TimeZone != "" {
			s.loc = loc
		}
	case *queue.TicketIssuedData:
		at := d.IssuedAt
		if at.IsZero() {
			at = ev.Time
		}
		date := d.Day
		if date == "" {
			date = at.In(s.loc).Format(time.DateOnly)
		}
		s.tickets[d.Ticket] = &ticket{day: date, service: d.Service, issuedAt: at}
		dy := s.day(date)
		h := at.In(s.loc).Hour()
		for _, c := range []*cell{&dy.all, dy.service(d.Service), &dy.hours[h]} {
			if c != nil {
				c.Issued++
				if d.Appointment != "" {
					c.Appointments++
				}
			}
		}
	case *queue.TicketCalledData:
		tk := s.of(d.Ticket, ev.Time)
		tk.service, tk.window, tk.calledAt = d.Service, d.Window, ev.Time
		dy := s.day(tk.day)
		r := reasonIndex(d.Reason)
		for _, c := range []*cell{&dy.all, dy.service(d.Service), dy.window(d.Window), &dy.hours[hour]} {
			if c != nil {
				c.Called++
				c.Calls[r]++
			}
		}
		if !tk.waited && !tk.issuedAt.IsZero() {
			tk.waited = true
			w := seconds(tk.issuedAt, ev.Time)
			for _, c := range []*cell{&dy.all, dy.service(d.Service), dy.window(d.Window), &dy.hours[tk.issuedAt.In(s.loc).Hour()]} {
				if c != nil {
					c.addWait(w)
				}
			}
		}
	case *queue.TicketRecalledData:
		tk := s.of(d.Ticket, ev.Time)
		dy := s.day(tk.day)
		r := reasonIndex(queue.ReasonRecall)
		for _, c := range []*cell{&dy.all, dy.service(tk.service), dy.window(d.Window), &dy.hours[hour]} {
			if c != nil {
				c.Calls[r]++
			}
		}
	case *queue.TicketDoneData:
		tk := s.of(d.Ticket, ev.Time)
		dy := s.day(tk.day)
		cells := []*cell{&dy.all, dy.service(tk.service), dy.window(d.Window), &dy.hours[hour]}
		if ev.Type == queue.TypeTicketNoShow {
			for _, c := range cells {
				if c != nil {
					c.NoShows++
				}
			}
			return
		}
		var st uint32
		timed := !tk.calledAt.IsZero()
		if timed {
			st = seconds(tk.calledAt, ev.Time)
		}
		for _, c := range cells {
			if c != nil {
				c.Served++
				if timed {
					c.addService(st)
				}
			}
		}
		delete(s.tickets, d.Ticket)
	case *queue.TicketReinstatedData:
		tk := s.of(d.Ticket, ev.Time)
		dy := s.day(tk.day)
		for _, c := range []*cell{&dy.all, dy.service(tk.service), dy.window(d.Window), &dy.hours[hour]} {
			if c != nil {
				c.Reinstated++
			}
		}
	case *queue.TicketTransferredData:
		tk := s.of(d.Ticket, ev.Time)
		dy := s.day(tk.day)
		for _, c := range []*cell{&dy.all, dy.service(d.From), dy.window(d.Window), &dy.hours[hour]} {
			if c != nil {
				c.Transferred++
			}
		}
		tk.service = d.To
	case *queue.TicketCancelledData:
		tk := s.of(d.Ticket, ev.Time)
		dy := s.day(tk.day)
		for _, c := range []*cell{&dy.all, dy.service(tk.service), dy.window(d.Window), &dy.hours[hour]} {
			if c != nil {
				c.Cancelled++
			}
		}
		delete(s.tickets, d.Ticket)
	case *queue.DaySealedData:
		for id, tk := range s.tickets {
			if tk.day <= d.Day {
				delete(s.tickets, id)
			}
		}
	case *queue.ApptBookedData:
		s.day(ev.Time.In(s.loc).Format(time.DateOnly)).booked++
	case *queue.ApptAppliedData:
		s.applied[d.Booking] = d.Slot
	case *queue.ApptDrawnData:
		// The winners are booked when the draw is written; the others were
		// never booked.
		drawn := map[string]bool{}
		for _, sl := range d.Slots {
			s.day(ev.Time.In(s.loc).Format(time.DateOnly)).booked += len(sl.Winners)
			drawn[sl.Slot] = true
		}
		for id, slot := range s.applied {
			if drawn[slot] {
				delete(s.applied, id)
			}
		}
	case *queue.ApptCancelledData:
		if _, ok := s.applied[d.Booking]; ok {
			delete(s.applied, d.Booking)
			break
		}
		s.day(ev.Time.In(s.loc).Format(time.DateOnly)).bookingCancelled++
	case *queue.ApptMissedData:
		s.day(ev.Time.In(s.loc).Format(time.DateOnly)).missed++
	default:
		s.applyFeedback(ev)
	}
}
