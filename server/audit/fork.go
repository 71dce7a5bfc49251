package audit

import (
	"encoding/hex"
	"fmt"
)

// Relations of two histories.
const (
	RelSame     = "same"     // the same events
	RelExtends  = "extends"  // the second history continues the first
	RelExtended = "extended" // the first history continues the second
	RelFork     = "fork"     // they differ at some seq both hold
	RelDisjoint = "disjoint" // they share no seq, so nothing can be said
)

// ForkResult is the comparison of two histories of the same hall.
type ForkResult struct {
	Relation string `json:"relation"`
	// Seq is the first seq whose hash differs (for a fork), or the last seq
	// both hold (otherwise).
	Seq   uint64 `json:"seq"`
	HashA string `json:"hash_a,omitempty"`
	HashB string `json:"hash_b,omitempty"`
	// Proven is true for a fork both of whose branches carry a valid checkpoint
	// signed by the same key at or after the fork: the hall signed two
	// different histories, which no honest server does.
	Proven      bool        `json:"proven"`
	CheckpointA *Checkpoint `json:"checkpoint_a,omitempty"`
	CheckpointB *Checkpoint `json:"checkpoint_b,omitempty"`
	Message     string      `json:"message"`
	MessageZH   string      `json:"message_zh"`
}

// Compare says whether the history b read extends the history a read, or
// whether they fork. Both auditors must have been made with KeepHashes and
// finished. A fork is also added to a's report as a finding.
func Compare(a, b *Auditor) *ForkResult {
	ra, rb := &a.rep, &b.rep
	lo, hi := max(ra.First, rb.First), min(ra.Last, rb.Last)
	r := &ForkResult{}
	if ra.Events == 0 || rb.Events == 0 || lo > hi {
		r.Relation = RelDisjoint
		r.Message = "the two logs share no event: nothing can be compared"
		r.MessageZH = "两份日志没有共同的事件，无法比较"
		return r
	}
	for seq := lo; seq <= hi; seq++ {
		ha, hb := a.hashes[seq-ra.First], b.hashes[seq-rb.First]
		if ha != hb {
			r.Relation, r.Seq = RelFork, seq
			r.HashA, r.HashB = hex.EncodeToString(ha[:]), hex.EncodeToString(hb[:])
			r.CheckpointA = signedAfter(ra, seq)
			r.CheckpointB = signedAfter(rb, seq)
			r.Proven = r.CheckpointA != nil && r.CheckpointB != nil && r.CheckpointA.Key == r.CheckpointB.Key
			r.Message = fmt.Sprintf("the logs fork at event %d: the first has hash %s, the second %s", seq, short(r.HashA), short(r.HashB))
			r.MessageZH = fmt.Sprintf("两份日志在第%d条事件处分叉：哈希分别为%s和%s", seq, short(r.HashA), short(r.HashB))
			if r.Proven {
				r.Message += fmt.Sprintf("; both branches are signed by the hall's key (checkpoints %d and %d): the hall signed two different histories", r.CheckpointA.Seq, r.CheckpointB.Seq)
				r.MessageZH += fmt.Sprintf("；两个分支都有大厅密钥签名的检查点（第%d条和第%d条）：大厅签署了两份不同的历史", r.CheckpointA.Seq, r.CheckpointB.Seq)
			}
			a.find(seq, KindFork, "", "", r.Message, r.MessageZH)
			a.rep.Consistent = false
			return r
		}
	}
	r.Seq = hi
	switch {
	case ra.First == rb.First && ra.Last == rb.Last:
		r.Relation = RelSame
		r.Message = fmt.Sprintf("the logs are the same from event %d to %d", lo, hi)
		r.MessageZH = fmt.Sprintf("两份日志自第%d条至第%d条完全相同", lo, hi)
	case rb.Last >= ra.Last:
		r.Relation = RelExtends
		r.Message = fmt.Sprintf("the second log extends the first: it holds the first's events %d to %d unchanged and continues to %d", lo, hi, rb.Last)
		r.MessageZH = fmt.Sprintf("第二份日志延续第一份：第%d至%d条完全相同，并续至第%d条", lo, hi, rb.Last)
	default:
		r.Relation = RelExtended
		r.Message = fmt.Sprintf("the first log extends the second: events %d to %d are the same and the first continues to %d", lo, hi, ra.Last)
		r.MessageZH = fmt.Sprintf("第一份日志延续第二份：第%d至%d条完全相同，并续至第%d条", lo, hi, ra.Last)
	}
	return r
}

// signedAfter returns the first valid checkpoint that signs seq or later.
func signedAfter(r *Report, seq uint64) *Checkpoint {
	for i := range r.Checkpoints {
		if c := &r.Checkpoints[i]; c.OK && c.Signs >= seq {
			return c
		}
	}
	return nil
}
