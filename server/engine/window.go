package engine

import (
	"context"
	"encoding/json"
	"time"

	"hallq/server/queue"
)

// Window actions, as named in the API.
const (
	ActCallNext  = "call-next"
	ActCall      = "call"
	ActRecall    = "recall"
	ActNoShow    = "no-show"
	ActReinstate = "reinstate"
	ActComplete  = "complete"
	ActTransfer  = "transfer"
	ActCancel    = "cancel"
	ActOpen      = "open"
	ActPause     = "pause"
	ActResume    = "resume"
	ActClose     = "close"
)

// Actions lists every window action.
var Actions = []string{ActCallNext, ActCall, ActRecall, ActNoShow, ActReinstate, ActComplete,
	ActTransfer, ActCancel, ActOpen, ActPause, ActResume, ActClose}

// ActInput is a staff member's action at a window.
type ActInput struct {
	Window  string
	Staff   string
	Action  string
	Number  string // call, reinstate, cancel
	Reason  string // call, transfer, cancel: a published reason code
	Service string // transfer: the target service
}

// ActResult is the outcome of a window action: the events it recorded and the
// window's state after them.
type ActResult struct {
	Seq    uint64            `json:"seq"`
	Hash   string            `json:"hash"`
	Window queue.WindowState `json:"window"`
	Ticket *queue.Ticket     `json:"ticket,omitempty"` // the ticket acted on, if any
}

// Act performs a window action for a staff member. The caller has checked that the
// staff member is signed in to the window.
func (e *Engine) Act(ctx context.Context, in ActInput) (ActResult, error) {
	if _, ok := e.hall.Window(in.Window); !ok {
		return ActResult{}, queue.Errorf(queue.ENOTFOUND, "no window %q", in.Window).Zh("没有%s号窗口", in.Window)
	}
	h := e.hall
	var cmd func(s *queue.State, now time.Time) ([]queue.Event, error)
	switch in.Action {
	case ActCallNext:
		cmd = func(s *queue.State, now time.Time) ([]queue.Event, error) {
			return s.CallNext(h, now, in.Window, in.Staff)
		}
	case ActCall:
		if in.Number == "" {
			return ActResult{}, queue.Errorf(queue.EINVALID, "number: required to call a specific number").Zh("请输入要叫的号码")
		}
		cmd = func(s *queue.State, now time.Time) ([]queue.Event, error) {
			return s.CallNumber(h, now, in.Window, in.Staff, in.Number, in.Reason)
		}
	case ActRecall:
		cmd = func(s *queue.State, now time.Time) ([]queue.Event, error) { return s.Recall(h, now, in.Window) }
	case ActNoShow:
		cmd = func(s *queue.State, now time.Time) ([]queue.Event, error) { return s.NoShow(h, now, in.Window) }
	case ActComplete:
		cmd = func(s *queue.State, now time.Time) ([]queue.Event, error) { return s.Complete(h, now, in.Window) }
	case ActReinstate:
		if in.Number == "" {
			return ActResult{}, queue.Errorf(queue.EINVALID, "number: required to reinstate a no-show").Zh("请输入要恢复的过号号码")
		}
		cmd = func(s *queue.State, now time.Time) ([]queue.Event, error) {
			return s.Reinstate(h, now, in.Window, in.Number)
		}
	case ActTransfer:
		if in.Service == "" {
			return ActResult{}, queue.Errorf(queue.EINVALID, "service: required to transfer").Zh("请选择转办的业务")
		}
		cmd = func(s *queue.State, now time.Time) ([]queue.Event, error) {
			return s.Transfer(h, now, in.Window, in.Staff, in.Service, in.Reason)
		}
	case ActCancel:
		if in.Number == "" {
			return ActResult{}, queue.Errorf(queue.EINVALID, "number: required to cancel").Zh("请输入要取消的号码")
		}
		cmd = func(s *queue.State, now time.Time) ([]queue.Event, error) {
			t, ok := s.TicketByNumber(in.Number)
			if !ok {
				return nil, queue.Errorf(queue.ENOTFOUND, "no number %q today", in.Number).Zh("今日没有%s号", in.Number)
			}
			return s.Cancel(h, now, t.ID, in.Window, in.Staff, in.Reason)
		}
	case ActOpen:
		cmd = func(s *queue.State, now time.Time) ([]queue.Event, error) {
			return s.OpenWindow(h, now, in.Window, in.Staff)
		}
	case ActPause:
		cmd = func(s *queue.State, now time.Time) ([]queue.Event, error) {
			return s.PauseWindow(h, now, in.Window, in.Staff)
		}
	case ActResume:
		cmd = func(s *queue.State, now time.Time) ([]queue.Event, error) {
			return s.ResumeWindow(h, now, in.Window, in.Staff)
		}
	case ActClose:
		cmd = func(s *queue.State, now time.Time) ([]queue.Event, error) {
			return s.CloseWindow(h, now, in.Window, in.Staff)
		}
	default:
		return ActResult{}, queue.Errorf(queue.ENOTFOUND, "no window action %q", in.Action).Zh("没有这个窗口操作")
	}
	r, err := e.do(ctx, func(_ *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := cmd(s, now)
		return nil, evs, err
	}, func(r *request, s *queue.State) {
		res := ActResult{Window: s.Window(in.Window)}
		if n := len(r.recs); n > 0 {
			res.Seq, res.Hash = r.recs[n-1].Seq, r.recs[n-1].Hash
		}
		for _, rec := range r.recs {
			var d struct {
				Ticket string `json:"ticket"`
			}
			if json.Unmarshal(rec.Data, &d) == nil && d.Ticket != "" {
				if t, ok := s.Tickets[d.Ticket]; ok {
					cp := *t
					res.Ticket = &cp
				}
			}
		}
		r.result = res
	})
	if err != nil {
		return ActResult{}, err
	}
	res := r.result.(ActResult)
	return res, nil
}
