package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/kiosk/outbox"
	"hallq/printer"
	"hallq/printer/virtual"
	"hallq/server/client"
	"hallq/server/config"
	"hallq/server/wire"
)

// testKiosk is a Kiosk running against a test hall.
type testKiosk struct {
	*Kiosk
	box  *outbox.Store
	stop func()
}

// startKiosk runs a kiosk with the demo kiosk's token and its outbox at path.
func startKiosk(t *testing.T, h *testHall, prn Printer, path string) *testKiosk {
	t.Helper()
	return startKioskWith(t, h, h.kioskClient(t), prn, path)
}

// startKioskWith runs a kiosk that reaches the hall through srv.
func startKioskWith(t *testing.T, h *testHall, srv Server, prn Printer, path string) *testKiosk {
	t.Helper()
	box, err := outbox.Open(path, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A request the hall answers gets as long as a loaded machine needs: a
	// timeout would make the kiosk issue from its lease instead. A stopped
	// hall drops connections at once, so nothing waits for the timeout.
	log := h.kioskLog
	if log == nil {
		log = testLog()
	}
	k, err := NewKiosk(srv, prn, box, log, coreOptions{Tick: 50 * time.Millisecond, RequestTimeout: 30 * time.Second, Now: h.now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		k.Run(ctx)
		close(done)
	}()
	var once sync.Once
	tk := &testKiosk{Kiosk: k, box: box}
	tk.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			if err := box.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(tk.stop)
	return tk
}

// leased returns the kiosk's leased numbers left today for service.
func (k *testKiosk) leased(t *testing.T, service string) int {
	t.Helper()
	rem, err := k.box.Remaining(k.today())
	if err != nil {
		t.Fatal(err)
	}
	return rem[service]
}

// waitReady waits until the kiosk is online and holds full leases of the
// demo hall's two services that need no identity.
func (k *testKiosk) waitReady(t *testing.T) {
	t.Helper()
	waitFor(t, "the kiosk online with full leases", func() bool {
		return k.Snapshot().Online && k.leased(t, "general") == 10 && k.leased(t, "estate") == 10
	})
}

func tokenOf(statusURL string) string { return statusURL[strings.LastIndex(statusURL, "/")+1:] }

func TestIssueOnlineAndPrint(t *testing.T) {
	h := newTestHall(t)
	tp := newTestPrinter(t)
	k := startKiosk(t, h, tp.line(t), filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	ctx := context.Background()

	is, err := k.Issue(ctx, "general", Doc{})
	if err != nil {
		t.Fatal(err)
	}
	// A001 to A010 are the kiosk's lease; the first online number follows them.
	if is.Number != "A011" || is.Offline || is.ServiceZH != "综合受理" || is.Ahead != 0 || is.LogSeq == 0 || !strings.Contains(is.StatusURL, "/t/") {
		t.Fatalf("issued: got %+v", is)
	}
	if err := k.Print(ctx, is); err != nil {
		t.Fatal(err)
	}
	job := tp.job(t)
	if job.Dropped != "" || job.Image == nil {
		t.Fatalf("job: dropped %q, image %v", job.Dropped, job.Image != nil)
	}
	url, err := decodeQR(job.Image)
	if err != nil || url != is.StatusURL {
		t.Fatalf("receipt QR: got %q, %v; want %s", url, err, is.StatusURL)
	}
	if !slices.ContainsFunc(job.Page.Text(), func(l string) bool { return strings.Contains(l, "A011") }) {
		t.Fatalf("receipt text has no A011: %q", job.Page.Text())
	}
	tk, err := h.kioskClient(t).Ticket(ctx, tokenOf(url))
	if err != nil || tk.Number != "A011" || tk.Status != "waiting" {
		t.Fatalf("the receipt's status link: got %+v, %v", tk, err)
	}

	// A real-name service needs the ID number; the server refuses without.
	_, err = k.Issue(ctx, "social", Doc{})
	var r *Refusal
	if !errors.As(err, &r) || r.Msg.zh == "" || r.Msg.en == "" {
		t.Fatalf("real-name without an ID: got %v, want a refusal in both languages", err)
	}
	is, err = k.Issue(ctx, "social", Doc{Kind: "resident", Number: "11010519491231002X"})
	if err != nil || is.Number != "B001" {
		t.Fatalf("real-name with an ID: got %+v, %v", is, err)
	}
}

func TestOfflineIssuingSyncsEachTicketOnce(t *testing.T) {
	h := newTestHall(t)
	prn := &fakePrinter{}
	dir := t.TempDir()
	path := filepath.Join(dir, "outbox.db")
	ctx := context.Background()
	k1 := startKiosk(t, h, prn, path)
	k1.waitReady(t)
	leases, err := h.kioskClient(t).Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leaseURL, leaseOf := map[string]string{}, map[string]string{}
	for _, l := range leases {
		for _, n := range l.Numbers {
			leaseURL[n.Number], leaseOf[n.Number] = n.StatusURL, l.ID
		}
	}

	// The server goes down: the kiosk notices and issues from its lease.
	h.Down()
	waitFor(t, "the kiosk offline", func() bool { return !k1.Snapshot().Online })
	for _, want := range []string{"A001", "A002", "A003"} {
		is, err := k1.Issue(ctx, "general", Doc{})
		if err != nil {
			t.Fatal(err)
		}
		if is.Number != want || !is.Offline || is.StatusURL != leaseURL[want] || !is.AheadEstimated {
			t.Fatalf("offline ticket: got %+v, want %s with the lease's status URL", is, want)
		}
		if is.Local.Replaces != "" {
			t.Fatalf("offline ticket %s issued without a request replaces %q", is.Number, is.Local.Replaces)
		}
		if err := k1.Print(ctx, is); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := k1.Issue(ctx, "social", Doc{Kind: "resident", Number: "11010519491231002X"}); !isRefusal(err, txtRealNameOff) {
		t.Fatalf("real-name service offline: got %v, want the offline refusal", err)
	}
	s := k1.Snapshot()
	if s.Online || s.Pending != 3 || s.Tiles[0].Remaining != 7 || !s.Tiles[0].Available || s.Tiles[1].Available {
		t.Fatalf("offline snapshot: got %+v", s)
	}
	for i, p := range prn.printed {
		if p.PrivacyNote != offlineNote || p.StatusURL != leaseURL[p.Number] {
			t.Fatalf("offline receipt %d: got %+v", i, p)
		}
	}

	// The kiosk restarts while the server is still down: nothing is lost and
	// it goes on issuing. Copies of its file before the sync stand for kiosks
	// that crashed before recording the server's answer, and sync again.
	k1.stop()
	var copies []string
	for i := range 4 {
		c := filepath.Join(dir, "copy"+string(rune('a'+i))+".db")
		copyFile(t, path, c)
		copies = append(copies, c)
	}
	k2 := startKiosk(t, h, prn, path)
	if s := k2.Snapshot(); !s.Ready || s.Online || s.Pending != 3 || len(s.Tiles) != 4 {
		t.Fatalf("restarted offline: got %+v", s)
	}
	is, err := k2.Issue(ctx, "general", Doc{})
	if err != nil || is.Number != "A004" || !is.Offline {
		t.Fatalf("after the restart: got %+v, %v; want A004 offline", is, err)
	}

	h.Up()
	waitFor(t, "the outbox synced", func() bool { s := k2.Snapshot(); return s.Online && s.Pending == 0 })
	for _, c := range copies {
		box, err := outbox.Open(c, outbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := box.Drain(ctx, h.kioskClient(t))
		box.Close()
		if err != nil || len(res.Synced) != 3 || len(res.Refused) != 0 {
			t.Fatalf("replay of %s: got %+v, %v", c, res, err)
		}
	}
	count, lease := h.issuedNumbers(t)
	for _, n := range []string{"A001", "A002", "A003", "A004"} {
		if count[n] != 1 || lease[n] != leaseOf[n] {
			t.Fatalf("%s: %d times in the log with lease %q, want once with %q (log: %v)", n, count[n], lease[n], leaseOf[n], count)
		}
	}
	// They entered the queue by their issue time: a number taken now waits
	// behind all four.
	online, err := k2.Issue(ctx, "general", Doc{})
	if err != nil || online.Offline || online.Ahead != 4 {
		t.Fatalf("online ticket after the sync: got %+v, %v; want 4 ahead", online, err)
	}
	// The kiosk topped its lease up again once the sync freed the holding.
	waitFor(t, "the lease topped up", func() bool { return k2.leased(t, "general") == 10 })
}

// unanswered is the kiosk's link to the hall with the answers to ticket
// requests lost: with deliver, a request reaches the server, which issues the
// ticket, and the kiosk sees a timeout; without, the request is held in the
// network and the kiosk sees a timeout. then, if set, runs before the timeout
// is returned (the link going down, say).
type unanswered struct {
	*client.Client
	deliver bool
	then    func()

	mu        sync.Mutex
	sent      []wire.IssueRequest
	issued    []*wire.Ticket // what the server answered, unseen by the kiosk
	withdrawn []string       // the keys the kiosk asked to withdraw
}

func (u *unanswered) WithdrawRequest(ctx context.Context, key string) (string, error) {
	u.mu.Lock()
	u.withdrawn = append(u.withdrawn, key)
	u.mu.Unlock()
	return u.Client.WithdrawRequest(ctx, key)
}

func (u *unanswered) IssueTicket(ctx context.Context, req wire.IssueRequest) (*wire.Ticket, error) {
	u.mu.Lock()
	u.sent = append(u.sent, req)
	u.mu.Unlock()
	if u.deliver {
		tk, err := u.Client.IssueTicket(ctx, req)
		if err != nil {
			return nil, err
		}
		u.mu.Lock()
		u.issued = append(u.issued, tk)
		u.mu.Unlock()
	}
	if u.then != nil {
		u.then()
	}
	return nil, fmt.Errorf("client: POST /api/v1/tickets: %w", context.DeadlineExceeded)
}

// TestUnansweredRequestIsReplaced takes a number whose request gets no
// answer: the kiosk prints a leased number instead, and its sync withdraws
// the ticket the server issued for the request, or spends the request's key
// so that, arriving late, it issues nothing. Either way one ticket waits for
// the applicant's one tap.
func TestUnansweredRequestIsReplaced(t *testing.T) {
	for _, deliver := range []bool{true, false} {
		name := map[bool]string{true: "answer lost", false: "request late"}[deliver]
		t.Run(name, func(t *testing.T) {
			h := newTestHall(t)
			srv := &unanswered{Client: h.kioskClient(t), deliver: deliver}
			k := startKioskWith(t, h, srv, &fakePrinter{}, filepath.Join(t.TempDir(), "outbox.db"))
			k.waitReady(t)
			ctx := context.Background()

			is, err := k.Issue(ctx, "general", Doc{})
			if err != nil {
				t.Fatal(err)
			}
			srv.mu.Lock()
			sent, issued := slices.Clone(srv.sent), slices.Clone(srv.issued)
			srv.mu.Unlock()
			if len(sent) != 1 || len(issued) != map[bool]int{true: 1, false: 0}[deliver] {
				t.Fatalf("requests: sent %+v, issued %+v", sent, issued)
			}
			key := sent[0].IdempotencyKey
			if !is.Offline || is.Number != "A001" || is.Local.Replaces != key {
				t.Fatalf("issued: got %+v, want A001 from the lease replacing request %q", is, key)
			}
			// The number printed in its place settles the request: it is
			// not also recorded to withdraw (a record drained since would
			// show in srv.withdrawn, checked below).
			if w, err := k.box.Withdrawals(); err != nil || len(w) != 0 {
				t.Fatalf("requests to withdraw: got %+v, %v; want none", w, err)
			}
			if err := k.Print(ctx, is); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the outbox synced", func() bool { s := k.Snapshot(); return s.Online && s.Pending == 0 })

			if deliver {
				// The server issued A011 (after the lease's A001 to A010)
				// and withdraws it.
				lost := issued[0]
				tk, err := srv.Ticket(ctx, tokenOf(lost.StatusURL))
				if lost.Number != "A011" || err != nil || tk.Status != "cancelled" {
					t.Fatalf("the unanswered request's ticket %s: got %+v, %v; want cancelled", lost.Number, tk, err)
				}
			} else {
				// The request arrives late: it issues nothing.
				_, err := srv.Client.IssueTicket(ctx, sent[0])
				if client.ErrorCode(err) != "ECONFLICT" {
					t.Fatalf("the request arriving late: got %v, want ECONFLICT", err)
				}
			}
			count, _ := h.issuedNumbers(t)
			var cancels []string
			waiting := map[string]bool{}
			for _, ev := range h.events(t) {
				var d struct {
					Number     string `json:"number"`
					By         string `json:"by"`
					ReplacedBy string `json:"replaced_by"`
				}
				json.Unmarshal(ev.Data, &d)
				switch ev.Type {
				case "ticket.issued":
					waiting[d.Number] = true
				case "ticket.cancelled":
					delete(waiting, d.Number)
					cancels = append(cancels, d.Number+" by "+d.By+" for "+d.ReplacedBy)
				}
			}
			if count["A001"] != 1 {
				t.Fatalf("A001 in the log %d times, want once (log: %v)", count["A001"], count)
			}
			wantCancels := []string{"A011 by kiosk for A001"}
			if !deliver {
				wantCancels = nil
			}
			if !slices.Equal(cancels, wantCancels) {
				t.Fatalf("ticket.cancelled events: got %v, want %v", cancels, wantCancels)
			}
			if len(waiting) != 1 || !waiting["A001"] {
				t.Fatalf("waiting by the public log: got %v, want A001 alone", waiting)
			}
			all, err := k.box.Tickets()
			if err != nil || len(all) != 1 || all[0].State != outbox.Synced || all[0].Replaces != key {
				t.Fatalf("outbox: got %+v, %v; want A001 synced, replacing %q", all, err, key)
			}
			srv.mu.Lock()
			withdrawn := slices.Clone(srv.withdrawn)
			srv.mu.Unlock()
			if len(withdrawn) != 0 {
				t.Fatalf("withdrawals asked: got %v, want none", withdrawn)
			}
		})
	}
}

// TestUnansweredRequestIsWithdrawn takes a number of a real-name service
// whose request reaches the server but whose answer is lost: offline, the
// kiosk can print nothing in its place and turns the applicant away, so once
// the link is back it withdraws the ticket the server issued, which would
// otherwise wait for nobody. A kiosk restarted before the link returns
// remembers to.
func TestUnansweredRequestIsWithdrawn(t *testing.T) {
	for _, restart := range []bool{false, true} {
		name := map[bool]string{false: "link back", true: "restarted before the link is back"}[restart]
		t.Run(name, func(t *testing.T) {
			h := newTestHall(t)
			srv := &unanswered{Client: h.kioskClient(t), deliver: true}
			if restart {
				srv.then = h.Down // the link goes down as the answer is lost
			}
			path := filepath.Join(t.TempDir(), "outbox.db")
			k := startKioskWith(t, h, srv, &fakePrinter{}, path)
			k.waitReady(t)
			ctx := context.Background()

			if is, err := k.Issue(ctx, "social", Doc{Kind: "resident", Number: "11010519491231002X"}); !isRefusal(err, txtRealNameOff) {
				t.Fatalf("real-name number whose answer is lost: got %+v, %v; want the offline refusal", is, err)
			}
			srv.mu.Lock()
			sent, issued := slices.Clone(srv.sent), slices.Clone(srv.issued)
			srv.mu.Unlock()
			if len(sent) != 1 || len(issued) != 1 || issued[0].Number != "B001" {
				t.Fatalf("requests: sent %+v, issued %+v; want one, issued as B001", sent, issued)
			}
			key, lost := sent[0].IdempotencyKey, issued[0]
			if restart {
				k.stop()
				k = startKiosk(t, h, &fakePrinter{}, path)
				w, err := k.box.Withdrawals()
				if err != nil || len(w) != 1 || w[0].Key != key || w[0].Service != "social" || w[0].Kiosk != "kiosk-1" {
					t.Fatalf("requests to withdraw after the restart: got %+v, %v; want %q of kiosk-1", w, err, key)
				}
				if v, err := h.engine.TicketByToken(tokenOf(lost.StatusURL)); err != nil || v.Status != "waiting" {
					t.Fatalf("B001 while the link is down: got %+v, %v; want it waiting", v, err)
				}
				h.Up()
			}
			c := h.kioskClient(t)
			waitFor(t, "B001 withdrawn", func() bool {
				tk, err := c.Ticket(ctx, tokenOf(lost.StatusURL))
				return err == nil && tk.Status == "cancelled"
			})
			waitFor(t, "the request forgotten", func() bool {
				w, err := k.box.Withdrawals()
				return err == nil && len(w) == 0
			})
			var cancels []string
			for _, ev := range h.events(t) {
				if ev.Type != "ticket.cancelled" {
					continue
				}
				var d struct {
					Number     string `json:"number"`
					By         string `json:"by"`
					ReplacedBy string `json:"replaced_by"`
				}
				json.Unmarshal(ev.Data, &d)
				cancels = append(cancels, d.Number+" by "+d.By+" for "+d.ReplacedBy)
			}
			if want := []string{"B001 by kiosk for "}; !slices.Equal(cancels, want) {
				t.Fatalf("ticket.cancelled events: got %q, want %q", cancels, want)
			}
			if all, err := k.box.Tickets(); err != nil || len(all) != 0 {
				t.Fatalf("offline tickets: got %+v, %v; want none", all, err)
			}
			if !restart {
				srv.mu.Lock()
				withdrawn := slices.Clone(srv.withdrawn)
				srv.mu.Unlock()
				if !slices.Equal(withdrawn, []string{key}) {
					t.Fatalf("withdrawals asked: got %v, want %q once", withdrawn, key)
				}
			}
		})
	}
}

func TestSpentLeaseIsSaid(t *testing.T) {
	h := newTestHall(t)
	k := startKiosk(t, h, &fakePrinter{}, filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	h.Down()
	waitFor(t, "the kiosk offline", func() bool { return !k.Snapshot().Online })
	ctx := context.Background()
	for i := range 10 {
		if _, err := k.Issue(ctx, "estate", Doc{}); err != nil {
			t.Fatalf("leased number %d: %v", i+1, err)
		}
	}
	if _, err := k.Issue(ctx, "estate", Doc{}); !isRefusal(err, txtLeaseSpent) {
		t.Fatalf("eleventh number: got %v, want the spent-lease refusal", err)
	}
	tile := k.Snapshot().Tiles[2]
	if tile.Service != "estate" || tile.Available || tile.Reason != txtLeaseSpent {
		t.Fatalf("estate tile: got %+v", tile)
	}
}

func isRefusal(err error, m msg) bool {
	var r *Refusal
	return errors.As(err, &r) && r.Msg == m
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// deviceStatuses returns the printer states the log recorded for kiosk-1.
func (h *testHall) deviceStatuses(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, ev := range h.events(t) {
		if ev.Type != "device.status" {
			continue
		}
		var d struct{ Device, Printer string }
		json.Unmarshal(ev.Data, &d)
		if d.Device == "kiosk-1" {
			out = append(out, d.Printer)
		}
	}
	return out
}

func TestPrinterFaultsAreReported(t *testing.T) {
	// The server logs a device's status at most once per interval: one
	// second here, so five changes do not take the default's minutes.
	h := newTestHallWith(t, func(c *config.Config) { c.Limits.DeviceStatusInterval = time.Second })
	tp := newTestPrinter(t)
	k := startKiosk(t, h, tp.line(t), filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	ctx := context.Background()
	tests := []struct {
		name string
		cond virtual.Conditions
		err  error  // the print error, nil for printed
		code string // what staff see
	}{
		{"paper out", virtual.Conditions{PaperOut: true}, printer.ErrPaperOut, "paper_out"},
		{"cover open", virtual.Conditions{CoverOpen: true}, printer.ErrCoverOpen, "cover_open"},
		{"no reply", virtual.Conditions{NoReply: true}, printer.ErrNoReply, "no_reply"},
		{"paper loaded again", virtual.Conditions{}, nil, "ok"},
		{"paper near end", virtual.Conditions{PaperNearEnd: true}, nil, "paper_near_end"},
	}
	var want []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp.vp.SetConditions(tt.cond)
			is, err := k.Issue(ctx, "general", Doc{})
			if err != nil {
				t.Fatal(err)
			}
			err = k.Print(ctx, is)
			if !errors.Is(err, tt.err) || (tt.err != nil) != (err != nil) {
				t.Fatalf("print: got %v, want %v", err, tt.err)
			}
			if tt.err == nil {
				if j := tp.job(t); j.Dropped != "" {
					t.Fatalf("receipt dropped: %s", j.Dropped)
				}
			} else if !errors.Is(err, printer.ErrNotSent) {
				t.Fatalf("print: got %v, want the receipt not sent", err)
			}
			// Reported once, however often the kiosk tries or checks.
			want = append(want, tt.code)
			waitFor(t, "the status in the log", func() bool {
				got := h.deviceStatuses(t)
				return len(got) > 0 && got[len(got)-1] == tt.code
			})
			if got := h.deviceStatuses(t); !slices.Equal(got, want) {
				t.Fatalf("device.status events: got %v, want %v", got, want)
			}
			got := k.Snapshot().Printer
			if (tt.err != nil) != (got != "") || (tt.err != nil && got != tt.code) {
				t.Fatalf("snapshot printer: got %q", got)
			}
		})
	}
}

func TestNoPrinterIsAFault(t *testing.T) {
	h := newTestHall(t)
	k := startKiosk(t, h, nil, filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	is, err := k.Issue(context.Background(), "estate", Doc{})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Print(context.Background(), is); !errors.Is(err, printer.ErrOffline) {
		t.Fatalf("print without a printer: got %v", err)
	}
	waitFor(t, "the status in the log", func() bool { return slices.Equal(h.deviceStatuses(t), []string{"offline"}) })
}

func TestUnknownTokenIsSaid(t *testing.T) {
	h := newTestHall(t)
	box, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	c, err := client.New(h.URL, "not-a-token", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKiosk(c, &fakePrinter{}, box, testLog(), coreOptions{Tick: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		k.Run(ctx)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
	}()
	waitFor(t, "the kiosk to say it is not enrolled", func() bool { return k.Snapshot().Unenrolled })
	if _, err := k.Issue(ctx, "general", Doc{}); !isRefusal(err, txtConnecting) {
		t.Fatalf("issue without enrolment: got %v", err)
	}
}

// TestNewServiceDay crosses the hall's day start (04:00 in Shanghai) while
// the kiosk is offline: the kiosk does not issue yesterday's leased numbers
// on the new day, the server voids them when it seals the day, a ticket
// printed before the day start but synced after the seal is refused (and
// kept, refused, in the outbox), and the kiosk gets a lease of the new day.
func TestNewServiceDay(t *testing.T) {
	h := newTestHall(t)
	// The next day start at least an hour away, so the clock only moves forward.
	now := h.now().In(shanghai)
	start := time.Date(now.Year(), now.Month(), now.Day(), 4, 0, 0, 0, shanghai)
	for start.Before(now.Add(time.Hour)) {
		start = start.AddDate(0, 0, 1)
	}
	h.setClock(start.Add(-10 * time.Minute))
	k := startKiosk(t, h, &fakePrinter{}, filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	oldDay := start.AddDate(0, 0, -1).Format(time.DateOnly)
	if got := k.today(); got != oldDay {
		t.Fatalf("kiosk's service day at 03:50: got %s, want %s", got, oldDay)
	}
	ctx := context.Background()
	h.Down()
	waitFor(t, "the kiosk offline", func() bool { return !k.Snapshot().Online })
	late, err := k.Issue(ctx, "general", Doc{})
	if err != nil || !late.Offline || late.Number != "A001" {
		t.Fatalf("offline at 03:50: got %+v, %v", late, err)
	}

	h.setClock(start.Add(10 * time.Minute))
	if _, err := k.Issue(ctx, "general", Doc{}); !isRefusal(err, txtLeaseSpent) {
		t.Fatalf("offline at 04:10 with only yesterday's lease: got %v, want the spent-lease refusal", err)
	}
	h.Up()
	newDay := start.Format(time.DateOnly)
	waitFor(t, "a lease of the new day", func() bool { return k.leased(t, "general") == 10 && k.today() == newDay })
	waitFor(t, "the late ticket settled", func() bool { return k.Snapshot().Pending == 0 })
	all, err := k.box.Tickets()
	if err != nil || len(all) != 1 || all[0].State != outbox.Refused || all[0].Refusal == "" {
		t.Fatalf("outbox: got %+v, %v; want the late ticket refused", all, err)
	}
	var sealed, voided bool
	for _, ev := range h.events(t) {
		switch ev.Type {
		case "day.sealed":
			sealed = true
		case "lease.voided":
			voided = voided || strings.Contains(string(ev.Data), "L"+strings.ReplaceAll(oldDay, "-", "")+"-A001")
		}
	}
	if !sealed || !voided {
		t.Fatalf("log: day sealed %v, yesterday's general lease voided %v", sealed, voided)
	}
	is, err := k.Issue(ctx, "general", Doc{})
	if err != nil || is.Offline || is.Number != "A011" {
		t.Fatalf("first online ticket of the new day: got %+v, %v; want A011 after the new lease", is, err)
	}
}
