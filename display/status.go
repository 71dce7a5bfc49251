package main

import (
	"fmt"
	"time"

	"hallq/server/client"
)

// Status is the display's link to the server and the state of its copy of
// the public log, as the screens' status lines show it.
type Status struct {
	Link  client.StreamState
	Err   string        // why the link is down
	Retry time.Duration // when it is down: wait before the next attempt
	// LastLive is when the server last confirmed that the display had every
	// event; zero if it never did since the display started.
	LastLive time.Time
	// LiveFrom is the head of the copy when the link last became live:
	// events after it arrived live, those before came in a catch-up.
	LiveFrom uint64
	Seq      uint64 // head of the local copy
	Hash     string
	// Alarm is set when the log cannot be trusted; it stays until restart.
	Alarm *Alarm
}

// Stale reports whether the screen may be behind the hall: anything but a
// live stream.
func (s Status) Stale() bool { return s.Link != client.StreamLive }

// Alarm says why the public log cannot be trusted, in Chinese and English.
type Alarm struct {
	ZH, EN string
}

// Alarms of the display, each naming the event concerned.
func chainAlarm(seq uint64, err error) *Alarm {
	return &Alarm{
		ZH: fmt.Sprintf("公开日志校验失败：第 %d 条事件的哈希链断裂，请通知管理员", seq),
		EN: fmt.Sprintf("Public log check failed: hash chain broken at event %d (%v)", seq, err),
	}
}

func forkAlarm(seq uint64, ours, theirs string) *Alarm {
	return &Alarm{
		ZH: fmt.Sprintf("服务器日志与本机副本不一致（第 %d 条事件），请通知管理员", seq),
		EN: fmt.Sprintf("Server log differs from this display's copy at event %d (%s here, %s on the server)", seq, shortHash(ours), shortHash(theirs)),
	}
}

func shorterAlarm(seq uint64) *Alarm {
	return &Alarm{
		ZH: fmt.Sprintf("服务器日志比本机副本（%d 条事件）短：服务器数据可能被替换，请通知管理员", seq),
		EN: fmt.Sprintf("The server's log is shorter than this display's copy (%d events): its data may have been replaced", seq),
	}
}

func stateAlarm(seq uint64, err error) *Alarm {
	return &Alarm{
		ZH: fmt.Sprintf("第 %d 条事件与公开规则不符，请通知管理员", seq),
		EN: fmt.Sprintf("Event %d does not fit the public state: %v", seq, err),
	}
}

func hallAlarm(want, got string) *Alarm {
	return &Alarm{
		ZH: fmt.Sprintf("服务器属于另一个大厅（%s，本机副本为 %s），请通知管理员", got, want),
		EN: fmt.Sprintf("The server serves hall %q but this display's copy is of hall %q", got, want),
	}
}

func storeAlarm(err error) *Alarm {
	return &Alarm{
		ZH: "本机副本无法写入，请通知管理员",
		EN: fmt.Sprintf("Cannot write this display's copy of the log: %v", err),
	}
}

// linkTexts describes the link for the status line, in Chinese and English.
func linkTexts(s Status, loc *time.Location) (zh, en string) {
	switch s.Link {
	case client.StreamLive:
		return "实时", "Live"
	case client.StreamCatchingUp:
		return "正在同步", "Catching up"
	}
	if s.LastLive.IsZero() {
		if s.Link == client.StreamConnecting && s.Err == "" {
			return "正在连接服务器", "Connecting"
		}
		return "未连接服务器 · 显示本机保存的最后状态", "Offline: last known state"
	}
	at := s.LastLive.In(loc).Format("15:04:05")
	return "未连接服务器 · 显示 " + at + " 的状态", "Offline: state as of " + at
}
