package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"hallq/server/audit"
)

// writeSummary prints the report for people, in Chinese and English.
func writeSummary(w io.Writer, rep *audit.Report, only string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("大厅 Hall %s — 事件 events %d–%d (%d), 末哈希 head %s", rep.Hall, rep.First, rep.Last, rep.Events, rep.Head)
	ok := 0
	for _, c := range rep.Checkpoints {
		if c.OK {
			ok++
		}
	}
	p("签名检查点 Signed checkpoints: %d 有效 valid / %d; 规则变更 rule changes: %d", ok, len(rep.Checkpoints), len(rep.Rules))
	var keys []string
	for _, c := range rep.Checkpoints {
		if c.OK && !slices.Contains(keys, c.Key) {
			keys = append(keys, c.Key)
		}
	}
	for _, k := range keys {
		p("签名公钥 Checkpoint key %s — 指纹 fingerprint %s", k, audit.Fingerprint(k))
	}
	for _, d := range rep.Days {
		if only != "" && d.Day != only {
			continue
		}
		p("")
		sealed := "未结束 open"
		if d.Sealed {
			sealed = "已结束 sealed"
		}
		p("== %s (%s)", d.Day, sealed)
		p("  取号 issued %d · 办结 served %d · 过号 no-shows %d · 重呼 recalls %d", d.Issued, d.Served, d.NoShows, d.Recalls)
		var reasons []string
		for _, r := range slices.Sorted(maps.Keys(d.Calls)) {
			reasons = append(reasons, fmt.Sprintf("%s %d", r, d.Calls[r]))
		}
		p("  叫号（按原因）calls by reason: %s", strings.Join(reasons, ", "))
		p("  等候 wait: p50 %s · p90 %s · 最长 max %s (%d 人 tickets)", mins(d.Wait.P50Secs), mins(d.Wait.P90Secs), mins(d.Wait.MaxSecs), d.Wait.Count)
		p("  人工指定叫号 manual calls: %d", len(d.Manual))
		for _, m := range d.Manual {
			p("    #%d %s 窗口 window %s 工作人员 staff %s 原因 reason %s (规则应叫 rule's pick %s)", m.Seq, m.Number, m.Window, m.Staff, m.Reason, m.RulePick)
		}
		p("  转办 transfers: %d", len(d.Transfers))
		for _, m := range d.Transfers {
			p("    #%d %s %s→%s 窗口 window %s 工作人员 staff %s 原因 reason %s", m.Seq, m.Number, m.From, m.To, m.Window, m.Staff, m.Reason)
		}
		staff := 0
		for _, m := range d.Cancels {
			if m.By == "staff" {
				staff++
			}
		}
		p("  取消 cancels: %d (工作人员 by staff %d)", len(d.Cancels), staff)
		for _, m := range d.Cancels {
			if m.By == "staff" {
				p("    #%d %s 窗口 window %s 工作人员 staff %s 原因 reason %s", m.Seq, m.Number, m.Window, m.Staff, m.Reason)
			}
		}
		p("  恢复排队 reinstatements: %d", len(d.Reinstate))
		var maxDelay float64
		for _, o := range d.Offline {
			maxDelay = max(maxDelay, o.DelaySecs, o.ClaimedToPlacedSecs)
		}
		p("  离线号 offline tickets: %d (排队时间与上报最多相差 placed-to-synced up to %s)", len(d.Offline), mins(maxDelay))
		for _, o := range d.Offline {
			if o.Clamped == "" {
				continue
			}
			// Moved by the placement rule: the claim and the place, both.
			line := fmt.Sprintf("    #%d %s 取号机 kiosk %s 申报 claimed %s → 排队 placed %s (%s)", o.Seq, o.Number, o.Kiosk,
				o.Claimed.Format(time.RFC3339Nano), o.Placed.Format(time.RFC3339Nano), o.Clamped)
			if !o.Seen.IsZero() {
				line += " 最后联系 seen_at " + o.Seen.Format(time.RFC3339Nano)
			}
			p("%s", line)
		}
		explained, unexplained := 0, 0
		for _, g := range d.Gaps {
			if g.Explained {
				explained++
			} else {
				unexplained++
			}
		}
		p("  号码空缺 gaps: %d 有解释 explained, %d 无解释 unexplained", explained, unexplained)
		for _, g := range d.Gaps {
			if !g.Explained {
				p("    %s (%s)", g.Number, g.Service)
			}
		}
		p("  各窗口 per window:")
		for _, id := range slices.Sorted(maps.Keys(d.Windows)) {
			t := d.Windows[id]
			p("    %s: 叫号 calls %d · 人工 manual %d · 转办 transfers %d · 取消 cancels %d · 违规 violations %d", id, t.Calls, t.Manual, t.Transfers, t.Cancels, t.Violations)
		}
		p("  各工作人员 per staff member:")
		for _, id := range slices.Sorted(maps.Keys(d.Staff)) {
			t := d.Staff[id]
			p("    %s: 叫号 calls %d · 人工 manual %d · 转办 transfers %d · 取消 cancels %d · 违规 violations %d", id, t.Calls, t.Manual, t.Transfers, t.Cancels, t.Violations)
		}
		p("  违规 violations: %d", d.Violations)
	}
	if rep.Fork != nil {
		p("")
		p("比较 Comparison: %s", rep.Fork.MessageZH)
		p("           %s", rep.Fork.Message)
	}
	p("")
	if rep.Consistent {
		p("结论：日志链完整，每一次叫号、转办、取消都符合公布的规则。")
		p("Result: the chain is intact and every call, transfer and cancel follows the published rules.")
		return
	}
	p("结论：发现 %d 处违规。 Result: %d violations found.", len(rep.Findings), len(rep.Findings))
	for _, f := range rep.Findings {
		p("  #%d [%s] %s", f.Seq, f.Kind, f.MessageZH)
		p("        %s", f.Message)
	}
}

func mins(secs float64) string {
	return fmt.Sprintf("%.1f min", secs/60)
}
