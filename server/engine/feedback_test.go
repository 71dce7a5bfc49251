package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"hallq/server/queue"
	"hallq/server/store"
)

// feedbackKeys returns the keys of the private feedback records.
func (f *fixture) feedbackKeys() []string {
	f.t.Helper()
	var keys []string
	err := f.st.View(func(tx *store.Tx) error {
		return tx.ForEach(store.BucketFeedback, nil, func(k, _ []byte) error {
			keys = append(keys, string(k[:2]))
			return nil
		})
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return keys
}

// TestFeedbackKeptThenDeleted: a rating's comment, a case's notes and an
// answered complaint with its contact and tracking code are kept privately,
// survive a restart, and are deleted at the first day's opening after the
// retention; an open case keeps its comment.
func TestFeedbackKeptThenDeleted(t *testing.T) {
	f := &fixture{t: t, path: t.TempDir() + "/hall.db", clock: time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)}
	f.opts = func(o *Options) { o.FeedbackRetention = 30 * 24 * time.Hour }
	f.open()
	t.Cleanup(f.close)
	ctx := context.Background()
	f.act(ActInput{Window: "1", Action: ActOpen, Staff: "wang"})
	serve := func(key string) TicketView {
		v := f.issue("general", key)
		f.act(ActInput{Window: "1", Action: ActCallNext, Staff: "wang"})
		f.act(ActInput{Window: "1", Action: ActComplete, Staff: "wang"})
		return v
	}
	closed, open := serve("a"), serve("b")
	for _, v := range []TicketView{closed, open} {
		if _, err := f.e.RateByToken(ctx, v.Token, queue.RatingDissatisfied, "comment of "+v.Number); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.e.CloseCase(ctx, closed.ID, "visited", "rectified", "zhou"); err != nil {
		t.Fatal(err)
	}
	filed, err := f.e.FileComplaint(ctx, ComplaintInput{About: queue.AboutHall, Text: "too cold", Contact: "139"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.e.AnswerComplaint(ctx, filed.ID, "heating fixed", "zhou"); err != nil {
		t.Fatal(err)
	}
	// r r c q a k: two comments, the closed case's notes, the complaint, its answer and code.
	if got := strings.Join(f.feedbackKeys(), " "); got != "a| c| k| q| r| r|" {
		t.Fatalf("private records: got %q", got)
	}
	f.close()
	f.open()
	cases, err := f.e.OpenCases()
	if err != nil || len(cases) != 1 || cases[0].Comment != "comment of "+open.Number {
		t.Fatalf("open cases after a restart: %+v, %v", cases, err)
	}
	c, err := f.e.ComplaintByCode(strings.ToLower(filed.Code))
	if err != nil || !c.Answered || c.Answer != "heating fixed" || c.Text != "" || c.Contact != "" {
		t.Fatalf("complaint by code: %+v, %v", c, err)
	}
	// Within the retention nothing goes; after it, all but the open case's comment.
	f.advance(29 * 24 * time.Hour)
	f.issue("general", "c")
	if n := len(f.feedbackKeys()); n != 6 {
		t.Fatalf("within the retention: %d records, want 6", n)
	}
	f.advance(2 * 24 * time.Hour)
	f.issue("general", "d")
	if got := strings.Join(f.feedbackKeys(), " "); got != "r|" {
		t.Fatalf("after the retention: got %q, want only the open case's comment", got)
	}
	if _, err := f.e.ComplaintByCode(filed.Code); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("the tracking code after the retention: %v, want ENOTFOUND", err)
	}
}
