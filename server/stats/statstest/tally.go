package statstest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// Figures are the figures of a period's total, one service or one window, as
// Tally counts them.
type Figures struct {
	Issued, Appointments, Called, Served, NoShows, Cancelled int
	WaitP50, WaitP90, WaitMax, ServiceP50, ServiceP90        int // seconds
	Calls                                                    map[string]int
	// Ratings counts ratings by level name ("satisfied" …).
	Ratings         map[string]int
	waits, services []int
}

// Tally recounts, from a public log in JSON Lines (/log.jsonl), the figures of
// the service days whose date starts with period ("2026", "2026-11",
// "2026-11-22"): the total under "", each service under "service:ID" and each
// window under "window:ID". It follows the definitions README gives, with
// nothing of package stats.
func Tally(log io.Reader, period string) (map[string]*Figures, error) {
	type rec struct {
		Seq  int             `json:"seq"`
		Time string          `json:"time"`
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	type tk struct {
		day, service, window string
		issued, called       time.Time
		waited               bool
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	tickets := map[string]*tk{}
	out := map[string]*Figures{}
	fig := func(key string) *Figures {
		f := out[key]
		if f == nil {
			f = &Figures{Calls: map[string]int{}, Ratings: map[string]int{}}
			out[key] = f
		}
		return f
	}
	figs := func(service, window string) []*Figures {
		l := []*Figures{fig("")}
		if service != "" {
			l = append(l, fig("service:"+service))
		}
		if window != "" {
			l = append(l, fig("window:"+window))
		}
		return l
	}
	sc := bufio.NewScanner(log)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r rec
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("statstest: %w", err)
		}
		at, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil {
			return nil, err
		}
		var d struct {
			Ticket, Service, Window, Day, Reason, Appointment, To, TimeZone, Level string
			IssuedAt                                                               time.Time `json:"issued_at"`
			TZ                                                                     string    `json:"time_zone"`
		}
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return nil, err
		}
		if r.Type == "hall.configured" && d.TZ != "" {
			if l, err := time.LoadLocation(d.TZ); err == nil {
				loc = l
			}
			continue
		}
		if r.Type == "rating.submitted" {
			// A rating counts on its ticket's day, the ID's first 8 digits
			// ("20261122-A001"), or else on the local date of the rating.
			day := at.In(loc).Format(time.DateOnly)
			if id := d.Ticket; len(id) > 9 && id[8] == '-' {
				if t, err := time.Parse("20060102", id[:8]); err == nil {
					day = t.Format(time.DateOnly)
				}
			}
			if strings.HasPrefix(day, period) {
				for _, f := range figs(d.Service, d.Window) {
					f.Ratings[d.Level]++
				}
			}
			continue
		}
		if !strings.HasPrefix(r.Type, "ticket.") {
			continue
		}
		t := tickets[d.Ticket]
		if t == nil {
			t = &tk{day: at.In(loc).Format(time.DateOnly)}
			tickets[d.Ticket] = t
		}
		in := strings.HasPrefix(t.day, period)
		switch r.Type {
		case "ticket.issued":
			t.day, t.service, t.issued = d.Day, d.Service, d.IssuedAt
			if !strings.HasPrefix(t.day, period) {
				continue
			}
			for _, f := range figs(d.Service, "") {
				f.Issued++
				if d.Appointment != "" {
					f.Appointments++
				}
			}
		case "ticket.called":
			t.service, t.window, t.called = d.Service, d.Window, at
			if !in {
				continue
			}
			for _, f := range figs(d.Service, d.Window) {
				f.Called++
				f.Calls[d.Reason]++
				if !t.waited && !t.issued.IsZero() {
					f.waits = append(f.waits, int(math.Max(0, math.Floor(at.Sub(t.issued).Seconds()))))
				}
			}
			t.waited = true
		case "ticket.recalled":
			if in {
				for _, f := range figs(t.service, d.Window) {
					f.Calls["recall"]++
				}
			}
		case "ticket.no_show":
			if in {
				for _, f := range figs(t.service, d.Window) {
					f.NoShows++
				}
			}
		case "ticket.completed":
			if in {
				for _, f := range figs(t.service, d.Window) {
					f.Served++
					if !t.called.IsZero() {
						f.services = append(f.services, int(math.Max(0, math.Floor(at.Sub(t.called).Seconds()))))
					}
				}
			}
		case "ticket.cancelled":
			if in {
				for _, f := range figs(t.service, d.Window) {
					f.Cancelled++
				}
			}
		case "ticket.transferred":
			t.service = d.To
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	pct := func(v []int, p float64) int {
		if len(v) == 0 {
			return 0
		}
		return v[int(math.Ceil(p/100*float64(len(v))))-1]
	}
	for _, f := range out {
		sort.Ints(f.waits)
		sort.Ints(f.services)
		f.WaitP50, f.WaitP90 = pct(f.waits, 50), pct(f.waits, 90)
		if len(f.waits) > 0 {
			f.WaitMax = f.waits[len(f.waits)-1]
		}
		f.ServiceP50, f.ServiceP90 = pct(f.services, 50), pct(f.services, 90)
	}
	return out, nil
}
