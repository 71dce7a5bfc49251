package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Fingerprint returns the short form of a checkpoint key (standard base64 of
// an Ed25519 public key) that people compare by eye: the first 16 hex digits
// of the SHA-256 of the key's 32 bytes, in groups of four ("3f9a 01c2 …").
// The hall's displays, its /rules page and hallq-verify show it. It returns ""
// for what is not an Ed25519 public key.
func Fingerprint(key string) string {
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return ""
	}
	sum := sha256.Sum256(raw)
	h := hex.EncodeToString(sum[:8])
	return strings.Join([]string{h[0:4], h[4:8], h[8:12], h[12:16]}, " ")
}
