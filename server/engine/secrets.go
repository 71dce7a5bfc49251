package engine

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"

	"hallq/server/store"
)

// Secrets bucket keys. The identity key, once kept here as "identity-hmac",
// lives outside the store (Options.IdentityKey).
var keyTokenSecret = []byte("ticket-token-hmac")

// secret returns a 32-byte server secret, created on first use.
func (e *Engine) secret(name []byte) ([]byte, error) {
	var key []byte
	err := e.store.Update(func(tx *store.Tx) error {
		key = tx.Get(store.BucketSecrets, name)
		if key != nil {
			return nil
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		return tx.Put(store.BucketSecrets, name, key)
	})
	if err != nil {
		return nil, fmt.Errorf("engine: secret %s: %w", name, err)
	}
	return key, nil
}

// Token returns the secret status token of a ticket: what its receipt's QR code
// carries. It is derived from the ticket ID with a server secret, so it needs no
// storage and cannot be guessed from the public log.
func (e *Engine) Token(ticketID string) string {
	m := e.tokenMACs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(ticketID))
	var sum [sha256.Size]byte
	m.Sum(sum[:0])
	e.tokenMACs.Put(m)
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// identityHash returns the HMAC of a normalised identity document.
func (e *Engine) identityHash(normalized string) string {
	m := hmac.New(sha256.New, e.identityKey)
	m.Write([]byte(normalized))
	return hex.EncodeToString(m.Sum(nil))
}
