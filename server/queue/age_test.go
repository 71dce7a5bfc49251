package queue

import (
	"testing"
)

// residentID returns a resident ID number born on birth ("YYYYMMDD") with a
// matching check digit.
func residentID(t testing.TB, birth string) string {
	t.Helper()
	first := "110101" + birth + "123"
	c, ok := ResidentCheckChar(first)
	if !ok {
		t.Fatalf("resident ID of %s: not 17 digits", birth)
	}
	return first + string(c)
}

func TestBirthDateAndAge(t *testing.T) {
	tests := []struct {
		name      string
		canonical string
		birth     string
		day       string
		age       int
		ok        bool
	}{
		{"birthday on the day", "resident:" + residentID(t, "19561123"), "19561123", "2026-11-23", 70, true},
		{"birthday tomorrow", "resident:" + residentID(t, "19561124"), "19561124", "2026-11-23", 69, true},
		{"birthday yesterday", "resident:" + residentID(t, "19561122"), "19561122", "2026-11-23", 70, true},
		{"29 February, not a leap year", "resident:" + residentID(t, "19560229"), "19560229", "2026-02-28", 69, true},
		{"29 February, 1 March", "resident:" + residentID(t, "19560229"), "19560229", "2026-03-01", 70, true},
		{"born after the day", "resident:" + residentID(t, "20270101"), "20270101", "2026-11-23", 0, false},
		{"no calendar date", "resident:" + residentID(t, "19561332"), "", "2026-11-23", 0, false},
		{"passport", "document:E12345678", "", "2026-11-23", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := BirthDate(tc.canonical)
			if b != tc.birth {
				t.Fatalf("BirthDate(%q) = %q, want %q", tc.canonical, b, tc.birth)
			}
			age, ok := AgeOn(b, tc.day)
			if age != tc.age || ok != tc.ok {
				t.Errorf("AgeOn(%q, %q) = %d, %v, want %d, %v", b, tc.day, age, ok, tc.age, tc.ok)
			}
		})
	}
}

func TestAgeRule(t *testing.T) {
	w := newWorld(t) // service day 2026-11-23
	w.h.PriorityClasses = []PriorityClass{{ID: "disabled"}, {ID: "elderly", MinAge: 70}, {ID: "pregnant", SelfDeclared: true}}
	if err := w.h.Validate(); err != nil {
		t.Fatal(err)
	}
	birth := func(b string) string { return BirthDate("resident:" + residentID(t, b)) }
	tests := []struct {
		name     string
		asked    string
		birth    string
		desk     string
		kiosk    string
		want     string
		wantCode Code
	}{
		{"70 today", "", birth("19561123"), "", "k1", "elderly", ""},
		{"70 tomorrow", "", birth("19561124"), "", "k1", "", ""},
		{"younger", "", birth("19900101"), "", "k1", "", ""},
		{"no document", "", "", "", "k1", "", ""},
		{"a later class asked for", "pregnant", birth("19500101"), "", "k1", "elderly", ""},
		{"a better class assigned at a desk", "disabled", birth("19500101"), "R1", "", "disabled", ""},
		{"the kiosk still may not declare a staff class", "disabled", birth("19500101"), "", "k1", "", EFORBIDDEN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs, _, err := w.s.Issue(w.h, w.now, IssueRequest{Service: "general", Priority: tc.asked,
				Kiosk: tc.kiosk, Desk: tc.desk, BirthDate: tc.birth})
			if tc.wantCode != "" {
				wantCode(t, err, tc.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := w.commit(evs)[0].Data.(*TicketIssuedData)
			if d.ByAge != (d.Priority != tc.asked) {
				t.Errorf("by_age %v for class %q asked %q", d.ByAge, d.Priority, tc.asked)
			}
			if err := w.s.CheckIssued(w.h, evs[0].Time, d); err != nil {
				t.Errorf("check: %v", err)
			}
			if d.Priority != tc.want {
				t.Errorf("class %q, want %q", d.Priority, tc.want)
			}
			if d.Desk != tc.desk || d.Kiosk != tc.kiosk {
				t.Errorf("desk %q kiosk %q, want %q %q", d.Desk, d.Kiosk, tc.desk, tc.kiosk)
			}
		})
	}
	if _, _, err := w.s.Issue(w.h, w.now, IssueRequest{Service: "general", Kiosk: "k1", Desk: "R1"}); err == nil {
		t.Error("a ticket of a kiosk and a desk at once was issued")
	}
}
