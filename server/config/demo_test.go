package config

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hallq/server/queue"
)

func TestDemo(t *testing.T) {
	cfg, sec, err := demo(bcrypt.MinCost, DemoSecrets{})
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	h := cfg.Hall
	if got, want := h.Location.String(), "Asia/Shanghai"; got != want {
		t.Errorf("zone: got %q want %q", got, want)
	}
	if got, want := h.DayStart, 4*time.Hour; got != want {
		t.Errorf("day start: got %v want %v", got, want)
	}
	for _, at := range []time.Time{time.Date(2025, 1, 1, 3, 0, 0, 0, h.Location), time.Date(2025, 1, 1, 23, 0, 0, 0, h.Location)} {
		if !h.IsOpen(at) {
			t.Errorf("IsOpen(%v): got false, want the demo hall always open", at)
		}
	}
	if len(h.Services) < 3 {
		t.Errorf("got %d services want at least 3", len(h.Services))
	}
	if !slices.ContainsFunc(h.Services, func(s queue.Service) bool { return s.RealName && s.PerIdentityDaily > 0 }) {
		t.Error("want a real-name service with a per-identity limit")
	}
	for _, c := range h.PriorityClasses {
		if want := c.ID == "elderly" || c.ID == "pregnant"; c.SelfDeclared != want {
			t.Errorf("priority class %s: self_declared %v, want %v", c.ID, c.SelfDeclared, want)
		}
	}
	if got, want := len(h.Windows), 4; got != want {
		t.Errorf("got %d windows want %d", got, want)
	}
	for _, w := range h.Windows {
		c, ok := cfg.Cards[w.ID]
		if !ok || c.Name.ZH == "" || c.Title.ZH == "" || c.Unit.ZH == "" || c.Duties.ZH == "" {
			t.Errorf("window %s: got card %+v, want a full publicity card", w.ID, c)
		}
		if !slices.ContainsFunc(cfg.Staff, func(s Staff) bool { return s.MaySignIn(w.ID) }) {
			t.Errorf("window %s: nobody may sign in to it", w.ID)
		}
	}
	if len(h.PriorityClasses) == 0 || len(h.ManualReasons) == 0 || len(cfg.Notices) != 2 {
		t.Errorf("got %d priority classes, %d manual reasons, %d notices; want some, some, 2",
			len(h.PriorityClasses), len(h.ManualReasons), len(cfg.Notices))
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("got warnings %q want none", cfg.Warnings)
	}

	// The secrets open the doors the config describes.
	if d, ok := cfg.DeviceByToken(sec.KioskToken); !ok || d.ID != "kiosk-1" || d.Kind != KindKiosk {
		t.Errorf("kiosk token: got %+v, %v want kiosk-1", d, ok)
	}
	if d, ok := cfg.DeviceByToken(sec.DisplayToken); !ok || d.ID != "display-hall" || d.Kind != KindDisplay || d.Window != "" {
		t.Errorf("display token: got %+v, %v want hall display display-hall", d, ok)
	}
	if got, want := len(sec.Staff), 3; got != want {
		t.Fatalf("got %d logins want %d", got, want)
	}
	password := regexp.MustCompile(`^[a-z2-7]{4}(-[a-z2-7]{4}){3}$`)
	for _, l := range sec.Staff {
		s, ok := cfg.Authenticate(l.Username, l.Password)
		if !ok {
			t.Errorf("%s: the demo password does not sign in", l.Username)
			continue
		}
		if !slices.Equal(l.Windows, s.Windows) || len(l.Windows) == 0 && s.Role != RoleSupervisor {
			t.Errorf("%s: got windows %v in the secrets, %v in the config", l.Username, l.Windows, s.Windows)
		}
		if !password.MatchString(l.Password) {
			t.Errorf("%s: got password %q, want four groups of four letters and digits", l.Username, l.Password)
		}
	}

	// Nothing secret is in the config, and the secrets are fresh each time.
	blob, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{sec.KioskToken, sec.DisplayToken, sec.Staff[0].Password, sec.Staff[1].Password} {
		if regexp.MustCompile(regexp.QuoteMeta(secret)).Match(blob) {
			t.Errorf("the config contains the secret %q", secret)
		}
	}
	_, sec2, err := demo(bcrypt.MinCost, DemoSecrets{})
	if err != nil {
		t.Fatal(err)
	}
	if sec2.KioskToken == sec.KioskToken || sec2.DisplayToken == sec.DisplayToken || sec2.Staff[0].Password == sec.Staff[0].Password {
		t.Error("two demo halls got the same secrets")
	}
}

func TestDemoUsesDefaultCost(t *testing.T) {
	cfg, sec, err := Demo()
	if err != nil {
		t.Fatalf("Demo: %v", err)
	}
	for _, s := range cfg.Staff {
		if cost, err := bcrypt.Cost([]byte(s.PasswordHash)); err != nil || cost != bcrypt.DefaultCost {
			t.Errorf("%s: got cost %d (%v) want %d", s.Username, cost, err, bcrypt.DefaultCost)
		}
	}
	data, err := json.Marshal(sec)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"kiosk_token", "display_token", "staff"} {
		if _, ok := back[key]; !ok {
			t.Errorf("demo-credentials JSON: got keys %v, want %q", back, key)
		}
	}
}

func TestDemoWithKeepsCredentials(t *testing.T) {
	_, first, err := demo(bcrypt.MinCost, DemoSecrets{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, again, err := demo(bcrypt.MinCost, first)
	if err != nil {
		t.Fatal(err)
	}
	if again.KioskToken != first.KioskToken || again.DisplayToken != first.DisplayToken {
		t.Fatalf("tokens changed: got %+v, want %+v", again, first)
	}
	if d, ok := cfg.DeviceByToken(first.KioskToken); !ok || d.ID != "kiosk-1" {
		t.Fatalf("old kiosk token not accepted")
	}
	for _, login := range first.Staff {
		if _, ok := cfg.Authenticate(login.Username, login.Password); !ok {
			t.Errorf("old password of %s not accepted", login.Username)
		}
	}
	// A too-short token from a damaged file is replaced, not trusted.
	_, fresh, err := demo(bcrypt.MinCost, DemoSecrets{KioskToken: "short"})
	if err != nil {
		t.Fatal(err)
	}
	if fresh.KioskToken == "short" {
		t.Error("short kiosk token kept")
	}
}
