package queue

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Apply folds one committed event into the state. It fails, changing nothing, if
// the event does not fit the state (a corrupt or foreign log).
func (s *State) Apply(ev Event) error {
	if ev.Seq != 0 && ev.Seq <= s.Seq {
		return fmt.Errorf("queue: apply event %d: state is already at %d", ev.Seq, s.Seq)
	}
	if ok, err := s.applyAppointment(ev); ok {
		if err != nil {
			return fmt.Errorf("queue: apply %s event %d: %w", ev.Type, ev.Seq, err)
		}
		if ev.Seq != 0 {
			s.Seq = ev.Seq
		}
		return nil
	}
	if ok, err := s.applyFeedback(ev); ok {
		if err != nil {
			return fmt.Errorf("queue: apply %s event %d: %w", ev.Type, ev.Seq, err)
		}
	} else if err := s.apply(ev); err != nil {
		return fmt.Errorf("queue: apply %s event %d: %w", ev.Type, ev.Seq, err)
	}
	s.trackServed(ev)
	if ev.Seq != 0 {
		s.Seq = ev.Seq
	}
	if ev.Time.After(s.Clock) {
		s.Clock = ev.Time
	}
	return nil
}

func (s *State) ticket(id string) (*Ticket, error) {
	t, ok := s.Tickets[id]
	if !ok {
		return nil, fmt.Errorf("unknown ticket %q", id)
	}
	if _, mine := s.owned[id]; s.owned != nil && !mine {
		t = s.own(t) // Apply is about to change it
	}
	if s.touched != nil {
		s.touched[id] = struct{}{}
	}
	return t, nil
}

func (s *State) window(id string) *WindowState {
	w, ok := s.Windows[id]
	if !ok {
		w = &WindowState{ID: id, Status: WindowClosed}
		s.Windows[id] = w
	}
	return w
}

func (s *State) stats(service string) *Stats {
	st, ok := s.Stats[service]
	if !ok {
		st = &Stats{}
		s.Stats[service] = st
	}
	return st
}

func (s *State) addCall(c Call) {
	// Once full, the oldest call is dropped in place: no allocation per
	// call. Copies of the state (Clone, BeforeRoll) own their Recent.
	if len(s.Recent) >= RecentCalls {
		copy(s.Recent, s.Recent[len(s.Recent)-RecentCalls+1:])
		s.Recent = s.Recent[:RecentCalls-1]
	}
	s.Recent = append(s.Recent, c)
}

func (s *State) apply(ev Event) error {
	switch d := ev.Data.(type) {
	case *DayOpenedData:
		s.resetDay(d.Day)
		s.purgeAppointments(d.Day)
		for _, w := range s.Windows {
			w.Current, w.Served, w.NoShows, w.ServiceTime, w.LastDone = "", 0, 0, 0, ""
		}
	case *DaySealedData:
		if d.Day != s.Day {
			return fmt.Errorf("sealing day %s while %s is open", d.Day, s.Day)
		}
		// The day's tickets are left as they are: the day.opened that follows
		// a seal in the same commit drops them, and the seal's data counts
		// those that expired unserved. Leaving them untouched lets BeforeRoll
		// share them instead of copying a whole day.
		for _, w := range s.Windows {
			w.Status, w.Staff, w.Current, w.LastDone = WindowClosed, "", "", ""
		}
	case *TicketIssuedData:
		if _, dup := s.Tickets[d.Ticket]; dup {
			return fmt.Errorf("ticket %s issued twice", d.Ticket)
		}
		if _, dup := s.Numbers[d.Number]; dup {
			return fmt.Errorf("number %s issued twice", d.Number)
		}
		if d.Day != s.Day {
			return fmt.Errorf("ticket of day %s while %s is open", d.Day, s.Day)
		}
		n, err := numberSeq(d.Number)
		if err != nil {
			return err
		}
		counter := d.Service
		if d.Appointment != "" {
			counter = apptCounter(d.Service)
		}
		if d.Lease != "" {
			l, ok := s.Leases[d.Lease]
			if !ok || l.Voided || l.Used[d.Number] || !slices.Contains(l.Numbers, d.Number) {
				return fmt.Errorf("number %s is not an unused number of lease %q", d.Number, d.Lease)
			}
			l.Used[d.Number] = true
		}
		t := &Ticket{
			ID: d.Ticket, Number: d.Number, Service: d.Service, Day: d.Day,
			Priority: d.Priority, Kiosk: d.Kiosk, Desk: d.Desk, IssuedAt: d.IssuedAt, IssueSeq: ev.Seq,
			Status: StatusWaiting, OrderAt: d.IssuedAt, OrderSeq: ev.Seq, Appointment: d.Appointment,
		}
		if d.Appointment != "" {
			if err := s.issueAppointment(t); err != nil {
				return err
			}
		}
		s.Tickets[t.ID] = t
		s.Numbers[t.Number] = t.ID
		if s.owned != nil {
			s.owned[t.ID] = struct{}{}
		}
		if s.touched != nil {
			s.touched[t.ID] = struct{}{}
		}
		s.Counters[counter] = max(s.Counters[counter], n)
		s.stats(t.Service).Issued++
		s.addWaiting(t)
		if d.Lease == "" && d.Kiosk != "" {
			s.contact(d.Kiosk, ev.Time)
		}
		if !d.SeenAt.IsZero() && d.Kiosk != "" {
			s.contact(d.Kiosk, d.SeenAt)
		}
	case *TicketCalledData:
		t, err := s.ticket(d.Ticket)
		if err != nil {
			return err
		}
		if t.Status != StatusWaiting {
			return fmt.Errorf("ticket %s is %s, not waiting", t.Number, t.Status)
		}
		w := s.window(d.Window)
		if w.Current != "" {
			return fmt.Errorf("window %s is still serving %s", d.Window, w.Current)
		}
		s.removeWaiting(t)
		t.Status, t.Window, t.LastWindow, t.CalledAt = StatusCalled, d.Window, d.Window, ev.Time
		t.Calls++
		w.Current = t.ID
		s.addCall(Call{Seq: ev.Seq, Time: ev.Time, Ticket: t.ID, Number: t.Number, Service: t.Service,
			Window: d.Window, Reason: d.Reason, ManualReason: d.ManualReason})
	case *TicketRecalledData:
		t, err := s.current(d.Ticket, d.Window)
		if err != nil {
			return err
		}
		t.Calls++
		s.addCall(Call{Seq: ev.Seq, Time: ev.Time, Ticket: t.ID, Number: t.Number, Service: t.Service,
			Window: d.Window, Reason: ReasonRecall})
	case *TicketDoneData:
		t, err := s.current(d.Ticket, d.Window)
		if err != nil {
			return err
		}
		w := s.window(d.Window)
		w.Current, t.Window = "", ""
		st := s.stats(t.Service)
		if ev.Type == TypeTicketNoShow {
			t.Status, t.NoShowAt = StatusNoShow, ev.Time
			w.NoShows++
			st.NoShows++
		} else {
			t.Status, t.DoneAt = StatusCompleted, ev.Time
			dur := ev.Time.Sub(t.CalledAt)
			w.Served++
			w.ServiceTime += dur
			st.Served++
			st.ServiceTime += dur
		}
	case *TicketReinstatedData:
		t, err := s.ticket(d.Ticket)
		if err != nil {
			return err
		}
		if t.Status != StatusNoShow {
			return fmt.Errorf("ticket %s is %s, not a no-show", t.Number, t.Status)
		}
		t.Status, t.Transferred = StatusWaiting, false
		if after, ok := s.Tickets[d.After]; ok && d.After != "" {
			t.OrderAt, t.OrderSeq, t.OrderSub = after.OrderAt, after.OrderSeq, ev.Seq
		} else {
			t.OrderAt, t.OrderSeq, t.OrderSub = ev.Time, ev.Seq, 0
		}
		s.addWaiting(t)
	case *TicketTransferredData:
		t, err := s.current(d.Ticket, d.Window)
		if err != nil {
			return err
		}
		s.window(d.Window).Current = ""
		t.Status, t.Window, t.Service, t.Transferred = StatusWaiting, "", d.To, true
		s.addWaiting(t)
	case *TicketCancelledData:
		t, err := s.ticket(d.Ticket)
		if err != nil {
			return err
		}
		if t.Status != StatusWaiting {
			return fmt.Errorf("ticket %s is %s, not waiting", t.Number, t.Status)
		}
		s.removeWaiting(t)
		t.Status, t.DoneAt = StatusCancelled, ev.Time
	case *WindowData:
		w := s.window(d.Window)
		switch ev.Type {
		case TypeWindowOpened:
			w.Status, w.Staff = WindowOpen, d.Staff
		case TypeWindowPaused:
			w.Status = WindowPaused
		case TypeWindowResumed:
			w.Status = WindowOpen
		case TypeWindowClosed:
			if w.Current != "" {
				return fmt.Errorf("window %s closed while serving %s", d.Window, w.Current)
			}
			w.Status, w.Staff = WindowClosed, ""
		}
	case *LeaseData:
		if d.Day != s.Day {
			return fmt.Errorf("lease of day %s while %s is open", d.Day, s.Day)
		}
		switch ev.Type {
		case TypeLeaseGranted:
			if _, dup := s.Leases[d.Lease]; dup {
				return fmt.Errorf("lease %s granted twice", d.Lease)
			}
			for _, num := range d.Numbers {
				n, err := numberSeq(num)
				if err != nil {
					return err
				}
				if _, used := s.Numbers[num]; used {
					return fmt.Errorf("number %s leased after it was issued", num)
				}
				s.Counters[d.Service] = max(s.Counters[d.Service], n)
			}
			s.Leases[d.Lease] = &Lease{ID: d.Lease, Kiosk: d.Kiosk, Service: d.Service, Day: d.Day,
				Numbers: slices.Clone(d.Numbers), Used: map[string]bool{}, GrantedAt: ev.Time}
			s.contact(d.Kiosk, ev.Time)
		case TypeLeaseVoided:
			l, ok := s.Leases[d.Lease]
			if !ok {
				return fmt.Errorf("unknown lease %q", d.Lease)
			}
			if !slices.Equal(l.Unused(), d.Numbers) {
				return fmt.Errorf("lease %s voids %v, but %v are unused", d.Lease, d.Numbers, l.Unused())
			}
			l.Voided = true
		}
	case *DeviceStatusData:
		s.Devices[d.Device] = DeviceStatus{Printer: d.Printer, Detail: d.Detail, Since: ev.Time}
	case *PublicHall:
		s.Configured = d
	case *CheckpointData:
		s.Checkpoint, s.CheckpointHash, s.CheckpointAt = d.Seq, d.Hash, ev.Time
	default:
		return fmt.Errorf("unexpected data %T", ev.Data)
	}
	return nil
}

// contact records a public contact of a kiosk with the server.
func (s *State) contact(kiosk string, at time.Time) {
	if at.After(s.Contacts[kiosk]) {
		s.Contacts[kiosk] = at
	}
}

// current returns the ticket a window is serving, checking the event names it.
func (s *State) current(id, window string) (*Ticket, error) {
	t, err := s.ticket(id)
	if err != nil {
		return nil, err
	}
	if t.Status != StatusCalled || t.Window != window {
		return nil, fmt.Errorf("ticket %s is not being served at window %s", t.Number, window)
	}
	return t, nil
}

// numberSeq returns the daily sequence of a number: its trailing digits.
func numberSeq(number string) (int, error) {
	i := len(number)
	for i > 0 && number[i-1] >= '0' && number[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(number[i:])
	if err != nil || i == 0 {
		return 0, fmt.Errorf("malformed number %q", number)
	}
	return n, nil
}
