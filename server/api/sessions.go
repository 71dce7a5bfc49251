package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"hallq/server/store"
)

// staffVersion is a digest of what a staff member's sessions rest on: the
// password hash, the role and the windows. A session records it at sign-in; a
// session whose staff entry has changed since (a new password, another window,
// another role) has ended. The digest is of the bcrypt hash, not the password.
func staffVersion(st *staffMember) string {
	h := sha256.New()
	h.Write([]byte(st.PasswordHash))
	h.Write([]byte{0})
	h.Write([]byte(st.Role))
	for _, w := range st.Windows {
		h.Write([]byte{0})
		h.Write([]byte(w))
	}
	for _, d := range st.Desks {
		h.Write([]byte{1})
		h.Write([]byte(d))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// live reports whether a session still holds at now: not expired, its staff
// entry still there and unchanged since sign-in, its window still theirs.
func (s *Server) live(sess *session, now time.Time) (*staffMember, bool) {
	if !now.Before(sess.Expires) {
		return nil, false
	}
	st, ok := s.staff[sess.Username]
	if !ok || sess.Staff != st.version {
		return nil, false
	}
	return st, true
}

// SweepSessions deletes every session that has ended: expired, or of a staff
// entry removed or changed since its sign-in (and sessions of an older
// version, which recorded no staff digest). The hall runs it at start, so
// that a changed configuration ends the sessions it no longer allows, and
// then periodically. It returns how many it deleted.
func (s *Server) SweepSessions(now time.Time) (int, error) {
	var ended [][]byte
	err := s.store.View(func(tx *store.Tx) error {
		return tx.ForEach(store.BucketSessions, nil, func(k, v []byte) error {
			var sess session
			if json.Unmarshal(v, &sess) != nil {
				ended = append(ended, append([]byte(nil), k...))
			} else if _, ok := s.live(&sess, now); !ok {
				ended = append(ended, append([]byte(nil), k...))
			}
			return nil
		})
	})
	if err != nil || len(ended) == 0 {
		return 0, err
	}
	err = s.store.Update(func(tx *store.Tx) error {
		for _, k := range ended {
			if err := tx.Delete(store.BucketSessions, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("api: sweep sessions: %w", err)
	}
	return len(ended), nil
}

// Sweep deletes ended sessions (SweepSessions) and forgets addresses without
// a failed sign-in in the last minute. The hall runs it every minute.
func (s *Server) Sweep(now time.Time) (int, error) {
	s.login.Sweep(now)
	return s.SweepSessions(now)
}
