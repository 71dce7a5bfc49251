package queue

import (
	"maps"
	"slices"
	"strconv"
	"time"
)

// Commands validate a request against the state and return the events that record
// it. They never change the state: the caller appends the events to the log and
// applies them. Every command expects the current service day to be open; the
// caller runs RollDay first.

// RollDay returns the events that seal the open day and open the day of now, or
// nothing when now belongs to the open day.
func (s *State) RollDay(h *Hall, now time.Time) []Event {
	day := h.Day(now)
	if day == s.Day {
		return nil
	}
	var evs []Event
	if s.Day != "" {
		d := &DaySealedData{Day: s.Day}
		// Leased numbers never used are voided publicly, so that every gap in
		// the day's numbering is explained.
		for _, id := range slices.Sorted(maps.Keys(s.Leases)) {
			l := s.Leases[id]
			if unused := l.Unused(); len(unused) > 0 {
				d.Voided += len(unused)
				evs = append(evs, Event{Time: now, Type: TypeLeaseVoided, Data: &LeaseData{
					Lease: l.ID, Kiosk: l.Kiosk, Service: l.Service, Day: l.Day, Numbers: unused}})
			}
		}
		for _, t := range s.Tickets {
			d.Issued++
			switch t.Status {
			case StatusCompleted:
				d.Served++
			case StatusWaiting, StatusCalled:
				d.Expired++
			}
		}
		evs = append(evs, Event{Time: now, Type: TypeDaySealed, Data: d})
	}
	return append(evs, Event{Time: now, Type: TypeDayOpened, Data: &DayOpenedData{Day: day}})
}

func (s *State) checkDay(h *Hall, now time.Time) error {
	if day := h.Day(now); s.Day != day {
		return Errorf(ECONFLICT, "service day %s is not open (open: %q)", day, s.Day).Zh("服务日%s尚未开始", day)
	}
	return nil
}

// IssueRequest asks for a new number.
type IssueRequest struct {
	Service  string
	Priority string // a priority class ID, or "" for none
	// Kiosk is the issuing device. A kiosk may issue only the priority
	// classes applicants declare themselves (PriorityClass.SelfDeclared).
	Kiosk string
	// Identity says an identity document was given; IdentityCount is how many
	// tickets that identity already took today for the service (kept privately by
	// the server, outside the log).
	Identity      bool
	IdentityCount int
	// BirthDate is the date of birth ("YYYYMMDD") the identity document
	// carries (BirthDate), or "". The age rule reads it to choose the class;
	// it is recorded nowhere.
	BirthDate string
	// Desk is the reception desk issuing the ticket on an applicant's
	// behalf; staff there assign any class. Kiosk is then empty.
	Desk string
}

// Issued describes a ticket about to be issued, for the response to the kiosk.
type Issued struct {
	Ticket string
	Number string
	Ahead  int
	Wait   time.Duration
}

// TicketID returns the public ID of a day's number, for example "20261122-A001".
func TicketID(day, number string) string {
	b := make([]byte, 0, len(day)+1+len(number))
	for i := 0; i < len(day); i++ {
		if day[i] != '-' {
			b = append(b, day[i])
		}
	}
	b = append(b, '-')
	return string(append(b, number...))
}

// FormatNumber returns the number with the service's prefix and digits.
func FormatNumber(svc *Service, seq int) string {
	var buf [24]byte
	digits := strconv.AppendInt(buf[:0], int64(seq), 10)
	b := make([]byte, 0, len(svc.Prefix)+max(svc.Digits, len(digits)))
	b = append(b, svc.Prefix...)
	for range svc.Digits - len(digits) {
		b = append(b, '0')
	}
	return string(append(b, digits...))
}

// Issue returns the event that issues a new number, and what to tell the applicant.
func (s *State) Issue(h *Hall, now time.Time, r IssueRequest) ([]Event, Issued, error) {
	if err := s.checkDay(h, now); err != nil {
		return nil, Issued{}, err
	}
	svc, ok := h.Service(r.Service)
	if !ok {
		return nil, Issued{}, Errorf(EINVALID, "unknown service %q", r.Service).Zh("没有这项业务：%q", r.Service)
	}
	if _, ok := h.PriorityRank(r.Priority); !ok {
		return nil, Issued{}, Errorf(EINVALID, "unknown priority class %q", r.Priority).Zh("没有这个优先类别：%q", r.Priority)
	}
	if r.Kiosk != "" && r.Desk != "" {
		return nil, Issued{}, Errorf(EINVALID, "a ticket is issued by a kiosk or a desk, not both")
	}
	if r.Kiosk != "" {
		if err := h.KioskMayDeclare(r.Priority); err != nil {
			return nil, Issued{}, err
		}
	}
	priority := h.withAgeClass(r.Priority, r.BirthDate, s.Day)
	avail := s.Availability(h, svc, now)
	if avail == Closed {
		return nil, Issued{}, Errorf(ECONFLICT, "the hall issues numbers only during opening hours (%s)", h.HoursText()).
			Zh("不在取号时间内（%s）", h.HoursText())
	}
	if svc.RealName && !r.Identity {
		return nil, Issued{}, Errorf(EINVALID, "%s requires an identity document", svc.NameEN).Zh("%s须实名取号，请提供身份证件号码", svc.NameZH)
	}
	if r.Identity && svc.PerIdentityDaily > 0 && r.IdentityCount >= svc.PerIdentityDaily {
		return nil, Issued{}, Errorf(ELIMIT, "this identity already took %d number(s) for %s today, the daily limit", r.IdentityCount, svc.NameEN).
			Zh("该证件今日已取%s号%d次，已达每日上限", svc.NameZH, r.IdentityCount)
	}
	if avail == SoldOut {
		return nil, Issued{}, Errorf(ELIMIT, "%s has issued all %d numbers of today", svc.NameEN, svc.Limit()).
			Zh("%s今日号源（%d个）已发完", svc.NameZH, svc.Limit())
	}
	next := s.Counters[svc.ID] + 1
	number := FormatNumber(svc, next)
	d := &TicketIssuedData{
		Ticket: TicketID(s.Day, number), Number: number, Service: svc.ID, Day: s.Day,
		Priority: priority, Kiosk: r.Kiosk, Desk: r.Desk, ByAge: priority != r.Priority, IssuedAt: now,
	}
	ahead := s.aheadOfNew(h, svc.ID, priority, now)
	return []Event{{Time: now, Type: TypeTicketIssued, Data: d}},
		Issued{Ticket: d.Ticket, Number: number, Ahead: ahead, Wait: s.EstimateWait(h, svc.ID, ahead)}, nil
}

// serving checks that a window exists and is in one of the given statuses.
func (s *State) windowIn(h *Hall, window string, statuses ...string) (*Window, WindowState, error) {
	w, ok := h.Window(window)
	if !ok {
		return nil, WindowState{}, Errorf(ENOTFOUND, "no window %q", window).Zh("没有%s号窗口", window)
	}
	ws := s.Window(window)
	if !slices.Contains(statuses, ws.Status) {
		return nil, ws, Errorf(ECONFLICT, "window %s is %s", window, ws.Status).Zh("%s号窗口%s", window, windowStatusZH[ws.Status])
	}
	return w, ws, nil
}

// callable checks that a window may call a ticket now.
func (s *State) callable(h *Hall, now time.Time, window string) (*Window, error) {
	if err := s.checkDay(h, now); err != nil {
		return nil, err
	}
	w, ws, err := s.windowIn(h, window, WindowOpen)
	if err != nil {
		return nil, err
	}
	if ws.Current != "" {
		num := s.Tickets[ws.Current].Number
		return nil, Errorf(ECONFLICT, "window %s is still serving %s: complete it, mark it a no-show or transfer it first",
			window, num).Zh("%s号窗口正在办理%s号，请先办结、标记过号或转办", window, num)
	}
	return w, nil
}

// CallNext returns the event that calls the rule's pick to a window.
func (s *State) CallNext(h *Hall, now time.Time, window, staff string) ([]Event, error) {
	if _, err := s.callable(h, now, window); err != nil {
		return nil, err
	}
	t, reason := s.Next(h, window, now)
	if t == nil {
		return nil, Errorf(ENOTFOUND, "nobody is waiting for the services of window %s", window).Zh("%s号窗口的业务暂无人等候", window)
	}
	return []Event{{Time: now, Type: TypeTicketCalled, Data: &TicketCalledData{
		Ticket: t.ID, Number: t.Number, Service: t.Service, Window: window, Reason: reason, Staff: staff,
	}}}, nil
}

// CallNumber returns the event that calls a specific waiting number out of order.
// The reason must be one of the hall's published manual-call reasons; the event
// records which ticket the rule would have called instead.
func (s *State) CallNumber(h *Hall, now time.Time, window, staff, number, reason string) ([]Event, error) {
	w, err := s.callable(h, now, window)
	if err != nil {
		return nil, err
	}
	if err := h.needReason("calling a specific number", "叫指定号码", reason); err != nil {
		return nil, err
	}
	t, ok := s.TicketByNumber(number)
	if !ok {
		return nil, Errorf(ENOTFOUND, "no number %q today", number).Zh("今日没有%s号", number)
	}
	if t.Status != StatusWaiting {
		return nil, Errorf(ECONFLICT, "number %s is %s, not waiting", number, t.Status).Zh("%s号%s，不在等候", number, ticketStatusZH[t.Status])
	}
	if !w.Serves(t.Service) {
		return nil, Errorf(EFORBIDDEN, "window %s does not serve %s", window, t.Service).Zh("%s号窗口不办理该号的业务", window)
	}
	d := &TicketCalledData{Ticket: t.ID, Number: t.Number, Service: t.Service, Window: window,
		Reason: ReasonManual, ManualReason: reason, Staff: staff}
	if pick, _ := s.Next(h, window, now); pick != nil {
		d.RulePick = pick.Number
	}
	return []Event{{Time: now, Type: TypeTicketCalled, Data: d}}, nil
}

// serving returns the ticket a window is serving.
func (s *State) serving(h *Hall, now time.Time, window string) (*Ticket, error) {
	if err := s.checkDay(h, now); err != nil {
		return nil, err
	}
	_, ws, err := s.windowIn(h, window, WindowOpen, WindowPaused)
	if err != nil {
		return nil, err
	}
	if ws.Current == "" {
		return nil, Errorf(ECONFLICT, "window %s is not serving anyone", window).Zh("%s号窗口当前没有在办理的号", window)
	}
	return s.Tickets[ws.Current], nil
}

// Recall returns the event that calls the window's current ticket again.
func (s *State) Recall(h *Hall, now time.Time, window string) ([]Event, error) {
	t, err := s.serving(h, now, window)
	if err != nil {
		return nil, err
	}
	return []Event{{Time: now, Type: TypeTicketRecalled, Data: &TicketRecalledData{
		Ticket: t.ID, Number: t.Number, Window: window, Reason: ReasonRecall}}}, nil
}

// NoShow returns the event that marks the window's current ticket as not come.
func (s *State) NoShow(h *Hall, now time.Time, window string) ([]Event, error) {
	t, err := s.serving(h, now, window)
	if err != nil {
		return nil, err
	}
	return []Event{{Time: now, Type: TypeTicketNoShow, Data: &TicketDoneData{Ticket: t.ID, Number: t.Number, Window: window}}}, nil
}

// Complete returns the event that ends the service of the window's current ticket.
func (s *State) Complete(h *Hall, now time.Time, window string) ([]Event, error) {
	t, err := s.serving(h, now, window)
	if err != nil {
		return nil, err
	}
	return []Event{{Time: now, Type: TypeTicketCompleted, Data: &TicketDoneData{Ticket: t.ID, Number: t.Number, Window: window}}}, nil
}

// Transfer returns the event that sends the window's current ticket to another
// service, where it keeps its place.
func (s *State) Transfer(h *Hall, now time.Time, window, staff, service, reason string) ([]Event, error) {
	t, err := s.serving(h, now, window)
	if err != nil {
		return nil, err
	}
	if err := h.needReason("a transfer", "转办", reason); err != nil {
		return nil, err
	}
	if _, ok := h.Service(service); !ok {
		return nil, Errorf(EINVALID, "unknown service %q", service).Zh("没有这项业务")
	}
	if service == t.Service {
		return nil, Errorf(EINVALID, "number %s is already in %s", t.Number, service).Zh("%s号已在该业务中", t.Number)
	}
	return []Event{{Time: now, Type: TypeTicketTransferred, Data: &TicketTransferredData{
		Ticket: t.ID, Number: t.Number, Window: window, From: t.Service, To: service, Reason: reason, Staff: staff}}}, nil
}

// Reinstate returns the event that puts a no-show number back in the queue, within
// the published time, placed behind the next ReinstateAfter tickets of its service
// and priority class.
func (s *State) Reinstate(h *Hall, now time.Time, window, number string) ([]Event, error) {
	if err := s.checkDay(h, now); err != nil {
		return nil, err
	}
	w, _, err := s.windowIn(h, window, WindowOpen, WindowPaused)
	if err != nil {
		return nil, err
	}
	t, ok := s.TicketByNumber(number)
	if !ok {
		return nil, Errorf(ENOTFOUND, "no number %q today", number).Zh("今日没有%s号", number)
	}
	if t.Status != StatusNoShow {
		return nil, Errorf(ECONFLICT, "number %s is %s, not a no-show", number, t.Status).Zh("%s号%s，不是过号", number, ticketStatusZH[t.Status])
	}
	if !w.Serves(t.Service) {
		return nil, Errorf(EFORBIDDEN, "window %s does not serve %s", window, t.Service).Zh("%s号窗口不办理该号的业务", window)
	}
	if late := now.Sub(t.NoShowAt); late > h.Rules.ReinstateWithin {
		return nil, Errorf(ECONFLICT, "number %s missed its call %s ago; reinstatement is allowed within %s",
			number, late.Round(time.Minute), h.Rules.ReinstateWithin).
			Zh("%s号过号已%d分钟，超过可恢复时限%d分钟", number, int(late.Minutes()), int(h.Rules.ReinstateWithin.Minutes()))
	}
	d := &TicketReinstatedData{Ticket: t.ID, Number: t.Number, Window: window, After: s.reinstatedAfter(h, now, t)}
	return []Event{{Time: now, Type: TypeTicketReinstated, Data: d}}, nil
}

// reinstatedAfter returns the ticket a reinstated ticket t is placed behind by
// the published rule: the ReinstateAfter-th of its lane (waiting, not
// transferred tickets of its service and priority class), or "" for the end
// of the lane when fewer wait.
func (s *State) reinstatedAfter(h *Hall, now time.Time, t *Ticket) string {
	var lane []*Ticket
	for _, u := range s.waiting[t.Service] {
		if u.Priority == t.Priority && !u.Transferred {
			lane = append(lane, u)
		}
	}
	if len(lane) <= h.Rules.ReinstateAfter {
		return ""
	}
	slices.SortFunc(lane, func(a, b *Ticket) int {
		return cmp3(compareKeys(h.key(a, now), h.key(b, now)), a.IssueSeq, b.IssueSeq)
	})
	return lane[h.Rules.ReinstateAfter-1].ID
}

func cmp3(c int, a, b uint64) int {
	if c != 0 {
		return c
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Cancel returns the event that withdraws a waiting ticket, at the applicant's
// request (window empty) or by staff at a window, who must give one of the
// published reasons.
func (s *State) Cancel(h *Hall, now time.Time, ticket, window, staff, reason string) ([]Event, error) {
	if err := s.checkDay(h, now); err != nil {
		return nil, err
	}
	t, ok := s.Tickets[ticket]
	if !ok {
		return nil, Errorf(ENOTFOUND, "no ticket %q today", ticket).Zh("今日没有这个号")
	}
	if t.Status != StatusWaiting {
		return nil, Errorf(ECONFLICT, "number %s is %s and can no longer be cancelled", t.Number, t.Status).
			Zh("%s号当前状态不能取消", t.Number)
	}
	d := &TicketCancelledData{Ticket: t.ID, Number: t.Number, By: "applicant"}
	if window != "" {
		w, _, err := s.windowIn(h, window, WindowOpen, WindowPaused)
		if err != nil {
			return nil, err
		}
		if !w.Serves(t.Service) {
			return nil, Errorf(EFORBIDDEN, "window %s does not serve %s", window, t.Service).Zh("%s号窗口不办理该号的业务", window)
		}
		if err := h.needReason("cancelling a waiting number", "取消等候中的号码", reason); err != nil {
			return nil, err
		}
		d.By, d.Window, d.Reason, d.Staff = "staff", window, reason, staff
	}
	return []Event{{Time: now, Type: TypeTicketCancelled, Data: d}}, nil
}

// CancelReplaced returns the event that withdraws a waiting ticket a kiosk asked
// for but never printed: the kiosk got no answer in time and printed number
// replacedBy from its lease instead ("" if it could print nothing), and says so
// once the server is back. Only the kiosk that took the ticket may withdraw it.
func (s *State) CancelReplaced(h *Hall, now time.Time, ticket, kiosk, replacedBy string) ([]Event, error) {
	if err := s.checkDay(h, now); err != nil {
		return nil, err
	}
	t, ok := s.Tickets[ticket]
	if !ok {
		return nil, Errorf(ENOTFOUND, "no ticket %q today", ticket).Zh("今日没有这个号")
	}
	if t.Kiosk != kiosk {
		return nil, Errorf(EFORBIDDEN, "number %s was not taken at kiosk %s", t.Number, kiosk).Zh("%s号不是本机所取", t.Number)
	}
	if t.Status != StatusWaiting {
		return nil, Errorf(ECONFLICT, "number %s is %s and can no longer be cancelled", t.Number, t.Status).
			Zh("%s号当前状态不能取消", t.Number)
	}
	return []Event{{Time: now, Type: TypeTicketCancelled, Data: &TicketCancelledData{
		Ticket: t.ID, Number: t.Number, By: "kiosk", ReplacedBy: replacedBy}}}, nil
}

// OpenWindow returns the event that opens a closed window for a staff member.
func (s *State) OpenWindow(h *Hall, now time.Time, window, staff string) ([]Event, error) {
	if err := s.checkDay(h, now); err != nil {
		return nil, err
	}
	if _, _, err := s.windowIn(h, window, WindowClosed); err != nil {
		return nil, err
	}
	return []Event{{Time: now, Type: TypeWindowOpened, Data: &WindowData{Window: window, Staff: staff}}}, nil
}

// PauseWindow returns the event that pauses an open window; its current ticket stays.
func (s *State) PauseWindow(h *Hall, now time.Time, window, staff string) ([]Event, error) {
	return s.windowChange(h, now, window, staff, TypeWindowPaused, WindowOpen)
}

// ResumeWindow returns the event that reopens a paused window.
func (s *State) ResumeWindow(h *Hall, now time.Time, window, staff string) ([]Event, error) {
	return s.windowChange(h, now, window, staff, TypeWindowResumed, WindowPaused)
}

// CloseWindow returns the event that closes a window that serves nobody.
func (s *State) CloseWindow(h *Hall, now time.Time, window, staff string) ([]Event, error) {
	evs, err := s.windowChange(h, now, window, staff, TypeWindowClosed, WindowOpen, WindowPaused)
	if err != nil {
		return nil, err
	}
	if cur := s.Window(window).Current; cur != "" {
		num := s.Tickets[cur].Number
		return nil, Errorf(ECONFLICT, "window %s is still serving %s: complete it, mark it a no-show or transfer it first",
			window, num).Zh("%s号窗口正在办理%s号，请先办结、标记过号或转办", window, num)
	}
	return evs, nil
}

func (s *State) windowChange(h *Hall, now time.Time, window, staff, typ string, from ...string) ([]Event, error) {
	if err := s.checkDay(h, now); err != nil {
		return nil, err
	}
	if _, _, err := s.windowIn(h, window, from...); err != nil {
		return nil, err
	}
	return []Event{{Time: now, Type: typ, Data: &WindowData{Window: window, Staff: staff}}}, nil
}

// CheckDeviceStatus checks a printer health report: one of the known states,
// and a detail of at most 200 bytes.
func CheckDeviceStatus(printer PrinterState, detail string) error {
	if !slices.Contains(PrinterStates, printer) {
		return Errorf(EINVALID, "printer: %q is not one of %v", printer, PrinterStates)
	}
	if len(detail) > 200 {
		return Errorf(EINVALID, "detail: at most 200 bytes")
	}
	return nil
}

// ReportDevice returns the event that records a change of a device's printer
// health, or nothing when it is unchanged (devices report after every print).
func (s *State) ReportDevice(now time.Time, device string, printer PrinterState, detail string) ([]Event, error) {
	if device == "" {
		return nil, Errorf(EINVALID, "device: required")
	}
	if err := CheckDeviceStatus(printer, detail); err != nil {
		return nil, err
	}
	if cur, ok := s.Devices[device]; ok && cur.Printer == printer && cur.Detail == detail || !ok && printer == PrinterOK {
		return nil, nil
	}
	return []Event{{Time: now, Type: TypeDeviceStatus, Data: &DeviceStatusData{Device: device, Printer: printer, Detail: detail}}}, nil
}

// windowStatusZH and ticketStatusZH name statuses in Chinese messages.
var (
	windowStatusZH = map[string]string{WindowClosed: "尚未开启", WindowOpen: "已开启", WindowPaused: "已暂停"}
	ticketStatusZH = map[string]string{StatusWaiting: "正在等候", StatusCalled: "已叫号", StatusNoShow: "已过号",
		StatusCompleted: "已办结", StatusCancelled: "已取消"}
)

// needReason checks that code is one of the hall's published reasons, which
// every act that changes a ticket's place out of the rule's order must give.
func (h *Hall) needReason(act, actZH, code string) error {
	if _, ok := h.ManualReason(code); ok {
		return nil
	}
	codes := make([]string, len(h.ManualReasons))
	for i, r := range h.ManualReasons {
		codes[i] = r.Code
	}
	return Errorf(EINVALID, "%s needs one of the published reasons %v, not %q", act, codes, code).
		Zh("%s须选择一项公布的理由", actZH)
}
