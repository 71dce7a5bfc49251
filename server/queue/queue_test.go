package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai

func testHall(t testing.TB) *Hall {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	h := &Hall{
		ID: "demo", NameZH: "测试大厅", NameEN: "Test hall", Location: loc, DayStart: 4 * time.Hour,
		Services: []Service{
			{ID: "general", NameZH: "综合", NameEN: "General", Prefix: "A"},
			{ID: "tax", NameZH: "税务", NameEN: "Tax", Prefix: "B", RealName: true, PerIdentityDaily: 1, DailyCap: 5},
			{ID: "social", NameZH: "社保", NameEN: "Social", Prefix: "C", Appointments: &Appointments{
				Prefix: "YC", SlotLength: 30 * time.Minute, Capacity: 2, DaysAhead: 2, ReleaseAt: 8 * time.Hour,
				Hours: []Hours{{Open: 9 * time.Hour, Close: 12 * time.Hour}}, LateUntil: time.Hour,
				PerIdentityActive: 2, NoShowLimit: 3}},
		},
		Windows: []Window{
			{ID: "1", Primary: []string{"general"}, Secondary: []string{"tax"}},
			{ID: "2", Primary: []string{"tax"}},
			{ID: "3", Primary: []string{"social"}, Secondary: []string{"general"}},
			{ID: "4", Primary: []string{"general", "social"}},
		},
		PriorityClasses: []PriorityClass{{ID: "elderly", SelfDeclared: true}, {ID: "disabled"}},
		ManualReasons:   []Reason{{Code: "supervisor"}, {Code: "accessibility"}},
	}
	if err := h.Validate(); err != nil {
		t.Fatalf("hall: %v", err)
	}
	return h
}

// world runs commands like the server's writer: it assigns sequence numbers, encodes
// each event to JSON and decodes it back before applying, as a replay would.
type world struct {
	t    testing.TB
	h    *Hall
	s    *State
	now  time.Time
	log  []Event
	seq  uint64
	fail bool // collect instead of fatal
}

func newWorld(t testing.TB) *world {
	w := &world{t: t, h: testHall(t), s: NewState(), now: t0}
	w.roll()
	return w
}

func (w *world) roll() { w.commit(w.s.RollDay(w.h, w.now)) }

func (w *world) commit(evs []Event) []Event {
	w.t.Helper()
	var out []Event
	for _, ev := range evs {
		w.seq++
		raw, err := json.Marshal(ev.Data)
		if err != nil {
			w.t.Fatalf("encode %s: %v", ev.Type, err)
		}
		dec, err := DecodeEvent(w.seq, ev.Time.UTC(), ev.Type, raw)
		if err != nil {
			w.t.Fatalf("decode: %v", err)
		}
		if err := w.s.Apply(dec); err != nil {
			w.t.Fatalf("apply: %v", err)
		}
		w.log = append(w.log, dec)
		out = append(out, dec)
	}
	return out
}

func (w *world) tick(d time.Duration) { w.now = w.now.Add(d) }

func (w *world) issue(service, priority string) Issued {
	w.t.Helper()
	w.tick(time.Second)
	evs, iss, err := w.s.Issue(w.h, w.now, IssueRequest{Service: service, Priority: priority, Identity: true})
	if err != nil {
		w.t.Fatalf("issue %s: %v", service, err)
	}
	w.commit(evs)
	return iss
}

func (w *world) do(evs []Event, err error) []Event {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("command: %v", err)
	}
	return w.commit(evs)
}

func (w *world) open(windows ...string) {
	w.t.Helper()
	for _, id := range windows {
		w.do(w.s.OpenWindow(w.h, w.now, id, "staff-"+id))
	}
}

func (w *world) next(window string) *TicketCalledData {
	w.t.Helper()
	w.tick(time.Second)
	evs := w.do(w.s.CallNext(w.h, w.now, window, ""))
	return evs[0].Data.(*TicketCalledData)
}

func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	if got := ErrorCode(err); got != code {
		t.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
}

func TestNumbering(t *testing.T) {
	w := newWorld(t)
	var got []string
	for _, svc := range []string{"general", "general", "social", "general", "tax"} {
		got = append(got, w.issue(svc, "").Number)
	}
	want := []string{"A001", "A002", "C001", "A003", "B001"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("numbers: got %v, want %v", got, want)
		}
	}
	if id := w.s.Numbers["A002"]; id != "20261123-A002" {
		t.Errorf("ticket ID of A002: got %q, want 20261123-A002", id)
	}
	// The next service day starts again at 001; the old day is sealed first.
	w.now = t0.Add(24 * time.Hour)
	evs := w.commit(w.s.RollDay(w.h, w.now))
	if len(evs) != 2 || evs[0].Type != TypeDaySealed || evs[1].Type != TypeDayOpened {
		t.Fatalf("roll: got %v, want day.sealed, day.opened", evs)
	}
	if d := evs[0].Data.(*DaySealedData); d.Issued != 5 || d.Expired != 5 {
		t.Errorf("sealed: got %+v, want issued 5, expired 5", d)
	}
	if n := w.issue("general", "").Number; n != "A001" {
		t.Errorf("first number of the new day: got %s, want A001", n)
	}
}

func TestDigitsConfigurable(t *testing.T) {
	w := newWorld(t)
	w.h.Services[0].Digits = 4
	if n := w.issue("general", "").Number; n != "A0001" {
		t.Errorf("got %s, want A0001", n)
	}
}

func TestServiceDayAroundMidnight(t *testing.T) {
	h := testHall(t)
	tests := []struct {
		name  string
		local string
		want  string
	}{
		{"morning", "2026-11-23 09:00", "2026-11-23"},
		{"just before midnight", "2026-11-23 23:59", "2026-11-23"},
		{"after midnight, before day start", "2026-11-24 01:30", "2026-11-23"},
		{"at day start", "2026-11-24 04:00", "2026-11-24"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, err := time.ParseInLocation("2006-01-02 15:04", tt.local, h.Location)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.Day(at); got != tt.want {
				t.Errorf("Day(%s): got %s, want %s", tt.local, got, tt.want)
			}
		})
	}
	// A hall open late keeps numbering across midnight.
	w := newWorld(t)
	w.now, _ = time.ParseInLocation("2006-01-02 15:04", "2026-11-23 23:58", h.Location)
	w.roll()
	w.issue("general", "")
	w.now = w.now.Add(5 * time.Minute)
	if evs := w.s.RollDay(w.h, w.now); len(evs) != 0 {
		t.Fatalf("midnight rolled the day: %v", evs)
	}
	if n := w.issue("general", "").Number; n != "A002" {
		t.Errorf("after midnight: got %s, want A002", n)
	}
}

func TestOpeningHours(t *testing.T) {
	w := newWorld(t)
	w.h.Hours = []Hours{{Open: 8*time.Hour + 30*time.Minute, Close: 12 * time.Hour}, {Open: 13 * time.Hour, Close: 25 * time.Hour}}
	tests := []struct {
		local string
		open  bool
	}{
		{"2026-11-23 08:29", false}, {"2026-11-23 08:30", true}, {"2026-11-23 12:30", false},
		{"2026-11-23 23:00", true}, {"2026-11-24 00:30", true}, {"2026-11-24 01:00", false},
	}
	for _, tt := range tests {
		at, _ := time.ParseInLocation("2006-01-02 15:04", tt.local, w.h.Location)
		if got := w.h.IsOpen(at); got != tt.open {
			t.Errorf("IsOpen(%s): got %v, want %v", tt.local, got, tt.open)
		}
	}
	at, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-23 12:30", w.h.Location)
	w.now = at
	_, _, err := w.s.Issue(w.h, w.now, IssueRequest{Service: "general"})
	wantCode(t, err, ECONFLICT)
}

func TestIssueRefusals(t *testing.T) {
	tests := []struct {
		name string
		prep func(w *world)
		req  IssueRequest
		code Code
	}{
		{"unknown service", nil, IssueRequest{Service: "nope"}, EINVALID},
		{"unknown priority", nil, IssueRequest{Service: "general", Priority: "vip"}, EINVALID},
		{"real name without identity", nil, IssueRequest{Service: "tax"}, EINVALID},
		{"identity over daily limit", nil, IssueRequest{Service: "tax", Identity: true, IdentityCount: 1}, ELIMIT},
		{"daily cap", func(w *world) {
			for range 5 {
				w.issue("tax", "")
			}
		}, IssueRequest{Service: "tax", Identity: true}, ELIMIT},
		{"digits exhausted", func(w *world) { w.s.Counters["general"] = 999 }, IssueRequest{Service: "general"}, ELIMIT},
		{"day not open", func(w *world) { w.now = w.now.Add(24 * time.Hour) }, IssueRequest{Service: "general"}, ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.prep != nil {
				tt.prep(w)
			}
			before := w.s.Seq
			_, _, err := w.s.Issue(w.h, w.now, tt.req)
			wantCode(t, err, tt.code)
			if w.s.Seq != before {
				t.Errorf("state changed")
			}
		})
	}
}

func TestCallingRule(t *testing.T) {
	type tk struct {
		service, priority string
	}
	tests := []struct {
		name       string
		tickets    []tk
		transfer   string // service to transfer the first called ticket of window 4 to
		window     string
		wantNumber string
		wantReason string
	}{
		{"fifo within a service", []tk{{"general", ""}, {"general", ""}}, "", "1", "A001", ReasonFIFO},
		{"primary before secondary even if older", []tk{{"tax", ""}, {"general", ""}}, "", "1", "A001", ReasonFIFO},
		{"secondary when no primary waits", []tk{{"tax", ""}, {"social", ""}}, "", "1", "B001", ReasonFIFO},
		{"priority before ordinary", []tk{{"general", ""}, {"general", "disabled"}}, "", "1", "A002", ReasonPriority},
		{"classes in listed order", []tk{{"general", "disabled"}, {"general", "elderly"}}, "", "1", "A002", ReasonPriority},
		{"same class by issue time", []tk{{"general", "elderly"}, {"general", "elderly"}}, "", "1", "A001", ReasonPriority},
		{"priority does not beat the primary tier", []tk{{"general", ""}, {"tax", "elderly"}}, "", "1", "A001", ReasonFIFO},
		{"across a window's two primary services by time", []tk{{"social", ""}, {"general", ""}}, "", "4", "C001", ReasonFIFO},
		{"transfer keeps its place ahead of later tickets", []tk{{"general", ""}, {"social", ""}, {"social", ""}}, "social", "3", "A001", ReasonTransfer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			for _, x := range tt.tickets {
				w.issue(x.service, x.priority)
			}
			w.open("1", "2", "3", "4")
			if tt.transfer != "" {
				w.next("4")
				w.do(w.s.Transfer(w.h, w.now, "4", "s", tt.transfer, "supervisor"))
			}
			pick, reason := w.s.Next(w.h, tt.window, w.now)
			if pick == nil || pick.Number != tt.wantNumber || reason != tt.wantReason {
				t.Fatalf("Next(%s): got %v %q, want %s %q", tt.window, pick, reason, tt.wantNumber, tt.wantReason)
			}
			d := w.next(tt.window)
			if d.Number != tt.wantNumber || d.Reason != tt.wantReason {
				t.Errorf("CallNext(%s): got %s %q, want %s %q", tt.window, d.Number, d.Reason, tt.wantNumber, tt.wantReason)
			}
		})
	}
}

func TestCallNextRefusals(t *testing.T) {
	w := newWorld(t)
	_, err := w.s.CallNext(w.h, w.now, "1", "")
	wantCode(t, err, ECONFLICT) // closed
	_, err = w.s.CallNext(w.h, w.now, "9", "")
	wantCode(t, err, ENOTFOUND)
	w.open("1")
	_, err = w.s.CallNext(w.h, w.now, "1", "")
	wantCode(t, err, ENOTFOUND) // nobody waiting
	w.issue("general", "")
	w.issue("general", "")
	w.next("1")
	_, err = w.s.CallNext(w.h, w.now, "1", "")
	wantCode(t, err, ECONFLICT) // still serving
	_, err = w.s.CloseWindow(w.h, w.now, "1", "")
	wantCode(t, err, ECONFLICT)
	w.do(w.s.PauseWindow(w.h, w.now, "1", ""))
	w.do(w.s.Complete(w.h, w.now, "1")) // a paused window may finish its ticket
	_, err = w.s.CallNext(w.h, w.now, "1", "")
	wantCode(t, err, ECONFLICT) // paused
	w.do(w.s.ResumeWindow(w.h, w.now, "1", ""))
	if d := w.next("1"); d.Number != "A002" {
		t.Errorf("after resume: got %s, want A002", d.Number)
	}
	w.do(w.s.Complete(w.h, w.now, "1"))
	w.do(w.s.CloseWindow(w.h, w.now, "1", ""))
	if got := w.s.Window("1"); got.Status != WindowClosed || got.Served != 2 {
		t.Errorf("window: got %+v, want closed with 2 served", got)
	}
}

func TestManualCall(t *testing.T) {
	w := newWorld(t)
	w.issue("general", "")
	w.issue("general", "")
	w.issue("social", "")
	w.open("1")
	tests := []struct {
		name, number, reason string
		code                 Code
	}{
		{"no reason", "A002", "", EINVALID},
		{"unpublished reason", "A002", "friend", EINVALID},
		{"unknown number", "A009", "supervisor", ENOTFOUND},
		{"service not served by window", "C001", "supervisor", EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.s.CallNumber(w.h, w.now, "1", "", tt.number, tt.reason)
			wantCode(t, err, tt.code)
		})
	}
	before := w.s.Clone()
	evs := w.do(w.s.CallNumber(w.h, w.now, "1", "s1", "A002", "accessibility"))
	d := evs[0].Data.(*TicketCalledData)
	if d.Reason != ReasonManual || d.ManualReason != "accessibility" || d.RulePick != "A001" {
		t.Errorf("manual call: got %+v, want manual/accessibility with rule pick A001", d)
	}
	if err := before.CheckCall(w.h, d, w.now); err != nil {
		t.Errorf("CheckCall of a manual call with a published reason: %v", err)
	}
	// A call that claims to follow the rule but does not is caught.
	forged := *d
	forged.Reason, forged.ManualReason = ReasonFIFO, ""
	if err := before.CheckCall(w.h, &forged, w.now); err == nil {
		t.Error("CheckCall accepted A002 as the rule's pick")
	}
}

func TestNoShowAndReinstate(t *testing.T) {
	w := newWorld(t)
	for range 5 {
		w.issue("general", "")
	}
	w.open("1")
	w.next("1") // A001
	w.do(w.s.Recall(w.h, w.now, "1"))
	if c := w.s.Recent[len(w.s.Recent)-1]; c.Reason != ReasonRecall || c.Number != "A001" {
		t.Errorf("recall: got %+v", c)
	}
	w.tick(time.Minute)
	w.do(w.s.NoShow(w.h, w.now, "1"))
	_, err := w.s.Reinstate(w.h, w.now, "1", "A002")
	wantCode(t, err, ECONFLICT) // A002 is waiting
	// Reinstated behind the next two waiting tickets (A002, A003).
	evs := w.do(w.s.Reinstate(w.h, w.now, "1", "A001"))
	if d := evs[0].Data.(*TicketReinstatedData); d.After != "20261123-A003" {
		t.Errorf("placed after %q, want 20261123-A003", d.After)
	}
	want := []string{"A002", "A003", "A001", "A004", "A005"}
	if up := w.s.Upcoming(w.h, "1", 10, w.now); fmt.Sprint(up) != fmt.Sprint(want) {
		t.Errorf("Upcoming: got %v, want %v", up, want)
	}
	if up := w.s.Upcoming(w.h, "1", 2, w.now); fmt.Sprint(up) != fmt.Sprint(want[:2]) {
		t.Errorf("Upcoming(2): got %v, want %v", up, want[:2])
	}
	var order []string
	for range 5 {
		d := w.next("1")
		order = append(order, d.Number)
		w.do(w.s.Complete(w.h, w.now, "1"))
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order after reinstatement: got %v, want %v", order, want)
		}
	}
}

func TestReinstateRules(t *testing.T) {
	w := newWorld(t)
	w.issue("general", "")
	w.issue("general", "")
	w.open("1", "2")
	w.next("1")
	w.do(w.s.NoShow(w.h, w.now, "1"))
	_, err := w.s.Reinstate(w.h, w.now, "2", "A001")
	wantCode(t, err, EFORBIDDEN) // window 2 does not serve general
	w.tick(31 * time.Minute)
	_, err = w.s.Reinstate(w.h, w.now, "1", "A001")
	wantCode(t, err, ECONFLICT) // too late
	// With fewer waiting than the rule's count, a reinstated ticket goes last.
	w2 := newWorld(t)
	w2.issue("general", "")
	w2.issue("general", "")
	w2.open("1")
	w2.next("1")
	w2.do(w2.s.NoShow(w2.h, w2.now, "1"))
	w2.tick(time.Minute)
	evs := w2.do(w2.s.Reinstate(w2.h, w2.now, "1", "A001"))
	if d := evs[0].Data.(*TicketReinstatedData); d.After != "" {
		t.Errorf("placed after %q, want the end", d.After)
	}
	if d := w2.next("1"); d.Number != "A002" {
		t.Errorf("got %s, want A002 before the reinstated A001", d.Number)
	}
}

func TestTransfer(t *testing.T) {
	w := newWorld(t)
	w.issue("general", "")
	w.issue("social", "")
	w.open("1", "3")
	w.next("1")
	_, err := w.s.Transfer(w.h, w.now, "1", "s", "general", "supervisor")
	wantCode(t, err, EINVALID)
	_, err = w.s.Transfer(w.h, w.now, "1", "s", "nope", "supervisor")
	wantCode(t, err, EINVALID)
	for _, reason := range []string{"", "made-up"} {
		_, err = w.s.Transfer(w.h, w.now, "1", "s", "social", reason)
		wantCode(t, err, EINVALID)
	}
	evs := w.do(w.s.Transfer(w.h, w.now, "1", "s", "social", "supervisor"))
	if d := evs[0].Data.(*TicketTransferredData); d.Reason != "supervisor" || d.Staff != "s" {
		t.Errorf("transfer event: got %+v, want reason supervisor by s", d)
	}
	tk := w.s.Tickets["20261123-A001"]
	if tk.Service != "social" || tk.Status != StatusWaiting || !tk.Transferred || tk.Number != "A001" {
		t.Errorf("transferred ticket: got %+v", tk)
	}
	if w.s.Window("1").Current != "" {
		t.Error("window 1 still serves the transferred ticket")
	}
	if d := w.next("3"); d.Number != "A001" || d.Reason != ReasonTransfer {
		t.Errorf("got %s %s, want A001 transfer", d.Number, d.Reason)
	}
}

func TestCancel(t *testing.T) {
	w := newWorld(t)
	w.issue("general", "")
	w.issue("general", "")
	w.open("1", "2")
	w.do(w.s.Cancel(w.h, w.now, "20261123-A001", "", "", ""))
	_, err := w.s.Cancel(w.h, w.now, "20261123-A001", "", "", "")
	wantCode(t, err, ECONFLICT)
	_, err = w.s.Cancel(w.h, w.now, "20261123-A002", "2", "s", "supervisor")
	wantCode(t, err, EFORBIDDEN)
	_, err = w.s.Cancel(w.h, w.now, "20261123-A002", "1", "s", "")
	wantCode(t, err, EINVALID)
	_, err = w.s.Cancel(w.h, w.now, "nope", "", "", "")
	wantCode(t, err, ENOTFOUND)
	if d := w.next("1"); d.Number != "A002" {
		t.Errorf("got %s, want A002 after A001 was cancelled", d.Number)
	}
}

func TestAheadAndWait(t *testing.T) {
	w := newWorld(t)
	iss := []Issued{w.issue("general", ""), w.issue("general", ""), w.issue("general", "elderly"), w.issue("social", "")}
	wantAhead := []int{0, 1, 0, 0}
	for i, want := range wantAhead {
		if iss[i].Ahead != want {
			t.Errorf("issued %s ahead: got %d, want %d", iss[i].Number, iss[i].Ahead, want)
		}
	}
	// After the elderly ticket, the ordinary ones have it ahead.
	wantNow := map[string]int{"A001": 1, "A002": 2, "A003": 0, "C001": 0}
	for num, want := range wantNow {
		tk, _ := w.s.TicketByNumber(num)
		if got := w.s.Ahead(w.h, tk, w.now); got != want {
			t.Errorf("Ahead(%s): got %d, want %d", num, got, want)
		}
	}
	// 2 ahead, 5 min each, windows 1 and 4 open for general: 5 minutes.
	w.open("1", "4")
	if got := w.s.EstimateWait(w.h, "general", 2); got != 5*time.Minute {
		t.Errorf("EstimateWait: got %s, want 5m", got)
	}
	// Measured averages replace the configured one after MinSamples services.
	for range 3 {
		w.next("1")
		w.tick(2 * time.Minute)
		w.do(w.s.Complete(w.h, w.now, "1"))
	}
	if got := w.s.AvgService(w.h, "general"); got < 2*time.Minute || got > 2*time.Minute+2*time.Second {
		t.Errorf("AvgService: got %s, want about 2m", got)
	}
}

func TestNormalizeDocument(t *testing.T) {
	const id = "resident:11010519491231002X"
	tests := []struct {
		name, kind, in, want string
		ok                   bool
	}{
		{"valid", DocResident, "11010519491231002X", id, true},
		{"lower-case x and spaces", "", "110105 19491231 002x", id, true},
		{"full-width digits", DocResident, "１１０１０５１９４９１２３１００２X", id, true},
		{"full-width X and dashes", DocResident, "110105-19491231-002Ｘ", id, true},
		{"dots, slashes, brackets", DocResident, "110105.1949/1231(002x)", id, true},
		{"bad check digit", DocResident, "110105194912310021", "", false},
		{"too short", DocResident, "11010519491231002", "", false},
		{"letter inside", DocResident, "1101051949123A002X", "", false},
		{"passport", DocPassport, "e1234 5678", "document:E12345678", true},
		{"passport with symbols", DocPassport, "E12#45678", "", false},
		// A resident ID number declared as another kind is that resident ID.
		{"resident ID as passport", DocPassport, "11010519491231002X", id, true},
		{"resident ID as hk_macao", DocHKMacao, "110105194912310 02x", id, true},
		{"resident ID as taiwan", DocTaiwan, "１１０１０５１９４９１２３１００２ｘ", id, true},
		{"resident ID as foreign_pr", DocForeign, "110105-19491231-002X", id, true},
		{"mistyped resident ID as passport", DocPassport, "110105194912310021", "", false},
		// Permits sharing the resident ID number space are the same identity.
		{"HK residence permit", DocHKMacao, "810000199408230021", "resident:810000199408230021", true},
		{"new foreign permanent residence card", DocForeign, "933000199001010035", "resident:933000199001010035", true},
		// A first-generation 15-digit number is the 18-digit one it became.
		{"15-digit resident ID", DocResident, "110105491231002", id, true},
		{"15-digit resident ID as passport", DocPassport, "110105491231002", id, true},
		{"15 digits without a date", DocPassport, "110105491331002", "document:110105491331002", true},
		// Other documents: the declared kind is no part of the identity.
		{"HK permit", DocHKMacao, "h1234-5678", "document:H12345678", true},
		{"HK permit as passport", DocPassport, "H12345678", "document:H12345678", true},
		{"Taiwan permit as foreign_pr", DocForeign, "12345678", "document:12345678", true},
		{"passport as resident", DocResident, "E12345678", "", false},
		{"Cyrillic look-alike", DocPassport, "Е12345678", "", false},
		{"unknown kind", "library_card", "12345", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeDocument(tt.kind, tt.in)
			if tt.ok != (err == nil) || got != tt.want {
				t.Fatalf("got %q, %v; want %q ok=%v", got, err, tt.want, tt.ok)
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Code != EINVALID {
					t.Errorf("error %v is not EINVALID", err)
				}
				if len(tt.in) > 5 && contains(err.Error(), tt.in) {
					t.Errorf("error echoes the number: %v", err)
				}
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestValidateNamesTheField(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(h *Hall)
		field string
	}{
		{"duplicate prefix", func(h *Hall) { h.Services[1].Prefix = "A" }, "services[1].prefix"},
		{"unknown service in window", func(h *Hall) { h.Windows[2].Secondary = []string{"nope"} }, "windows[2].secondary[0]"},
		{"window without primary", func(h *Hall) { h.Windows[0].Primary = nil }, "windows[0].primary"},
		{"cap beyond digits", func(h *Hall) { h.Services[0].DailyCap = 1000 }, "services[0].daily_cap"},
		{"bad id", func(h *Hall) { h.Services[0].ID = "a b" }, "services[0].id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testHall(t)
			tt.edit(h)
			err := h.Validate()
			if err == nil || !contains(err.Error(), tt.field) {
				t.Fatalf("got %v, want an error naming %s", err, tt.field)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	w := newWorld(t)
	w.issue("general", "")
	w.issue("general", "")
	w.issue("general", "")
	w.open("1", "3")
	w.next("1")
	tests := []struct {
		name string
		ev   Event
		want string // "" when the event is consistent with the rules
	}{
		{"transfer with a reason", Event{Type: TypeTicketTransferred, Data: &TicketTransferredData{Ticket: "20261123-A001", Number: "A001", Window: "1", From: "general", To: "social", Reason: "supervisor"}}, ""},
		{"transfer without a reason", Event{Type: TypeTicketTransferred, Data: &TicketTransferredData{Ticket: "20261123-A001", Number: "A001", Window: "1", From: "general", To: "social"}}, "without a published reason"},
		{"transfer with an unpublished reason", Event{Type: TypeTicketTransferred, Data: &TicketTransferredData{Ticket: "20261123-A001", Number: "A001", Window: "1", To: "social", Reason: "friend"}}, "without a published reason"},
		{"staff cancel without a reason", Event{Type: TypeTicketCancelled, Data: &TicketCancelledData{Ticket: "20261123-A003", Number: "A003", By: "staff", Window: "1"}}, "without a published reason"},
		{"staff cancel with a reason", Event{Type: TypeTicketCancelled, Data: &TicketCancelledData{Ticket: "20261123-A003", Number: "A003", By: "staff", Window: "1", Reason: "accessibility"}}, ""},
		{"applicant cancel", Event{Type: TypeTicketCancelled, Data: &TicketCancelledData{Ticket: "20261123-A003", Number: "A003", By: "applicant"}}, ""},
		{"the rule's pick", Event{Type: TypeTicketCalled, Data: &TicketCalledData{Ticket: "20261123-A002", Number: "A002", Window: "3", Reason: ReasonFIFO}}, ""},
		{"not the rule's pick", Event{Type: TypeTicketCalled, Data: &TicketCalledData{Ticket: "20261123-A003", Number: "A003", Window: "3", Reason: ReasonFIFO}}, "the rule picks A002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := tt.ev
			ev.Time = w.now // events are dated in order
			err := w.s.Check(w.h, ev)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestPublicHallRoundTrip(t *testing.T) {
	w := newWorld(t)
	p := w.h.Public()
	h, err := p.Hall(w.h.Location)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Public(); !reflect.DeepEqual(got, p) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, p)
	}
}
