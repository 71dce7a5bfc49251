package outbox

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/client"
	"hallq/server/wire"
)

const day = "2026-11-22"

func openStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// lease returns a lease of service on day with the given numbers, as the
// server would grant it.
func lease(day, service string, numbers ...string) wire.Lease {
	l := wire.Lease{ID: "L" + day + "-" + numbers[0], Service: service, Day: day}
	for _, n := range numbers {
		l.Numbers = append(l.Numbers, wire.LeasedNumber{Number: n, Ticket: day + "-" + n, Token: "tok-" + n,
			StatusURL: "http://hall/t/tok-" + n})
	}
	return l
}

func numbers(ts []Ticket) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Number
	}
	return out
}

func TestTakeIssuesLeasedNumbersInOrder(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "kiosk.db"))
	for _, l := range []wire.Lease{
		lease(day, "general", "A006", "A007"),
		lease(day, "general", "A003", "A004"),
		lease(day, "estate", "C001"),
		lease("2026-11-21", "general", "A001"), // yesterday's: never issued today
	} {
		if err := s.AddLease(l); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, service string
		want          string // number, or "" for ErrSpent
	}{
		{"lowest number first", "general", "A003"},
		{"next in the same lease", "general", "A004"},
		{"then the next lease", "general", "A006"},
		{"another service", "estate", "C001"},
		{"that service spent", "estate", ""},
		{"last number", "general", "A007"},
		{"spent", "general", ""},
		{"service without a lease", "social", ""},
	}
	at := time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, err := s.Take("kiosk-1", day, tt.service, "", at.Add(time.Duration(i)*time.Minute))
			if tt.want == "" {
				if !errors.Is(err, ErrSpent) {
					t.Fatalf("got %+v, %v; want ErrSpent", tk, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tk.Number != tt.want || tk.Token != "tok-"+tt.want || tk.StatusURL != "http://hall/t/tok-"+tt.want ||
				tk.State != Pending || tk.Kiosk != "kiosk-1" || tk.Day != day || tk.Service != tt.service {
				t.Fatalf("got %+v, want pending ticket %s", tk, tt.want)
			}
		})
	}
	pending, err := s.Pending()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := numbers(pending), []string{"A003", "A004", "A006", "C001", "A007"}; !slices.Equal(got, want) {
		t.Fatalf("pending: got %v, want %v", got, want)
	}
	for i := 1; i < len(pending); i++ {
		if pending[i].Seq <= pending[i-1].Seq {
			t.Fatalf("local sequence not increasing: %d after %d", pending[i].Seq, pending[i-1].Seq)
		}
	}
}

func TestRestartLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddLease(lease(day, "general", "A001", "A002", "A003")); err != nil {
		t.Fatal(err)
	}
	if err := s.Put("kiosk", "kiosk-1"); err != nil {
		t.Fatal(err)
	}
	first, err := s.Take("kiosk-1", day, "general", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, path)
	var kiosk string
	if ok, err := s.Get("kiosk", &kiosk); !ok || err != nil || kiosk != "kiosk-1" {
		t.Fatalf("kiosk after restart: got %q, %v, %v", kiosk, ok, err)
	}
	pending, err := s.Pending()
	if err != nil || len(pending) != 1 || pending[0] != first {
		t.Fatalf("pending after restart: got %+v, %v; want %+v", pending, err, first)
	}
	rem, err := s.Remaining(day)
	if err != nil || rem["general"] != 2 {
		t.Fatalf("remaining after restart: got %v, %v; want 2 of general", rem, err)
	}
	second, err := s.Take("kiosk-1", day, "general", "", time.Now())
	if err != nil || second.Number != "A002" || second.Seq <= first.Seq {
		t.Fatalf("take after restart: got %+v, %v; want A002 with a later sequence than %d", second, err, first.Seq)
	}
}

func TestReplaceLeasesKeepsUnsyncedNumbersUsed(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "kiosk.db"))
	if err := s.AddLease(lease(day, "general", "A001", "A002", "A003")); err != nil {
		t.Fatal(err)
	}
	if err := s.AddLease(lease("2026-11-21", "general", "A050")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Take("kiosk-1", day, "general", "", time.Now()); err != nil {
		t.Fatal(err)
	}
	// The server does not know of A001 yet, so it still lists it as unused,
	// and it has granted two more numbers since; yesterday's lease is gone.
	server := []wire.Lease{lease(day, "general", "A001", "A002", "A003"), lease(day, "general", "A011", "A012")}
	if err := s.ReplaceLeases(server); err != nil {
		t.Fatal(err)
	}
	leases, err := s.Leases()
	if err != nil || len(leases) != 2 {
		t.Fatalf("leases: got %+v, %v; want the server's two", leases, err)
	}
	rem, err := s.Remaining(day)
	if err != nil || rem["general"] != 4 {
		t.Fatalf("remaining: got %v, %v; want 4 (A002, A003, A011, A012)", rem, err)
	}
	var got []string
	for {
		tk, err := s.Take("kiosk-1", day, "general", "", time.Now())
		if errors.Is(err, ErrSpent) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tk.Number)
	}
	if want := []string{"A002", "A003", "A011", "A012"}; !slices.Equal(got, want) {
		t.Fatalf("issued after the replacement: got %v, want %v", got, want)
	}
}

func TestAddLeaseMergesNumbers(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "kiosk.db"))
	l := lease(day, "general", "A001", "A002")
	more := l
	more.Numbers = lease(day, "general", "A002", "A003").Numbers
	for _, x := range []wire.Lease{l, more} {
		if err := s.AddLease(x); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddLease(wire.Lease{ID: "x"}); err == nil {
		t.Fatal("a lease without service and day was stored")
	}
	leases, _ := s.Leases()
	if len(leases) != 1 || len(leases[0].Numbers) != 3 {
		t.Fatalf("got %+v, want one lease of A001 to A003", leases)
	}
}

// fakeServer is the server's sync as Drain sees it: idempotent by number,
// with scripted failures.
type fakeServer struct {
	recorded map[string]int                // number -> times recorded (must stay 1)
	fail     map[string][]error            // number -> errors to answer first, in turn
	calls    map[string]int                // number -> calls
	seq      uint64                        // log head
	issued   map[string]struct{}           // numbers in the "log"
	sent     map[string]wire.OfflineTicket // number -> as last sent
}

func newFakeServer() *fakeServer {
	return &fakeServer{recorded: map[string]int{}, fail: map[string][]error{}, calls: map[string]int{}, issued: map[string]struct{}{},
		sent: map[string]wire.OfflineTicket{}}
}

func (f *fakeServer) SyncOffline(_ context.Context, t wire.OfflineTicket) (*wire.Ticket, error) {
	f.calls[t.Number]++
	f.sent[t.Number] = t
	var outcome error
	if errs := f.fail[t.Number]; len(errs) > 0 {
		outcome, f.fail[t.Number] = errs[0], errs[1:]
	}
	if outcome != nil && outcome != errLostAnswer {
		return nil, outcome
	}
	if _, ok := f.issued[t.Number]; !ok {
		f.seq++
		f.issued[t.Number] = struct{}{}
		f.recorded[t.Number]++
	}
	if outcome == errLostAnswer {
		return nil, fmt.Errorf("client: POST /api/v1/tickets/offline: read answer: %w", errors.New("connection reset by peer"))
	}
	return &wire.Ticket{Number: t.Number, Seq: f.seq, Status: "waiting"}, nil
}

// errLostAnswer scripts a sync the server records but whose answer is lost.
var errLostAnswer = errors.New("lost answer")

var _ Syncer = (*fakeServer)(nil)

func TestDrain(t *testing.T) {
	unreachable := fmt.Errorf("client: POST /api/v1/tickets/offline: %w", errors.New("connection refused"))
	voided := &client.Error{Status: 409, Code: "ECONFLICT", Message: "lease was voided"}
	busy := &client.Error{Status: 503, Code: "EUNAVAILABLE", Message: "shutting down"}
	badToken := &client.Error{Status: 401, Code: "EUNAUTHORIZED", Message: "unknown device token"}
	proxyPage := &client.Error{Status: 404, Message: "<html>not found</html>"}
	tests := []struct {
		name    string
		fail    map[string][]error
		drains  int      // calls of Drain
		synced  []string // settled as synced, in all drains
		refused []string
		left    int // pending at the end
	}{
		{"all at once", nil, 1, []string{"A001", "A002", "A003"}, nil, 0},
		{"unreachable, then back", map[string][]error{"A002": {unreachable}}, 2, []string{"A001", "A002", "A003"}, nil, 0},
		{"unreachable stops the drain", map[string][]error{"A001": {unreachable, unreachable}}, 2, nil, nil, 3},
		{"answer lost after recording", map[string][]error{"A001": {errLostAnswer}, "A003": {errLostAnswer}}, 3, []string{"A001", "A002", "A003"}, nil, 0},
		{"voided lease is refused for good", map[string][]error{"A002": {voided, voided}}, 2, []string{"A001", "A003"}, []string{"A002"}, 0},
		{"busy server is retried", map[string][]error{"A003": {busy}}, 2, []string{"A001", "A002", "A003"}, nil, 0},
		{"a bad token keeps the tickets", map[string][]error{"A001": {badToken, badToken, badToken}}, 3, nil, nil, 3},
		{"a proxy's page is no refusal", map[string][]error{"A001": {proxyPage}}, 2, []string{"A001", "A002", "A003"}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, filepath.Join(t.TempDir(), "kiosk.db"))
			if err := s.AddLease(lease(day, "general", "A001", "A002", "A003")); err != nil {
				t.Fatal(err)
			}
			at := time.Now().Add(-time.Hour)
			for i := range 3 {
				if _, err := s.Take("kiosk-1", day, "general", "", at.Add(time.Duration(i)*time.Second)); err != nil {
					t.Fatal(err)
				}
			}
			srv := newFakeServer()
			for k, v := range tt.fail {
				srv.fail[k] = v
			}
			var synced, refused []string
			for range tt.drains {
				res, _ := s.Drain(context.Background(), srv)
				synced = append(synced, numbers(res.Synced)...)
				refused = append(refused, numbers(res.Refused)...)
			}
			if !slices.Equal(synced, tt.synced) || !slices.Equal(refused, tt.refused) {
				t.Fatalf("got synced %v refused %v, want %v and %v", synced, refused, tt.synced, tt.refused)
			}
			pending, _ := s.Pending()
			if len(pending) != tt.left {
				t.Fatalf("pending: got %v, want %d", numbers(pending), tt.left)
			}
			for n, c := range srv.recorded {
				if c != 1 {
					t.Fatalf("%s recorded %d times", n, c)
				}
			}
			all, _ := s.Tickets()
			for _, tk := range all {
				switch {
				case slices.Contains(tt.synced, tk.Number) && (tk.State != Synced || tk.LogSeq == 0 || tk.SettleAt.IsZero()):
					t.Fatalf("synced ticket: got %+v", tk)
				case slices.Contains(tt.refused, tk.Number) && (tk.State != Refused || tk.Refusal == ""):
					t.Fatalf("refused ticket: got %+v", tk)
				}
			}
			// Draining again sends nothing settled.
			before := map[string]int{}
			for n, c := range srv.calls {
				before[n] = c
			}
			s.Drain(context.Background(), srv)
			for _, n := range append(slices.Clone(tt.synced), tt.refused...) {
				if srv.calls[n] != before[n] {
					t.Fatalf("settled %s sent again", n)
				}
			}
		})
	}
}

func TestPruneKeepsPending(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "kiosk.db"))
	old := "2026-11-20"
	for _, l := range []wire.Lease{lease(old, "general", "A001", "A002"), lease(day, "general", "A001")} {
		if err := s.AddLease(l); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{old, old, day} {
		if _, err := s.Take("kiosk-1", d, "general", "", time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	srv := newFakeServer()
	srv.fail["A002"] = []error{errors.New("unreachable")}
	// Old A001 syncs, old A002 stays pending (the drain stops there).
	if _, err := s.Drain(context.Background(), srv); err == nil {
		t.Fatal("drain: want the scripted failure")
	}
	n, err := s.Prune(day)
	if err != nil || n != 1 {
		t.Fatalf("prune: got %d, %v; want 1 (the synced ticket of %s)", n, err, old)
	}
	all, _ := s.Tickets()
	if got := len(all); got != 2 {
		t.Fatalf("tickets after pruning: got %d, want the two pending", got)
	}
}

// TestReplacesIsKeptAndSynced takes a number in place of an unanswered
// request beside a ticket an earlier kiosk wrote without the field, restarts,
// and syncs both.
func TestReplacesIsKeptAndSynced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := lease(day, "general", "A001", "A002")
	if err := s.AddLease(l); err != nil {
		t.Fatal(err)
	}
	// A001 as a kiosk without Replaces recorded it.
	at := time.Now().Add(-time.Hour).UTC()
	old := fmt.Sprintf(`{"kiosk":"kiosk-1","seq":1,"lease":%q,"day":%q,"service":"general","number":"A001","ticket":"T-A001",`+
		`"token":"tok-A001","status_url":"http://hall/t/tok-A001","issued_at":%q,"state":"pending"}`, l.ID, day, at.Format(time.RFC3339Nano))
	err = s.db.Update(func(tx *bolt.Tx) error {
		key := ticketKey("kiosk-1", 1)
		tickets := tx.Bucket(bucketTickets)
		if err := tickets.SetSequence(1); err != nil {
			return err
		}
		if err := tickets.Put(key, []byte(old)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPending).Put(key, nil); err != nil {
			return err
		}
		return tx.Bucket(bucketUsed).Put(usedKey(l.ID, "A001"), key)
	})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := s.TakeReplacing("kiosk-1", day, "general", "", "lost-1", at.Add(time.Minute))
	if err != nil || tk.Number != "A002" || tk.Seq != 2 || tk.Replaces != "lost-1" {
		t.Fatalf("take replacing lost-1: got %+v, %v; want A002, local sequence 2, replacing lost-1", tk, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, path)
	pending, err := s.Pending()
	if err != nil || len(pending) != 2 || pending[0].Number != "A001" || pending[0].Replaces != "" || pending[1] != tk {
		t.Fatalf("pending after restart: got %+v, %v; want the old A001 and %+v", pending, err, tk)
	}
	srv := newFakeServer()
	res, err := s.Drain(context.Background(), srv)
	if err != nil || len(res.Synced) != 2 {
		t.Fatalf("drain: got %+v, %v", res, err)
	}
	if got := srv.sent["A001"]; got.Replaces != "" || got.Lease != l.ID || !got.IssuedAt.Equal(at) {
		t.Fatalf("A001 sent as %+v, want its lease and issue time, replacing nothing", got)
	}
	if got := srv.sent["A002"]; got.Replaces != "lost-1" {
		t.Fatalf("A002 sent as %+v, want it to replace lost-1", got)
	}
}
