package main

import (
	"fmt"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/queue"
	"hallq/server/wire"
)

// testHall is a small hall: two services, three windows, one with a card.
func testHall() *wire.Hall {
	return &wire.Hall{
		ID: "test", NameZH: "测试大厅", NameEN: "Test hall", TimeZone: "Asia/Shanghai", DayStart: "04:00",
		Services: []wire.Service{
			{ID: "general", NameZH: "综合受理", NameEN: "General affairs", Prefix: "A", Digits: 3, AvgServiceSecs: 300},
			{ID: "estate", NameZH: "不动产登记", NameEN: "Real estate", Prefix: "C", Digits: 3, AvgServiceSecs: 900},
		},
		Windows: []wire.HallWindow{
			{ID: "1", NameZH: "1号窗口", NameEN: "Window 1", Primary: []string{"general"}},
			{ID: "2", NameZH: "2号窗口", NameEN: "Window 2", Primary: []string{"general"}, Secondary: []string{"estate"}},
			{ID: "vip", NameZH: "绿色通道", NameEN: "Priority desk", Primary: []string{"estate"}, Card: &wire.Card{
				Name: "张伟", NameEN: "Zhang Wei", Title: "不动产登记员", Unit: "市不动产登记中心", Duties: "办理不动产登记。",
				Services: []string{"estate"}}},
		},
		Rules:        wire.Rules{MinSamples: 3},
		Notices:      []wire.Notice{{ZH: "请保管好随身物品", EN: "Mind your belongings"}},
		ComplaintURL: "https://zwfw.example.gov.cn:8443/complaint",
	}
}

func mustHallInfo(t *testing.T) *hallInfo {
	t.Helper()
	h, err := newHallInfo(testHall())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// t0 is 10:00 in Shanghai on 2026-11-22, within that service day.
var t0 = time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)

// script builds the events of a day from short steps: "issue general",
// "open 1", "call 1 A001", "recall 1 A001", "done 1 A001", "noshow 1 A001".
type script struct {
	t      *testing.T
	events []queue.Event
	seq    uint64
	issued map[string]string // number -> service
}

func newScript(t *testing.T) *script {
	s := &script{t: t, issued: map[string]string{}}
	s.add(queue.TypeDayOpened, &queue.DayOpenedData{Day: "2026-11-22"})
	return s
}

func (s *script) add(typ string, data any) *script {
	s.seq++
	s.events = append(s.events, queue.Event{Seq: s.seq, Time: t0.Add(time.Duration(s.seq) * time.Minute), Type: typ, Data: data})
	return s
}

func (s *script) issue(service, number string) *script {
	s.issued[number] = service
	return s.add(queue.TypeTicketIssued, &queue.TicketIssuedData{Ticket: "T-" + number, Number: number, Service: service,
		Day: "2026-11-22", IssuedAt: t0.Add(time.Duration(s.seq+1) * time.Minute)})
}

func (s *script) open(window string) *script {
	return s.add(queue.TypeWindowOpened, &queue.WindowData{Window: window, Staff: "wang"})
}

func (s *script) call(window, number string) *script {
	return s.add(queue.TypeTicketCalled, &queue.TicketCalledData{Ticket: "T-" + number, Number: number,
		Service: s.issued[number], Window: window, Reason: queue.ReasonFIFO})
}

func (s *script) recall(window, number string) *script {
	return s.add(queue.TypeTicketRecalled, &queue.TicketRecalledData{Ticket: "T-" + number, Number: number, Window: window, Reason: queue.ReasonRecall})
}

func (s *script) done(window, number string) *script {
	return s.add(queue.TypeTicketCompleted, &queue.TicketDoneData{Ticket: "T-" + number, Number: number, Window: window})
}

func (s *script) pause(window string) *script {
	return s.add(queue.TypeWindowPaused, &queue.WindowData{Window: window})
}

// state folds the script.
func (s *script) state() *queue.State {
	s.t.Helper()
	st := queue.NewState()
	for _, ev := range s.events {
		if err := st.Apply(ev); err != nil {
			s.t.Fatal(err)
		}
	}
	return st
}

func numbers(rows []CallRow) string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Number+"@"+r.Window)
	}
	return fmt.Sprint(out)
}

func TestHallView(t *testing.T) {
	h := mustHallInfo(t)
	three := func(t *testing.T) *script {
		return newScript(t).issue("general", "A001").issue("general", "A002").issue("estate", "C001").issue("general", "A003").
			open("1").open("2").open("vip")
	}
	tests := []struct {
		name     string
		steps    func(s *script)
		now      time.Time
		current  string
		recent   string
		waiting  []int
		waitMins []int
	}{
		{
			name:    "nobody called",
			steps:   func(s *script) {},
			now:     t0.Add(time.Hour),
			current: "[]", recent: "[]",
			waiting: []int{3, 1}, waitMins: []int{8, 8}, // 3×5 min ÷ 2 windows; 1×15 min ÷ 2
		},
		{
			name: "newest call first",
			steps: func(s *script) {
				s.call("1", "A001").call("vip", "C001").call("2", "A002")
			},
			now:     t0.Add(time.Hour),
			current: "[A002@2 C001@vip A001@1]", recent: "[]",
			waiting: []int{1, 0}, waitMins: []int{3, 0},
		},
		{
			name: "a recall makes a call the newest again",
			steps: func(s *script) {
				s.call("1", "A001").call("2", "A002").recall("1", "A001")
			},
			now:     t0.Add(time.Hour),
			current: "[A001@1 A002@2]", recent: "[]",
			waiting: []int{1, 1}, waitMins: []int{3, 8},
		},
		{
			name: "finished calls are listed once, newest first",
			steps: func(s *script) {
				s.call("1", "A001").recall("1", "A001").done("1", "A001").call("1", "A002").done("1", "A002").call("1", "A003")
			},
			now:     t0.Add(time.Hour),
			current: "[A003@1]", recent: "[A002@1 A001@1]",
			waiting: []int{0, 1}, waitMins: []int{0, 8},
		},
		{
			name:    "a paused window serves nobody",
			steps:   func(s *script) { s.pause("vip") },
			now:     t0.Add(time.Hour),
			current: "[]", recent: "[]",
			waiting: []int{3, 1}, waitMins: []int{8, 15}, // only window 2 serves estate, second
		},
		{
			name:    "yesterday's queue is not today's",
			steps:   func(s *script) { s.call("1", "A001") },
			now:     t0.Add(24 * time.Hour),
			current: "[A001@1]", recent: "[]",
			waiting: []int{0, 0}, waitMins: []int{0, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := three(t)
			tt.steps(s)
			v := hallView(h, s.state(), tt.now)
			if got := numbers(v.Current); got != tt.current {
				t.Errorf("current: got %s, want %s", got, tt.current)
			}
			if got := numbers(v.Recent); got != tt.recent {
				t.Errorf("recent: got %s, want %s", got, tt.recent)
			}
			if len(v.Services) != 2 {
				t.Fatalf("got %d services, want 2", len(v.Services))
			}
			for i, svc := range v.Services {
				if svc.Waiting != tt.waiting[i] || int((svc.Wait+time.Minute-1)/time.Minute) != tt.waitMins[i] {
					t.Errorf("service %s: got %d waiting, %v; want %d, %d min", svc.ID, svc.Waiting, svc.Wait, tt.waiting[i], tt.waitMins[i])
				}
			}
			if v.NameZH != "测试大厅" || len(v.Notices) != 1 || v.Seq != s.seq {
				t.Errorf("got name %q, %d notices, seq %d", v.NameZH, len(v.Notices), v.Seq)
			}
		})
	}
}

func TestHallViewWithoutDescription(t *testing.T) {
	s := newScript(t).issue("general", "A001").open("7").call("7", "A001")
	v := hallView(nil, s.state(), t0)
	if len(v.Current) != 1 || v.Current[0].WindowZH != "7号窗口" || v.Current[0].ServiceZH != "general" || len(v.Services) != 0 {
		t.Fatalf("got %+v", v)
	}
}

func TestWindowView(t *testing.T) {
	h := mustHallInfo(t)
	base := func(t *testing.T) *script {
		return newScript(t).issue("estate", "C001").issue("general", "A001").issue("estate", "C002").issue("general", "A002")
	}
	tests := []struct {
		name    string
		window  string
		steps   func(s *script)
		current string
		service string
		status  string
		next    string
		waiting int
		card    bool
	}{
		{"closed", "vip", func(s *script) {}, "", "", queue.WindowClosed, "[C001 C002]", 2, true},
		{"serving", "vip", func(s *script) { s.open("vip").call("vip", "C001") }, "C001", "不动产登记", queue.WindowOpen, "[C002]", 1, true},
		{"paused while serving", "vip", func(s *script) { s.open("vip").call("vip", "C001").pause("vip") }, "C001", "不动产登记", queue.WindowPaused, "[C002]", 1, true},
		{"primary before secondary", "2", func(s *script) { s.open("2") }, "", "", queue.WindowOpen, "[A001 A002 C001 C002]", 4, false},
		{"unknown window", "9", func(s *script) {}, "", "", queue.WindowClosed, "[]", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base(t)
			tt.steps(s)
			v := windowView(h, s.state(), tt.window, t0.Add(time.Hour))
			if v.Current != tt.current || v.ServiceZH != tt.service || v.Status != tt.status ||
				fmt.Sprint(v.Next) != tt.next || v.Waiting != tt.waiting || (v.Card != nil) != tt.card {
				t.Fatalf("got current %q service %q status %s next %v waiting %d card %v; want %q %q %s %s %d %v",
					v.Current, v.ServiceZH, v.Status, v.Next, v.Waiting, v.Card != nil, tt.current, tt.service, tt.status, tt.next, tt.waiting, tt.card)
			}
			if tt.current != "" && v.CallSeq == 0 {
				t.Errorf("no call seq for %s", tt.current)
			}
		})
	}
	v := windowView(h, base(t).state(), "vip", t0)
	if v.NameZH != "绿色通道" || fmt.Sprint(v.CardServices) != "[不动产登记]" {
		t.Fatalf("window vip: got %q, card services %v", v.NameZH, v.CardServices)
	}
	if v := windowView(h, base(t).state(), "12", t0); v.NameZH != "12号窗口" || v.NameEN != "Window 12" {
		t.Fatalf("window 12: got %q %q", v.NameZH, v.NameEN)
	}
}

func TestAnnouncement(t *testing.T) {
	h := mustHallInfo(t)
	tests := []struct {
		name   string
		ev     queue.Event
		ok     bool
		zh, en string
		recall bool
	}{
		{"call", queue.Event{Seq: 7, Data: &queue.TicketCalledData{Ticket: "t", Number: "A001", Window: "3"}}, true,
			"请 A001 号到 3 号窗口办理", "Number A001, please go to window 3", false},
		{"recall", queue.Event{Seq: 8, Data: &queue.TicketRecalledData{Ticket: "t", Number: "A001", Window: "3"}}, true,
			"请 A001 号到 3 号窗口办理", "Number A001, please go to window 3", true},
		{"named window", queue.Event{Seq: 9, Data: &queue.TicketCalledData{Ticket: "t", Number: "C012", Window: "vip"}}, true,
			"请 C012 号到绿色通道办理", "Number C012, please go to Priority desk", false},
		{"completion", queue.Event{Seq: 10, Data: &queue.TicketDoneData{Ticket: "t", Number: "A001", Window: "3"}}, false, "", "", false},
		{"issue", queue.Event{Seq: 11, Data: &queue.TicketIssuedData{Ticket: "t", Number: "A001"}}, false, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := announcement(h, tt.ev)
			if ok != tt.ok || a.ZH != tt.zh || a.EN != tt.en || a.Recall != tt.recall || (ok && a.Seq != tt.ev.Seq) {
				t.Fatalf("got %+v, %v; want %q %q recall=%v ok=%v", a, ok, tt.zh, tt.en, tt.recall, tt.ok)
			}
		})
	}
}

func TestTexts(t *testing.T) {
	waits := []struct {
		waiting int
		d       time.Duration
		zh, en  string
	}{
		{0, 0, "无需等候", "no wait"},
		{1, 20 * time.Second, "约 1 分钟", "about 1 min"},
		{3, 14*time.Minute + time.Second, "约 15 分钟", "about 15 min"},
		{50, 150 * time.Minute, "约 3 小时", "about 3 h"},
	}
	for _, w := range waits {
		if zh, en := waitTexts(w.waiting, w.d); zh != w.zh || en != w.en {
			t.Errorf("waitTexts(%d, %v) = %q, %q; want %q, %q", w.waiting, w.d, zh, en, w.zh, w.en)
		}
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	if c, d := clockTexts(time.Date(2026, 11, 22, 17, 4, 5, 0, time.UTC), shanghai); c != "01:04:05" || d != "2026年11月23日 星期一" {
		t.Errorf("clockTexts: got %q %q", c, d)
	}
	statuses := []struct{ status, zh string }{{"open", ""}, {"paused", "暂停服务"}, {"closed", "暂停办理"}, {"", "暂停办理"}}
	for _, s := range statuses {
		if zh, _ := windowStatusTexts(s.status); zh != s.zh {
			t.Errorf("windowStatusTexts(%q) = %q, want %q", s.status, zh, s.zh)
		}
	}
	if got := shortHash("0123456789abcdef0123"); got != "0123456789ab" {
		t.Errorf("shortHash: got %q", got)
	}
}

func TestLinkTexts(t *testing.T) {
	at := time.Date(2026, 11, 22, 2, 3, 4, 0, time.UTC)
	tests := []struct {
		name string
		st   Status
		zh   string
	}{
		{"live", Status{Link: client.StreamLive}, "实时"},
		{"catching up", Status{Link: client.StreamCatchingUp}, "正在同步"},
		{"first connection", Status{Link: client.StreamConnecting}, "正在连接服务器"},
		{"never reached", Status{Link: client.StreamDown, Err: "refused"}, "未连接服务器 · 显示本机保存的最后状态"},
		{"lost", Status{Link: client.StreamDown, LastLive: at}, "未连接服务器 · 显示 02:03:04 的状态"},
		{"reconnecting", Status{Link: client.StreamConnecting, LastLive: at}, "未连接服务器 · 显示 02:03:04 的状态"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if zh, _ := linkTexts(tt.st, time.UTC); zh != tt.zh {
				t.Fatalf("got %q, want %q", zh, tt.zh)
			}
			if tt.st.Stale() != (tt.st.Link != client.StreamLive) {
				t.Fatalf("Stale() = %v for %v", tt.st.Stale(), tt.st.Link)
			}
		})
	}
}

func TestFlashOn(t *testing.T) {
	tests := []struct {
		elapsed time.Duration
		on      bool
	}{
		{0, true},
		{400 * time.Millisecond, true},
		{600 * time.Millisecond, false},
		{1100 * time.Millisecond, true},
		{7900 * time.Millisecond, false},
		{flashFor, false},
		{time.Hour, false},
		{-time.Second, false},
	}
	for _, tt := range tests {
		if got := flashOn(tt.elapsed); got != tt.on {
			t.Errorf("flashOn(%v) = %v, want %v", tt.elapsed, got, tt.on)
		}
	}
}

func TestNewHallInfo(t *testing.T) {
	h := mustHallInfo(t)
	if h.rule.Location.String() != "Asia/Shanghai" || h.rule.DayStart != 4*time.Hour || len(h.rule.Windows) != 3 ||
		h.rule.Services[1].AvgService != 15*time.Minute {
		t.Fatalf("got %+v", h.rule)
	}
	bad := []struct {
		name string
		edit func(h *wire.Hall)
	}{
		{"time zone", func(h *wire.Hall) { h.TimeZone = "Mars/Olympus" }},
		{"day start", func(h *wire.Hall) { h.DayStart = "4 o'clock" }},
	}
	for _, b := range bad {
		desc := testHall()
		b.edit(desc)
		if _, err := newHallInfo(desc); err == nil {
			t.Errorf("%s: no error", b.name)
		}
	}
	if _, err := newHallInfo(nil); err == nil {
		t.Error("nil hall: no error")
	}
}
