// Package statstest makes public logs for the tests and benchmarks of the
// statistics, and recounts figures from a log independently of package stats:
// with its own reading of the published JSON, so that a test comparing the two
// catches a fault in either.
package statstest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"hallq/server/eventlog"
	"hallq/server/queue"
)

// Hall is the hall of generated logs: three services, six windows, in
// Asia/Shanghai.
var Hall = queue.PublicHall{
	ID: "gen", NameZH: "生成的大厅", NameEN: "Generated hall", TimeZone: "Asia/Shanghai", DayStart: "04:00",
	Services: []queue.PublicService{
		{ID: "general", NameZH: "综合业务", NameEN: "General", Prefix: "A", Digits: 3},
		{ID: "tax", NameZH: "税务", NameEN: "Tax", Prefix: "B", Digits: 3},
		{ID: "permit", NameZH: "证照", NameEN: "Permits", Prefix: "C", Digits: 3},
	},
	Windows: []queue.PublicWindow{
		{ID: "w1", NameZH: "1号窗口", NameEN: "Window 1", Primary: []string{"general"}},
		{ID: "w2", NameZH: "2号窗口", NameEN: "Window 2", Primary: []string{"general"}},
		{ID: "w3", NameZH: "3号窗口", NameEN: "Window 3", Primary: []string{"tax"}},
		{ID: "w4", NameZH: "4号窗口", NameEN: "Window 4", Primary: []string{"tax"}},
		{ID: "w5", NameZH: "5号窗口", NameEN: "Window 5", Primary: []string{"permit"}},
		{ID: "w6", NameZH: "6号窗口", NameEN: "Window 6", Primary: []string{"permit"}},
	},
}

// Log generates about n events of a busy hall from the first day of year on,
// spread over the year's days, and passes their records to fn in order. The
// same n and seed give the same log.
func Log(year, n int, seed uint64, fn func(eventlog.Record) error) error {
	loc, err := time.LoadLocation(Hall.TimeZone)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	chain, err := eventlog.NewChain(0, eventlog.GenesisHash)
	if err != nil {
		return err
	}
	emitNow := func(typ string, at time.Time, data any) error {
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		r, err := chain.Next(typ, at, b)
		if err != nil {
			return err
		}
		return fn(r)
	}
	start := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	if err := emitNow(queue.TypeHallConfigured, start.Add(-time.Hour), Hall); err != nil {
		return err
	}
	perDay := max(n/365, 20)
	events := 1
	for d := 0; events < n; d++ {
		date := start.AddDate(0, 0, d)
		day := date.Format(time.DateOnly)
		open := date.Add(8*time.Hour + 30*time.Minute)
		if err := emitNow(queue.TypeDayOpened, open.Add(-time.Hour), queue.DayOpenedData{Day: day}); err != nil {
			return err
		}
		events++
		tickets := perDay / 4
		var buf []later
		emit := func(typ string, at time.Time, data any) error {
			buf = append(buf, later{typ, at, data})
			return nil
		}
		next := map[string]int{}
		var issued, served int
		// Windows free at: one call after another per window.
		free := make([]time.Time, len(Hall.Windows))
		for i := range tickets {
			svc := rng.IntN(len(Hall.Services))
			s := Hall.Services[svc]
			next[s.ID]++
			at := open.Add(time.Duration(i) * 9 * time.Hour / time.Duration(tickets)).Add(time.Duration(rng.IntN(30000)) * time.Millisecond)
			t := queue.TicketIssuedData{Ticket: fmt.Sprintf("t%d-%d", d, i), Number: fmt.Sprintf("%s%03d", s.Prefix, next[s.ID]),
				Service: s.ID, Day: day, IssuedAt: at}
			if rng.IntN(10) == 0 {
				t.Appointment = fmt.Sprintf("b%d-%d", d, i)
			}
			if err := emit(queue.TypeTicketIssued, at, t); err != nil {
				return err
			}
			issued++
			events++
			if rng.IntN(25) == 0 {
				if err := emit(queue.TypeTicketCancelled, at.Add(time.Duration(rng.IntN(600))*time.Second),
					queue.TicketCancelledData{Ticket: t.Ticket, Number: t.Number, By: "applicant"}); err != nil {
					return err
				}
				events++
				continue
			}
			w := 2*svc + rng.IntN(2)
			call := at.Add(time.Duration(rng.IntN(1800)) * time.Second)
			if free[w].After(call) {
				call = free[w]
			}
			reason := queue.ReasonFIFO
			switch {
			case t.Appointment != "":
				reason = "appointment"
			case rng.IntN(12) == 0:
				reason = queue.ReasonPriority
			}
			win := Hall.Windows[w].ID
			if err := emit(queue.TypeTicketCalled, call, queue.TicketCalledData{Ticket: t.Ticket, Number: t.Number,
				Service: s.ID, Window: win, Reason: reason}); err != nil {
				return err
			}
			events++
			end := call.Add(time.Duration(40+rng.IntN(160)) * time.Second)
			if rng.IntN(8) == 0 {
				if err := emit(queue.TypeTicketRecalled, call.Add(20*time.Second), queue.TicketRecalledData{Ticket: t.Ticket,
					Number: t.Number, Window: win, Reason: queue.ReasonRecall}); err != nil {
					return err
				}
				events++
			}
			done := queue.TicketDoneData{Ticket: t.Ticket, Number: t.Number, Window: win}
			if rng.IntN(15) == 0 {
				end = call.Add(2 * time.Minute)
				if err := emit(queue.TypeTicketNoShow, end, done); err != nil {
					return err
				}
			} else {
				if err := emit(queue.TypeTicketCompleted, end, done); err != nil {
					return err
				}
				served++
				// A third of the served rate the service; a bad rating opens
				// a case, most of them closed within the day.
				if rng.IntN(3) == 0 {
					level := queue.RatingLevels[min(rng.IntN(8), 4)]
					rated := end.Add(time.Duration(10+rng.IntN(600)) * time.Second)
					if err := emit(queue.TypeRatingSubmitted, rated, queue.RatingData{Ticket: t.Ticket, Number: t.Number,
						Service: s.ID, Window: win, Level: level, Via: queue.RatedOnline}); err != nil {
						return err
					}
					events++
					if queue.BadRating(level) {
						if err := emit(queue.TypeCaseOpened, rated, queue.CaseOpenedData{Case: t.Ticket, Ticket: t.Ticket,
							Service: s.ID, Window: win, Level: level, Due: day}); err != nil {
							return err
						}
						events++
						if rng.IntN(5) > 0 {
							if err := emit(queue.TypeCaseClosed, rated.Add(time.Hour), queue.CaseClosedData{Case: t.Ticket,
								OnTime: rng.IntN(4) > 0}); err != nil {
								return err
							}
							events++
						}
					}
				}
			}
			free[w] = end
			events++
		}
		// A complaint most days, most answered the same day.
		if rng.IntN(3) > 0 {
			id := fmt.Sprintf("q%d", d)
			filed := open.Add(time.Duration(rng.IntN(8*3600)) * time.Second)
			emit(queue.TypeComplaintFiled, filed, queue.ComplaintFiledData{Complaint: id, About: queue.AboutWindow,
				Target: Hall.Windows[rng.IntN(len(Hall.Windows))].ID})
			events++
			if rng.IntN(4) > 0 {
				emit(queue.TypeComplaintAnswered, filed.Add(time.Duration(600+rng.IntN(6*3600))*time.Second),
					queue.ComplaintAnsweredData{Complaint: id})
				events++
			}
		}
		slices.SortStableFunc(buf, func(a, b later) int { return a.at.Compare(b.at) })
		for _, e := range buf {
			if err := emitNow(e.typ, e.at, e.data); err != nil {
				return err
			}
		}
		seal := open.Add(16 * time.Hour)
		if err := emitNow(queue.TypeDaySealed, seal, queue.DaySealedData{Day: day, Issued: issued, Served: served}); err != nil {
			return err
		}
		events++
	}
	return nil
}

// later is an event of a day, emitted once the day's events are in time order.
type later struct {
	typ  string
	at   time.Time
	data any
}
