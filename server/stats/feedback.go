package stats

import (
	"slices"
	"time"

	"hallq/server/queue"
)

// filed is an unanswered complaint: the day it was filed and when.
type filed struct {
	date string
	at   time.Time
}

// ticketDay returns the service day of a ticket ID ("20261122-A001"), or ""
// for an ID of another form.
func ticketDay(id string) string {
	if len(id) < 9 || id[8] != '-' {
		return ""
	}
	d := id[:4] + "-" + id[4:6] + "-" + id[6:8]
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return ""
	}
	return d
}

// applyFeedback folds ratings, follow-up cases and complaints. A rating
// counts on its ticket's service day; a case on the day it opened; a
// complaint on the day it was filed (local date), its answer with it.
func (s *Stats) applyFeedback(ev queue.Event) {
	local := ev.Time.In(s.loc).Format(time.DateOnly)
	switch d := ev.Data.(type) {
	case *queue.RatingData:
		level := slices.Index(queue.RatingLevels, d.Level)
		if level < 0 {
			return
		}
		date := ticketDay(d.Ticket)
		if date == "" {
			date = local
		}
		dy := s.day(date)
		for _, c := range []*cell{&dy.all, dy.service(d.Service), dy.window(d.Window), &dy.hours[ev.Time.In(s.loc).Hour()]} {
			if c != nil {
				c.Ratings[level]++
			}
		}
	case *queue.CaseOpenedData:
		s.cases[d.Case] = local
		s.day(local).casesOpened++
	case *queue.CaseClosedData:
		date, ok := s.cases[d.Case]
		if !ok {
			return
		}
		delete(s.cases, d.Case)
		dy := s.day(date)
		dy.casesClosed++
		if d.OnTime {
			dy.casesOnTime++
		}
	case *queue.ComplaintFiledData:
		s.complaints[d.Complaint] = filed{date: local, at: ev.Time}
		s.day(local).complaints++
	case *queue.ComplaintAnsweredData:
		f, ok := s.complaints[d.Complaint]
		if !ok {
			return
		}
		delete(s.complaints, d.Complaint)
		dy := s.day(f.date)
		dy.answered++
		dy.answerTimes = append(dy.answerTimes, seconds(f.at, ev.Time))
	}
}

// Feedback are the follow-up and complaint figures of a period: cases opened
// in it, how many of those closed and closed on time; complaints filed in it,
// how many of those were answered and the time to answer (seconds).
type Feedback struct {
	CasesOpened, CasesClosed, CasesOnTime int
	Complaints, Answered                  int
	AnswerTime                            Dist
}

// OnTimeRate is the share of the period's cases closed on time, in percent
// (-1 when no case opened).
func (f Feedback) OnTimeRate() float64 {
	if f.CasesOpened == 0 {
		return -1
	}
	return 100 * float64(f.CasesOnTime) / float64(f.CasesOpened)
}

// Satisfaction is the share of ratings of the three good levels (非常满意,
// 满意, 基本满意) among all ratings, in percent; -1 without ratings.
func (c Counts) Satisfaction() float64 {
	n := 0
	for _, v := range c.Ratings {
		n += v
	}
	if n == 0 {
		return -1
	}
	return 100 * float64(c.Ratings[0]+c.Ratings[1]+c.Ratings[2]) / float64(n)
}

// RatingsTotal is how many ratings the cell has.
func (c Counts) RatingsTotal() int {
	n := 0
	for _, v := range c.Ratings {
		n += v
	}
	return n
}

// add adds a day's follow-up and complaint figures to f.
func (f *Feedback) add(d *day, times *[][]uint32, n *int, mx *uint32) {
	f.CasesOpened += d.casesOpened
	f.CasesClosed += d.casesClosed
	f.CasesOnTime += d.casesOnTime
	f.Complaints += d.complaints
	f.Answered += d.answered
	if len(d.answerTimes) > 0 {
		*times = append(*times, d.answerTimes)
		*n += len(d.answerTimes)
		for _, t := range d.answerTimes {
			*mx = max(*mx, t)
		}
	}
}
