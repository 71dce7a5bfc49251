package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"hallq/server/queue"
	"hallq/server/wire"
)

// This file derives what the screens show from the folded public state: plain
// functions of the hall description, the state and the time, without Fyne.

// hallInfo is the hall's description with the domain hall built from it, which
// the estimates of the calling rule need.
type hallInfo struct {
	desc *wire.Hall
	rule *queue.Hall
}

// newHallInfo builds the domain hall of a hall description, as the server
// has it: services with their average service times, windows with their
// services, the rule parameters, the day start and the time zone.
func newHallInfo(h *wire.Hall) (*hallInfo, error) {
	if h == nil {
		return nil, fmt.Errorf("no hall description")
	}
	loc := time.UTC
	if h.TimeZone != "" {
		var err error
		if loc, err = time.LoadLocation(h.TimeZone); err != nil {
			return nil, fmt.Errorf("hall time zone %q: %w", h.TimeZone, err)
		}
	}
	p := h.Public()
	q, err := p.Hall(loc)
	if err != nil {
		return nil, fmt.Errorf("hall description: %w", err)
	}
	return &hallInfo{desc: h, rule: q}, nil
}

// windowNames returns a window's names, or names made of its ID for a window
// the description does not know (yet).
func (h *hallInfo) windowNames(id string) (zh, en string) {
	if h != nil {
		if w, ok := h.desc.Window(id); ok {
			return w.NameZH, w.NameEN
		}
	}
	if isDigits(id) {
		return id + "号窗口", "Window " + id
	}
	return id, id
}

// serviceNames returns a service's names, or its ID twice for an unknown one.
func (h *hallInfo) serviceNames(id string) (zh, en string) {
	if h != nil {
		if s, ok := h.desc.Service(id); ok {
			return s.NameZH, s.NameEN
		}
	}
	return id, id
}

// location returns the hall's time zone, or the machine's before the hall is
// known.
func (h *hallInfo) location() *time.Location {
	if h == nil {
		return time.Local
	}
	return h.rule.Location
}

// CallRow is a call as the boards show it: a number sent to a window.
type CallRow struct {
	Seq       uint64 // of the call's event
	Time      time.Time
	Ticket    string
	Number    string
	Window    string
	WindowZH  string
	WindowEN  string
	ServiceZH string
	ServiceEN string
	Recall    bool
	// Manual marks a call that was not the rule's pick; Reason names its
	// published reason.
	Manual bool
	Reason Reason
}

// Reason is a published reason's names, or its code twice for one the hall's
// description does not list.
type Reason struct{ ZH, EN string }

// manualReason returns the names of a manual call's published reason.
func (h *hallInfo) manualReason(code string) Reason {
	if h != nil {
		for _, r := range h.desc.ManualReasons {
			if r.Code == code {
				return Reason{r.NameZH, r.NameEN}
			}
		}
	}
	return Reason{code, code}
}

// manualTexts is how the screens mark a manual call, as the web board does:
// "人工指定 · 预约" and "Manual call · Appointment".
func manualTexts(r Reason) (zh, en string) {
	zh, en = "人工指定", "Manual call"
	if r.ZH != "" {
		zh += " · " + r.ZH
	}
	if r.EN != "" {
		en += " · " + r.EN
	}
	return zh, en
}

// ServiceRow is a service's queue as the hall board shows it.
type ServiceRow struct {
	ID      string
	NameZH  string
	NameEN  string
	Prefix  string
	Waiting int
	Wait    time.Duration // estimated wait of a number taken now
	Windows int           // open windows serving it
}

// HallView is what the hall board shows of the queue.
type HallView struct {
	NameZH, NameEN string
	// Current are the calls of the tickets being served, newest call first.
	Current []CallRow
	// Recent are earlier calls of tickets no longer at a window, newest first.
	Recent   []CallRow
	Services []ServiceRow
	Notices  []wire.Notice
	Seq      uint64
}

// maxRecent is how many earlier calls the hall board lists.
const maxRecent = 12

// hallView builds the hall board from the state at time now. Waiting counts
// belong to today's service day only, as on the server's board.
func hallView(h *hallInfo, s *queue.State, now time.Time) HallView {
	v := HallView{Seq: s.Seq}
	if h != nil {
		v.NameZH, v.NameEN, v.Notices = h.desc.NameZH, h.desc.NameEN, h.desc.Notices
	}
	v.Current = currentCalls(h, s)
	serving := map[string]bool{}
	for _, c := range v.Current {
		serving[c.Ticket] = true
	}
	for i := len(s.Recent) - 1; i >= 0 && len(v.Recent) < maxRecent; i-- {
		c := s.Recent[i]
		if serving[c.Ticket] {
			continue
		}
		serving[c.Ticket] = true // list each ticket once, at its last call
		v.Recent = append(v.Recent, callRow(h, c))
	}
	if h == nil {
		return v
	}
	for _, svc := range h.rule.Services {
		q := s.QueueOf(h.rule, svc.ID, now)
		v.Services = append(v.Services, ServiceRow{ID: svc.ID, NameZH: svc.NameZH, NameEN: svc.NameEN, Prefix: svc.Prefix,
			Waiting: q.Waiting, Wait: q.Wait, Windows: q.Windows})
	}
	return v
}

// currentCalls returns the latest call of each ticket being served at a
// window, newest first.
func currentCalls(h *hallInfo, s *queue.State) []CallRow {
	var out []CallRow
	for _, c := range s.CurrentCalls() {
		r := callRow(h, c)
		if r.Recall {
			r.Manual, r.Reason = manualCall(h, s.Recent, c.Ticket)
		}
		out = append(out, r)
	}
	return out
}

// manualCall reports whether the last call of a ticket among calls, oldest
// first, was a manual one, and its reason. A recall keeps the mark of the
// call it repeats.
func manualCall(h *hallInfo, calls []queue.Call, ticket string) (bool, Reason) {
	for i := len(calls) - 1; i >= 0; i-- {
		if c := calls[i]; c.Ticket == ticket && c.Reason != queue.ReasonRecall {
			if c.Reason != queue.ReasonManual {
				return false, Reason{}
			}
			return true, h.manualReason(c.ManualReason)
		}
	}
	return false, Reason{}
}

func callRow(h *hallInfo, c queue.Call) CallRow {
	r := CallRow{Seq: c.Seq, Time: c.Time, Ticket: c.Ticket, Number: c.Number, Window: c.Window,
		Recall: c.Reason == queue.ReasonRecall, Manual: c.Reason == queue.ReasonManual}
	if r.Manual {
		r.Reason = h.manualReason(c.ManualReason)
	}
	r.WindowZH, r.WindowEN = h.windowNames(c.Window)
	r.ServiceZH, r.ServiceEN = h.serviceNames(c.Service)
	return r
}

// WindowView is what the screen above one window shows.
type WindowView struct {
	ID, NameZH, NameEN string
	Status             string // open, paused or closed
	Current            string // number being served, "" for none
	ServiceZH          string
	ServiceEN          string
	CallSeq            uint64 // event of the latest call of Current
	// Manual marks Current called out of the rule's order, for Reason.
	Manual  bool
	Reason  Reason
	Next    []string
	Waiting int
	Card    *wire.Card
	// Photo is the card's portrait when the display has it.
	Photo *portrait
	// CardServices are the names of the services the window handles.
	CardServices []string
	// Supervision is the card's line of the supervision office's phone or
	// e-mail, "" when the hall names none.
	Supervision string
	// ComplaintURL is the address of the hall's complaint form, "" when the
	// server does not say.
	ComplaintURL string
	// Rated and Satisfied count today's ratings of the services completed at
	// the window, and those of the three good levels, from the public log.
	Rated, Satisfied int
	Seq              uint64
	// Rate is the service the screen offers to rate, when it offers one.
	Rate *RateOffer
}

// RateOffer is a service just completed at the window that its applicant
// may rate on the window's screen, until Until (the server's clock).
type RateOffer struct {
	Ticket, Number string
	Until          time.Time
}

// rateOffer returns the service a window's screen offers to rate at now: the
// ticket the window completed last, before its next call, not rated yet,
// within period of its completion. It is nil when there is none, or when
// period is zero (the screen offers no ratings). The server applies the
// same rule (queue.State.Rate) to what is tapped.
func rateOffer(s *queue.State, window string, period time.Duration, now time.Time) *RateOffer {
	if period <= 0 || window == "" {
		return nil
	}
	t, ok := s.Tickets[s.Window(window).LastDone]
	if !ok || t.Status != queue.StatusCompleted || t.Rating != "" {
		return nil
	}
	until := t.DoneAt.Add(period)
	if !now.Before(until) {
		return nil
	}
	return &RateOffer{Ticket: t.ID, Number: t.Number, Until: until}
}

// maxNext is how many upcoming numbers a window screen lists.
const maxNext = 4

// windowView builds the screen of window id from the state at time now.
func windowView(h *hallInfo, s *queue.State, id string, now time.Time) WindowView {
	v := WindowView{ID: id, Seq: s.Seq}
	v.NameZH, v.NameEN = h.windowNames(id)
	ws := s.Window(id)
	v.Status = ws.Status
	if t, ok := s.Tickets[ws.Current]; ok && ws.Current != "" {
		v.Current = t.Number
		v.ServiceZH, v.ServiceEN = h.serviceNames(t.Service)
		for i := len(s.Recent) - 1; i >= 0; i-- {
			if c := s.Recent[i]; c.Ticket == t.ID {
				v.CallSeq = c.Seq
				v.Manual, v.Reason = manualCall(h, s.Recent[:i+1], t.ID)
				break
			}
		}
	}
	if h == nil {
		return v
	}
	w, ok := h.desc.Window(id)
	if !ok {
		return v
	}
	v.Card = w.Card
	v.Supervision = h.desc.Supervision.Line()
	v.ComplaintURL = h.desc.ComplaintURL
	if h.rule.Day(now) == s.Day {
		for _, t := range s.Tickets {
			if t.Rating != "" && t.LastWindow == id {
				v.Rated++
				if !queue.BadRating(t.Rating) {
					v.Satisfied++
				}
			}
		}
	}
	for _, sid := range append(slices.Clone(w.Primary), w.Secondary...) {
		zh, _ := h.serviceNames(sid)
		v.CardServices = append(v.CardServices, zh)
		if h.rule.Day(now) == s.Day {
			v.Waiting += s.Waiting(sid)
		}
	}
	v.Next = s.Upcoming(h.rule, id, maxNext, now)
	return v
}

// Announcement is a call spoken in the hall: in Chinese, then in English.
type Announcement struct {
	Seq    uint64 // of the call's event
	Ticket string
	Number string
	Window string
	Recall bool
	ZH, EN string
}

// announcement returns the announcement of a ticket.called or
// ticket.recalled event.
func announcement(h *hallInfo, ev queue.Event) (Announcement, bool) {
	a := Announcement{Seq: ev.Seq}
	switch d := ev.Data.(type) {
	case *queue.TicketCalledData:
		a.Ticket, a.Number, a.Window = d.Ticket, d.Number, d.Window
	case *queue.TicketRecalledData:
		a.Ticket, a.Number, a.Window, a.Recall = d.Ticket, d.Number, d.Window, true
	default:
		return Announcement{}, false
	}
	a.ZH, a.EN = callTexts(h, a.Number, a.Window)
	return a, true
}

// callTexts returns the sentences that call number to window: "请 A001 号到
// 3 号窗口办理" and "Number A001, please go to window 3", or the window's
// names when its ID is not a number.
func callTexts(h *hallInfo, number, window string) (zh, en string) {
	if isDigits(window) {
		return fmt.Sprintf("请 %s 号到 %s 号窗口办理", number, window),
			fmt.Sprintf("Number %s, please go to window %s", number, window)
	}
	wzh, wen := h.windowNames(window)
	return fmt.Sprintf("请 %s 号到%s办理", number, wzh),
		fmt.Sprintf("Number %s, please go to %s", number, wen)
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// waitTexts describes an estimated wait: "约 15 分钟" / "about 15 min".
func waitTexts(waiting int, d time.Duration) (zh, en string) {
	if waiting == 0 {
		return "无需等候", "no wait"
	}
	m := int((d + time.Minute - 1) / time.Minute)
	if m < 1 {
		m = 1
	}
	if m >= 120 {
		h := (m + 30) / 60
		return fmt.Sprintf("约 %d 小时", h), fmt.Sprintf("about %d h", h)
	}
	return fmt.Sprintf("约 %d 分钟", m), fmt.Sprintf("about %d min", m)
}

var weekdaysZH = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// clockTexts returns the time and the date at now in loc: "14:32:05" and
// "2026年11月22日 星期日".
func clockTexts(now time.Time, loc *time.Location) (clock, date string) {
	t := now.In(loc)
	return t.Format("15:04:05"), fmt.Sprintf("%d年%d月%d日 %s", t.Year(), t.Month(), t.Day(), weekdaysZH[t.Weekday()])
}

// windowStatusTexts names a window's state for its screen; empty while it
// serves.
func windowStatusTexts(status string) (zh, en string) {
	switch status {
	case queue.WindowPaused:
		return "暂停服务", "Paused"
	case queue.WindowClosed, "":
		return "暂停办理", "Closed"
	}
	return "", ""
}

// shortHash is the head hash as the boards show it: its first 12 hex digits.
func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// Flash timing of the newest call on the hall board.
const (
	flashFor    = 8 * time.Second
	flashPeriod = 500 * time.Millisecond
)

// flashOn reports whether the newest call is drawn in its flash colours
// elapsed after it arrived: every other half second for flashFor, then not.
func flashOn(elapsed time.Duration) bool {
	if elapsed < 0 || elapsed >= flashFor {
		return false
	}
	return (elapsed/flashPeriod)%2 == 0
}
