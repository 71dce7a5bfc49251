package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	window := file("window.toml", "server = \"http://10.0.0.2:8080/\"\ntoken = \"T1\"\nmode = \"window\"\nwindow = \"3\"\nspeak_cmd = \"\"\nfullscreen = false\nsize = \"1280x720\"\nscroll_fps = 0\n")
	unknown := file("unknown.toml", "server = \"http://10.0.0.2:8080\"\nspeek_cmd = \"x\"\n")
	env := map[string]string{"HALLQ_TOKEN": "from-env", "HOME": "/home/display"}
	tests := []struct {
		name  string
		args  []string
		check func(c *Config) bool
		err   string
	}{
		{"flags", []string{"-server", "http://h:8080", "-token", "T"}, func(c *Config) bool {
			return c.Server == "http://h:8080" && c.Token == "T" && c.Mode == ModeHall && c.SpeakCmd == DefaultSpeakCmd &&
				c.ChimeCmd == DefaultChimeCmd && c.Fullscreen && c.Width == 1920 && c.Height == 1080 && c.Data == "/home/display/.local/state/hallq/display" &&
				c.ScrollFPS == DefaultScrollFPS
		}, ""},
		{"token from the environment", []string{"-server", "http://h:8080"}, func(c *Config) bool { return c.Token == "from-env" }, ""},
		{"file", []string{"-config", window}, func(c *Config) bool {
			return c.Server == "http://10.0.0.2:8080" && c.Token == "T1" && c.Mode == ModeWindow && c.Window == "3" &&
				c.SpeakCmd == "" && !c.Fullscreen && c.Width == 1280 && c.Height == 720 && c.ScrollFPS == 0
		}, ""},
		{"flags win over the file", []string{"-config", window, "-window", "4", "-speak-cmd", "say", "-fullscreen"}, func(c *Config) bool {
			return c.Window == "4" && c.SpeakCmd == "say" && c.Fullscreen && c.Token == "T1"
		}, ""},
		{"the example file", []string{"-config", "display.example.toml"}, func(c *Config) bool {
			return c.Mode == ModeHall && c.SpeakCmd == DefaultSpeakCmd && c.Data == "/var/lib/hallq-display"
		}, ""},
		{"voice off", []string{"-server", "http://h", "-speak-cmd", ""}, func(c *Config) bool { return c.SpeakCmd == "" }, ""},
		{"no server", nil, nil, "-server"},
		{"not a URL", []string{"-server", "h:8080"}, nil, "-server"},
		{"unknown mode", []string{"-server", "http://h", "-mode", "kiosk"}, nil, "-mode"},
		{"window of a hall board", []string{"-server", "http://h", "-window", "2"}, nil, "-window 2"},
		{"bad size", []string{"-server", "http://h", "-size", "big"}, nil, "-size"},
		{"scrolling too fast", []string{"-server", "http://h", "-scroll-fps", "500"}, nil, "-scroll-fps"},
		{"missing font", []string{"-server", "http://h", "-font", filepath.Join(dir, "none.ttf")}, nil, "-font"},
		{"unknown key", []string{"-config", unknown}, nil, `unknown key "speek_cmd"`},
		{"missing file", []string{"-config", filepath.Join(dir, "none.toml")}, nil, "config"},
		{"extra argument", []string{"-server", "http://h", "hall"}, nil, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, func(k string) string { return env[k] }, io.Discard)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error about %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Fatalf("got %+v", c)
			}
		})
	}
	if _, err := parseConfig([]string{"-h"}, nil, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: got %v, want flag.ErrHelp", err)
	}
}
