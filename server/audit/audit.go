package audit

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"hallq/server/eventlog"
	"hallq/server/queue"
)

// ErrUnverifiable is returned, wrapped, when the log cannot be checked at all:
// no hall description is in force, an event type is unknown to this verifier,
// or the bytes are not a hallq log. It is not a finding about the hall.
var ErrUnverifiable = errors.New("audit: cannot verify")

// Options say what an audit is given besides the log.
type Options struct {
	// Hall is the hall's public description in force before the log's first
	// hall.configured event (from /api/v1/hall or a file); nil when the log
	// is to bring its own.
	Hall *queue.PublicHall
	// Key pins the Ed25519 public key (standard base64) checkpoints must be
	// signed with; empty means the key the hall description publishes.
	Key string
	// Remember are checkpoints seen earlier (a verifier's cache, a receipt):
	// the log must hold the same hash at each of their seqs.
	Remember []queue.CheckpointData
	// Tickets asks for the wait of every ticket in the report.
	Tickets bool
	// KeepHashes keeps every event's hash, for Compare.
	KeepHashes bool
}

// Auditor checks a log one event at a time. It is not safe for concurrent use.
type Auditor struct {
	opt  Options
	hall *queue.Hall
	pub  *queue.PublicHall
	st   *queue.State
	rep  Report
	day  *Day

	v        *eventlog.Verifier // the chain's head; nil before the first event
	next     uint64             // expected seq, 0 before the first event
	unverif  error
	remember map[uint64][]queue.CheckpointData
	hashes   [][32]byte
	// closings holds the hash of every appointment.applications_closed
	// event by seq: the seed of the draw that follows it.
	closings map[uint64]string
}

// New returns an Auditor for a log read from its start (or, with a
// description in opt.Hall, from any event on).
func New(opt Options) (*Auditor, error) {
	a := &Auditor{opt: opt, st: queue.NewState(), remember: map[uint64][]queue.CheckpointData{}, closings: map[uint64]string{}}
	if opt.Hall != nil {
		if err := a.configure(opt.Hall); err != nil {
			return nil, err
		}
	}
	for _, c := range opt.Remember {
		a.remember[c.Seq] = append(a.remember[c.Seq], c)
	}
	return a, nil
}

// configure puts a hall description in force.
func (a *Auditor) configure(p *queue.PublicHall) error {
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return fmt.Errorf("time zone %q: %w: %w", p.TimeZone, err, ErrUnverifiable)
	}
	h, err := p.Hall(loc)
	if err != nil {
		return fmt.Errorf("hall description: %w: %w", err, ErrUnverifiable)
	}
	cp := *p
	a.hall, a.pub = h, &cp
	a.rep.Hall = h.ID
	return nil
}

// Err returns why the log could not be verified, or nil.
func (a *Auditor) Err() error { return a.unverif }

func (a *Auditor) find(seq uint64, kind, window, staff, en, zh string) {
	f := Finding{Seq: seq, Kind: kind, Window: window, Staff: staff, Message: en, MessageZH: zh}
	if a.day != nil {
		f.Day = a.day.Day
		a.day.Violations++
		if window != "" {
			a.day.tally(&a.day.Windows, window).Violations++
		}
		if staff != "" {
			a.day.tally(&a.day.Staff, staff).Violations++
		}
	}
	a.rep.Findings = append(a.rep.Findings, f)
}

// Add checks the next published event of the log: raw is its exact bytes,
// without the newline. It returns an error wrapping ErrUnverifiable when the
// audit cannot go on; findings about the hall are in the report.
func (a *Auditor) Add(raw []byte) error {
	if a.unverif != nil {
		return a.unverif
	}
	rec, err := eventlog.Parse(raw)
	if err == nil {
		a.next = rec.Seq + 1
	}
	if err != nil {
		if a.next == 0 {
			a.unverif = fmt.Errorf("first line: %w: %w", err, ErrUnverifiable)
			return a.unverif
		}
		a.find(a.next, KindChain, "", "", fmt.Sprintf("event %d: not a published event: %v", a.next, err),
			fmt.Sprintf("第%d条事件：格式不符合公开日志格式", a.next))
		a.next++
		return nil
	}
	a.link(rec)
	if a.rep.Events == 0 {
		a.rep.First = rec.Seq
	}
	a.rep.Events++
	a.rep.Last, a.rep.Head = rec.Seq, rec.Hash
	if a.opt.KeepHashes {
		var h [32]byte
		hex.Decode(h[:], []byte(rec.Hash))
		a.hashes = append(a.hashes, h)
	}
	for _, c := range a.remember[rec.Seq] {
		if c.Hash != rec.Hash {
			a.find(rec.Seq, KindFork, "", "", fmt.Sprintf("event %d has hash %s, but a remembered checkpoint signed %s for the same seq: the log was rewritten", rec.Seq, rec.Hash, c.Hash),
				fmt.Sprintf("第%d条事件的哈希为%s，与此前保存的检查点所签署的%s不同：日志被改写", rec.Seq, short(rec.Hash), short(c.Hash)))
		}
	}
	delete(a.remember, rec.Seq)
	ev, err := queue.DecodeEvent(rec.Seq, rec.Time, rec.Type, rec.Data)
	if err != nil {
		a.unverif = fmt.Errorf("event %d: %w: %w", rec.Seq, err, ErrUnverifiable)
		return a.unverif
	}
	return a.replay(rec, ev)
}

// link checks that rec follows the events before it and that its own hash is
// right, then makes it the head. After a break it follows the log from rec
// on, so that one tampering is reported once and the rest is still checked.
func (a *Auditor) link(rec eventlog.Record) {
	seq := rec.Seq
	if a.v != nil && a.v.Add(rec) == nil {
		return
	}
	if self, err := eventlog.NewVerifier(0, rec.PrevHash); err != nil || self.Add(rec) != nil && !(rec.PrevHash == eventlog.GenesisHash && seq != 1) {
		a.find(seq, KindChain, "", "", fmt.Sprintf("event %d: its hash does not match its bytes: the event was edited", seq),
			fmt.Sprintf("第%d条事件的哈希与内容不符：该事件被修改过", seq))
	}
	var head uint64
	var prev string
	if a.v != nil {
		head, prev = a.v.Head()
	}
	switch {
	case a.v == nil:
		// The first event read: it may start anywhere.
		if (seq == 1) != (rec.PrevHash == eventlog.GenesisHash) {
			a.find(seq, KindChain, "", "", fmt.Sprintf("event %d: only event 1 follows the genesis hash", seq),
				fmt.Sprintf("第%d条事件：只有第1条事件接在初始哈希之后", seq))
		}
	case seq != head+1:
		a.find(seq, KindChain, "", "", fmt.Sprintf("event %d comes where event %d was expected: events were deleted, inserted or reordered", seq, head+1),
			fmt.Sprintf("应为第%d条事件处出现第%d条：事件被删除、插入或调换了顺序", head+1, seq))
	case rec.PrevHash != prev:
		a.find(seq, KindChain, "", "", fmt.Sprintf("event %d: prev_hash %s is not the hash of event %d (%s)", seq, short(rec.PrevHash), head, short(prev)),
			fmt.Sprintf("第%d条事件的prev_hash与第%d条事件的哈希不符", seq, head))
	}
	v, err := eventlog.NewVerifier(seq, rec.Hash)
	if err == nil {
		a.v = v
	}
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

// replay checks ev against the rules in force, tallies it and applies it.
func (a *Auditor) replay(rec eventlog.Record, ev queue.Event) error {
	s := a.st
	switch d := ev.Data.(type) {
	case *queue.PublicHall:
		if err := a.configure(d); err != nil {
			a.unverif = fmt.Errorf("hall.configured event %d: %w", ev.Seq, err)
			return a.unverif
		}
		a.rep.Rules = append(a.rep.Rules, RulesChange{Seq: ev.Seq, Time: ev.Time})
	case *queue.CheckpointData:
		a.checkpoint(rec, d)
	case *queue.DayOpenedData:
		a.closeDay(false)
		a.day = &Day{Day: d.Day, Calls: map[string]int{}}
		a.rep.Days = append(a.rep.Days, a.day)
	case *queue.DaySealedData:
		a.closeDay(true)
	case *queue.ApptDrawClosedData:
		a.closings[ev.Seq] = rec.Hash
	case *queue.ApptDrawnData:
		a.checkSeed(ev.Seq, d)
	}
	if a.hall == nil {
		switch ev.Type {
		case queue.TypeTicketCalled, queue.TypeTicketTransferred, queue.TypeTicketCancelled, queue.TypeTicketReinstated:
			a.unverif = fmt.Errorf("event %d (%s): no hall description is in force, so the rules cannot be replayed; give one (-hall, or read from a server): %w",
				ev.Seq, ev.Type, ErrUnverifiable)
			return a.unverif
		}
	} else if err := s.Check(a.hall, ev); err != nil {
		w, staff := a.actor(ev)
		kind := KindRule
		if ev.Type == queue.TypeApptDrawn {
			kind = KindDraw
		}
		a.find(ev.Seq, kind, w, staff, fmt.Sprintf("event %d: %v", ev.Seq, err), ruleZH(ev, err))
	}
	a.tally(ev)
	if err := s.Apply(ev); err != nil {
		w, staff := a.actor(ev)
		a.find(ev.Seq, KindReplay, w, staff, fmt.Sprintf("event %d does not fit the hall's state: %v", ev.Seq, err),
			fmt.Sprintf("第%d条事件与大厅当时的状态不符（例如同一号码被叫两次或不存在）", ev.Seq))
		// The state still advances, so that one bad event is one finding.
		s.Seq = ev.Seq
	}
	return nil
}

// checkSeed verifies that a draw is seeded by the hash of the event that
// closed its applications, as published: a seed nobody knew before then.
func (a *Auditor) checkSeed(seq uint64, d *queue.ApptDrawnData) {
	want, ok := a.closings[d.SeedSeq]
	switch {
	case !ok:
		a.find(seq, KindDraw, "", "", fmt.Sprintf("event %d: the draw of %s on %s names event %d as its seed, which did not close any applications", seq, d.Service, d.Day, d.SeedSeq),
			fmt.Sprintf("第%d条事件：%s %s的抽签以第%d条事件为种子，但该事件不是申请截止事件", seq, d.Service, d.Day, d.SeedSeq))
	case d.Seed != want:
		a.find(seq, KindDraw, "", "", fmt.Sprintf("event %d: the draw of %s on %s used seed %s, but the hash of event %d, which closed its applications, is %s", seq, d.Service, d.Day, short(d.Seed), d.SeedSeq, short(want)),
			fmt.Sprintf("第%d条事件：%s %s的抽签种子%s不是申请截止事件（第%d条）的哈希%s", seq, d.Service, d.Day, short(d.Seed), d.SeedSeq, short(want)))
	}
}

// actor returns the window and the staff member an event is about.
func (a *Auditor) actor(ev queue.Event) (window, staff string) {
	switch d := ev.Data.(type) {
	case *queue.TicketCalledData:
		window, staff = d.Window, d.Staff
	case *queue.TicketRecalledData:
		window = d.Window
	case *queue.TicketDoneData:
		window = d.Window
	case *queue.TicketReinstatedData:
		window = d.Window
	case *queue.TicketTransferredData:
		window, staff = d.Window, d.Staff
	case *queue.TicketCancelledData:
		window, staff = d.Window, d.Staff
	case *queue.WindowData:
		window, staff = d.Window, d.Staff
	}
	if window != "" && staff == "" {
		if w, ok := a.st.Windows[window]; ok {
			staff = w.Staff
		}
	}
	return window, staff
}

func ruleZH(ev queue.Event, err error) string {
	switch d := ev.Data.(type) {
	case *queue.TicketCalledData:
		if d.Reason == queue.ReasonManual {
			return fmt.Sprintf("第%d条事件：%s号窗口指定叫%s号，但没有公布的理由", ev.Seq, d.Window, d.Number)
		}
		return fmt.Sprintf("第%d条事件：%s号窗口叫%s号，但这不是公布规则应叫的号，也未标明人工指定", ev.Seq, d.Window, d.Number)
	case *queue.TicketTransferredData:
		return fmt.Sprintf("第%d条事件：%s号转办，但没有公布的理由", ev.Seq, d.Number)
	case *queue.TicketCancelledData:
		return fmt.Sprintf("第%d条事件：工作人员取消%s号，但没有公布的理由", ev.Seq, d.Number)
	case *queue.TicketIssuedData:
		return fmt.Sprintf("第%d条事件：号码%s的发放或排队位置不符合公布的规则", ev.Seq, d.Number)
	case *queue.TicketReinstatedData:
		return fmt.Sprintf("第%d条事件：%s号恢复排队的位置不符合公布的规则", ev.Seq, d.Number)
	case *queue.ApptDrawnData:
		return fmt.Sprintf("第%d条事件：%s %s的抽签结果与按公开日志重新抽签的结果不符", ev.Seq, d.Service, d.Day)
	}
	return fmt.Sprintf("第%d条事件不符合公布的规则：%v", ev.Seq, err)
}

// checkpoint verifies a log.checkpoint event: it signs the event just before
// it, for this hall, at its own time, with the published key.
func (a *Auditor) checkpoint(rec eventlog.Record, d *queue.CheckpointData) {
	c := Checkpoint{Seq: rec.Seq, Signs: d.Seq, Hash: d.Hash, Time: d.Time, Key: d.Key, Sig: d.Sig, Hall: d.Hall}
	bad := func(en, zh string) {
		a.find(rec.Seq, KindCheckpoint, "", "", fmt.Sprintf("checkpoint event %d: %s", rec.Seq, en), fmt.Sprintf("第%d条事件（签名检查点）：%s", rec.Seq, zh))
		a.rep.Checkpoints = append(a.rep.Checkpoints, c)
	}
	want := a.opt.Key
	if want == "" && a.pub != nil {
		want = a.pub.CheckpointKey
	}
	switch {
	case d.Seq != rec.Seq-1 || d.Hash != rec.PrevHash:
		bad(fmt.Sprintf("signs seq %d hash %s, but the event before it is %d with hash %s: the history was rewritten after it was signed", d.Seq, short(d.Hash), rec.Seq-1, short(rec.PrevHash)),
			fmt.Sprintf("签署的是第%d条事件、哈希%s，而日志中该处的哈希是%s：签名之后历史被改写", d.Seq, short(d.Hash), short(rec.PrevHash)))
		return
	case a.hall != nil && d.Hall != a.hall.ID:
		bad(fmt.Sprintf("signed for hall %q, not %q", d.Hall, a.hall.ID), fmt.Sprintf("签署的是大厅%q，不是%q", d.Hall, a.hall.ID))
		return
	case d.Time != rec.Time.UTC().Format(eventlog.TimeLayout):
		bad(fmt.Sprintf("signed time %s is not the event's time %s", d.Time, rec.Time.UTC().Format(eventlog.TimeLayout)), "签署的时间与事件时间不符")
		return
	case want == "":
		bad("the hall publishes no checkpoint key to check it with", "大厅没有公布检查点公钥，无法核验签名")
		return
	case d.Key != want:
		bad(fmt.Sprintf("signed by key %s, not the hall's published key %s", d.Key, want), fmt.Sprintf("签名公钥%s不是大厅公布的公钥%s", d.Key, want))
		return
	}
	if !VerifyCheckpoint(d) {
		bad("the signature does not verify", "签名验证失败")
		return
	}
	c.OK = true
	a.rep.Checkpoints = append(a.rep.Checkpoints, c)
}

// VerifyCheckpoint reports whether a checkpoint's signature is valid for its
// own key, over queue.CheckpointMessage of its hall, seq, hash and time.
func VerifyCheckpoint(d *queue.CheckpointData) bool {
	key, err := base64.StdEncoding.DecodeString(d.Key)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return false
	}
	sig, err := base64.StdEncoding.DecodeString(d.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(key, queue.CheckpointMessage(d.Hall, d.Seq, d.Hash, d.Time), sig)
}

// SignCheckpoint returns the checkpoint of event (seq, hash) of hall, made at
// time at (in the log's time layout), signed with key.
func SignCheckpoint(key ed25519.PrivateKey, hall string, seq uint64, hash, at, cause string) queue.CheckpointData {
	sig := ed25519.Sign(key, queue.CheckpointMessage(hall, seq, hash, at))
	return queue.CheckpointData{Hall: hall, Seq: seq, Hash: hash, Time: at,
		Key: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
		Sig: base64.StdEncoding.EncodeToString(sig), Cause: cause}
}

// Findings returns the findings made so far, for a verifier that follows a
// live log and reports as it goes.
func (a *Auditor) Findings() []Finding { return a.rep.Findings }

// State returns the hall description in force (nil before one) and the state
// replayed so far. They are the Auditor's own: read them only between calls
// of Add, and change nothing.
func (a *Auditor) State() (*queue.Hall, *queue.State) { return a.hall, a.st }
