package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hallq/server/eventlog"
	"hallq/server/queue"
	"hallq/server/store"
)

func testHall(t testing.TB) *queue.Hall {
	t.Helper()
	h := &queue.Hall{
		ID: "test", NameZH: "测试", NameEN: "Test", Location: time.FixedZone("CST", 8*3600), DayStart: 4 * time.Hour,
		Services: []queue.Service{
			{ID: "general", NameZH: "综合", NameEN: "General", Prefix: "A", Digits: 4},
			{ID: "tax", NameZH: "税务", NameEN: "Tax", Prefix: "B", RealName: true, PerIdentityDaily: 1},
		},
		Windows: []queue.Window{
			{ID: "1", Primary: []string{"general"}, Secondary: []string{"tax"}},
			{ID: "2", Primary: []string{"tax"}},
		},
		ManualReasons: []queue.Reason{{Code: "supervisor"}},
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	return h
}

type fixture struct {
	t     testing.TB
	path  string
	st    *store.Store
	e     *Engine
	mu    sync.Mutex
	pub   []eventlog.Record
	clock time.Time
	hall  *queue.Hall // testHall when nil
	// opts, when set, adds to the engine's options.
	opts func(*Options)
}

func newFixture(t testing.TB) *fixture {
	f := &fixture{t: t, path: filepath.Join(t.TempDir(), "hall.db"), clock: time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)}
	f.open()
	t.Cleanup(f.close)
	return f
}

func (f *fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.clock = f.clock.Add(d)
	f.mu.Unlock()
}

// testIdentityKey is the identity key of the test halls; it stays the same
// across a fixture's restarts, as a hall's key file does.
var testIdentityKey = []byte("hallq test identity key: 32 byte")

func (f *fixture) open() {
	f.t.Helper()
	// A small journal, so that tests also run through its restarts.
	st, err := store.Open(f.path, store.Options{Journal: true, JournalSize: 256 << 10})
	if err != nil {
		f.t.Fatal(err)
	}
	h := f.hall
	if h == nil {
		h = testHall(f.t)
	}
	o := Options{Now: f.now, IdentityKey: testIdentityKey, Publish: func(recs []eventlog.Record, _ []queue.Event) {
		f.mu.Lock()
		f.pub = append(f.pub, recs...)
		f.mu.Unlock()
	}}
	if f.opts != nil {
		f.opts(&o)
	}
	e, err := Open(st, h, o)
	if err != nil {
		f.t.Fatal(err)
	}
	f.st, f.e = st, e
}

func (f *fixture) close() {
	if f.e != nil {
		if err := f.e.Close(); err != nil {
			f.t.Error(err)
		}
		f.e = nil
	}
	if f.st != nil {
		f.st.Close()
		f.st = nil
	}
}

func (f *fixture) issue(service, key string) TicketView {
	f.t.Helper()
	v, err := f.e.Issue(context.Background(), IssueInput{Kiosk: "k1", Service: service, IdempotencyKey: key})
	if err != nil {
		f.t.Fatalf("issue %s: %v", key, err)
	}
	return v
}

func (f *fixture) act(in ActInput) ActResult {
	f.t.Helper()
	r, err := f.e.Act(context.Background(), in)
	if err != nil {
		f.t.Fatalf("%s: %v", in.Action, err)
	}
	return r
}

func TestConcurrentIssueUniqueAndIdempotent(t *testing.T) {
	f := newFixture(t)
	const n = 300
	views := make([]TicketView, 2*n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Go(func() {
			// Every key is sent twice, concurrently.
			views[i], errs[i] = f.e.Issue(context.Background(), IssueInput{Kiosk: "k1", Service: "general", IdempotencyKey: fmt.Sprint("key-", i%n)})
		})
	}
	wg.Wait()
	numbers := map[string]string{}
	for i, v := range views {
		if errs[i] != nil {
			t.Fatalf("issue %d: %v", i, errs[i])
		}
		key := fmt.Sprint("key-", i%n)
		if prev, ok := numbers[v.Number]; ok && prev != key {
			t.Fatalf("number %s issued for %s and %s", v.Number, prev, key)
		}
		numbers[v.Number] = key
		if other := views[(i+n)%(2*n)]; other.ID != v.ID {
			t.Fatalf("key %s: got tickets %s and %s", key, v.Number, other.Number)
		}
		if v.Seq == 0 || len(v.Hash) != 64 || v.Token == "" {
			t.Fatalf("ticket view incomplete: %+v", v)
		}
	}
	if len(numbers) != n {
		t.Fatalf("got %d distinct numbers, want %d", len(numbers), n)
	}
	// A retry with the same key after the fact returns the same ticket.
	again := f.issue("general", "key-7")
	if again.ID != views[7].ID || again.Hash != views[7].Hash || again.Seq != views[7].Seq {
		t.Errorf("retry: got %+v, want %+v", again, views[7])
	}
	// The same key for another service is a conflict, not a new ticket.
	_, err := f.e.Issue(context.Background(), IssueInput{Kiosk: "k1", Service: "tax", IdempotencyKey: "key-7", DocNumber: "11010519491231002X"})
	if queue.ErrorCode(err) != queue.ECONFLICT {
		t.Errorf("key reused for another service: got %v, want ECONFLICT", err)
	}
	// Another kiosk's key space is its own.
	other, err := f.e.Issue(context.Background(), IssueInput{Kiosk: "k2", Service: "general", IdempotencyKey: "key-7"})
	if err != nil || other.ID == views[7].ID {
		t.Errorf("other kiosk, same key: got %v %v, want a new ticket", other.Number, err)
	}
	if err := f.st.Verify(1, 0); err != nil {
		t.Fatal(err)
	}
	// After a restart, which reads the keys back from the file (a batch's keys
	// are stored together), every key still returns its ticket.
	f.close()
	f.open()
	for i := range n {
		if v := f.issue("general", fmt.Sprint("key-", i)); v.ID != views[i].ID {
			t.Fatalf("after restart, key-%d: got %s, want %s", i, v.Number, views[i].Number)
		}
	}
	if v := f.issue("general", "fresh"); v.Number != fmt.Sprintf("A%04d", n+2) {
		t.Errorf("after restart, a new key: got %s, want A%04d", v.Number, n+2)
	}
}

func TestPublishAfterCommitInOrder(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { f.issue("general", fmt.Sprint(i)) })
	}
	wg.Wait()
	// Requests are answered before their events reach subscribers; Close
	// waits until the publisher has handed everything on.
	if err := f.e.Close(); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	pub := append([]eventlog.Record(nil), f.pub...)
	f.mu.Unlock()
	head, _ := f.st.Head()
	if uint64(len(pub)) != head {
		t.Fatalf("published %d records, log head is %d", len(pub), head)
	}
	for i, r := range pub {
		if r.Seq != uint64(i+1) {
			t.Fatalf("published seq %d at position %d", r.Seq, i)
		}
		stored, err := f.st.Event(r.Seq)
		if err != nil || string(stored.Raw) != string(r.Raw) {
			t.Fatalf("published event %d differs from the stored one (%v)", r.Seq, err)
		}
	}
}

func TestIdentityLimitAndPrivacy(t *testing.T) {
	f := newFixture(t)
	in := IssueInput{Kiosk: "k1", Service: "tax", DocNumber: "11010519491231002X", IdempotencyKey: "a"}
	if _, err := f.e.Issue(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	in.IdempotencyKey, in.DocNumber = "b", "110105 19491231 002x" // same person, typed differently
	if _, err := f.e.Issue(context.Background(), in); queue.ErrorCode(err) != queue.ELIMIT {
		t.Fatalf("second ticket for the same identity: got %v, want ELIMIT", err)
	}
	in.IdempotencyKey, in.DocNumber = "c", "110105194912310021"
	if _, err := f.e.Issue(context.Background(), in); queue.ErrorCode(err) != queue.EINVALID {
		t.Fatalf("bad check digit: got %v, want EINVALID", err)
	}
	in.IdempotencyKey, in.DocNumber = "d", ""
	if _, err := f.e.Issue(context.Background(), in); queue.ErrorCode(err) != queue.EINVALID {
		t.Fatalf("real-name service without document: got %v, want EINVALID", err)
	}
	// The number appears nowhere in the log or the private buckets.
	recs, err := f.st.EventsAfter(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if containsAny(string(r.Raw), "11010519491231002X", "19491231") {
			t.Fatalf("event %d contains the ID number: %s", r.Seq, r.Raw)
		}
	}
	err = f.st.View(func(tx *store.Tx) error {
		for _, b := range []store.Bucket{store.BucketIdentities, store.BucketIdempotency} {
			if err := tx.ForEach(b, nil, func(k, v []byte) error {
				if containsAny(string(k)+string(v), "11010519491231002X", "19491231") {
					t.Errorf("bucket %s holds the ID number", b)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
	}
	return false
}

func TestWindowFlowAndRestart(t *testing.T) {
	f := newFixture(t)
	a := f.issue("general", "1")
	f.issue("general", "2")
	f.act(ActInput{Window: "1", Staff: "wang", Action: ActOpen})
	r := f.act(ActInput{Window: "1", Staff: "wang", Action: ActCallNext})
	if r.Ticket == nil || r.Ticket.Number != a.Number || r.Window.Current != a.ID {
		t.Fatalf("call-next: got %+v", r)
	}
	got, err := f.e.TicketByToken(a.Token)
	if err != nil || got.Status != queue.StatusCalled || got.Window != "1" {
		t.Fatalf("ticket by token: got %+v %v", got, err)
	}
	f.advance(3 * time.Minute)
	f.act(ActInput{Window: "1", Staff: "wang", Action: ActComplete})
	if _, err := f.e.Act(context.Background(), ActInput{Window: "1", Action: "dance"}); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("unknown action: got %v", err)
	}
	board := f.e.Board()
	seq, hash := f.e.Head()

	// Restart: the state comes back from the log (snapshot written at Close).
	f.close()
	f.open()
	board2 := f.e.Board()
	if board2.Seq != seq || board2.Hash != hash || board2.Windows[0].Served != 1 || board2.Services[0].Waiting != 1 {
		t.Fatalf("after restart: got %+v, want seq %d and the same counts as %+v", board2, seq, board)
	}
	if got, err := f.e.TicketByToken(a.Token); err != nil || got.Status != queue.StatusCompleted {
		t.Fatalf("token after restart: %+v %v", got, err)
	}
	if v := f.issue("general", "3"); v.Number != "A0003" {
		t.Errorf("numbering after restart: got %s, want A0003", v.Number)
	}
}

// TestTokensAfterRestart: the status tokens of the day's tickets are made
// in the background after a start; tickets issued meanwhile keep theirs,
// and a day opened meanwhile drops the tokens of the day before, whichever
// comes first.
func TestTokensAfterRestart(t *testing.T) {
	f := newFixture(t)
	var before []TicketView
	for i := range 50 {
		before = append(before, f.issue("general", fmt.Sprint("b", i)))
	}
	f.close()
	f.open()
	after := f.issue("general", "a")
	for _, v := range append(before, after) {
		if got, err := f.e.TicketByToken(v.Token); err != nil || got.ID != v.ID {
			t.Fatalf("token of %s after restart: %+v %v", v.Number, got, err)
		}
	}
	f.close()
	f.open()
	f.advance(24 * time.Hour)
	next := f.issue("general", "n")
	if _, err := f.e.TicketByToken(before[0].Token); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("yesterday's token after a restart and a new day: got %v, want ENOTFOUND", err)
	}
	if got, err := f.e.TicketByToken(next.Token); err != nil || got.ID != next.ID {
		t.Errorf("today's token: %+v %v", got, err)
	}
}

func TestRestartWithoutSnapshot(t *testing.T) {
	f := newFixture(t)
	for i := range 5 {
		f.issue("general", fmt.Sprint(i))
	}
	want := f.e.Board()
	// Close the store without the engine's final snapshot, as after a crash.
	e := f.e
	f.e = nil
	close(e.stop)
	<-e.stopped
	f.close()
	f.open()
	if got := f.e.Board(); got.Seq != want.Seq || got.Services[0].Waiting != 5 {
		t.Fatalf("replay without snapshot: got %+v, want %+v", got, want)
	}
}

func TestDayRollResetsNumbering(t *testing.T) {
	f := newFixture(t)
	old := f.issue("general", "1")
	f.advance(24 * time.Hour)
	v := f.issue("general", "2")
	if v.Number != "A0001" {
		t.Errorf("first number of the next day: got %s", v.Number)
	}
	if _, err := f.e.TicketByToken(old.Token); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("yesterday's token: got %v, want ENOTFOUND", err)
	}
}

// TestFaultRefusesBatchAndRecovers: a batch that cannot be prepared is refused
// whole, together with anything prepared on top of it, and the writer starts
// again from the committed state: numbering continues without a gap or repeat.
func TestFaultRefusesBatchAndRecovers(t *testing.T) {
	f := newFixture(t)
	f.issue("general", "before")
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range 40 {
		wg.Go(func() {
			if i == 20 {
				_, errs[i] = f.e.do(context.Background(), func(_ *prep, _ *queue.State, _ time.Time) (any, []queue.Event, error) {
					return nil, nil, fmt.Errorf("disk on fire")
				}, nil)
				return
			}
			_, errs[i] = f.e.Issue(context.Background(), IssueInput{Kiosk: "k1", Service: "general", IdempotencyKey: fmt.Sprint("c", i)})
		})
	}
	wg.Wait()
	if queue.ErrorCode(errs[20]) != queue.EUNAVAILABLE {
		t.Fatalf("faulty request: got %v, want EUNAVAILABLE", errs[20])
	}
	ok := 0
	for i, err := range errs {
		if err == nil {
			ok++
		} else if queue.ErrorCode(err) != queue.EUNAVAILABLE {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	// Retrying the refused requests gives each one ticket; numbers are dense.
	for i, err := range errs {
		if err != nil && i != 20 {
			f.issue("general", fmt.Sprint("c", i))
		}
	}
	after := f.issue("general", "after")
	if want := "A0041"; after.Number != want {
		t.Fatalf("after recovery: got %s, want %s (1 before + 39 + 1)", after.Number, want)
	}
	if err := f.st.Verify(1, 0); err != nil {
		t.Fatal(err)
	}
	seq, hash := f.st.Head()
	eseq, ehash := f.e.Head()
	if seq != eseq || hash != ehash {
		t.Fatalf("engine head %d %s, store head %d %s", eseq, ehash, seq, hash)
	}
	t.Logf("%d of 39 succeeded before the fault was cleared", ok)
}

// TestIssueAcrossDayStart: tickets issued while the service day turns over are
// all answered with their own ticket, though the batch after theirs may already
// have opened the next day.
func TestIssueAcrossDayStart(t *testing.T) {
	f := newFixture(t)
	// 03:59:50 in the hall (UTC+8), ten seconds before the day starts at 04:00.
	f.clock = time.Date(2026, 11, 23, 19, 59, 50, 0, time.UTC)
	// One ticket before the turn, so the old day has a ticket however the
	// goroutines below are scheduled; the last of them reads a clock ten
	// seconds past the turn, so the new day has one too.
	first := f.issue("general", "first")
	var wg sync.WaitGroup
	var mu sync.Mutex
	days := map[string]int{first.ID[:8]: 1}
	for i := range 400 {
		wg.Go(func() {
			f.advance(50 * time.Millisecond)
			v, err := f.e.Issue(context.Background(), IssueInput{Kiosk: "k1", Service: "general", IdempotencyKey: fmt.Sprint(i)})
			if err != nil {
				t.Errorf("issue %d: %v", i, err)
				return
			}
			if v.Status != queue.StatusWaiting || v.Token == "" || v.Number == "" || v.ID[9:] != v.Number {
				t.Errorf("issue %d: incomplete view %+v", i, v)
			}
			mu.Lock()
			days[v.ID[:8]]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(days) != 2 {
		t.Fatalf("tickets by day: %v, want two days", days)
	}
	if err := f.st.Verify(1, 0); err != nil {
		t.Fatal(err)
	}
}

func TestLeaseAndOfflineSync(t *testing.T) {
	f := newFixture(t)
	l, err := f.e.GrantLease(context.Background(), "k1", "general", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Numbers) != 3 || l.Numbers[0].Number != "A0001" || l.Numbers[0].Token != f.e.Token(l.Numbers[0].Ticket) {
		t.Fatalf("lease: %+v", l)
	}
	offlineAt := f.now().Add(time.Minute)
	f.advance(2 * time.Minute)
	in := OfflineInput{Kiosk: "k1", Lease: l.ID, Number: "A0002", IssuedAt: offlineAt}
	v, replayed, err := f.e.SyncOffline(context.Background(), in)
	if err != nil || replayed || v.Number != "A0002" || !v.IssuedAt.Equal(offlineAt.Truncate(time.Millisecond)) || len(v.Hash) != 64 {
		t.Fatalf("sync: %+v %v %v", v, replayed, err)
	}
	// The token printed offline finds the ticket.
	if got, err := f.e.TicketByToken(l.Numbers[1].Token); err != nil || got.ID != v.ID {
		t.Fatalf("offline token: %+v %v", got, err)
	}
	// Syncing again, many times, gives the same ticket and no second event.
	head, _ := f.st.Head()
	for range 5 {
		again, replayed, err := f.e.SyncOffline(context.Background(), in)
		if err != nil || !replayed || again.ID != v.ID || again.Hash != v.Hash {
			t.Fatalf("re-sync: %+v %v %v", again, replayed, err)
		}
	}
	if h2, _ := f.st.Head(); h2 != head {
		t.Fatalf("re-sync appended events: head %d -> %d", head, h2)
	}
	if got := f.e.Leases("k1"); len(got) != 1 || len(got[0].Numbers) != 2 {
		t.Fatalf("leases after sync: %+v", got)
	}
	if got := f.e.Leases("k2"); len(got) != 0 {
		t.Fatalf("another kiosk sees leases: %+v", got)
	}
}

func TestIdemRecordJSON(t *testing.T) {
	for _, rec := range []idemRecord{
		{Key: "k1\x00abc", Ticket: "20261123-A0001", Service: "general"},
		{Key: "k\x00<é\"\\>\u2028", Ticket: "", Service: "税"},
		{Key: "k1\x00d", Ticket: "20261123-B0001", Service: "tax", Identity: "2026-11-23|tax|0a1b"},
	} {
		want, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.appendJSON(nil); string(got) != string(want) {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

// TestOfflineTicketReplacesUnansweredRequest: a kiosk whose online request got
// no answer prints a leased number instead and names the request's key when it
// syncs. A ticket the server did issue for that key is withdrawn, publicly; a
// key the server never saw is spent, so the request arriving late issues
// nothing. Replays and a restart change neither.
func TestOfflineTicketReplacesUnansweredRequest(t *testing.T) {
	f := newFixture(t)
	l, err := f.e.GrantLease(context.Background(), "k1", "general", 3)
	if err != nil {
		t.Fatal(err)
	}
	// The server issued this, but the kiosk never heard back.
	lost, err := f.e.Issue(context.Background(), IssueInput{Kiosk: "k1", Service: "general", IdempotencyKey: "lost"})
	if err != nil {
		t.Fatal(err)
	}
	in := OfflineInput{Kiosk: "k1", Lease: l.ID, Number: l.Numbers[0].Number, IssuedAt: f.now(), Replaces: "lost"}
	v, replayed, err := f.e.SyncOffline(context.Background(), in)
	if err != nil || replayed || v.Number != l.Numbers[0].Number {
		t.Fatalf("sync: %+v %v %v", v, replayed, err)
	}
	got, err := f.e.TicketByToken(lost.Token)
	if err != nil || got.Status != queue.StatusCancelled {
		t.Fatalf("the unanswered request's ticket: %+v %v, want cancelled", got, err)
	}
	recs, err := f.st.EventsAfter(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1]
	var d queue.TicketCancelledData
	if err := json.Unmarshal(last.Data, &d); err != nil || last.Type != queue.TypeTicketCancelled ||
		d.Ticket != lost.ID || d.By != "kiosk" || d.ReplacedBy != v.Number {
		t.Fatalf("last event: %s %s, want the withdrawal of %s replaced by %s", last.Type, last.Data, lost.Number, v.Number)
	}
	// A key the server never saw is spent.
	in2 := OfflineInput{Kiosk: "k1", Lease: l.ID, Number: l.Numbers[1].Number, IssuedAt: f.now(), Replaces: "never-arrived"}
	if _, _, err := f.e.SyncOffline(context.Background(), in2); err != nil {
		t.Fatal(err)
	}
	head, _ := f.st.Head()
	for _, again := range []OfflineInput{in, in2} {
		if _, replayed, err := f.e.SyncOffline(context.Background(), again); err != nil || !replayed {
			t.Fatalf("replayed sync of %s: replayed %v, %v", again.Number, replayed, err)
		}
	}
	if h, _ := f.st.Head(); h != head {
		t.Fatalf("replayed syncs appended events: head %d -> %d", head, h)
	}
	f.close()
	f.open()
	for _, key := range []string{"never-arrived", "lost"} {
		_, err := f.e.Issue(context.Background(), IssueInput{Kiosk: "k1", Service: "general", IdempotencyKey: key})
		if key == "never-arrived" && queue.ErrorCode(err) != queue.ECONFLICT {
			t.Errorf("late request of a spent key: got %v, want ECONFLICT", err)
		}
		if key == "lost" && err != nil {
			t.Errorf("retry of the withdrawn ticket's key: %v, want the (cancelled) ticket back", err)
		}
	}
	// Another kiosk's key of the same name is its own.
	if _, err := f.e.Issue(context.Background(), IssueInput{Kiosk: "k2", Service: "general", IdempotencyKey: "never-arrived"}); err != nil {
		t.Errorf("another kiosk, same key: %v", err)
	}
}

// TestWithdrawUnansweredRequest: a request the kiosk could not replace with an
// offline ticket is withdrawn on its own, once, or its key spent.
func TestWithdrawUnansweredRequest(t *testing.T) {
	f := newFixture(t)
	lost, err := f.e.Issue(context.Background(), IssueInput{Kiosk: "k1", Service: "general", IdempotencyKey: "lost"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Withdraw(context.Background(), "k2", "lost"); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.e.TicketByToken(lost.Token); got.Status != queue.StatusWaiting {
		t.Fatalf("another kiosk's key withdrew %s", lost.Number)
	}
	for i := range 3 {
		n, err := f.e.Withdraw(context.Background(), "k1", "lost")
		if want := map[bool]string{true: lost.Number, false: ""}[i == 0]; err != nil || n != want {
			t.Fatalf("withdraw %d: got %q %v, want %q", i, n, err, want)
		}
	}
	if got, _ := f.e.TicketByToken(lost.Token); got.Status != queue.StatusCancelled {
		t.Fatalf("%s: %s, want cancelled", lost.Number, got.Status)
	}
	if _, err := f.e.Withdraw(context.Background(), "k1", "late"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Issue(context.Background(), IssueInput{Kiosk: "k1", Service: "general", IdempotencyKey: "late"}); queue.ErrorCode(err) != queue.ECONFLICT {
		t.Fatalf("late request of a withdrawn key: %v, want ECONFLICT", err)
	}
	if _, err := f.e.Withdraw(context.Background(), "k1", ""); queue.ErrorCode(err) != queue.EINVALID {
		t.Fatalf("empty key: %v, want EINVALID", err)
	}
}

// TestWithdrawGivesTheDailyPlaceBack: a real-name ticket the kiosk withdrew
// (its request got no answer) was never in the applicant's hands, so it no
// longer counts against their daily limit, also after a restart.
func TestWithdrawGivesTheDailyPlaceBack(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := IssueInput{Kiosk: "k1", Service: "tax", DocNumber: "11010519491231002X", IdempotencyKey: "lost"}
	if _, err := f.e.Issue(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.IdempotencyKey = "again"
	if _, err := f.e.Issue(ctx, in); queue.ErrorCode(err) != queue.ELIMIT {
		t.Fatalf("second ticket of the day: %v, want ELIMIT", err)
	}
	if n, err := f.e.Withdraw(ctx, "k1", "lost"); err != nil || n == "" {
		t.Fatalf("withdraw: %q %v", n, err)
	}
	// Withdrawing again gives nothing more back.
	if n, err := f.e.Withdraw(ctx, "k1", "lost"); err != nil || n != "" {
		t.Fatalf("second withdraw: %q %v", n, err)
	}
	f.close()
	f.open()
	in.IdempotencyKey = "retry"
	if _, err := f.e.Issue(ctx, in); err != nil {
		t.Fatalf("a ticket after the withdrawal: %v", err)
	}
	in.IdempotencyKey = "more"
	if _, err := f.e.Issue(ctx, in); queue.ErrorCode(err) != queue.ELIMIT {
		t.Fatalf("a ticket over the limit after the withdrawal: %v, want ELIMIT", err)
	}
}

// TestOfflinePlacementSurvivesRestart: the kiosk's last contact, which bounds
// the place of its offline tickets, is part of the projection, so a restart
// (from a snapshot, or from a snapshot of an earlier format that lacks it)
// does not let a backdated ticket through.
func TestOfflinePlacementSurvivesRestart(t *testing.T) {
	for _, oldSnapshot := range []bool{false, true} {
		t.Run(fmt.Sprint("old snapshot=", oldSnapshot), func(t *testing.T) {
			f := newFixture(t)
			l, err := f.e.GrantLease(context.Background(), "k1", "general", 3)
			if err != nil {
				t.Fatal(err)
			}
			f.advance(10 * time.Minute)
			contact := f.issue("general", "online").IssuedAt
			f.close()
			if oldSnapshot {
				st, err := store.Open(f.path, store.Options{Journal: true, JournalSize: 256 << 10})
				if err != nil {
					t.Fatal(err)
				}
				seq, data, err := st.LatestSnapshot()
				if err != nil || data == nil {
					t.Fatalf("no snapshot after close: %v", err)
				}
				// The earlier format was the state's JSON.
				data = stateJSON(t, st, seq)
				var m map[string]json.RawMessage
				if err := json.Unmarshal(data, &m); err != nil {
					t.Fatal(err)
				}
				delete(m, "format")
				delete(m, "contacts")
				old, _ := json.Marshal(m)
				if err := st.Update(func(tx *store.Tx) error { return tx.PutSnapshot(seq, old) }); err != nil {
					t.Fatal(err)
				}
				st.Close()
			}
			f.advance(time.Hour)
			f.open()
			v, _, err := f.e.SyncOffline(context.Background(), OfflineInput{Kiosk: "k1", Lease: l.ID, Number: "A0001",
				IssuedAt: contact.Add(-5 * time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			if !v.IssuedAt.Equal(contact) {
				t.Fatalf("offline ticket claimed before the kiosk's online ticket: placed at %v, want %v", v.IssuedAt, contact)
			}
		})
	}
}

// TestClockSetBack: a server clock set back does not date a new ticket
// before those already issued, which would place it ahead of them.
func TestClockSetBack(t *testing.T) {
	f := newFixture(t)
	first := f.issue("general", "first")
	f.advance(-time.Hour)
	second := f.issue("general", "second")
	if second.IssuedAt.Before(first.IssuedAt) || second.Ahead != 1 {
		t.Fatalf("ticket issued after the clock went back an hour: issued %v (first %v), %d ahead; want after the first",
			second.IssuedAt, first.IssuedAt, second.Ahead)
	}
}
