// Package audit checks a hall's public log against the published rules, as
// anyone holding the log can: it recomputes the hash chain and the sequence,
// replays every event through the same server/queue code the server runs
// (State.Check, then State.Apply) under the rules in force at that point (the
// last hall.configured event), checks the signed checkpoints, and tallies per
// day, window and staff member what the public should be able to see: calls by
// reason, manual calls with their reasons, transfers and staff cancels with
// theirs, reinstatements, recalls, offline tickets and how far their claimed
// time was from their placement, gaps in the numbering and whether each is
// explained, and waits.
//
// It reads nothing but the published bytes and the hall's public description;
// hallq-verify and the /audit page are its two faces.
package audit
