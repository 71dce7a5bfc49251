package queue

import (
	"strconv"
	"time"
)

// RateRequest is a rating of a served ticket.
type RateRequest struct {
	// Ticket is the ticket rated on its page (Via RatedOnline). For a rating
	// on a window's screen (Via RatedWindow) it is empty: the ticket is the
	// one Window completed last, before its next call.
	Ticket string
	Window string
	Level  string
	Via    string
}

// Rate returns the events of a rating: rating.submitted, and case.opened when
// the level is bad. A ticket is rated once, after it was completed, within
// the hall's rating period.
func (s *State) Rate(h *Hall, now time.Time, r RateRequest) ([]Event, error) {
	if !validLevel(r.Level) {
		return nil, Errorf(EINVALID, "level: must be one of %v", RatingLevels).Zh("请选择评价等级")
	}
	period := h.Feedback.EffectiveRatingPeriod()
	id := r.Ticket
	switch r.Via {
	case RatedOnline:
	case RatedWindow:
		period = h.Feedback.EffectiveWindowRatingPeriod()
		id = s.Window(r.Window).LastDone
		if id == "" {
			return nil, Errorf(ECONFLICT, "window %s has no service just completed to rate", r.Window).Zh("本窗口暂无可评价的办理")
		}
	default:
		return nil, Errorf(EINVALID, "via: %q is not a place to rate", r.Via)
	}
	t, ok := s.Tickets[id]
	if !ok {
		return nil, Errorf(ENOTFOUND, "no ticket %s today", id).Zh("未找到该号码")
	}
	if t.Status != StatusCompleted {
		return nil, Errorf(ECONFLICT, "%s can be rated once its service is completed", t.Number).Zh("%s号办理完成后才能评价", t.Number)
	}
	if t.Rating != "" {
		return nil, Errorf(ECONFLICT, "%s was rated already; each service is rated once", t.Number).Zh("%s号已经评价过，每次办理只能评价一次", t.Number)
	}
	if now.Sub(t.DoneAt) > period {
		return nil, Errorf(ECONFLICT, "the time to rate %s has passed (%s after the service)", t.Number, period).
			Zh("%s号的评价时间已过（办理完成后%s内可评价）", t.Number, zhDuration(period))
	}
	evs := []Event{{Time: now, Type: TypeRatingSubmitted, Data: &RatingData{
		Ticket: t.ID, Number: t.Number, Service: t.Service, Window: t.LastWindow, Level: r.Level, Via: r.Via}}}
	if BadRating(r.Level) {
		due, err := h.Feedback.Calendar.AddWorkdays(h.Day(now), h.Feedback.EffectiveFollowUpDays())
		if err != nil {
			return nil, err
		}
		evs = append(evs, Event{Time: now, Type: TypeCaseOpened, Data: &CaseOpenedData{
			Case: t.ID, Ticket: t.ID, Service: t.Service, Window: t.LastWindow, Level: r.Level, Due: due}})
	}
	return evs, nil
}

// CloseCase returns the event that closes an open case, once its return
// visit and rectification are recorded (privately, by the caller).
func (s *State) CloseCase(h *Hall, now time.Time, id string) ([]Event, error) {
	c, ok := s.Cases[id]
	if !ok {
		return nil, Errorf(ENOTFOUND, "no open case %s", clipID(id)).Zh("没有这个待办的回访件")
	}
	return []Event{{Time: now, Type: TypeCaseClosed, Data: &CaseClosedData{Case: c.ID, OnTime: h.Day(now) <= c.Due}}}, nil
}

// FileComplaint returns the event of a new complaint about a window, a
// service or the hall as a whole. id is an opaque ID the caller chose.
func (s *State) FileComplaint(h *Hall, now time.Time, id, about, target string) ([]Event, error) {
	switch about {
	case AboutWindow:
		if _, ok := h.Window(target); !ok {
			return nil, Errorf(EINVALID, "target: no window %q", clipID(target)).Zh("没有这个窗口")
		}
	case AboutService:
		if _, ok := h.Service(target); !ok {
			return nil, Errorf(EINVALID, "target: no service %q", clipID(target)).Zh("没有这项业务")
		}
	case AboutHall:
		target = ""
	default:
		return nil, Errorf(EINVALID, "about: must be window, service or hall").Zh("请选择投诉对象")
	}
	if _, dup := s.Complaints[id]; dup || id == "" {
		return nil, Errorf(EINTERNAL, "complaint ID %q in use", id)
	}
	return []Event{{Time: now, Type: TypeComplaintFiled, Data: &ComplaintFiledData{Complaint: id, About: about, Target: target}}}, nil
}

// AnswerComplaint returns the event that records a complaint's answer (kept,
// with the complaint, by the caller).
func (s *State) AnswerComplaint(h *Hall, now time.Time, id string) ([]Event, error) {
	if _, ok := s.Complaints[id]; !ok {
		return nil, Errorf(ENOTFOUND, "no open complaint %s", clipID(id)).Zh("没有这个待答复的投诉")
	}
	return []Event{{Time: now, Type: TypeComplaintAnswered, Data: &ComplaintAnsweredData{Complaint: id}}}, nil
}

// clipID bounds an ID echoed in a message.
func clipID(id string) string {
	if len(id) > 40 {
		return id[:40] + "…"
	}
	return id
}

// zhDuration writes a period in Chinese: 2小时, 30分钟, 1小时30分钟.
func zhDuration(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h > 0 && m > 0:
		return strconv.Itoa(h) + "小时" + strconv.Itoa(m) + "分钟"
	case h > 0:
		return strconv.Itoa(h) + "小时"
	}
	return strconv.Itoa(max(m, 1)) + "分钟"
}
