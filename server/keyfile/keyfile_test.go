package keyfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name    string
		content []byte
		mode    os.FileMode
		wantErr string // "" for success
	}{
		{"base64", Encode(key), 0o600, ""},
		{"base64 without newline", bytes.TrimSpace(Encode(key)), 0o600, ""},
		{"raw bytes", key, 0o400, ""},
		{"readable by the group", Encode(key), 0o640, "chmod 600"},
		{"readable by all", Encode(key), 0o644, "chmod 600"},
		{"too short", Encode(key[:16]), 0o600, "not a 32-byte key"},
		{"empty", nil, 0o600, "not a 32-byte key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(CredentialsEnv, "")
			path := filepath.Join(t.TempDir(), "identity.key")
			if err := os.WriteFile(path, tt.content, tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			k, err := Load(Spec{Name: "identity", Path: path, Size: 32})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(k.Bytes, key) || k.From != path {
				t.Fatalf("got %x from %s, want %x from %s", k.Bytes, k.From, key, path)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	t.Setenv(CredentialsEnv, "")
	for _, path := range []string{"", filepath.Join(t.TempDir(), "none.key")} {
		_, err := Load(Spec{Name: "identity", Path: path, Size: 32})
		if !errors.Is(err, ErrMissing) {
			t.Errorf("path %q: got %v, want ErrMissing", path, err)
		}
	}
}

func TestCredentialWinsOverFile(t *testing.T) {
	creds, dir := t.TempDir(), t.TempDir()
	t.Setenv(CredentialsEnv, creds)
	fileKey, credKey := New(32), New(32)
	path := filepath.Join(dir, "identity.key")
	if err := Write(path, fileKey); err != nil {
		t.Fatal(err)
	}
	// Without the credential, the file.
	k, err := Load(Spec{Name: "identity", Path: path, Size: 32})
	if err != nil || !bytes.Equal(k.Bytes, fileKey) {
		t.Fatalf("got %x, %v; want the file's key", k.Bytes, err)
	}
	if err := os.WriteFile(filepath.Join(creds, "identity.key"), Encode(credKey), 0o400); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, ""} {
		k, err = Load(Spec{Name: "identity", Path: p, Size: 32})
		if err != nil || !bytes.Equal(k.Bytes, credKey) || k.From != filepath.Join(creds, "identity.key") {
			t.Fatalf("path %q: got %x from %s, %v; want the credential's key", p, k.Bytes, k.From, err)
		}
	}
}

func TestWrite(t *testing.T) {
	t.Setenv(CredentialsEnv, "")
	path := filepath.Join(t.TempDir(), "keys", "checkpoint.key")
	key := New(32)
	if err := Write(path, key); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", fi.Mode().Perm())
	}
	dir, _ := os.Stat(filepath.Dir(path))
	if dir.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %04o, want 0700", dir.Mode().Perm())
	}
	if err := Write(path, New(32)); err == nil {
		t.Fatal("Write replaced an existing key file")
	}
	k, err := Load(Spec{Name: "checkpoint", Path: path, Size: 32})
	if err != nil || !bytes.Equal(k.Bytes, key) {
		t.Fatalf("got %x, %v; want the first key", k.Bytes, err)
	}
}
