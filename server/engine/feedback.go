package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hallq/server/queue"
	"hallq/server/store"
)

// DefaultFeedbackRetention is how long rating comments, follow-up notes and
// complaints are kept once over, when Options.FeedbackRetention is unset.
const DefaultFeedbackRetention = 180 * 24 * time.Hour

// Bounds of the texts people write, in characters. A longer text is refused,
// never cut, and never echoed back.
const (
	MaxComment       = 500  // a rating's comment
	MaxComplaintText = 2000 // a complaint
	MaxContact       = 100  // a complaint's contact
	MaxNote          = 2000 // a supervisor's note or answer
)

// Keys in store.BucketFeedback, by prefix. Rating comments and case notes are
// keyed by the ticket ID, which starts with its day (retention reads it).
const (
	keyComment   = "r|" // + ticket ID -> feedbackText
	keyCase      = "c|" // + case ID -> caseRecord
	keyComplaint = "q|" // + complaint ID -> complaintRecord
	keyAnswer    = "a|" // + complaint ID -> feedbackText
	keyCode      = "k|" // + MAC of a tracking code -> complaint ID
)

// feedbackText is a private text and when it was written.
type feedbackText struct {
	Text string    `json:"text"`
	At   time.Time `json:"at"`
	By   string    `json:"by,omitempty"` // the supervisor, for an answer
}

// caseRecord is what a supervisor recorded when closing a case.
type caseRecord struct {
	Visit         string    `json:"visit"`
	Rectification string    `json:"rectification"`
	By            string    `json:"by"`
	ClosedAt      time.Time `json:"closed_at"`
}

// complaintRecord is a complaint as filed: the public part is in the log.
type complaintRecord struct {
	ID      string    `json:"id"`
	About   string    `json:"about"`
	Target  string    `json:"target,omitempty"`
	Text    string    `json:"text"`
	Contact string    `json:"contact,omitempty"`
	FiledAt time.Time `json:"filed_at"`
	Code    string    `json:"code"` // MAC of the tracking code
}

// cleanText trims a text people wrote and checks it: valid UTF-8, no control
// characters but line breaks and tabs, at most limit characters, present if
// required. The message names the field, never the text.
func cleanText(field, fieldZH, s string, limit int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", queue.Errorf(queue.EINVALID, "%s: not valid UTF-8 text", field).Zh("%s含有无效字符", fieldZH)
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return "", queue.Errorf(queue.EINVALID, "%s: %d characters, at most %d", field, n, limit).Zh("%s最多%d个字（现有%d个）", fieldZH, limit, n)
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) >= 0 {
		return "", queue.Errorf(queue.EINVALID, "%s: control characters are not allowed", field).Zh("%s含有无效字符", fieldZH)
	}
	if required && s == "" {
		return "", queue.Errorf(queue.EINVALID, "%s: required", field).Zh("请填写%s", fieldZH)
	}
	return s, nil
}

func (p *prep) putFeedback(key string, v any) {
	data, _ := json.Marshal(v)
	p.b.writes = append(p.b.writes, write{bucket: store.BucketFeedback, key: []byte(key), value: data})
}

// RateByToken rates the ticket of a status token: the holder of the receipt
// rates its service once, after it was completed, within the rating period.
// The comment is kept privately for supervisors.
func (e *Engine) RateByToken(ctx context.Context, token, level, comment string) (TicketView, error) {
	comment, err := cleanText("comment", "意见", comment, MaxComment, false)
	if err != nil {
		return TicketView{}, err
	}
	v, err := e.TicketByToken(token)
	if err != nil {
		return TicketView{}, err
	}
	_, err = e.do(ctx, func(p *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := s.Rate(e.hall, now, queue.RateRequest{Ticket: v.ID, Level: level, Via: queue.RatedOnline})
		if err == nil && comment != "" {
			p.putFeedback(keyComment+v.ID, feedbackText{Text: comment, At: now})
		}
		return nil, evs, err
	}, nil)
	if err != nil {
		return TicketView{}, err
	}
	return e.TicketByToken(token)
}

// RateAtWindow rates, from a window's screen or tablet, the ticket the window
// completed last, before its next call, within the window rating period. It
// returns the number rated.
func (e *Engine) RateAtWindow(ctx context.Context, window, level string) (string, error) {
	r, err := e.do(ctx, func(p *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := s.Rate(e.hall, now, queue.RateRequest{Window: window, Level: level, Via: queue.RatedWindow})
		if err != nil {
			return nil, nil, err
		}
		return evs[0].Data.(*queue.RatingData).Number, evs, nil
	}, nil)
	if err != nil {
		return "", err
	}
	return r.result.(string), nil
}

// rateUntil returns until when a ticket may be rated on its page, or zero
// when it may not (not completed, rated, or too late).
func (e *Engine) rateUntil(t *queue.Ticket) time.Time {
	if t.Status != queue.StatusCompleted || t.Rating != "" {
		return time.Time{}
	}
	until := t.DoneAt.Add(e.hall.Feedback.EffectiveRatingPeriod())
	if e.opts.Now().After(until) {
		return time.Time{}
	}
	return until
}

// CaseView is an open follow-up case as supervisors see it, with the
// applicant's private comment.
type CaseView struct {
	queue.Case
	Comment string
	Overdue bool // its due day has passed
}

// OpenCases returns the open cases, the oldest first, with their comments.
func (e *Engine) OpenCases() ([]CaseView, error) {
	var out []CaseView
	e.Read(func(s *queue.State, _ uint64, _ string) {
		for _, c := range s.Cases {
			out = append(out, CaseView{Case: *c})
		}
	})
	today := e.hall.Day(e.opts.Now())
	err := e.store.View(func(tx *store.Tx) error {
		for i := range out {
			out[i].Overdue = today > out[i].Due
			if v := tx.Get(store.BucketFeedback, []byte(keyComment+out[i].Ticket)); v != nil {
				var t feedbackText
				if err := json.Unmarshal(v, &t); err != nil {
					return fmt.Errorf("engine: comment of %s: %w", out[i].Ticket, err)
				}
				out[i].Comment = t.Text
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b CaseView) int { return a.OpenedAt.Compare(b.OpenedAt) })
	return out, err
}

// CloseCase closes an open case with its return visit and rectification,
// both required, kept privately; the log records only that it closed and
// whether on time.
func (e *Engine) CloseCase(ctx context.Context, id, visit, rectification, by string) error {
	visit, err := cleanText("visit", "回访情况", visit, MaxNote, true)
	if err != nil {
		return err
	}
	if rectification, err = cleanText("rectification", "整改情况", rectification, MaxNote, true); err != nil {
		return err
	}
	_, err = e.do(ctx, func(p *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := s.CloseCase(e.hall, now, id)
		if err == nil {
			p.putFeedback(keyCase+id, caseRecord{Visit: visit, Rectification: rectification, By: by, ClosedAt: now})
		}
		return nil, evs, err
	}, nil)
	return err
}

// ComplaintInput is a complaint as the public form sends it.
type ComplaintInput struct {
	About, Target string
	Text          string
	Contact       string // optional; private
}

// FiledComplaint is what the applicant gets back: the tracking code (shown
// once, never stored in clear) and the complaint's public ID.
type FiledComplaint struct {
	ID   string
	Code string
}

// codeAlphabet has no 0/O, 1/I/L: codes are read and typed by people.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func randomCode(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// codeKey is the private key of a tracking code: its MAC under the server's
// token key, so that a copy of the store does not give working codes.
func (e *Engine) codeKey(code string) string {
	return keyCode + e.Token("complaint\x00"+strings.ToUpper(strings.TrimSpace(code)))
}

// FileComplaint records a complaint: complaint.filed in the log, its text and
// contact privately.
func (e *Engine) FileComplaint(ctx context.Context, in ComplaintInput) (FiledComplaint, error) {
	text, err := cleanText("text", "投诉内容", in.Text, MaxComplaintText, true)
	if err != nil {
		return FiledComplaint{}, err
	}
	contact, err := cleanText("contact", "联系方式", in.Contact, MaxContact, false)
	if err != nil {
		return FiledComplaint{}, err
	}
	var idb [8]byte
	rand.Read(idb[:])
	f := FiledComplaint{ID: "Q" + hex.EncodeToString(idb[:]), Code: randomCode(10)}
	key := e.codeKey(f.Code)
	_, err = e.do(ctx, func(p *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := s.FileComplaint(e.hall, now, f.ID, in.About, in.Target)
		if err != nil {
			return nil, nil, err
		}
		target := evs[0].Data.(*queue.ComplaintFiledData).Target
		p.putFeedback(keyComplaint+f.ID, complaintRecord{ID: f.ID, About: in.About, Target: target, Text: text,
			Contact: contact, FiledAt: now, Code: key})
		p.b.writes = append(p.b.writes, write{bucket: store.BucketFeedback, key: []byte(key), value: []byte(f.ID)})
		return nil, evs, nil
	}, nil)
	if err != nil {
		return FiledComplaint{}, err
	}
	return f, nil
}

// ComplaintView is a complaint as supervisors see it; the applicant's
// tracking page shows only its public part and the answer.
type ComplaintView struct {
	ID, About, Target string
	Text, Contact     string
	FiledAt           time.Time
	Answered          bool
	Answer            string
	AnsweredAt        time.Time
}

func readComplaint(tx *store.Tx, id string) (ComplaintView, bool, error) {
	v := tx.Get(store.BucketFeedback, []byte(keyComplaint+id))
	if v == nil {
		return ComplaintView{}, false, nil
	}
	var rec complaintRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return ComplaintView{}, false, fmt.Errorf("engine: complaint %s: %w", id, err)
	}
	c := ComplaintView{ID: rec.ID, About: rec.About, Target: rec.Target, Text: rec.Text, Contact: rec.Contact, FiledAt: rec.FiledAt}
	if a := tx.Get(store.BucketFeedback, []byte(keyAnswer+id)); a != nil {
		var t feedbackText
		if err := json.Unmarshal(a, &t); err != nil {
			return ComplaintView{}, false, fmt.Errorf("engine: answer of %s: %w", id, err)
		}
		c.Answered, c.Answer, c.AnsweredAt = true, t.Text, t.At
	}
	return c, true, nil
}

// OpenComplaints returns the complaints not answered yet, the oldest first.
func (e *Engine) OpenComplaints() ([]ComplaintView, error) {
	var ids []string
	e.Read(func(s *queue.State, _ uint64, _ string) {
		for id := range s.Complaints {
			ids = append(ids, id)
		}
	})
	var out []ComplaintView
	err := e.store.View(func(tx *store.Tx) error {
		for _, id := range ids {
			c, ok, err := readComplaint(tx, id)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, c)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b ComplaintView) int { return a.FiledAt.Compare(b.FiledAt) })
	return out, err
}

// ComplaintByCode returns the complaint of a tracking code, without its
// text and contact: what its tracking page shows.
func (e *Engine) ComplaintByCode(code string) (ComplaintView, error) {
	notFound := queue.Errorf(queue.ENOTFOUND, "no complaint has this tracking code").Zh("查询码不正确，未找到投诉")
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 32 {
		return ComplaintView{}, notFound
	}
	var c ComplaintView
	var found bool
	err := e.store.View(func(tx *store.Tx) error {
		id := tx.Get(store.BucketFeedback, []byte(e.codeKey(code)))
		if id == nil {
			return nil
		}
		var err error
		c, found, err = readComplaint(tx, string(id))
		return err
	})
	if err != nil {
		return ComplaintView{}, err
	}
	if !found {
		return ComplaintView{}, notFound
	}
	c.Text, c.Contact = "", ""
	return c, nil
}

// AnswerComplaint publishes a supervisor's answer to the complaint's tracking
// page; the log records that it was answered.
func (e *Engine) AnswerComplaint(ctx context.Context, id, answer, by string) error {
	answer, err := cleanText("answer", "答复", answer, MaxNote, true)
	if err != nil {
		return err
	}
	_, err = e.do(ctx, func(p *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := s.AnswerComplaint(e.hall, now, id)
		if err == nil {
			p.putFeedback(keyAnswer+id, feedbackText{Text: answer, At: now, By: by})
		}
		return nil, evs, err
	}, nil)
	return err
}

// pruneFeedback deletes, at a day's opening, the private feedback records
// over for longer than the retention: comments and case notes of tickets of
// days before it (unless their case is still open), and answered complaints
// with their answers and tracking codes.
func (e *Engine) pruneFeedback(b *batch, now time.Time) error {
	cutoff := now.Add(-e.opts.FeedbackRetention)
	cutoffDay := compactDay(e.hall.Day(cutoff))
	del := func(k []byte) {
		b.writes = append(b.writes, write{bucket: store.BucketFeedback, key: append([]byte(nil), k...)})
	}
	err := e.store.View(func(tx *store.Tx) error {
		return tx.ForEach(store.BucketFeedback, nil, func(k, v []byte) error {
			key := string(k)
			switch {
			case strings.HasPrefix(key, keyComment), strings.HasPrefix(key, keyCase):
				id := key[2:]
				if _, open := e.working.Cases[id]; !open && id[:min(8, len(id))] < cutoffDay {
					del(k)
				}
			case strings.HasPrefix(key, keyComplaint):
				id := key[2:]
				a := tx.Get(store.BucketFeedback, []byte(keyAnswer+id))
				if a == nil {
					return nil // not answered yet
				}
				var ans feedbackText
				var rec complaintRecord
				if json.Unmarshal(a, &ans) != nil || json.Unmarshal(v, &rec) != nil || ans.At.Before(cutoff) {
					del(k)
					del([]byte(keyAnswer + id))
					if rec.Code != "" {
						del([]byte(rec.Code))
					}
				}
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("engine: prune feedback: %w", err)
	}
	return nil
}
