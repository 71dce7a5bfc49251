package audit

import (
	"fmt"
	"slices"

	"hallq/server/queue"
)

// tally records ev in the day's figures, on the state just before it.
func (a *Auditor) tally(ev queue.Event) {
	day := a.day
	if day == nil {
		return
	}
	s := a.st
	window, staff := a.actor(ev)
	switch d := ev.Data.(type) {
	case *queue.TicketIssuedData:
		day.Issued++
		if d.Lease != "" {
			o := Offline{Seq: ev.Seq, Number: d.Number, Kiosk: d.Kiosk, Lease: d.Lease, Claimed: d.ClaimedAt,
				Placed: d.IssuedAt, Synced: ev.Time, Clamped: d.Clamped, Seen: d.SeenAt, DelaySecs: ev.Time.Sub(d.IssuedAt).Seconds()}
			if !d.ClaimedAt.IsZero() {
				o.ClaimedToPlacedSecs = d.IssuedAt.Sub(d.ClaimedAt).Seconds()
			}
			day.Offline = append(day.Offline, o)
		}
	case *queue.TicketCalledData:
		day.Calls[d.Reason]++
		day.tally(&day.Windows, window).Calls++
		st := day.tally(&day.Staff, staff)
		st.Calls++
		if d.Reason == queue.ReasonManual {
			day.Manual = append(day.Manual, Act{Seq: ev.Seq, Time: ev.Time, Number: d.Number, Window: d.Window,
				Staff: staff, Reason: d.ManualReason, RulePick: d.RulePick})
			day.tally(&day.Windows, window).Manual++
			st.Manual++
		}
		if t, ok := s.Tickets[d.Ticket]; ok && t.Calls == 0 {
			w := ev.Time.Sub(t.IssuedAt)
			day.waits = append(day.waits, w)
			if a.opt.Tickets {
				day.Tickets = append(day.Tickets, TicketWait{Number: t.Number, Service: t.Service, WaitSecs: w.Seconds()})
			}
		}
	case *queue.TicketRecalledData:
		day.Calls[queue.ReasonRecall]++
		day.Recalls++
		day.tally(&day.Windows, window).Recalls++
		day.tally(&day.Staff, staff).Recalls++
	case *queue.TicketDoneData:
		if ev.Type == queue.TypeTicketNoShow {
			day.NoShows++
			day.tally(&day.Windows, window).NoShows++
			day.tally(&day.Staff, staff).NoShows++
		} else {
			day.Served++
			day.tally(&day.Windows, window).Completed++
			day.tally(&day.Staff, staff).Completed++
		}
	case *queue.TicketTransferredData:
		day.Transfers = append(day.Transfers, Act{Seq: ev.Seq, Time: ev.Time, Number: d.Number, Window: d.Window,
			Staff: staff, Reason: d.Reason, From: d.From, To: d.To})
		day.tally(&day.Windows, window).Transfers++
		day.tally(&day.Staff, staff).Transfers++
	case *queue.TicketCancelledData:
		day.Cancels = append(day.Cancels, Act{Seq: ev.Seq, Time: ev.Time, Number: d.Number, Window: d.Window,
			Staff: staff, Reason: d.Reason, By: d.By})
		if d.By == "staff" {
			day.tally(&day.Windows, window).Cancels++
			day.tally(&day.Staff, staff).Cancels++
		}
		if d.By == "kiosk" {
			day.Gaps = append(day.Gaps, Gap{Number: d.Number, Service: ticketService(s, d.Ticket), Explained: true, By: "withdrawn", Seq: ev.Seq})
		}
	case *queue.TicketReinstatedData:
		day.Reinstate = append(day.Reinstate, Act{Seq: ev.Seq, Time: ev.Time, Number: d.Number, Window: d.Window,
			Staff: staff, After: d.After})
		day.tally(&day.Windows, window).Reinstate++
		day.tally(&day.Staff, staff).Reinstate++
	}
}

func ticketService(s *queue.State, id string) string {
	if t, ok := s.Tickets[id]; ok {
		return t.Service
	}
	return ""
}

// closeDay finishes the open day, on the state just before its seal (or the
// next day's opening, or the end of the log): every number of each service's
// daily sequence up to the highest used must have been issued, or leased and
// then voided or still held.
func (a *Auditor) closeDay(sealed bool) {
	day := a.day
	if day == nil {
		return
	}
	if day.Sealed {
		return
	}
	day.Sealed = sealed
	gaps, finds := a.gaps(day)
	day.Gaps = append(day.Gaps, gaps...)
	for _, f := range finds {
		a.find(f.Seq, f.Kind, "", "", f.Message, f.MessageZH)
	}
	sortGaps(day.Gaps)
	day.finish()
	a.day = dayAfterClose(day, sealed)
}

// gaps returns the numbers of the open day's daily sequences that were never
// issued, and a finding for each that nothing explains.
func (a *Auditor) gaps(day *Day) ([]Gap, []Finding) {
	s := a.st
	if a.hall == nil {
		return nil, nil
	}
	var out []Gap
	var finds []Finding
	leased := map[string]*queue.Lease{}
	for _, l := range s.Leases {
		for _, n := range l.Numbers {
			leased[n] = l
		}
	}
	for i := range a.hall.Services {
		svc := &a.hall.Services[i]
		for n := 1; n <= s.Counters[svc.ID]; n++ {
			num := queue.FormatNumber(svc, n)
			if _, ok := s.Numbers[num]; ok {
				continue
			}
			g := Gap{Number: num, Service: svc.ID}
			if l, ok := leased[num]; ok {
				g.Explained, g.By = true, "lease.outstanding"
				if l.Voided {
					g.By = "lease.voided"
				}
			} else {
				finds = append(finds, Finding{Seq: s.Seq, Kind: KindGap,
					Message:   fmt.Sprintf("day %s: number %s was never issued, leased or voided: nothing in the log explains the gap", day.Day, num),
					MessageZH: fmt.Sprintf("%s：号码%s既未发出，也未授权给取号机或作废，日志中没有任何解释", day.Day, num)})
			}
			out = append(out, g)
		}
	}
	return out, finds
}

// Peek returns the report so far without ending the audit: the open day's
// gaps and waits as they stand now. The report shares the open day's maps
// with the Auditor: read it before the next Add.
func (a *Auditor) Peek() *Report {
	r := a.rep
	r.Findings = slices.Clone(a.rep.Findings)
	r.Days = slices.Clone(a.rep.Days)
	r.Checkpoints = slices.Clone(a.rep.Checkpoints)
	if d := a.day; d != nil && !d.Sealed && len(r.Days) > 0 {
		cp := *d
		cp.waits = slices.Clone(d.waits)
		gaps, finds := a.gaps(d)
		cp.Gaps = append(slices.Clone(d.Gaps), gaps...)
		sortGaps(cp.Gaps)
		cp.Violations += len(finds)
		cp.finish()
		r.Days[len(r.Days)-1] = &cp
		r.Findings = append(r.Findings, finds...)
	}
	r.Consistent = len(r.Findings) == 0 && a.unverif == nil
	return &r
}

func sortGaps(gs []Gap) {
	slices.SortStableFunc(gs, func(x, y Gap) int {
		if x.Number < y.Number {
			return -1
		}
		if x.Number > y.Number {
			return 1
		}
		return 0
	})
}

// dayAfterClose keeps the day open for events between its seal and the next
// opening (there are none in a hallq log, but a day is never tallied twice).
func dayAfterClose(d *Day, sealed bool) *Day {
	if sealed {
		return d
	}
	return nil
}

// Finish ends the audit and returns the report. Remembered checkpoints past
// the end of the log are findings: the log was cut back after they were signed.
func (a *Auditor) Finish() *Report {
	a.closeDay(false)
	for seq, cs := range a.remember {
		if seq > a.rep.Last {
			for _, c := range cs {
				a.find(seq, KindFork, "", "", fmt.Sprintf("a remembered checkpoint signs event %d (hash %s), but the log ends at event %d: history was cut back", seq, short(c.Hash), a.rep.Last),
					fmt.Sprintf("此前保存的检查点签署了第%d条事件，但日志只到第%d条：历史被截短", seq, a.rep.Last))
			}
		}
	}
	a.remember = nil
	a.rep.Consistent = len(a.rep.Findings) == 0 && a.unverif == nil
	if a.rep.Findings == nil {
		a.rep.Findings = []Finding{}
	}
	if a.rep.Days == nil {
		a.rep.Days = []*Day{}
	}
	return &a.rep
}
