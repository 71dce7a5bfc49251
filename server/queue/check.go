package queue

import "fmt"

// Check verifies one event of the public log against the published rules, on
// the state just before the event (the caller applies it afterwards) and under
// the rules in force (h), as an outside verifier replaying the log does:
//
//   - a call that is not manual must be exactly the rule's pick with the
//     rule's reason; a manual call must name a published reason (CheckCall);
//   - a transfer and a staff cancel of a waiting ticket must name a published
//     reason.
//
// A nil error means the event is consistent with the rules; the error says
// what the rules do not explain. Events the rules do not govern always pass.
func (s *State) Check(h *Hall, ev Event) error {
	switch d := ev.Data.(type) {
	case *TicketCalledData:
		return s.CheckCall(h, d, ev.Time)
	case *TicketTransferredData:
		if _, ok := h.ManualReason(d.Reason); !ok {
			return fmt.Errorf("transfer of %s at window %s without a published reason (%q)", d.Number, d.Window, d.Reason)
		}
	case *TicketCancelledData:
		if d.By == "staff" {
			if _, ok := h.ManualReason(d.Reason); !ok {
				return fmt.Errorf("staff cancel of %s at window %s without a published reason (%q)", d.Number, d.Window, d.Reason)
			}
		}
	}
	return nil
}
