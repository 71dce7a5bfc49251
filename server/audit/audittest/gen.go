// Package audittest generates public logs of busy hall days, made by the same
// queue commands the server runs, for the tests and benchmarks of verifiers.
package audittest

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"hallq/server/audit"
	"hallq/server/eventlog"
	"hallq/server/queue"
)

// Hall returns the generated hall's public description, publishing key's
// public half.
func Hall(key ed25519.PrivateKey) *queue.PublicHall {
	h := &queue.Hall{
		ID: "gen", NameZH: "测试大厅", NameEN: "Generated hall", Location: time.UTC, DayStart: 4 * time.Hour,
		Services: []queue.Service{
			{ID: "general", NameZH: "综合", NameEN: "General", Prefix: "A", Digits: 4},
			{ID: "tax", NameZH: "税务", NameEN: "Tax", Prefix: "B", Digits: 4},
			{ID: "social", NameZH: "社保", NameEN: "Social", Prefix: "C", Digits: 4},
		},
		Windows: []queue.Window{
			{ID: "1", NameZH: "1号", NameEN: "1", Primary: []string{"general"}, Secondary: []string{"tax"}},
			{ID: "2", NameZH: "2号", NameEN: "2", Primary: []string{"tax"}},
			{ID: "3", NameZH: "3号", NameEN: "3", Primary: []string{"social"}, Secondary: []string{"general"}},
			{ID: "4", NameZH: "4号", NameEN: "4", Primary: []string{"general", "social"}},
		},
		PriorityClasses: []queue.PriorityClass{{ID: "elderly", NameZH: "老年人", NameEN: "Elderly"}},
		ManualReasons: []queue.Reason{{Code: "supervisor", NameZH: "值班长批准", NameEN: "Supervisor's approval"},
			{Code: "accessibility", NameZH: "无障碍", NameEN: "Accessibility"}},
	}
	if err := h.Validate(); err != nil {
		panic(err)
	}
	p := h.Public()
	if key != nil {
		p.CheckpointKey = audit.SignCheckpoint(key, "", 0, "", "", "").Key
	}
	return &p
}

// Key returns a fixed signing key, so that generated logs are reproducible.
func Key(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	return ed25519.NewKeyFromSeed(s)
}

// Options shape a generated log.
type Options struct {
	Events     int    // about how many events (at least)
	Seed       uint64 // of the random choices
	Checkpoint int    // a checkpoint every this many events; 0 for none
	Key        ed25519.PrivateKey
	Start      time.Time // the first day's opening; zero for 2026-03-02 08:00 UTC
	// EventsPerDay, when positive, makes each service day this many events
	// (a few more with its roll), its acts closer together so that it
	// lasts about 9 hours (at most 14); zero makes days of about 9 hours at
	// one act every 1-20 s (some 3,000 events).
	EventsPerDay int
	// MaxWaiting, when positive, bounds the waiting line: while that many
	// tickets wait, the acts that would issue one call the next instead,
	// as a hall's staff keep up with a busy day. Zero leaves the line to
	// grow through the day.
	MaxWaiting int
	// Emit, when set, receives each event as it is made, with the state after
	// it (valid only during the call), and the log's Raws stay empty: a
	// long log streams to a store instead of filling memory. An error stops
	// Generate.
	Emit func(rec eventlog.Record, st *queue.State) error
}

// Log is a generated log.
type Log struct {
	Raws [][]byte // the published bytes of each event, seq 1 first
	Hall *queue.PublicHall
	// Seqs of one event of each kind of act, for tampering tests.
	Manual, Transfer, StaffCancel, Offline, Online, Called, Checkpoints []uint64
}

// Generate makes a log of busy hall days: tickets issued online and offline
// from leases (some withdrawn), calls by the rule and manual calls with a
// reason, recalls, no-shows and reinstatements, transfers and staff cancels
// with a reason, applicant cancels, windows opening, pausing and closing, days
// sealed with their leases voided, a hall.configured at the start and signed
// checkpoints.
func Generate(opt Options) (*Log, error) {
	g := &gen{opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, 7)), st: queue.NewState(), log: &Log{}, granted: map[string]time.Time{}, noShows: map[string]bool{}}
	if g.opt.Start.IsZero() {
		g.opt.Start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	}
	g.log.Hall = Hall(opt.Key)
	h, err := g.log.Hall.Hall(time.UTC)
	if err != nil {
		return nil, err
	}
	g.h = h
	chain, err := eventlog.NewChain(0, eventlog.GenesisHash)
	if err != nil {
		return nil, err
	}
	g.chain = chain
	g.now = g.opt.Start
	if err := g.append(queue.Event{Time: g.now, Type: queue.TypeHallConfigured, Data: g.log.Hall}); err != nil {
		return nil, err
	}
	g.tickMax = 20 * time.Second
	if opt.EventsPerDay > 0 {
		// An act makes about 0.8 events, 0.5 when the line is bounded
		// (a call finds nobody more often); the day keeps its 9 hours.
		perAct := 0.8
		if opt.MaxWaiting > 0 {
			perAct = 0.5
		}
		g.tickMax = max(time.Duration(float64(2*9*time.Hour)*perAct/float64(opt.EventsPerDay)), 2*time.Millisecond)
	}
	for g.n < opt.Events {
		if err := g.day(); err != nil {
			return nil, err
		}
	}
	return g.log, nil
}

type gen struct {
	opt   Options
	rng   *rand.Rand
	h     *queue.Hall
	st    *queue.State
	chain *eventlog.Chain
	now   time.Time
	log   *Log
	since int // events since the last checkpoint
	n     int // events made
	// tickMax is the longest time between two acts.
	tickMax time.Duration
	// granted holds when each lease was granted.
	granted map[string]time.Time
	// noShows holds the tickets marked no-show, some since reinstated or
	// gone with their day: the candidates for a reinstatement.
	noShows map[string]bool
	err     error // of the first event that could not be appended
}

// append encodes ev as the next event, applies it and, when due, signs a
// checkpoint after it.
func (g *gen) append(ev queue.Event) error {
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return err
	}
	rec, err := g.chain.Next(ev.Type, ev.Time, data)
	if err != nil {
		return err
	}
	ev.Seq, ev.Time = rec.Seq, rec.Time
	if err := g.st.Check(g.h, ev); err != nil {
		return fmt.Errorf("generated event %d breaks the rules: %w", rec.Seq, err)
	}
	if err := g.st.Apply(ev); err != nil {
		return fmt.Errorf("generated event %d: %w", rec.Seq, err)
	}
	g.n++
	if d, ok := ev.Data.(*queue.TicketDoneData); ok && ev.Type == queue.TypeTicketNoShow {
		g.noShows[d.Ticket] = true
	}
	if g.opt.Emit != nil {
		if err := g.opt.Emit(rec, g.st); err != nil {
			return err
		}
	} else {
		g.log.Raws = append(g.log.Raws, rec.Raw)
	}
	g.since++
	seal := ev.Type == queue.TypeDaySealed
	if g.opt.Key != nil && (seal || g.opt.Checkpoint > 0 && g.since >= g.opt.Checkpoint) {
		cause := "interval"
		if seal {
			cause = "seal"
		}
		at := rec.Time.UTC().Format(eventlog.TimeLayout)
		cp := audit.SignCheckpoint(g.opt.Key, g.h.ID, rec.Seq, rec.Hash, at, cause)
		g.since = 0
		if err := g.append(queue.Event{Time: rec.Time, Type: queue.TypeLogCheckpoint, Data: &cp}); err != nil {
			return err
		}
		g.log.Checkpoints = append(g.log.Checkpoints, rec.Seq+1)
	}
	return nil
}

func (g *gen) do(evs []queue.Event, err error) bool {
	if err != nil || g.err != nil {
		return false
	}
	for _, ev := range evs {
		if err := g.append(ev); err != nil {
			g.err = err
			return false
		}
	}
	return true
}

// tick moves the clock to the next act: tickMax/20 to tickMax later.
func (g *gen) tick() {
	step := max((g.tickMax / 20).Round(time.Millisecond), time.Millisecond) // event times are to the millisecond
	g.now = g.now.Add(step * time.Duration(1+g.rng.IntN(20)))
}

// waiting returns how many tickets wait for the services.
func (g *gen) waiting(services []string) int {
	n := 0
	for _, s := range services {
		n += g.st.Waiting(s)
	}
	return n
}

func (g *gen) last() uint64 { s, _ := g.chain.Head(); return s }

// day runs one service day: about 9 hours of traffic, then the next day's roll.
func (g *gen) day() error {
	g.do(g.st.RollDay(g.h, g.now), nil)
	windows := []string{"1", "2", "3", "4"}
	services := []string{"general", "tax", "social"}
	for _, w := range windows {
		g.do(g.st.OpenWindow(g.h, g.now, w, "staff"+w))
	}
	end, first := g.now.Add(9*time.Hour), g.n
	if g.opt.EventsPerDay > 0 {
		end = g.now.Add(14 * time.Hour) // closing late, if the day's events are not made by then
	}
	for g.now.Before(end) && g.n < g.opt.Events+50 && g.err == nil &&
		(g.opt.EventsPerDay == 0 || g.n-first < g.opt.EventsPerDay) {
		g.tick()
		w := windows[g.rng.IntN(len(windows))]
		staff := "staff" + w
		r := g.rng.IntN(100)
		if g.opt.MaxWaiting > 0 && r < 37 && g.waiting(services) >= g.opt.MaxWaiting {
			r = 37 // a call instead
		}
		switch {
		case r < 30:
			prio := ""
			if g.rng.IntN(10) == 0 {
				prio = "elderly"
			}
			evs, _, err := g.st.Issue(g.h, g.now, queue.IssueRequest{Service: services[g.rng.IntN(3)], Priority: prio, Kiosk: "k1"})
			if g.do(evs, err) {
				g.log.Online = append(g.log.Online, g.last())
			}
		case r < 33:
			if g.do(g.st.GrantLease(g.h, g.now, "k2", services[g.rng.IntN(3)], 3)) {
				for id := range g.st.Leases {
					if _, ok := g.granted[id]; !ok {
						g.granted[id] = g.now
					}
				}
			}
		case r < 37:
			for _, id := range slices.Sorted(maps.Keys(g.st.Leases)) {
				l := g.st.Leases[id]
				if un := l.Unused(); len(un) > 0 {
					at := g.granted[l.ID]
					if g.do(g.st.IssueLeased(g.h, g.now, queue.OfflineIssue{Kiosk: l.Kiosk, Lease: l.ID, Number: un[0],
						IssuedAt: at.Add(time.Duration(g.rng.Int64N(int64(g.now.Sub(at)) + 1)))})) {
						g.log.Offline = append(g.log.Offline, g.last())
					}
					break
				}
			}
		case r < 55:
			if g.do(g.st.CallNext(g.h, g.now, w, staff)) {
				g.log.Called = append(g.log.Called, g.last())
			}
		case r < 57:
			if up := g.st.Upcoming(g.h, w, 4, g.now); len(up) > 1 {
				if g.do(g.st.CallNumber(g.h, g.now, w, staff, up[len(up)-1], "supervisor")) {
					g.log.Manual = append(g.log.Manual, g.last())
				}
			}
		case r < 60:
			g.do(g.st.Recall(g.h, g.now, w))
		case r < 64:
			g.do(g.st.NoShow(g.h, g.now, w))
		case r < 66:
			for _, id := range slices.Sorted(maps.Keys(g.noShows)) {
				t := g.st.Tickets[id]
				if t == nil || t.Status != queue.StatusNoShow {
					delete(g.noShows, id)
					continue
				}
				if g.do(g.st.Reinstate(g.h, g.now, w, t.Number)) {
					break
				}
			}
		case r < 84:
			g.do(g.st.Complete(g.h, g.now, w))
		case r < 86:
			if g.do(g.st.Transfer(g.h, g.now, w, staff, services[g.rng.IntN(3)], "accessibility")) {
				g.log.Transfer = append(g.log.Transfer, g.last())
			}
		case r < 88:
			if up := g.st.Upcoming(g.h, w, 3, g.now); len(up) > 0 {
				t, _ := g.st.TicketByNumber(up[len(up)-1])
				if g.do(g.st.Cancel(g.h, g.now, t.ID, w, staff, "supervisor")) {
					g.log.StaffCancel = append(g.log.StaffCancel, g.last())
				}
			}
		case r < 89:
			if up := g.st.Upcoming(g.h, w, 5, g.now); len(up) > 0 {
				t, _ := g.st.TicketByNumber(up[len(up)-1])
				g.do(g.st.Cancel(g.h, g.now, t.ID, "", "", ""))
			}
		case r < 90:
			if up := g.st.Upcoming(g.h, w, 5, g.now); len(up) > 0 {
				t, _ := g.st.TicketByNumber(up[len(up)-1])
				if t.Kiosk == "k1" && t.Service == "general" {
					g.do(g.st.CancelReplaced(g.h, g.now, t.ID, "k1", ""))
				}
			}
		case r < 92:
			if g.do(g.st.PauseWindow(g.h, g.now, w, staff)) {
				g.tick()
				g.do(g.st.ResumeWindow(g.h, g.now, w, staff))
			}
		case r < 93:
			if g.st.Window(w).Current == "" && g.do(g.st.CloseWindow(g.h, g.now, w, staff)) {
				g.tick()
				g.do(g.st.OpenWindow(g.h, g.now, w, staff))
			}
		}
	}
	// The next day starts the next morning.
	d := g.now.Add(24 * time.Hour)
	g.now = time.Date(d.Year(), d.Month(), d.Day(), 8, 0, 0, 0, time.UTC)
	return g.err
}
