package audit

import (
	"slices"
	"time"
)

// Kinds of findings. Every finding is a violation: the log is not what the
// published rules and the hash chain say it must be.
const (
	KindChain      = "chain"      // a hash, prev_hash, seq or layout that does not verify
	KindRule       = "rule"       // an act the published rules do not explain
	KindReplay     = "replay"     // an event that does not fit the state (a ticket called twice …)
	KindGap        = "gap"        // a number never issued, voided or leased
	KindCheckpoint = "checkpoint" // a checkpoint that does not verify
	KindFork       = "fork"       // two histories for the same seq
	KindDraw       = "draw"       // a lottery draw that re-running it from the log does not give
)

// Finding is one violation, naming the event it is about.
type Finding struct {
	Seq       uint64 `json:"seq"`
	Kind      string `json:"kind"`
	Day       string `json:"day,omitempty"`
	Window    string `json:"window,omitempty"`
	Staff     string `json:"staff,omitempty"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh"`
}

// Report is the outcome of an audit.
type Report struct {
	Hall   string `json:"hall"`
	First  uint64 `json:"first"` // seq of the first event read
	Last   uint64 `json:"last"`  // seq of the last event read
	Head   string `json:"head"`  // hash of the last event read
	Events int    `json:"events"`
	// Consistent is true when no finding was made.
	Consistent  bool          `json:"consistent"`
	Findings    []Finding     `json:"findings"`
	Days        []*Day        `json:"days"`
	Checkpoints []Checkpoint  `json:"checkpoints"`
	Rules       []RulesChange `json:"rules"`
	// Fork is the outcome of a comparison with another history, when one was asked.
	Fork *ForkResult `json:"fork,omitempty"`
}

// RulesChange is a hall.configured event: the rules in force from Seq on.
type RulesChange struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
}

// Checkpoint is a log.checkpoint event and whether it verified.
type Checkpoint struct {
	Seq   uint64 `json:"seq"`   // the checkpoint event
	Signs uint64 `json:"signs"` // the seq it signs
	Hash  string `json:"hash"`
	Time  string `json:"time"`
	Key   string `json:"key"`
	Sig   string `json:"sig"`
	Hall  string `json:"hall"`
	OK    bool   `json:"ok"`
}

// Day is the audit of one service day.
type Day struct {
	Day        string            `json:"day"`
	Sealed     bool              `json:"sealed"`
	Issued     int               `json:"issued"`
	Served     int               `json:"served"`
	NoShows    int               `json:"no_shows"`
	Calls      map[string]int    `json:"calls"` // by reason
	Manual     []Act             `json:"manual"`
	Transfers  []Act             `json:"transfers"`
	Cancels    []Act             `json:"cancels"`
	Reinstate  []Act             `json:"reinstatements"`
	Recalls    int               `json:"recalls"`
	Offline    []Offline         `json:"offline"`
	Gaps       []Gap             `json:"gaps"`
	Wait       WaitStats         `json:"wait"`
	Windows    map[string]*Tally `json:"windows"`
	Staff      map[string]*Tally `json:"staff"`
	Violations int               `json:"violations"`
	// Tickets are the waits per ticket, when asked for.
	Tickets []TicketWait `json:"tickets,omitempty"`

	waits []time.Duration
}

// Act is a manual call, transfer, cancel or reinstatement.
type Act struct {
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	Number   string    `json:"number"`
	Window   string    `json:"window,omitempty"`
	Staff    string    `json:"staff,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	RulePick string    `json:"rule_pick,omitempty"` // manual calls: whom the rule would have called
	By       string    `json:"by,omitempty"`        // cancels: applicant, staff or kiosk
	From     string    `json:"from,omitempty"`      // transfers
	To       string    `json:"to,omitempty"`
	After    string    `json:"after,omitempty"` // reinstatements
}

// Offline is a ticket a kiosk issued offline from a leased number.
type Offline struct {
	Seq    uint64    `json:"seq"`
	Number string    `json:"number"`
	Kiosk  string    `json:"kiosk"`
	Lease  string    `json:"lease"`
	Placed time.Time `json:"placed"` // its place in the order (issued_at)
	Synced time.Time `json:"synced"` // when the server recorded it (the event's time)
	// Claimed is when the kiosk says it printed it, when the event records it.
	Claimed time.Time `json:"claimed,omitzero"`
	// Clamped names the bound of the placement rule that moved the claimed
	// time, empty when the claim stood.
	Clamped string `json:"clamped,omitempty"`
	// Seen is the kiosk's last contact before the sync that the log shows
	// only here (a status report, a board request …), when it bound the place.
	Seen time.Time `json:"seen,omitzero"`
	// ClaimedToPlacedSecs is how far the placement moved the claimed time
	// (positive: later).
	ClaimedToPlacedSecs float64 `json:"claimed_to_placed_seconds"`
	// DelaySecs is how long after its placement the server heard of it.
	DelaySecs float64 `json:"delay_seconds"`
}

// Gap is a number of a service's daily sequence that was never given to an
// applicant, and what explains it.
type Gap struct {
	Number    string `json:"number"`
	Service   string `json:"service"`
	Explained bool   `json:"explained"`
	// By is "lease.voided" (a leased number voided unused), "lease.outstanding"
	// (leased to a kiosk, neither used nor voided yet), "withdrawn" (issued, but
	// the kiosk got no answer and printed nothing) or "" when nothing explains it.
	By  string `json:"by"`
	Seq uint64 `json:"seq,omitempty"` // the event that explains it
}

// Tally counts a window's or a staff member's acts of a day.
type Tally struct {
	Calls      int `json:"calls"`
	Manual     int `json:"manual"`
	Recalls    int `json:"recalls"`
	Transfers  int `json:"transfers"`
	Cancels    int `json:"cancels"`
	NoShows    int `json:"no_shows"`
	Completed  int `json:"completed"`
	Reinstate  int `json:"reinstatements"`
	Violations int `json:"violations"`
}

// WaitStats summarises the waits of a day's called tickets: from a ticket's
// place in the order (its issue time) to its first call.
type WaitStats struct {
	Count   int     `json:"count"`
	P50Secs float64 `json:"p50_seconds"`
	P90Secs float64 `json:"p90_seconds"`
	MaxSecs float64 `json:"max_seconds"`
}

// TicketWait is one ticket's wait.
type TicketWait struct {
	Number   string  `json:"number"`
	Service  string  `json:"service"`
	WaitSecs float64 `json:"wait_seconds"`
}

// finish computes the wait figures of the day.
func (d *Day) finish() {
	if len(d.waits) == 0 {
		return
	}
	slices.Sort(d.waits)
	n := len(d.waits)
	d.Wait = WaitStats{Count: n, P50Secs: pct(d.waits, 50).Seconds(), P90Secs: pct(d.waits, 90).Seconds(),
		MaxSecs: d.waits[n-1].Seconds()}
	d.waits = nil
}

// pct is the nearest-rank percentile of sorted durations.
func pct(sorted []time.Duration, p int) time.Duration {
	i := (p*len(sorted) + 99) / 100
	return sorted[max(i, 1)-1]
}

func (d *Day) tally(m *map[string]*Tally, key string) *Tally {
	if key == "" {
		key = "-"
	}
	if *m == nil {
		*m = map[string]*Tally{}
	}
	t := (*m)[key]
	if t == nil {
		t = &Tally{}
		(*m)[key] = t
	}
	return t
}
