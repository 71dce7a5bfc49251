package main

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/eventlog"
	"hallq/server/queue"
)

// recorder is an announcer that keeps what it is given.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) Enqueue(a Announcement) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, a.Number+"@"+a.Window)
}

func (r *recorder) list() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprint(r.got)
}

// running is a follower started by startFollower.
type running struct {
	f    *follower
	m    *model
	rep  *replica
	stop func()
}

// startFollower opens the replica in dir and follows the fake server's log,
// as the display does; stop ends it and closes the replica.
func startFollower(t *testing.T, srv *fakeServer, dir, mode, window string, ann announcer, now func() time.Time) *running {
	t.Helper()
	rep, sv, _, err := openReplica(dir)
	if err != nil {
		t.Fatal(err)
	}
	if window != "" {
		sv.window = window
	}
	m := newModel(sv)
	c, err := client.New(srv.srv.URL, "token", client.Options{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if now == nil {
		now = time.Now
	}
	f := &follower{c: c, rep: rep, m: m, ann: ann, log: quietLog(), mode: mode, now: now, notify: func() {}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { f.follow(ctx) })
	wg.Go(func() { f.describe(ctx) })
	var once sync.Once
	r := &running{f: f, m: m, rep: rep}
	r.stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			if err := rep.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(r.stop)
	return r
}

// at reports whether the model holds the log up to seq and is live.
func (r *running) at(seq uint64) func() bool {
	return func() bool {
		f := r.m.frame(time.Now())
		return f.Status.Seq == seq && f.Status.Link == client.StreamLive
	}
}

func TestFollowerResumesAfterRestartWithoutGapOrDuplicate(t *testing.T) {
	s := day(t)
	all := chained(t, s.events)
	first, second := all[:8], all[8:]
	srv := newFakeServer(t, testHall())
	srv.add(first...)
	dir := t.TempDir()

	r := startFollower(t, srv, dir, ModeHall, "", nil, nil)
	waitUntil(t, "the first part of the log", r.at(8))
	waitUntil(t, "the hall description", func() bool { return r.m.hallInfo() != nil })
	r.stop()

	// While the display is off, the hall goes on; the server then stops.
	srv.add(second...)
	srv.srv.Close()

	// Restarted with its server down, the display shows what it had.
	r = startFollower(t, srv, dir, ModeHall, "", nil, nil)
	waitUntil(t, "a failed connection", func() bool { return r.m.frame(time.Now()).Status.Link == client.StreamDown })
	f := r.m.frame(t0.Add(time.Hour))
	if !f.Status.Stale() || !f.HasHall || f.Status.Seq != 8 || numbers(f.Hall.Current) != "[A001@1]" {
		t.Fatalf("restarted without server: stale %v, hall %v, seq %d, current %s", f.Status.Stale(), f.HasHall, f.Status.Seq, numbers(f.Hall.Current))
	}
	r.stop()

	// With the server back, it catches up from its last event.
	srv2 := newFakeServer(t, testHall())
	srv2.add(all...)
	r = startFollower(t, srv2, dir, ModeHall, "", nil, nil)
	waitUntil(t, "the whole log", r.at(uint64(len(all))))
	if got := srv2.streams(); got[0] != 8 {
		t.Fatalf("the restarted display asked for the events after %v, want 8 first", got)
	}
	f = r.m.frame(t0.Add(time.Hour))
	if f.Status.Stale() || numbers(f.Hall.Current) != "[A002@1 C001@vip]" || numbers(f.Hall.Recent) != "[A001@1]" {
		t.Fatalf("after catching up: stale %v, current %s, recent %s", f.Status.Stale(), numbers(f.Hall.Current), numbers(f.Hall.Recent))
	}
	if got, want := stateJSON(t, r.m.snapshotState()), stateJSON(t, s.state()); got != want {
		t.Fatalf("state differs from the fold of the server's log:\n got %s\nwant %s", got, want)
	}
	r.stop()

	// The replica holds exactly the server's log, chained.
	rep, _, _, err := openReplica(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	held := heldEvents(t, rep)
	if len(held) != len(all) {
		t.Fatalf("replica holds %d events, the log %d", len(held), len(all))
	}
	for i, h := range held {
		if !bytes.Equal(h.Raw, all[i].Raw) {
			t.Fatalf("event %d differs from the server's", i+1)
		}
	}
}

// tamper returns a copy of rec with old replaced by new in its bytes.
func tamper(t *testing.T, rec eventlog.Record, old, new string) eventlog.Record {
	t.Helper()
	raw := bytes.Replace(rec.Raw, []byte(old), []byte(new), 1)
	if bytes.Equal(raw, rec.Raw) {
		t.Fatalf("event %d has no %q", rec.Seq, old)
	}
	r, err := eventlog.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestFollowerAlarms(t *testing.T) {
	recs := chained(t, day(t).events)
	other := newScript(t).issue("general", "A001")
	other.events[0].Time = other.events[0].Time.Add(time.Second) // another log from the start
	otherRecs := chained(t, other.events)

	tests := []struct {
		name string
		// held is what the display's replica holds before it starts.
		held []eventlog.Record
		// served is the server's log.
		served []eventlog.Record
		// hall is the server's hall description.
		hallID string
		// want is the alarm's Chinese text start, and kept the events the
		// display must end up holding.
		want string
		kept uint64
	}{
		{
			name:   "an event altered after it was hashed",
			served: append(append([]eventlog.Record{}, recs[:4]...), tamper(t, recs[4], "A003", "A009")),
			want:   "公开日志校验失败：第 5 条", kept: 4,
		},
		{
			name: "an event not in the published layout",
			served: append(append([]eventlog.Record{}, recs[:4]...),
				eventlog.Record{Raw: bytes.Replace(recs[4].Raw, []byte(`"seq":5`), []byte(`"seq": 5`), 1)}),
			want: "公开日志校验失败：第 5 条", kept: 4,
		},
		{
			name:   "an event that does not fit the state",
			served: chained(t, newScript(t).call("1", "A001").events),
			want:   "第 2 条事件与公开规则不符", kept: 1,
		},
		{
			name:   "a server whose log differs from the copy",
			held:   recs[:2],
			served: otherRecs,
			want:   "服务器日志与本机副本不一致", kept: 2,
		},
		{
			name:   "a server whose log is shorter than the copy",
			held:   recs[:6],
			served: recs[:3],
			want:   "服务器日志比本机副本（6 条事件）短", kept: 6,
		},
		{
			name:   "a server of another hall",
			held:   recs[:2],
			served: recs[:2],
			hallID: "elsewhere",
			want:   "服务器属于另一个大厅", kept: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.held != nil {
				rep, _, _, err := openReplica(dir)
				if err != nil {
					t.Fatal(err)
				}
				if err := rep.append(tt.held); err != nil {
					t.Fatal(err)
				}
				if err := rep.saveHall(testHall()); err != nil {
					t.Fatal(err)
				}
				rep.Close()
			}
			h := testHall()
			if tt.hallID != "" {
				h.ID = tt.hallID
			}
			srv := newFakeServer(t, h)
			srv.add(tt.served...)
			r := startFollower(t, srv, dir, ModeHall, "", nil, nil)
			waitUntil(t, "an alarm", func() bool { return r.m.alarm() != nil })
			a := r.m.alarm()
			if !bytes.HasPrefix([]byte(a.ZH), []byte(tt.want)) || a.EN == "" {
				t.Fatalf("alarm %q / %q, want %q…", a.ZH, a.EN, tt.want)
			}
			r.stop()
			rep, _, _, err := openReplica(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer rep.Close()
			if seq, _ := rep.head(); seq != tt.kept {
				t.Fatalf("replica holds %d events, want %d", seq, tt.kept)
			}
		})
	}
}

func TestFollowerAnnouncesLiveAndRecentCalls(t *testing.T) {
	// The log's events are a minute apart; "now" is just after its end.
	s := newScript(t).issue("general", "A001").issue("general", "A002").issue("estate", "C001").issue("general", "A003").
		issue("estate", "C002").open("1").open("vip").
		call("1", "A001").done("1", "A001"). // long ago
		call("vip", "C001").                 // long ago, still served
		call("1", "A002").done("1", "A002"). // recent, but finished already
		call("1", "A003")                    // recent and still served
	n := len(s.events)
	end := s.events[n-1].Time
	for i, back := range []time.Duration{20 * time.Second, 10 * time.Second, 0} {
		s.events[n-3+i].Time = end.Add(-back) // the last three within the minute
	}
	recs := chained(t, s.events)
	now := end.Add(5 * time.Second)
	clock := func() time.Time { return now }

	live := &script{t: t, events: append([]queue.Event(nil), s.events...), seq: s.seq, issued: s.issued}
	live.done("vip", "C001").call("vip", "C002").recall("vip", "C002").done("1", "A003")
	liveRecs := chained(t, live.events)[len(recs):]

	tests := []struct {
		name, mode, window string
		want               string
	}{
		{"hall board", ModeHall, "", "[A003@1 C002@vip C002@vip]"},
		{"window screen", ModeWindow, "vip", "[C002@vip C002@vip]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, testHall())
			srv.now = now
			srv.add(recs...)
			ann := &recorder{}
			r := startFollower(t, srv, t.TempDir(), tt.mode, tt.window, ann, clock)
			waitUntil(t, "the catch-up", r.at(uint64(len(recs))))
			srv.add(liveRecs...)
			waitUntil(t, "the live calls", r.at(uint64(len(recs)+len(liveRecs))))
			if got := ann.list(); got != tt.want {
				t.Fatalf("announced %s, want %s", got, tt.want)
			}
		})
	}
}

func TestWindowScreenLearnsItsWindow(t *testing.T) {
	srv := newFakeServer(t, testHall())
	srv.add(chained(t, day(t).events)...)
	dir := t.TempDir()
	r := startFollower(t, srv, dir, ModeWindow, "", nil, nil)
	waitUntil(t, "the window of the device", func() bool { return r.m.windowID() == "vip" })
	waitUntil(t, "the log", r.at(uint64(len(day(t).events))))
	if v := r.m.frame(t0.Add(time.Hour)).Window; v.Current != "C001" || v.Card == nil {
		t.Fatalf("window screen: got %+v", v)
	}
	r.stop()
	rep, _, _, err := openReplica(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	if sv, err := rep.load(); err != nil || sv.window != "vip" {
		t.Fatalf("the replica keeps window %q (%v), want vip", sv.window, err)
	}
}

// TestFollowerKeepsTheCardPhoto: a window display fetches the photo on its
// card, keeps it in the replica for a restart without the server, and drops
// it when the card no longer has one.
func TestFollowerKeepsTheCardPhoto(t *testing.T) {
	hall := testHall()
	hall.Windows[2].Card.PhotoURL = "/api/v1/windows/vip/photo"
	srv := newFakeServer(t, hall)
	p := testPortrait(t, 30, 40)
	srv.mu.Lock()
	srv.photo = p.data
	srv.mu.Unlock()
	dir := t.TempDir()

	r := startFollower(t, srv, dir, ModeWindow, "vip", nil, nil)
	waitUntil(t, "the card photo", func() bool { q := r.m.portraitOf(); return q != nil && bytes.Equal(q.data, p.data) })
	if f := r.m.frame(time.Now()); f.Window.Photo == nil || f.Window.Photo.img.Bounds().Dx() != 30 {
		t.Fatalf("the window's frame has photo %v", f.Window.Photo)
	}
	r.stop()

	// Restarted without the server, the display still shows it.
	rep, _, _, err := openReplica(dir)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := rep.load()
	rep.Close()
	if err != nil {
		t.Fatal(err)
	}
	if sv.photo == nil || !bytes.Equal(sv.photo.data, p.data) || sv.photo.url != "/api/v1/windows/vip/photo" {
		t.Fatalf("replica photo: %+v", sv.photo)
	}
	sv.window = "vip" // as -window gives it
	if f := newModel(sv).frame(time.Now()); f.Window.Photo == nil {
		t.Fatal("a restarted display does not show the kept photo")
	}

	// The photo cannot be fetched now: the one kept stays. The card no
	// longer has a photo: it is forgotten, also in the replica.
	rep, _, _, err = openReplica(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	c, err := client.New(srv.srv.URL, "token", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(sv)
	f := &follower{c: c, rep: rep, m: m, log: quietLog(), mode: ModeWindow, notify: func() {}}
	srv.mu.Lock()
	srv.photo = nil
	srv.mu.Unlock()
	f.updatePhoto(context.Background(), hall)
	if q := m.portraitOf(); q == nil || !bytes.Equal(q.data, p.data) {
		t.Fatal("a failed fetch dropped the kept photo")
	}
	hall.Windows[2].Card.PhotoURL = ""
	f.updatePhoto(context.Background(), hall)
	if m.portraitOf() != nil {
		t.Fatal("the photo of a card without one is still shown")
	}
	if sv, err := rep.load(); err != nil || sv.photo != nil {
		t.Fatalf("replica photo after the card lost it: %v %v", sv.photo, err)
	}
}
