package audit_test

import (
	"strings"
	"sync"
	"testing"

	"hallq/server/audit"
	"hallq/server/audit/audittest"
	"hallq/server/queue"
)

var (
	genOnce sync.Once
	genLog  *audittest.Log
	genErr  error
)

// hallDay is a generated log of several thousand events with every act.
func hallDay(t testing.TB) *audittest.Log {
	genOnce.Do(func() {
		genLog, genErr = audittest.Generate(audittest.Options{Events: 6000, Seed: 1, Checkpoint: 500, Key: audittest.Key(1)})
	})
	if genErr != nil {
		t.Fatal(genErr)
	}
	return genLog
}

func run(t testing.TB, raws [][]byte, opt audit.Options) (*audit.Auditor, *audit.Report) {
	t.Helper()
	a, err := audit.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		if err := a.Add(raw); err != nil {
			t.Fatalf("add: %v", err)
		}
	}
	return a, a.Finish()
}

func TestGeneratedDayVerifiesClean(t *testing.T) {
	l := hallDay(t)
	_, rep := run(t, l.Raws, audit.Options{})
	for _, f := range rep.Findings {
		t.Errorf("finding: %+v", f)
	}
	if !rep.Consistent || rep.Events != len(l.Raws) {
		t.Fatalf("consistent %v, %d events; want true, %d", rep.Consistent, rep.Events, len(l.Raws))
	}
	var manual, transfers, cancels, reinstated, offline, recalls, gaps, withdrawn, served int
	for _, d := range rep.Days {
		manual += len(d.Manual)
		transfers += len(d.Transfers)
		cancels += len(d.Cancels)
		reinstated += len(d.Reinstate)
		offline += len(d.Offline)
		recalls += d.Recalls
		served += d.Served
		for _, g := range d.Gaps {
			if !g.Explained {
				t.Errorf("day %s: unexplained gap %s", d.Day, g.Number)
			}
			if g.By == "withdrawn" {
				withdrawn++
			}
			gaps++
		}
		if d.Wait.Count == 0 || d.Wait.P90Secs < d.Wait.P50Secs {
			t.Errorf("day %s: waits %+v", d.Day, d.Wait)
		}
	}
	if manual == 0 || transfers == 0 || cancels == 0 || reinstated == 0 || offline == 0 || recalls == 0 || gaps == 0 || withdrawn == 0 || served == 0 {
		t.Errorf("the day lacks an act: manual %d transfers %d cancels %d reinstated %d offline %d recalls %d gaps %d withdrawn %d served %d",
			manual, transfers, cancels, reinstated, offline, recalls, gaps, withdrawn, served)
	}
	ok := 0
	for _, c := range rep.Checkpoints {
		if c.OK {
			ok++
		}
	}
	if ok != len(l.Checkpoints) || ok == 0 {
		t.Errorf("%d checkpoints verified, want %d", ok, len(l.Checkpoints))
	}
	if len(rep.Rules) != 1 {
		t.Errorf("rules changes: got %d, want 1", len(rep.Rules))
	}
	t.Logf("%d events, %d days: %d manual calls, %d transfers, %d cancels, %d reinstatements, %d offline, %d recalls, %d gaps, %d checkpoints",
		rep.Events, len(rep.Days), manual, transfers, cancels, reinstated, offline, recalls, gaps, ok)
}

func TestTamperingIsReported(t *testing.T) {
	l := hallDay(t)
	ts, err := audittest.Tamperings(l, audittest.Key(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range ts {
		t.Run(tt.Name, func(t *testing.T) {
			opt := audit.Options{Key: tt.Key, Remember: tt.Remember, KeepHashes: tt.Other != nil}
			a, rep := run(t, tt.Raws, opt)
			if tt.Other != nil {
				b, _ := run(t, tt.Other, opt)
				if len(rep.Findings) != 0 {
					t.Fatalf("the forked history alone should verify, got %+v", rep.Findings[0])
				}
				f := audit.Compare(a, b)
				if f.Relation != audit.RelFork || !f.Proven || f.Seq != tt.WantSeq {
					t.Fatalf("compare: got %+v, want a proven fork at %d", f, tt.WantSeq)
				}
			}
			if rep.Consistent && tt.Other == nil {
				t.Fatal("reported consistent")
			}
			for _, f := range rep.Findings {
				if f.Kind == tt.WantKind && f.Seq == tt.WantSeq {
					if f.Message == "" || f.MessageZH == "" {
						t.Errorf("finding without a message: %+v", f)
					}
					return
				}
			}
			t.Errorf("no %s finding at event %d; got %d findings, first %+v", tt.WantKind, tt.WantSeq, len(rep.Findings), first(rep.Findings))
		})
	}
}

func first(fs []audit.Finding) any {
	if len(fs) == 0 {
		return nil
	}
	return fs[0]
}

func TestExtends(t *testing.T) {
	long := hallDay(t)
	short, err := audittest.Generate(audittest.Options{Events: 2000, Seed: 1, Checkpoint: 500, Key: audittest.Key(1)})
	if err != nil {
		t.Fatal(err)
	}
	opt := audit.Options{KeepHashes: true}
	a, _ := run(t, short.Raws, opt)
	b, _ := run(t, long.Raws, opt)
	if f := audit.Compare(a, b); f.Relation != audit.RelExtends {
		t.Errorf("got %+v, want the long log to extend the short one", f)
	}
	a, _ = run(t, long.Raws, opt)
	b, _ = run(t, short.Raws, opt)
	if f := audit.Compare(a, b); f.Relation != audit.RelExtended {
		t.Errorf("got %+v, want extended", f)
	}
	// A remembered checkpoint past the end of a log: history was cut back.
	var cps []queue.CheckpointData
	_, rep := run(t, long.Raws, audit.Options{})
	for _, c := range rep.Checkpoints {
		cps = append(cps, queue.CheckpointData{Hall: c.Hall, Seq: c.Signs, Hash: c.Hash, Time: c.Time, Key: c.Key, Sig: c.Sig})
	}
	_, rep = run(t, short.Raws, audit.Options{Remember: cps})
	if rep.Consistent || !strings.Contains(rep.Findings[0].Message, "cut back") {
		t.Errorf("a log cut back before a remembered checkpoint: got %+v", first(rep.Findings))
	}
}

func TestUnverifiable(t *testing.T) {
	l := hallDay(t)
	a, _ := audit.New(audit.Options{})
	if err := a.Add([]byte("not a log")); err == nil {
		t.Error("a first line that is not an event was accepted")
	}
	// Without its hall.configured and without a description, the rules
	// cannot be replayed.
	a, _ = audit.New(audit.Options{})
	var err error
	for _, raw := range l.Raws[1:] {
		if err = a.Add(raw); err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "no hall description") {
		t.Errorf("got %v, want no hall description", err)
	}
}
