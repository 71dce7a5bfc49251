// Package engine runs a hall: it owns the projected state and the single writer
// that turns requests into committed events.
//
// The writer (three goroutines, see Engine) takes requests from a channel, groups
// the ones that arrive together into one batch (group commit: one store commit,
// one fdatasync of the store's journal, for many requests), runs each request's
// domain command on its working copy of the state, appends the resulting events
// and private records, and commits. Only after the commit succeeds does it apply
// the events to the committed state that readers see, answer the requests and
// hand the records to the publisher, in log order. A failed commit answers every
// request of the batch with an error and rebuilds the working state from the
// committed one, so nothing unacknowledged is ever visible.
//
// Private data (identity HMACs, idempotency records) is committed with the events
// it belongs to, all or nothing, but never into the public log.
package engine
