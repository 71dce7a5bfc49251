package stats

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Period is a day (YYYY-MM-DD), a month (YYYY-MM) or a year (YYYY).
type Period string

// ParsePeriod checks a period's form.
func ParsePeriod(p string) (Period, error) {
	for _, layout := range []string{"2006", "2006-01", time.DateOnly} {
		if len(p) == len(layout) {
			if _, err := time.Parse(layout, p); err == nil {
				return Period(p), nil
			}
		}
	}
	return "", fmt.Errorf("stats: period %q: want YYYY, YYYY-MM or YYYY-MM-DD", p)
}

// Kind returns "year", "month" or "day".
func (p Period) Kind() string {
	switch len(p) {
	case 4:
		return "year"
	case 7:
		return "month"
	}
	return "day"
}

// contains reports whether the service day date is in the period.
func (p Period) contains(date string) bool { return strings.HasPrefix(date, string(p)) }

// Dist summarises durations in seconds: how many, the nearest-rank 50th and
// 90th percentiles and the largest.
type Dist struct {
	N             int
	P50, P90, Max int
}

// Row is the figures of one row of a table: the whole period, a service, a
// window, an hour of the day or a day.
type Row struct {
	Key string // service or window ID, hour "09", date; empty for the total
	Counts
	Wait    Dist
	Service Dist
}

// Report is the figures of a period.
type Report struct {
	Period Period
	Seq    uint64 // the last event folded
	Total  Row
	// Services and Windows are in ID order; Hours has the 24 hours of the
	// day; Days the service days of the period that have figures.
	Services []Row
	Windows  []Row
	Hours    []Row
	Days     []Row
	// Busiest are the hours with the most tickets issued, most first (at
	// most three, only hours with tickets).
	Busiest []int
	// Bookings made, cancelled and missed in the period.
	Booked, BookingsCancelled, Missed int
	// Feedback are the period's follow-up cases and complaints.
	Feedback Feedback
}

// group gathers the cells of a row before its durations are summarised.
type group struct {
	counts      Counts
	wait, serv  [][]uint32
	maxW, maxS  uint32
	nWait, nSrv int
}

func (g *group) add(c *cell) {
	g.counts.add(&c.Counts)
	if len(c.wait) > 0 {
		g.wait = append(g.wait, c.wait)
		g.nWait += len(c.wait)
		g.maxW = max(g.maxW, c.maxWait)
	}
	if len(c.service) > 0 {
		g.serv = append(g.serv, c.service)
		g.nSrv += len(c.service)
		g.maxS = max(g.maxS, c.maxService)
	}
}

func (g *group) row(key string, scratch *[]uint32) Row {
	return Row{Key: key, Counts: g.counts,
		Wait:    dist(g.wait, g.nWait, g.maxW, scratch),
		Service: dist(g.serv, g.nSrv, g.maxS, scratch)}
}

// dist summarises the values of parts: n values, the largest max. Below a
// day's worth of seconds it counts them (linear time), else it sorts.
func dist(parts [][]uint32, n int, mx uint32, scratch *[]uint32) Dist {
	if n == 0 {
		return Dist{}
	}
	r50, r90 := rank(50, n), rank(90, n)
	d := Dist{N: n, Max: int(mx)}
	// Counting costs the range of the values, sorting n·log n: few values
	// spread wide are sorted.
	if mx <= 2*86400 && n*16 >= int(mx) {
		counts := *scratch
		if cap(counts) < int(mx)+1 {
			counts = make([]uint32, int(mx)+1)
		}
		counts = counts[:int(mx)+1]
		clear(counts)
		for _, p := range parts {
			for _, v := range p {
				counts[v]++
			}
		}
		seen := 0
		got50 := false
		for v, c := range counts {
			seen += int(c)
			if !got50 && seen >= r50 {
				d.P50, got50 = v, true
			}
			if seen >= r90 {
				d.P90 = v
				break
			}
		}
		*scratch = counts
		return d
	}
	all := make([]uint32, 0, n)
	for _, p := range parts {
		all = append(all, p...)
	}
	slices.Sort(all)
	d.P50, d.P90 = int(all[r50-1]), int(all[r90-1])
	return d
}

// rank returns the nearest rank of the p-th percentile of n values: ceil(p·n/100).
func rank(p, n int) int { return (p*n + 99) / 100 }

// Report returns the figures of a period.
func (s *Stats) Report(p Period) *Report {
	rep := &Report{Period: p, Seq: s.last}
	var total group
	services, windows := map[string]*group{}, map[string]*group{}
	var hours [24]group
	var scratch []uint32
	var answerTimes [][]uint32
	var nAnswers int
	var maxAnswer uint32
	lo, _ := slices.BinarySearch(s.dates, string(p))
	for _, date := range s.dates[lo:] {
		if !p.contains(date) {
			break
		}
		d := s.days[date]
		if d.rowVer != d.ver || d.row.Key == "" {
			var g group
			g.add(&d.all)
			d.row, d.rowVer = g.row(date, &scratch), d.ver
		}
		total.add(&d.all)
		rep.Days = append(rep.Days, d.row)
		for id, c := range d.services {
			gg := services[id]
			if gg == nil {
				gg = &group{}
				services[id] = gg
			}
			gg.add(c)
		}
		for id, c := range d.windows {
			gg := windows[id]
			if gg == nil {
				gg = &group{}
				windows[id] = gg
			}
			gg.add(c)
		}
		for h := range d.hours {
			hours[h].add(&d.hours[h])
		}
		rep.Booked += d.booked
		rep.BookingsCancelled += d.bookingCancelled
		rep.Missed += d.missed
		rep.Feedback.add(d, &answerTimes, &nAnswers, &maxAnswer)
	}
	rep.Feedback.AnswerTime = dist(answerTimes, nAnswers, maxAnswer, &scratch)
	rep.Total = total.row("", &scratch)
	for _, id := range slices.Sorted(maps.Keys(services)) {
		rep.Services = append(rep.Services, services[id].row(id, &scratch))
	}
	for _, id := range slices.Sorted(maps.Keys(windows)) {
		rep.Windows = append(rep.Windows, windows[id].row(id, &scratch))
	}
	for h := range hours {
		rep.Hours = append(rep.Hours, hours[h].row(fmt.Sprintf("%02d", h), &scratch))
	}
	byIssued := slices.Clone(rep.Hours)
	slices.SortStableFunc(byIssued, func(a, b Row) int { return b.Issued - a.Issued })
	for _, r := range byIssued[:3] {
		if r.Issued > 0 {
			h := int(r.Key[0]-'0')*10 + int(r.Key[1]-'0')
			rep.Busiest = append(rep.Busiest, h)
		}
	}
	return rep
}

// Periods returns the years and months that have figures, newest first.
func (s *Stats) Periods() (years, months []Period) {
	for i := len(s.dates) - 1; i >= 0; i-- {
		y, m := Period(s.dates[i][:4]), Period(s.dates[i][:7])
		if len(years) == 0 || years[len(years)-1] != y {
			years = append(years, y)
		}
		if len(months) == 0 || months[len(months)-1] != m {
			months = append(months, m)
		}
	}
	return years, months
}
