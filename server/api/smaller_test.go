package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestBearerSchemeInAnyCase: the scheme of Authorization is case-insensitive.
func TestBearerSchemeInAnyCase(t *testing.T) {
	p := startProbeHall(t, nil)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "beArer"} {
		h := http.Header{"Authorization": {scheme + " " + p.Secrets.KioskToken}}
		if code, _, body := p.do(nil, "GET", "/api/v1/devices/me", h, ""); code != http.StatusOK {
			t.Errorf("%s: got %d %s, want 200", scheme, code, body)
		}
	}
	for _, value := range []string{"Basic " + p.Secrets.KioskToken, p.Secrets.KioskToken, "Bearer", "Bearer ", "Bearerx " + p.Secrets.KioskToken} {
		h := http.Header{"Authorization": {value}}
		if code, _, body := p.do(nil, "GET", "/api/v1/devices/me", h, ""); code != http.StatusUnauthorized || errorCode(body) != "EUNAUTHORIZED" {
			t.Errorf("%q: got %d %s, want 401 EUNAUTHORIZED", value, code, body)
		}
	}
}

// TestWrongMethod: a path served with other methods answers 405, names them in
// Allow, and has the JSON error body; a path served by nothing stays 404.
func TestWrongMethod(t *testing.T) {
	p := startProbeHall(t, nil)
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/api/v1/tickets", 405, "POST"},
		{"DELETE", "/api/v1/tickets/abc", 405, "GET, HEAD"},
		{"GET", "/api/v1/login", 405, "POST"},
		{"PUT", "/api/v1/leases", 405, "GET, HEAD, POST"},
		{"POST", "/api/v1/board", 405, "GET, HEAD"},
		{"GET", "/api/v1/windows/1/call-next", 405, "POST"},
		{"POST", "/healthz", 405, "GET, HEAD"},
		{"GET", "/api/v1/nothing", 404, ""},
		{"POST", "/api/v2/tickets", 404, ""},
	}
	for _, tt := range tests {
		code, h, body := p.do(nil, tt.method, tt.path, nil, "")
		want := map[int]string{405: "EMETHOD", 404: "ENOTFOUND"}[tt.status]
		if code != tt.status || errorCode(body) != want || h.Get("Allow") != tt.allow {
			t.Errorf("%s %s: got %d Allow %q %s; want %d Allow %q %s", tt.method, tt.path, code, h.Get("Allow"), body, tt.status, tt.allow, want)
		}
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s %s: Content-Type %q", tt.method, tt.path, ct)
		}
	}
}

// TestLongInputsAreNotEchoed: an error names what it refuses, but a long
// input comes back cut, ending in "…", never in full.
func TestLongInputsAreNotEchoed(t *testing.T) {
	p := startProbeHall(t, nil)
	long := strings.Repeat("A", 40<<10)
	longZH := strings.Repeat("窗", 10<<10)
	kiosk := bearer(p.Secrets.KioskToken)
	tests := []struct {
		name         string
		method, path string
		header       http.Header
		body         string
	}{
		{"unknown service", "POST", "/api/v1/tickets", kiosk, `{"service":"` + long + `","idempotency_key":"k"}`},
		{"unknown JSON field", "POST", "/api/v1/tickets", kiosk, `{"` + long + `":1}`},
		{"long idempotency key", "POST", "/api/v1/tickets", kiosk, `{"service":"general","idempotency_key":"` + long + `"}`},
		{"unknown service for a lease", "POST", "/api/v1/leases", kiosk, `{"service":"` + long + `"}`},
		{"unknown window", "GET", "/api/v1/windows/" + long, nil, ""},
		{"unknown window in Chinese", "GET", "/api/v1/windows/" + longZH, nil, ""},
		{"unknown endpoint", "GET", "/api/v1/" + long, nil, ""},
		{"bad after", "GET", "/api/v1/events?after=" + long, nil, ""},
		{"foreign origin", "POST", "/api/v1/login", http.Header{"Origin": {"http://" + long}}, `{"username":"a","password":"b"}`},
		{"login to a window", "POST", "/api/v1/login", nil, `{"username":"` + p.Secrets.Staff[0].Username + `","password":"` + p.Secrets.Staff[0].Password + `","window":"` + long + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := p.do(nil, tt.method, tt.path, tt.header, tt.body)
			if code < 400 || errorCode(body) == "" {
				t.Fatalf("got %d %.200s, want a JSON error", code, body)
			}
			if len(body) > 1024 || !utf8.Valid(body) {
				t.Errorf("the error is %d bytes (valid UTF-8: %v): %.300s…", len(body), utf8.Valid(body), body)
			}
			// The message may leave the input out, or cut it with "…".
			if bytes.Contains(body, []byte(strings.Repeat("A", 100))) || bytes.Contains(body, []byte(strings.Repeat("窗", 100))) {
				t.Errorf("the error echoes the input: %.300s", body)
			}
			if bytes.Contains(body, []byte("AAAA")) && !bytes.Contains(body, []byte("…")) {
				t.Errorf("the error does not show where the input was cut: %s", body)
			}
		})
	}
}

// TestREADMEChainCheck runs the shell chain check of README.md, as written,
// against a live hall whose log holds characters a JSON re-encoder would
// rewrite (<, &, quotes, backslashes, Chinese text), then against a copy of
// the log with one byte changed.
func TestREADMEChainCheck(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "xxd", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (deploy/setup.sh installs it)", tool)
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)In a shell:\n\n```sh\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no shell chain check after \"In a shell:\"")
	}
	script := string(m[1])

	p := startProbeHall(t, nil)
	kiosk := bearer(p.Secrets.KioskToken)
	details := []string{`<b>paper</b> & "cover" \ open`, "纸将尽 <&> \u2028 '\t'", `</script><script>alert(1)</script>`}
	for i, detail := range details {
		body, _ := json.Marshal(map[string]string{"printer": []string{"paper_near_end", "cover_open", "fault"}[i], "detail": detail})
		if code, _, resp := p.do(nil, "POST", "/api/v1/devices/me/status", kiosk, string(body)); code != http.StatusOK {
			t.Fatalf("device status: %d %s", code, resp)
		}
	}
	if code, _, resp := p.do(nil, "POST", "/api/v1/tickets", kiosk, `{"service":"general","idempotency_key":"k1"}`); code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, resp)
	}
	seq, hash := p.Engine.Head()
	_, _, raw := p.do(nil, "GET", "/log.jsonl", nil, "")
	if !bytes.Contains(raw, []byte(`\u003c`)) && !bytes.Contains(raw, []byte(`<`)) {
		t.Fatalf("the log holds no '<':\n%s", raw)
	}

	run := func(dir, script string) string {
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("bash: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	host := strings.TrimPrefix(p.URL, "http://")
	dir := t.TempDir()
	got := run(dir, strings.ReplaceAll(script, "localhost:8080", host))
	if want := "head " + itoa(seq) + " " + hash; got != want {
		t.Fatalf("the README check printed %q, want %q", got, want)
	}

	// The same check over a log with one character of an event changed.
	lines := bytes.SplitAfter(raw, []byte("\n"))
	var k int
	for i, l := range lines {
		if bytes.Contains(l, []byte(`cover`)) {
			k = i
		}
	}
	lines[k] = bytes.Replace(lines[k], []byte("cover"), []byte("covet"), 1)
	if err := os.WriteFile(filepath.Join(dir, "log.jsonl"), bytes.Join(lines, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	offline := regexp.MustCompile(`(?m)^curl .*\n`).ReplaceAllString(script, "")
	if got := run(dir, offline); got != "broken at event "+itoa(uint64(k+1)) {
		t.Fatalf("over a tampered log the README check printed %q, want it broken at event %d", got, k+1)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
