package web

import (
	"crypto/ed25519"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hallq/server/audit"
	"hallq/server/engine"
	"hallq/server/store"
)

// TestRulesShowKeyFingerprint: /rules shows the checkpoint key and the
// fingerprint the hall's displays and hallq-verify show.
func TestRulesShowKeyFingerprint(t *testing.T) {
	cfg := demoConfig(t)
	st, err := store.Open(t.TempDir()+"/hallq.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	signer := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	clk := &testClock{now: time.Date(2026, 11, 21, 9, 0, 0, 0, cfg.Hall.Location)}
	eng, err := engine.Open(st, cfg.Hall, engine.Options{Now: clk.Now, IdentityKey: make([]byte, 32), CheckpointKey: signer})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	pages, err := New(Options{Config: cfg, Engine: eng, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(pages)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/rules")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	key := base64.StdEncoding.EncodeToString(signer.Public().(ed25519.PublicKey))
	for _, want := range []string{`<code id="r-checkpoint-key">` + key + `</code>`,
		`<code id="r-checkpoint-fingerprint">` + audit.Fingerprint(key) + `</code>`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/rules lacks %s", want)
		}
	}
}
