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
)

// fakeWithdrawer is the server's withdrawal as DrainWithdrawals sees it:
// it withdraws the ticket of a key once, with scripted failures.
type fakeWithdrawer struct {
	tickets map[string]string  // key -> waiting ticket the server issued for it
	fail    map[string][]error // key -> errors to answer first, in turn
	calls   []string           // keys, in the order asked
}

func (f *fakeWithdrawer) WithdrawRequest(_ context.Context, key string) (string, error) {
	f.calls = append(f.calls, key)
	var outcome error
	if errs := f.fail[key]; len(errs) > 0 {
		outcome, f.fail[key] = errs[0], errs[1:]
	}
	if outcome != nil && outcome != errLostAnswer {
		return "", outcome
	}
	number := f.tickets[key]
	delete(f.tickets, key)
	if outcome == errLostAnswer {
		return "", fmt.Errorf("client: POST /api/v1/tickets/withdraw: read answer: %w", errors.New("connection reset by peer"))
	}
	return number, nil
}

var _ Withdrawer = (*fakeWithdrawer)(nil)

func keys(ws []Withdrawal) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Key
	}
	return out
}

func TestDrainWithdrawals(t *testing.T) {
	unreachable := fmt.Errorf("client: POST /api/v1/tickets/withdraw: %w", errors.New("connection refused"))
	busy := &client.Error{Status: 503, Code: "EUNAVAILABLE", Message: "shutting down"}
	badToken := &client.Error{Status: 401, Code: "EUNAUTHORIZED", Message: "unknown device token"}
	tooFast := &client.Error{Status: 429, Code: "ERATE", Message: "slow down"}
	proxyPage := &client.Error{Status: 404, Message: "<html>not found</html>"}
	badKey := &client.Error{Status: 400, Code: "EINVALID", Message: "idempotency_key: 1 to 128 characters"}
	tests := []struct {
		name      string
		fail      map[string][]error
		drains    int
		withdrawn []string // key=number answered, in all drains
		refused   []string
		left      []string // still to withdraw at the end
	}{
		{"all at once", nil, 1, []string{"x1=B001", "b2=", "m3=C004"}, nil, nil},
		{"unreachable, then back", map[string][]error{"b2": {unreachable}}, 2, []string{"x1=B001", "b2=", "m3=C004"}, nil, nil},
		{"unreachable stops the drain", map[string][]error{"x1": {unreachable, unreachable}}, 2, nil, nil, []string{"x1", "b2", "m3"}},
		{"answer lost after withdrawing", map[string][]error{"x1": {errLostAnswer}}, 2, []string{"x1=", "b2=", "m3=C004"}, nil, nil},
		{"busy server is asked again", map[string][]error{"m3": {busy}}, 2, []string{"x1=B001", "b2=", "m3=C004"}, nil, nil},
		{"a bad token keeps them", map[string][]error{"x1": {badToken, badToken}}, 2, nil, nil, []string{"x1", "b2", "m3"}},
		{"too fast keeps them", map[string][]error{"b2": {tooFast}}, 1, []string{"x1=B001"}, nil, []string{"b2", "m3"}},
		{"a proxy's page is no refusal", map[string][]error{"x1": {proxyPage}}, 1, nil, nil, []string{"x1", "b2", "m3"}},
		{"a refusal drops it", map[string][]error{"b2": {badKey}}, 1, []string{"x1=B001", "m3=C004"}, []string{"b2"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, filepath.Join(t.TempDir(), "kiosk.db"))
			at := time.Now().Add(-time.Hour)
			// Keys in the file sort b2, m3, x1; the drain goes oldest first.
			for i, k := range []string{"m3", "x1", "b2"} {
				at := at.Add(map[string]time.Duration{"x1": 0, "b2": time.Second, "m3": 2 * time.Second}[k])
				if err := s.AddWithdrawal(Withdrawal{Kiosk: "kiosk-1", Key: k, Service: "social", At: at}); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
			}
			srv := &fakeWithdrawer{tickets: map[string]string{"x1": "B001", "m3": "C004"}, fail: map[string][]error{}}
			for k, v := range tt.fail {
				srv.fail[k] = v
			}
			var withdrawn, refused []string
			for range tt.drains {
				res, err := s.DrainWithdrawals(context.Background(), "kiosk-1", srv)
				for _, w := range res.Withdrawn {
					withdrawn = append(withdrawn, w.Key+"="+w.Number)
				}
				for _, w := range res.Refused {
					if w.Refusal == "" {
						t.Fatalf("refused %s without a reason", w.Key)
					}
					refused = append(refused, w.Key)
				}
				left, _ := s.Withdrawals()
				if (err != nil) != (res.Left > 0) || (err != nil && res.Left != len(left)) {
					t.Fatalf("drain: got %+v, %v with %v still to withdraw", res, err, keys(left))
				}
			}
			left, err := s.Withdrawals()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(withdrawn, tt.withdrawn) || !slices.Equal(refused, tt.refused) || !slices.Equal(keys(left), tt.left) {
				t.Fatalf("got withdrawn %v refused %v left %v, want %v, %v and %v", withdrawn, refused, keys(left), tt.withdrawn, tt.refused, tt.left)
			}
			for _, w := range left {
				if w.Key == tt.left[0] && w.Attempts != tt.drains {
					t.Fatalf("%s: %d attempts recorded, want %d", w.Key, w.Attempts, tt.drains)
				}
			}
			// Draining again asks nothing settled.
			before := len(srv.calls)
			s.DrainWithdrawals(context.Background(), "kiosk-1", srv)
			for _, k := range srv.calls[before:] {
				if !slices.Contains(tt.left, k) {
					t.Fatalf("settled %s asked again", k)
				}
			}
		})
	}
}

// TestWithdrawalsOutliveARestart records a request to withdraw, restarts,
// and withdraws it; another kiosk's request is kept, not sent.
func TestWithdrawalsOutliveARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 22, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	for _, w := range []Withdrawal{
		{Kiosk: "kiosk-1", Key: "lost", Service: "social", At: at},
		{Kiosk: "kiosk-1", Key: "lost", Service: "estate", At: at.Add(time.Minute)}, // the same again: kept once
		{Kiosk: "kiosk-2", Key: "theirs", Service: "social", At: at},
	} {
		if err := s.AddWithdrawal(w); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []Withdrawal{{Key: "k"}, {Kiosk: "kiosk-1"}, {Kiosk: "kiosk\x001", Key: "k"}} {
		if err := s.AddWithdrawal(bad); err == nil {
			t.Fatalf("recorded %+v", bad)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, path)
	got, err := s.Withdrawals()
	want := []Withdrawal{{Kiosk: "kiosk-1", Key: "lost", Service: "social", At: at.UTC()}, {Kiosk: "kiosk-2", Key: "theirs", Service: "social", At: at.UTC()}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("after a restart: got %+v, %v; want %+v", got, err, want)
	}
	srv := &fakeWithdrawer{tickets: map[string]string{"lost": "B001", "theirs": "B002"}}
	res, err := s.DrainWithdrawals(context.Background(), "kiosk-1", srv)
	if err != nil || len(res.Withdrawn) != 1 || res.Withdrawn[0].Number != "B001" || res.Left != 0 {
		t.Fatalf("drain: got %+v, %v; want lost withdrawn as B001", res, err)
	}
	if !slices.Equal(srv.calls, []string{"lost"}) {
		t.Fatalf("keys sent: got %v, want lost alone", srv.calls)
	}
	if got, err := s.Withdrawals(); err != nil || !slices.Equal(keys(got), []string{"theirs"}) {
		t.Fatalf("left: got %+v, %v; want kiosk-2's request kept", got, err)
	}
}

// TestOldFileOpens opens a file written before withdrawals were kept: its
// tickets and leases are there, and requests to withdraw can be recorded.
func TestOldFileOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddLease(lease(day, "general", "A001", "A002")); err != nil {
		t.Fatal(err)
	}
	tk, err := s.Take("kiosk-1", day, "general", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Make it as an earlier kiosk left it: no withdraw bucket.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketWithdraw) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, path)
	if pending, err := s.Pending(); err != nil || len(pending) != 1 || pending[0] != tk {
		t.Fatalf("pending: got %+v, %v; want %+v", pending, err, tk)
	}
	if got, err := s.Withdrawals(); err != nil || len(got) != 0 {
		t.Fatalf("withdrawals: got %+v, %v; want none", got, err)
	}
	if err := s.AddWithdrawal(Withdrawal{Kiosk: "kiosk-1", Key: "lost", Service: "social", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Withdrawals(); err != nil || !slices.Equal(keys(got), []string{"lost"}) {
		t.Fatalf("withdrawals: got %+v, %v; want lost", got, err)
	}
}
