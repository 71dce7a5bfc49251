package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"hallq/server/config"
)

// TestAdminRoleIsWindowStaff: the admin role grants nothing in the API beyond
// what a staff member may do at the windows listed for them (a hall is
// administered in hallq.toml, not through the API). An admin signs in and
// works at their own windows, reads role "admin" in the sign-in answer, and
// is refused every other window and the reception desk.
func TestAdminRoleIsWindowStaff(t *testing.T) {
	p := startClockedHall(t, func(c *config.Config) {
		withReception("")(c)
		for i := range c.Staff {
			if c.Staff[i].Username == "li" {
				c.Staff[i].Role = config.RoleAdmin
			}
		}
	})
	var li config.DemoLogin
	for _, s := range p.Secrets.Staff {
		if s.Username == "li" {
			li = s
		}
	}
	if li.Username == "" || !strings.Contains(strings.Join(li.Windows, ","), "2") {
		t.Fatalf("the demo hall has no li at window 2: %+v", p.Secrets.Staff)
	}
	login := func(window string) (*http.Client, http.Header, int, []byte) {
		return p.signIn(fmt.Sprintf(`{"username":%q,"password":%q,"window":%q}`, li.Username, li.Password, window))
	}
	c, h, code, body := login("2")
	if code != http.StatusOK || !strings.Contains(string(body), `"role":"admin"`) {
		t.Fatalf("admin's sign-in at their window: %d %s", code, body)
	}
	if code, _, body := p.do(c, "POST", "/api/v1/windows/2/open", h, ""); code != http.StatusOK {
		t.Fatalf("admin opens their window: %d %s", code, body)
	}
	if _, _, code, body := login("1"); code == http.StatusOK {
		t.Fatalf("admin signed in to another's window: %s", body)
	}
	issue := `{"service":"general","priority":"disabled","idempotency_key":"admin"}`
	refused := []struct{ method, path, body string }{
		{"POST", "/api/v1/windows/1/open", ""},
		{"POST", "/api/v1/windows/1/call-next", ""},
		{"GET", "/api/v1/desk", ""},
		{"POST", "/api/v1/desk/tickets", issue},
	}
	for _, r := range refused {
		if code, _, body := p.do(c, r.method, r.path, h, r.body); code != http.StatusForbidden {
			t.Errorf("admin: %s %s: %d %s, want 403", r.method, r.path, code, body)
		}
	}
}
