package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"hallq/server/keyfile"
)

func TestKeygen(t *testing.T) {
	t.Setenv(keyfile.CredentialsEnv, "")
	path := filepath.Join(t.TempDir(), "identity.key")
	var out, errs bytes.Buffer
	if err := run([]string{"-out", path}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	k, err := keyfile.Load(keyfile.Spec{Name: "identity", Path: path, Size: 32})
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", fi.Mode().Perm())
	}
	if err := run([]string{"-out", path}, &out, &errs); err == nil {
		t.Error("keygen replaced a key in use")
	}
	again, _ := keyfile.Load(keyfile.Spec{Name: "identity", Path: path, Size: 32})
	if !bytes.Equal(k.Bytes, again.Bytes) {
		t.Error("the key changed")
	}
	out.Reset()
	if err := run([]string{"-out", "-"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if _, err := keyfile.Decode(out.Bytes(), 32); err != nil {
		t.Errorf("standard output %q: %v", out.String(), err)
	}
}
