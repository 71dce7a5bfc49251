package hall_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/hall"
	"hallq/server/keyfile"
	"hallq/server/store"
)

const residentID = "11010519491231002X"

// oldHall makes the data directory of a hall run by a version that kept its
// identity key in hallq.db: the key in the secrets bucket, and two real-name
// tickets of one person counted under it.
func oldHall(t *testing.T, cfg *config.Config, dir string) []byte {
	t.Helper()
	key := keyfile.New(32)
	st, err := store.Open(filepath.Join(dir, "hallq.db"), store.Options{Journal: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(func(tx *store.Tx) error {
		return tx.Put(store.BucketSecrets, []byte("identity-hmac"), key)
	}); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(st, cfg.Hall, engine.Options{IdentityKey: key})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b"} {
		if _, err := eng.Issue(context.Background(), engine.IssueInput{Kiosk: "kiosk-1", Service: "social",
			DocNumber: residentID, IdempotencyKey: k}); err != nil {
			t.Fatal(err)
		}
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return key
}

// productionConfig is the demo hall run as a hall's own file would run it: its
// identity key in the named file, never made by the server.
func productionConfig(t *testing.T, keyPath string) (*config.Config, config.DemoSecrets) {
	t.Helper()
	t.Setenv(keyfile.CredentialsEnv, "")
	cfg, sec, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Keys = config.Keys{Identity: keyPath}
	return cfg, sec
}

func issue(t *testing.T, url, token, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/api/v1/tickets",
		strings.NewReader(`{"service":"social","id_number":"`+residentID+`","idempotency_key":"`+key+`"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestIdentityKeyMovesOutOfTheDatabase starts a hall whose hallq.db holds its
// identity key: the key moves to its file (mode 0600), hallq.db and its
// journal no longer contain it anywhere, not even in freed pages, and the
// person's count of the day still holds.
func TestIdentityKeyMovesOutOfTheDatabase(t *testing.T) {
	dir, keyPath := t.TempDir(), filepath.Join(t.TempDir(), "keys", "identity.key")
	cfg, sec := productionConfig(t, keyPath)
	legacy := oldHall(t, cfg, dir)

	h, err := hall.Open(cfg, dir, slog.New(slog.DiscardHandler), hall.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler)
	// The person already took two numbers, the service's limit.
	if code, body := issue(t, srv.URL, sec.KioskToken, "c"); code != http.StatusConflict || !strings.Contains(body, "ELIMIT") {
		t.Errorf("third ticket after the move: got %d %s, want 409 ELIMIT", code, body)
	}
	srv.Close()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}

	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	k, err := keyfile.Load(keyfile.Spec{Name: "identity", Path: keyPath, Size: 32})
	if err != nil || !bytes.Equal(k.Bytes, legacy) {
		t.Fatalf("key file holds %x (%v), want the key hallq.db held", k.Bytes, err)
	}
	// The attack: with a copy of the data directory, find the key, or any
	// value that computes the HMACs kept.
	for _, name := range []string{"hallq.db", "hallq.db-journal"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, legacy) {
			t.Errorf("%s still contains the identity key's bytes", name)
		}
	}
	st, err := store.Open(filepath.Join(dir, "hallq.db"), store.Options{Journal: true})
	if err != nil {
		t.Fatal(err)
	}
	var hmacs, candidates []string
	if err := st.View(func(tx *store.Tx) error {
		tx.ForEach(store.BucketIdentities, nil, func(k, _ []byte) error {
			hmacs = append(hmacs, string(k[strings.LastIndexByte(string(k), '|')+1:]))
			return nil
		})
		return tx.ForEach(store.BucketSecrets, nil, func(_, v []byte) error {
			candidates = append(candidates, string(v))
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if len(hmacs) == 0 {
		t.Fatal("no identity record kept")
	}
	for _, c := range candidates {
		m := hmac.New(sha256.New, []byte(c))
		m.Write([]byte("resident:" + residentID))
		for _, h := range hmacs {
			if hex.EncodeToString(m.Sum(nil)) == h {
				t.Error("a secret left in hallq.db computes the identity HMACs")
			}
		}
	}
	// A sanity check of the attack itself: the old key does compute them.
	m := hmac.New(sha256.New, legacy)
	m.Write([]byte("resident:" + residentID))
	if hex.EncodeToString(m.Sum(nil)) != hmacs[0] {
		t.Fatalf("the HMAC format assumed here is not the engine's: %s", hmacs[0])
	}

	// Started again, the hall reads the file and keeps the count.
	h, err = hall.Open(cfg, dir, slog.New(slog.DiscardHandler), hall.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv = httptest.NewServer(h.Handler)
	defer srv.Close()
	if code, body := issue(t, srv.URL, sec.KioskToken, "d"); code != http.StatusConflict || !strings.Contains(body, "ELIMIT") {
		t.Errorf("third ticket after a restart: got %d %s, want 409 ELIMIT", code, body)
	}
}

// TestHallRefusesToStartWithoutItsKey: a hall run from its configuration file
// never makes an identity key itself, nor uses one others may read.
func TestHallRefusesToStartWithoutItsKey(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, cfg *config.Config, dir, keyPath string)
		want  string
	}{
		{"no key file", func(*testing.T, *config.Config, string, string) {}, "hallq-keygen"},
		{"no key file named, key still in hallq.db", func(t *testing.T, cfg *config.Config, dir, _ string) {
			cfg.Keys.Identity = ""
			oldHall(t, cfg, dir)
		}, "keys.identity: name the file"},
		{"key file readable by others", func(t *testing.T, _ *config.Config, _, keyPath string) {
			if err := os.WriteFile(keyPath, keyfile.Encode(keyfile.New(32)), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chmod(keyPath, 0o644)
		}, "chmod 600"},
		{"key file differs from the key in hallq.db", func(t *testing.T, cfg *config.Config, dir, keyPath string) {
			oldHall(t, cfg, dir)
			if err := keyfile.Write(keyPath, keyfile.New(32)); err != nil {
				t.Fatal(err)
			}
		}, "differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, keyPath := t.TempDir(), filepath.Join(t.TempDir(), "identity.key")
			cfg, _ := productionConfig(t, keyPath)
			tt.setup(t, cfg, dir, keyPath)
			h, err := hall.Open(cfg, dir, slog.New(slog.DiscardHandler), hall.Options{NoSync: true})
			if err == nil {
				h.Close()
				t.Fatal("the hall started")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestDemoMakesItsKey: the demo hall makes its key once and keeps it.
func TestDemoMakesItsKey(t *testing.T) {
	t.Setenv(keyfile.CredentialsEnv, "")
	cfg, _, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var first []byte
	for range 2 {
		h, err := hall.Open(cfg, dir, slog.New(slog.DiscardHandler), hall.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		h.Close()
		k, err := keyfile.Load(keyfile.Spec{Name: "identity", Path: filepath.Join(dir, "identity.key"), Size: 32})
		if err != nil {
			t.Fatal(err)
		}
		if first != nil && !bytes.Equal(first, k.Bytes) {
			t.Fatal("a restarted demo made a new key")
		}
		first = k.Bytes
	}
}
