package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"

	"hallq/server/audit"
	"hallq/server/audit/audittest"
)

// TestSummaryPrintsKeyFingerprint: the summary names the key that signed the
// checkpoints with the fingerprint the hall's displays and /rules show.
func TestSummaryPrintsKeyFingerprint(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(audittest.Key(1).Public().(ed25519.PublicKey))
	code, out, errOut := verify(t, writeLog(t, hallDay(t).Raws))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	want := "签名公钥 Checkpoint key " + key + " — 指纹 fingerprint " + audit.Fingerprint(key)
	if !strings.Contains(out, want) {
		t.Errorf("summary lacks %q:\n%s", want, out)
	}
}
