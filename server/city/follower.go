package city

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"hallq/server/audit"
	"hallq/server/eventlog"
	"hallq/server/queue"
)

// Flag is why a hall's data is not to be trusted: a finding of the chain's
// verification (an edited, deleted or reordered event, a bad checkpoint, two
// histories) or a stream whose messages are not the hall's events.
type Flag struct {
	Seq       uint64 `json:"seq"`
	Kind      string `json:"kind"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh"`
}

// maxFlags bounds the flags kept per hall: the first ones say enough.
const maxFlags = 20

// follower reads one hall's stream in order and verifies it as it goes. Its
// goroutine (run) owns the reading; mu guards what the pages read.
type follower struct {
	p      *Portal
	stream string
	hall   string

	mu           sync.Mutex
	publicURL    string
	aud          *audit.Auditor
	seq          uint64 // last stream message applied (= event seq)
	hash         string
	last         time.Time // time of the last event
	findings     int       // of the auditor, handled so far
	flags        []Flag
	rules        int // rule findings: acts the published rules do not explain
	unverifiable error
	signed       uint64 // seq of the last checkpoint whose signature verified
	dups, gaps   int
}

func newFollower(p *Portal, stream, hall string) *follower {
	return &follower{p: p, stream: stream, hall: hall, aud: newAuditor()}
}

func (f *follower) setURL(u string) {
	f.mu.Lock()
	f.publicURL = u
	f.mu.Unlock()
}

// run follows the stream until the portal closes, starting again after the
// last message applied whenever the consumer fails.
func (f *follower) run() {
	ctx := f.p.ctx
	pause := 250 * time.Millisecond
	for ctx.Err() == nil {
		err := f.follow(ctx)
		if ctx.Err() != nil {
			return
		}
		f.p.log.Warn("city: following a hall's stream; starting again", "hall", f.hall, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

func (f *follower) follow(ctx context.Context) error {
	f.mu.Lock()
	next := f.seq + 1
	f.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	cons, err := f.p.js.OrderedConsumer(cctx, f.stream, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: next})
	cancel()
	if err != nil {
		return err
	}
	it, err := cons.Messages()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	for {
		msg, err := it.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) && ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		meta, err := msg.Metadata()
		if err != nil {
			return err
		}
		f.add(meta.Sequence.Stream, msg.Data())
	}
}

// add verifies and applies stream message sseq.
func (f *follower) add(sseq uint64, raw []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case sseq <= f.seq:
		f.dups++
		return
	case sseq != f.seq+1:
		f.gaps++
		f.flag(Flag{Seq: f.seq + 1, Kind: audit.KindChain,
			Message:   fmt.Sprintf("stream messages %d to %d are missing", f.seq+1, sseq-1),
			MessageZH: fmt.Sprintf("缺少第%d至%d条消息", f.seq+1, sseq-1)})
	}
	f.seq = sseq
	rec, perr := eventlog.Parse(raw)
	if perr == nil && rec.Seq != sseq {
		f.flag(Flag{Seq: sseq, Kind: audit.KindChain,
			Message:   fmt.Sprintf("stream message %d holds event %d: the stream is not the hall's log", sseq, rec.Seq),
			MessageZH: fmt.Sprintf("第%d条消息为第%d条事件：数据流与大厅日志不一致", sseq, rec.Seq)})
	}
	if f.unverifiable == nil {
		if err := f.aud.Add(raw); err != nil {
			f.unverifiable = err
		}
	}
	fs := f.aud.Findings()
	for _, fd := range fs[f.findings:] {
		switch fd.Kind {
		case audit.KindChain, audit.KindFork, audit.KindCheckpoint:
			f.flag(Flag{Seq: fd.Seq, Kind: fd.Kind, Message: fd.Message, MessageZH: fd.MessageZH})
		default:
			f.rules++
		}
	}
	f.findings = len(fs)
	if perr != nil {
		return
	}
	f.hash, f.last = rec.Hash, rec.Time
	if rec.Type == queue.TypeLogCheckpoint && len(f.flags) == 0 {
		f.signed = rec.Seq
	}
	if f.p.opt.OnEvent != nil {
		f.p.opt.OnEvent(f.hall, rec)
	}
}

func (f *follower) flag(fl Flag) {
	if len(f.flags) < maxFlags {
		f.flags = append(f.flags, fl)
	}
}
