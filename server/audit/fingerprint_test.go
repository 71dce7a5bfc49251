package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	key := base64.StdEncoding.EncodeToString(pub)
	sum := sha256.Sum256(pub)
	want := hex.EncodeToString(sum[:8])
	tests := []struct {
		name, key, want string
	}{
		{"an Ed25519 key", key, want[0:4] + " " + want[4:8] + " " + want[8:12] + " " + want[12:16]},
		{"not base64", "not a key!", ""},
		{"too short", base64.StdEncoding.EncodeToString(pub[:31]), ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fingerprint(tt.key); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	// Another key, another fingerprint.
	other := ed25519.NewKeyFromSeed([]byte(strings.Repeat("x", ed25519.SeedSize))).Public().(ed25519.PublicKey)
	if Fingerprint(base64.StdEncoding.EncodeToString(other)) == Fingerprint(key) {
		t.Error("two keys share a fingerprint")
	}
}
