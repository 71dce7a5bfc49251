package main

import (
	"testing"

	"fyne.io/fyne/v2"

	"hallq/server/queue"
)

// step is one input to the machine in a scripted flow.
type step struct {
	do   func(m *machine) effect
	want effect
	// then, the machine must show:
	screen screen
	id     string
}

func key(k fyne.KeyName) func(*machine) effect {
	return func(m *machine) effect { return m.Key(k) }
}

func setKind(kind string) func(*machine) effect {
	return func(m *machine) effect { return m.SetKind(kind) }
}

func typeID(id string) []step {
	var out []step
	for i := range len(id) {
		out = append(out, step{key(fyne.KeyName(id[i : i+1])), effectRender, screenID, id[:i+1]})
	}
	return out
}

func homeTiles() []Tile {
	return []Tile{
		{Key: 1, Service: "general", Available: true},
		{Key: 2, Service: "social", RealName: true, Available: true},
		{Key: 3, Service: "estate", Reason: msg{"今日号源已发完", "all taken"}},
	}
}

func TestMachine(t *testing.T) {
	issued := func(m *machine) effect {
		if !m.Issued(m.Flow) {
			return effectNone
		}
		return effectRender
	}
	printed := func(ok bool) func(m *machine) effect {
		return func(m *machine) effect {
			if !m.Printed(m.Flow, ok) {
				return effectNone
			}
			return effectRender
		}
	}
	steps := func(groups ...[]step) []step {
		var out []step
		for _, g := range groups {
			out = append(out, g...)
		}
		return out
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"key 1 takes a number, Enter leaves after printing", []step{
			{key(fyne.Key1), effectIssue, screenIssuing, ""},
			{key(fyne.KeyEscape), effectNone, screenIssuing, ""}, // the number is coming: stay
			{issued, effectRender, screenTicket, ""},
			{key(fyne.KeyReturn), effectNone, screenTicket, ""}, // still printing
			{printed(true), effectRender, screenTicket, ""},
			{key(fyne.KeyReturn), effectRender, screenHome, ""},
		}},
		{"tap on a service", []step{
			{func(m *machine) effect { return m.Choose(1) }, effectIssue, screenIssuing, ""},
		}},
		{"keypad Enter confirms too", []step{
			{key(fyne.Key1), effectIssue, screenIssuing, ""},
			{issued, effectRender, screenTicket, ""},
			{printed(false), effectRender, screenTicket, ""},
			{key(fyne.KeyEnter), effectRender, screenHome, ""},
		}},
		{"real-name service asks for the ID number", steps(
			[]step{{key(fyne.Key2), effectRender, screenID, ""}},
			typeID("11010519491231002"),
			[]step{
				{key(fyne.KeyReturn), effectRender, screenID, "11010519491231002"}, // too short: refused on screen
				{key(fyne.KeyX), effectRender, screenID, "11010519491231002X"},
				{key(fyne.Key5), effectNone, screenID, "11010519491231002X"}, // full
				{key(fyne.KeyReturn), effectIssue, screenIssuing, "11010519491231002X"},
				{issued, effectRender, screenTicket, ""}, // the number is forgotten
			},
		)},
		{"a wrong check digit is not sent", steps(
			[]step{{key(fyne.Key2), effectRender, screenID, ""}},
			typeID("110105194912310012"),
			[]step{
				{key(fyne.KeyReturn), effectRender, screenID, "110105194912310012"},
				{key(fyne.KeyBackspace), effectRender, screenID, "11010519491231001"},
				{key(fyne.Key1), effectRender, screenID, "110105194912310011"},
				{key(fyne.KeyReturn), effectIssue, screenIssuing, "110105194912310011"},
			},
		)},
		{"a passport number typed as a resident ID is refused, then taken as a passport", steps(
			[]step{{key(fyne.Key2), effectRender, screenID, ""}},
			typeID("E12345678"),
			[]step{
				{key(fyne.KeyReturn), effectRender, screenID, "E12345678"}, // refused on screen
				{setKind(queue.DocPassport), effectRender, screenID, "E12345678"},
				{key(fyne.KeyReturn), effectIssue, screenIssuing, "E12345678"},
			},
		)},
		{"a resident ID number declared as a passport is refused", steps(
			[]step{{key(fyne.Key2), effectRender, screenID, ""}, {setKind(queue.DocPassport), effectRender, screenID, ""}},
			typeID("11010519491231002X"),
			[]step{
				{key(fyne.KeyReturn), effectRender, screenID, "11010519491231002X"},
				{setKind(queue.DocResident), effectRender, screenID, "11010519491231002X"},
				{key(fyne.KeyReturn), effectIssue, screenIssuing, "11010519491231002X"},
			},
		)},
		{"arrow keys choose the kind", []step{
			{key(fyne.Key2), effectRender, screenID, ""},
			{key(fyne.KeyUp), effectRender, screenID, ""}, // foreign_pr, the last
			{key(fyne.KeyDown), effectRender, screenID, ""},
			{key(fyne.KeyDown), effectRender, screenID, ""}, // passport
			{typeID("E1234")[0].do, effectRender, screenID, "E"},
		}},
		{"a passport takes 20 characters, a resident ID 18", steps(
			[]step{{key(fyne.Key2), effectRender, screenID, ""}, {setKind(queue.DocPassport), effectRender, screenID, ""}},
			typeID("ABCDEFGHIJ1234567890"),
			[]step{
				{key(fyne.KeyA), effectNone, screenID, "ABCDEFGHIJ1234567890"}, // full
				{setKind(queue.DocResident), effectRender, screenID, "ABCDEFGHIJ12345678"},
				{func(m *machine) effect { return m.Clear() }, effectRender, screenID, ""},
			},
		)},
		{"Escape on the keypad goes home and forgets", []step{
			{key(fyne.Key2), effectRender, screenID, ""},
			{key(fyne.Key4), effectRender, screenID, "4"},
			{key(fyne.KeyEscape), effectRender, screenHome, ""},
			{key(fyne.Key2), effectRender, screenID, ""},
		}},
		{"an unavailable service says why", []step{
			{key(fyne.Key3), effectRender, screenNotice, ""},
			{key(fyne.Key1), effectNone, screenNotice, ""},
			{key(fyne.KeyReturn), effectRender, screenHome, ""},
		}},
		{"keys without a service do nothing", []step{
			{key(fyne.Key0), effectNone, screenHome, ""},
			{key(fyne.Key9), effectNone, screenHome, ""},
			{key(fyne.KeyEscape), effectNone, screenHome, ""},
			{key(fyne.KeyReturn), effectNone, screenHome, ""},
		}},
		{"refusal", []step{
			{key(fyne.Key1), effectIssue, screenIssuing, ""},
			{func(m *machine) effect {
				m.Refused(m.Flow, txtLeaseSpent)
				return effectRender
			}, effectRender, screenNotice, ""},
			{key(fyne.KeyEscape), effectRender, screenHome, ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &machine{Tiles: homeTiles()}
			for i, s := range tt.steps {
				if got := s.do(m); got != s.want {
					t.Fatalf("step %d: got effect %d, want %d", i, got, s.want)
				}
				if m.Screen != s.screen || m.ID != s.id {
					t.Fatalf("step %d: got screen %d with ID %q, want %d with %q", i, m.Screen, m.ID, s.screen, s.id)
				}
			}
		})
	}
}

func TestMachineIgnoresStaleAnswers(t *testing.T) {
	m := &machine{Tiles: homeTiles()}
	m.Choose(2) // keypad
	flow := m.Flow
	m.Timeout(flow) // the applicant walked away
	if m.Screen != screenHome {
		t.Fatalf("after the timeout: screen %d, want home", m.Screen)
	}
	m.Choose(1)
	if m.Timeout(flow) != effectNone || m.Screen != screenIssuing {
		t.Fatalf("an old timer moved the new flow: screen %d", m.Screen)
	}
	if m.Issued(flow) || m.Refused(flow, txtFault) || m.Printed(flow, true) {
		t.Fatal("an answer of the old flow was taken")
	}
	if !m.Issued(m.Flow) || m.Screen != screenTicket || !m.Printing {
		t.Fatalf("the answer of the current flow was not taken: %+v", m)
	}
	if m.Timeout(m.Flow) != effectNone {
		t.Fatal("the ticket screen timed out while printing")
	}
	m.Printed(m.Flow, false)
	if !m.PrintFailed || m.Timeout(m.Flow) != effectRender || m.Screen != screenHome || m.PrintFailed {
		t.Fatalf("after a failed print and the timeout: %+v", m)
	}
}

// An applicant who presses Escape or taps while the receipt prints goes home
// once it is out; a receipt that failed keeps its QR code on screen.
func TestLeaveWhilePrinting(t *testing.T) {
	for _, ok := range []bool{true, false} {
		m := &machine{Tiles: homeTiles()}
		m.Choose(1)
		if !m.Issued(m.Flow) {
			t.Fatal("the number was not taken")
		}
		if m.Key(fyne.KeyEscape) != effectNone || m.Screen != screenTicket {
			t.Fatalf("Escape while printing left the ticket: screen %d", m.Screen)
		}
		m.Printed(m.Flow, ok)
		if m.LeavePrinted != ok {
			t.Fatalf("printed %v: leave %v, want %v", ok, m.LeavePrinted, ok)
		}
		if !ok {
			if m.Screen != screenTicket || !m.PrintFailed {
				t.Fatalf("a failed receipt left the screen: %+v", m)
			}
			continue
		}
		if m.Home() != effectRender || m.Screen != screenHome || m.LeavePrinted {
			t.Fatalf("after the receipt: %+v", m)
		}
	}
}
