package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/store"
)

// sessionCount is how many staff sessions the store holds.
func sessionCount(t *testing.T, st *store.Store) int {
	t.Helper()
	n := 0
	if err := st.View(func(tx *store.Tx) error {
		return tx.ForEach(store.BucketSessions, nil, func(_, _ []byte) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSessionsEndWhenTheStaffEntryChanges: a session opened before its staff
// entry changed (password, windows, role, or the entry gone) does not survive
// the restart that brings the change; unchanged entries keep theirs.
func TestSessionsEndWhenTheStaffEntryChanges(t *testing.T) {
	newHash, err := config.HashPassword("a new password, 2026")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(c *config.Config)
		ends   bool
	}{
		{"nothing changed", func(*config.Config) {}, false},
		{"password changed", func(c *config.Config) { c.Staff[0].PasswordHash = newHash }, true},
		{"a window taken away", func(c *config.Config) { c.Staff[0].Windows = c.Staff[0].Windows[1:] }, true},
		{"a window added", func(c *config.Config) {
			for _, w := range c.Hall.Windows {
				if !slices.Contains(c.Staff[0].Windows, w.ID) {
					c.Staff[0].Windows = append(slices.Clip(c.Staff[0].Windows), w.ID)
					return
				}
			}
			t.Fatal("the demo's first staff member already has every window")
		}, true},
		{"role changed", func(c *config.Config) { c.Staff[0].Role = config.RoleAdmin }, true},
		{"account removed", func(c *config.Config) { c.Staff = c.Staff[1:] }, true},
		{"another account changed", func(c *config.Config) { c.Staff[1].PasswordHash = newHash }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startProbeHall(t, nil)
			login := p.Secrets.Staff[0]
			if len(login.Windows) < 2 {
				t.Fatalf("the demo's first staff member has windows %v; the test takes one away", login.Windows)
			}
			c, code, body := p.login(login.Username, login.Password, login.Windows[len(login.Windows)-1])
			if code != http.StatusOK {
				t.Fatalf("login: %d %s", code, body)
			}
			if code, _, body := p.do(c, "GET", "/api/v1/me", nil, ""); code != http.StatusOK {
				t.Fatalf("me: %d %s", code, body)
			}
			tt.change(p.Config)
			p.Restart()
			code, _, body = p.do(c, "GET", "/api/v1/me", nil, "")
			want, wantStored := http.StatusOK, 1
			if tt.ends {
				want, wantStored = http.StatusUnauthorized, 0
			}
			if code != want {
				t.Errorf("me after the restart: got %d %s, want %d", code, body, want)
			}
			if n := sessionCount(t, p.Store); n != wantStored {
				t.Errorf("the store holds %d sessions after the restart, want %d", n, wantStored)
			}
		})
	}
}

// TestEndedSessionsAreSwept: expired sessions, unreadable ones and those of an
// older version without a staff digest are deleted at start, and expired ones
// also while the hall runs.
func TestEndedSessionsAreSwept(t *testing.T) {
	p := startProbeHall(t, nil)
	p.Options.SessionSweep = 50 * time.Millisecond
	login := p.Secrets.Staff[0]
	c, code, body := p.login(login.Username, login.Password, login.Windows[0])
	if code != http.StatusOK {
		t.Fatalf("login: %d %s", code, body)
	}
	expire := func(st *store.Store) {
		t.Helper()
		if err := st.Update(func(tx *store.Tx) error {
			var keys, values [][]byte
			tx.ForEach(store.BucketSessions, nil, func(k, v []byte) error {
				var m map[string]any
				json.Unmarshal(v, &m)
				m["expires"] = time.Now().Add(-time.Second).UTC()
				nv, _ := json.Marshal(m)
				keys, values = append(keys, append([]byte(nil), k...)), append(values, nv)
				return nil
			})
			for i := range keys {
				if err := tx.Put(store.BucketSessions, keys[i], values[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// At start: an expired session, one that is not JSON, one without a digest.
	p.Close()
	st, err := store.Open(p.Dir+"/hallq.db", store.Options{Journal: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	expire(st)
	old, _ := json.Marshal(map[string]any{"username": login.Username, "window": login.Windows[0], "csrf": "x",
		"expires": time.Now().Add(time.Hour).UTC()})
	if err := st.Update(func(tx *store.Tx) error {
		if err := tx.Put(store.BucketSessions, []byte("garbage-session-key-0000000000000"), []byte("{")); err != nil {
			return err
		}
		return tx.Put(store.BucketSessions, []byte("older-version-session-key-0000000"), old)
	}); err != nil {
		t.Fatal(err)
	}
	if n := sessionCount(t, st); n != 3 {
		t.Fatalf("prepared %d sessions, want 3", n)
	}
	st.Close()
	p.Open()
	if n := sessionCount(t, p.Store); n != 0 {
		t.Errorf("%d ended sessions left after the start, want 0", n)
	}
	if code, _, _ := p.do(c, "GET", "/api/v1/me", nil, ""); code != http.StatusUnauthorized {
		t.Errorf("the expired session answered %d, want 401", code)
	}

	// While running.
	if _, code, body := p.login(login.Username, login.Password, login.Windows[0]); code != http.StatusOK {
		t.Fatalf("login: %d %s", code, body)
	}
	expire(p.Store)
	deadline := time.Now().Add(30 * time.Second)
	for sessionCount(t, p.Store) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("an expired session was not swept while the hall ran")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
