// Package queue is hallq's domain core: services, windows, tickets, the events that
// change them and the calling rule.
//
// It does no I/O. Commands are methods of [State] that take the hall's configuration
// ([Hall]), the current time and the request, validate them and return the events
// that would record the change; they never modify the state. [State.Apply] folds one
// committed event (with its log sequence number) into the state. The server's single
// writer runs commands, appends their events to the log, and applies them; anyone
// holding the public log can apply the same events and get the same state.
//
// The calling rule is the pure function [State.Next]; [State.CheckCall] re-checks a
// recorded call against it, which is how a replaying auditor verifies that nobody
// jumped the queue.
package queue
