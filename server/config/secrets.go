package config

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// NewDeviceToken returns a fresh random bearer token for a kiosk or display (128
// bits, in base32) and the hex SHA-256 that goes in the device's token_sha256.
func NewDeviceToken() (token, sha256Hex string) {
	token = rand.Text()
	return token, TokenSHA256(token)
}

// TokenSHA256 returns the hex SHA-256 of a device token, as token_sha256 holds it.
func TokenSHA256(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// HashPassword returns the bcrypt hash of a staff password, for password_hash.
func HashPassword(password string) (string, error) {
	return hashPassword(password, bcrypt.DefaultCost)
}

func hashPassword(password string, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("config: hash password: %w", err)
	}
	return string(h), nil
}

// newPassword returns a random password that is easy to read out and type: four
// groups of four lower-case letters and digits 2-7 (80 bits), such as
// "k7mp-x3qa-rtnw-2fea".
func newPassword() string {
	s := strings.ToLower(rand.Text()[:16])
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// The credentials of deploy/hallq.example.toml. They are public, so a hall that
// still uses them is warned at every start.
const (
	examplePassword     = "example-password-change-me"
	examplePasswordHash = "$2a$10$hCGqZtSIRCtJVxU8m8PiM.9eHk8/xYd.a8CHYCwLVIPh2O8NDvshC"
	exampleKioskToken   = "example-kiosk-token-change-me"
	exampleDisplayToken = "example-display-token-change-me"
)

// exampleWarnings lists the accounts and devices that still use the example
// credentials.
func exampleWarnings(cfg *Config) []string {
	var w []string
	for i, s := range cfg.Staff {
		if s.PasswordHash == examplePasswordHash {
			w = append(w, fmt.Sprintf("staff[%d] (%s): password_hash is the example from hallq.example.toml, whose password is public; replace it (go run ./server/config/cmd/hashpw)", i, s.Username))
		}
	}
	kiosk, display := sha256.Sum256([]byte(exampleKioskToken)), sha256.Sum256([]byte(exampleDisplayToken))
	for i, d := range cfg.Devices {
		if d.TokenSHA256 == kiosk || d.TokenSHA256 == display {
			w = append(w, fmt.Sprintf("devices[%d] (%s): token_sha256 is the example from hallq.example.toml, whose token is public; replace it (go run ./server/config/cmd/hashpw -token)", i, d.ID))
		}
	}
	return w
}
