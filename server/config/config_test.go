package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hallq/server/queue"
)

// baseDoc is a small valid file. The rows of TestParseErrors edit it and expect
// the line numbers written on the right.
const baseDoc = `[hall]
id = "h"
name_zh = "大厅"
name_en = "Hall"
hours = ["08:30-12:00"]

[[services]]
id = "a"
name_zh = "综合"
name_en = "General"
prefix = "A"

[[services]]
id = "b"
name_zh = "社保"
name_en = "Insurance"
prefix = "B"

[[windows]]
id = "1"
name_zh = "1号窗口"
name_en = "Window 1"
primary = ["a"]
secondary = ["b"]

[[staff]]
username = "wang"
name = "王芳"
password_hash = "@HASH@"
windows = ["1"]

[[devices]]
id = "kiosk-1"
kind = "kiosk"
name = "Kiosk"
token_sha256 = "@SUM@"
`

const (
	testPassword = "correct horse battery"
	testToken    = "test-kiosk-token"
)

// validDoc returns baseDoc with a real (cheap) password hash and token sum.
func validDoc(t *testing.T) string {
	t.Helper()
	return fill(t, baseDoc)
}

// fill replaces the placeholders of baseDoc.
func fill(t *testing.T, doc string) string {
	t.Helper()
	hash, err := hashPassword(testPassword, bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer("@HASH@", hash, "@SUM@", TokenSHA256(testToken)).Replace(doc)
}

// edit replaces the one occurrence of old in doc.
func edit(t *testing.T, doc, old, new string) string {
	t.Helper()
	if n := strings.Count(doc, old); n != 1 {
		t.Fatalf("edit: %q occurs %d times in the document, want 1", old, n)
	}
	return strings.Replace(doc, old, new, 1)
}

func mustParse(t *testing.T, doc string) *Config {
	t.Helper()
	cfg, err := Parse([]byte(doc), "hallq.toml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}

func TestParseBase(t *testing.T) {
	cfg := mustParse(t, validDoc(t))
	if got, want := cfg.Hall.ID, "h"; got != want {
		t.Errorf("Hall.ID: got %q want %q", got, want)
	}
	if got, want := len(cfg.Hall.Services), 2; got != want {
		t.Fatalf("services: got %d want %d", got, want)
	}
	if got, want := cfg.Hall.Services[0].Digits, queue.DefaultDigits; got != want {
		t.Errorf("default digits: got %d want %d", got, want)
	}
	if got := cfg.Staff[0].Role; got != RoleStaff {
		t.Errorf("default role: got %q want %q", got, RoleStaff)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: got %q want none", cfg.Warnings)
	}
}

func TestDefaults(t *testing.T) {
	cfg := mustParse(t, validDoc(t))
	checks := []struct {
		name      string
		got, want any
	}{
		{"time zone", cfg.Info.TimeZone, DefaultTimeZone},
		{"location", cfg.Hall.Location.String(), DefaultTimeZone},
		{"day start", cfg.Hall.DayStart, DefaultDayStart},
		{"identity retention", cfg.Info.IdentityRetention, 720 * time.Hour},
		{"public url", cfg.Info.PublicURL, ""},
		{"reinstate within", cfg.Hall.Rules.ReinstateWithin, queue.DefaultReinstateWithin},
		{"reinstate after", cfg.Hall.Rules.ReinstateAfter, queue.DefaultReinstateAfter},
		{"min samples", cfg.Hall.Rules.MinSamples, queue.DefaultMinSamples},
		{"avg service", cfg.Hall.Services[0].AvgService, queue.DefaultAvgService},
		{"max body bytes", cfg.Limits.MaxBodyBytes, int64(64 << 10)},
		{"ws queue", cfg.Limits.WSQueue, 256},
		{"ws heartbeat", cfg.Limits.WSHeartbeat, 10 * time.Second},
		{"tickets per kiosk", cfg.Limits.TicketsPerKioskPerMinute, 60},
		{"login attempts", cfg.Limits.LoginAttemptsPerMinute, DefaultLoginAttemptsPerMinute},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	type row struct {
		name      string
		old, new  string // edit of baseDoc
		wantField string
		wantLine  int
		wantMsg   string
	}
	rows := []row{
		{name: "syntax", old: `id = "h"`, new: `id = "h`, wantLine: 2, wantMsg: "newline"},
		{name: "unknown section", old: "[[windows]]", new: "[[windowz]]", wantField: "windowz[0]", wantLine: 19, wantMsg: `unknown key "windowz"; did you mean "windows"?`},
		{name: "unknown key", old: `prefix = "B"`, new: `prefx = "B"`, wantField: "services[1].prefx", wantLine: 17, wantMsg: `did you mean "prefix"?`},
		{name: "unknown key far from any", old: `prefix = "B"`, new: "prefix = \"B\"\ncolour = \"red\"", wantField: "services[1].colour", wantLine: 18, wantMsg: `unknown key "colour"`},
		{name: "unknown top-level key", old: "[hall]", new: "version = 2\n[hall]", wantField: "version", wantLine: 1, wantMsg: "the sections are hall, services"},
		{name: "string for integer", old: `prefix = "B"`, new: "prefix = \"B\"\ndigits = \"3\"", wantField: "services[1].digits", wantLine: 18, wantMsg: "must be an integer, not a string"},
		{name: "integer for string", old: `prefix = "B"`, new: `prefix = 2`, wantField: "services[1].prefix", wantLine: 17, wantMsg: "must be a string, not an integer"},
		{name: "string for list", old: `windows = ["1"]`, new: `windows = "1"`, wantField: "staff[0].windows", wantLine: 30, wantMsg: "must be a list, not a string"},
		{name: "string for list of tables", old: "[hall]", new: "notices = \"x\"\n[hall]", wantField: "notices", wantLine: 1, wantMsg: "must be a list"},
		{name: "duration without unit", old: `prefix = "B"`, new: "prefix = \"B\"\navg_service = 5", wantField: "services[1].avg_service", wantLine: 18, wantMsg: `with a unit, for example "5m"`},
		{name: "duration misspelt", old: `prefix = "B"`, new: "prefix = \"B\"\navg_service = \"5 min\"", wantField: "services[1].avg_service", wantLine: 18, wantMsg: `"5 min" is not a duration`},
		{name: "duration zero", old: `prefix = "B"`, new: "prefix = \"B\"\navg_service = \"0s\"", wantField: "services[1].avg_service", wantLine: 18, wantMsg: "longer than zero"},
		{name: "duration negative", old: `hours = ["08:30-12:00"]`, new: `identity_retention = "-5h"`, wantField: "hall.identity_retention", wantLine: 5, wantMsg: "longer than zero"},
		{name: "retention too short", old: `hours = ["08:30-12:00"]`, new: `identity_retention = "1h"`, wantField: "hall.identity_retention", wantLine: 5, wantMsg: "shorter than a day"},
		{name: "clock bad", old: `hours = ["08:30-12:00"]`, new: `day_start = "25:00"`, wantField: "hall.day_start", wantLine: 5, wantMsg: `"25:00" is not a time of day`},
		{name: "clock as number", old: `hours = ["08:30-12:00"]`, new: `day_start = 4`, wantField: "hall.day_start", wantLine: 5, wantMsg: `for example "04:00", not the number 4`},
		{name: "hours bad", old: `"08:30-12:00"`, new: `"8.30-12:00"`, wantField: "hall.hours[0]", wantLine: 5, wantMsg: `"8.30" is not a time of day`},
		{name: "hours without dash", old: `"08:30-12:00"`, new: `"08:30"`, wantField: "hall.hours[0]", wantLine: 5, wantMsg: "HH:MM-HH:MM"},
		{name: "hours empty interval", old: `"08:30-12:00"`, new: `"08:30-08:30"`, wantField: "hall.hours[0]", wantLine: 5, wantMsg: "same time"},
		{name: "hours overlap", old: `"08:30-12:00"`, new: `"08:30-12:00", "11:00-13:00"`, wantField: "hall.hours[1]", wantLine: 5, wantMsg: "overlaps hall.hours[0]"},
		{name: "hours overlap across midnight", old: `"08:30-12:00"`, new: `"20:00-02:00", "01:00-03:00"`, wantField: "hall.hours[1]", wantLine: 5, wantMsg: "overlaps hall.hours[0]"},
		{name: "hours span day start", old: `"08:30-12:00"`, new: `"22:00-05:00"`, wantField: "hall.hours[0]", wantLine: 5, wantMsg: "spans hall.day_start 04:00"},
		{name: "time zone unknown", old: `hours = ["08:30-12:00"]`, new: `time_zone = "Mars/Olympus"`, wantField: "hall.time_zone", wantLine: 5, wantMsg: "not a known IANA time zone"},
		{name: "time zone local", old: `hours = ["08:30-12:00"]`, new: `time_zone = "Local"`, wantField: "hall.time_zone", wantLine: 5, wantMsg: "depends on the server machine"},
		{name: "public url scheme", old: `hours = ["08:30-12:00"]`, new: `public_url = "ftp://hall.example"`, wantField: "hall.public_url", wantLine: 5, wantMsg: "http:// or https://"},
		{name: "public url query", old: `hours = ["08:30-12:00"]`, new: `public_url = "http://hall.example/?a=b"`, wantField: "hall.public_url", wantLine: 5, wantMsg: "query"},
		{name: "hall name missing", old: `name_en = "Hall"`, new: ``, wantField: "hall.name_en", wantLine: 1, wantMsg: "English name is required"},
		{name: "hall id missing", old: `id = "h"`, new: ``, wantField: "hall.id", wantLine: 1, wantMsg: "must not be empty"},
		{name: "duplicate service id", old: `id = "b"`, new: `id = "a"`, wantField: "services[1].id", wantLine: 14, wantMsg: `"a" is also used by services[0]`},
		{name: "duplicate prefix", old: `prefix = "B"`, new: `prefix = "A"`, wantField: "services[1].prefix", wantLine: 17, wantMsg: "ambiguous"},
		{name: "window unknown secondary", old: `secondary = ["b"]`, new: `secondary = ["tax2"]`, wantField: "windows[0].secondary[0]", wantLine: 24, wantMsg: `unknown service "tax2"`},
		{name: "window name missing", old: `name_zh = "1号窗口"`, new: ``, wantField: "windows[0].name_zh", wantLine: 19, wantMsg: "Chinese name is required"},
		{name: "card without name", old: `secondary = ["b"]`, new: "secondary = [\"b\"]\n[windows.card]\nunit = \"中心\"", wantField: "windows[0].card.name", wantLine: 25, wantMsg: "name of the person"},
		{name: "card photo type", old: `secondary = ["b"]`, new: "secondary = [\"b\"]\ncard = { name = \"王芳\", unit = \"中心\", photo = \"wang.gif\" }", wantField: "windows[0].card.photo", wantLine: 25, wantMsg: ".png or .jpg"},
		{name: "no windows", old: "[[windows]]\nid = \"1\"\nname_zh = \"1号窗口\"\nname_en = \"Window 1\"\nprimary = [\"a\"]\nsecondary = [\"b\"]\n", new: "", wantField: "windows", wantMsg: "at least one window"},
		{name: "staff unknown window", old: `windows = ["1"]`, new: `windows = ["9"]`, wantField: "staff[0].windows[0]", wantLine: 30, wantMsg: `unknown window "9"`},
		{name: "staff window twice", old: `windows = ["1"]`, new: `windows = ["1", "1"]`, wantField: "staff[0].windows[1]", wantLine: 30, wantMsg: "listed twice"},
		{name: "staff without windows", old: `windows = ["1"]`, new: `windows = []`, wantField: "staff[0].windows", wantLine: 30, wantMsg: "list the windows wang may sign in to"},
		{name: "staff role", old: `windows = ["1"]`, new: "windows = [\"1\"]\nrole = \"boss\"", wantField: "staff[0].role", wantLine: 31, wantMsg: `"boss" must be "staff", "admin", "reception" or "supervisor"`},
		{name: "staff username", old: `username = "wang"`, new: `username = "wang fang"`, wantField: "staff[0].username", wantLine: 27, wantMsg: "must be 1-32 letters"},
		{name: "plain password", old: `password_hash = "@HASH@"`, new: `password_hash = "hunter2"`, wantField: "staff[0].password_hash", wantLine: 29, wantMsg: "never write a password itself"},
		{name: "no password", old: `password_hash = "@HASH@"`, new: ``, wantField: "staff[0].password_hash", wantLine: 26, wantMsg: "hashpw"},
		{name: "device kind", old: `kind = "kiosk"`, new: `kind = "printer"`, wantField: "devices[0].kind", wantLine: 34, wantMsg: `"printer" must be "kiosk" or "display"`},
		{name: "kiosk with window", old: `kind = "kiosk"`, new: "kind = \"kiosk\"\nwindow = \"1\"", wantField: "devices[0].window", wantLine: 35, wantMsg: "only displays"},
		{name: "display with services", old: `kind = "kiosk"`, new: "kind = \"display\"\nservices = [\"a\"]", wantField: "devices[0].services", wantLine: 35, wantMsg: "only kiosks"},
		{name: "display unknown window", old: `kind = "kiosk"`, new: "kind = \"display\"\nwindow = \"7\"", wantField: "devices[0].window", wantLine: 35, wantMsg: `unknown window "7"`},
		{name: "kiosk unknown service", old: `kind = "kiosk"`, new: "kind = \"kiosk\"\nservices = [\"a\", \"zz\"]", wantField: "devices[0].services[1]", wantLine: 35, wantMsg: `unknown service "zz"`},
		{name: "token not hex", old: `token_sha256 = "@SUM@"`, new: `token_sha256 = "my-secret-token"`, wantField: "devices[0].token_sha256", wantLine: 36, wantMsg: "never the token itself"},
		{name: "token of empty string", old: `token_sha256 = "@SUM@"`, new: `token_sha256 = "` + emptySHA256 + `"`, wantField: "devices[0].token_sha256", wantLine: 36, wantMsg: "empty token"},
		{name: "priority class name", old: "[[staff]]", new: "[[priority_classes]]\nid = \"elderly\"\nname_zh = \"老年人\"\n\n[[staff]]", wantField: "priority_classes[0].name_en", wantLine: 26, wantMsg: "English name"},
		{name: "duplicate reason code", old: "[[staff]]", new: "[[manual_reasons]]\ncode = \"x\"\nname_zh = \"甲\"\nname_en = \"X\"\n[[manual_reasons]]\ncode = \"x\"\nname_zh = \"乙\"\nname_en = \"Y\"\n[[staff]]", wantField: "manual_reasons[1].code", wantLine: 31, wantMsg: `"x" is also used by manual_reasons[0]`},
		{name: "reinstate after zero", old: "[[staff]]", new: "[rules]\nreinstate_after = 0\n[[staff]]", wantField: "rules.reinstate_after", wantLine: 27, wantMsg: "between 1 and 1000"},
		{name: "notice without chinese", old: "[[staff]]", new: "[[notices]]\ntext_en = \"Welcome\"\n[[staff]]", wantField: "notices[0].text_zh", wantLine: 26, wantMsg: "Chinese text"},
		{name: "ws queue zero", old: "[[staff]]", new: "[limits]\nws_queue = 0\n[[staff]]", wantField: "limits.ws_queue", wantLine: 27, wantMsg: "between 1 and"},
		{name: "body size words", old: "[[staff]]", new: "[limits]\nmax_body_bytes = \"a lot\"\n[[staff]]", wantField: "limits.max_body_bytes", wantLine: 27, wantMsg: `"a lot" is not a size`},
		{name: "body size tiny", old: "[[staff]]", new: "[limits]\nmax_body_bytes = 10\n[[staff]]", wantField: "limits.max_body_bytes", wantLine: 27, wantMsg: "between 1KiB and 64MiB"},
		{name: "heartbeat long", old: "[[staff]]", new: "[limits]\nws_heartbeat = \"1h\"\n[[staff]]", wantField: "limits.ws_heartbeat", wantLine: 27, wantMsg: "between 1s and 5m"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			_, err := Parse([]byte(fill(t, edit(t, baseDoc, r.old, r.new))), "hallq.toml")
			if err == nil {
				t.Fatal("got no error")
			}
			errs := Errors(err)
			if len(errs) == 0 {
				t.Fatalf("got %v, want a *config.Error", err)
			}
			var found *Error
			for _, e := range errs {
				if e.Field == r.wantField && strings.Contains(e.Msg, r.wantMsg) {
					found = e
					break
				}
			}
			if found == nil {
				t.Fatalf("got\n%v\nwant field %q with message containing %q", err, r.wantField, r.wantMsg)
			}
			if found.Line != r.wantLine {
				t.Errorf("got line %d want %d in\n%v", found.Line, r.wantLine, err)
			}
			if found.File != "hallq.toml" {
				t.Errorf("got file %q want %q", found.File, "hallq.toml")
			}
			if msg := found.Error(); !strings.HasPrefix(msg, "config hallq.toml: ") || !strings.Contains(msg, r.wantField) {
				t.Errorf("got %q, want it to start with the file and name the field %q", msg, r.wantField)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	rows := []struct {
		name string
		err  Error
		want string
	}{
		{"field and line", Error{File: "hallq.toml", Field: "windows[2].secondary[0]", Line: 41, Msg: `unknown service "tax2"`},
			`config hallq.toml: windows[2].secondary[0]: unknown service "tax2" (line 41)`},
		{"field only", Error{File: "hallq.toml", Field: "windows", Msg: "at least one window is required"},
			"config hallq.toml: windows: at least one window is required"},
		{"line only", Error{File: "hallq.toml", Line: 7, Msg: "bad syntax"}, "config hallq.toml: line 7: bad syntax"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			if got := r.err.Error(); got != r.want {
				t.Errorf("got %q want %q", got, r.want)
			}
		})
	}
}

func TestSeveralErrorsSortedByLine(t *testing.T) {
	doc := validDoc(t)
	doc = edit(t, doc, `kind = "kiosk"`, `kind = "printer"`)      // line 34
	doc = edit(t, doc, `"08:30-12:00"`, `"8.30-12:00"`)           // line 5
	doc = edit(t, doc, `windows = ["1"]`, `windows = ["1", "9"]`) // line 30
	_, err := Parse([]byte(doc), "hallq.toml")
	var lines []int
	for _, e := range Errors(err) {
		lines = append(lines, e.Line)
	}
	if want := []int{5, 30, 34}; !slices.Equal(lines, want) {
		t.Errorf("got lines %v want %v in\n%v", lines, want, err)
	}
	if got := strings.Count(err.Error(), "\n") + 1; got != 3 {
		t.Errorf("got %d lines of message want 3:\n%v", got, err)
	}
}

func TestTooManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(validDoc(t))
	for range maxErrors + 5 {
		b.WriteString("\n[[notices]]\ntext_en = \"only English\"\n")
	}
	_, err := Parse([]byte(b.String()), "hallq.toml")
	if got, want := len(Errors(err)), maxErrors; got != want {
		t.Errorf("got %d errors want %d", got, want)
	}
	if !strings.Contains(err.Error(), "and 5 more problems") {
		t.Errorf("got %v, want it to count the problems left out", err)
	}
}

func TestHoursAcrossMidnight(t *testing.T) {
	doc := edit(t, validDoc(t), `hours = ["08:30-12:00"]`, `hours = ["09:00-12:00", "18:00-01:00"]`)
	cfg := mustParse(t, doc)
	if got, want := cfg.Hall.Hours, []queue.Hours{{Open: 9 * time.Hour, Close: 12 * time.Hour}, {Open: 18 * time.Hour, Close: 25 * time.Hour}}; !slices.Equal(got, want) {
		t.Fatalf("got hours %v want %v", got, want)
	}
	loc := cfg.Hall.Location
	rows := []struct {
		name    string
		at      time.Time
		open    bool
		wantDay string
	}{
		{"morning", time.Date(2025, 3, 2, 9, 30, 0, 0, loc), true, "2025-03-02"},
		{"lunch", time.Date(2025, 3, 2, 13, 0, 0, 0, loc), false, "2025-03-02"},
		{"evening", time.Date(2025, 3, 2, 23, 59, 0, 0, loc), true, "2025-03-02"},
		{"after midnight", time.Date(2025, 3, 3, 0, 30, 0, 0, loc), true, "2025-03-02"},
		{"closed at night", time.Date(2025, 3, 3, 2, 0, 0, 0, loc), false, "2025-03-02"},
		{"new day", time.Date(2025, 3, 3, 4, 0, 0, 0, loc), false, "2025-03-03"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			if got := cfg.Hall.IsOpen(r.at); got != r.open {
				t.Errorf("IsOpen: got %v want %v", got, r.open)
			}
			if got := cfg.Hall.Day(r.at); got != r.wantDay {
				t.Errorf("Day: got %s want %s", got, r.wantDay)
			}
		})
	}
	if got, want := cfg.Hall.HoursText(), "09:00-12:00, 18:00-25:00"; got != want {
		t.Errorf("HoursText: got %q want %q", got, want)
	}
}

func TestParseInterval(t *testing.T) {
	rows := []struct {
		in          string
		open, close time.Duration
		wantErr     bool
	}{
		{in: "08:30-12:00", open: 8*time.Hour + 30*time.Minute, close: 12 * time.Hour},
		{in: " 8:30 - 12:00 ", open: 8*time.Hour + 30*time.Minute, close: 12 * time.Hour},
		{in: "18:00-01:00", open: 18 * time.Hour, close: 25 * time.Hour},
		{in: "22:00-00:00", open: 22 * time.Hour, close: 24 * time.Hour},
		{in: "00:00-24:00", open: 0, close: 24 * time.Hour},
		{in: "24:00-02:00", wantErr: true},
		{in: "08:60-12:00", wantErr: true},
		{in: "08:30-12", wantErr: true},
		{in: "08:30-12:00:00", wantErr: true},
		{in: "830-1200", wantErr: true},
		{in: "12:00-12:00", wantErr: true},
		{in: "-1:00-02:00", wantErr: true},
	}
	for _, r := range rows {
		t.Run(r.in, func(t *testing.T) {
			open, close, err := parseInterval(r.in)
			if (err != nil) != r.wantErr {
				t.Fatalf("got error %v, want error %v", err, r.wantErr)
			}
			if open != r.open || close != r.close {
				t.Errorf("got %s-%s want %s-%s", open, close, r.open, r.close)
			}
		})
	}
}

func TestDurations(t *testing.T) {
	rows := []struct {
		name    string
		in      any
		want    time.Duration
		wantErr string
	}{
		{name: "minutes", in: "5m", want: 5 * time.Minute},
		{name: "compound", in: "1h30m", want: 90 * time.Minute},
		{name: "thirty days", in: "720h", want: 30 * 24 * time.Hour},
		{name: "days unit", in: "30d", wantErr: "no unit for days"},
		{name: "bare number", in: int64(300), wantErr: "with a unit"},
		{name: "zero", in: "0s", wantErr: "longer than zero"},
		{name: "negative", in: "-1m", wantErr: "longer than zero"},
		{name: "list", in: []any{"5m"}, wantErr: "not a list"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			var d duration
			err := d.UnmarshalTOML(r.in)
			if r.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), r.wantErr) {
					t.Fatalf("got error %v want one containing %q", err, r.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !d.set || d.d != r.want {
				t.Errorf("got %v (set %v) want %v", d.d, d.set, r.want)
			}
		})
	}
}

func TestDurationsInFile(t *testing.T) {
	doc := edit(t, validDoc(t), "[[staff]]", `[rules]
reinstate_within = "45m"
reinstate_after = 3
min_samples = 5

[limits]
ws_heartbeat = "15s"
max_body_bytes = "1MiB"

[[staff]]`)
	doc = edit(t, doc, `prefix = "B"`, "prefix = \"B\"\navg_service = \"7m30s\"")
	doc = edit(t, doc, `hours = ["08:30-12:00"]`, "identity_retention = \"2160h\"\nday_start = 03:30:00")
	cfg := mustParse(t, doc)
	checks := []struct {
		name      string
		got, want any
	}{
		{"reinstate within", cfg.Hall.Rules.ReinstateWithin, 45 * time.Minute},
		{"reinstate after", cfg.Hall.Rules.ReinstateAfter, 3},
		{"min samples", cfg.Hall.Rules.MinSamples, 5},
		{"ws heartbeat", cfg.Limits.WSHeartbeat, 15 * time.Second},
		{"max body bytes", cfg.Limits.MaxBodyBytes, int64(1 << 20)},
		{"avg service", cfg.Hall.Services[1].AvgService, 7*time.Minute + 30*time.Second},
		{"identity retention", cfg.Info.IdentityRetention, 90 * 24 * time.Hour},
		{"day start as TOML time", cfg.Hall.DayStart, 3*time.Hour + 30*time.Minute},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v want %v", c.name, c.got, c.want)
		}
	}
}

func TestDayStartMidnight(t *testing.T) {
	doc := edit(t, validDoc(t), `hours = ["08:30-12:00"]`, `day_start = "00:00"`)
	if got := mustParse(t, doc).Hall.DayStart; got != 0 {
		t.Errorf("got day start %v, want 0: an explicit 00:00 is not the default", got)
	}
}

func TestByteSize(t *testing.T) {
	rows := []struct {
		name    string
		in      any
		want    int64
		wantErr bool
	}{
		{name: "integer", in: int64(65536), want: 65536},
		{name: "KiB", in: "64KiB", want: 64 << 10},
		{name: "MiB with space", in: "2 MiB", want: 2 << 20},
		{name: "bytes", in: "4096B", want: 4096},
		{name: "digits in a string", in: "4096", want: 4096},
		{name: "decimal unit", in: "64KB", wantErr: true},
		{name: "negative", in: int64(-1), wantErr: true},
		{name: "fraction", in: "1.5MiB", wantErr: true},
		{name: "boolean", in: true, wantErr: true},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			var b byteSize
			err := b.UnmarshalTOML(r.in)
			if (err != nil) != r.wantErr {
				t.Fatalf("got error %v, want error %v", err, r.wantErr)
			}
			if b.n != r.want {
				t.Errorf("got %d want %d", b.n, r.want)
			}
		})
	}
}

func TestBcryptHashes(t *testing.T) {
	real, err := hashPassword("another password", bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name    string
		hash    string
		wantErr string
	}{
		{name: "2a", hash: real},
		{name: "2b", hash: strings.Replace(real, "$2a$", "$2b$", 1)},
		{name: "plain password", hash: "another password", wantErr: "never write a password itself"},
		{name: "sha256", hash: TokenSHA256("another password"), wantErr: "never write a password itself"},
		{name: "cut short", hash: real[:50], wantErr: "not a valid bcrypt hash"},
		{name: "too long", hash: real + "x", wantErr: "not a valid bcrypt hash"},
		{name: "cost out of range", hash: "$2a$99" + real[6:], wantErr: "not a valid bcrypt hash"},
		{name: "version too new", hash: "$3a" + real[3:], wantErr: "never write a password itself"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			doc := strings.NewReplacer("@HASH@", r.hash, "@SUM@", TokenSHA256(testToken)).Replace(baseDoc)
			_, err := Parse([]byte(doc), "hallq.toml")
			if r.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v want no error", err)
				}
				return
			}
			errs := Errors(err)
			if len(errs) != 1 || errs[0].Field != "staff[0].password_hash" || !strings.Contains(errs[0].Msg, r.wantErr) {
				t.Errorf("got %v, want one error of staff[0].password_hash containing %q", err, r.wantErr)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	cfg := mustParse(t, validDoc(t))
	rows := []struct {
		name, user, pw string
		want           bool
	}{
		{"right", "wang", testPassword, true},
		{"wrong password", "wang", "correct horse battery!", false},
		{"unknown user", "zhao", testPassword, false},
		{"username is case sensitive", "Wang", testPassword, false},
		{"empty", "", "", false},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel() // an unknown user costs a bcrypt comparison at the default cost
			s, ok := cfg.Authenticate(r.user, r.pw)
			if ok != r.want {
				t.Fatalf("got %v want %v", ok, r.want)
			}
			if ok && s.Username != r.user {
				t.Errorf("got staff %q want %q", s.Username, r.user)
			}
		})
	}
	s, _ := cfg.StaffByUsername("wang")
	if !s.MaySignIn("1") || s.MaySignIn("2") {
		t.Errorf("MaySignIn: got 1:%v 2:%v want true, false", s.MaySignIn("1"), s.MaySignIn("2"))
	}
}

func TestDevices(t *testing.T) {
	doc := edit(t, baseDoc, `token_sha256 = "@SUM@"`, `token_sha256 = "@SUM@"
services = ["b"]

[[devices]]
id = "board"
kind = "display"
name = "Window screen"
token_sha256 = "`+TokenSHA256("display token")+`"
window = "1"`)
	doc = strings.Replace(doc, "@SUM@", strings.ToUpper(TokenSHA256(testToken)), 1) // hex in capitals is fine
	cfg := mustParse(t, fill(t, doc))
	rows := []struct {
		name   string
		token  string
		wantID string // "" for no device
	}{
		{"kiosk", testToken, "kiosk-1"},
		{"display", "display token", "board"},
		{"unknown", "guess", ""},
		{"empty", "", ""},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			d, ok := cfg.DeviceByToken(r.token)
			gotID := ""
			if ok {
				gotID = d.ID
			}
			if gotID != r.wantID {
				t.Errorf("got device %q want %q", gotID, r.wantID)
			}
		})
	}
	kiosk, _ := cfg.DeviceByToken(testToken)
	board, _ := cfg.DeviceByToken("display token")
	if !kiosk.Offers("b") || kiosk.Offers("a") || board.Offers("b") {
		t.Errorf("Offers: got kiosk b:%v a:%v, board b:%v; want true, false, false", kiosk.Offers("b"), kiosk.Offers("a"), board.Offers("b"))
	}
	if board.Window != "1" || board.Kind != KindDisplay {
		t.Errorf("got board %+v, want a display of window 1", board)
	}
}

func TestDuplicates(t *testing.T) {
	staff2 := func(username string) string {
		return "windows = [\"1\"]\n\n[[staff]]\nusername = \"" + username + "\"\nname = \"Other\"\npassword_hash = \"@HASH@\"\nwindows = [\"1\"]"
	}
	device2 := func(id, token string) string {
		return "token_sha256 = \"@SUM@\"\n\n[[devices]]\nid = \"" + id + "\"\nkind = \"kiosk\"\nname = \"Second\"\ntoken_sha256 = \"" + TokenSHA256(token) + "\""
	}
	rows := []struct {
		name, old, new string
		wantField      string
		wantLine       int
		wantMsg        string
	}{
		{"username", `windows = ["1"]`, staff2("wang"), "staff[1].username", 33, `"wang" is also used by staff[0]`},
		{"username differing in case", `windows = ["1"]`, staff2("WANG"), "staff[1].username", 33, `"WANG" is also used by staff[0]`},
		{"device id", `token_sha256 = "@SUM@"`, device2("kiosk-1", "other"), "devices[1].id", 39, `"kiosk-1" is also used by devices[0]`},
		{"device token", `token_sha256 = "@SUM@"`, device2("kiosk-2", testToken), "devices[1].token_sha256", 42, "every device needs its own token"},
		{"window id", "[[staff]]", "[[windows]]\nid = \"1\"\nname_zh = \"x\"\nname_en = \"x\"\nprimary = [\"a\"]\n[[staff]]", "windows[1].id", 27, `"1" is used twice`},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			_, err := Parse([]byte(fill(t, edit(t, baseDoc, r.old, r.new))), "hallq.toml")
			for _, e := range Errors(err) {
				if e.Field == r.wantField && strings.Contains(e.Msg, r.wantMsg) {
					if e.Line != r.wantLine {
						t.Errorf("got line %d want %d", e.Line, r.wantLine)
					}
					return
				}
			}
			t.Errorf("got\n%v\nwant %s: …%s…", err, r.wantField, r.wantMsg)
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	photo := filepath.Join(dir, "photos", "wang.png")
	if err := os.MkdirAll(filepath.Dir(photo), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, []byte("\x89PNG"), 0o644); err != nil {
		t.Fatal(err)
	}
	withPhoto := func(p string) string {
		return edit(t, validDoc(t), `secondary = ["b"]`, "secondary = [\"b\"]\n[windows.card]\nname = \"王芳\"\nunit = \"中心\"\nphoto = \""+p+"\"")
	}
	write := func(name, doc string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}

	cfg, err := Load(write("good.toml", withPhoto("photos/wang.png")))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := cfg.Cards["1"].Photo; got != photo {
		t.Errorf("photo: got %q want %q", got, photo)
	}

	path := write("missing.toml", withPhoto("photos/li.png"))
	_, err = Load(path)
	errs := Errors(err)
	if len(errs) != 1 || errs[0].Field != "windows[0].card.photo" || errs[0].Line != 28 || errs[0].File != path {
		t.Errorf("got %v, want an error of windows[0].card.photo at line 28 of %s", err, path)
	}

	_, err = Load(filepath.Join(dir, "absent.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want a not-exist error", err)
	}
}

func TestExampleFile(t *testing.T) {
	cfg, err := Load("../../deploy/hallq.example.toml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	h := cfg.Hall
	if got, want := h.HoursText(), "08:30-12:00, 13:30-17:30"; got != want {
		t.Errorf("hours: got %q want %q", got, want)
	}
	if got, want := h.Location.String(), "Asia/Shanghai"; got != want {
		t.Errorf("location: got %q want %q", got, want)
	}
	if got, want := len(h.Windows), len(cfg.Cards); got != want {
		t.Errorf("got %d windows and %d cards, want a card for each", got, want)
	}
	if got, want := cfg.Info.PublicURL, "http://192.168.1.10:8080"; got != want {
		t.Errorf("public url: got %q want %q", got, want)
	}
	if got, want := cfg.Limits.MaxBodyBytes, int64(64<<10); got != want {
		t.Errorf("max body bytes: got %d want %d", got, want)
	}
	// The documented example credentials match the hashes in the file, and every
	// use of them is warned about.
	for _, s := range cfg.Staff {
		if _, ok := cfg.Authenticate(s.Username, examplePassword); !ok {
			t.Errorf("staff %s: the documented example password does not match", s.Username)
		}
	}
	for _, tok := range []string{exampleKioskToken, exampleDisplayToken} {
		if _, ok := cfg.DeviceByToken(tok); !ok {
			t.Errorf("example token %q matches no device", tok)
		}
	}
	if got, want := len(cfg.Warnings), len(cfg.Staff)+len(cfg.Devices); got != want {
		t.Errorf("got %d warnings want %d: %q", got, want, cfg.Warnings)
	}
	data, err := os.ReadFile("../../deploy/hallq.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{examplePassword, exampleKioskToken, exampleDisplayToken} {
		if !strings.Contains(string(data), secret) {
			t.Errorf("the example file does not document %q", secret)
		}
	}
}

func TestExampleCredentials(t *testing.T) {
	if err := bcrypt.CompareHashAndPassword([]byte(examplePasswordHash), []byte(examplePassword)); err != nil {
		t.Errorf("examplePasswordHash is not the hash of examplePassword: %v", err)
	}
	sum := sha256.Sum256([]byte(exampleKioskToken))
	if got := TokenSHA256(exampleKioskToken); got != hex.EncodeToString(sum[:]) {
		t.Errorf("TokenSHA256: got %s want %x", got, sum)
	}
}

func TestFeedbackTable(t *testing.T) {
	cfg, _, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	f := cfg.Hall.Feedback
	if f.RatingPeriod != 2*time.Hour || f.FollowUpDays != 15 || !f.Calendar.Holidays["2027-01-01"] {
		t.Errorf("demo feedback rules: got %+v", f)
	}
	if cfg.Feedback.Retention != DefaultFeedbackRetention || cfg.Feedback.ComplaintsPerAddressPerHour != DefaultComplaintsPerAddressPerHour {
		t.Errorf("demo feedback settings: got %+v", cfg.Feedback)
	}
	for _, tt := range []struct{ body, field string }{
		{"[feedback]\nworkdays = [\"2026-12-07\"]\n", "feedback.workdays[0]"}, // a Monday
		{"[feedback]\nholidays = [\"12/07/2026\"]\n", "feedback.holidays[0]"},
		{"[feedback]\nrating_period = \"48h\"\n", "feedback.rating_period"},
		{"[feedback]\nretention = \"24h\"\n", "feedback.retention"},
		{"[feedback]\nfollow_up_days = 0\n", "feedback.follow_up_days"},
	} {
		_, err := Parse([]byte(validDoc(t)+"\n"+tt.body), "hallq.toml")
		if err == nil || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%q: got %v, want an error naming %s", tt.body, err, tt.field)
		}
	}
}
