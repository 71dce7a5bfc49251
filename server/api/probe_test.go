package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"hallq/server/config"
	"hallq/server/hall/halltest"
)

// probeHall is the demo hall served over real HTTP from a real bbolt file, for
// the tests that attack it.
type probeHall struct {
	*halltest.Hall
	t testing.TB
}

// startProbeHall starts the demo hall, changed by adjust (which may be nil).
func startProbeHall(t testing.TB, adjust func(*config.Config)) *probeHall {
	t.Helper()
	return &probeHall{Hall: halltest.Start(t, halltest.Options{Adjust: adjust}), t: t}
}

// do sends a request and returns the status, headers and body.
func (p *probeHall) do(c *http.Client, method, path string, header http.Header, body string) (int, http.Header, []byte) {
	p.t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, p.URL+path, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}

// login signs a staff member in with a fresh cookie jar.
func (p *probeHall) login(username, password, window string) (*http.Client, int, []byte) {
	p.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	body, _ := json.Marshal(map[string]string{"username": username, "password": password, "window": window})
	code, _, data := p.do(c, "POST", "/api/v1/login", nil, string(body))
	return c, code, data
}

// errorCode returns the code of a JSON error body, or "" when the body is not one.
func errorCode(body []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Error.Code
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
