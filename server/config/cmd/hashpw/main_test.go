package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"golang.org/x/crypto/bcrypt"

	"hallq/server/config"
)

func TestHashPassword(t *testing.T) {
	rows := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		wantErr  string // in stderr
		wantPW   string // the password the printed hash must match
	}{
		{name: "line", args: []string{"-cost", "10"}, stdin: "correct horse battery\n", wantPW: "correct horse battery"},
		{name: "windows line end", stdin: "correct horse battery\r\n", wantPW: "correct horse battery"},
		{name: "no newline", stdin: "correct horse battery", wantPW: "correct horse battery"},
		{name: "only first line", stdin: "correct horse battery\nsomething else\n", wantPW: "correct horse battery"},
		{name: "chinese", stdin: "开门七件事柴米油盐酱醋茶\n", wantPW: "开门七件事柴米油盐酱醋茶"},
		{name: "empty input", stdin: "", wantCode: 1, wantErr: "no password"},
		{name: "short", stdin: "hunter2\n", wantCode: 1, wantErr: "at least 10 characters"},
		{name: "too long", stdin: strings.Repeat("x", 73) + "\n", wantCode: 1, wantErr: "72 bytes"},
		{name: "password as argument", args: []string{"hunter2hunter2"}, stdin: "", wantCode: 2, wantErr: "never from the command line"},
		{name: "weak cost", args: []string{"-cost", "4"}, stdin: "correct horse battery\n", wantCode: 2, wantErr: "-cost must be between"},
		{name: "unknown flag", args: []string{"-salt"}, stdin: "", wantCode: 2, wantErr: "usage"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel() // bcrypt is slow on purpose
			var stdout, stderr strings.Builder
			code := run(r.args, strings.NewReader(r.stdin), &stdout, &stderr)
			if code != r.wantCode {
				t.Fatalf("got exit code %d want %d; stderr %q", code, r.wantCode, stderr.String())
			}
			if r.wantErr != "" {
				if !strings.Contains(stderr.String(), r.wantErr) {
					t.Errorf("got stderr %q want it to contain %q", stderr.String(), r.wantErr)
				}
				if stdout.Len() != 0 {
					t.Errorf("got stdout %q want nothing", stdout.String())
				}
				return
			}
			hash := strings.TrimSuffix(stdout.String(), "\n")
			if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(r.wantPW)); err != nil {
				t.Errorf("got hash %q, which does not match %q: %v", hash, r.wantPW, err)
			}
			if cost, _ := bcrypt.Cost([]byte(hash)); cost != bcrypt.DefaultCost {
				t.Errorf("got cost %d want %d", cost, bcrypt.DefaultCost)
			}
		})
	}
}

func TestToken(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run([]string{"-token"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("got exit code %d; stderr %q", code, stderr.String())
	}
	// The output is TOML, so the token_sha256 line can be pasted into hallq.toml.
	var out struct {
		Token       string `toml:"token"`
		TokenSHA256 string `toml:"token_sha256"`
	}
	if _, err := toml.Decode(stdout.String(), &out); err != nil {
		t.Fatalf("output %q is not TOML: %v", stdout.String(), err)
	}
	if len(out.Token) < 26 {
		t.Errorf("got token %q, want at least 26 characters", out.Token)
	}
	if got, want := out.TokenSHA256, config.TokenSHA256(out.Token); got != want {
		t.Errorf("got token_sha256 %s want %s", got, want)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(out.TokenSHA256) {
		t.Errorf("got token_sha256 %q, want 64 hex digits", out.TokenSHA256)
	}

	var again strings.Builder
	run([]string{"-token"}, strings.NewReader(""), &again, &stderr)
	if again.String() == stdout.String() {
		t.Error("two runs printed the same token")
	}
}
