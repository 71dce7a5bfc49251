package audittest

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"slices"

	"hallq/server/audit"
	"hallq/server/eventlog"
	"hallq/server/queue"
)

// Rechain re-encodes the log from index from on (0 is seq 1), after edit has
// changed the data of the events it wants to (it returns false to leave one
// as it was), recomputing every hash after the first change as a forger who
// rewrites history must. With key, checkpoints are signed again, as only the
// hall itself could; without, they keep their old signatures.
func Rechain(raws [][]byte, from int, key ed25519.PrivateKey, edit func(i int, typ string, data map[string]any) bool) ([][]byte, error) {
	out := slices.Clone(raws[:from])
	seq, hash := uint64(0), eventlog.GenesisHash
	if from > 0 {
		r, err := eventlog.Parse(raws[from-1])
		if err != nil {
			return nil, err
		}
		seq, hash = r.Seq, r.Hash
	}
	c, err := eventlog.NewChain(seq, hash)
	if err != nil {
		return nil, err
	}
	for i := from; i < len(raws); i++ {
		r, err := eventlog.Parse(raws[i])
		if err != nil {
			return nil, err
		}
		var data map[string]any
		if err := json.Unmarshal(r.Data, &data); err != nil {
			return nil, err
		}
		body := []byte(r.Data)
		if edit(i, r.Type, data) {
			if body, err = json.Marshal(data); err != nil {
				return nil, err
			}
		}
		if r.Type == queue.TypeLogCheckpoint && key != nil {
			s, h := c.Head()
			cp := audit.SignCheckpoint(key, data["hall"].(string), s, h, r.Time.UTC().Format(eventlog.TimeLayout), "interval")
			if body, err = json.Marshal(&cp); err != nil {
				return nil, err
			}
		}
		rec, err := c.Next(r.Type, r.Time, body)
		if err != nil {
			return nil, err
		}
		out = append(out, rec.Raw)
	}
	return out, nil
}

// Tamper is one way of falsifying a log, and what a verifier must report.
type Tamper struct {
	Name string
	Raws [][]byte
	// Other is a second history to compare with; Remember checkpoints to hold
	// the log to; Key a pinned checkpoint key.
	Other    [][]byte
	Remember []queue.CheckpointData
	Key      string
	WantKind string
	WantSeq  uint64
}

// Tamperings returns the falsifications of a log generated with key: each
// breaks one promise of the published log.
func Tamperings(l *Log, key ed25519.PrivateKey) ([]Tamper, error) {
	var ts []Tamper
	raws := l.Raws
	idx := func(seq uint64) int { return int(seq) - 1 }
	add := func(name string, rs [][]byte, err error, kind string, seq uint64) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		ts = append(ts, Tamper{Name: name, Raws: rs, WantKind: kind, WantSeq: seq})
		return nil
	}
	// An event edited in place: its hash no longer matches its bytes.
	k := l.Called[len(l.Called)/2]
	ed := slices.Clone(raws)
	ed[idx(k)] = bytes.Replace(bytes.Clone(ed[idx(k)]), []byte(`"reason":"`), []byte(`"reason":"x`), 1)
	if err := add("event edited", ed, nil, audit.KindChain, k); err != nil {
		return nil, err
	}
	// An event deleted: the next one does not follow.
	del := slices.Delete(slices.Clone(raws), idx(k), idx(k)+1)
	if err := add("event deleted", del, nil, audit.KindChain, k+1); err != nil {
		return nil, err
	}
	// Two events swapped.
	re := slices.Clone(raws)
	re[idx(k)], re[idx(k)+1] = re[idx(k)+1], re[idx(k)]
	if err := add("events reordered", re, nil, audit.KindChain, k+1); err != nil {
		return nil, err
	}
	// A ticket's kiosk changed and the chain recomputed from there: the next
	// checkpoint signed the old history.
	off := l.Online[len(l.Online)/2]
	rc, err := Rechain(raws, idx(off), nil, func(i int, typ string, d map[string]any) bool {
		if i != idx(off) {
			return false
		}
		d["kiosk"] = "k9"
		return true
	})
	cpAfter := uint64(0)
	for _, c := range l.Checkpoints {
		if c > off {
			cpAfter = c
			break
		}
	}
	if err := add("re-chained from the middle", rc, err, audit.KindCheckpoint, cpAfter); err != nil {
		return nil, err
	}
	// A rule-breaking edit, re-chained and re-signed by the hall itself.
	rule := func(name string, seq uint64, edit func(d map[string]any)) error {
		rs, err := Rechain(raws, idx(seq), key, func(i int, typ string, d map[string]any) bool {
			if i != idx(seq) {
				return false
			}
			edit(d)
			return true
		})
		return add(name, rs, err, audit.KindRule, seq)
	}
	m := l.Manual[len(l.Manual)/2]
	if err := rule("a call that is not the rule's pick, not marked manual", m, func(d map[string]any) {
		d["reason"] = "fifo"
		delete(d, "manual_reason")
		delete(d, "rule_pick")
	}); err != nil {
		return nil, err
	}
	if err := rule("a transfer without a reason", l.Transfer[len(l.Transfer)/2], func(d map[string]any) { delete(d, "reason") }); err != nil {
		return nil, err
	}
	if err := rule("a staff cancel without a reason", l.StaffCancel[len(l.StaffCancel)/2], func(d map[string]any) { delete(d, "reason") }); err != nil {
		return nil, err
	}
	if err := rule("a backdated offline ticket", l.Offline[len(l.Offline)/2], func(d map[string]any) {
		d["issued_at"] = "2020-01-01T00:00:00Z"
		d["claimed_at"] = "2020-01-01T00:00:00Z"
		delete(d, "clamped")
	}); err != nil {
		return nil, err
	}
	// Checkpoints signed by another key than the hall's.
	other := Key(99)
	ok, err := Rechain(raws, 0, other, func(int, string, map[string]any) bool { return false })
	if err != nil {
		return nil, err
	}
	ts = append(ts, Tamper{Name: "checkpoints signed by another key", Raws: ok,
		Key: audit.SignCheckpoint(key, "", 0, "", "", "").Key, WantKind: audit.KindCheckpoint, WantSeq: l.Checkpoints[0]})
	// A forked history: the same hall signs a second history that differs
	// from an event on. Alone it verifies; beside the first, or held to a
	// checkpoint of the first, it is a fork.
	fork, err := Rechain(raws, idx(off), key, func(i int, typ string, d map[string]any) bool {
		if i != idx(off) {
			return false
		}
		d["kiosk"] = "k9"
		return true
	})
	if err != nil {
		return nil, err
	}
	ts = append(ts, Tamper{Name: "forked history", Raws: fork, Other: raws, WantKind: audit.KindFork, WantSeq: off})
	var remember []queue.CheckpointData
	for _, c := range l.Checkpoints {
		r, _ := eventlog.Parse(raws[idx(c)])
		var d queue.CheckpointData
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return nil, err
		}
		if d.Seq > off {
			remember = append(remember, d)
			break
		}
	}
	ts = append(ts, Tamper{Name: "forked history against a remembered checkpoint", Raws: fork, Remember: remember,
		WantKind: audit.KindFork, WantSeq: remember[0].Seq})
	return ts, nil
}
