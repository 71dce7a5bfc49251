package queue

import (
	"testing"
	"time"
)

// served issues a general ticket, calls it at window 1 and completes it.
func (w *world) served() *Ticket {
	w.t.Helper()
	iss := w.issue("general", "")
	w.next("1")
	w.tick(time.Minute)
	w.do(w.s.Complete(w.h, w.now, "1"))
	return w.s.Tickets[iss.Ticket]
}

func TestRate(t *testing.T) {
	t.Run("once and only once, after completion", func(t *testing.T) {
		w := newWorld(t)
		w.open("1")
		iss := w.issue("general", "")
		_, err := w.s.Rate(w.h, w.now, RateRequest{Ticket: iss.Ticket, Level: RatingSatisfied, Via: RatedOnline})
		wantCode(t, err, ECONFLICT) // waiting
		w.next("1")
		_, err = w.s.Rate(w.h, w.now, RateRequest{Ticket: iss.Ticket, Level: RatingSatisfied, Via: RatedOnline})
		wantCode(t, err, ECONFLICT) // being served
		w.do(w.s.Complete(w.h, w.now, "1"))
		_, err = w.s.Rate(w.h, w.now, RateRequest{Ticket: iss.Ticket, Level: "great", Via: RatedOnline})
		wantCode(t, err, EINVALID)
		evs := w.do(w.s.Rate(w.h, w.now, RateRequest{Ticket: iss.Ticket, Level: RatingSatisfied, Via: RatedOnline}))
		if len(evs) != 1 || evs[0].Type != TypeRatingSubmitted {
			t.Fatalf("a good rating: got %v, want one rating.submitted", evs)
		}
		d := evs[0].Data.(*RatingData)
		if d.Window != "1" || d.Service != "general" || d.Level != RatingSatisfied || d.Number != iss.Number {
			t.Errorf("rating: got %+v", d)
		}
		_, err = w.s.Rate(w.h, w.now, RateRequest{Ticket: iss.Ticket, Level: RatingVerySatisfied, Via: RatedOnline})
		wantCode(t, err, ECONFLICT)
		_, err = w.s.Rate(w.h, w.now, RateRequest{Ticket: "20261123-Z999", Level: RatingSatisfied, Via: RatedOnline})
		wantCode(t, err, ENOTFOUND)
	})
	t.Run("not after the period", func(t *testing.T) {
		w := newWorld(t)
		w.h.Feedback.RatingPeriod = 30 * time.Minute
		w.open("1")
		tk := w.served()
		w.tick(30*time.Minute + time.Millisecond)
		_, err := w.s.Rate(w.h, w.now, RateRequest{Ticket: tk.ID, Level: RatingSatisfied, Via: RatedOnline})
		wantCode(t, err, ECONFLICT)
	})
	t.Run("a bad rating opens a case due in 15 working days", func(t *testing.T) {
		w := newWorld(t) // Monday 23 November 2026
		w.h.Feedback.Calendar = Calendar{Holidays: map[string]bool{"2026-12-01": true}}
		w.open("1")
		tk := w.served()
		evs := w.do(w.s.Rate(w.h, w.now, RateRequest{Ticket: tk.ID, Level: RatingVeryDissatisfied, Via: RatedOnline}))
		if len(evs) != 2 || evs[1].Type != TypeCaseOpened {
			t.Fatalf("a bad rating: got %d events, want rating.submitted and case.opened", len(evs))
		}
		c := evs[1].Data.(*CaseOpenedData)
		if c.Due != "2026-12-15" || c.Window != "1" || c.Ticket != tk.ID {
			t.Errorf("case: got %+v, want due 2026-12-15 (one holiday)", c)
		}
		if len(w.s.Cases) != 1 {
			t.Fatalf("open cases: got %d, want 1", len(w.s.Cases))
		}
		w.now = time.Date(2026, 12, 15, 9, 0, 0, 0, time.UTC) // 17:00 in Shanghai on the due day
		w.roll()
		evs = w.do(w.s.CloseCase(w.h, w.now, c.Case))
		if !evs[0].Data.(*CaseClosedData).OnTime {
			t.Errorf("closed on its due day: on_time false")
		}
		_, err := w.s.CloseCase(w.h, w.now, c.Case)
		wantCode(t, err, ENOTFOUND)
	})
	t.Run("late closing", func(t *testing.T) {
		w := newWorld(t)
		w.open("1")
		tk := w.served()
		evs := w.do(w.s.Rate(w.h, w.now, RateRequest{Ticket: tk.ID, Level: RatingDissatisfied, Via: RatedOnline}))
		w.now = w.now.AddDate(0, 1, 0)
		w.roll()
		evs = w.do(w.s.CloseCase(w.h, w.now, evs[1].Data.(*CaseOpenedData).Case))
		if evs[0].Data.(*CaseClosedData).OnTime {
			t.Errorf("closed a month later: on_time true")
		}
	})
	t.Run("the window's screen rates only what it just served", func(t *testing.T) {
		w := newWorld(t)
		w.open("1", "4")
		_, err := w.s.Rate(w.h, w.now, RateRequest{Window: "1", Level: RatingSatisfied, Via: RatedWindow})
		wantCode(t, err, ECONFLICT) // nothing served yet
		tk := w.served()
		_, err = w.s.Rate(w.h, w.now, RateRequest{Window: "4", Level: RatingSatisfied, Via: RatedWindow})
		wantCode(t, err, ECONFLICT) // another window
		w.issue("general", "")
		w.next("1")
		_, err = w.s.Rate(w.h, w.now, RateRequest{Window: "1", Level: RatingSatisfied, Via: RatedWindow})
		wantCode(t, err, ECONFLICT) // the next one is called: too late for the last
		w.do(w.s.NoShow(w.h, w.now, "1"))
		_, err = w.s.Rate(w.h, w.now, RateRequest{Window: "1", Level: RatingSatisfied, Via: RatedWindow})
		wantCode(t, err, ECONFLICT)
		tk = w.served()
		w.tick(DefaultWindowRatingPeriod + time.Second)
		_, err = w.s.Rate(w.h, w.now, RateRequest{Window: "1", Level: RatingSatisfied, Via: RatedWindow})
		wantCode(t, err, ECONFLICT) // too late
		tk = w.served()
		w.do(w.s.Rate(w.h, w.now, RateRequest{Window: "1", Level: RatingFair, Via: RatedWindow}))
		if tk.Rating != RatingFair {
			t.Errorf("rating: got %q", tk.Rating)
		}
		_, err = w.s.Rate(w.h, w.now, RateRequest{Window: "1", Level: RatingFair, Via: RatedWindow})
		wantCode(t, err, ECONFLICT) // once
		_, err = w.s.Rate(w.h, w.now, RateRequest{Ticket: tk.ID, Level: RatingFair, Via: RatedOnline})
		wantCode(t, err, ECONFLICT) // once, whatever the way
	})
}

func TestComplaint(t *testing.T) {
	w := newWorld(t)
	for _, tt := range []struct{ about, target string }{{"window", "9"}, {"service", "nope"}, {"person", ""}} {
		_, err := w.s.FileComplaint(w.h, w.now, "q1", tt.about, tt.target)
		wantCode(t, err, EINVALID)
	}
	evs := w.do(w.s.FileComplaint(w.h, w.now, "q1", AboutHall, "ignored"))
	if d := evs[0].Data.(*ComplaintFiledData); d.Target != "" || d.About != AboutHall {
		t.Errorf("filed: got %+v", d)
	}
	w.do(w.s.FileComplaint(w.h, w.now, "q2", AboutWindow, "2"))
	w.do(w.s.AnswerComplaint(w.h, w.now, "q1"))
	_, err := w.s.AnswerComplaint(w.h, w.now, "q1")
	wantCode(t, err, ENOTFOUND)
	if c := w.s.Clone(); len(c.Complaints) != 1 || c.Complaints["q2"] == nil {
		t.Errorf("clone: got %v, want q2 open", c.Complaints)
	}
}
