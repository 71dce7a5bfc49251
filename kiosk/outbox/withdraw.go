package outbox

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/client"
)

// Withdrawal is a ticket request of the kiosk that got no answer and that it
// could print nothing in place of (a real-name service, a spent lease, the
// hall closed): the server may have issued a ticket for it that nobody holds.
type Withdrawal struct {
	Kiosk    string    `json:"kiosk"`
	Key      string    `json:"key"` // the request's idempotency key
	Service  string    `json:"service"`
	At       time.Time `json:"at"`                 // when the kiosk gave up on the request
	Attempts int       `json:"attempts,omitempty"` // withdrawals that got no answer

	// Set in a DrainWithdrawals result, never stored.
	Number  string `json:"-"` // the ticket the server withdrew, "" for none
	Refusal string `json:"-"` // the server's reason, when it refused
}

func withdrawKey(kiosk, key string) []byte {
	return []byte(kiosk + "\x00" + key)
}

// Withdrawer is what DrainWithdrawals needs of the server.
type Withdrawer interface {
	WithdrawRequest(ctx context.Context, key string) (string, error)
}

var _ Withdrawer = (*client.Client)(nil)

// AddWithdrawal records, fsynced, a request the server must be asked to
// withdraw; call it before the applicant is told anything. Recording the
// same kiosk and key again keeps the first record.
func (s *Store) AddWithdrawal(w Withdrawal) error {
	if w.Kiosk == "" || strings.ContainsRune(w.Kiosk, 0) || w.Key == "" {
		return fmt.Errorf("outbox: withdraw request %q of kiosk %q: kiosk and key are required", w.Key, w.Kiosk)
	}
	w.At, w.Attempts, w.Number, w.Refusal = w.At.UTC(), 0, "", ""
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWithdraw)
		if b.Get(withdrawKey(w.Kiosk, w.Key)) != nil {
			return nil
		}
		return putJSON(b, withdrawKey(w.Kiosk, w.Key), w)
	})
	if err != nil {
		return fmt.Errorf("outbox: withdraw request %s: %w", w.Key, err)
	}
	return nil
}

// Withdrawals returns the requests still to withdraw, oldest first.
func (s *Store) Withdrawals() ([]Withdrawal, error) {
	var out []Withdrawal
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		out, err = decodeAll[Withdrawal](tx.Bucket(bucketWithdraw), nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: withdrawals: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Withdrawal) int { return a.At.Compare(b.At) })
	return out, nil
}

// WithdrawResult says what one DrainWithdrawals settled.
type WithdrawResult struct {
	Withdrawn []Withdrawal // answered by the server; Number is the ticket it withdrew, "" for none
	Refused   []Withdrawal // refused for good and dropped; Refusal says why
	Left      int          // still to withdraw
}

// DrainWithdrawals asks the server to withdraw each request of kiosk still
// to withdraw, oldest first, and forgets each once the server answered,
// whether it withdrew a ticket or had none to withdraw. It stops at the first
// failure that may pass (the server unreachable, busy, or not accepting the
// kiosk's token right now) and returns it, keeping that request and the rest
// for the next call. A refusal of the request itself drops it. Requests of
// another kiosk ID are kept and not sent: under this kiosk's token they would
// name another request. Asking twice is harmless: the server withdraws a
// ticket once. Concurrent calls, and Drain, take turns.
func (s *Store) DrainWithdrawals(ctx context.Context, kiosk string, srv Withdrawer) (WithdrawResult, error) {
	s.drainMu.Lock()
	defer s.drainMu.Unlock()
	var res WithdrawResult
	all, err := s.Withdrawals()
	if err != nil {
		return res, err
	}
	mine := slices.DeleteFunc(all, func(w Withdrawal) bool { return w.Kiosk != kiosk })
	for i, w := range mine {
		number, err := srv.WithdrawRequest(ctx, w.Key)
		switch {
		case err == nil:
			if err := s.forgetWithdrawal(w); err != nil {
				return res, err
			}
			w.Number = number
			res.Withdrawn = append(res.Withdrawn, w)
		case final(err):
			if err := s.forgetWithdrawal(w); err != nil {
				return res, err
			}
			w.Refusal = err.Error()
			res.Refused = append(res.Refused, w)
		default:
			if serr := s.db.Update(func(tx *bolt.Tx) error {
				w.Attempts++
				return putJSON(tx.Bucket(bucketWithdraw), withdrawKey(w.Kiosk, w.Key), w)
			}); serr != nil {
				return res, fmt.Errorf("outbox: record attempt to withdraw %s: %w", w.Key, serr)
			}
			res.Left = len(mine) - i
			return res, fmt.Errorf("outbox: withdraw request %s: %w", w.Key, err)
		}
	}
	return res, nil
}

// forgetWithdrawal deletes a request the server settled.
func (s *Store) forgetWithdrawal(w Withdrawal) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWithdraw).Delete(withdrawKey(w.Kiosk, w.Key))
	})
	if err != nil {
		return fmt.Errorf("outbox: forget withdrawn request %s: %w", w.Key, err)
	}
	return nil
}
