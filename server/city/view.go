package city

import (
	"cmp"
	"slices"
	"time"

	"hallq/server/queue"
)

// City is the portal's page data: every hall followed and the city's totals.
// It is the body of GET /api/v1/city.
type City struct {
	Time   time.Time `json:"time"`
	Totals Totals    `json:"totals"`
	Halls  []Hall    `json:"halls"`
}

// Totals are the city-wide sums over the halls not flagged.
type Totals struct {
	Halls        int `json:"halls"`
	Flagged      int `json:"flagged"`
	OpenServices int `json:"open_services"` // services where a number can be taken now
	Waiting      int `json:"waiting"`
	IssuedToday  int `json:"issued_today"`
	Serving      int `json:"serving"` // tickets being served at a window
	PlacesLeft   int `json:"places_left"`
}

// Hall is one hall as the portal shows it.
type Hall struct {
	ID        string `json:"id"`
	NameZH    string `json:"name_zh"`
	NameEN    string `json:"name_en"`
	PublicURL string `json:"public_url,omitempty"` // the hall's own pages
	Seq       uint64 `json:"seq"`                  // last event verified
	Hash      string `json:"hash"`
	// LastEvent is the time of the last event; a hall whose link is down
	// shows the state of then.
	LastEvent time.Time `json:"last_event"`
	// Flagged is set when the hall's log failed verification: Flags say where.
	Flagged bool   `json:"flagged"`
	Flags   []Flag `json:"flags,omitempty"`
	// Unverifiable says why the log could not be checked at all.
	Unverifiable string `json:"unverifiable,omitempty"`
	// RuleFindings are acts the published rules do not explain (see the hall's /audit).
	RuleFindings int `json:"rule_findings"`
	// SignedSeq is the last event covered by a verified signed checkpoint.
	SignedSeq  uint64       `json:"signed_seq"`
	Day        string       `json:"day"`
	Waiting    int          `json:"waiting"`
	PlacesLeft int          `json:"places_left"`
	Services   []Service    `json:"services"`
	Current    []queue.Call `json:"current"`
}

// Service is a hall's service as the portal shows it.
type Service struct {
	queue.ServiceBoard
	// PlacesLeft are the free places of the released appointment slots not
	// yet started; Appointments says whether the service takes bookings.
	Appointments bool `json:"appointments"`
	PlacesLeft   int  `json:"places_left"`
}

// City returns the page data now.
func (p *Portal) City() City {
	now := p.opt.Now()
	c := City{Time: now.UTC().Truncate(time.Second), Halls: []Hall{}}
	for _, f := range p.followers() {
		h := f.view(now)
		c.Totals.Halls++
		if h.Flagged || h.Unverifiable != "" {
			c.Totals.Flagged++
		} else {
			c.Totals.Waiting += h.Waiting
			c.Totals.PlacesLeft += h.PlacesLeft
			c.Totals.Serving += len(h.Current)
			for _, s := range h.Services {
				c.Totals.IssuedToday += s.Issued
				if s.Available {
					c.Totals.OpenServices++
				}
			}
		}
		c.Halls = append(c.Halls, h)
	}
	// Flagged halls first, so that nobody misses them; then by ID.
	slices.SortFunc(c.Halls, func(a, b Hall) int {
		return cmp.Or(-cmp.Compare(btoi(a.Flagged || a.Unverifiable != ""), btoi(b.Flagged || b.Unverifiable != "")), cmp.Compare(a.ID, b.ID))
	})
	return c
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// view computes the hall's page data at now from its verified state.
func (f *follower) view(now time.Time) Hall {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := Hall{ID: f.hall, PublicURL: f.publicURL, Seq: f.seq, Hash: f.hash, LastEvent: f.last,
		Flagged: len(f.flags) > 0, Flags: slices.Clone(f.flags), RuleFindings: f.rules, SignedSeq: f.signed,
		Services: []Service{}, Current: []queue.Call{}}
	if f.unverifiable != nil {
		h.Unverifiable = f.unverifiable.Error()
	}
	qh, st := f.aud.State()
	if qh == nil {
		return h
	}
	h.NameZH, h.NameEN, h.Day = qh.NameZH, qh.NameEN, st.Day
	b := queue.BoardOf(qh, st, now, f.seq, f.hash)
	places := map[string]int{}
	for _, sl := range st.Slots {
		if now.Before(sl.Start) {
			places[sl.Service] += sl.Remaining()
		}
	}
	for _, sb := range b.Services {
		s := Service{ServiceBoard: sb, PlacesLeft: places[sb.ID]}
		if svc, ok := qh.Service(sb.ID); ok && svc.Appointments != nil {
			s.Appointments = true
		}
		h.Services = append(h.Services, s)
		h.Waiting += sb.Waiting
		h.PlacesLeft += s.PlacesLeft
	}
	h.Current = b.Current
	return h
}
