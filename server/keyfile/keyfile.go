// Package keyfile keeps a hall's secret keys outside its database, so that a copy
// of hallq.db (a backup, a stolen disk image) is worth nothing without them.
//
// A key lives in a file of its own, readable by its owner only (mode 0600 or
// 0400), holding the key in base64 on one line or as its raw bytes. Under systemd
// it may instead be a credential (LoadCredential= or LoadCredentialEncrypted=):
// the file <name>.key in $CREDENTIALS_DIRECTORY wins over the configured file.
//
// The package knows nothing of what a key is for: the identity HMAC key and the
// log's Ed25519 signing seed are both 32 random bytes loaded the same way.
package keyfile

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// CredentialsEnv is the variable in which systemd names the directory of a
// service's credentials.
const CredentialsEnv = "CREDENTIALS_DIRECTORY"

// ErrMissing is returned (wrapped) by Load when the key is found nowhere.
var ErrMissing = errors.New("key not found")

// Spec says which key to load and where it may be.
type Spec struct {
	// Name names the key in messages; its systemd credential is Name + ".key".
	Name string
	// Path is the key's file; empty when only a credential may hold it.
	Path string
	// Size is the key's length in bytes.
	Size int
}

// Key is a loaded key and where it was read.
type Key struct {
	Bytes []byte
	// From is the file it was read from.
	From string
}

// Credential returns the path of the key's systemd credential, or "" when the
// process runs without credentials.
func (s Spec) Credential() string {
	dir := os.Getenv(CredentialsEnv)
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, s.Name+".key")
}

// Load reads the key from its systemd credential, or else from its file. The
// file must be a regular file that only its owner may read; the error wraps
// ErrMissing when neither exists.
func Load(s Spec) (Key, error) {
	if c := s.Credential(); c != "" {
		k, err := read(s, c)
		if !errors.Is(err, fs.ErrNotExist) {
			return k, err
		}
	}
	if s.Path == "" {
		return Key{}, fmt.Errorf("keyfile: %s key: no file configured and no systemd credential %s.key: %w", s.Name, s.Name, ErrMissing)
	}
	k, err := read(s, s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return Key{}, fmt.Errorf("keyfile: %s key: %s does not exist: %w", s.Name, s.Path, ErrMissing)
	}
	return k, err
}

func read(s Spec, path string) (Key, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Key{}, err
		}
		return Key{}, fmt.Errorf("keyfile: %s key: %w", s.Name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Key{}, fmt.Errorf("keyfile: %s key: %w", s.Name, err)
	}
	if !fi.Mode().IsRegular() {
		return Key{}, fmt.Errorf("keyfile: %s key: %s is not a regular file", s.Name, path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return Key{}, fmt.Errorf("keyfile: %s key: %s has mode %04o: others may read it; chmod 600 %s", s.Name, path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(4*s.Size+64)))
	if err != nil {
		return Key{}, fmt.Errorf("keyfile: %s key: read %s: %w", s.Name, path, err)
	}
	key, err := Decode(data, s.Size)
	if err != nil {
		return Key{}, fmt.Errorf("keyfile: %s key: %s: %w", s.Name, path, err)
	}
	return Key{Bytes: key, From: path}, nil
}

// Decode reads a key file's contents: the key in standard base64 (white space
// around it ignored), or exactly size raw bytes.
func Decode(data []byte, size int) ([]byte, error) {
	text := bytes.TrimSpace(data)
	if key, err := base64.StdEncoding.DecodeString(string(text)); err == nil && len(key) == size {
		return key, nil
	}
	if len(data) == size {
		return bytes.Clone(data), nil
	}
	return nil, fmt.Errorf("not a %d-byte key in base64 or raw bytes", size)
}

// Encode returns a key as a key file holds it: base64 and a newline.
func Encode(key []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(key) + "\n")
}

// New returns size random bytes.
func New(size int) []byte {
	key := make([]byte, size)
	rand.Read(key) // never fails (crypto/rand)
	return key
}

// Write creates the key file at path with mode 0600 and syncs it and its
// directory, so that a key written before something relies on it survives a
// power cut. It never replaces an existing file.
func Write(path string, key []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("keyfile: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keyfile: %w", err)
	}
	if _, err := f.Write(Encode(key)); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("keyfile: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("keyfile: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("keyfile: close %s: %w", path, err)
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("keyfile: %w", err)
	}
	defer dir.Close()
	if err := dir.Sync(); err != nil {
		return fmt.Errorf("keyfile: sync directory of %s: %w", path, err)
	}
	return nil
}
