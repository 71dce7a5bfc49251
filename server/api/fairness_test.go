package api_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"hallq/server/config"
	"hallq/server/hall/halltest"
	"hallq/server/queue"
	"hallq/server/wire"
)

// fairHall is the demo hall with a second kiosk, served over loopback from a
// bbolt file that outlives restarts.
type fairHall struct {
	*halltest.Hall
	t      *testing.T
	kiosk2 string // bearer token of kiosk-2
}

func newFairHall(t *testing.T) *fairHall {
	t.Helper()
	tok, _ := config.NewDeviceToken()
	h := halltest.Start(t, halltest.Options{Sync: true, Adjust: func(cfg *config.Config) {
		cfg.Devices = append(cfg.Devices, config.Device{ID: "kiosk-2", Kind: config.KindKiosk, Name: "kiosk 2",
			TokenSHA256: sha256.Sum256([]byte(tok))})
	}})
	return &fairHall{Hall: h, t: t, kiosk2: tok}
}

// call sends a request with a kiosk token ("" for none) and decodes the answer.
func (f *fairHall) call(token, method, path, body string, out any) (int, []byte) {
	f.t.Helper()
	var hdr map[string]string
	if token != "" {
		hdr = map[string]string{"Authorization": "Bearer " + token}
	}
	return halltest.Do(f.t, http.DefaultClient, method, f.URL+path, hdr, body, out)
}

func (f *fairHall) lease(token, service string, count int) wire.LeaseAnswer {
	f.t.Helper()
	var l wire.LeaseAnswer
	code, raw := f.call(token, "POST", "/api/v1/leases", fmt.Sprintf(`{"service":%q,"count":%d}`, service, count), &l)
	if code != http.StatusCreated {
		f.t.Fatalf("lease: %d %s", code, raw)
	}
	return l
}

// issuedEvent is the public data of a ticket.issued event.
type issuedEvent struct {
	Number    string    `json:"number"`
	Kiosk     string    `json:"kiosk"`
	IssuedAt  time.Time `json:"issued_at"`
	Lease     string    `json:"lease"`
	ClaimedAt time.Time `json:"claimed_at"`
	Clamped   string    `json:"clamped"`
}

// logEvents returns the public log's events, decoded as a verifier would.
func (f *fairHall) logEvents() []queue.Event {
	f.t.Helper()
	var evs []queue.Event
	for _, raw := range halltest.FetchLog(f.t, f.URL) {
		var rec struct {
			Seq  uint64          `json:"seq"`
			Time time.Time       `json:"time"`
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			f.t.Fatal(err)
		}
		ev, err := queue.DecodeEvent(rec.Seq, rec.Time, rec.Type, rec.Data)
		if err != nil {
			f.t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// issued returns the ticket.issued event of a number.
func (f *fairHall) issued(number string) issuedEvent {
	f.t.Helper()
	for _, ev := range f.logEvents() {
		if d, ok := ev.Data.(*queue.TicketIssuedData); ok && d.Number == number {
			return issuedEvent{Number: d.Number, Kiosk: d.Kiosk, IssuedAt: d.IssuedAt, Lease: d.Lease, ClaimedAt: d.ClaimedAt, Clamped: d.Clamped}
		}
	}
	f.t.Fatalf("number %s is not in the log", number)
	return issuedEvent{}
}

// audit replays the public log through the published rules, as anyone
// holding it can, and fails on any event they do not explain.
func (f *fairHall) audit() {
	f.t.Helper()
	s := queue.NewState()
	for _, ev := range f.logEvents() {
		if err := s.Check(f.Config.Hall, ev); err != nil {
			f.t.Errorf("audit of the public log: %v", err)
		}
		if err := s.Apply(ev); err != nil {
			f.t.Fatalf("replay: %v", err)
		}
	}
}

// TestBackdatedOfflineTicketCannotJump is the attack of a kiosk token that
// syncs a leased number "issued" at the start of the day, to be called ahead
// of everyone: the server places it no earlier than the kiosk's last public
// contact, records both times, and keeps it there across a restart; every
// other way of moving a ticket without a published reason is refused.
func TestBackdatedOfflineTicketCannotJump(t *testing.T) {
	f := newFairHall(t)
	k1, k2 := f.Secrets.KioskToken, f.kiosk2
	dayStart := f.Clock.Before(48 * time.Hour) // the service day's first instant, or the date's
	l1 := f.lease(k1, "general", 5)            // A001-A005
	l2 := f.lease(k2, "general", 2)            // A006-A007

	// Two people queue at kiosk-1; the second is its last contact.
	var first, second wire.TicketAnswer
	if code, raw := f.call(k1, "POST", "/api/v1/tickets", `{"service":"general","idempotency_key":"p1"}`, &first); code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, raw)
	}
	if code, raw := f.call(k1, "POST", "/api/v1/tickets", `{"service":"general","idempotency_key":"p2"}`, &second); code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, raw)
	}
	contact := f.issued(second.Ticket.Number).IssuedAt

	sync := func(token, lease, number string, at time.Time) (int, wire.TicketAnswer, []byte) {
		t.Helper()
		var tr wire.TicketAnswer
		body := fmt.Sprintf(`{"lease":%q,"number":%q,"issued_at":%q}`, lease, number, at.UTC().Format(time.RFC3339Nano))
		code, raw := f.call(token, "POST", "/api/v1/tickets/offline", body, nil)
		json.Unmarshal(raw, &tr)
		return code, tr, raw
	}

	// The attack: A001 "issued" at the day's first second.
	code, tr, raw := sync(k1, l1.Lease.ID, "A001", dayStart.Add(time.Second))
	if code != http.StatusCreated {
		t.Fatalf("backdated sync: %d %s", code, raw)
	}
	ev := f.issued("A001")
	if !ev.IssuedAt.Equal(contact) || ev.Clamped != queue.ClampedLastContact || !ev.ClaimedAt.Equal(dayStart.Add(time.Second).Truncate(time.Millisecond)) {
		t.Fatalf("backdated A001 in the log: placed %v (%q) claiming %v; want placed at the kiosk's last contact %v",
			ev.IssuedAt, ev.Clamped, ev.ClaimedAt, contact)
	}
	if tr.Ticket.Ahead != 2 {
		t.Errorf("backdated A001: %d ahead, want 2 (both tickets issued before the kiosk's last contact)", tr.Ticket.Ahead)
	}

	// A claim in the future is placed at the sync, not refused.
	code, _, raw = sync(k1, l1.Lease.ID, "A002", f.Clock.Now().Add(2*time.Hour))
	if ev := f.issued("A002"); code != http.StatusCreated || ev.Clamped != queue.ClampedSyncedAt || ev.IssuedAt.After(f.Clock.Now()) {
		t.Fatalf("future claim: %d %s, placed %v (%q)", code, raw, ev.IssuedAt, ev.Clamped)
	}
	// Kiosk-2 had no contact since its lease: its claim before the lease's
	// grant is placed at the grant.
	code, _, raw = sync(k2, l2.Lease.ID, "A006", dayStart)
	if ev := f.issued("A006"); code != http.StatusCreated || ev.Clamped != queue.ClampedLeaseGranted || !ev.IssuedAt.Before(contact) {
		t.Fatalf("claim before the lease: %d %s, placed %v (%q)", code, raw, ev.IssuedAt, ev.Clamped)
	}

	// Other ways to move a ticket, each refused or without effect.
	before := len(f.logEvents())
	// Re-sync of a placed number with an earlier time: the same ticket, unmoved.
	if code, tr, raw := sync(k1, l1.Lease.ID, "A001", dayStart); code != http.StatusOK || tr.Ticket.Number != "A001" {
		t.Fatalf("re-sync: %d %s", code, raw)
	}
	// Another kiosk's lease.
	if code, _, raw := sync(k2, l1.Lease.ID, "A003", dayStart); code != http.StatusForbidden || queue.Code(errorCode(raw)) != queue.EFORBIDDEN {
		t.Fatalf("sync from another kiosk's lease: %d %s, want 403", code, raw)
	}
	// A lease of another day.
	yesterday := queue.LeaseID(f.Config.Hall.Day(f.Clock.Now().Add(-24*time.Hour)), "A001")
	if code, _, raw := sync(k1, yesterday, "A001", dayStart); code != http.StatusNotFound {
		t.Fatalf("sync from yesterday's lease: %d %s, want 404", code, raw)
	}
	// A number outside the lease.
	if code, _, raw := sync(k1, l1.Lease.ID, "A006", dayStart); code != http.StatusBadRequest {
		t.Fatalf("sync of a number outside the lease: %d %s, want 400", code, raw)
	}
	// An idempotency key reused for another service, or for a staff-only class.
	if code, raw := f.call(k1, "POST", "/api/v1/tickets", `{"service":"estate","idempotency_key":"p2"}`, nil); code != http.StatusConflict {
		t.Fatalf("key reused for another service: %d %s, want 409", code, raw)
	}
	var again wire.TicketAnswer
	if code, raw := f.call(k1, "POST", "/api/v1/tickets", `{"service":"general","priority":"elderly","idempotency_key":"p2"}`, &again); code != http.StatusCreated ||
		again.Ticket.Number != second.Ticket.Number || strings.Contains(string(raw), `"priority"`) {
		t.Fatalf("key reused with a priority class: %d %s, want the first ticket unchanged", code, raw)
	}
	if n := len(f.logEvents()); n != before {
		t.Fatalf("refused or replayed requests appended %d events", n-before)
	}

	// After a restart from the same bbolt file, the bound holds.
	f.Restart()
	code, _, raw = sync(k1, l1.Lease.ID, "A003", dayStart.Add(time.Second))
	if ev := f.issued("A003"); code != http.StatusCreated || !ev.IssuedAt.Equal(contact) || ev.Clamped != queue.ClampedLastContact {
		t.Fatalf("backdated sync after a restart: %d %s, placed %v (%q), want %v", code, raw, ev.IssuedAt, ev.Clamped, contact)
	}

	// The window calls in the published order: the two people who queued
	// first, then the clamped offline tickets.
	c, csrf := f.Staff(0, "1")
	if code, raw := halltest.Do(t, c, "POST", f.URL+"/api/v1/windows/1/open", map[string]string{"X-CSRF-Token": csrf}, "", nil); code != http.StatusOK {
		t.Fatalf("open: %d %s", code, raw)
	}
	var order []string
	for range 3 {
		var call struct {
			Ticket struct {
				Number string `json:"number"`
			} `json:"ticket"`
		}
		code, raw := halltest.Do(t, c, "POST", f.URL+"/api/v1/windows/1/call-next", map[string]string{"X-CSRF-Token": csrf}, "", &call)
		if code != http.StatusOK {
			t.Fatalf("next: %d %s", code, raw)
		}
		order = append(order, call.Ticket.Number)
		halltest.Do(t, c, "POST", f.URL+"/api/v1/windows/1/complete", map[string]string{"X-CSRF-Token": csrf}, "", nil)
	}
	if got, want := strings.Join(order, " "), "A006 "+first.Ticket.Number+" "+second.Ticket.Number; got != want {
		t.Errorf("calls: got %s, want %s", got, want)
	}
	// Anyone holding the public log can check every placement and call.
	f.audit()
}

// TestDocumentKindSwitchKeepsLimit is the attack of one person taking a
// real-name service's daily limit once per document kind, or per way of
// typing the same number: every variant counts as the one resident ID.
func TestDocumentKindSwitchKeepsLimit(t *testing.T) {
	f := newFairHall(t)
	const id = "11010519491231002X"     // exit-entry: one number per person and day
	const id15 = "110105491231002"      // its first-generation form
	const permit = "810000199408230021" // a Hong Kong residents' residence permit
	take := func(kind, number, key string) (int, []byte) {
		t.Helper()
		body := fmt.Sprintf(`{"service":"exit-entry","id_kind":%q,"id_number":%q,"idempotency_key":%q}`, kind, number, key)
		return f.call(f.Secrets.KioskToken, "POST", "/api/v1/tickets", body, nil)
	}
	if code, raw := take("resident", id, "first"); code != http.StatusCreated {
		t.Fatalf("first ticket: %d %s", code, raw)
	}
	attempts := []struct{ kind, number string }{
		{"resident", id},
		{"passport", id},
		{"hk_macao", id},
		{"taiwan", id},
		{"foreign_pr", id},
		{"passport", strings.ToLower(id)},
		{"hk_macao", "110105-19491231-002x"},
		{"taiwan", "１１０１０５１９４９１２３１００２Ｘ"},
		{"foreign_pr", "110105 1949 1231 002 X"},
		{"passport", "(110105)19491231.002/X"},
		{"resident", id15},
		{"passport", id15},
	}
	for i, a := range attempts {
		code, raw := take(a.kind, a.number, fmt.Sprint("again-", i))
		if code != http.StatusConflict || queue.Code(errorCode(raw)) != queue.ELIMIT {
			t.Errorf("%s %q: got %d %s, want 409 ELIMIT", a.kind, a.number, code, raw)
		}
		if strings.Contains(string(raw), "1101051") {
			t.Errorf("%s %q: the answer echoes the number: %s", a.kind, a.number, raw)
		}
	}
	// A mistyped resident ID is refused under any kind, not counted apart.
	if code, raw := take("passport", "110105194912310021", "typo"); code != http.StatusBadRequest {
		t.Errorf("mistyped resident ID as passport: got %d %s, want 400", code, raw)
	}
	// Permits that share the resident ID space count once, whatever kind.
	if code, raw := take("hk_macao", permit, "permit"); code != http.StatusCreated {
		t.Fatalf("permit: %d %s", code, raw)
	}
	if code, raw := take("resident", permit, "permit-again"); code != http.StatusConflict {
		t.Errorf("permit again as resident: got %d %s, want 409", code, raw)
	}
	// Other documents: one number is one document whatever kind is declared.
	if code, raw := take("hk_macao", "H12345678", "hk"); code != http.StatusCreated {
		t.Fatalf("HK permit: %d %s", code, raw)
	}
	for i, kind := range []string{"passport", "taiwan", "foreign_pr", "hk_macao"} {
		if code, raw := take(kind, "h1234-5678", fmt.Sprint("hk-", i)); code != http.StatusConflict {
			t.Errorf("HK permit number as %s: got %d %s, want 409", kind, code, raw)
		}
	}
}

// TestKioskPriorityClasses is the attack of a kiosk that sends a priority
// class staff must assign: refused with a coded error, online and offline;
// the classes applicants may declare themselves are published and accepted.
func TestKioskPriorityClasses(t *testing.T) {
	f := newFairHall(t)
	k := f.Secrets.KioskToken
	var hallDesc struct {
		PriorityClasses []struct {
			ID           string `json:"id"`
			SelfDeclared bool   `json:"self_declared"`
		} `json:"priority_classes"`
	}
	f.call("", "GET", "/api/v1/hall", "", &hallDesc)
	self := map[string]bool{}
	for _, c := range hallDesc.PriorityClasses {
		self[c.ID] = c.SelfDeclared
	}
	if len(self) != 4 || !self["elderly"] || !self["pregnant"] || self["disabled"] || self["military"] {
		t.Fatalf("published classes: %+v", hallDesc.PriorityClasses)
	}
	for i, class := range []string{"elderly", "pregnant", "disabled", "military", "vip"} {
		var tr wire.TicketAnswer
		code, raw := f.call(k, "POST", "/api/v1/tickets", fmt.Sprintf(`{"service":"general","priority":%q,"idempotency_key":"c%d"}`, class, i), &tr)
		var e wire.ErrorBody
		json.Unmarshal(raw, &e)
		switch {
		case self[class]:
			if code != http.StatusCreated {
				t.Errorf("self-declared %s: got %d %s, want 201", class, code, raw)
			}
		case class == "vip":
			if code != http.StatusBadRequest || e.Error.Code != queue.EINVALID {
				t.Errorf("unknown class: got %d %s, want 400 EINVALID", code, raw)
			}
		default:
			if code != http.StatusForbidden || e.Error.Code != queue.EFORBIDDEN || !strings.Contains(e.Error.Message, "assigned by staff") ||
				!strings.Contains(e.Error.MessageZH, "工作人员") {
				t.Errorf("staff-assigned %s from a kiosk: got %d %s, want 403 EFORBIDDEN saying staff assign it", class, code, raw)
			}
		}
	}
	// Offline, the same: a leased number cannot carry a staff-assigned class.
	l := f.lease(k, "general", 2)
	for _, tt := range []struct {
		class string
		want  int
	}{{"disabled", http.StatusForbidden}, {"elderly", http.StatusCreated}} {
		body := fmt.Sprintf(`{"lease":%q,"number":%q,"issued_at":%q,"priority":%q}`, l.Lease.ID, l.Lease.Numbers[0].Number,
			f.Clock.Now().UTC().Format(time.RFC3339Nano), tt.class)
		if code, raw := f.call(k, "POST", "/api/v1/tickets/offline", body, nil); code != tt.want {
			t.Errorf("offline ticket of class %s: got %d %s, want %d", tt.class, code, raw, tt.want)
		}
	}
	f.audit()
	// The rules page says which classes a kiosk offers.
	resp, err := http.Get(f.URL + "/rules")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"取号机上自行申报", "declared at a kiosk", "claimed_at"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("rules page lacks %q", want)
		}
	}
}

// TestStaffMovesOnlyByPublishedRules: the ways window staff change a ticket's
// place (reinstating a no-show, transferring, recalling) follow the published
// rules or are refused, and a replay of the public log explains each.
func TestStaffMovesOnlyByPublishedRules(t *testing.T) {
	f := newFairHall(t)
	var nums []string
	for i := range 5 {
		var tr wire.TicketAnswer
		if code, raw := f.call(f.Secrets.KioskToken, "POST", "/api/v1/tickets", fmt.Sprintf(`{"service":"general","idempotency_key":"s%d"}`, i), &tr); code != http.StatusCreated {
			t.Fatalf("issue: %d %s", code, raw)
		}
		nums = append(nums, tr.Ticket.Number)
	}
	wang, csrf := f.Staff(0, "1")
	li, liCSRF := f.Staff(1, "4") // window 4 does not serve general
	act := func(c *http.Client, csrf, window, action, body string) (int, []byte) {
		t.Helper()
		return halltest.Do(t, c, "POST", f.URL+"/api/v1/windows/"+window+"/"+action, map[string]string{"X-CSRF-Token": csrf}, body, nil)
	}
	must := func(code int, raw []byte) {
		t.Helper()
		if code != http.StatusOK {
			t.Fatalf("%d %s", code, raw)
		}
	}
	must(act(wang, csrf, "1", "open", ""))
	must(act(li, liCSRF, "4", "open", ""))
	must(act(wang, csrf, "1", "call-next", ""))
	must(act(wang, csrf, "1", "recall", ""))
	must(act(wang, csrf, "1", "no-show", ""))
	refusals := []struct {
		name         string
		c            *http.Client
		csrf, window string
		action, body string
		status       int
	}{
		{"reinstate at a window of another service", li, liCSRF, "4", "reinstate", `{"number":"` + nums[0] + `"}`, http.StatusForbidden},
		{"reinstate a waiting number", wang, csrf, "1", "reinstate", `{"number":"` + nums[3] + `"}`, http.StatusConflict},
		{"call a number without a published reason", wang, csrf, "1", "call", `{"number":"` + nums[4] + `"}`, http.StatusBadRequest},
	}
	for _, r := range refusals {
		if code, raw := act(r.c, r.csrf, r.window, r.action, r.body); code != r.status {
			t.Errorf("%s: got %d %s, want %d", r.name, code, raw, r.status)
		}
	}
	// Reinstated behind the next two waiting numbers of its lane, as published.
	must(act(wang, csrf, "1", "reinstate", `{"number":"`+nums[0]+`"}`))
	var order []string
	for range 4 {
		var call struct {
			Ticket struct{ Number string } `json:"ticket"`
		}
		code, raw := halltest.Do(t, wang, "POST", f.URL+"/api/v1/windows/1/call-next", map[string]string{"X-CSRF-Token": csrf}, "", &call)
		if code != http.StatusOK {
			t.Fatalf("call-next: %d %s", code, raw)
		}
		order = append(order, call.Ticket.Number)
		must(act(wang, csrf, "1", "complete", ""))
	}
	if got, want := strings.Join(order, " "), strings.Join([]string{nums[1], nums[2], nums[0], nums[3]}, " "); got != want {
		t.Errorf("calls after the reinstatement: got %s, want %s", got, want)
	}
	f.audit()
}
