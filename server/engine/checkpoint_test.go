package engine

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"hallq/server/audit"
	"hallq/server/queue"
)

// auditLog runs the public log of the fixture's store through the verifier.
func auditLog(t *testing.T, f *fixture) *audit.Report {
	t.Helper()
	a, err := audit.New(audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var after uint64
	for {
		recs, err := f.st.EventsAfter(after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			if err := a.Add(r.Raw); err != nil {
				t.Fatalf("event %d: %v", r.Seq, err)
			}
			after = r.Seq
		}
	}
	return a.Finish()
}

func types(t *testing.T, f *fixture) []string {
	t.Helper()
	recs, err := f.st.EventsAfter(0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Type
	}
	return out
}

func count(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

func TestCheckpointsAndRulesInTheLog(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	name := "Test hall"
	f := &fixture{t: t, path: filepath.Join(t.TempDir(), "hall.db"), clock: time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)}
	f.opts = func(o *Options) {
		h := testHall(t)
		h.NameEN = name
		p := h.Public()
		p.TimeZone = "Asia/Shanghai" // the test hall's fixed zone has no name to load
		p.CheckpointKey = audit.SignCheckpoint(key, "", 0, "", "", "").Key
		o.Public, o.CheckpointKey, o.CheckpointEvents = &p, key, 10
	}
	f.open()
	t.Cleanup(f.close)

	ctx := context.Background()
	for i := range 25 {
		f.issue("general", "k"+string(rune('a'+i)))
	}
	f.act(ActInput{Window: "1", Staff: "s1", Action: ActOpen})
	f.act(ActInput{Window: "1", Staff: "s1", Action: ActCallNext})
	f.act(ActInput{Window: "1", Staff: "s1", Action: ActTransfer, Service: "tax", Reason: "supervisor"})
	if _, err := f.e.Act(ctx, ActInput{Window: "1", Staff: "s1", Action: ActCancel, Number: "A0010"}); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("a staff cancel without a reason: got %v, want EINVALID", err)
	}
	f.act(ActInput{Window: "1", Staff: "s1", Action: ActCancel, Number: "A0010", Reason: "supervisor"})
	if err := f.e.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if seq, hash := f.e.LastCheckpoint(); seq == 0 || len(hash) != 64 {
		t.Errorf("last checkpoint: %d %q", seq, hash)
	}
	// The next service day: the seal is signed.
	f.advance(24 * time.Hour)
	f.issue("general", "next-day")

	ty := types(t, f)
	if ty[1] != queue.TypeHallConfigured || count(ty, queue.TypeHallConfigured) != 1 {
		t.Errorf("want one hall.configured, after the day's opening, got %v", ty)
	}
	for i, typ := range ty {
		if typ == queue.TypeDaySealed && (i+1 >= len(ty) || ty[i+1] != queue.TypeLogCheckpoint) {
			t.Errorf("the seal at %d is not followed by a checkpoint: %v", i+1, ty)
		}
	}
	rep := auditLog(t, f)
	if !rep.Consistent {
		t.Fatalf("the engine's log does not verify: %+v", rep.Findings)
	}
	if n := len(rep.Checkpoints); n < 4 {
		t.Errorf("%d checkpoints, want one per 10 events, one asked for and one at the seal", n)
	}
	for _, c := range rep.Checkpoints {
		if !c.OK {
			t.Errorf("checkpoint %d does not verify", c.Seq)
		}
	}

	// A restart with the same rules appends nothing; changed rules are
	// published again.
	f.close()
	f.open()
	if n := count(types(t, f), queue.TypeHallConfigured); n != 1 {
		t.Errorf("after a restart with the same rules: %d hall.configured, want 1", n)
	}
	f.close()
	name = "Renamed hall"
	f.open()
	ty = types(t, f)
	if n := count(ty, queue.TypeHallConfigured); n != 2 {
		t.Fatalf("after a change of the rules: %d hall.configured, want 2", n)
	}
	recs, _ := f.st.EventsAfter(uint64(len(ty)-1), 1)
	var p queue.PublicHall
	if err := json.Unmarshal(recs[0].Data, &p); err != nil || p.NameEN != "Renamed hall" || p.CheckpointKey == "" {
		t.Errorf("the new hall.configured: %+v %v", p, err)
	}
	if rep := auditLog(t, f); !rep.Consistent || len(rep.Rules) != 2 {
		t.Errorf("after the change: consistent %v, %d rule changes", rep.Consistent, len(rep.Rules))
	}
}
